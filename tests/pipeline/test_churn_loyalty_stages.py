"""The churn and loyalty stages on the sample business, run through the real pipeline.

Three runs share one project home (module fixture): an early one whose history is too short
for a churn backtest, one a month before the end of the data, and one at the end.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import loyalloop.pipeline.run as run_module
from loyalloop.churn import ChurnModel, ChurnRanking, median_lifetime
from loyalloop.churn.comparison import choose_ranking
from loyalloop.churn.evaluation import ScoreMetrics
from loyalloop.churn.scoring import score_customers
from loyalloop.core import Settings
from loyalloop.core.results import ChurnSummary, LoyaltySummary, NotComputed, PriorityListSummary
from loyalloop.core.runs import Run, RunStore
from loyalloop.data.schema import open_warehouse
from loyalloop.errors import DataValidationError
from loyalloop.insight.definitions import CURRENT_STATUSES, GONE_STATUSES
from loyalloop.pipeline.churn_stage import MODEL_FILE, RANKING_FILE
from loyalloop.pipeline.config import RunConfig
from loyalloop.report.churn_section import churn_section
from loyalloop.report.i18n import Lang
from loyalloop.report.lists_section import lists_section
from loyalloop.report.loyalty_section import loyalty_section

pytestmark = pytest.mark.slow

EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@dataclass(frozen=True)
class Runs:
    settings: Settings
    early: Run
    previous: Run
    latest: Run


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, sample_homes: Any) -> Iterator[Runs]:
    def build(home: Path) -> None:
        settings = Settings(home=home, timezone="UTC", phone_region="CN")
        # load_sample(settings, customers=2000, seed=1), loaded once for this and
        # test_feedback_stage
        sample_homes.load(settings, customers=2000, seed=1)
        with open_warehouse(settings) as wh:
            end = run_module.default_as_of(wh)
        run_module.run_pipeline(settings, RunConfig(as_of=date(2024, 6, 30)))
        run_module.run_pipeline(settings, RunConfig(as_of=end - timedelta(days=30)))
        run_module.run_pipeline(settings, RunConfig())

    # the home with its three runs is made once per test run and copied here (this fixture is
    # made again whenever the module's tests come back to a worker)
    home = tmp_path_factory.mktemp("churn_loyalty") / "home"
    shutil.copytree(sample_homes.built("churn_loyalty_stages-runs", build), home)
    settings = Settings(home=home, timezone="UTC", phone_region="CN")
    early, previous, latest = RunStore(settings.runs_dir).list()
    yield Runs(settings, early, previous, latest)


def _frame(run: Run, name: str) -> pd.DataFrame:
    return run.read(name).to_pandas()


def _churn(run: Run) -> ChurnSummary:
    info = run.manifest.churn
    assert isinstance(info, ChurnSummary), info
    return info


def _loyalty(run: Run) -> LoyaltySummary:
    info = run.manifest.loyalty
    assert isinstance(info, LoyaltySummary), info
    return info


# ---------------------------------------------------------------------------------- churn
def test_churn_model_beats_recency_baseline(runs: Runs) -> None:
    info = _churn(runs.latest)
    model, recency = info.metrics["model"], info.metrics["recency"]
    assert model.roc_auc is not None and recency.roc_auc is not None
    assert model.roc_auc > recency.roc_auc
    assert model.pr_auc is not None and recency.pr_auc is not None
    assert model.pr_auc > recency.pr_auc
    assert info.test_churn_rate is not None and 0 < info.test_churn_rate < 1
    # the manifest's headline numbers are the saved evaluation table's
    ev = _frame(runs.latest, "churn_evaluation").set_index("scorer")
    assert ev.loc["model", "roc_auc"] == pytest.approx(model.roc_auc)
    assert set(ev.index) >= {"model", "recency", "bgnbd"}
    lift = _frame(runs.latest, "churn_lift")
    for _, part in lift.groupby("scorer"):
        assert part["capture"].is_monotonic_increasing
        assert part["capture"].iloc[-1] == pytest.approx(1.0)
    cal = _frame(runs.latest, "churn_calibration")
    assert set(cal["scorer"]) >= {"model"} and cal["mean_predicted"].between(0, 1).all()


def test_churn_cutoffs_never_leak_past_as_of(runs: Runs) -> None:
    info, as_of = _churn(runs.latest), runs.latest.manifest.as_of
    test_cut = info.test_cutoff
    assert test_cut + timedelta(days=info.horizon_days) == as_of + timedelta(days=1)
    for c in info.train_cutoffs:
        assert c + timedelta(days=info.horizon_days) <= test_cut


def test_every_buyer_scored_once_with_probabilities(runs: Runs) -> None:
    scores = _frame(runs.latest, "churn_scores")
    rfm = _frame(runs.latest, "rfm")
    assert scores["customer_id"].is_unique
    assert set(scores["customer_id"]) == set(rfm["customer_id"])
    assert scores["churn_probability"].between(0, 1).all()
    active = scores[scores["population"] == "active"]
    lapsed = scores[scores["population"] == "lapsed_365d"]
    assert (active["recency_days"] <= 365).all() and (lapsed["recency_days"] > 365).all()
    assert sorted(active["risk_decile"].unique()) == list(range(1, 11))
    assert lapsed["risk_decile"].isna().all()
    # decile 1 is the riskiest
    by = active.groupby("risk_decile")["churn_probability"].mean()
    assert by.loc[1] >= by.loc[10]
    top = active.sort_values("churn_probability", ascending=False).head(50)
    assert top["reasons_en"].notna().all() and top["reasons_zh"].notna().all()
    assert lapsed["reasons_en"].isna().all()


def test_model_saved_with_spec_version_and_checked(runs: Runs) -> None:
    run = runs.latest
    info = _churn(run).model
    path = run.path / MODEL_FILE
    assert info.file == MODEL_FILE
    assert hashlib.sha256(path.read_bytes()).hexdigest() == info.sha256
    model = ChurnModel.load(path)
    assert tuple(model.spec_.names) == info.features
    assert model.metadata_["horizon_days"] == _churn(run).horizon_days
    feats = _frame(run, "churn_features")
    with pytest.raises(DataValidationError, match="trained on"):
        score_customers(model, feats.drop(columns=[info.features[0]]))


def test_the_scores_are_the_winning_rankings(runs: Runs) -> None:
    """The ranking file reproduces every saved score, and the winner is the rule's."""
    run = runs.latest
    info = _churn(run)
    path = run.path / RANKING_FILE
    assert info.ranking.file == RANKING_FILE
    assert hashlib.sha256(path.read_bytes()).hexdigest() == info.ranking.sha256
    ranking = ChurnRanking.load(path)
    assert ranking.scorer == info.ranking.scorer
    feats = _frame(run, "churn_features").sort_values("customer_id").reset_index(drop=True)
    again = pd.Series(ranking.churn_probability(feats), index=feats["customer_id"])
    saved = _frame(run, "churn_scores").set_index("customer_id")["churn_probability"]
    assert np.allclose(again.loc[saved.index].to_numpy(), saved.to_numpy(), rtol=0, atol=1e-12)
    # the recorded winner is what the rule makes of the recorded figures
    ev = _frame(run, "churn_evaluation")
    metrics = [
        ScoreMetrics(
            name=r.scorer,
            n=int(r.n),
            base_rate=float(r.base_rate),
            roc_auc=float(r.roc_auc),
            pr_auc=float(r.pr_auc),
            brier=float("nan"),
            top_decile_lift=float("nan"),
            is_probability=False,
            error=None if pd.isna(r.error) else str(r.error),
        )
        for r in ev.itertuples()
    ]
    decided = choose_ranking(metrics, tolerance=info.ranking.tolerance)
    assert decided.winner == info.ranking.scorer
    assert decided.model_won == info.ranking.model_won
    assert decided.best_baseline == info.ranking.best_baseline


