"""Continuous learning: every finished campaign teaches the next one.

**A round** (:func:`plan_round`) targets one campaign's audience within its budget:

1. the programme's global control customers are recorded (arm ``global_control``) and left
   alone;
2. everyone else is split at random (a hash of the customer and the campaign's salt) into a
   **champion** pool and a **challenger** pool (``challenger_share`` of customers), and into
   the treatable part and the **holdout** part (``holdout_share``);
3. ``exploration_share`` of the budget is set aside; the rest is split between the pools in
   proportion to their size, so both policies get the same budget per customer;
4. each pool's policy chooses customers and actions within its budget in the treatable part,
   and — with the budget scaled by ``h / (1 − h)`` — in the holdout part: those are the
   **holdout**, customers the same policy picked for the same action and left alone (a
   "shadow" selection: the treated and held-out customers come from random halves of the
   audience treated alike, so comparing them measures that policy's effect, action by action);
5. **exploration**: among customers neither policy picked, random customers get a random
   action until the exploration budget is spent (with their own shadow holdout), so the model
   keeps learning about customers it would not pick;
6. every treated arm keeps a holdout: where a policy's shadow selection missed an action its
   treatable selection chose (a small arm of a model policy), a random ``holdout_share`` of
   that arm's customers is held out instead, and an arm too small to keep a treated customer
   beside its holdout is not run.

Arms are ``<group>:<action>`` and ``<group>:<action>:holdout`` (:mod:`.arms`); the budget is
spent only on treated customers and is never exceeded.

**Policies** (:class:`Policy`): ``model`` (expected incremental value from a registered effect
model per action, allocated by :func:`~loyalloop.measurement.targeting.allocate`; with a
``fill_action``, the budget the model leaves goes to the riskiest customers it did not pick,
with that action, never further down the ranking than the incumbent itself reaches with the
budget — :func:`fill_by_risk`, "model first, then the incumbent"), ``risk``
(highest churn probability first), ``value`` (highest CLV first), ``random``. A baseline
policy gives everyone the same action, or — for learning — an action drawn at random.

**Learning** (:func:`training_rows`, :func:`fit_effects`): the finished campaigns' assignments
and outcomes, joined to the features the customers had when they were targeted, become one
training table per action (its treated customers and its holdout). One effect model per action
(:class:`~loyalloop.measurement.structured.RiskScaledEffect`, churn risk × a save rate plus
(1 − risk) × an effect on those who would stay, per action, with heterogeneity only where it
clearly beats risk-only out of fold; or
:class:`~loyalloop.measurement.effects.RiskPriorEffect`, the interaction logit shrunk towards a
risk-based prior; or the plain :class:`~loyalloop.measurement.effects.InteractionLogit`) is
fitted, its out-of-fold Qini (3 folds) recorded with a bootstrap interval next to risk-only
ranking's on the same rows, and registered
(:class:`~loyalloop.measurement.registry.ModelRegistry`). How cautious a model policy is —
the standard errors taken off each predicted effect — is chosen by
:func:`choose_pessimism`: the level whose allocation earns most when cross-validated on the
finished campaigns' own rows (never on a truth). A ``nobody`` policy contacts no one: what the
evidence supports when no action is sure to pay.

**Champion and challenger** (:func:`promote`): a new model becomes the champion if its
held-out Qini, summed over actions, beats the current champion baseline's on the same rows
(the previous champion becomes the challenger); otherwise it is registered as the challenger.
After a round, :func:`compare_groups` measures both policies' net incremental value per unit
of budget against their holdouts; a challenger whose lead has an interval above zero should
replace the champion.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from loyalloop.campaigns.hashing import stable_uniform_expr
from loyalloop.campaigns.spec import GLOBAL_CONTROL, ProgrammeSpec
from loyalloop.errors import ConfigError, DataValidationError, ModelError
from loyalloop.experiments import Estimate
from loyalloop.measurement.arms import HOLDOUT, SEPARATOR, parse_arm
from loyalloop.measurement.effects import (
    InteractionLogit,
    RiskPriorEffect,
    out_of_fold,
    qini_of,
)
from loyalloop.measurement.registry import ActionQini, ModelRegistry, ModelStatus, RegistryEntry
from loyalloop.measurement.results import CampaignReport, Level, Metric
from loyalloop.measurement.structured import RiskScaledEffect
from loyalloop.measurement.targeting import Action, Constraints, allocate

__all__ = [
    "CAUTION_LEVELS",
    "CHALLENGER",
    "CHAMPION",
    "EXPLORE",
    "PESSIMISM",
    "VALUE_MIN_RESPONDERS",
    "EffectFit",
    "EffectLearner",
    "GroupComparison",
    "GroupPlan",
    "ModelPicks",
    "Policy",
    "PolicyKind",
    "RoundPlan",
    "RoundSettings",
    "ValueCalibration",
    "calibrated_value",
    "choose_pessimism",
    "compare_groups",
    "expected_values",
    "fill_by_risk",
    "fit_effects",
    "learning_features",
    "model_policy_picks",
    "monthly_value",
    "plan_round",
    "promote",
    "training_rows",
]

logger = logging.getLogger(__name__)

CHAMPION = "champion"
CHALLENGER = "challenger"
EXPLORE = "explore"


class EffectLearner(StrEnum):
    """The per-action effect model the loop fits."""

    #: :class:`~loyalloop.measurement.structured.RiskScaledEffect`: churn risk × a save rate
    #: plus (1 − risk) × an effect on stayers per action, heterogeneity only where it clearly
    #: beats risk-only out of fold (the default).
    RISK_SCALED = "risk_scaled"

    #: :class:`~loyalloop.measurement.effects.RiskPriorEffect`: shrunk towards a risk prior.
    RISK_PRIOR = "risk_prior"
    #: :class:`~loyalloop.measurement.effects.InteractionLogit` alone.
    LOGIT = "logit"


class PolicyKind(StrEnum):
    """How a policy picks customers."""

    MODEL = "model"
    RISK = "risk"
    VALUE = "value"
    RANDOM = "random"
    #: Contact nobody: what the evidence supports when no action is sure to pay.
    NOBODY = "nobody"


@dataclass(frozen=True)
class Policy:
    """A targeting policy (module docstring).

    ``model_id`` names the registry entry of a ``model`` policy. ``action`` is the action of a
    baseline policy; ``None`` draws one at random per customer (a learning round).
    ``min_score``: a baseline policy picks only customers whose score (churn probability,
    CLV) is at least this — e.g. the depth down to which an earlier round measured the action,
    so that a measured effect is not applied to customers unlike those it was measured on.
    """

    kind: PolicyKind
    model_id: str | None = None
    action: str | None = None
    min_score: float | None = None
    #: A model policy's caution: standard errors taken off each predicted effect
    #: (:func:`expected_values`; ``None`` = :data:`PESSIMISM`, or :func:`choose_pessimism`'s).
    caution: float | None = None
    #: A model policy's **fill**: the budget the model leaves (customers it is not confident
    #: about) goes to the riskiest customers it did not pick, with this action — "model
    #: first, then the incumbent" (:func:`fill_by_risk`), never beyond the customers the
    #: incumbent itself reaches with the budget; ``None``: the rest is not spent.
    fill_action: str | None = None
    #: Actions a model policy may not send: the rows did not show they pay among the
    #: customers the model gives them (``selection``'s action gate); the fill may still use
    #: its own action.
    withheld: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind is PolicyKind.MODEL and not self.model_id:
            raise ConfigError("a model policy needs the id of a registered model")
        if self.fill_action is not None and self.kind is not PolicyKind.MODEL:
            raise ConfigError("only a model policy has a fill (the others spend the budget)")

    @property
    def label(self) -> str:
        if self.kind is PolicyKind.MODEL:
            caution = "" if self.caution is None else f", {self.caution:g} SE off"
            fill = "" if self.fill_action is None else f", then risk-only ({self.fill_action})"
            without = f", without {', '.join(self.withheld)}" if self.withheld else ""
            return f"model {self.model_id}{caution}{without}{fill}"
        if self.kind is PolicyKind.NOBODY:
            return "nobody (no action is sure to pay)"
        depth = "" if self.min_score is None else f", score ≥ {self.min_score:.3g}"
        return f"{self.kind.value} ({self.action or 'random actions'}{depth})"


@dataclass(frozen=True)
class RoundSettings:
    """Shares of a round (module docstring) and the value of a response.

    ``challenger_share`` and ``exploration_share`` are what a round gets when nothing is known
    yet (a learning round); once a model has been judged on finished rows they are the
    **caps** the next round's shares are sized within
    (:func:`~loyalloop.measurement.selection.learning_shares`)."""

    holdout_share: float = 0.2
    challenger_share: float = 0.2
    exploration_share: float = 0.1
    #: Share of a response's value kept as margin (the value targeted is Δp × value × margin).
    margin_rate: float = 0.2

    def __post_init__(self) -> None:
        for name in ("holdout_share", "challenger_share", "exploration_share"):
            v = getattr(self, name)
            if not 0 <= v < 0.5 + (name == "challenger_share") * 0.0:
                raise ConfigError(f"{name} must be from 0 up to 0.5, got {v}")
        if self.holdout_share <= 0:
            raise ConfigError(
                "holdout_share must be above 0: a round without holdout teaches nothing"
            )
        if not 0 < self.margin_rate <= 1:
            raise ConfigError(f"margin_rate must be in (0, 1], got {self.margin_rate}")


@dataclass(frozen=True)
class GroupPlan:
    """What one group (champion, challenger, exploration) of a round does."""

    group: str
    policy: str
    budget: float
    spent: float
    treated: int
    held_out: int
    expected_net_value: float
    actions: dict[str, int]


@dataclass(frozen=True)
class RoundPlan:
    """A planned round: the ``assignments`` rows, the treated customers' actions and reasons.

    ``treatments``: one row per assigned customer in a group — ``customer_id``, ``arm``,
    ``group``, ``action``, ``held_out``, ``expected_value``, ``expected_cost``,
    ``explanation_en``, ``explanation_zh``.
    """

    campaign_id: str
    assignments: pd.DataFrame = field(compare=False)
    treatments: pd.DataFrame = field(compare=False)
    groups: tuple[GroupPlan, ...]
    budget: float
    spent: float
    champion: Policy
    challenger: Policy | None
    notes: tuple[str, ...] = ()

    def group(self, name: str) -> GroupPlan:
        for g in self.groups:
            if g.group == name:
                return g
        raise KeyError(name)


# ------------------------------------------------------------------------------ features
#: Audience-view fields the effect models may use (no ids, PII, free text or dates).
FEATURE_FIELDS = (
    "purchase_days",
    "total_spend",
    "days_since_last",
    "r_score",
    "f_score",
    "m_score",
    "rfm_segment",
    "usual_gap_days",
    "gap_ratio",
    "probability_alive",
    "expected_purchases",
    "clv",
    "churn_probability",
    "loyalty_index",
    "tier",
    "lifecycle_stage",
    "last_nps",
    "nps_group",
    "customer_segment",
)


def learning_features(view: pd.DataFrame, *, aspects: Sequence[str] | None = None) -> pd.DataFrame:
    """Model features from an audience view: the numeric and categorical fields of
    :data:`FEATURE_FIELDS` that are present, the number of aspects complained about and a 0/1
    column per aspect (``aspects``, default: the 8 most frequent), keyed by ``customer_id``."""
    if "customer_id" not in view.columns:
        raise DataValidationError("the audience view has no customer_id column")
    out = view[[c for c in FEATURE_FIELDS if c in view.columns]].copy()
    if "complained_aspects" in view.columns:
        lists = view["complained_aspects"].map(
            lambda x: [str(a) for a in x] if isinstance(x, list | tuple | np.ndarray) else []
        )
        if aspects is None:
            counts = pd.Series([a for lst in lists for a in lst], dtype=object).value_counts()
            aspects = [str(a) for a in counts.index[:8]]
        out["complaints"] = lists.map(len).astype("float64")
        for a in aspects:
            out[f"complained_{a}"] = lists.map(lambda lst, a=a: float(a in lst))
    out.index = view["customer_id"].astype(str).to_numpy()
    return out


def monthly_value(view: pd.DataFrame) -> pd.Series:
    """What a response is worth: the customer's spend per purchase day × the purchase days of a
    month at their usual pace (at least one) — "if they come back, they spend as they used to
    for a month". Customers without a purchase get the median."""
    spend = pd.to_numeric(view["total_spend"], errors="coerce")
    days = pd.to_numeric(view["purchase_days"], errors="coerce").clip(lower=1)
    raw_gap = (
        view["usual_gap_days"]
        if "usual_gap_days" in view.columns
        else pd.Series(np.nan, index=view.index)
    )
    gap = pd.to_numeric(raw_gap, errors="coerce").clip(lower=1).fillna(365.0)
    v = (spend / days) * np.maximum(1.0, 30.0 / gap)
    v = v.where(np.isfinite(v) & (v > 0))
    return v.fillna(v.median() if v.notna().any() else 0.0).set_axis(
        view["customer_id"].astype(str)
    )


