"""The typed run manifest: round trips, refuses other format versions, finds what was skipped."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from loyalloop.core.results import (
    MANIFEST_FORMAT_VERSION,
    ChurnModelInfo,
    ChurnRankingInfo,
    ChurnSummary,
    ClvSummary,
    DriverSummary,
    FeatureGain,
    FeedbackSummary,
    KpiSummary,
    LoyaltySummary,
    NegativeAspect,
    NotComputed,
    NpsSummary,
    PriorityListSummary,
    ProfilesSummary,
    ReturnHistory,
    RunManifest,
    ScorerMetrics,
    TableInfo,
)
from loyalloop.errors import DataValidationError, RunFormatError


def full_manifest() -> RunManifest:
    """A manifest with every slot filled, some parts not computed."""
    return RunManifest(
        created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        as_of=date(2025, 12, 31),
        version="0.1.0",
        timezone="Asia/Shanghai",
        config={"as_of": None, "active_days": 90},
        inputs={"customers": 3, "transactions": 4},
        quarantined={"transactions": 1},
        stage_seconds={"profiles": 0.5, "kpis": 0.25},
        seconds=1.5,
        run=7,
        tables={"rfm": TableInfo("rfm.parquet", 2)},
        profiles=ProfilesSummary(3, 2, 1),
        kpis=KpiSummary(
            3, 2, 1, 0.5, 12.5, 25.0, 5.0, 0.2, 2, date(2025, 12, 31), 90, "CNY", {"CNY": 4}
        ),
        nps=NpsSummary(0, 0, 0, 0, None, None, None),
        clv=ClvSummary(
            model="BG/NBD + Gamma-Gamma",
            time_unit="weeks",
            transaction_params={"r": 0.2, "alpha": 4.0, "a": 0.8, "b": 2.4},
            transaction_log_likelihood=-1234.5,
            spend_params={"p": 6.0, "q": 4.0, "v": 15.0},
            customers=2,
            horizon_months=12,
            monthly_discount_rate=0.01,
            expected_purchases_weeks=52,
            total_clv=100.0,
            top_decile_share=None,
            mean_probability_alive=0.7,
        ),
        churn=ChurnSummary(
            model=ChurnModelInfo("churn_model.json", "ab" * 32, "f", 1, ("recency_days",), None),
            ranking=ChurnRankingInfo(
                scorer="recency",
                model_won=False,
                best_baseline="recency",
                tolerance=0.005,
                probability="isotonic",
                file="churn_ranking.json",
                sha256="cd" * 32,
            ),
            horizon_days=90,
            train_cutoffs=(date(2025, 4, 3), date(2025, 7, 2)),
            test_cutoff=date(2025, 10, 2),
            sample_fraction=1.0,
            n_train=10,
            n_test=5,
            test_churn_rate=0.4,
            metrics={
                "model": ScorerMetrics(0.8, 0.6, 0.2, 2.0),
                "bgnbd": ScorerMetrics(None, None, None, None, "one class"),
            },
            calibration_error=0.01,
            capture_top_20pct=0.5,
            top_features=(FeatureGain("recency_days", 12.0),),
            customers_scored=5,
            active_customers=4,
            current_customers=3,
            expected_churners=1.5,
            high_risk=1,
            mean_probability=0.3,
        ),
        loyalty=LoyaltySummary(
            customers=2,
            indexed=2,
            mean_index=50.0,
            median_index=50.0,
            with_attitude_or_emotion=1,
            tiers={"brand": 2},
            lifecycle={"active": 2},
            median_lifetime_days=NotComputed("no_data", "no purchase lifetimes to follow"),
        ),
        early_warning=PriorityListSummary(
            kind="early_warning",
            customers=2,
            population=3,
            by_stage={"at_risk": 2},
            value_basis="clv",
            total_value=12.5,
            min_probability=0.4,
            churn_scorer="recency",
        ),
        win_back=PriorityListSummary(
            kind="win_back",
            customers=1,
            population=1,
            by_stage={"lost": 1},
            value_basis="yearly_value",
            total_value=3.0,
            return_history=ReturnHistory(date(2025, 10, 2), 90, {"*": 4, "lost": 4}, {"*": 1}),
        ),
        feedback=FeedbackSummary(
            taxonomy="banking",
            comments=2,
            own_comments=2,
            rows_without_text=1,
            languages={"zh": 2},
            share_negative=0.5,
            share_positive=0.5,
            mean_sentiment=0.0,
            aspect_mentions=2,
            top_negative_aspects=(NegativeAspect("annual_fee", 1, 1.0),),
            alerts=0,
            alerts_latest_period={"W": 0, "M": 0},
            key_drivers={
                "nps": DriverSummary(0.3, 40, ("annual_fee",)),
                "csat": NotComputed("insufficient_data", "too few scored comments"),
            },
            topics=NotComputed("insufficient_data", "too few comments"),
            kano_features=NotComputed("not_configured", "no KANO answers"),
            channel_disagreements=0,
        ),
    )


def test_manifest_round_trips_through_json() -> None:
    m = full_manifest()
    text = json.dumps(m.to_dict(), allow_nan=False)
    back = RunManifest.from_dict(json.loads(text))
    assert back == m
    assert isinstance(back.churn, ChurnSummary) and back.churn.test_cutoff == date(2025, 10, 2)
    assert isinstance(back.feedback, FeedbackSummary)
    assert back.feedback.kano_features == NotComputed("not_configured", "no KANO answers")
    # every slot says its status in the file
    data = m.to_dict()
    assert data["format_version"] == MANIFEST_FORMAT_VERSION
    assert data["clv"]["status"] == "ok" and data["feedback"]["topics"]["status"] == (
        "insufficient_data"
    )


def test_not_computed_stage_round_trips() -> None:
    m = replace(full_manifest(), clv=NotComputed("fit_failed", "did not converge"), churn=None)
    back = RunManifest.from_dict(json.loads(json.dumps(m.to_dict())))
    assert back.clv == NotComputed("fit_failed", "did not converge") and back.churn is None


def test_not_computed_lists_every_part_with_its_path() -> None:
    m = replace(full_manifest(), clv=NotComputed("fit_failed", "did not converge"))
    found = dict(m.not_computed())
    assert set(found) == {
        "clv",
        "loyalty.median_lifetime_days",
        "feedback.key_drivers.csat",
        "feedback.topics",
        "feedback.kano_features",
    }
    assert found["feedback.kano_features"].status == "not_configured"


def test_older_format_version_is_refused_naming_the_versions() -> None:
    data = full_manifest().to_dict()
    del data["format_version"]
    with pytest.raises(
        RunFormatError, match=r"run 3 has manifest format version 0 .*reads format version 2"
    ):
        RunManifest.from_dict(data, source="run 3")
    data["format_version"] = 99
    with pytest.raises(RunFormatError, match="format version 99"):
        RunManifest.from_dict(data)
    assert issubclass(RunFormatError, DataValidationError)


def test_wrong_field_type_names_the_field() -> None:
    data = full_manifest().to_dict()
    data["kpis"]["customers"] = "many"
    with pytest.raises(RunFormatError, match=r"field kpis\.customers"):
        RunManifest.from_dict(data)
    with pytest.raises(RunFormatError, match="not a Loyalloop run manifest"):
        RunManifest.from_dict({"format": "something-else"})


def test_unknown_reason_code_is_refused() -> None:
    data = full_manifest().to_dict()
    data["clv"] = {"status": "oops", "message": "?"}
    with pytest.raises(RunFormatError, match="clv"):
        RunManifest.from_dict(data)


def test_non_finite_numbers_are_never_written() -> None:
    m = replace(full_manifest(), seconds=float("nan"))
    with pytest.raises(ValueError, match="seconds is nan"):
        m.to_dict()
