from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from tests.conftest import write

from loyalloop.core import Settings
from loyalloop.core.results import NotComputed
from loyalloop.data.ingest import ingest
from loyalloop.data.schema import open_warehouse
from loyalloop.errors import LoyalloopError, NoRunError
from loyalloop.pipeline import RunStore, run_pipeline
from loyalloop.pipeline import stages as stages_module
from loyalloop.pipeline.stage import Stage

CUSTOMERS = "customer_id,created_at,email\nC1,2024-01-01,a@x.cn\nC2,2024-01-02,A@X.CN\nC3,2024-01-03,c@x.cn\n"
TX = (
    "transaction_id,customer_id,timestamp,amount\n"
    "T1,C1,2024-01-05,10\nT2,C2,2024-02-05,20\nT3,C3,2024-03-01,5\nT4,C3,2024-03-09,-5\n"
)
FEEDBACK = (
    "feedback_id,customer_id,timestamp,channel,score_type,score,text\n"
    "F1,C1,2024-01-09,survey,nps,10,很好\nF2,C3,2024-02-01,survey,nps,3,年费太贵\n"
    "F3,C3,2024-02-01,survey,csat,4,\n"
)


def load(settings: Settings, tmp: Path) -> None:
    with open_warehouse(settings) as wh:
        ingest(wh, "customers", [write(tmp / "c.csv", CUSTOMERS)])
        ingest(wh, "transactions", [write(tmp / "t.csv", TX)])
        ingest(wh, "feedback", [write(tmp / "f.csv", FEEDBACK)])


def test_run_publishes_numbered_runs(settings: Settings, tmp_path: Path) -> None:
    load(settings, tmp_path)
    first = run_pipeline(settings)
    second = run_pipeline(settings)
    assert (first.number, second.number) == (1, 2)
    runs = RunStore(settings.runs_dir).list()
    assert [r.number for r in runs] == [1, 2]
    m = second.manifest
    assert m.as_of == date(2024, 3, 9)
    assert m.profiles is not None
    assert (m.profiles.customer_records, m.profiles.profiles, m.profiles.merged_records) == (
        3,
        2,
        1,
    )
    assert m.profiles.merged_pairs_by_rule == {"email": 1}
    assert m.profiles.mode == "exact" and m.profiles.note  # too few records to train the model
    assert m.kpis is not None and m.kpis.purchasers == 2 and m.kpis.refunds == 5
    assert m.nps is not None and m.nps.n == 2 and m.nps.nps == 0
    assert m.inputs["feedback"] == 3
    # every stage ran but the early-warning list, which needs churn scores (history too short)
    ran = [s.name for s in stages_module.STAGES if s.name != "early_warning"]
    assert list(m.stage_seconds) == ran
    assert isinstance(m.early_warning, NotComputed) and m.early_warning.status == "skipped"
    rfm = second.read("rfm").to_pandas().set_index("customer_id")
    # C1 and C2 share an e-mail → one profile C1 with two purchase days
    assert rfm.loc["C1", "frequency"] == 1 and rfm.loc["C1", "total_spend"] == 30
    assert set(second.tables) >= {"rfm", "segments", "cohorts", "profiles", "profile_map"}
    # two customers cannot support a CLV model: the run says why instead of failing
    assert "clv" not in second.tables
    assert isinstance(m.clv, NotComputed) and m.clv.status == "fit_failed"
    assert "did not converge" in m.clv.message
    assert ("clv", m.clv) in m.not_computed()


def test_crash_mid_run_keeps_last_complete_run(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load(settings, tmp_path)
    run_pipeline(settings)

    def boom(ctx: object) -> None:
        raise LoyalloopError("simulated crash")

    boom_stage = Stage("boom", boom, requires=("rfm",))
    monkeypatch.setattr(stages_module, "STAGES", [*stages_module.STAGES[:2], boom_stage])
    monkeypatch.setattr("loyalloop.pipeline.run.STAGES", stages_module.STAGES)
    with pytest.raises(LoyalloopError, match="simulated crash"):
        run_pipeline(settings)
    store = RunStore(settings.runs_dir)
    assert [r.number for r in store.list()] == [1]
    assert store.latest().read("rfm").num_rows == 2
    assert not list(settings.runs_dir.glob(".tmp-*"))


def test_killed_run_leftovers_are_invisible_and_cleaned(settings: Settings, tmp_path: Path) -> None:
    load(settings, tmp_path)
    run_pipeline(settings)
    # a run killed mid-write leaves a private directory behind (its process is gone)
    dead = settings.runs_dir / ".tmp-999999999-deadbeef"
    dead.mkdir()
    (dead / "rfm.parquet").write_bytes(b"partial")
    store = RunStore(settings.runs_dir)
    assert [r.number for r in store.list()] == [1]
    run_pipeline(settings)
    assert not dead.exists()
    assert [r.number for r in store.list()] == [1, 2]


def test_published_runs_are_read_only_by_design(settings: Settings, tmp_path: Path) -> None:
    load(settings, tmp_path)
    run = run_pipeline(settings)
    before = {p.name: p.stat().st_mtime_ns for p in run.path.iterdir()}
    run_pipeline(settings)
    assert {p.name: p.stat().st_mtime_ns for p in run.path.iterdir()} == before


def test_no_run_and_no_data_errors(settings: Settings) -> None:
    with pytest.raises(NoRunError, match="loyalloop run"):
        RunStore(settings.runs_dir).latest()
    with pytest.raises(LoyalloopError, match="no transactions"):
        run_pipeline(settings)
    assert os.path.exists(settings.warehouse_path)
