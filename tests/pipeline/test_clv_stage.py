"""The clv stage: the repeat-purchase model chosen by the holdout check on simulated warehouses
whose true model is known, recorded in a manifest that round-trips; a configured model; BG/NBD
with a reason code when the history is too short; and the sample business end to end."""

from __future__ import annotations

import json
import pickle
import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from loyalloop.apps.demo import load_sample
from loyalloop.clv.simulate import simulate_transactions
from loyalloop.core import Settings
from loyalloop.core.results import (
    ClvSelection,
    ClvSummary,
    NotComputed,
    RunManifest,
)
from loyalloop.core.runs import Run
from loyalloop.data.ingest import ingest
from loyalloop.data.schema import open_warehouse
from loyalloop.errors import ConfigError
from loyalloop.pipeline import ClvConfig, ClvModelSetting, RunConfig, RunStore, run_pipeline
from loyalloop.pipeline import stages as stages_module
from loyalloop.report import render_report

#: Parameters (rates per week) under which 1,500 customers tell the three stories apart: in
#: five seeds each, the holdout check picked the true model every time (BIC margins ≥ 15).
TRUTHS = {
    "bg-nbd": {"r": 1.0, "alpha": 4.0, "a": 1.0, "b": 3.0},
    "mbg-nbd": {"r": 1.0, "alpha": 4.0, "a": 1.0, "b": 3.0},
    "pareto-nbd": {"r": 1.0, "alpha": 4.0, "s": 1.0, "beta": 30.0},
}
N = 1500
START, END = "2023-01-02", "2024-06-30"  # 78 weeks: 52 of calibration, 26 of holdout
AS_OF = date(2024, 6, 30)
#: The stages the clv stage needs (the rest of a run does not touch CLV).
CLV_STAGES = ("profiles", "rfm", "kpis", "clv")


def _load(settings: Settings, folder: Path, tx: pd.DataFrame) -> None:
    """Simulated transactions (and their customers) into the warehouse through ingest."""
    folder.mkdir(parents=True, exist_ok=True)
    first = tx.groupby("customer_id", sort=True)["timestamp"].min()
    customers = pd.DataFrame({"customer_id": first.index, "created_at": first.dt.date})
    customers.to_csv(folder / "customers.csv", index=False)
    tx.assign(timestamp=tx["timestamp"].dt.strftime("%Y-%m-%d %H:%M:%S")).to_csv(
        folder / "transactions.csv", index=False
    )
    with open_warehouse(settings) as wh:
        ingest(wh, "customers", [folder / "customers.csv"])
        ingest(wh, "transactions", [folder / "transactions.csv"])


def _run(settings: Settings, config: RunConfig, mp: pytest.MonkeyPatch) -> Run:
    """A run of the stages up to clv, published like any run."""
    stages = [s for s in stages_module.STAGES if s.name in CLV_STAGES]
    with mp.context() as m:
        m.setattr("loyalloop.pipeline.run.STAGES", stages)
        return run_pipeline(settings, config)


def _simulated(truth: str, seed: int, end: str = END) -> pd.DataFrame:
    return simulate_transactions(
        truth, N, TRUTHS[truth], start=START, end=end, acquisition_weeks=26, seed=seed
    )


def _summary(run: Run) -> ClvSummary:
    info = run.manifest.clv
    assert isinstance(info, ClvSummary), info
    return info


