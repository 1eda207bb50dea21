"""The ``early_warning`` and ``win_back`` stages: whom to contact first, as run outputs.

Both lists come from :mod:`loyalloop.loyalty.priorities` and read the run's one ``statuses``
table, so a customer is on at most one of them and their sizes add up with the lifecycle
counts (current customers / lapsed, closed and lost).

``early_warning``
    Current customers whose churn probability — from the scorer that won the churn backtest
    (``churn.ranking``), the same numbers as ``churn_scores`` — is at least the backtest's
    average churn rate (``churn.test_churn_rate``) and who show a warning sign (a complaint
    only within ``loyalty.sign_days``; with none: twice the average's odds), split into
    ``call`` and ``watch`` (:data:`~loyalloop.loyalty.priorities.ACTIONS`), each ranked by
    value at stake = churn probability × CLV (the ``clv`` table; when CLV was not computed,
    spend in the last 365 days stands in and the summary's ``value_basis`` says so).
    Customers with every account closed are ``closed``, never on it. Needs the ``churn``
    stage; when churn was not computed the slot says so and names the reason.
``win_back``
    Lapsed, closed and lost customers ranked by win-back value = return probability × yearly
    value. The return probabilities are estimated from the customers who were lapsed, closed
    or lost at the churn backtest's test cutoff (``horizon_days`` before the scoring cutoff)
    and whether they bought again within ``horizon_days``
    (:func:`~loyalloop.loyalty.estimate_return_rates`); the manifest records that history
    (``win_back.return_history``). Needs no churn model.

Every listed customer gets reasons in English and Chinese (``reasons_en`` / ``reasons_zh``)
and a ``signal`` (early warning: the first actionable sign; :data:`~loyalloop.loyalty.
priorities.SIGNALS`). The tables are ranked, ``rank`` 1 first, ties by customer id.
"""

from __future__ import annotations

import logging
from collections import Counter

import pandas as pd

from loyalloop.churn import build_labels
from loyalloop.churn.features import FeatureConfig
from loyalloop.churn.reasons import topic_of
from loyalloop.core.results import (
    ChurnSummary,
    NotComputed,
    PriorityListSummary,
    ReturnHistory,
)
from loyalloop.errors import DataValidationError
from loyalloop.insight.definitions import CURRENT_STATUSES, GONE_STATUSES
from loyalloop.insight.scales import is_detractor
from loyalloop.loyalty import (
    early_warning_list,
    estimate_return_rates,
    lifecycle_stages,
    winback_list,
)
from loyalloop.loyalty.priorities import PriorityList
from loyalloop.pipeline.churn_stage import churn_tables, score_cutoff
from loyalloop.pipeline.context import RunContext

__all__ = ["LIST_OUTPUTS", "stage_early_warning", "stage_win_back"]

log = logging.getLogger(__name__)

#: Tables the two stages write.
LIST_OUTPUTS = ("early_warning", "win_back")


def _customers(ctx: RunContext) -> pd.DataFrame:
    """Features and status of every buyer, one row each, ordered by id."""
    feats = ctx.output("churn_features")
    joined = feats.join(ctx.output("statuses"), "customer_id")
    frame = joined.to_pandas().sort_values("customer_id", kind="stable").reset_index(drop=True)
    return _with_topics(frame)


def _with_topics(frame: pd.DataFrame) -> pd.DataFrame:
    """``nps_topic_en`` / ``nps_topic_zh``: the topic of the last NPS comment (reasons)."""
    en = pd.Series("", index=frame.index, dtype=object)
    zh = pd.Series("", index=frame.index, dtype=object)
    if "nps_last_text" in frame.columns:
        texts = frame["nps_last_text"]
        has = texts.notna() & is_detractor(frame.get("nps_last", pd.Series(dtype="float64")))
        topics = texts[has].map(topic_of)  # text formatting of the few detractors, not analytics
        en[has] = topics.map(lambda t: t[0] if t else "")
        zh[has] = topics.map(lambda t: t[1] if t else "")
    return frame.assign(nps_topic_en=en, nps_topic_zh=zh)


