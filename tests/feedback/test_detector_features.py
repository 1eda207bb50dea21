"""The aspect detector's optional English feature extras: what each adds, and how a detector
file names them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from loyalloop.errors import ModelError
from loyalloop.feedback.aspect_detector import AspectDetector
from loyalloop.feedback.aspect_model import clause_ngrams
from loyalloop.feedback.detector_features import detector_features, parse_kinds


def test_without_extras_the_features_are_the_shared_ngrams() -> None:
    for clause in ("the agent was rude", "客服态度很差", "fees 太高"):
        assert detector_features(clause) == clause_ngrams(clause, "t")


def test_skip_pairs_join_content_words_across_function_words() -> None:
    feats = detector_features("agent on the phone was rude", frozenset({"skip"}))
    # content words: agent, phone, rude; pairs up to three content words apart, in order
    extra = [f for f in feats if f.startswith("tk")]
    assert extra == ["tkagent_phone", "tkagent_rude", "tkphone_rude"]
    assert "tkrude_agent" not in feats


def test_subject_crosses_a_clause_about_a_person_with_its_words() -> None:
    kinds = frozenset({"subject"})
    she = {f for f in detector_features("she was so rude", kinds) if f.startswith("tp")}
    rep = {f for f in detector_features("the rep was so rude", kinds) if f.startswith("tp")}
    assert she == rep == {"tprude"}
    assert not [f for f in detector_features("the app was so slow", kinds) if f.startswith("tp")]


def test_stem_unifies_inflections() -> None:
    kinds = frozenset({"stem"})
    one = detector_features("they charged a fee", kinds)
    two = detector_features("charges and fees", kinds)
    assert {"tscharg", "tsfee"} <= set(one) & set(two)


def test_kinds_are_read_from_the_file_and_unknown_ones_fail(tmp_path: Path) -> None:
    assert parse_kinds("ngrams") == frozenset()
    assert parse_kinds("ngrams+skip+subject") == {"skip", "subject"}
    det = AspectDetector(["staff"], {"tprude": 0}, np.array([[3.0]]), np.array([-2.0]), 0.5,
                         {"features": "ngrams+subject"})  # fmt: skip
    det.dump(tmp_path / "d.txt")
    again = AspectDetector.load(tmp_path / "d.txt")
    assert again.features == {"subject"}
    # "tprude" fires only through the subject extra: -2 + 3 = 1
    assert again.probabilities(["she was rude"])[0] == pytest.approx(1 / (1 + np.exp(-1.0)))
    assert again.probabilities(["it was rude"])[0] == pytest.approx(1 / (1 + np.exp(2.0)))
    text = (tmp_path / "d.txt").read_text("utf-8").replace("ngrams+subject", "ngrams+magic")
    (tmp_path / "e.txt").write_text(text, encoding="utf-8")
    with pytest.raises(ModelError, match="magic"):
        AspectDetector.load(tmp_path / "e.txt")