def test_short_history_is_recorded_not_fatal(runs: Runs) -> None:
    churn = runs.early.manifest.churn
    assert isinstance(churn, NotComputed) and churn.status == "insufficient_data"
    assert "too short" in churn.message
    assert "churn_scores" not in runs.early.tables
    assert "loyalty" in runs.early.tables  # the rest of the run still happened
    section = churn_section(runs.early, "en")
    assert section is not None and "too short" in str(section.body)


# ---------------------------------------------------------------------------------- loyalty
def test_loyalty_index_bounds_and_missing_components(runs: Runs) -> None:
    lo = _frame(runs.latest, "loyalty")
    assert lo["customer_id"].is_unique
    assert set(lo["customer_id"]) == set(_frame(runs.latest, "churn_scores")["customer_id"])
    idx = lo["loyalty_index"].dropna()
    assert idx.between(0, 100).all()
    for c in ("behavioural", "attitudinal", "emotional"):
        assert lo[c].dropna().between(0, 100).all()
    # no survey answer: attitude and emotion missing (not zero), and the index is behaviour
    silent = lo[lo["attitudinal"].isna() & lo["emotional"].isna()]
    assert len(silent) > 0
    assert silent["missing_components"].str.contains("attitudinal").all()
    assert silent["missing_components"].str.contains("emotional").all()
    assert np.allclose(silent["loyalty_index"], silent["behavioural"])
    assert np.allclose(silent["coverage"], 0.5)
    voiced = lo[lo["emotional"].notna()]
    assert len(voiced) > 0 and (voiced["coverage"] > 0.5).all()
    assert ((lo["tier"] == "unscored") == lo["loyalty_index"].isna()).all()
    assert set(lo["tier"]) <= {"emotional", "brand", "transactional", "not_loyal", "unscored"}
    assert set(lo["lifecycle_stage"]) <= {
        "new",
        "active",
        "growing",
        "at_risk",
        "lapsed",
        "won_back",
        "closed",
        "lost",
    }
    info = _loyalty(runs.latest)
    assert sum(info.tiers.values()) == len(lo)


