"""A complaint's halo read neutral (session 27, fb27a): a pattern's aspect read negative in a
clause beside another aspect's complaint, which the learned detector finds very unlikely."""

from __future__ import annotations

import numpy as np
import pytest

from loyalloop.feedback import aspects
from loyalloop.feedback.aspect_detector import AspectDetector, Readers
from loyalloop.feedback.aspects import load_taxonomy, read_comment


def _toy(bias: list[float]) -> AspectDetector:
    """A detector with no words: its log-odds are the biases (annual fee, credit limit)."""
    return AspectDetector(["annual_fee", "credit_limit"], {}, np.zeros((2, 0)),
                          np.array(bias), 0.5, {})  # fmt: skip


def _read(text: str, readers: Readers | None = None, taxonomy: str = "banking") -> dict:
    out: dict[str, str] = {}
    for m in read_comment(text, load_taxonomy(taxonomy), readers=readers).mentions:
        if out.get(m.aspect) != "negative":
            out[m.aspect] = m.sentiment.label
    return out


SHARED = ["The annual fee is a rip-off and my credit limit is a joke", "年费太贵而且额度太低"]
APART = ["The annual fee is a rip-off. My credit limit is a joke.", "年费太贵，额度也太低了"]


@pytest.mark.parametrize("text", SHARED)
def test_the_unlikely_aspect_beside_a_complaint_is_read_neutral(text: str) -> None:
    assert _read(text, Readers(None, _toy([-8.0, 2.0]))) == {
        "annual_fee": "neutral",
        "credit_limit": "negative",
    }
    assert _read(text, Readers(None, _toy([2.0, 2.0]))) == {
        "annual_fee": "negative",
        "credit_limit": "negative",
    }


@pytest.mark.parametrize("text", SHARED)
def test_a_clause_keeps_one_complaint(text: str) -> None:
    got = _read(text, Readers(None, _toy([-8.0, -7.0])))
    assert got == {"annual_fee": "neutral", "credit_limit": "negative"}


@pytest.mark.parametrize("text", APART)
def test_complaints_in_clauses_of_their_own_are_kept(text: str) -> None:
    # the sample's lists of complaints: one aspect a clause
    got = _read(text, Readers(None, _toy([-8.0, -8.0])))
    assert got == {"annual_fee": "negative", "credit_limit": "negative"}


def test_switched_off_without_a_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aspects, "HALO_NEUTRAL_LOGODDS", {})
    got = _read(SHARED[0], Readers(None, _toy([-8.0, 2.0])))
    assert got == {"annual_fee": "negative", "credit_limit": "negative"}


# With the shipped models: extra aspects the labellers leave out beside a real complaint
# (pattern matches in passing), found leaving one author out (benchmarks/pattern_keep_check.py).
HALOS = [
    ("banking", "Update broke notifications. Didn't get my payment reminder and now I have a "
                "late fee.", "fraud_security"),
    ("banking", "Cust wants to close card, says annual fee not worth it. Retention offer "
                "declined.", "fraud_security"),
    ("banking", "我在电话里明确表示不同意开通任何增值服务，但账单里每月扣收“安全保障服务费”15元，"
                "已扣一年，要求退还。", "fraud_security"),
]  # fmt: skip

# Right aspects beside a complaint, in the same clause: both complaints stay.
BOTH = [
    ("banking", "The agent was rude and I waited an hour on hold",
     ("service_attitude", "waiting_time")),
    ("banking", "年费太贵而且积分根本换不到东西", ("annual_fee", "rewards_points")),
    ("banking", "The annual fee went up and the rewards points are worthless now",
     ("annual_fee", "rewards_points")),
    ("retail", "快递太慢了而且东西质量很差", ("delivery", "quality")),
    ("retail", "The delivery was late and the jacket arrived torn", ("delivery", "quality")),
    ("banking", "App crashed again and the late fee they charged me is ridiculous",
     ("app_online", "fees")),
]  # fmt: skip


@pytest.mark.parametrize(("taxonomy", "text", "aspect"), HALOS)
def test_shipped_halo_is_no_complaint(
    taxonomy: str, text: str, aspect: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    got = _read(text, taxonomy=taxonomy)
    assert got.get(aspect) != "negative"
    assert "negative" in got.values()  # the real complaint stays
    monkeypatch.setattr(aspects, "HALO_NEUTRAL_LOGODDS", {})
    assert _read(text, taxonomy=taxonomy).get(aspect) == "negative"  # the check did it


@pytest.mark.parametrize(("taxonomy", "text", "keys"), BOTH)
def test_shipped_keeps_right_complaints_side_by_side(
    taxonomy: str, text: str, keys: tuple[str, str]
) -> None:
    got = _read(text, taxonomy=taxonomy)
    assert all(got.get(k) == "negative" for k in keys), got