#: Fewer responders with a known spend than this: the value of a response is scaled by their
#: overall ratio alone, not by one that moves with churn probability
#: (:func:`calibrated_value`).
VALUE_MIN_RESPONDERS = 30


@dataclass(frozen=True)
class ValueCalibration:
    """The value of a response calibrated on the finished campaigns' responders
    (:func:`calibrated_value`): ``value`` per customer id; the ratio spent / estimated at churn
    probability 0 (``stay_ratio``) and 1 (``lapse_ratio``), linear between; the ``responders``
    it was fitted on and their ``overall`` ratio; ``notes``."""

    value: pd.Series
    stay_ratio: float
    lapse_ratio: float
    responders: int
    overall: float
    notes: tuple[str, ...] = ()

    def line(self) -> str:
        """One line for a run's notes."""
        if not self.responders:
            return "; ".join(self.notes)
        return (
            f"value of a response calibrated on {self.responders:,} responders' spend: "
            f"× {self.stay_ratio:.2f} at churn probability 0, × {self.lapse_ratio:.2f} at 1 "
            f"(overall {self.overall:.2f})"
        )


def calibrated_value(
    value: pd.Series,
    rows: pd.DataFrame,
    audience: pd.DataFrame,
    *,
    min_responders: int = VALUE_MIN_RESPONDERS,
) -> ValueCalibration:
    """The value of a response (``value``, e.g. :func:`monthly_value`, by customer id) scaled
    by what the finished campaigns' responders **actually spent** in their windows against
    what ``value`` said they would, as a function of churn probability.

    :func:`monthly_value` assumes a customer who responds spends as they used to for a month.
    A lapsed customer who comes back need not: on the sample business lapsed responders spend
    one purchase plus half a month at their old pace, so ``value`` over-stated them 1.7×
    (3,513 against 2,049 CNY on average at 10,000 customers; alive 2,097 against 1,993 —
    benchmarks/results/targeting.md, ``uplift16``), inflating every action's estimated gain
    among the riskiest, the customers a learnt policy acts on. The rows hold the answer: the
    ``revenue`` of every assignment that ``responded``, treated or held out (the spend of a
    responder is the value of a response, whoever caused it).

    The ratio spent / ``value`` is fitted as ``(1 − c) · s + c · l`` in the churn probability
    ``c``: if ``c`` is the chance a customer has lapsed, the expected ratio of a customer is
    exactly that mixture of the stayers' ratio ``s`` and the lapsed ones' ``l``. Weighted
    least squares of each responder's ratio with weight ``value`` (so that a constant fit is
    Σ spent / Σ ``value``, the ratio of sums); ``s`` and ``l`` are kept ≥ 0. A customer's value
    is ``value × ((1 − c) s + c l)``. Fewer than ``min_responders`` responders with a known
    spend, or one churn probability for all: the overall ratio of sums; none: ``value``
    unchanged (said in ``notes``).

    ``rows``: the finished campaigns' per-assignment rows (``customer_id``, ``responded``,
    ``revenue``; :func:`~loyalloop.measurement.table.measurement_table`); a responder whose
    revenue is unknown is left out. ``audience``: ``customer_id``, ``churn_probability`` (a
    missing one: the audience's median).
    """
    if min_responders < 1:
        raise ConfigError(f"min_responders must be at least 1, got {min_responders}")
    need = {"customer_id", "responded", "revenue"}
    if not need <= set(rows.columns):
        raise DataValidationError(
            f"the campaigns' rows need columns {sorted(need)} to calibrate the value of a "
            f"response; missing {sorted(need - set(rows.columns))}"
        )
    if "churn_probability" not in audience.columns:
        raise DataValidationError("the audience has no column 'churn_probability'")
    value = value.set_axis(value.index.astype(str))
    churn = pd.to_numeric(audience["churn_probability"], errors="coerce")
    churn = churn.fillna(churn.median() if churn.notna().any() else 0.5).clip(0.0, 1.0)
    churn = churn.set_axis(audience["customer_id"].astype(str).to_numpy())
    churn = churn[~churn.index.duplicated()]
    ids = rows["customer_id"].astype(str).to_numpy()
    responded = pd.to_numeric(rows["responded"], errors="coerce").fillna(0).to_numpy() > 0
    spent = pd.to_numeric(rows["revenue"], errors="coerce").to_numpy("float64")
    est = value.reindex(ids).to_numpy("float64")
    c = churn.reindex(ids).to_numpy("float64")
    ok = responded & np.isfinite(spent) & np.isfinite(est) & (est > 0) & np.isfinite(c)
    spent, est, c = spent[ok], est[ok], c[ok]
    n = int(ok.sum())
    if n == 0:
        note = "no responder with a known spend: the value of a response is not calibrated"
        return ValueCalibration(value, 1.0, 1.0, 0, 1.0, (note,))
    overall = float(spent.sum() / est.sum())
    stay = lapse = overall
    notes: list[str] = []
    if n < min_responders or float(np.ptp(c)) == 0.0:
        notes.append(
            f"{n} responders with a known spend (fewer than {min_responders}, or one churn "
            "probability for all): the value of a response is scaled by their overall ratio"
        )
    else:
        # weighted least squares of the ratio on (1 − c, c), weight = the estimated value
        x = np.column_stack([1.0 - c, c]) * np.sqrt(est)[:, None]
        y = (spent / est) * np.sqrt(est)
        coef, *_ = np.linalg.lstsq(x, y, rcond=None)
        stay, lapse = (max(float(k), 0.0) for k in coef)
    cc = churn.reindex(value.index).fillna(float(churn.median()) if len(churn) else 0.5)
    factor = (1.0 - cc) * stay + cc * lapse
    return ValueCalibration(value * factor, stay, lapse, n, overall, tuple(notes))


