"""What to do now: the most valuable actions of a run, computed from its typed results and
tables (the report's first section shows them; nothing here is formatting).

An action is a group of customers someone can contact with one script, or one thing to fix,
with the value at stake. The candidates:

``keep`` — one per early-warning signal, of the customers to *call*
    The ``call`` part of the early-warning list (current customers above the average churn
    probability with a sign that says what to do now; ``action`` column,
    :data:`loyalloop.loyalty.priorities.ACTIONS`) grouped by its ``signal`` column
    (:data:`loyalloop.loyalty.priorities.SIGNALS`: a card closed this year, a recent complaint,
    overdue against their own rhythm, spend halved with no purchase for a month). Value = the
    group's value at stake (churn probability × CLV, summed). The groups are disjoint: each
    called customer is in exactly one. The ``watch`` part (a weak sign, or only a probability
    well above the average) is no action to take now: the plan counts it separately
    (:attr:`ActionPlan.parts`) so the reader knows it is there and what it is worth. A list
    written before the split (no ``action`` column) is all calls.
``win_back`` — one per status of the win-back list (lapsed, closed, lost)
    Value = the group's win-back value (return probability × yearly value, summed). A status
    whose customers were never seen to come back has no value and is no action.
``fix`` — the aspect customers complain about that puts the most value at stake
    Among the feedback's most complained-about aspects (``feedback.top_negative_aspects``),
    the one whose complainers — current customers with a negative mention of it in the last
    365 days — hold the most value at stake (churn probability × CLV, from the run's
    ``churn_scores`` and ``clv``). These customers may also be in a ``keep`` group: fixing the
    cause and calling the customer are different actions.

The :data:`MAX_ACTIONS` most valuable candidates with a positive value, most valuable first,
are the plan. Values of different kinds are compared as they are — all are expected money
over the run's horizons — and each action says which kind its value is.

:class:`Caveat` records what a reader must know before acting: the churn probabilities come
from a baseline because the model did not beat it; a list could not be computed (and why);
the currency is unknown or mixed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from loyalloop.core.results import (
    ChurnSummary,
    FeedbackSummary,
    KpiSummary,
    NotComputed,
    PriorityListSummary,
)
from loyalloop.insight.definitions import CURRENT_STATUSES
from loyalloop.loyalty.priorities import ACTIONS

if TYPE_CHECKING:
    from loyalloop.core.runs import Run

__all__ = [
    "MAX_ACTIONS",
    "Action",
    "ActionKind",
    "ActionPlan",
    "Caveat",
    "ListPart",
    "aspect_at_stake",
    "plan_actions",
]

#: Most actions in a plan.
MAX_ACTIONS = 5
#: How far back a complaint about an aspect counts.
COMPLAINT_DAYS = 365
#: Aspects looked at for the ``fix`` action (the most complained-about first).
FIX_CANDIDATES = 3


class ActionKind(StrEnum):
    KEEP = "keep"
    WIN_BACK = "win_back"
    FIX = "fix"


@dataclass(frozen=True)
class Action:
    """One action: whom (a list, its group and size), why (the facts), the value at stake.

    Attributes
    ----------
    kind
        ``keep`` (an early-warning group), ``win_back`` (a win-back group) or ``fix``.
    group
        The early-warning signal, the win-back status, or the aspect to fix.
    source
        The run table whose rows are the customers (``early_warning``, ``win_back``) or
        ``feedback_analysis`` for ``fix``.
    customers
        How many customers the action is about.
    value
        The value at stake (``keep``, ``fix``: churn probability × CLV) or the win-back value
        (``win_back``: return probability × yearly value), summed over the customers.
    facts
        The numbers the wording uses (means, medians, counts), already computed.
    """

    kind: ActionKind
    group: str
    source: str
    customers: int
    value: float
    facts: dict[str, float | int | str] = field(default_factory=dict)


@dataclass(frozen=True)
class Caveat:
    """Something to know before acting on the plan (``key`` names it; ``facts`` its numbers)."""

    key: str
    facts: dict[str, float | int | str] = field(default_factory=dict)


@dataclass(frozen=True)
class ListPart:
    """One part of the early-warning list: ``call`` or ``watch``, its customers and their
    value at stake (churn probability × CLV, summed)."""

    action: str
    customers: int
    value: float


@dataclass(frozen=True)
class ActionPlan:
    """The most valuable actions of a run, most valuable first, and the caveats."""

    actions: tuple[Action, ...]
    caveats: tuple[Caveat, ...]
    #: Candidates considered (with a positive value), before keeping the first MAX_ACTIONS.
    candidates: int
    #: The early-warning list's ``call`` and ``watch`` parts, in that order (empty when the
    #: list was not computed).
    parts: tuple[ListPart, ...] = ()


def _fsum(values: pd.Series) -> float:
    return math.fsum(values.to_numpy(dtype="float64").tolist())


def _median(values: pd.Series) -> float | None:
    v = values.dropna()
    return None if v.empty else float(np.median(v.to_numpy(dtype="float64")))


def _facts(**values: float | int | str | None) -> dict[str, float | int | str]:
    return {k: v for k, v in values.items() if v is not None}


def _sign_days(run: Run) -> int | None:
    """The run's ``loyalty.sign_days`` (None for a run made before the setting)."""
    loyalty = run.manifest.config.get("loyalty")
    days = loyalty.get("sign_days") if isinstance(loyalty, dict) else None
    return int(days) if isinstance(days, int | float) else None