def test_migration_against_previous_run(runs: Runs) -> None:
    assert "tier_migration" not in runs.early.tables  # nothing to compare with
    info = _loyalty(runs.latest)
    assert info.compared_with_run == runs.previous.number
    mig = _frame(runs.latest, "tier_migration")
    trans = _frame(runs.latest, "lifecycle_transitions")
    before = set(_frame(runs.previous, "loyalty")["customer_id"])
    after = set(_frame(runs.latest, "loyalty")["customer_id"])
    assert set(mig["customer_id"]) == before | after
    assert set(trans["customer_id"]) == before | after
    assert (mig["movement"] != "same").any() and (trans["movement"] != "same").any()
    assert info.tier_migration is not None and sum(info.tier_migration.values()) == len(mig)
    new = mig[mig["movement"] == "new"]
    assert new["before"].isna().all() and set(new["customer_id"]) == after - before


def test_survival_curves_monotone_with_medians(runs: Runs) -> None:
    surv = _frame(runs.latest, "survival")
    assert set(surv["dimension"]) == {"stage", "cohort"}
    # groups known before the outcome: the year of the first purchase, the status a year ago
    assert set(surv.loc[surv["dimension"] == "cohort", "group"]) <= {"2023", "2024", "2025", "2026"}
    assert set(surv.loc[surv["dimension"] == "stage", "group"]) <= set(CURRENT_STATUSES) | {
        "lapsed"
    }
    info = _loyalty(runs.latest)
    assert info.survival_stage_start is not None and info.survival_lapse_days is not None
    # a stop is seen lapse_days after it happens: the curves end that long before the cutoff,
    # and nobody who first bought within lapse_days of it is followed yet
    lapse, as_of = info.survival_lapse_days, runs.latest.manifest.as_of
    seen_until = as_of + timedelta(days=1) - timedelta(days=lapse)
    by_stage = surv[surv["dimension"] == "stage"]
    assert by_stage["time"].max() <= (seen_until - info.survival_stage_start).days
    cohorts = surv.loc[surv["dimension"] == "cohort", "group"].astype(int)
    assert cohorts.max() <= seen_until.year
    assert surv["survival"].between(0, 1).all()
    for (_, _), c in surv.groupby(["dimension", "group"]):
        c = c.sort_values("time")
        assert c["survival"].iloc[0] <= 1.0
        assert (np.diff(c["survival"].to_numpy()) <= 1e-12).all()
        assert (np.diff(c["at_risk"].to_numpy()) <= 0).all()
    for dim, part in surv.groupby("dimension"):
        med = median_lifetime(part.drop(columns=["dimension"]))
        got = part.drop_duplicates("group").set_index("group")["median_lifetime_days"]
        pd.testing.assert_series_equal(
            got.loc[med.index], med, check_names=False, check_index_type=False
        )
        recorded = _loyalty(runs.latest).median_lifetime_days
        assert isinstance(recorded, dict) and set(recorded[dim]) == set(part["group"])


