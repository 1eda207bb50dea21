"""The campaign_outcomes stage: a run attributes every assignment's outcomes (treated, holdout
and global control alike) into the outcomes contract; loaded rows win per campaign and family
of kinds; a re-run writes the same rows and the warehouse's outcomes are left as they were."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from loyalloop.core import Settings
from loyalloop.core.runs import Run
from loyalloop.data.ingest import ingest
from loyalloop.data.schema import open_warehouse
from loyalloop.pipeline import RunConfig, run_pipeline
from loyalloop.pipeline import stages as stages_module

STAGES = ("profiles", "campaign_outcomes")
AS_OF = date(2026, 7, 31)
W = "2026-07-01 00:00:00"


def _csv(folder: Path, name: str, rows: list[dict[str, object]]) -> Path:
    path = folder / f"{name}.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def _home(tmp: Path) -> Settings:
    settings = Settings(home=tmp / "home", timezone="UTC", phone_region="CN")
    folder = tmp / "files"
    folder.mkdir()
    ids = [f"C{i}" for i in range(1, 7)]
    files: dict[str, list[dict[str, object]]] = {
        "customers": [{"customer_id": c, "created_at": "2025-01-01"} for c in ids],
        "transactions": [
            {"transaction_id": t, "customer_id": c, "timestamp": ts, "amount": a}
            for t, c, ts, a in [
                ("T1", "C1", "2026-03-01 10:00:00", 100.0),  # 122 days before: C1 had lapsed
                ("T2", "C1", "2026-07-10 10:00:00", 40.0),
                ("T3", "C1", "2026-07-20 10:00:00", 60.0),
                ("T4", "C2", "2026-06-15 10:00:00", 30.0),  # bought recently: not lapsed
                ("T5", "C2", "2026-07-05 10:00:00", 25.0),
                ("T6", "C3", "2026-07-03 10:00:00", 10.0),  # holdout, first purchase
                ("T7", "C4", "2026-08-05 10:00:00", 99.0),  # after the run's as-of day
                ("T8", "C5", "2026-07-06 10:00:00", 70.0),  # K2's purchases were loaded
                ("T9", "C6", "2026-07-07 10:00:00", 15.0),
            ]
        ],
        "feedback": [
            {
                "feedback_id": "F1",
                "customer_id": "C2",
                "timestamp": "2026-07-12 09:00:00",
                "channel": "survey",
                "score_type": "nps",
                "score": 9,
            },
            {
                "feedback_id": "F2",
                "customer_id": "C3",
                "timestamp": "2026-07-12 09:00:00",
                "channel": "review",
                "score_type": "rating",
                "score": 2,
            },
        ],
        "campaigns": [
            {"campaign_id": k, "name": k, "start_at": W, "end_at": "2026-08-01 00:00:00"}
            for k in ("K1", "K2")
        ],
        "interactions": [
            {"customer_id": c, "timestamp": ts, "channel": "email", "kind": k, "campaign_id": cid}
            for c, ts, k, cid in [
                ("C1", "2026-07-02 08:00:00", "clicked", "K1"),
                ("C1", "2026-07-03 08:00:00", "redeemed", "K1"),
                ("C5", "2026-07-02 08:00:00", "clicked", "K2"),
                ("C2", "2026-07-02 08:00:00", "clicked", "K2"),  # not assigned to K2
            ]
        ],
    }
    assignments = pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3", "C4", "C5", "C6"],
            "campaign_id": ["K1", "K1", "K1", "K1", "K2", "K2"],
            "arm": ["offer", "message", "holdout", "global_control", "message", "holdout"],
            "assigned_at": pd.Timestamp(W),
        }
    )
    loaded = pd.DataFrame(
        {
            "customer_id": ["C5"],
            "campaign_id": ["K2"],
            "timestamp": [pd.Timestamp("2026-07-05 12:00:00")],
            "kind": ["purchase"],
            "value": [50.0],
        }
    )
    with open_warehouse(settings) as wh:
        for name, rows in files.items():
            r = ingest(wh, name, [_csv(folder, name, rows)])
            assert r.quarantined == 0, (name, r)
        # inserted directly, as tests/measurement/test_stage.py does (main's ingest of the
        # assignments contract: see there)
        for name, frame in (("assignments", assignments), ("outcomes", loaded)):
            wh.raw.register("_f", frame)
            wh.raw.execute(f"INSERT INTO {name} ({', '.join(frame.columns)}) SELECT * FROM _f")
            wh.raw.unregister("_f")
    return settings


def _run(settings: Settings) -> Run:
    stages = [s for s in stages_module.STAGES if s.name in STAGES]
    with pytest.MonkeyPatch.context() as m:
        m.setattr("loyalloop.pipeline.run.STAGES", stages)
        return run_pipeline(settings, RunConfig(as_of=AS_OF))


def _table(run: Run) -> pd.DataFrame:
    t = run.read("campaign_outcomes")
    t = t.to_pandas() if hasattr(t, "to_pandas") else t
    t["timestamp"] = pd.to_datetime(t["timestamp"]).dt.strftime("%m-%d")
    return t.sort_values(["campaign_id", "customer_id", "timestamp", "kind"]).reset_index(drop=True)


EXPECTED = [
    # campaign, customer, day, kind, value, source
    ("K1", "C1", "07-02", "clicked", None, "attributed"),
    ("K1", "C1", "07-03", "redeemed", None, "attributed"),
    ("K1", "C1", "07-10", "purchase", 40.0, "attributed"),
    ("K1", "C1", "07-10", "reactivated", 40.0, "attributed"),
    ("K1", "C1", "07-20", "purchase", 60.0, "attributed"),
    ("K1", "C2", "07-05", "purchase", 25.0, "attributed"),
    ("K1", "C2", "07-12", "survey_answer", 9.0, "attributed"),
    ("K1", "C3", "07-03", "purchase", 10.0, "attributed"),  # the holdout counts too
    ("K1", "C3", "07-03", "reactivated", 10.0, "attributed"),
    ("K2", "C5", "07-02", "clicked", None, "attributed"),  # clicks were not loaded for K2
    ("K2", "C5", "07-05", "purchase", 50.0, "loaded"),  # K2's purchases come from the load
]


def test_run_attributes_outcomes_and_a_rerun_writes_the_same(tmp_path: Path) -> None:
    settings = _home(tmp_path)
    first = _table(_run(settings))
    got = [
        (r.campaign_id, r.customer_id, r.timestamp, r.kind,
         None if pd.isna(r.value) else float(r.value), r.source)
        for r in first.itertuples()
    ]  # fmt: skip
    assert got == EXPECTED
    assert list(first.columns) == [
        "customer_id", "campaign_id", "timestamp", "kind", "value", "source"
    ]  # fmt: skip
    second = _table(_run(settings))
    pd.testing.assert_frame_equal(first, second)
    with open_warehouse(settings) as wh:
        assert wh.count("outcomes") == 1  # the run wrote nothing into the warehouse's table
