"""What a pipeline run keeps of the churn model: every customer's score, population, risk decile
and reasons; the headline figures; survival curves by group.

These were inside the pipeline's churn and loyalty stages; they are library functions here so
they are tested on their own and the stages only read, call and save.

* :func:`score_population` — every profile in the features scored by the ranking that won the
  backtest (:class:`~loyalloop.churn.ChurnRanking`: the model or a baseline); ``population`` is
  ``active`` (last purchase at most ``active_within_days`` ago: the model's population) or
  ``lapsed_<N>d`` (already lost: scored, since the features are defined the same way, but no
  decile and no reasons); ``risk_decile`` 1 = the riskiest tenth of the active population (ties
  broken by id, so deciles are reproducible); the ``reason_limit`` riskiest active customers get
  their top three reasons in English and Chinese — from the scorer's own contributions when it
  is a model (the churn model, the logistic regression). Recency and BG/NBD give no
  per-customer reasons: their score *is* the reason, and the early-warning list
  (:mod:`loyalloop.loyalty.priorities`) writes the actionable ones.
* :func:`headline` — the figures a report leads with (:class:`ChurnHeadline`), of the winning
  scorer, over the current customers.
* :func:`survival_table` — Kaplan–Meier curves of purchase lifetimes per group of several
  dimensions, with each group's median lifetime.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from loyalloop.churn.comparison import MODEL, ChurnRanking
from loyalloop.churn.evaluation import EvaluationReport
from loyalloop.churn.model import ChurnModel
from loyalloop.churn.reasons import explain
from loyalloop.churn.scoring import score_customers
from loyalloop.churn.survival import kaplan_meier, median_lifetime
from loyalloop.errors import LoyalloopError

__all__ = [
    "SCORE_COLUMNS",
    "ChurnHeadline",
    "headline",
    "median_lifetimes",
    "score_population",
    "survival_table",
]

#: Columns of :func:`score_population`'s result, in order.
SCORE_COLUMNS = (
    "customer_id",
    "churn_probability",
    "risk_decile",
    "population",
    "recency_days",
    "reasons_en",
    "reasons_zh",
)


def _ranked(frame: pd.DataFrame) -> pd.DataFrame:
    """Highest probability first; ties by id (reproducible)."""
    return frame.sort_values(["churn_probability", "customer_id"], ascending=[False, True])


def _scores(ranking: ChurnRanking, features: ir.Table) -> pd.DataFrame:
    """``customer_id, churn_probability``: a model's scores are streamed in batches; a
    baseline reads only the columns it needs."""
    if ranking.model is not None or ranking.scorer in (MODEL, "logistic"):
        return score_customers(cast(ChurnModel, ranking.model), features)
    cols = ["customer_id", "recency_days", "tenure_days", "n_purchases_total"]
    frame = features.select(*cols).to_pandas()
    frame = frame.sort_values("customer_id", kind="stable").reset_index(drop=True)
    return pd.DataFrame(
        {"customer_id": frame["customer_id"], "churn_probability": ranking.churn_probability(frame)}
    )


def score_population(
    model: ChurnRanking | ChurnModel | Any,
    features: ir.Table,
    *,
    active_within_days: int = 365,
    reason_limit: int = 2_000,
) -> pd.DataFrame:
    """Score, population, risk decile and reasons for every profile in ``features``.

    Parameters
    ----------
    model
        The :class:`~loyalloop.churn.ChurnRanking` that won the backtest, or a fitted
        :class:`~loyalloop.churn.ChurnModel` (scored as the ranking ``"model"``).
    features
        Churn features (:func:`~loyalloop.churn.build_features`) with ``recency_days``.
    active_within_days
        The model's population: customers who bought within this many days.
    reason_limit
        How many of the riskiest active customers get reasons.

    Returns
    -------
    pandas.DataFrame
        :data:`SCORE_COLUMNS`, riskiest first.
    """
    ranking = model if isinstance(model, ChurnRanking) else ChurnRanking(MODEL, model=model)
    scored = _scores(ranking, features)
    rec = features.select("customer_id", "recency_days").to_pandas()
    out = scored.merge(rec, on="customer_id", how="left", validate="one_to_one")
    active = (out["recency_days"] <= active_within_days).to_numpy()
    out["population"] = np.where(active, "active", f"lapsed_{active_within_days}d")
    out["risk_decile"] = pd.array([pd.NA] * len(out), dtype="Int64")
    act = out.index[active]
    if len(act):
        order = _ranked(out.loc[act]).index
        ranks = np.arange(len(order))
        out.loc[order, "risk_decile"] = (ranks * 10 // len(order) + 1).astype("int64")
    out["reasons_en"] = pd.Series([None] * len(out), dtype=object)
    out["reasons_zh"] = pd.Series([None] * len(out), dtype=object)
    top = _ranked(out.loc[act]).head(reason_limit)
    if len(top) and (ranking.model is not None or ranking.scorer == MODEL):
        ids = ibis.memtable({"customer_id": top["customer_id"].to_numpy(dtype=object)})
        rows = features.semi_join(ids, "customer_id").to_pandas()
        why = explain(cast(ChurnModel, ranking.model), rows, id_column="customer_id", top_k=3)
        if len(why):
            joined = why.groupby("customer_id", sort=False).agg(
                reasons_en=("reason_en", "; ".join), reasons_zh=("reason_zh", "; ".join)
            )
            idx = out["customer_id"].isin(joined.index)
            out.loc[idx, "reasons_en"] = out.loc[idx, "customer_id"].map(joined["reasons_en"])
            out.loc[idx, "reasons_zh"] = out.loc[idx, "customer_id"].map(joined["reasons_zh"])
    return _ranked(out)[list(SCORE_COLUMNS)].reset_index(drop=True)


def _num(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


@dataclass(frozen=True)
class ChurnHeadline:
    """The figures a report leads with (``None`` where not defined).

    Attributes
    ----------
    calibration_error
        Mean absolute gap between predicted and observed churn over the scorer's calibration
        bins on the backtest (``None`` for a baseline whose probabilities are an isotonic map
        fitted on those same outcomes: its gap there says nothing).
    capture_top_20pct
        Share of the backtest's churners among the scorer's riskiest fifth.
    customers_scored, active_customers, current_customers
        Everyone scored; those in the model's population; those with a current status.
    expected_churners
        Sum of the current customers' probabilities.
    high_risk
        Current customers at ``high_risk_probability`` (50 %) or more.
    mean_probability
        Mean probability of the current customers.
    """

    calibration_error: float | None
    capture_top_20pct: float | None
    customers_scored: int
    active_customers: int
    current_customers: int
    expected_churners: float
    high_risk: int
    mean_probability: float | None


def headline(
    evaluation: EvaluationReport,
    scores: pd.DataFrame,
    *,
    scorer: str = MODEL,
    current: pd.Series | None = None,
    high_risk_probability: float = 0.5,
) -> ChurnHeadline:
    """Headline figures of a backtest (the ``scorer`` that ranks) and of ``score_population``'s
    result.

    ``current`` — a boolean per row of ``scores``: the customer has a current status
    (:data:`~loyalloop.insight.definitions.CURRENT_STATUSES`); by default everyone in the
    model's population (``population == "active"``).
    """
    cal = evaluation.calibration[evaluation.calibration["scorer"] == scorer]
    cal_error = (
        float((cal["mean_predicted"] - cal["observed_rate"]).abs().mean())
        if len(cal) and scorer in (MODEL, "logistic")
        else None
    )
    lift = evaluation.deciles[evaluation.deciles["scorer"] == scorer]
    second = lift.loc[lift["decile"] == 2, "capture"]
    active = scores["population"] == "active"
    mask = active if current is None else current.reindex(scores.index).fillna(False).astype(bool)
    cur = scores.loc[mask, "churn_probability"]
    return ChurnHeadline(
        calibration_error=cal_error,
        capture_top_20pct=float(second.iloc[0]) if len(second) else None,
        customers_scored=len(scores),
        active_customers=int(active.sum()),
        current_customers=len(cur),
        expected_churners=float(_exact_sum(cur)),
        high_risk=int((cur >= high_risk_probability).sum()),
        mean_probability=_num(_exact_sum(cur) / len(cur)) if len(cur) else None,
    )


def _exact_sum(values: pd.Series) -> float:
    """A sum that does not depend on the rows' order (``math.fsum``: exactly rounded)."""
    return math.fsum(values.to_numpy(dtype="float64").tolist())


