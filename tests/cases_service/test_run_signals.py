"""Signals from a run's outputs: churn risk in the top CLV decile, negative aspects, complaint
phrases; profile ids mapped back to customer ids; survey comments and old comments left out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from loyalloop.cases import SignalKind, default_case_config
from loyalloop.services import Store
from loyalloop.services.cases import apply_signals, run_signals


@dataclass
class FakeManifest:
    as_of: dt.date


class FakeRun:
    """The part of :class:`loyalloop.core.runs.Run` the signals read, over Arrow tables."""

    def __init__(self, tables: dict[str, dict[str, list[Any]]]) -> None:
        self.number = 7
        self.manifest = FakeManifest(dt.date(2026, 6, 30))
        self._t = {k: pa.table(v) for k, v in tables.items()}

    def has_table(self, name: str) -> bool:
        return name in self._t

    def read(self, name: str) -> pa.Table:
        return self._t[name]


def fake_run() -> FakeRun:
    n = 20  # profiles P00 … P19; CLV rises with the number: P18, P19 are the top decile
    pids = [f"P{i:02d}" for i in range(n)]
    ts = dt.datetime(2026, 6, 20, 10)
    return FakeRun(
        {
            "profile_map": {
                "customer_id": [f"C{i:02d}" for i in range(n)] + ["C99"],
                "profile_id": [*pids, "P19"],  # P19 merged from C19 and C99: C19
            },
            "clv": {"customer_id": pids, "clv": [float(10 * i) for i in range(n)]},
            "churn_scores": {
                "customer_id": pids,
                "churn_probability": [0.9] * n,
                "population": ["active"] * (n - 1) + ["lapsed_365d"],
            },
            "feedback_analysis": {
                "feedback_id": ["f1", "f2", "svy-3-why", "f4"],
                "customer_id": ["C01", "C02", "C03", "C04"],
                "timestamp": [ts, ts, ts, dt.datetime(2025, 1, 1)],
                "score_type": ["csat", "nps", "nps", "nps"],
                "score": [2.0, 3.0, 0.0, 0.0],
                "sentiment_score": [-0.9, -0.2, -0.9, -0.9],
            },
            "feedback_aspects": {
                "feedback_id": ["f1", "f1", "f2"],
                "aspect": ["billing", "staff", "service"],
                "clause": ["年费乱扣", "态度还行", "我要去银保监投诉"],
                "sentiment_score": [-0.85, 0.2, -0.3],
            },
        }
    )


def test_signals_from_a_run() -> None:
    cfg = default_case_config()
    after = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    sigs = run_signals(fake_run(), cfg, feedback_after=after)
    churn = [s for s in sigs if s.kind is SignalKind.CHURN_RISK]
    # top decile of CLV among 20 profiles: P18 (active) — P19 is lapsed, so not scored as risk
    assert [(s.customer_id, s.signal_id) for s in churn] == [("C18", "run:7:churn:P18")]
    assert churn[0].clv_percentile is not None and churn[0].clv_percentile >= 0.9
    fb = {s.signal_id: s for s in sigs if s.kind is SignalKind.FEEDBACK}
    assert set(fb) == {"feedback:f1", "feedback:f2"}  # survey comment and old comment left out
    assert fb["feedback:f1"].aspects == {"billing": -0.85, "staff": 0.2}
    assert fb["feedback:f1"].aspect_confidence == {}  # a run without the column: severity alone
    assert "银保监" in fb["feedback:f2"].text


def test_signals_carry_the_reading_s_confidence_per_aspect() -> None:
    run = fake_run()
    aspects = run._t["feedback_aspects"].to_pydict()
    aspects["confidence"] = [0.4, float("nan"), 0.9]  # nan: no detector reads the aspect
    run._t["feedback_aspects"] = pa.table(aspects)
    sigs = run_signals(run, default_case_config(),
                       feedback_after=dt.datetime(2026, 6, 1, tzinfo=dt.UTC))  # fmt: skip
    fb = {s.signal_id: s for s in sigs if s.kind is SignalKind.FEEDBACK}
    assert fb["feedback:f1"].aspect_confidence == {"billing": 0.4}
    assert fb["feedback:f2"].aspect_confidence == {"service": 0.9}
    assert fb["feedback:f1"].aspect_clause_confidence == {}  # a run of session 35: none
    # the clauses' own confidence, the largest of an aspect's clauses
    aspects = {k: [*v, v[0]] for k, v in aspects.items()}  # billing in a second clause of f1
    aspects["clause_confidence"] = [0.7, float("nan"), 0.95, 0.85]
    run._t["feedback_aspects"] = pa.table(aspects)
    sigs = run_signals(run, default_case_config(),
                       feedback_after=dt.datetime(2026, 6, 1, tzinfo=dt.UTC))  # fmt: skip
    fb = {s.signal_id: s for s in sigs if s.kind is SignalKind.FEEDBACK}
    assert fb["feedback:f1"].aspect_clause_confidence == {"billing": 0.85}
    assert fb["feedback:f2"].aspect_clause_confidence == {"service": 0.95}


def test_a_run_opens_the_right_cases(store: Store) -> None:
    sigs = run_signals(fake_run(), default_case_config(),
                       feedback_after=dt.datetime(2026, 6, 1, tzinfo=dt.UTC))  # fmt: skip
    with store.session() as s:
        res = apply_signals(s, sigs, now=dt.datetime(2026, 6, 30, 2, tzinfo=dt.UTC))
        from loyalloop.services.cases import queue

        got = sorted((r.customer_id, r.topic, r.priority) for r in queue(s))
    assert len(res.opened) == 3
    assert got == [
        ("C01", "negative_comment", "P2"),  # billing severity 0.85 ≥ 0.7
        ("C02", "complaint", "P1"),  # regulator phrase: P1 at least, supersedes detractor
        ("C18", "retention", "P2"),  # churn 0.9, CLV pct 0.9: 0.3·0.9 + 0.3·0.9 + 0.4·0.5 = 0.74
    ]


def test_comments_carry_the_customers_scores_from_the_run() -> None:
    # the priority of a comment's case uses the run's churn probability and CLV percentile
    # (C01 → profile P01: churn 0.9, CLV percentile 1/20), never the "unknown" middle
    sigs = run_signals(fake_run(), default_case_config(),
                       feedback_after=dt.datetime(2026, 6, 1, tzinfo=dt.UTC))  # fmt: skip
    fb = {s.signal_id: s for s in sigs if s.kind is SignalKind.FEEDBACK}
    assert fb["feedback:f1"].churn_probability == 0.9
    assert fb["feedback:f1"].clv_percentile == 0.05
    assert fb["feedback:f2"].clv_percentile == 0.1


def _publish_scores(store: Store) -> None:
    """A published run where C0 and C5 were merged into profile P9 (churn 0.04, top CLV)."""
    import pyarrow.parquet as pq

    from loyalloop.core.results import RunManifest
    from loyalloop.core.runs import RunStore

    tables = {
        "profile_map": {"customer_id": ["C0", "C5", "C1"], "profile_id": ["P9", "P9", "P1"]},
        "clv": {"customer_id": ["P9", "P1", "P2", "P3"], "clv": [5879.0, 10.0, 20.0, 30.0]},
        "churn_scores": {"customer_id": ["P9", "P1"], "churn_probability": [0.038, 0.5]},
    }
    runs = RunStore(store.analytics.runs_dir)
    with runs.writer() as w:
        for name, cols in tables.items():
            pq.write_table(pa.table(cols), w.file_for(name))
            w.registered(name, len(next(iter(cols.values()))))
        runs.publish(w, RunManifest(
            created_at=dt.datetime(2026, 6, 30, tzinfo=dt.UTC), as_of=dt.date(2026, 6, 30),
            version="test", timezone="UTC", config={}, inputs={}, quarantined={},
            stage_seconds={}, seconds=0.0))  # fmt: skip


def test_a_response_case_takes_the_customers_scores_from_the_latest_run(store: Store) -> None:
    import sqlalchemy as sa
    from apikit import build

    from loyalloop.services.cases import sweep_responses
    from loyalloop.services.responses import submit_personal
    from loyalloop.store.models import CaseSignal

    _publish_scores(store)
    world = build(store, customers=3)
    with store.session() as s:  # C0's profile is known; C2 is not in the run
        submit_personal(
            s,
            store.settings.secret,
            world.tokens[0],
            {"nps": 2, "why": "服务太慢", "improve": "x"},
            lang="zh",
        )
        submit_personal(
            s,
            store.settings.secret,
            world.tokens[2],
            {"nps": 2, "why": "服务太慢", "improve": "x"},
            lang="zh",
        )
    assert len(sweep_responses(store).opened) == 2
    with store.session() as s:
        rows = s.execute(sa.select(CaseSignal.customer_id, CaseSignal.detail)).all()
    reasons = {c: " ".join(r["text"] for r in d["reasons"]) for c, d in rows}
    assert "unknown" not in reasons["C0"], reasons["C0"]
    assert "CLV percentile unknown" in reasons["C2"]  # truly unknown: said so