@pytest.fixture(scope="module")
def simulated_runs(
    tmp_path_factory: pytest.TempPathFactory, sample_homes: Any
) -> Iterator[dict[str, tuple[Settings, pd.DataFrame, Run]]]:
    """One warehouse and run per true model (seed 11).

    Made once per test run (this fixture is made again whenever the module's tests come back
    to a worker after a worksteal split) and copied: a test adds a run to a home. The manifest
    each run returned is kept as it was returned (pickled), so that a test comparing it with
    the one on disk still compares the two."""

    def build(folder: Path) -> None:
        with pytest.MonkeyPatch.context() as mp:
            for truth in TRUTHS:
                settings = Settings(home=folder / truth / "home", timezone="UTC", phone_region="CN")
                tx = _simulated(truth, 11)
                _load(settings, folder / truth / "files", tx)
                tx.to_pickle(folder / truth / "tx.pkl")
                run = _run(settings, RunConfig(as_of=AS_OF), mp)
                (folder / truth / "run.pkl").write_bytes(pickle.dumps(run))

    tmp = tmp_path_factory.mktemp("clv-simulated")
    shutil.copytree(sample_homes.built("clv_stage-simulated", build), tmp, dirs_exist_ok=True)
    out = {}
    for truth in TRUTHS:
        settings = Settings(home=tmp / truth / "home", timezone="UTC", phone_region="CN")
        returned = pickle.loads((tmp / truth / "run.pkl").read_bytes())
        run = Run(returned.number, settings.runs_dir / returned.path.name, returned.manifest)
        assert run.path.is_dir(), run.path
        out[truth] = (settings, pd.read_pickle(tmp / truth / "tx.pkl"), run)
    yield out


def _repeat_days(tx: pd.DataFrame, after: date) -> pd.DataFrame:
    """Distinct purchase days per customer, and whether each is a repeat purchase day after
    ``after`` (computed here from the simulated transactions, independently of the library)."""
    days = tx.assign(day=tx["timestamp"].dt.normalize()).drop_duplicates(["customer_id", "day"])
    first = days.groupby("customer_id")["day"].transform("min")
    return days.assign(first=first, in_holdout=days["day"] > pd.Timestamp(after))


@pytest.mark.slow
@pytest.mark.parametrize("truth", list(TRUTHS))
def test_stage_chooses_the_true_model(
    simulated_runs: dict[str, tuple[Settings, pd.DataFrame, Run]], truth: str
) -> None:
    _, tx, run = simulated_runs[truth]
    info = _summary(run)
    assert (info.transaction_model, info.model_choice) == (truth, "selected")
    assert info.model.startswith({"bg-nbd": "BG/NBD", "mbg-nbd": "MBG/NBD"}.get(truth, "Pareto"))
    sel = info.selection
    assert isinstance(sel, ClvSelection)
    assert sel.winner == truth
    assert [c.model for c in sel.candidates] == ["bg-nbd", "mbg-nbd", "pareto-nbd"]
    assert [c.model for c in sel.candidates if c.verdict == "chosen"] == [truth]
    assert all(c.status == "ok" and c.bic is not None for c in sel.candidates)
    # the holdout: the last 26 weeks, every simulated customer acquired before it
    assert info.holdout_weeks == 26 and sel.holdout_weeks == 26.0
    assert sel.calibration_end == AS_OF - timedelta(weeks=26)
    assert sel.holdout_customers == tx["customer_id"].nunique() == N
    days = _repeat_days(tx, sel.calibration_end)
    actual = int((days["in_holdout"] & (days["day"] > days["first"])).sum())
    assert {c.actual_total for c in sel.candidates} == {actual}
    first_day = tx["timestamp"].min().date()
    assert info.history_weeks == pytest.approx((AS_OF - first_day).days / 7, abs=1e-6)
    # the refitted winner lands near the truth (whole period, 1,500 customers)
    p = info.transaction_params
    assert p["r"] / p["alpha"] == pytest.approx(0.25, rel=0.15)
    assert set(p) == set(TRUTHS[truth])
    s = info.spend_params  # simulated spend: Gamma-Gamma (6, 4, 15), mean 30 per purchase
    assert s["p"] * s["v"] / (s["q"] - 1) == pytest.approx(30, rel=0.15)
    # P(alive) by segment carries the caveat's flags, and they add up
    segments = run.read("clv_segments").to_pandas()
    caveat = info.alive_caveat
    assert caveat is not None and caveat.model == truth
    assert segments["alive_flagged"].sum() == caveat.flagged
    assert segments["customers"].sum() == info.customers