def _keep_actions(
    table: pd.DataFrame, summary: PriorityListSummary, sign_days: int | None
) -> list[Action]:
    out = []
    for signal, part in table.groupby("signal", sort=True):
        out.append(
            Action(
                ActionKind.KEEP,
                str(signal),
                "early_warning",
                len(part),
                _fsum(part["value_at_stake"]),
                _facts(
                    mean_probability=float(part["churn_probability"].mean()),
                    average_probability=summary.min_probability,
                    mean_clv=float(part["clv"].mean()),
                    median_days=_median(part["days_since_last"]),
                    median_gap=_median(part["usual_gap_days"]),
                    scorer=summary.churn_scorer,
                    list_customers=summary.customers,
                    sign_days=sign_days,
                ),
            )
        )
    return out


def _calls(table: pd.DataFrame) -> pd.DataFrame:
    """The ``call`` rows (all rows of a list written before the split)."""
    if "action" not in table.columns:
        return table
    return table[table["action"] == "call"]


def _parts(table: pd.DataFrame) -> tuple[ListPart, ...]:
    action = table["action"] if "action" in table.columns else pd.Series("call", table.index)
    return tuple(
        ListPart(a, int((action == a).sum()), _fsum(table.loc[action == a, "value_at_stake"]))
        for a in ACTIONS
    )


def _winback_actions(table: pd.DataFrame, summary: PriorityListSummary) -> list[Action]:
    history = summary.return_history
    out = []
    for stage, part in table.groupby("stage", sort=True):
        came = went = None
        if history is not None:
            key = str(stage) if str(stage) in history.customers else "*"
            came, went = history.returned.get(key), history.customers.get(key)
        out.append(
            Action(
                ActionKind.WIN_BACK,
                str(stage),
                "win_back",
                len(part),
                _fsum(part["winback_value"]),
                _facts(
                    mean_return=float(part["return_probability"].mean()),
                    mean_yearly=float(part["yearly_value"].mean()),
                    median_days=_median(part["days_since_last"]),
                    history_returned=came,
                    history_customers=went,
                    horizon_days=history.horizon_days if history else None,
                ),
            )
        )
    return out


def aspect_at_stake(
    comments: pd.DataFrame, at_stake: pd.DataFrame, aspect: str
) -> tuple[int, float]:
    """Current customers with a negative mention of ``aspect``, and their value at stake.

    Parameters
    ----------
    comments
        ``profile_id`` and ``aspects`` (``"annual_fee:negative;rewards_points:positive"``) of
        the own-brand comments in the window.
    at_stake
        ``customer_id`` and ``value_at_stake`` of the current customers.

    Examples
    --------
    >>> comments = pd.DataFrame({"profile_id": ["a", "a", "b", None],
    ...     "aspects": ["fee:negative", "fee:negative;app:positive", "app:negative",
    ...                 "fee:negative"]})
    >>> stake = pd.DataFrame({"customer_id": ["a", "b"], "value_at_stake": [10.0, 5.0]})
    >>> aspect_at_stake(comments, stake, "fee")
    (1, 10.0)
    """
    tagged = comments["aspects"].fillna("").astype(str)
    hit = (";" + tagged + ";").str.contains(f";{aspect}:negative;", regex=False)
    who = pd.Series(comments.loc[hit, "profile_id"].dropna().unique())
    mine = at_stake[at_stake["customer_id"].isin(who)]
    return len(mine), _fsum(mine["value_at_stake"])