# --------------------------------------------------------------------------- selection
def _hash(ids: pd.Series, salt: str) -> np.ndarray:
    """:func:`~loyalloop.campaigns.hashing.stable_uniform` of every id, computed in an
    in-memory engine (the same numbers as the campaigns' assignment)."""
    import ibis

    t = ibis.memtable({"_i": ids.astype(str).to_numpy(), "_k": np.arange(len(ids))})
    out = t.select(t._k, u=stable_uniform_expr(salt, t._i)).order_by("_k").to_pyarrow()
    return out["u"].to_numpy()


def _fill_in_order(
    order: np.ndarray,
    cost: np.ndarray,
    channel: np.ndarray,
    budget: float,
    limits: Mapping[str, float],
    max_contacts: float | None,
    *,
    prefix: bool = False,
) -> np.ndarray:
    """Customers taken in ``order`` while the budget lasts (skipping those whose cost no longer
    fits), within channel limits; their positions in ``order``.

    ``prefix``: stop at the first customer whose cost no longer fits instead of filling what
    is left with cheaper customers further down. A ranked policy's selection in the treatable
    part and its shadow in the holdout part must be the same depth of the ranking: the fill
    spends an *absolute* leftover (up to one call) on cheap customers far down, which is
    four times more of the holdout part's (smaller) budget — on the sample, round 1's
    ``champion:message:holdout`` had mean churn probability 0.40 against its arm's 0.68, and the
    measured effect of an SMS came out −64,861 CNY from that difference alone."""
    c = cost[order]
    ch = channel[order]
    ok = np.isfinite(c)
    for name, limit in limits.items():
        in_ch = ok & (ch == name)
        ok &= ~in_ch | (np.cumsum(in_ch) <= math.floor(limit))
    if max_contacts is not None:
        ok &= np.cumsum(ok) <= math.floor(max_contacts)
    taken = np.zeros(len(order), dtype=bool)
    left = budget
    if prefix:
        # customers unavailable (no consent, beyond a channel limit) are skipped, not stops
        first_over = np.flatnonzero(ok & (np.cumsum(np.where(ok, c, 0.0)) > budget))
        stop = int(first_over[0]) if len(first_over) else len(order)
        return np.flatnonzero(ok[:stop])
    for _ in range(50):
        cand = np.flatnonzero(ok & ~taken & (c <= left))
        if len(cand) == 0:
            break
        take = cand[np.cumsum(c[cand]) <= left]
        taken[take] = True
        left -= float(c[take].sum())
    return np.flatnonzero(taken)