@pytest.mark.slow
def test_bg_nbd_caveat_counts_the_long_gone_one_time_buyers(
    simulated_runs: dict[str, tuple[Settings, pd.DataFrame, Run]],
) -> None:
    """BG/NBD calls every one-time buyer alive; the caveat counts those long gone by the base's
    rhythm, as computed here from the transactions."""
    _, tx, run = simulated_runs["bg-nbd"]
    caveat = _summary(run).alive_caveat
    assert caveat is not None
    days = _repeat_days(tx, AS_OF)
    per = days.groupby("customer_id").agg(n=("day", "size"), first=("first", "min"))
    per["last"] = days.groupby("customer_id")["day"].max()
    repeat = per[per["n"] > 1]
    gap = float(np.median((repeat["last"] - repeat["first"]).dt.days / 7 / (repeat["n"] - 1)))
    one_time = per[per["n"] == 1]
    since = (pd.Timestamp(AS_OF) - one_time["first"]).dt.days / 7
    assert caveat.typical_gap_weeks == pytest.approx(gap)
    assert caveat.one_time_buyers == len(one_time)
    assert caveat.long_inactive == int((since >= 3 * gap).sum()) > 0
    assert caveat.flagged == caveat.long_inactive and caveat.implausible
    assert caveat.mean_alive_long_inactive == pytest.approx(1.0)
    # MBG/NBD data: the chosen model lets one-time buyers go
    mbg = _summary(simulated_runs["mbg-nbd"][2]).alive_caveat
    assert mbg is not None and mbg.flagged == 0 and (mbg.mean_alive_long_inactive or 1) < 0.5


@pytest.mark.slow
def test_selection_round_trips_through_the_manifest(
    simulated_runs: dict[str, tuple[Settings, pd.DataFrame, Run]],
) -> None:
    settings, _, run = simulated_runs["pareto-nbd"]
    on_disk = RunStore(settings.runs_dir).latest()
    assert on_disk.manifest == run.manifest
    data = json.loads((run.path / "manifest.json").read_text(encoding="utf-8"))
    assert RunManifest.from_dict(data) == run.manifest
    clv = data["clv"]
    assert clv["model_choice"] == "selected" and clv["selection"]["winner"] == "pareto-nbd"
    assert {c["verdict"] for c in clv["selection"]["candidates"]} <= {
        "chosen",
        "worse_per_customer",
        "worse_total",
        "higher_bic",
        "implausible_alive",
    }
    assert not [p for p, _ in run.manifest.not_computed() if p.startswith("clv")]
    # the run's settings record the choice asked for
    assert RunConfig.from_dict(run.manifest.config).clv == ClvConfig()


@pytest.mark.slow
def test_a_run_from_before_model_selection_still_reads(
    simulated_runs: dict[str, tuple[Settings, pd.DataFrame, Run]],
) -> None:
    """A manifest written before the choice (same format version, no new fields) reads with
    the new fields empty, and the report says the run used BG/NBD without a check."""
    _, _, run = simulated_runs["bg-nbd"]
    data = run.manifest.to_dict()
    for key in (
        "transaction_model",
        "model_choice",
        "holdout_weeks",
        "history_weeks",
        "selection",
        "alive_caveat",
    ):
        del data["clv"][key]
    old = RunManifest.from_dict(data)
    assert isinstance(old.clv, ClvSummary)
    assert old.clv.transaction_model is None and old.clv.selection is None
    html = render_report(Run(run.number, run.path, old), "en")
    assert "published before the purchase model was chosen by a holdout check" in html