def _by_stage(listed: PriorityList) -> dict[str, int]:
    counts = Counter(listed.table["stage"].astype(str))
    return {k: counts[k] for k in sorted(counts)}


def stage_early_warning(ctx: RunContext) -> None:
    """Save ``early_warning`` (see module docstring)."""
    churn = ctx.results.get("churn")
    if not isinstance(churn, ChurnSummary):
        why = churn.message if isinstance(churn, NotComputed) else "the churn stage did not run"
        ctx.record("early_warning", NotComputed("skipped", f"no churn probabilities: {why}"))
        return
    customers = _customers(ctx)
    scores = ctx.output("churn_scores").select("customer_id", "churn_probability").to_pandas()
    customers = customers.merge(scores, on="customer_id", how="left", validate="one_to_one")
    if ctx.has_output("clv"):
        clv = ctx.output("clv").select("customer_id", "clv").to_pandas()
        customers = customers.merge(clv, on="customer_id", how="left", validate="one_to_one")
        # A buyer the CLV models did not score (none, normally) is worth nothing to them.
        customers["clv"] = customers["clv"].fillna(0.0)
    current = customers[customers["stage"].isin(CURRENT_STATUSES)]
    listed = early_warning_list(
        current,
        rules=ctx.config.loyalty.lifecycle,
        min_probability=churn.test_churn_rate,
        sign_days=ctx.config.loyalty.sign_days,
        reasons_for=ctx.config.churn.reason_limit,
    )
    ctx.save("early_warning", listed.table)
    ctx.record(
        "early_warning",
        PriorityListSummary(
            kind="early_warning",
            customers=len(listed.table),
            population=len(current),
            by_stage=_by_stage(listed),
            value_basis="clv" if listed.value_basis == "clv" else "spend_365d",
            total_value=listed.total_value,
            min_probability=churn.test_churn_rate,
            churn_scorer=churn.ranking.scorer,
        ),
    )


def stage_win_back(ctx: RunContext) -> None:
    """Save ``win_back`` (see module docstring)."""
    horizon = ctx.config.churn.horizon_days
    cutoff = score_cutoff(ctx.as_of) - pd.Timedelta(days=horizon).to_pytimedelta()
    tables = churn_tables(ctx)
    config = FeatureConfig(active_within_days=None)
    then = tables.features(cutoff, config)
    labels = build_labels(
        tables.transactions, cutoff, horizon, accounts=tables.accounts, active_within_days=None
    )
    history = (
        then.select("customer_id", "recency_days")
        .join(lifecycle_stages(then, ctx.config.loyalty.lifecycle), "customer_id")
        .join(labels, "customer_id")
        .to_pandas()
    )
    history["returned"] = 1 - history["churned"].astype("int64")
    try:
        rates = estimate_return_rates(history, horizon_days=horizon)
    except DataValidationError as exc:
        ctx.record(
            "win_back",
            NotComputed(
                "insufficient_data",
                f"no return history: {exc} (at {cutoff:%Y-%m-%d}, {horizon} days before the "
                "end of the data)",
            ),
        )
        return
    customers = _customers(ctx)
    gone = customers[customers["stage"].isin(GONE_STATUSES)]
    listed = winback_list(gone, rates, reasons_for=ctx.config.churn.reason_limit)
    ctx.save("win_back", listed.table)
    ctx.record(
        "win_back",
        PriorityListSummary(
            kind="win_back",
            customers=len(listed.table),
            population=len(gone),
            by_stage=_by_stage(listed),
            value_basis="yearly_value",
            total_value=listed.total_value,
            return_history=ReturnHistory(
                cutoff=cutoff.date(),
                horizon_days=horizon,
                customers=dict(sorted(rates.n.items())),
                returned=dict(sorted(rates.returned.items())),
            ),
        ),
    )
