"""One definition of the survey scales (issue 8, "one of each"): every caller classifies 0–10
answers the same way, and no other NPS threshold literal is left in ``src/``."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest

from loyalloop.campaigns.audience import _latest_feedback
from loyalloop.cases.themes import _period_frame
from loyalloop.feedback.competitors import nps as competitor_nps
from loyalloop.insight import nps as insight_nps
from loyalloop.insight.scales import (
    NpsGroup,
    is_ces_easy,
    is_csat_satisfied,
    is_detractor,
    is_passive,
    is_promoter,
    nps_group,
)

SCORES = list(range(11))
#: The published definition (Reichheld 2003), written out by hand here on purpose.
TRUTH = {s: "promoter" if s >= 9 else "passive" if s >= 7 else "detractor" for s in SCORES}
COUNTS = {g: sum(1 for v in TRUTH.values() if v == g) for g in ("promoter", "passive", "detractor")}
T0 = dt.datetime(2025, 1, 1)


def test_the_definition_matches_the_published_groups() -> None:
    assert {s: nps_group(s) for s in SCORES} == {s: NpsGroup(g) for s, g in TRUTH.items()}
    assert nps_group(None) is None and nps_group(float("nan")) is None
    a = np.array(SCORES, dtype=float)
    groups = is_promoter(a).astype(int) + is_passive(a).astype(int) + is_detractor(a).astype(int)
    assert groups.tolist() == [1] * 11  # every answer in exactly one group
    assert [s for s in range(1, 6) if is_csat_satisfied(s)] == [4, 5]
    assert [s for s in range(1, 8) if is_ces_easy(s)] == [5, 6, 7]


def test_insight_nps_counts_each_answer_in_its_group() -> None:
    fb = ibis.memtable(
        pd.DataFrame({"score_type": "nps", "score": [float(s) for s in SCORES], "brand": "own"})
    )
    r = insight_nps(fb)
    assert (r.promoters, r.passives, r.detractors) == (
        COUNTS["promoter"],
        COUNTS["passive"],
        COUNTS["detractor"],
    )


def test_competitor_nps_agrees() -> None:
    value, _ = competitor_nps(SCORES)
    assert value == pytest.approx(100 * (COUNTS["promoter"] - COUNTS["detractor"]) / 11)


@pytest.mark.parametrize("score", SCORES)
def test_case_themes_and_campaign_audience_agree_per_answer(score: int) -> None:
    mentions = ibis.memtable(
        pd.DataFrame(
            {
                "feedback_id": ["f1"],
                "aspect": ["fees"],
                "timestamp": [T0],
                "sentiment": [0.0],
                "nps": [float(score)],
            }
        )
    )
    _, r = _period_frame(mentions, "fees", T0, T0 + dt.timedelta(days=1))
    assert (r.promoters, r.passives, r.detractors) == tuple(
        int(TRUTH[score] == g) for g in ("promoter", "passive", "detractor")
    )
    feedback = ibis.memtable(
        pd.DataFrame(
            {
                "customer_id": ["C1"],
                "score_type": ["nps"],
                "score": [float(score)],
                "timestamp": [T0],
                "language": ["zh"],
            }
        )
    )
    view = _latest_feedback({"feedback_analysis": feedback}).execute()
    assert view["nps_group"].tolist() == [TRUTH[score]]


def test_no_other_nps_threshold_literal_in_src() -> None:
    """The rule "survey thresholds live in insight/scales.py only": any ``>= 9``, ``>= 7``,
    ``<= 6`` or ``between(7, 8)`` elsewhere in ``src/`` fails here, unless it is one of the few
    comparisons of lengths and counts listed below (not answers)."""
    src = Path(__file__).resolve().parents[2] / "src" / "loyalloop"
    rule = re.compile(r"(>=|<=)\s*[679](\.0)?\b|between\(\s*7\s*,\s*8\s*\)")
    not_answers = re.compile(r"len\(\w+\) >= 6|\.length\(\) >= 6|^\s*if n >= 6:")
    offenders = [
        f"{p.relative_to(src)}:{i}: {line.strip()}"
        for p in sorted(src.rglob("*.py"))
        if p.name != "scales.py"
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if rule.search(line) and not not_answers.search(line) and not line.lstrip().startswith("#")
    ]
    assert not offenders, "survey thresholds outside insight/scales.py:\n" + "\n".join(offenders)