@pytest.mark.slow
def test_a_configured_model_is_used_without_a_check(
    simulated_runs: dict[str, tuple[Settings, pd.DataFrame, Run]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings, _, _ = simulated_runs["mbg-nbd"]
    config = RunConfig(as_of=AS_OF, clv=ClvConfig(model=ClvModelSetting.PARETO_NBD))
    run = _run(settings, config, monkeypatch)
    info = _summary(run)
    assert (info.transaction_model, info.model_choice) == ("pareto-nbd", "configured")
    assert info.selection is None and set(info.transaction_params) == {"r", "alpha", "s", "beta"}
    assert info.model == "Pareto/NBD + Gamma-Gamma"
    assert info.alive_caveat is not None and info.alive_caveat.model == "pareto-nbd"
    html = render_report(run, "en")
    assert "Pareto/NBD was set in the run settings (clv.model); no holdout check" in html


def test_a_short_history_falls_back_to_bg_nbd_with_a_reason_code(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """40 weeks of purchases leave 14 weeks before a 26-week holdout: no check, BG/NBD."""
    tx = _simulated("mbg-nbd", 3, end="2023-10-08")
    _load(settings, tmp_path, tx)
    run = _run(settings, RunConfig(as_of=date(2023, 10, 8)), monkeypatch)
    info = _summary(run)
    assert (info.transaction_model, info.model_choice) == ("bg-nbd", "short_history")
    assert info.model == "BG/NBD + Gamma-Gamma"
    assert isinstance(info.selection, NotComputed)
    assert info.selection.status == "insufficient_data"
    assert info.history_weeks == pytest.approx(40, abs=1) and info.holdout_weeks == 26
    assert ("clv.selection", info.selection) in run.manifest.not_computed()
    assert info.alive_caveat is not None and info.alive_caveat.model == "bg-nbd"
    assert RunManifest.from_dict(json.loads(json.dumps(run.manifest.to_dict()))) == run.manifest
    en, zh = render_report(run, "en"), render_report(run, "zh")
    assert "BG/NBD was used without a holdout check" in en and "needs at least 52 weeks" in en
    assert "未做留出期检验，使用 BG/NBD" in zh and "至少需要 52 周" in zh
    # a shorter holdout makes the check possible on the same data
    shorter = RunConfig(as_of=date(2023, 10, 8), clv=ClvConfig(holdout_weeks=13))
    assert _summary(_run(settings, shorter, monkeypatch)).model_choice == "selected"


def test_clv_settings_are_checked() -> None:
    assert RunConfig.from_dict({"clv": {"model": "mbg-nbd"}}).clv.model is ClvModelSetting.MBG_NBD
    with pytest.raises(ConfigError, match=r"clv\.model: input should be 'auto'"):
        RunConfig.from_dict({"clv": {"model": "nbd"}})
    with pytest.raises(ConfigError, match=r"clv\.holdout_weeks: must be a positive integer"):
        RunConfig.from_dict({"clv": {"holdout_weeks": 0}})
    from loyalloop.clv import TransactionModelName

    assert {m.value for m in ClvModelSetting} == {"auto", *(m.value for m in TransactionModelName)}
    assert replace(ClvConfig(), model=ClvModelSetting.AUTO) == ClvConfig()


@pytest.mark.slow
def test_clv_stage_on_sample(settings: Settings) -> None:
    load_sample(settings, customers=1500, seed=3)
    run = run_pipeline(settings)
    info = _summary(run)
    clv = run.read("clv").to_pandas()
    rfm = run.read("rfm").to_pandas()
    assert sorted(clv["customer_id"]) == sorted(rfm["customer_id"])
    assert clv["probability_alive"].between(0, 1).all()
    assert (clv["clv"] >= 0).all() and (clv["expected_purchases"] >= 0).all()
    assert info.total_clv == pytest.approx(clv["clv"].sum())
    top = np.sort(clv["clv"].to_numpy())[::-1][: len(clv) // 10].sum() / clv["clv"].sum()
    assert info.top_decile_share == pytest.approx(top, rel=0.02)
    # the sample's purchases are BG/NBD; the check keeps BG/NBD or MBG/NBD, which differ only
    # in a dropout at the first purchase (here p is about 0.5%), and lands near the truth
    assert info.model_choice == "selected" and info.transaction_model in ("bg-nbd", "mbg-nbd")
    truth = json.loads((settings.home / "sample" / "truth" / "params.json").read_text())
    p = info.transaction_params
    assert p["a"] == pytest.approx(truth["a"], rel=0.5)
    assert p["r"] / p["alpha"] == pytest.approx(truth["r"] / truth["alpha"], rel=0.3)
    html = render_report(run, "zh")
    assert "客户终身价值" in html and "chart-clv" in html and "购买模型是如何选定的" in html