def survival_table(lives: pd.DataFrame, dimensions: Sequence[str]) -> pd.DataFrame | None:
    """Kaplan–Meier curves per group of each dimension, with the group's median lifetime.

    Parameters
    ----------
    lives
        One row per customer: ``duration_days``, ``observed`` and a column per dimension
        (:func:`~loyalloop.churn.purchase_lifetimes`). Durations are floored to whole days so a
        curve has at most one step per day; a missing group is ``(none)``.
    dimensions
        Columns to group by, e.g. ``("segment", "cohort")``.

    Returns
    -------
    pandas.DataFrame or None
        ``dimension``, ``group``, the curve (``time, at_risk, events, censored, survival,
        ci_lower, ci_upper``) and ``median_lifetime_days`` (missing when the curve never reaches
        one half); ``None`` when no dimension has a curve.
    """
    if lives.empty:
        return None
    days = np.floor(lives["duration_days"].to_numpy(dtype="float64"))
    frames = []
    for dim in dimensions:
        groups = lives[dim].fillna("(none)").astype(str).to_numpy()
        try:
            curves = kaplan_meier(days, lives["observed"].to_numpy(), groups)
        except LoyalloopError:
            continue
        med = median_lifetime(curves)
        curves["median_lifetime_days"] = curves["group"].map(med).astype("float64")
        curves.insert(0, "dimension", dim)
        curves["group"] = curves["group"].astype(str)
        frames.append(curves.sort_values(["group", "time"], kind="stable"))
    if not frames:
        return None
    return pd.concat(frames, ignore_index=True)


def median_lifetimes(survival: pd.DataFrame) -> dict[str, dict[str, float | None]]:
    """``{dimension: {group: median lifetime in days or None}}`` of :func:`survival_table`."""
    firsts = survival.drop_duplicates(["dimension", "group"])
    return {
        str(dim): {
            str(g): (None if pd.isna(m) else float(m))
            for g, m in zip(part["group"], part["median_lifetime_days"], strict=True)
        }
        for dim, part in firsts.groupby("dimension", sort=True)
    }
