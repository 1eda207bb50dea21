"""What to do now: the plan computed from a run's typed results and tables, on runs whose
numbers are known (written here), and its wording in both languages."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from loyalloop.core.results import (
    ChurnModelInfo,
    ChurnRankingInfo,
    ChurnSummary,
    FeedbackSummary,
    KpiSummary,
    NegativeAspect,
    NotComputed,
    PriorityListSummary,
    ReturnHistory,
    RunManifest,
    ScorerMetrics,
    TableInfo,
)
from loyalloop.core.runs import Run
from loyalloop.report.actions import ActionKind, aspect_at_stake, plan_actions
from loyalloop.report.actions_section import actions_section

EW = pd.DataFrame(
    {
        "rank": [1, 2, 3, 4, 5, 6],
        "customer_id": ["a", "b", "c", "d", "e", "f"],
        "stage": ["at_risk", "at_risk", "new", "active", "at_risk", "growing"],
        "churn_probability": [0.9, 0.8, 0.5, 0.6, 0.4, 0.5],
        "clv": [1000.0, 500.0, 400.0, 200.0, 100.0, 40.0],
        "value_at_stake": [900.0, 400.0, 200.0, 120.0, 40.0, 20.0],
        "days_since_last": [30, 40, 10, 5, 20, 3],
        "usual_gap_days": [10, 12, 3, 9, 5, 1],
        "signal": ["overdue", "overdue", "new", "complaint", "spend_falling", "none"],
        "reasons_en": ["x"] * 6,
        "reasons_zh": ["x"] * 6,
    }
)
WB = pd.DataFrame(
    {
        "rank": [1, 2, 3, 4],
        "customer_id": ["g", "h", "i", "j"],
        "stage": ["lapsed", "lapsed", "lost", "closed"],
        "return_probability": [0.2, 0.1, 0.05, 0.0],
        "yearly_value": [3000.0, 1000.0, 600.0, 5000.0],
        "winback_value": [600.0, 100.0, 30.0, 0.0],
        "days_since_last": [200, 250, 400, 100],
        "purchases": [10, 4, 2, 30],
        "reasons_en": ["y"] * 4,
        "reasons_zh": ["y"] * 4,
    }
)


def _churn(scorer: str = "model") -> ChurnSummary:
    return ChurnSummary(
        model=ChurnModelInfo("churn_model.json", "0" * 64, "f", 2, ("recency_days",), None),
        ranking=ChurnRankingInfo(
            scorer=scorer,
            model_won=scorer == "model",
            best_baseline="recency",
            tolerance=0.005,
            probability="own" if scorer == "model" else "isotonic",
            file="churn_ranking.json",
            sha256="1" * 64,
        ),
        horizon_days=90,
        train_cutoffs=(date(2025, 1, 1),),
        test_cutoff=date(2025, 7, 1),
        sample_fraction=1.0,
        n_train=100,
        n_test=50,
        test_churn_rate=0.3,
        metrics={
            "model": ScorerMetrics(0.70, 0.80, 0.2, 2.0),
            "recency": ScorerMetrics(0.75, 0.82, None, 2.1),
        },
        calibration_error=None,
        capture_top_20pct=0.5,
        top_features=(),
        customers_scored=10,
        active_customers=8,
        current_customers=6,
        expected_churners=3.7,
        high_risk=4,
        mean_probability=0.6,
    )


def _write_run(tmp: Path, *, churn_scorer: str = "model", feedback: bool = False) -> Run:
    tables: dict[str, pd.DataFrame] = {"early_warning": EW, "win_back": WB}
    if feedback:
        tables["feedback_analysis"] = pd.DataFrame(
            {
                "profile_id": ["a", "c", "g", None, "d"],
                "brand": ["own", "own", "own", "own", "rival"],
                "timestamp": pd.to_datetime(
                    ["2025-09-01", "2025-09-02", "2025-09-03", "2025-09-04", "2025-09-05"]
                ),
                "aspects": [
                    "fees:negative",
                    "fees:negative;app:positive",
                    "fees:negative",
                    "fees:negative",
                    "fees:negative",
                ],
            }
        )
        tables["statuses"] = pd.DataFrame(
            {"customer_id": list("abcdefg"), "stage": [*EW["stage"], "lapsed"]}
        )
        tables["churn_scores"] = pd.DataFrame(
            {"customer_id": list("abcdefg"), "churn_probability": [0.9, 0.8, 0.5, 0.6, 0.4, 0.5, 1]}
        )
        tables["clv"] = pd.DataFrame(
            {"customer_id": list("abcdefg"), "clv": [1000.0, 500, 400, 200, 100, 40, 9999]}
        )
    tmp.mkdir(parents=True, exist_ok=True)
    info = {}
    for name, frame in tables.items():
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp / f"{name}.parquet")
        info[name] = TableInfo(f"{name}.parquet", len(frame))
    fb = (
        FeedbackSummary(
            taxonomy="banking",
            comments=5,
            own_comments=4,
            rows_without_text=0,
            languages={"en": 5},
            share_negative=1.0,
            share_positive=0.0,
            mean_sentiment=-0.5,
            aspect_mentions=5,
            top_negative_aspects=(NegativeAspect("fees", 4, 1.0),),
            alerts=0,
            alerts_latest_period={},
            key_drivers=NotComputed("insufficient_data", "few"),
            topics=NotComputed("insufficient_data", "few"),
            kano_features=NotComputed("not_configured", "none"),
            channel_disagreements=0,
        )
        if feedback
        else None
    )
    manifest = RunManifest(
        created_at=datetime(2025, 10, 1, tzinfo=UTC),
        as_of=date(2025, 9, 30),
        version="test",
        timezone="UTC",
        config={},
        inputs={},
        quarantined={},
        stage_seconds={},
        seconds=0.0,
        run=3,
        tables=info,
        kpis=KpiSummary(
            10, 10, 8, 0.5, 10.0, 100.0, 0.0, 0.0, 10, date(2025, 9, 30), 90, "CNY", {"CNY": 9}
        ),
        churn=_churn(churn_scorer),
        early_warning=PriorityListSummary(
            kind="early_warning",
            customers=6,
            population=9,
            by_stage={},
            value_basis="clv",
            total_value=1680.0,
            min_probability=0.3,
            churn_scorer=churn_scorer,
        ),
        win_back=PriorityListSummary(
            kind="win_back",
            customers=4,
            population=4,
            by_stage={},
            value_basis="yearly_value",
            total_value=730.0,
            return_history=ReturnHistory(
                date(2025, 7, 1), 90, {"*": 40, "lapsed": 30}, {"*": 5, "lapsed": 4}
            ),
        ),
        feedback=fb,
    )
    return Run(3, tmp, manifest)


def test_plan_groups_the_lists_and_ranks_by_value(tmp_path: Path) -> None:
    plan = plan_actions(_write_run(tmp_path))
    got = [(a.kind, a.group, a.customers, a.value) for a in plan.actions]
    # early warning by signal: overdue 900+400, new 200, complaint 120, spend_falling 40,
    # none 20; win-back by status: lapsed 600+100, lost 30, closed 0 (no action)
    assert got == [
        (ActionKind.KEEP, "overdue", 2, 1300.0),
        (ActionKind.WIN_BACK, "lapsed", 2, 700.0),
        (ActionKind.KEEP, "new", 1, 200.0),
        (ActionKind.KEEP, "complaint", 1, 120.0),
        (ActionKind.KEEP, "spend_falling", 1, 40.0),
    ]
    assert plan.candidates == 7  # two more with a value: lost (30) and none (20)
    overdue, lapsed = plan.actions[0], plan.actions[1]
    assert overdue.facts["mean_probability"] == pytest.approx(0.85)
    assert overdue.facts["average_probability"] == 0.3
    assert overdue.facts["median_days"] == 35.0 and overdue.facts["median_gap"] == 11.0
    assert lapsed.facts["history_returned"] == 4 and lapsed.facts["history_customers"] == 30
    assert lapsed.facts["mean_return"] == pytest.approx(0.15)
    assert plan.caveats == ()
    # the groups are disjoint and add up to the list
    ew_total = sum(
        a.value
        for a in plan_actions(_write_run(tmp_path), max_actions=99).actions
        if a.kind is ActionKind.KEEP
    )
    assert ew_total == pytest.approx(EW["value_at_stake"].sum())


def test_a_baseline_that_ranks_is_said_first(tmp_path: Path) -> None:
    run = _write_run(tmp_path, churn_scorer="recency")
    plan = plan_actions(run)
    assert [c.key for c in plan.caveats] == ["baseline_ranks"]
    assert plan.caveats[0].facts["scorer"] == "recency"
    assert plan.caveats[0].facts["model_roc"] == 0.70
    for lang, words in (
        ("en", "come from days since the last purchase: the churn model did not beat it"),
        ("zh", "本报告中的流失概率来自距上次消费天数：流失模型在回测中没有胜过它"),
    ):
        html = str(actions_section(run, lang).body)  # type: ignore[arg-type]
        assert words in html
        assert html.index(words) < html.index('class="action"')


def test_fix_action_values_the_complainers_at_stake(tmp_path: Path) -> None:
    plan = plan_actions(_write_run(tmp_path, feedback=True), max_actions=99)
    fix = [a for a in plan.actions if a.kind is ActionKind.FIX]
    # own-brand negative mentions of fees: a, c (current) and g (lapsed, not current); d's is a
    # rival's comment; value at stake a 0.9 × 1000 + c 0.5 × 400
    assert len(fix) == 1 and fix[0].group == "fees"
    assert fix[0].customers == 2 and fix[0].value == pytest.approx(1100.0)
    assert fix[0].facts["negative_mentions"] == 4


def test_aspect_matching_is_exact() -> None:
    comments = pd.DataFrame(
        {"profile_id": ["a", "b"], "aspects": ["annual_fee:negative", "fee:positive"]}
    )
    stake = pd.DataFrame({"customer_id": ["a", "b"], "value_at_stake": [1.0, 2.0]})
    assert aspect_at_stake(comments, stake, "fee") == (0, 0.0)
    assert aspect_at_stake(comments, stake, "annual_fee") == (1, 1.0)


def test_lists_not_computed_and_currency_unknown_are_caveats(tmp_path: Path) -> None:
    run = _write_run(tmp_path)
    why = NotComputed("skipped", "no churn probabilities")
    assert run.manifest.kpis is not None
    m = replace(
        run.manifest,
        early_warning=why,
        win_back=why,
        kpis=replace(run.manifest.kpis, currency=None, currencies={"CNY": 3, "USD": 1}),
    )
    plan = plan_actions(replace(run, manifest=m))
    assert plan.actions == ()
    assert [c.key for c in plan.caveats] == [
        "early_warning_not_computed",
        "win_back_not_computed",
        "mixed_currencies",
    ]
    html = str(actions_section(replace(run, manifest=m), "en").body)
    assert "CNY 3, USD 1" in html and "No action with a value at stake" in html


def test_cards_show_who_why_and_value_in_both_languages(tmp_path: Path) -> None:
    run = _write_run(tmp_path)
    en = str(actions_section(run, "en").body)
    zh = str(actions_section(run, "zh").body)
    assert "Contact the 2 customers who are overdue" in en and "CNY 1,300" in en
    assert "Of 30 customers gone 90 days ago, 4 bought again within 90 days." in en
    assert "loyalloop export early_warning --run 3" in en
    assert "联系 2 位已超出平常消费间隔的客户" in zh and "1,300 元" in zh
    assert en.count('class="action"') == 5 == zh.count('class="action"')


def test_the_plan_leads_with_whom_to_call_and_counts_whom_to_watch(tmp_path: Path) -> None:
    """Only the ``call`` part of the early-warning list becomes actions; the ``watch`` part is
    counted beside it with its value at stake, in both languages."""
    ew = EW.assign(action=["call", "call", "watch", "call", "watch", "watch"])
    run = _write_run(tmp_path)
    pq.write_table(
        pa.Table.from_pandas(ew, preserve_index=False), tmp_path / "early_warning.parquet"
    )
    run = replace(run, manifest=replace(run.manifest, config={"loyalty": {"sign_days": 90}}))
    plan = plan_actions(run, max_actions=99)
    keep = [(a.group, a.customers, a.value) for a in plan.actions if a.kind is ActionKind.KEEP]
    assert keep == [("overdue", 2, 1300.0), ("complaint", 1, 120.0)]  # new, spend, none: watch
    assert [(p.action, p.customers, p.value) for p in plan.parts] == [
        ("call", 3, 1420.0),
        ("watch", 3, 260.0),
    ]
    en = str(actions_section(run, "en").body)
    zh = str(actions_section(run, "zh").body)
    assert en.index("Call first: 3 customers") < en.index("Watch, do not call yet: 3 more")
    assert en.index("Watch, do not call yet") < en.index('class="action"')
    assert "(value at stake CNY 1,420)" in en and "(value at stake CNY 260)" in en
    assert "先联系：流失预警名单中有 3 位客户" in zh and "风险价值 1,420 元" in zh
    assert "需关注、暂不联系：另有 3 位客户" in zh and "风险价值 260 元" in zh
    assert "in the last 90 days." in en and "最近 90 天内有投诉" in zh
    # a list written before the split: everyone is a call, nobody to watch
    old = plan_actions(_write_run(tmp_path / "old"))
    assert [(p.action, p.customers) for p in old.parts] == [("call", 6), ("watch", 0)]
    assert "in the last year." in str(actions_section(_write_run(tmp_path / "old"), "en").body)
