"""Which targeting policy to run next: the learnt one, the incumbent, or nobody.

A learnt effect model is only worth running when it is *clearly* better than what the
campaign manager would do without it. :func:`choose_policy` compares, on the **finished
campaigns' own rows** (never on a truth), by cross-validation:

* the learnt policy at each caution level (standard errors taken off each predicted effect,
  :func:`~loyalloop.measurement.learning.expected_values`) — **model first, then the
  incumbent**: the customers the model is confident about at that level, and the budget it
  leaves given by the incumbent's rule (the riskiest customers it did not pick, the
  incumbent's action; :func:`~loyalloop.measurement.learning.fill_by_risk`);
* the **incumbent** — the safe default the business already runs, e.g. risk-only targeting
  (highest churn probability first) with one action;
* **nobody** — contacting no one earns exactly 0.

The customers of the finished campaigns are split into folds at random; for each fold the
effect models are fitted on the other folds' rows, and every candidate allocates the fold's
customers at the same budget per customer. A candidate's value is measured on the rows it did
not learn from, **doubly robust** (AIPW; Robins, Rotnitzky & Zhao 1994, the policy value of
Dudík, Langford & Li 2011): every row of an action's arm gets the score

    Γ = m₁(x) − m₀(x) + t · (z − m₁(x)) / e − (1 − t) · (z − m₀(x)) / (1 − e)

with ``z`` its net outcome (response × value of a response × margin, less the offer's unit
cost paid by a treated responder who redeems), ``t`` treated or held out, ``e`` the chance to
be treated in the row's comparison (the campaigns randomised the holdout, so ``e`` is known;
below, *two chances*), and
``m₀``/``m₁`` the outcome model without / with the action — the fold's effect models fitted on
the other folds (``control_outcome`` and ``control_outcome + predict``), or the other folds'
mean outcome of the arm when no model could be fitted. Every customer of the audience is
valued — the candidates allocate the whole audience of a fold, as they will act on it — in two
strata: the customers a campaign's policy picked (treated or held out; in a learning round
with a random action each) and the rest, whom only the exploration rows (random customers no
policy picked) represent. Per stratum, the mean score of the rows of an action among the
customers the candidate gave it, × the number given it, is the action's gain there; the
contact costs of all of them are subtracted. Valuing only the customers the rows cover — as
the loop did before — measured a policy on round 1's riskiest customers and then ran it on
everyone (benchmarks/results/targeting.md, ``uplift6``).

**Two chances.** A row's logged ``propensity`` is the design's chance that the customer got
the row's *arm* (``campaigns.arm_propensities``, ``learning.plan_round``); ``e`` is the
chance to be treated rather than held out in the comparison the row is measured in — the same
number only where an arm has its own holdout (``plan_round``'s ``champion:call:holdout``).
Where arms share a holdout (a plain campaign's ``holdout``) ``e = p_arm / (p_arm +
p_holdout)`` and each held-out customer is the control of every arm (:func:`_comparisons`).
Within a comparison ``e`` is its recorded treated share, in cells of one design chance (a cell
all treated or all held out takes the design chance): at least as efficient as the design's
(Hirano, Imbens & Ridder 2003), and right where a design misses its nominal share.

The mean score is unbiased whatever the outcome model; the model only takes out the part of the
outcome it explains — chiefly the spread of the value of a response between customers, which the
difference in treated and held-out means it replaces carried whole. Each row's **influence** ``n_a
(Γ − Γ̄) / rows`` gives the standard error, and the paired difference between two candidates (the
same rows).

On simulated campaigns with known effects (tests/measurement/test_policy_value.py) the 95 %
interval covers the true policy value 95 % of the time, the estimate is unbiased with a right
or a wrong outcome model, and its standard deviation is 0.76 × the difference in means'. The
outcome is **not capped**: a cap on the value of a response would shrink the standard error
further but bias the value down by the effect × the excess over the cap of the customers above
it — the very customers a value-weighted policy picks first, so the bias would fall on the
learnt policy more than on the incumbent.

The choice — **one-standard-error rules** (Breiman et al. 1984; Hastie, Tibshirani & Friedman,
*Elements of Statistical Learning* §7.10), the caution level chosen **cross-fitted** so that the
value the learnt policy is judged on was not also used to choose its level:

1. the **caution level** (:func:`one_se_level`): the most cautious level whose value is within
   one standard error of the best level's — more caution is the simpler policy (fewer, surer
   contacts), preferred when the rows cannot tell the levels apart;
2. the learnt policy is judged **cross-fitted** (a nested split): for each fold, the level is
   chosen by rule 1 on the values of the *other* folds' allocations, and that level's
   allocation of this fold is what the learnt policy does there. The policy so assembled is
   valued on all rows; the level of each fold was chosen without that fold's scores, so its
   value is not the maximum of several noisy values. Choosing the best of four
   cross-validated values and then testing it against the default with the same values — as
   the loop did until ``uplift7`` — is a winner's curse: on simulated campaigns where every
   level is worth the same, the maximum overstated the value by 0.72 of a standard error and
   passed "lead > 1 SE" on pure noise in 37 % of draws; the cross-fitted value is unbiased
   there (−0.02 SE) and passed 17 %, the rule's nominal 16 % (4,000 simulated draws,
   tests/measurement/test_selection.py). The level
   the next campaign runs at is rule 1 applied to all folds (the procedure that was
   validated, applied to all the data);
3. the **safe default** is the incumbent, unless it is measured as losing money with
   confidence (the upper end of its 95 % interval below zero); then the default is nobody;
4. the learnt policy replaces the default only if its cross-fitted value exceeds the
   default's by more than ``rule`` standard errors of the paired difference;
5. otherwise the default runs. An action given to customers of whom the rows hold no treated
   or held-out customer counts its cost and no gain (nothing is known).

**Why the fill** (``uplift8``). Without it, more caution meant fewer contacts: at 2 SE off the
learnt policy of the demo's seed 0 contacted 800 customers for 40 CNY of a 19,722 budget and
left the rest unspent, and the one-standard-error rule, preferring the most cautious level,
steered towards that — not what a manager means by cautious. With the fill every level spends
the budget, more caution means *closer to the incumbent* (the limit is the incumbent itself),
and the learnt policy and the incumbent are compared at the same spend on mostly the same
customers, so the paired difference they are judged by carries only the customers they
disagree on. On a simulated campaign where risk is right for most customers and a feature
risk does not see matters for a few (``tests/measurement/test_selection.py``, known truth):
at 2 SE off the model alone called 2,552 of the 3,000 it could and earned 29,640 on the
truth; filled, 31,771; risk-only 21,381; and the filled policy's lead over the incumbent,
cross-validated on the rows, was +7,559 (se 3,212) against the model alone's +4,058 (se
3,958). The fill is left out when the incumbent is the wrong default (measured as losing
money with confidence): then the learnt policy's picks alone are valued, against nobody. The
value of a response is not winsorised (see above): the paired, mostly shared allocations are
what stabilises the comparison, without biasing it.

**The fill stays within the incumbent's reach** (``uplift15``): it gives the incumbent's
action only to customers the incumbent itself picks with the whole budget
(:func:`~loyalloop.measurement.learning.fill_by_risk`, ``within``). Before, when the model
gave the riskiest customers a cheap action (an SMS at 0.05 CNY for an offer at ~17), the
budget it freed went further down the risk order — to customers neither the incumbent nor the
model chose. On the sample business (6 learning campaigns, repeat 1, taken apart by
``benchmarks/targeting_diagnosis.py --split-repeat``) that was the whole loss: the SMS and the
calls to the riskiest earned +11.1 k on the truth; the fill's 876 offers to customers of
churn probability ~0.2 (16 % sleeping dogs) −20.2 k, where risk-only + offer earned +10.0 k;
the rows saw it (the lead's offer part −51 k, se 11 k). Bounded, the same model at the same
caution is worth 11,106 against risk-only + offer's 10,042. The bound forgoes what the offer
would earn just below the incumbent's reach where it still pays; the rows cannot show that
without the model's confidence, and the model, free to pick those customers, did not.

**The action gate** (``uplift14``; ``action_gate=True``, **off by default** — see the end of
this paragraph). An action other than the fill's may enter the learnt
policy only where the rows show it pays: its measured value among the customers the model
gives it (the AIPW gain of its rows there less their contact costs, as :func:`_measured`
values any candidate) less what the budget they cost would earn in the fill (the incumbent's
measured value per unit spent), **not below 0 at the caution** — ``max(caution, rule)``
standard errors — and measured at all (an action no fold's model gave anyone is withheld).
It is cross-fitted like the level: fold f's allocation is gated on the other folds' rows,
then re-allocated without the withheld actions and filled; what the next campaign runs is
the gate on all folds at the level rule 1 picks (``PolicyChoice.withheld``,
``Policy.withheld``). Why: on the sample business with six pooled learning campaigns the
learnt policy sent 1,285 SMS in one repeat of two and lost 15 k on the truth against
risk-only + offer — cheap contacts to customers whose SMS effect the model over-stated by
noise, where the truth puts sleeping dogs off (benchmarks/results/targeting.md,
``uplift13``). On simulated campaigns whose SMS earns nothing or harms a little, the gate
withholds it in most draws, and keeps an SMS that pays (tests/measurement/test_selection.py).
A one-sided 1-SE test still passes on noise about one time in six. On the sample business
it did **not** catch the over-send it was built for (``uplift14``): in the losing repeat the
SMS passed and the call was withheld; the 1-SE rule held that policy back; and withholding
the call cost 6.8 k and 7.5 k on the truth in two repeats of three (the call's comparator,
the offer fill's *average* value per unit spent, is a higher bar than the fill's marginal
customers). Hence off by default; kept, tested, for the next attempt. The fill's own action is
not gated: withheld, its budget would go to the same action by risk.

**What runs and what was measured.** The lead is the cross-fitted policy's (each fold's
level and gate chosen on the other folds); the next campaign runs the same procedure applied
to all the rows (rule 1 and the gate on all folds, the model fitted on all rows) — as
cross-validation always values a procedure, not the one model it finally fits. Where the
folds chose different levels, the level that runs is not one any fold ran; the benchmark
prints the folds' levels beside the one that runs (not simulated further).

**Which threshold** (``uplift16``, pre-registered: 2-SE, 1-SE and argmax — "run the learnt
policy when its lead is above 0" — compared on the same fresh repeats of the sample business,
10,000 customers, 6 learning campaigns, with the fill's bound). Every fresh lead was above
1 SE (1.14, 1.66, 1.18), so 1-SE and argmax ran the same plans, worth +9,518, +7,003 and
+2,746 on the truth against risk-only + offer (2-SE held all three back: 0); the registered
tie goes to the more cautious rule, so ``rule`` stays 1. Not deciding, but pointing the other
way: in every earlier repeat with a lead between 0 and 1 SE the held-back policy was worth
more than the incumbent on the truth (+7.5 k at 10,000; +15.6 k, +15.7 k at 20,000), and on
simulated campaigns where the model has nothing to add argmax cost 70 per draw on average
(benchmarks/results/targeting.md).

Rule 1 and the cross-fitting were chosen by this reasoning and on simulated data with a known
truth, before the demo's fresh seeds 3–8 were run on the sample's truth
(benchmarks/results/targeting.md, ``uplift7``); nothing was tuned on a seed.

Before this rule the loop chose the caution with the highest cross-validated value and fell
back to *nobody* when no level was above zero: on 10,000 customers with three pooled learning
campaigns it contacted nobody in two repeats of three, where the incumbent earned +10,500 CNY
(benchmarks/results/targeting.md).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

from loyalloop.errors import ConfigError, DataValidationError, ModelError
from loyalloop.measurement.arms import HOLDOUT, SEPARATOR, control_for, parse_arm
from loyalloop.measurement.learning import (
    EXPLORE,
    expected_values,
    fill_by_risk,
    training_rows,
)
from loyalloop.measurement.targeting import Action, Constraints, allocate

__all__ = [
    "CandidateValue",
    "LeadPart",
    "LearningShares",
    "PolicyChoice",
    "Selected",
    "aipw_scores",
    "choose_policy",
    "cross_fitted_levels",
    "learning_rows_needed",
    "learning_shares",
    "one_se_level",
]

logger = logging.getLogger(__name__)

#: The caution levels (standard errors off) compared; also ``learning.CAUTION_LEVELS``.
LEVELS = (0.0, 0.5, 1.0, 2.0)
#: The label of the learnt policy judged cross-fitted (a level chosen per fold on the others).
CROSS_FITTED = "model:cross-fitted"
#: z of a one-sided 95 % bound: the incumbent "loses money with confidence" below it.
_Z95 = 1.959963984540054


class Selected(StrEnum):
    """What :func:`choose_policy` chose."""

    MODEL = "model"
    INCUMBENT = "incumbent"
    NOBODY = "nobody"


@dataclass(frozen=True)
class CandidateValue:
    """A candidate's cross-validated value (the campaigns' currency) and its standard error;
    ``nan`` when a fold gave too few rows to fit."""

    label: str
    value: float
    se: float
    contacted: int = 0


@dataclass(frozen=True)
class LeadPart:
    """One part of the learnt policy's measured lead over the default: the cross-fitted
    learnt policy's value less the default's among the customers either gives ``action`` in
    one stratum (1: customers a campaign's policy picked; 0: the rest, whom only exploration
    rows represent), with the standard error of that paired difference. The parts add up to
    :attr:`PolicyChoice.lead`."""

    action: str
    stratum: int
    model_customers: int
    default_customers: int
    lead: float
    se: float


@dataclass(frozen=True)
class PolicyChoice:
    """The choice and the evidence for it (module docstring).

    ``caution`` is the learnt policy's level (standard errors off) by the one-standard-error
    rule on all folds (:func:`one_se_level`), whatever was chosen, so a challenger can run the
    model at it. ``fold_cautions`` is the level chosen for each fold on the other folds (the
    cross-fitted policy, candidate :data:`CROSS_FITTED`). ``lead`` is the cross-fitted learnt
    policy's value less the default's, with the standard error of that paired difference.
    """

    selected: Selected
    caution: float
    candidates: tuple[CandidateValue, ...]
    default: Selected
    lead: float
    lead_se: float
    rule: float
    reason: str
    notes: tuple[str, ...] = field(default=())
    fold_cautions: tuple[float, ...] = field(default=())
    #: The action with which the incumbent's rule fills the budget the learnt policy leaves
    #: (the learnt candidates were valued so); ``None``: no fill (no incumbent, or it loses).
    fill_action: str | None = None
    #: The actions the learnt policy may not send at ``caution``: the action gate on all
    #: folds' rows (module docstring); the cross-fitted candidates were gated per fold.
    withheld: tuple[str, ...] = ()
    #: The lead split by action and stratum (:class:`LeadPart`): where the learnt policy
    #: gains or loses against the default on the rows.
    lead_parts: tuple[LeadPart, ...] = ()

    def value(self, label: str) -> CandidateValue:
        for c in self.candidates:
            if c.label == label:
                return c
        raise KeyError(label)

    @property
    def levels(self) -> dict[float, float]:
        """Cross-validated value per caution level (``learning.choose_pessimism``'s table)."""
        return {
            float(c.label.split(":", 1)[1]): c.value
            for c in self.candidates
            if c.label.startswith("model:") and c.label != CROSS_FITTED
        }


def _level_label(k: float) -> str:
    return f"model:{k:g}"


@dataclass
class _Rows:
    """The finished campaigns' rows, prepared once."""

    frame: pd.DataFrame
    by_id: pd.DataFrame
    ids: pd.Index
    #: Per audience customer: 1 if a campaign's policy picked them (treated or held out), 0 if
    #: only exploration can have reached them — the strata the value is measured in.
    stratum: pd.Series


def _comparisons(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows as the comparisons they are measured in, with the design's chance to be
    treated in each (module docstring, *two chances*).

    Each row gets ``_pair`` (the treated arm it is compared in), ``_action`` (that arm's
    action) and ``_treated_chance`` — ``e`` of the AIPW score, the chance that the row's
    customer was treated rather than held out in that comparison — from the rows' logged
    ``propensity``, which is a different quantity: the chance the customer got the row's arm
    (``campaigns.arm_propensities``, ``learning.plan_round``). With the treated arm ``A`` and
    its control ``C`` (:func:`~loyalloop.measurement.arms.control_for`):

    * ``C`` is ``A``'s own holdout (``champion:call`` / ``champion:call:holdout``, as
      ``plan_round`` makes them) or absent: the design gave the customer ``A``'s action and
      then held them out at random, so the two chances add to 1 and
      ``e = propensity`` for a treated row, ``1 − propensity`` for a held-out one;
    * ``C`` is a shared holdout (a plain campaign's ``holdout``, a group's ``g:holdout``): the
      hash split the customer among several arms and the holdout, so ``e = p_A / (p_A + p_C)``
      — for ``offer`` at 45 % and the holdout at 10 %, ``e = 0.818``, not 0.45 — and every
      held-out row is the control of **each** treated arm it serves (one row per arm; the
      standard errors count a customer once, :func:`_variance`).

    ``nan`` where a chance is not logged (rows written before propensities were logged); a
    global-control row or a shared holdout no treated arm uses keeps an empty ``_pair``.
    """
    arm = rows["arm"].astype(str)
    p = (
        pd.to_numeric(rows["propensity"], errors="coerce")
        if "propensity" in rows.columns
        else pd.Series(np.nan, index=rows.index)
    ).to_numpy(dtype="float64")
    take: list[np.ndarray] = []
    pair: list[np.ndarray] = []
    chance: list[np.ndarray] = []
    position = np.arange(len(rows))
    for _cid, members in pd.Series(position).groupby(rows["campaign_id"].to_numpy(), sort=False):
        at = members.to_numpy()
        of = arm.iloc[at].to_numpy()
        names = set(of)
        # each arm's chance (one number per arm under a hash split: the median of its rows)
        logged = pd.Series(p[at]).groupby(of).median()
        serves: dict[str, list[str]] = {}  # shared control arm -> the treated arms it serves
        for a in sorted(names):
            c = control_for(a, names) if parse_arm(a).treated else None
            if c is not None and c != f"{a}{SEPARATOR}{HOLDOUT}":
                serves.setdefault(c, []).append(a)
        for a in sorted(names):
            i = at[of == a]
            x = parse_arm(a)
            parts: list[tuple[str, np.ndarray]] = []
            if x.treated:
                c = control_for(a, names)
                if c is not None and c != f"{a}{SEPARATOR}{HOLDOUT}":  # a shared holdout
                    parts.append((a, p[i] / (p[i] + logged[c])))
                else:
                    parts.append((a, p[i]))
            elif x.action or a[: -len(SEPARATOR + HOLDOUT)] in names:
                # an arm's own holdout (``champion:call:holdout``): the control of that arm
                parts.append((a[: -len(SEPARATOR + HOLDOUT)], 1.0 - p[i]))
            elif a in serves:  # a shared holdout: the control of each arm it serves
                parts.extend((t, logged[t] / (logged[t] + p[i])) for t in serves[a])
            else:  # the global control, or a holdout no treated arm is measured against
                parts.append(("", np.full(len(i), np.nan)))
            for t, e in parts:
                take.append(i)
                pair.append(np.full(len(i), t, dtype=object))
                chance.append(np.asarray(e, dtype="float64"))
    pos = np.concatenate(take) if take else np.zeros(0, dtype=np.int64)
    order = np.argsort(pos, kind="stable")  # the rows' own order, a shared row's copies together
    out = rows.iloc[pos[order]].reset_index(drop=True)
    out["_pair"] = np.concatenate(pair)[order] if pair else np.zeros(0, dtype=object)
    out["_action"] = out["_pair"].map(
        {t: parse_arm(t).action if t else "" for t in set(out["_pair"])}
    )
    out["_treated_chance"] = np.concatenate(chance)[order] if chance else np.zeros(0)
    return out


def _variance(frame: pd.DataFrame, psi: np.ndarray) -> float:
    """The variance of a value from its rows' influences ``psi``, one term per assignment (a
    shared holdout's customer has a row in each comparison it serves: one term for them)."""
    codes, _ = pd.factorize(frame["campaign_id"].astype(str) + "\x1f" + frame["customer_id"])
    return float(np.sum(np.bincount(codes, weights=psi) ** 2))


def _prepare(
    customers: pd.DataFrame, audience: pd.DataFrame, vpr: pd.Series, margin: float
) -> _Rows:
    need = {"customer_id", "arm", "responded"}
    if not need <= set(customers.columns):
        raise DataValidationError(f"cross-validation rows need columns {sorted(need)}")
    rows = customers.copy()
    if "campaign_id" not in rows.columns:
        rows["campaign_id"] = "campaign"
    rows["customer_id"] = rows["customer_id"].astype(str)
    rows = _comparisons(rows)
    parsed = rows["arm"].astype(str).map(parse_arm)
    rows["_treated"] = (~parsed.map(lambda p: p.is_control | p.is_global_control)).astype(float)
    rows["_y"] = pd.to_numeric(rows["responded"], errors="coerce")
    # e, the chance to be treated rather than held out in the row's comparison: each
    # comparison's recorded treated share (its treated / treated + held out) — within cells of
    # one design chance when the rows log their arm's propensity, so an arm whose customers
    # were held out at different rates is not valued as if at one rate; a cell all treated or
    # all held out takes the design chance itself
    chance = rows["_treated_chance"].to_numpy(dtype="float64")
    known = np.isfinite(chance)
    key = rows["campaign_id"].astype(str) + "|" + rows["_pair"].astype(str)
    cell = pd.Series(np.round(chance, 6), index=rows.index).astype(str)
    key = key.where(~known, key + "|" + cell)
    e = rows.groupby(key.to_numpy())["_treated"].transform("mean").to_numpy(dtype="float64")
    rows["_e"] = np.where(known & ((e <= 0) | (e >= 1)), chance, e)
    by_id = audience.assign(customer_id=audience["customer_id"].astype(str)).drop_duplicates(
        "customer_id"
    )
    by_id = by_id.set_index("customer_id")
    # the whole audience is valued (the policies act on all of it), in two strata: customers a
    # campaign's policy picked, and the rest, which only the exploration rows represent
    ids = pd.Index(by_id.index)
    by_policy = parsed.map(lambda p: p.group != EXPLORE and not p.is_global_control)
    picked = pd.Index(rows.loc[by_policy.to_numpy(dtype=bool), "customer_id"].unique())
    stratum = pd.Series(ids.isin(picked).astype("int64"), index=ids)
    v = vpr.reindex(rows["customer_id"].to_numpy()).to_numpy(dtype="float64")
    rows["_v"] = v * margin
    rows["_yv"] = rows["_y"].to_numpy(dtype="float64") * rows["_v"].to_numpy()
    redeem = np.zeros(len(rows))
    for a in rows["_action"].unique():
        col = f"redeem:{a}"
        if a and col in by_id.columns and f"contact:{a}" in by_id.columns:
            m = (rows["_action"] == a).to_numpy()
            redeem[m] = (
                by_id[col].reindex(rows.loc[m, "customer_id"]).fillna(0.0).to_numpy("float64")
            )
    rows["_redeem"] = redeem
    # the net outcome of a row: a treated responder's redemption is paid
    rows["_z"] = rows["_yv"] - rows["_treated"] * rows["_redeem"] * rows["_y"]
    # outcome-model predictions, set per fold by choose_policy (0: plain inverse propensity)
    rows["_m0"] = 0.0
    rows["_m1"] = 0.0
    return _Rows(rows.reset_index(drop=True), by_id, ids, stratum)


def aipw_scores(
    z: np.ndarray, treated: np.ndarray, e: np.ndarray, m0: np.ndarray, m1: np.ndarray
) -> np.ndarray:
    """Doubly robust (AIPW) score of each row: its estimate of the action's effect on the net
    outcome, ``m1 − m0 + t (z − m1) / e − (1 − t)(z − m0) / (1 − e)``.

    ``e`` is the row's known chance to be treated in its comparison (module docstring, *two
    chances*); ``m0``/``m1`` an
    outcome model's prediction without / with the action, fitted on other rows. The mean of
    the scores is unbiased for the mean effect whatever the outcome model (the treatment is
    randomised); the better the model, the smaller their variance (Robins, Rotnitzky & Zhao
    1994; the policy value of Dudík, Langford & Li 2011)."""
    t = np.asarray(treated, dtype="float64")
    return m1 - m0 + t * (z - m1) / e - (1.0 - t) * (z - m0) / (1.0 - e)


def _measured_parts(
    r: _Rows, chosen: pd.Series, actions: Sequence[Action]
) -> dict[tuple[str, int], tuple[float, np.ndarray, int]]:
    """A candidate's measured value on the rows split by action and stratum (module
    docstring): per ``(action, stratum)`` the gain of the customers ``chosen`` gives it there
    less their contact costs, each row's influence on it, and how many customers — stratum 1
    the customers a campaign's policy picked, 0 the rest (only exploration rows represent
    them). ``chosen`` maps customer id → action given."""
    frame = r.frame
    e = frame["_e"].to_numpy(dtype="float64")
    usable = (e > 0) & (e < 1) & np.isfinite(frame["_z"].to_numpy(dtype="float64"))
    score = np.where(
        usable,
        aipw_scores(
            frame["_z"].to_numpy(dtype="float64"),
            frame["_treated"].to_numpy(),
            np.where(usable, e, 0.5),
            frame["_m0"].to_numpy(dtype="float64"),
            frame["_m1"].to_numpy(dtype="float64"),
        ),
        0.0,
    )
    action = frame["_action"].to_numpy()
    out: dict[tuple[str, int], tuple[float, np.ndarray, int]] = {}
    for a in actions:
        who = chosen.index[chosen.to_numpy() == a.name]
        if len(who) == 0:
            continue
        sub = r.by_id.loc[who]
        contact, redeem = f"contact:{a.name}", f"redeem:{a.name}"
        paid = contact if contact in sub.columns and redeem in sub.columns else f"cost:{a.name}"
        cost = sub[paid].to_numpy(dtype="float64")
        of = r.stratum.reindex(who).to_numpy()
        for s in (0, 1):
            psi = np.zeros(len(frame))
            who_s = who[of == s]
            total = -float(cost[of == s].sum())
            rows = np.flatnonzero(
                usable & (action == a.name) & frame["customer_id"].isin(who_s).to_numpy()
            )
            if len(rows):  # else nothing known of the action here: no gain claimed
                n_s = len(who_s)
                mean = float(score[rows].mean())
                total += n_s * mean
                psi[rows] = n_s * (score[rows] - mean) / len(rows)
            out[(a.name, s)] = (total, psi, len(who_s))
    return out


def _measured(r: _Rows, chosen: pd.Series, actions: Sequence[Action]) -> tuple[float, np.ndarray]:
    """A candidate's measured value on the rows and each row's influence on it (module
    docstring): ``chosen`` maps customer id → action given."""
    psi = np.zeros(len(r.frame))
    total = 0.0
    for v, p, _n in _measured_parts(r, chosen, actions).values():
        total += v
        psi += p
    return total, psi


def _set_outcome_model(
    r: _Rows,
    rows: np.ndarray,
    train: np.ndarray,
    models: dict[str, Any],
    features: pd.DataFrame,
) -> None:
    """Outcome-model predictions (net, without / with the action) for ``rows`` of the frame,
    fitted on the ``train`` rows (the other folds): from an action's effect model
    (``p0 = control_outcome``, ``p1 = p0 + Δp``; net ``p0 · v`` and ``p1 · (v − redeem)``),
    or — for an action without one — the mean net outcome of its held-out and treated
    training rows."""
    frame = r.frame
    sub = frame.iloc[rows]
    tr = frame.iloc[train]
    m0 = np.zeros(len(rows))
    m1 = np.zeros(len(rows))
    for a in sub["_action"].unique():
        if not a:
            continue
        mine = (sub["_action"] == a).to_numpy()
        model = models.get(a)
        if model is not None and hasattr(model, "control_outcome"):
            X = features.reindex(sub.loc[mine, "customer_id"].to_numpy())
            p0 = np.clip(np.asarray(model.control_outcome(X), dtype="float64"), 0.0, 1.0)
            p1 = np.clip(p0 + np.asarray(model.predict(X), dtype="float64"), 0.0, 1.0)
            v = sub.loc[mine, "_v"].to_numpy(dtype="float64")
            m0[mine] = p0 * v
            m1[mine] = p1 * (v - sub.loc[mine, "_redeem"].to_numpy(dtype="float64"))
        else:
            same = tr[tr["_action"] == a]
            z, t = same["_z"].to_numpy(dtype="float64"), same["_treated"].to_numpy() == 1
            m0[mine] = float(np.nanmean(z[~t])) if (~t).any() else 0.0
            m1[mine] = float(np.nanmean(z[t])) if t.any() else 0.0
    frame.loc[frame.index[rows], "_m0"] = np.nan_to_num(m0)
    frame.loc[frame.index[rows], "_m1"] = np.nan_to_num(m1)


def one_se_level(levels: Sequence[float], values: Sequence[float], ses: Sequence[float]) -> int:
    """The one-standard-error rule across caution levels: the index of the most cautious level
    (largest standard errors off) whose value is at least the best value less the best
    level's standard error; ``-1`` when no value is finite."""
    v = np.asarray(values, dtype="float64")
    se = np.asarray(ses, dtype="float64")
    ok = np.isfinite(v)
    if not ok.any():
        return -1
    best = int(np.argmax(np.where(ok, v, -np.inf)))
    floor = v[best] - (se[best] if np.isfinite(se[best]) else 0.0)
    within = [i for i in range(len(v)) if ok[i] and v[i] >= floor]
    return max(within, key=lambda i: levels[i])


def cross_fitted_levels(
    levels: Sequence[float], fold_values: np.ndarray, fold_vars: np.ndarray
) -> list[int]:
    """For each fold, the level :func:`one_se_level` picks on the **other** folds' values
    (``fold_values[level, fold]``, their variances ``fold_vars``; the folds' rows are
    disjoint, so the other folds' variances add)."""
    values = np.asarray(fold_values, dtype="float64")
    var = np.asarray(fold_vars, dtype="float64")
    picks = []
    for f in range(values.shape[1]):
        others = np.delete(np.arange(values.shape[1]), f)
        picks.append(
            one_se_level(levels, values[:, others].sum(axis=1), np.sqrt(var[:, others].sum(axis=1)))
        )
    return picks


def _incumbent_pick(
    fold: pd.DataFrame,
    action: str,
    budget: float,
    min_score: float | None,
    taken: pd.Index | None = None,
    within: float | None = None,
) -> pd.Series:
    """Risk-only targeting of one fold: highest churn probability first, one action, among
    the customers not ``taken`` (a model policy's own picks, when it fills what it left) and
    — ``within`` — among those the incumbent reaches with that budget (the fill's bound,
    :func:`~loyalloop.measurement.learning.fill_by_risk`)."""
    col = f"cost:{action}"
    if col not in fold.columns:
        raise DataValidationError(f"the audience has no cost column {col!r}")
    if "churn_probability" not in fold.columns:
        raise DataValidationError("the incumbent (risk-only) needs the column churn_probability")
    mask = np.zeros(len(fold), dtype=bool) if taken is None else fold.index.isin(taken)
    picked = fill_by_risk(
        fold,
        mask,
        fold[col].to_numpy(dtype="float64"),
        "",
        budget,
        min_score=min_score,
        within=within,
    )
    return pd.Series(action, index=fold.index[picked], dtype=object)


def _spent(fold: pd.DataFrame, given: pd.Series) -> float:
    """The expected cost of the actions ``given`` (customer id → action) to the fold's
    customers."""
    total = 0.0
    for a in given.unique():
        who = given.index[given.to_numpy() == a]
        total += float(fold.loc[who, f"cost:{a}"].astype("float64").sum())
    return total


def _action_gains(
    r: _Rows,
    rows: np.ndarray,
    picks: pd.Series,
    fold: pd.DataFrame,
    rate: float,
    actions: Sequence[Action],
) -> list[tuple[float, float, float]]:
    """Per action, on one fold's rows: the measured net value of the model's own ``picks``
    of that action (its AIPW gain less its contact costs, :func:`_measured`) less what the
    fill would earn with the budget they cost (``rate`` per unit), and its variance."""
    sub = _Rows(r.frame.iloc[rows].reset_index(drop=True), r.by_id, r.ids, r.stratum)
    out = []
    for a in actions:
        mine = picks[picks.to_numpy() == a.name]
        if len(mine) == 0:
            out.append((0.0, 0.0, 0.0))
            continue
        v, psi = _measured(sub, mine, actions)
        out.append((v - rate * _spent(fold, mine), _variance(sub.frame, psi), float(len(mine))))
    return out


def _gated(
    actions: Sequence[Action], gains: np.ndarray, z: float, fill: str | None
) -> tuple[str, ...]:
    """The actions the learnt policy may not send: those whose summed measured value over the
    folds ``gains`` (fold, action, value/variance/customers) is below 0 at ``z`` standard
    errors, or that no fold's model gave anyone (the rows show nothing of what they earn) —
    except the fill's own action, whose budget would go to the same action anyway."""
    out = []
    for j, a in enumerate(actions):
        if a.name == fill:
            continue
        v, var, n = (float(gains[:, j, i].sum()) for i in range(3))
        if n == 0 or v - z * math.sqrt(var) < 0:
            out.append(a.name)
    return tuple(out)


def _se_words(rule: float) -> str:
    """``1`` → "1 standard error", ``2`` → "2 standard errors"."""
    return f"{rule:g} standard error" + ("" if rule == 1 else "s")


def choose_policy(
    make: Any,
    customers: pd.DataFrame,
    *,
    audience: pd.DataFrame,
    actions: Sequence[Action],
    features: pd.DataFrame,
    value_per_response: pd.Series,
    margin_rate: float,
    budget_per_customer: float,
    incumbent_action: str | None = None,
    incumbent_min_score: float | None = None,
    levels: Sequence[float] = LEVELS,
    rule: float = 1.0,
    folds: int = 3,
    seed: int = 0,
    fill_budget: bool = True,
    action_gate: bool = False,
) -> PolicyChoice:
    """Choose among the learnt policy (at each caution level), the incumbent and nobody by
    cross-validated value on the finished campaigns' rows, with a one-standard-error rule
    (module docstring).

    Parameters
    ----------
    make
        A factory of one effect model (``fit(X, t, y)``, ``predict``, ``predict_se``,
        ``control_outcome``), e.g. :class:`~loyalloop.measurement.effects.RiskPriorEffect`.
    customers
        The finished campaigns' per-assignment rows (``customer_id``, ``arm``,
        ``responded``; ``campaign_id`` when several are pooled).
    audience
        One row per customer: ``customer_id``, ``cost:<action>`` (and ``contact:`` /
        ``redeem:`` when known), ``churn_probability`` for the incumbent.
    incumbent_action
        The incumbent's action (risk-only targeting with it); ``None``: no incumbent, the
        default is nobody.
    incumbent_min_score
        The incumbent picks only customers with at least this churn probability.
    rule
        Standard errors by which the learnt policy must beat the default.
    fill_budget
        The learnt policy at each level is "model first, then the incumbent": the budget it
        leaves goes to the riskiest customers it did not pick, with the incumbent's action
        (when the incumbent is the default); ``False`` values the model's picks alone.
    action_gate
        Withhold the actions the rows do not show to pay (module docstring, *the action
        gate*). Off by default: on the sample business it cost more than it saved
        (benchmarks/results/targeting.md, ``uplift14``).
    """
    if folds < 2:
        raise ConfigError(f"cross-validation needs at least 2 folds, got {folds}")
    if rule < 0:
        raise ConfigError(f"rule must be >= 0 standard errors, got {rule}")
    names = [a.name for a in actions]
    if incumbent_action is not None and incumbent_action not in names:
        raise ConfigError(f"incumbent action {incumbent_action!r} is not one of {names}")
    r = _prepare(customers, audience, value_per_response, margin_rate)
    fold_of = pd.Series(
        np.random.default_rng(seed).permutation(len(r.ids)) % folds, index=r.ids, dtype="int64"
    )
    labels = [_level_label(k) for k in levels]
    given: dict[str, list[pd.Series]] = {k: [] for k in labels}
    fold_rows: list[np.ndarray] = []
    fold_models: list[dict[str, Any]] = []
    fold_audience: list[pd.DataFrame] = []
    inc: list[pd.Series] = []
    notes: list[str] = []
    fitted = True
    for f in range(folds):
        test_ids = fold_of.index[fold_of.to_numpy() == f]
        fold = r.by_id.loc[test_ids]
        fold_audience.append(fold)
        budget = budget_per_customer * len(fold)
        if incumbent_action is not None:
            inc.append(_incumbent_pick(fold, incumbent_action, budget, incumbent_min_score))
        in_test = r.frame["customer_id"].isin(test_ids).to_numpy()
        test_rows, train_rows = np.flatnonzero(in_test), np.flatnonzero(~in_test)
        fold_rows.append(test_rows)
        models: dict[str, Any] = {}
        try:
            per_action = training_rows(r.frame.iloc[train_rows], features)
        except (ValueError, DataValidationError) as exc:
            notes.append(f"fold {f + 1} gave no model ({exc})")
            per_action = {}
        for a, data in per_action.items():
            try:
                models[a] = make().fit(*data)
            except (ModelError, ValueError, DataValidationError) as exc:
                notes.append(f"fold {f + 1} gave no model for {a} ({exc})")
        # the outcome model of the value estimate: every fold, whatever the policies
        _set_outcome_model(r, test_rows, train_rows, models, features)
        fold_models.append(models)
        if fitted and any(a not in models for a in names):
            missing = ", ".join(a for a in names if a not in models)
            notes.append(f"fold {f + 1} gave no model for {missing}")
            fitted = False

    psis: dict[str, np.ndarray] = {"nobody": np.zeros(len(r.frame))}
    allocations: dict[str, pd.Series] = {"nobody": pd.Series(dtype=object)}
    by: dict[str, CandidateValue] = {"nobody": CandidateValue("nobody", 0.0, 0.0, 0)}
    default, dlabel = Selected.NOBODY, "nobody"
    why_default = "no incumbent policy was given"
    if incumbent_action is not None:
        chosen = pd.concat(inc) if inc else pd.Series(dtype=object)
        allocations["incumbent"] = chosen
        v, psi = _measured(r, chosen, actions)
        psis["incumbent"] = psi
        i = CandidateValue("incumbent", v, math.sqrt(_variance(r.frame, psi)), len(chosen))
        by["incumbent"] = i
        upper = i.value + _Z95 * i.se
        if upper < 0:
            why_default = (
                f"the incumbent loses money with confidence ({i.value:+,.0f}, 95 % upper "
                f"bound {upper:+,.0f})"
            )
        else:
            default, dlabel = Selected.INCUMBENT, "incumbent"
            why_default = (
                f"the incumbent is not measured as losing money ({i.value:+,.0f} ± {i.se:,.0f})"
            )
    # model first, then the incumbent: the budget a level leaves goes to the riskiest
    # customers it did not pick — unless the incumbent is measured as losing money
    fill = incumbent_action if default is Selected.INCUMBENT and fill_budget else None
    # what a unit of budget buys when the fill spends it: the incumbent's measured value per
    # unit spent, per fold (the action gate's alternative; 0 without a fill)
    rate = np.zeros(folds)
    if fill is not None and action_gate:
        for f, fold in enumerate(fold_audience):
            sub = _Rows(
                r.frame.iloc[fold_rows[f]].reset_index(drop=True), r.by_id, r.ids, r.stratum
            )
            spent_f = _spent(fold, inc[f])
            rate[f] = _measured(sub, inc[f], actions)[0] / spent_f if spent_f > 0 else 0.0
    cands_of: dict[str, list[pd.DataFrame]] = {k: [] for k in labels}
    own: dict[str, list[pd.Series]] = {k: [] for k in labels}
    for fold, models in zip(fold_audience, fold_models, strict=True):
        if not fitted:
            break
        budget = budget_per_customer * len(fold)
        cand_frame = fold.reset_index()
        for k, label in zip(levels, labels, strict=True):
            cand = expected_values(
                cand_frame,
                models,
                actions,
                features=features,
                value_per_response=value_per_response,
                margin_rate=margin_rate,
                pessimism=k,
            )
            alloc = allocate(cand, actions, Constraints(budget))
            cands_of[label].append(cand)
            own[label].append(alloc.frame.set_index("customer_id")["action"].dropna())
    # the action gate (module docstring), cross-fitted: fold f's allocation may use an action
    # only if the other folds' rows show it pays among the customers the model gave it there
    gates: dict[str, list[list[float]]] = {k: [] for k in labels}
    withheld_at: dict[str, list[tuple[str, ...]]] = {k: [] for k in labels}
    for k, label in zip(levels, labels, strict=True):
        if not fitted:
            break
        gain = np.array(
            [
                _action_gains(r, fold_rows[f], own[label][f], fold_audience[f], rate[f], actions)
                if action_gate
                else [(0.0, 0.0, 0.0)] * len(actions)
                for f in range(folds)
            ]
        )  # (fold, action, value/variance/customers)
        gates[label] = [list(g) for g in gain]
        for f, fold in enumerate(fold_audience):
            others = np.delete(np.arange(folds), f)
            out = _gated(actions, gain[others], max(k, rule), fill) if action_gate else ()
            got = own[label][f]
            if out:
                cand = cands_of[label][f].copy()
                for a in out:
                    cand[f"value:{a}"] = np.nan
                budget = budget_per_customer * len(fold)
                alloc = allocate(cand, actions, Constraints(budget))
                got = alloc.frame.set_index("customer_id")["action"].dropna()
            withheld_at[label].append(out)
            if fill is not None:
                rest = budget_per_customer * len(fold) - _spent(fold, got)
                extra = _incumbent_pick(
                    fold,
                    fill,
                    rest,
                    incumbent_min_score,
                    taken=got.index,
                    within=budget_per_customer * len(fold),
                )
                got = pd.concat([got, extra])
            given[label].append(got)

    cands: list[CandidateValue] = []
    for label in labels:
        if not fitted:
            cands.append(CandidateValue(label, math.nan, math.nan))
            continue
        chosen = pd.concat(given[label]) if given[label] else pd.Series(dtype=object)
        v, psi = _measured(r, chosen, actions)
        psis[label] = psi
        cands.append(CandidateValue(label, v, math.sqrt(_variance(r.frame, psi)), len(chosen)))
    fold_cautions: tuple[float, ...] = ()
    if fitted:
        # the nested split: each fold's level chosen on the other folds' values
        fv = np.zeros((len(labels), folds))
        fvar = np.zeros((len(labels), folds))
        for f, rows_f in enumerate(fold_rows):
            sub = _Rows(r.frame.iloc[rows_f].reset_index(drop=True), r.by_id, r.ids, r.stratum)
            for li, label in enumerate(labels):
                v, psi = _measured(sub, given[label][f], actions)
                fv[li, f], fvar[li, f] = v, _variance(sub.frame, psi)
        picks = cross_fitted_levels(levels, fv, fvar)
        fold_cautions = tuple(float(levels[li]) for li in picks)
        chosen = pd.concat([given[labels[li]][f] for f, li in enumerate(picks)])
        allocations[CROSS_FITTED] = chosen
        v, psi = _measured(r, chosen, actions)
        psis[CROSS_FITTED] = psi
        cands.append(
            CandidateValue(CROSS_FITTED, v, math.sqrt(_variance(r.frame, psi)), len(chosen))
        )
    else:
        cands.append(CandidateValue(CROSS_FITTED, math.nan, math.nan))
    if "incumbent" in by:
        cands.append(by["incumbent"])
    cands.append(by["nobody"])
    by = {c.label: c for c in cands}

    finite = [by[label] for label in labels if math.isfinite(by[label].value)]
    if not finite:
        return PolicyChoice(
            default,
            1.0 if 1.0 in levels else levels[0],
            tuple(cands),
            default,
            math.nan,
            math.nan,
            rule,
            f"the learnt policy could not be cross-validated ({'; '.join(notes)}): the default "
            f"runs — {why_default}",
            tuple(notes),
            fill_action=fill,
        )
    level = one_se_level(
        levels, [by[label].value for label in labels], [by[label].se for label in labels]
    )
    caution = float(levels[level])
    # what runs: the gate on all folds' rows at that level (the procedure the cross-fitting
    # validated, applied to all the rows, as rule 1 is)
    withheld = (
        _gated(actions, np.array(gates[labels[level]]), max(caution, rule), fill)
        if action_gate
        else ()
    )
    nested = by[CROSS_FITTED]
    lead = nested.value - by[dlabel].value
    lead_se = math.sqrt(_variance(r.frame, psis[CROSS_FITTED] - psis[dlabel]))
    parts = _lead_parts(r, allocations[CROSS_FITTED], allocations[dlabel], actions)
    per_fold = ", ".join(f"{k:g}" for k in fold_cautions)
    then = "" if fill is None else f", the budget it leaves to risk-only {fill}"
    if withheld:
        then = f" without {', '.join(withheld)} (not shown to pay)" + then
    if lead > rule * lead_se:
        selected = Selected.MODEL
        reason = (
            f"the learnt policy (levels chosen per fold on the other folds: {per_fold} SE off) "
            f"beats the {dlabel} by {lead:+,.0f} (se {lead_se:,.0f}) when cross-validated on "
            f"the campaigns' rows: more than {_se_words(rule)}; it runs at "
            f"{caution:g} SE off{then} — {why_default}"
        )
    else:
        selected = default
        reason = (
            f"the learnt policy (levels chosen per fold on the other folds: {per_fold} SE off"
            f"{then}) is not clearly better than the {dlabel}: its lead {lead:+,.0f} (se "
            f"{lead_se:,.0f}) is not more than {_se_words(rule)} above 0, so the "
            f"{dlabel} runs — {why_default}"
        )
    logger.info("policy choice: %s", reason)
    return PolicyChoice(
        selected,
        caution,
        tuple(cands),
        default,
        lead,
        lead_se,
        rule,
        reason,
        tuple(notes),
        fold_cautions,
        fill,
        withheld,
        parts,
    )


def _lead_parts(
    r: _Rows, model: pd.Series, default: pd.Series, actions: Sequence[Action]
) -> tuple[LeadPart, ...]:
    """The lead of the ``model`` allocation over the ``default`` one split by action and
    stratum (:class:`LeadPart`), each with the standard error of its paired difference."""
    mine = _measured_parts(r, model, actions)
    theirs = _measured_parts(r, default, actions)
    zero = (0.0, np.zeros(len(r.frame)), 0)
    out = []
    for a in actions:
        for s in (1, 0):
            m, d = mine.get((a.name, s), zero), theirs.get((a.name, s), zero)
            if m[2] == 0 and d[2] == 0:
                continue
            se = math.sqrt(_variance(r.frame, m[1] - d[1]))
            out.append(LeadPart(a.name, s, m[2], d[2], m[0] - d[0], se))
    return tuple(out)


def learning_rows_needed(
    lead: float, lead_se: float, rows: int, *, rule: float = 1.0, power: float = 0.8
) -> float:
    """Rows of randomised learning campaigns for the learnt policy's cross-validated lead to
    pass the one-standard-error rule with probability ``power`` — a power calculation.

    The lead's standard error falls as ``1 / √rows`` (a difference in means), so if the lead
    per customer stays what ``rows`` rows measured, the rule ``lead > rule × se`` holds with
    probability ``power`` from ``rows × ((rule + z_power) × lead_se / lead)²`` rows. The lead
    itself tends to grow with more rows (a better model), so this errs on the large side.
    ``inf`` when the measured lead is not above 0: no number of rows is predicted to suffice.
    """
    from scipy import special

    if rows <= 0 or not 0 < power < 1 or lead_se < 0:
        raise ConfigError("rows must be > 0, power in (0, 1), lead_se >= 0")
    if not (math.isfinite(lead) and lead > 0):
        return math.inf
    z = float(special.ndtri(power))
    return rows * ((rule + z) * lead_se / lead) ** 2


#: The smallest share a challenger or the exploration keeps, as a fraction of its cap: both
#: keep being measured (and the model keeps learning) however one-sided the evidence.
SHARE_FLOOR = 0.25


@dataclass(frozen=True)
class LearningShares:
    """The challenger's and the exploration's shares of the next round, sized from the
    evidence (:func:`learning_shares`)."""

    challenger_share: float
    exploration_share: float
    #: The chance that the learnt policy is better than the default, ``Φ(lead / se)``.
    p_model_better: float
    #: The chance that the challenger (the model, or the default when the model leads) is
    #: the better of the two.
    p_challenger_better: float

    def line(self) -> str:
        return (
            f"next round's shares, sized from the evidence: challenger "
            f"{self.challenger_share:.1%} (chance it is the better policy "
            f"{self.p_challenger_better:.0%}), exploration {self.exploration_share:.1%} "
            f"(chance the learnt policy is better {self.p_model_better:.0%})"
        )


def learning_shares(
    lead: float,
    lead_se: float,
    *,
    model_leads: bool,
    challenger_cap: float,
    exploration_cap: float,
    floor: float = SHARE_FLOOR,
) -> LearningShares:
    """How much of the next round goes to the challenger and to exploration, from the
    cross-fitted lead of the learnt policy over the default (:func:`choose_policy`).

    ``p = Φ(lead / se)`` is the chance the learnt policy is better (a normal posterior with a
    flat prior on the paired difference). **The challenger** gets its cap × ``min(1, 2 p_c)``
    where ``p_c`` is the chance the challenger is the better policy (``p``, or ``1 − p`` when
    the model leads and the default is the challenger): probability matching, as Thompson
    sampling allocates (Thompson 1933; Russo et al. 2018, *A Tutorial on Thompson Sampling*)
    — a challenger that the finished rows say has lost gets little of the budget, one that
    may well be better keeps its full share (the cap: the champion is the safe choice).
    **Exploration** (random customers, random actions) is what can settle the choice: it gets
    its cap × ``min(1, 4 p (1 − p))``, full when the choice is a coin flip and small when the
    rows already decide it either way (more rows are then unlikely to change what runs).
    Neither goes below ``floor`` × its cap, so both keep being measured. Without a finite
    lead (no model could be cross-validated) both stay at their caps.

    The shares are fixed before the round and the split is by hash, so the design chances
    logged per row (and the doubly robust values) are unchanged.
    """
    for name, v in (("challenger_cap", challenger_cap), ("exploration_cap", exploration_cap)):
        if not 0 <= v < 1:
            raise ConfigError(f"{name} must be in [0, 1), got {v}")
    if not 0 <= floor <= 1:
        raise ConfigError(f"floor must be in [0, 1], got {floor}")
    if not (math.isfinite(lead) and math.isfinite(lead_se)):
        return LearningShares(challenger_cap, exploration_cap, math.nan, math.nan)
    from scipy import special

    if lead_se > 0:
        p = float(special.ndtr(lead / lead_se))
    else:
        p = 1.0 if lead > 0 else (0.0 if lead < 0 else 0.5)
    p_ch = 1.0 - p if model_leads else p
    ch = challenger_cap * max(floor, min(1.0, 2.0 * p_ch))
    ex = exploration_cap * max(floor, min(1.0, 4.0 * p * (1.0 - p)))
    return LearningShares(ch, ex, p, p_ch)