# ---------------------------------------------------------------------------------- report
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_sections_render(runs: Runs, lang: Lang) -> None:
    churn = churn_section(runs.latest, lang)
    loyalty = loyalty_section(runs.latest, lang)
    assert churn is not None and loyalty is not None
    html = str(churn.body) + str(loyalty.body)
    for div in (
        "chart-churn-capture",
        "chart-churn-calibration",
        "chart-tier-migration",
        "chart-lifecycle-transitions",
        "chart-survival-stage",
        "chart-survival-cohort",
    ):
        assert div in html
    assert ("流失风险" in churn.title) == (lang == "zh")
    assert ("情感忠诚" in html) == (lang == "zh")


def _tampered(run: Run, tmp: Path) -> Run:
    """A copy of ``run`` whose listed customer ids, reasons and error text are hostile."""
    path = tmp / "run"
    shutil.copytree(run.path, path)
    for name in ("early_warning", "win_back"):
        table = pq.read_table(path / f"{name}.parquet").to_pandas()
        table.loc[0, ["customer_id", "reasons_en", "reasons_zh"]] = [EVIL, EVIL, EVIL]
        pq.write_table(pa.Table.from_pandas(table, preserve_index=False), path / f"{name}.parquet")
    return replace(run, path=path)


def test_sections_escape_untrusted_text(runs: Runs, tmp_path: Path) -> None:
    bad = _tampered(runs.latest, tmp_path)
    langs: tuple[Lang, ...] = ("en", "zh")
    for lang in langs:
        section = lists_section(bad, lang)
        assert section is not None
        html = str(section.body)
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert" in html
    why = NotComputed("fit_failed", EVIL)
    errored = replace(
        bad, manifest=replace(bad.manifest, churn=why, loyalty=why, early_warning=why)
    )
    for build in (churn_section, loyalty_section, lists_section):
        out = build(errored, "en")
        assert out is not None
        assert "<script>" not in str(out.body) and "&lt;script&gt;" in str(out.body)


def test_full_report_with_sections_registered(runs: Runs, monkeypatch: pytest.MonkeyPatch) -> None:
    import loyalloop.report.html as html_module

    sections = [s for s in html_module.SECTIONS if s not in (churn_section, loyalty_section)]
    at = sections.index(html_module.clv_section) + 1
    monkeypatch.setattr(
        html_module, "SECTIONS", [*sections[:at], churn_section, loyalty_section, *sections[at:]]
    )
    checks: tuple[tuple[Lang, str], ...] = (
        ("en", "Churn risk"),
        ("zh", "忠诚度与生命周期"),
    )
    for lang, words in checks:
        page = html_module.render_report(runs.latest, lang)
        assert words in page and 'id="churn"' in page and 'id="loyalty"' in page


# ---------------------------------------------------------------------------------- lists
def _lists(run: Run) -> tuple[PriorityListSummary, PriorityListSummary]:
    ew, wb = run.manifest.early_warning, run.manifest.win_back
    assert isinstance(ew, PriorityListSummary) and isinstance(wb, PriorityListSummary)
    return ew, wb