def fill_by_risk(
    customers: pd.DataFrame,
    taken: np.ndarray,
    cost: np.ndarray,
    channel: str,
    budget_left: float,
    *,
    min_score: float | None = None,
    limits: Mapping[str, float] | None = None,
    max_contacts: float | None = None,
    within: float | None = None,
) -> np.ndarray:
    """The incumbent's rule on what a model policy left: positions of the customers not
    ``taken``, highest ``churn_probability`` first (at least ``min_score``), given one action
    (its ``cost`` per customer, on ``channel``) while ``budget_left`` lasts — stopping at the
    first customer whose cost no longer fits, as a ranked policy does (:func:`_fill_in_order`
    with ``prefix``). ``limits`` / ``max_contacts``: what is left of the channel limits.

    ``within``: the fill stays among the customers the incumbent itself reaches with this
    budget (its ranking from the top, nobody taken, channel limits aside): a model policy's
    budget (``uplift15``).
    Where the model gives the incumbent's customers cheaper actions, the budget it frees is
    **not** spent further down the ranking on customers neither the incumbent nor the model
    chose — the incumbent's value was never measured there, and the model, which could have
    picked them at its caution, did not. On the sample business that extension is what lost:
    the model sent SMS to the riskiest customers and the fill gave the offer to customers of
    churn probability ~0.2, −20 k on the truth (benchmarks/results/targeting.md,
    ``uplift15``)."""
    if "churn_probability" not in customers.columns:
        raise DataValidationError("risk-only targeting needs the column churn_probability")
    score = pd.to_numeric(customers["churn_probability"], errors="coerce").to_numpy("float64")
    score = np.where(np.isfinite(score), score, -np.inf)
    every = np.arange(len(customers))
    if min_score is not None:
        every = every[score[every] >= min_score]
    channels = np.full(len(customers), channel, dtype=object)
    cost = np.asarray(cost, dtype="float64")
    rows = every[~np.asarray(taken, dtype=bool)[every]]
    if within is not None:  # the incumbent's own reach with the whole budget
        ranked = every[np.argsort(-score[every], kind="stable")]
        reach = ranked[_fill_in_order(ranked, cost, channels, within, {}, None, prefix=True)]
        rows = rows[np.isin(rows, reach)]
    if budget_left <= 0 or len(rows) == 0:
        return np.empty(0, dtype=np.int64)
    order = rows[np.argsort(-score[rows], kind="stable")]
    picked = _fill_in_order(
        order,
        cost,
        channels,
        budget_left,
        limits or {},
        max_contacts,
        prefix=True,
    )
    return order[picked]


@dataclass
class _Pool:
    """Rows of the customers frame a policy may choose from, split treatable / holdout."""

    rows: np.ndarray
    holdout: np.ndarray  # bool per row of the frame


