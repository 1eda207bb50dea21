"""What a run keeps of the churn model: population, deciles, reasons, headline, survival."""

from __future__ import annotations

from typing import Any

import ibis
import numpy as np
import pandas as pd
import pytest

from loyalloop.churn import run_outputs
from loyalloop.churn.evaluation import EvaluationReport
from loyalloop.churn.run_outputs import (
    SCORE_COLUMNS,
    headline,
    median_lifetimes,
    score_population,
    survival_table,
)


def _features(n: int) -> ibis.Table:
    recency = [10 * i for i in range(n)]  # customers 37.. are beyond 365 days
    return ibis.memtable({"customer_id": [f"C{i:03d}" for i in range(n)], "recency_days": recency})


def test_population_deciles_and_reasons(monkeypatch: pytest.MonkeyPatch) -> None:
    """The model is replaced by a known score (the model itself is tested in test_model)."""
    n = 50
    probs = np.linspace(0.9, 0.01, n)
    probs[3] = probs[4]  # a tie: broken by id

    def fake_score(model: Any, features: ibis.Table) -> pd.DataFrame:
        ids = features.select("customer_id").to_pandas()["customer_id"]
        return pd.DataFrame({"customer_id": ids, "churn_probability": probs})

    def fake_explain(model: Any, rows: pd.DataFrame, **kw: Any) -> pd.DataFrame:
        ids = sorted(rows["customer_id"])
        return pd.DataFrame(
            {
                "customer_id": np.repeat(ids, 2),
                "reason_en": ["slower", "fewer"] * len(ids),
                "reason_zh": ["变慢", "变少"] * len(ids),
            }
        )

    monkeypatch.setattr(run_outputs, "score_customers", fake_score)
    monkeypatch.setattr(run_outputs, "explain", fake_explain)
    out = score_population(None, _features(n), active_within_days=365, reason_limit=5)
    assert tuple(out.columns) == SCORE_COLUMNS and len(out) == n
    active = out[out["population"] == "active"]
    lapsed = out[out["population"] == "lapsed_365d"]
    assert len(active) == 37 and (lapsed["recency_days"] > 365).all()
    assert lapsed["risk_decile"].isna().all() and lapsed["reasons_en"].isna().all()
    # riskiest first; 37 active customers in ten deciles of 3-4, decile 1 the riskiest
    assert out["churn_probability"].is_monotonic_decreasing
    assert active["risk_decile"].tolist() == sorted(active["risk_decile"].tolist())
    # decile of rank r (0 = riskiest) among 37: r * 10 // 37 + 1
    counts = active["risk_decile"].value_counts().sort_index().tolist()
    assert counts == [4, 4, 4, 3, 4, 4, 3, 4, 4, 3]
    assert out.loc[out["customer_id"] == "C003", "risk_decile"].item() == 1
    # the tie: same probability, smaller id first
    assert out["customer_id"].tolist()[3:5] == ["C003", "C004"]
    with_reasons = out[out["reasons_en"].notna()]
    assert with_reasons["customer_id"].tolist() == out["customer_id"].tolist()[:5]
    assert with_reasons["reasons_zh"].eq("变慢; 变少").all()


def test_headline_figures() -> None:
    ev = EvaluationReport(
        metrics=(),
        deciles=pd.DataFrame(
            {
                "scorer": ["model", "model", "recency"],
                "decile": [1, 2, 2],
                "capture": [0.3, 0.55, 0.4],
            }
        ),
        calibration=pd.DataFrame(
            {
                "scorer": ["model", "model"],
                "mean_predicted": [0.1, 0.5],
                "observed_rate": [0.2, 0.4],
            }
        ),
    )
    scores = pd.DataFrame(
        {
            "churn_probability": [0.9, 0.6, 0.2, 0.99],
            "population": ["active", "active", "active", "lapsed_365d"],
        }
    )
    h = headline(ev, scores)
    assert h.calibration_error == pytest.approx(0.1)
    assert h.capture_top_20pct == 0.55
    assert (h.customers_scored, h.active_customers, h.high_risk) == (4, 3, 2)
    assert h.expected_churners == pytest.approx(1.7)
    assert h.mean_probability == pytest.approx(1.7 / 3)
    empty = headline(ev, scores.iloc[3:])
    assert empty.active_customers == 0 and empty.mean_probability is None


def test_survival_table_by_dimension() -> None:
    lives = pd.DataFrame(
        {
            "duration_days": [10.7, 20.2, 30.0, 40.0, 5.0, 50.0],
            "observed": [True, True, False, True, True, False],
            "segment": ["a", "a", "a", "a", None, "b"],
            "cohort": ["2024Q1"] * 6,
        }
    )
    surv = survival_table(lives, ("segment", "cohort"))
    assert surv is not None and set(surv["dimension"]) == {"segment", "cohort"}
    a = surv[(surv["dimension"] == "segment") & (surv["group"] == "a")]
    # Kaplan–Meier on floored days 10, 20, 30 (censored), 40: S = 3/4, 2/4, 2/4, 0
    s_at = dict(zip(a["time"], a["survival"], strict=True))
    assert s_at[10.0] == pytest.approx(0.75) and s_at[20.0] == pytest.approx(0.5)
    assert s_at[40.0] == pytest.approx(0.0)
    med = median_lifetimes(surv)
    assert med["segment"]["a"] == 20.0 and "(none)" in med["segment"]
    assert survival_table(lives.iloc[0:0], ("segment",)) is None