def test_early_warning_never_lists_customers_without_an_open_account(runs: Runs) -> None:
    """Known truth on the card sample: customers who closed every card have gone; they are
    win-back customers, never early warnings (issue 9: 740 of the old top list had)."""
    run = runs.latest
    feats = _frame(run, "churn_features").set_index("customer_id")
    ew = _frame(run, "early_warning")
    held = feats.loc[ew["customer_id"]]
    assert len(ew) > 0
    assert not ((held["accounts_ever"] > 0) & (held["open_accounts"] == 0)).any()
    gone = feats[(feats["accounts_ever"] > 0) & (feats["open_accounts"] == 0)].index
    assert len(gone) > 0
    wb = _frame(run, "win_back").set_index("customer_id")
    assert set(gone) <= set(wb.index) and (wb.loc[gone, "stage"].isin(GONE_STATUSES)).all()


def test_one_word_one_number_across_sections(runs: Runs) -> None:
    run = runs.latest
    statuses = _frame(run, "statuses")
    counts = statuses["stage"].value_counts().to_dict()
    lo, churn = _loyalty(run), _churn(run)
    ew_info, wb_info = _lists(run)
    # the lifecycle counts are the statuses table's
    assert lo.lifecycle == counts
    assert (
        _frame(run, "loyalty")
        .set_index("customer_id")["lifecycle_stage"]
        .equals(statuses.set_index("customer_id")["stage"])
    )
    current = statuses[statuses["stage"].isin(CURRENT_STATUSES)]
    gone = statuses[statuses["stage"].isin(GONE_STATUSES)]
    assert len(current) + len(gone) == len(statuses)
    # "current customers" is one number: the churn headline's and the early-warning list's
    assert churn.current_customers == len(current) == ew_info.population
    assert wb_info.population == wb_info.customers == len(gone)
    # "high churn risk": current customers at 50% or more, in the churn scores
    scores = _frame(run, "churn_scores").set_index("customer_id")["churn_probability"]
    assert churn.high_risk == int((scores.loc[current["customer_id"]] >= 0.5).sum())
    # a list's sizes by status add up, and its probabilities are the churn scores
    ew = _frame(run, "early_warning")
    assert sum(ew_info.by_stage.values()) == ew_info.customers == len(ew)
    assert set(ew["stage"]) <= set(CURRENT_STATUSES)
    assert (ew["churn_probability"] >= ew_info.min_probability).all()
    assert ew_info.min_probability == churn.test_churn_rate
    assert np.allclose(ew["churn_probability"], scores.loc[ew["customer_id"]].to_numpy())
    assert ew_info.churn_scorer == churn.ranking.scorer
    assert ew["action"].tolist() == sorted(ew["action"])  # "call" rows before "watch" rows
    for _, part in ew.groupby("action"):
        assert part["value_at_stake"].is_monotonic_decreasing
    assert ew_info.total_value == pytest.approx(ew["value_at_stake"].sum())
    assert set(ew["signal"]) <= {
        "closed_account",
        "complaint",
        "overdue",
        "spend_falling",
        "ignoring_messages",
        "new",
        "none",
    }
    # nobody gone is "loyal"
    tiers = _frame(run, "loyalty").set_index("customer_id")["tier"]
    gone_tiers = set(tiers.loc[gone["customer_id"]])
    assert gone_tiers <= {"not_loyal", "unscored"}


def test_win_back_return_history_and_reasons(runs: Runs) -> None:
    _, info = _lists(runs.latest)
    h = info.return_history
    assert h is not None and h.horizon_days == _churn(runs.latest).horizon_days
    assert h.cutoff == _churn(runs.latest).test_cutoff
    assert 0 <= h.returned["*"] <= h.customers["*"]
    wb = _frame(runs.latest, "win_back")
    assert wb["winback_value"].is_monotonic_decreasing
    assert wb["return_probability"].between(0, 1).all()
    top = wb.head(20)
    assert top["reasons_en"].str.len().gt(0).all() and top["reasons_zh"].str.len().gt(0).all()
    # the days in the reasons are the column's
    for days, why in zip(top["days_since_last"], top["reasons_en"], strict=True):
        assert f"last purchase {days:,} day" in why


def test_short_history_lists(runs: Runs) -> None:
    ew = runs.early.manifest.early_warning
    assert isinstance(ew, NotComputed) and ew.status == "skipped"
    assert "early_warning" not in runs.early.tables