def _select_baseline(
    customers: pd.DataFrame,
    rows: np.ndarray,
    policy: Policy,
    actions: Sequence[Action],
    cost: np.ndarray,
    budget: float,
    limits: Mapping[str, float],
    max_contacts: float | None,
    score: np.ndarray,
    action_draw: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """Chosen rows, their action index and explanations of a baseline policy."""
    names = [a.name for a in actions]
    if policy.action is not None:
        if policy.action not in names:
            raise ConfigError(f"policy action {policy.action!r} is not one of {names}")
        act = np.full(len(customers), names.index(policy.action))
    else:
        act = np.minimum((action_draw * len(actions)).astype(int), len(actions) - 1)
    if policy.min_score is not None:
        rows = rows[score[rows] >= policy.min_score]
    order = rows[np.argsort(-score[rows], kind="stable")]
    channels = np.array([actions[j].channel for j in act])
    c = cost[np.arange(len(customers)), act]
    picked = _fill_in_order(order, c, channels, budget, limits, max_contacts, prefix=True)
    chosen = order[picked]
    what = {
        PolicyKind.RISK: ("churn probability", "流失概率"),
        PolicyKind.VALUE: ("CLV", "客户价值"),
        PolicyKind.RANDOM: ("random order", "随机顺序"),
    }[policy.kind]
    en, zh = [], []
    for r in chosen:
        a = actions[act[r]]
        if policy.kind is PolicyKind.RANDOM:
            head_en, head_zh = "random policy", "随机策略"
        elif policy.kind is PolicyKind.RISK:
            head_en = f"risk policy: {what[0]} {score[r]:.0%}"
            head_zh = f"风险策略：{what[1]} {score[r]:.0%}"
        else:
            head_en = f"value policy: {what[0]} {score[r]:,.0f}"
            head_zh = f"价值策略：{what[1]} {score[r]:,.0f}"
        if policy.action is None:
            en.append(f"{head_en}; {a.label('en')} drawn at random to learn which action works")
            zh.append(f"{head_zh}；随机抽取 {a.label('zh')}，以了解哪种方式有效")
        else:
            en.append(f"{head_en}; {a.label('en')} for everyone this policy picks")
            zh.append(f"{head_zh}；该策略选中的客户均采用 {a.label('zh')}")
    return chosen, act[chosen], en, zh


#: Standard errors subtracted from each predicted effect before allocating (pessimism).
PESSIMISM = 1.0
#: The caution levels (standard errors off) :func:`choose_pessimism` compares.
CAUTION_LEVELS = (0.0, 0.5, 1.0, 2.0)


def expected_values(
    customers: pd.DataFrame,
    models: Mapping[str, Any],
    actions: Sequence[Action],
    *,
    features: pd.DataFrame,
    value_per_response: pd.Series,
    margin_rate: float,
    pessimism: float = PESSIMISM,
) -> pd.DataFrame:
    """Candidates for :func:`~loyalloop.measurement.targeting.allocate`: per action, the
    expected incremental value and the cost column.

    The value is ``(Δp − pessimism × se(Δp)) × value of a response × margin``: the predicted
    effect less ``pessimism`` standard errors (:meth:`InteractionLogit.predict_se`, when the
    model gives one), so that customers whose effect the training rows say little about are
    not picked for a noisy estimate — a maximisation over noisy estimates picks the most
    over-stated ones, and multiplying by the value of a response picks the most valuable of
    those first (benchmarks/results/targeting.md: without it, learnt targeting lost more than
    it spent). The default, one standard error, is fixed in advance, not tuned on the truth.

    When the audience has ``contact:<action>`` (the contact's cost) and
    ``redeem:<action>`` (what is paid when a customer who got the action responds, e.g. an
    offer's unit cost × the share of responders who redeem it), the value is corrected so that
    value − cost is the model's own expected net: ``… − contact − redeem × P(respond if
    treated) + cost``. An offer redeemed by a customer who would have bought anyway costs
    money and earns nothing; the catalogue's flat expected cost (``cost:<action>``, which the
    budget counts) does not see that.
    """
    ids = customers["customer_id"].astype(str)
    X = features.reindex(ids.to_numpy())
    vpr = value_per_response.reindex(ids.to_numpy()).to_numpy(dtype="float64")
    out = pd.DataFrame({"customer_id": ids.to_numpy()})
    for a in actions:
        if a.name not in models:
            raise ModelError(f"the model has no effect model for action {a.name!r}")
        model = models[a.name]
        dp = np.asarray(model.predict(X), dtype="float64")
        if pessimism and hasattr(model, "predict_se"):
            se = np.asarray(model.predict_se(X), dtype="float64")
            dp = dp - pessimism * np.where(np.isfinite(se), se, 0.0)
        value = dp * vpr * margin_rate
        cost = customers[f"cost:{a.name}"].to_numpy(dtype="float64")
        contact, redeem = f"contact:{a.name}", f"redeem:{a.name}"
        if (
            contact in customers.columns
            and redeem in customers.columns
            and hasattr(model, "control_outcome")
        ):
            p1 = np.clip(np.asarray(model.control_outcome(X), dtype="float64") + dp, 0.0, 1.0)
            value = (
                value
                - customers[contact].to_numpy(dtype="float64")
                - customers[redeem].fillna(0.0).to_numpy(dtype="float64") * p1
                + cost
            )
        out[f"value:{a.name}"] = value
        out[f"cost:{a.name}"] = cost
    return out


def choose_pessimism(
    make: Any,
    customers: pd.DataFrame,
    *,
    audience: pd.DataFrame,
    actions: Sequence[Action],
    features: pd.DataFrame,
    value_per_response: pd.Series,
    margin_rate: float,
    budget_per_customer: float,
    candidates: Sequence[float] = CAUTION_LEVELS,
    folds: int = 3,
    seed: int = 0,
) -> tuple[float, dict[float, float]]:
    """The caution level (standard errors off, :func:`expected_values`) chosen on the
    **training campaigns' own rows** by cross-validation with the one-standard-error rule
    (the most cautious level within one standard error of the best,
    :func:`~loyalloop.measurement.selection.one_se_level`)
    (:func:`~loyalloop.measurement.selection.choose_policy` without an incumbent; the
    loop itself uses that function, which also weighs the incumbent and nobody).

    Returns
    -------
    tuple
        The best level, and the cross-validated value of each level (``nan`` when a fold gave
        too few rows to fit). Nothing here looks at any truth: only the campaigns' outcomes.
    """
    from loyalloop.measurement.selection import choose_policy

    choice = choose_policy(
        make,
        customers,
        audience=audience,
        actions=actions,
        features=features,
        value_per_response=value_per_response,
        margin_rate=margin_rate,
        budget_per_customer=budget_per_customer,
        levels=candidates,
        folds=folds,
        seed=seed,
    )
    values = choice.levels
    if not all(math.isfinite(v) for v in values.values()):
        return PESSIMISM, values
    return choice.caution, values


@dataclass(frozen=True)
class ModelPicks:
    """A model policy's customers (positions in the customers frame), their action index,
    the model's expected net value (``NaN`` for the fill) and the explanations."""

    rows: np.ndarray
    actions: np.ndarray
    expected_value: np.ndarray
    explanation_en: np.ndarray
    explanation_zh: np.ndarray


def model_policy_picks(
    customers: pd.DataFrame,
    rows: np.ndarray,
    policy: Policy,
    effects: Mapping[str, Any],
    *,
    actions: Sequence[Action],
    cost: np.ndarray,
    budget: float,
    limits: Mapping[str, float] | None = None,
    max_contacts: float | None = None,
    features: pd.DataFrame | None,
    value_per_response: pd.Series | None,
    margin_rate: float,
    currency: str = "",
    salt: str | None = None,
) -> ModelPicks:
    """What a ``model`` policy picks among ``rows`` of ``customers`` (positions; the frame has
    a default index) within ``budget``: the allocation on the effect models' expected values
    at the policy's caution and, with a ``fill_action``, the budget the model left to the
    riskiest customers it did not pick (:func:`fill_by_risk`) — the one way :func:`plan_round`
    and a plan scored on a truth (``sample_rounds.policy_plan``) build it. ``effects``: one
    effect model per action; ``cost``: the expected cost per customer (rows of
    ``customers``) and action."""
    if features is None or value_per_response is None:
        raise ConfigError("a model policy needs features and value_per_response")
    limits = dict(limits or {})
    names = [a.name for a in actions]
    cand = expected_values(
        customers.iloc[rows],
        effects,
        actions,
        features=features,
        value_per_response=value_per_response,
        margin_rate=margin_rate,
        pessimism=PESSIMISM if policy.caution is None else policy.caution,
    )
    for j, a in enumerate(actions):
        cand[f"cost:{a.name}"] = cost[rows, j]
    for w in policy.withheld:  # the action gate: the model may not send these
        if w not in names:
            raise ConfigError(f"withheld action {w!r} is not one of {names}")
        cand[f"value:{w}"] = np.nan
    constraints = Constraints(
        budget,
        max_contacts=None if max_contacts is None else int(max_contacts),
        channel_limits={k: int(v) for k, v in limits.items()},
    )
    if salt is None:  # allocate's own tie-break salt
        alloc = allocate(cand, actions, constraints, currency=currency)
    else:
        alloc = allocate(cand, actions, constraints, currency=currency, salt=salt)
    fr = alloc.frame
    chosen_mask = fr["action"].notna().to_numpy()
    chosen = rows[chosen_mask]
    acts = np.array([names.index(x) for x in fr.loc[chosen_mask, "action"]], dtype=np.int64)
    values = fr.loc[chosen_mask, "expected_value"].to_numpy(dtype="float64")
    en = fr.loc[chosen_mask, "explanation_en"].to_numpy(dtype=object)
    zh = fr.loc[chosen_mask, "explanation_zh"].to_numpy(dtype=object)
    if policy.fill_action is None:
        return ModelPicks(chosen, acts, values, en, zh)
    # the budget the model left, to the riskiest customers it did not pick (the fill)
    if policy.fill_action not in names:
        raise ConfigError(f"fill action {policy.fill_action!r} is not one of {names}")
    j = names.index(policy.fill_action)
    spent = float(cost[chosen, acts].sum())
    counts = pd.Series([actions[k].channel for k in acts], dtype=object).value_counts()
    left_lim = {ch: k - int(counts.get(ch, 0)) for ch, k in limits.items()}
    left_mc = None if max_contacts is None else max_contacts - len(chosen)
    add = rows[
        fill_by_risk(
            customers.iloc[rows],
            chosen_mask,
            cost[rows, j],
            actions[j].channel,
            budget - spent,
            limits=left_lim,
            max_contacts=left_mc,
            within=budget,
        )
    ]
    risk = pd.to_numeric(customers["churn_probability"], errors="coerce").to_numpy("float64")
    label_en, label_zh = actions[j].label("en"), actions[j].label("zh")
    fill_en = [
        f"budget the model left, risk policy: churn probability {risk[r]:.0%}; {label_en}"
        for r in add
    ]
    fill_zh = [f"模型未用完的预算按风险策略分配：流失概率 {risk[r]:.0%}；{label_zh}" for r in add]
    return ModelPicks(
        np.concatenate([chosen, add]),
        np.concatenate([acts, np.full(len(add), j, dtype=np.int64)]),
        np.concatenate([values, np.full(len(add), np.nan)]),
        np.concatenate([en, np.array(fill_en, dtype=object)]),
        np.concatenate([zh, np.array(fill_zh, dtype=object)]),
    )


def plan_round(
    customers: pd.DataFrame,
    *,
    campaign_id: str,
    actions: Sequence[Action],
    constraints: Constraints,
    champion: Policy,
    challenger: Policy | None = None,
    models: Mapping[str, Mapping[str, Any]] | None = None,
    features: pd.DataFrame | None = None,
    value_per_response: pd.Series | None = None,
    settings: RoundSettings | None = None,
    assigned_at: datetime,
    programme: ProgrammeSpec | None = None,
    salt: str | None = None,
    currency: str = "",
) -> RoundPlan:
    """Plan one round (module docstring).

    Parameters
    ----------
    customers
        The audience: ``customer_id``, ``cost:<action>`` per action (expected cost; ``NaN``
        = not available), and the scores baseline policies use (``churn_probability``,
        ``clv``).
    models
        Effect models by registry id and action, for ``model`` policies.
    features, value_per_response
        Model features (:func:`learning_features`, indexed by customer id) and the value of a
        response (:func:`monthly_value`), for ``model`` policies.
    """
    settings = settings or RoundSettings()
    programme = programme or ProgrammeSpec()
    salt = salt or campaign_id
    if customers["customer_id"].duplicated().any():
        raise DataValidationError("the audience has duplicate customer ids")
    for a in actions:
        if f"cost:{a.name}" not in customers.columns:
            raise DataValidationError(f"the audience has no cost column 'cost:{a.name}'")
    df = customers.reset_index(drop=True)
    ids = df["customer_id"].astype(str)
    n = len(df)
    gc = np.zeros(n, dtype=bool)
    if programme.global_control_share > 0:
        gc = _hash(ids, programme.salt) < programme.global_control_share
    held = _hash(ids, salt + ":holdout") < settings.holdout_share
    to_challenger = (
        (_hash(ids, salt + ":group") < settings.challenger_share)
        if challenger is not None
        else np.zeros(n, dtype=bool)
    )
    draw = _hash(ids, salt + ":action")
    explore_order = np.argsort(_hash(ids, salt + ":explore"), kind="stable")
    cost = np.column_stack([df[f"cost:{a.name}"].to_numpy(dtype="float64") for a in actions])
    h = settings.holdout_share
    shadow = h / (1.0 - h)
    b_explore = constraints.budget * settings.exploration_share
    b_rest = constraints.budget - b_explore
    share_ch = settings.challenger_share if challenger is not None else 0.0
    budgets = {CHAMPION: b_rest * (1.0 - share_ch), CHALLENGER: b_rest * share_ch}

    action_of = np.full(n, -1, dtype=np.int64)
    group_of = np.full(n, "", dtype=object)
    value_of = np.full(n, np.nan)
    en_of = np.full(n, "", dtype=object)
    zh_of = np.full(n, "", dtype=object)

    def scaled(share: float) -> tuple[dict[str, float], float | None]:
        lim = {ch: k * share for ch, k in constraints.channel_limits.items()}
        mc = constraints.max_contacts * share if constraints.max_contacts is not None else None
        return lim, mc

    def run_policy(group: str, policy: Policy, pool: np.ndarray) -> None:
        if policy.kind is PolicyKind.NOBODY:
            return
        for part, factor in ((pool & ~held, 1.0), (pool & held, shadow)):
            rows = np.flatnonzero(part)
            if len(rows) == 0:
                continue
            budget = budgets[group] * factor
            lim, mc = scaled(budget / constraints.budget if constraints.budget else 0.0)
            if policy.kind is PolicyKind.MODEL:
                model_id = policy.model_id
                if models is None or model_id is None or model_id not in models:
                    raise ModelError(f"model {model_id!r} was not given to plan_round")
                got = model_policy_picks(
                    df,
                    rows,
                    policy,
                    models[model_id],
                    actions=actions,
                    cost=cost,
                    budget=budget,
                    limits=lim,
                    max_contacts=mc,
                    features=features,
                    value_per_response=value_per_response,
                    margin_rate=settings.margin_rate,
                    currency=currency,
                    salt=salt,
                )
                action_of[got.rows] = got.actions
                value_of[got.rows] = got.expected_value
                en_of[got.rows] = got.explanation_en
                zh_of[got.rows] = got.explanation_zh
            else:
                column = {PolicyKind.RISK: "churn_probability", PolicyKind.VALUE: "clv"}.get(
                    policy.kind
                )
                if column is None:
                    score = pd.Series(_hash(ids, salt + ":random"))
                elif column not in df.columns:
                    raise DataValidationError(
                        f"the {policy.kind.value} policy needs the audience column {column!r}"
                    )
                else:
                    score = pd.to_numeric(df[column], errors="coerce")
                s = score.fillna(-np.inf).to_numpy(dtype="float64")
                chosen, acts, en, zh = _select_baseline(
                    df, rows, policy, actions, cost, budget, lim, mc, s, draw
                )
                action_of[chosen] = acts
                en_of[chosen] = en
                zh_of[chosen] = zh
            group_of[rows[np.isin(rows, np.flatnonzero(action_of >= 0))]] = group

    eligible = ~gc
    run_policy(CHAMPION, champion, eligible & ~to_challenger)
    if challenger is not None:
        run_policy(CHALLENGER, challenger, eligible & to_challenger)
    # exploration: random customers nobody picked, random actions; its holdout is the same
    # share of random customers nobody picked (in the holdout part), with their own random
    # action drawn alike — counted, not budgeted, so every action keeps a holdout
    free = eligible & (action_of < 0)
    # its own action draw: independent of the learning policies' random actions, which may
    # already have taken every customer whose draw was a cheap action
    explore_draw = _hash(ids, salt + ":explore-action")
    act = np.minimum((explore_draw * len(actions)).astype(int), len(actions) - 1)
    c = cost[np.arange(n), act]
    if b_explore > 0:
        order = explore_order[(free & ~held)[explore_order]]
        channels = np.array([actions[j].channel for j in act])
        lim, mc = scaled(b_explore / constraints.budget if constraints.budget else 0.0)
        picked = order[_fill_in_order(order, c, channels, b_explore, lim, mc)]
        pool = explore_order[(free & held & np.isfinite(c))[explore_order]]
        # the held part mirrors the treated part action by action: the budget's fill takes
        # cheap actions past dear ones, so the treated part is not the random action mix the
        # held part would be — a shadow of the same size overall held out 14 % of the SMS and
        # 27 % of the offers where every row logs 20 % (tests/measurement/test_propensity.py)
        shadow_rows = np.concatenate(
            [
                pool[act[pool] == j][: round(int(np.sum(act[picked] == j)) * shadow)]
                for j in range(len(actions))
            ]
        )
        for rows_ in (picked, shadow_rows):
            action_of[rows_] = act[rows_]
            group_of[rows_] = EXPLORE
        chosen = np.concatenate([picked, shadow_rows])
        lab_en = np.array([a.label("en") for a in actions], dtype=object)
        lab_zh = np.array([a.label("zh") for a in actions], dtype=object)
        en_of[chosen] = (
            "exploration: picked at random among customers no policy chose, so the model "
            "keeps learning; " + lab_en[act[chosen]] + " drawn at random"
        )
        zh_of[chosen] = (
            "探索：从未被任何策略选中的客户中随机抽取，以便模型持续学习；随机抽取 "
            + lab_zh[act[chosen]]
        )

    # Every treated arm keeps a holdout. The shadow run of a policy in the holdout part can
    # miss an action its run in the treatable part chose (a model's small arm); then a random
    # share of that arm's customers — picked by the same policy for the same action — is held
    # out instead, and an arm too small to keep any treated customer beside it is not run.
    held = held.copy()
    # the design's chance of being held out in one's arm (the hash holdout: h), logged per row
    p_held = np.full(n, h)
    order_in_arm = _hash(ids, salt + ":arm-holdout")
    for g in (CHAMPION, CHALLENGER, EXPLORE):
        for j in range(len(actions)):
            in_arm = (action_of == j) & (group_of == g)
            if not in_arm.any() or (in_arm & held).any():
                continue
            rows_ = np.flatnonzero(in_arm)
            k = max(1, round(len(rows_) * h))
            if k >= len(rows_):
                action_of[rows_] = -1
                group_of[rows_] = ""
                continue
            held[rows_[np.argsort(order_in_arm[rows_], kind="stable")[:k]]] = True
            p_held[rows_] = k / len(rows_)

    assigned = action_of >= 0
    names = np.array([a.name for a in actions], dtype=object)
    arm = np.where(
        assigned,
        group_of.astype(str) + SEPARATOR + names[np.maximum(action_of, 0)].astype(str),
        "",
    ).astype(object)
    arm[assigned & held] = arm[assigned & held] + SEPARATOR + HOLDOUT
    held_rows = assigned & held
    en_of[held_rows] = (
        "held out at random (not contacted) to measure what the policy's choice does; "
        + en_of[held_rows]
    )
    zh_of[held_rows] = "随机留作对照（不触达），用于衡量该策略的效果；" + zh_of[held_rows]
    rec = assigned | gc
    arm[gc] = GLOBAL_CONTROL
    # the logged propensity — the chance of the row's arm, as everywhere it is logged: given
    # the policy's pick, treated (1 − p_held) or held out (p_held); the global control its
    # share of everyone (selection._comparisons turns it into the AIPW's chance to be treated)
    propensity = np.where(held, p_held, 1.0 - p_held)
    propensity[gc] = programme.global_control_share
    at = pd.Timestamp(assigned_at.replace(tzinfo=None, microsecond=0))
    assignments = pd.DataFrame(
        {
            "customer_id": ids[rec].to_numpy(),
            "campaign_id": campaign_id,
            "arm": arm[rec],
            "assigned_at": at,
            "propensity": propensity[rec],
        }
    )
    rows = np.flatnonzero(assigned)
    exp_cost = np.where(held[rows], 0.0, cost[rows, action_of[rows]])
    treatments = pd.DataFrame(
        {
            "customer_id": ids.to_numpy()[rows],
            "arm": arm[rows],
            "group": group_of[rows],
            "action": names[action_of[rows]],
            "held_out": held[rows],
            "propensity": propensity[rows],
            "expected_value": value_of[rows],
            "expected_cost": exp_cost,
            "explanation_en": en_of[rows],
            "explanation_zh": zh_of[rows],
        }
    )
    groups = []
    for g, pol in ((CHAMPION, champion), (CHALLENGER, challenger), (EXPLORE, None)):
        if g == CHALLENGER and challenger is None:
            continue
        sel = treatments["group"] == g
        tr = treatments[sel & ~treatments["held_out"]]
        groups.append(
            GroupPlan(
                group=g,
                policy=pol.label if pol is not None else "random customers, random actions",
                budget=budgets.get(g, b_explore),
                spent=float(tr["expected_cost"].sum()),
                treated=len(tr),
                held_out=int((sel & treatments["held_out"]).sum()),
                expected_net_value=float((tr["expected_value"] - tr["expected_cost"]).sum())
                if tr["expected_value"].notna().any()
                else math.nan,
                actions={str(k): int(v) for k, v in tr["action"].value_counts().items()},
            )
        )
    spent = math.fsum(treatments.loc[~treatments["held_out"], "expected_cost"])
    if spent > constraints.budget * (1 + 1e-12):  # pragma: no cover - guarded by construction
        raise AssertionError(f"round {campaign_id} spent {spent} of {constraints.budget}")
    return RoundPlan(
        campaign_id=campaign_id,
        assignments=assignments,
        treatments=treatments,
        groups=tuple(groups),
        budget=constraints.budget,
        spent=spent,
        champion=champion,
        challenger=challenger,
    )


# ---------------------------------------------------------------------------- learning
def training_rows(
    customers: pd.DataFrame, features: pd.DataFrame | Mapping[str, pd.DataFrame]
) -> dict[str, tuple[pd.DataFrame, np.ndarray, np.ndarray]]:
    """Per action, the features, treatment flag and response of its treated and held-out
    customers over every finished campaign.

    Parameters
    ----------
    customers
        Per-assignment measurement rows (``campaign_id``, ``customer_id``, ``arm``,
        ``responded``) — the ``campaign_customers`` run table or
        :func:`~loyalloop.measurement.table.measurement_table`'s table.
    features
        The features the customers had when targeted: one frame indexed by customer id, or
        one per campaign id.

    Raises
    ------
    DataValidationError
        A missing column, a non-binary ``responded`` value, or a customer without features.
    """
    need = {"campaign_id", "customer_id", "arm", "responded"}
    if not need <= set(customers.columns):
        raise DataValidationError(f"training rows need columns {sorted(need)}")
    r = pd.to_numeric(customers["responded"], errors="coerce")
    bad = r.isna() | ~r.isin([0, 1])
    if bad.any():
        raise DataValidationError(
            f"column responded has {int(bad.sum())} values that are not 0 or 1 (e.g. "
            f"{customers.loc[bad, 'responded'].astype(str).head(3).tolist()})"
        )
    parsed = customers["arm"].astype(str).map(parse_arm)
    action = parsed.map(lambda p: p.action)
    is_control = parsed.map(lambda p: p.is_control).to_numpy(dtype=bool)
    keep = action.ne("").to_numpy() & ~parsed.map(lambda p: p.is_global_control).to_numpy(
        dtype=bool
    )
    out: dict[str, tuple[pd.DataFrame, np.ndarray, np.ndarray]] = {}
    for a in sorted(set(action[keep])):
        sel = keep & (action == a).to_numpy()
        rows = customers.loc[sel]
        parts = []
        for cid, part in rows.groupby("campaign_id", sort=True):
            f = features[str(cid)] if isinstance(features, Mapping) else features
            missing = ~part["customer_id"].astype(str).isin(f.index)
            if missing.any():
                raise DataValidationError(
                    f"{int(missing.sum())} customers of campaign {cid} have no features (e.g. "
                    f"{part.loc[missing, 'customer_id'].astype(str).iloc[0]})"
                )
            parts.append(f.loc[part["customer_id"].astype(str)].reset_index(drop=True))
        X = pd.concat(parts, ignore_index=True)
        ordered = pd.concat([p for _, p in rows.groupby("campaign_id", sort=True)])
        t = (~ordered["arm"].astype(str).map(lambda x: parse_arm(x).is_control)).to_numpy(
            dtype="float64"
        )
        y = pd.to_numeric(ordered["responded"]).to_numpy(dtype="float64")
        out[a] = (X, t, y)
    del is_control
    return out


@dataclass(frozen=True)
class EffectFit:
    """Effect models per action and their held-out (out-of-fold) Qini."""

    models: dict[str, Any]
    qini: tuple[ActionQini, ...]
    notes: tuple[str, ...] = ()

    def score(self) -> tuple[float, float]:
        """Row-weighted Qini of the models and of the best baseline (risk-only targeting)."""
        rows = sum(q.rows for q in self.qini)
        if rows == 0:
            return math.nan, math.nan
        m = sum(q.rows * q.qini for q in self.qini) / rows
        b = sum(q.rows * q.baseline_qini for q in self.qini) / rows
        return m, b


def fit_effects(
    rows: Mapping[str, tuple[pd.DataFrame, np.ndarray, np.ndarray]],
    *,
    C: float = 0.5,
    resamples: int = 200,
    seed: int = 0,
    learner: EffectLearner = EffectLearner.RISK_SCALED,
) -> EffectFit:
    """One effect model per action (``learner``: by default
    :class:`~loyalloop.measurement.structured.RiskScaledEffect`, churn risk × a save rate plus
    (1 − risk) × an effect on stayers, per action;
    :class:`~loyalloop.measurement.effects.RiskPriorEffect`, the interaction logit shrunk
    towards a risk-based prior; or the plain
    :class:`~loyalloop.measurement.effects.InteractionLogit`),
    with its out-of-fold Qini (bootstrap interval) and risk-only targeting's on the same rows
    (``baseline``: the lowest predicted chance to respond without the action first)."""
    from loyalloop.uplift import bootstrap_interval

    models: dict[str, Any] = {}
    qini: list[ActionQini] = []
    notes: list[str] = []

    def make() -> Any:
        if learner is EffectLearner.LOGIT:
            return InteractionLogit(C=C)
        if learner is EffectLearner.RISK_PRIOR:
            return RiskPriorEffect(C=C)
        return RiskScaledEffect(C=C, seed=seed)

    for action, (X, t, y) in rows.items():
        try:
            model = make().fit(X, t, y)
            oof = out_of_fold(make, X, t, y, seed=seed)
        except (ModelError, ValueError) as exc:
            notes.append(f"{action}: no model ({exc})")
            continue
        risk = -model.control_outcome(X)
        iv = bootstrap_interval("qini_area", y, t, oof, resamples=resamples, random_state=seed)
        qini.append(
            ActionQini(
                action=action,
                rows=len(y),
                treated=int(t.sum()),
                learner=learner.value,
                qini=iv.value,
                qini_low=iv.low,
                qini_high=iv.high,
                baseline="risk",
                baseline_qini=qini_of(risk, t, y),
            )
        )
        models[action] = model
    return EffectFit(models, tuple(qini), tuple(notes))


def promote(
    registry: ModelRegistry,
    model_id: str,
    fit: EffectFit,
    *,
    trained_on: Sequence[str],
    run: int | None = None,
    current: Policy,
) -> tuple[RegistryEntry, Policy, Policy | None, str]:
    """Register ``fit`` and decide the next round's champion and challenger (module docstring).

    Returns the entry, the champion and challenger policies, and the reason in words.
    """
    m, b = fit.score()
    beats = math.isfinite(m) and math.isfinite(b) and m > b
    if current.kind is PolicyKind.MODEL:
        status = ModelStatus.CHAMPION
        reason = (
            f"retrained on {', '.join(trained_on)}: the champion model is updated "
            f"(out-of-fold Qini {m:.4g} vs risk-only {b:.4g})"
        )
    elif beats:
        status = ModelStatus.CHAMPION
        reason = (
            f"promoted: out-of-fold Qini {m:.4g} beats the champion's risk-only targeting "
            f"({b:.4g}) on the same rows; {current.label} becomes the challenger"
        )
    else:
        status = ModelStatus.CHALLENGER
        reason = (
            f"registered as challenger: out-of-fold Qini {m:.4g} does not beat risk-only "
            f"targeting ({b:.4g}); the champion stays {current.label}"
        )
    entry = registry.register(
        model_id,
        fit.models,
        outcome="responded",
        trained_on=trained_on,
        qini=fit.qini,
        run=run,
        status=status,
        notes=(*fit.notes, reason),
    )
    model_policy = Policy(PolicyKind.MODEL, model_id=model_id)
    if status is ModelStatus.CHAMPION:
        challenger = None if current.kind is PolicyKind.MODEL else current
        return entry, model_policy, challenger, reason
    return entry, current, model_policy, reason


# ------------------------------------------------------------------------ champion review
@dataclass(frozen=True)
class GroupComparison:
    """Net incremental value per unit of budget of each group, measured against its holdouts,
    and the challenger's lead over the champion."""

    per_budget: dict[str, Estimate]
    lead: Estimate
    challenger_wins: bool


def compare_groups(
    report: CampaignReport, plan: RoundPlan, *, alpha: float = 0.05
) -> GroupComparison:
    """The champion's and challenger's measured net value per unit of budget (group totals of
    :func:`~loyalloop.measurement.results.campaign_results`, divided by each group's budget),
    and the challenger's lead with a normal interval."""
    c = report.campaign(plan.campaign_id)
    z = float(special.ndtri(1 - alpha / 2))
    per: dict[str, Estimate] = {}
    for e in c.effects:
        if e.level is not Level.GROUP and not (e.level is Level.CAMPAIGN and len(plan.groups) == 1):
            continue
        name = e.arm if e.level is Level.GROUP else plan.groups[0].group
        try:
            g = plan.group(name)
        except KeyError:
            continue
        net = e.metric(Metric.NET)
        if net.error or g.budget <= 0:
            per[name] = Estimate.undefined()
            continue
        k = 1.0 / g.budget
        per[name] = Estimate(
            net.total.estimate * k, net.total.se * k, net.total.low * k, net.total.high * k
        )
    for g in plan.groups:  # a group that contacted nobody earned exactly nothing
        if g.treated == 0 and g.group not in per:
            per[g.group] = Estimate(0.0, 0.0, 0.0, 0.0)
    a, b = per.get(CHAMPION), per.get(CHALLENGER)
    if a is None or b is None or not (math.isfinite(a.se) and math.isfinite(b.se)):
        return GroupComparison(per, Estimate.undefined(), False)
    d = b.estimate - a.estimate
    se = math.hypot(a.se, b.se)
    lead = Estimate(d, se, d - z * se, d + z * se)
    return GroupComparison(per, lead, lead.low > 0)