def _current_at_stake(run: Run) -> pd.DataFrame | None:
    """``customer_id, value_at_stake`` of every current customer (None without churn/CLV)."""
    if not all(run.has_table(t) for t in ("churn_scores", "clv", "statuses")):
        return None
    scores = run.read("churn_scores").select(["customer_id", "churn_probability"]).to_pandas()
    clv = run.read("clv").select(["customer_id", "clv"]).to_pandas()
    statuses = run.read("statuses").to_pandas()
    current = statuses.loc[statuses["stage"].isin(CURRENT_STATUSES), ["customer_id"]]
    joined = current.merge(scores, on="customer_id").merge(clv, on="customer_id")
    joined["value_at_stake"] = joined["churn_probability"] * joined["clv"].fillna(0.0)
    return joined[["customer_id", "value_at_stake"]]


def _fix_action(run: Run) -> Action | None:
    fb = run.manifest.feedback
    if not isinstance(fb, FeedbackSummary) or not fb.top_negative_aspects:
        return None
    if not run.has_table("feedback_analysis"):
        return None
    stake = _current_at_stake(run)
    if stake is None:
        return None
    cols = ["profile_id", "brand", "timestamp", "aspects"]
    comments = run.read("feedback_analysis").select(cols).to_pandas()
    since = pd.Timestamp(run.manifest.as_of) - pd.Timedelta(days=COMPLAINT_DAYS - 1)
    comments = comments[
        (comments["brand"].fillna("own") == "own")
        & (pd.to_datetime(comments["timestamp"]) >= since)
    ]
    best: Action | None = None
    for aspect in fb.top_negative_aspects[:FIX_CANDIDATES]:
        n, value = aspect_at_stake(comments, stake, aspect.aspect)
        if n == 0:
            continue
        candidate = Action(
            ActionKind.FIX,
            aspect.aspect,
            "feedback_analysis",
            n,
            value,
            _facts(
                negative_mentions=aspect.negative,
                share_negative=aspect.share_negative,
                days=COMPLAINT_DAYS,
                fix_first=int(_is_fix_first(fb, aspect.aspect)),
            ),
        )
        if best is None or candidate.value > best.value:
            best = candidate
    return best


def _is_fix_first(fb: FeedbackSummary, aspect: str) -> bool:
    drivers = fb.key_drivers
    if isinstance(drivers, NotComputed):
        return False
    return any(not isinstance(d, NotComputed) and aspect in d.fix_first for d in drivers.values())


def _caveats(run: Run) -> list[Caveat]:
    m = run.manifest
    out: list[Caveat] = []
    churn = m.churn
    if isinstance(churn, ChurnSummary) and not churn.ranking.model_won:
        model, winner = churn.metrics.get("model"), churn.metrics.get(churn.ranking.scorer)
        out.append(
            Caveat(
                "baseline_ranks",
                _facts(
                    scorer=churn.ranking.scorer,
                    model_roc=model.roc_auc if model else None,
                    scorer_roc=winner.roc_auc if winner else None,
                    model_pr=model.pr_auc if model else None,
                    scorer_pr=winner.pr_auc if winner else None,
                ),
            )
        )
    for slot in ("early_warning", "win_back"):
        info = getattr(m, slot)
        if isinstance(info, NotComputed):
            out.append(Caveat(f"{slot}_not_computed", {"status": info.status}))
    k = m.kpis
    if isinstance(k, KpiSummary) and k.currency is None:
        if len(k.currencies) > 1:
            listed = ", ".join(f"{c} {n:,}" for c, n in k.currencies.items())
            out.append(Caveat("mixed_currencies", {"currencies": listed}))
        else:
            out.append(Caveat("unknown_currency"))
    return out


def plan_actions(run: Run, *, max_actions: int = MAX_ACTIONS) -> ActionPlan:
    """The most valuable actions of ``run`` (module docstring) and its caveats."""
    m = run.manifest
    candidates: list[Action] = []
    parts: tuple[ListPart, ...] = ()
    if isinstance(m.early_warning, PriorityListSummary) and run.has_table("early_warning"):
        ew = run.read("early_warning").to_pandas()
        candidates += _keep_actions(_calls(ew), m.early_warning, _sign_days(run))
        parts = _parts(ew)
    if isinstance(m.win_back, PriorityListSummary) and run.has_table("win_back"):
        wb = run.read("win_back").to_pandas()
        candidates += _winback_actions(wb, m.win_back)
    fix = _fix_action(run)
    if fix is not None:
        candidates.append(fix)
    valuable = [a for a in candidates if a.value > 0 and a.customers > 0]
    # Most valuable first; ties in a fixed order (kind, group) so the plan is reproducible.
    valuable.sort(key=lambda a: (-a.value, a.kind.value, a.group))
    return ActionPlan(tuple(valuable[:max_actions]), tuple(_caveats(run)), len(valuable), parts)
