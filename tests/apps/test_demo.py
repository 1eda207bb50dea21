"""The demo composes sample → ingest → run → report; its counts add up."""

from __future__ import annotations

import pytest

from loyalloop.apps import run_demo
from loyalloop.core import Settings
from loyalloop.core.runs import RunStore


@pytest.mark.slow
def test_demo_runs_the_whole_loop(settings: Settings) -> None:
    result = run_demo(settings, customers=400, seed=2, lang="zh")
    branch = result.ingested["branch transactions"]
    assert branch.quarantined == 5  # the five broken rows of the GBK branch export
    for r in result.ingested.values():
        assert r.read == r.loaded + r.already_loaded + r.quarantined
    assert RunStore(settings.runs_dir).latest().number == result.run.number == 1
    html = result.report.read_text(encoding="utf-8")
    assert "客户忠诚度报告" in html and result.run.manifest.kpis is not None

    # campsvc: the demo acts — a win-back campaign through the store, the worker and the truth
    c = result.campaign
    assert c is not None
    counts = c.launch["counts"]
    assert counts["assigned"] == counts["global_control"] + counts["holdout"] + sum(
        counts["arms"].values()
    )
    assert counts["assigned"] > 0 and counts["holdout"] > 0
    treated = sum(counts["arms"].values())
    assert c.delivered["sent"] == c.launch["queued"] == treated - c.launch["failed"]
    assert len(list(c.sink.glob("*.eml"))) == c.delivered["sent"]
    assert {a["arm"] for a in c.arms} == {"global_control", "holdout", *counts["arms"]} - {
        a for a, n in [("global_control", counts["global_control"])] if n == 0
    }
    assert sum(a["customers"] for a in c.arms) == counts["assigned"]

    # learning: two targeting rounds on the sample's campaign truth, the budget kept
    learnt = result.learning
    if learnt is None:  # 400 customers may be too few for the churn model the rounds rank by
        assert "churn probability" in result.learning_skipped
        return
    for r in learnt.rounds:
        assert r.plan.spent <= learnt.budget
        assert r.true_value.low <= r.true_value.estimate <= r.true_value.high
    lines = learnt.lines()
    assert lines[0].startswith("round 1:") and "round 2 − round 1 on the truth" in lines[-1]
