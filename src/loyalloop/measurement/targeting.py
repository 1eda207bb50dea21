"""Targeting within a budget: who gets which action, to earn the most net incremental value.

Each customer *i* can get one action *a* (an offer, a message, a call …) or nothing. The input
is, per customer and action, the **expected incremental value** ``v_ia`` (e.g. uplift in the
chance to buy × value of a purchase × margin rate, or incremental CLV) and the **expected
cost** ``c_ia`` (contact + offer × redemption rate — the cost counted against the budget when
the campaign is assigned). The allocation maximises ``Σ (v_ia − c_ia)`` subject to

* ``Σ c_ia ≤ budget`` — never exceeded (a property test checks it on random inputs);
* at most ``channel_limits[ch]`` customers contacted through channel ``ch`` (call-centre
  capacity) and at most ``max_contacts`` contacted in all;
* at most one action per customer.

This is a multiple-choice knapsack. Two solvers, chosen by measurement (benchmarks/targeting.py,
benchmarks/results/targeting.md):

``greedy`` (LP-hull greedy, Sinha & Zoltners 1979)
    For each customer, the actions with positive net value and the origin form points
    ``(cost, net)``; their upper concave hull is a chain of *steps* (nothing → cheapest good
    action → a richer one …) with falling value per cost. All customers' steps are sorted by
    value per cost and taken while the budget lasts. **Optimality note**: the steps taken up
    to the first that does not fit are exactly the LP relaxation's optimum without that last
    step's fraction, because the LP of a multiple-choice knapsack with one budget is solved by
    taking hull steps in order of efficiency (every customer's steps are in order, so any
    prefix is a valid choice). Hence ``greedy ≥ LP − (net of one step)`` and the LP value is a
    valid upper bound, reported as ``upper_bound``. The remaining budget is then filled with
    the next steps that fit. Contact limits are priced in (Lagrangian relaxation): a price per
    contact of a limited channel is found by bisection so that the limit holds, and
    ``upper_bound`` adds ``price × limit``, which keeps it a valid bound; customers beyond a
    limit after that (ties) are dropped, least efficient first.
``exact``
    The integer programme solved by HiGHS through :func:`scipy.optimize.milp`. ``auto`` (the
    default) runs it only when the greedy answer's proven gap exceeds :data:`EXACT_GAP` on a
    small problem, and keeps the greedy answer if the solver stops without a better one.

Every customer gets an explanation in English and Chinese: the action and its expected value
and cost, or why not — no action pays for itself (a contact is expected to put the customer
off, or gains less than it costs), or the budget went to customers with more value per cost
(the cut-off is stated), or a channel's limit was reached.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

from loyalloop.errors import ConfigError, DataValidationError

__all__ = [
    "EXACT_GAP",
    "EXACT_MAX_VARIABLES",
    "Action",
    "Allocation",
    "AllocationMethod",
    "Constraints",
    "Reason",
    "allocate",
    "candidate_columns",
]

log = logging.getLogger(__name__)

#: ``auto`` calls the exact solver only when the greedy answer's proven gap to the LP bound
#: is above this share *and* the problem has at most :data:`EXACT_MAX_VARIABLES`
#: customer-action pairs worth doing. Measured (benchmarks/results/targeting.md): on 2,000
#: random customers × 3 actions with a call limit, greedy is within 0.0016 % of its bound in
#: 0.5 s and HiGHS closes the gap in 1.8 s (a loaded 2-CPU machine); larger sizes were not
#: recorded, so the size cap is a guard, not a measured break-even.
EXACT_GAP = 0.005
EXACT_MAX_VARIABLES = 20_000
_BISECTIONS = 40
_FILL_PASSES = 50


class AllocationMethod(StrEnum):
    """Which solver (module docstring)."""

    AUTO = "auto"
    GREEDY = "greedy"
    EXACT = "exact"


class Reason(StrEnum):
    """Why a customer got their action, or none."""

    CHOSEN = "chosen"
    NOT_WORTH = "not_worth"  # no action's value exceeds its cost
    HARMFUL = "harmful"  # every available action is expected to lower the outcome
    BUDGET = "budget"  # worth it, but the budget went to better value per cost
    LIMIT = "limit"  # the channel's contact limit was reached
    UNAVAILABLE = "unavailable"  # no action is available (no consent, no address)


@dataclass(frozen=True)
class Action:
    """An action a customer can get.

    ``channel`` names the contact channel for contact limits (``sms``, ``email``, ``call``);
    ``label_en`` / ``label_zh`` are shown in explanations (default: the name).
    """

    name: str
    channel: str = ""
    label_en: str = ""
    label_zh: str = ""

    def label(self, lang: str) -> str:
        return (self.label_zh if lang == "zh" else self.label_en) or self.name


@dataclass(frozen=True)
class Constraints:
    """The budget (expected cost, the catalogue's currency) and the contact limits."""

    budget: float
    max_contacts: int | None = None
    channel_limits: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not (math.isfinite(self.budget) and self.budget >= 0):
            raise ConfigError(f"budget must be a number >= 0, got {self.budget!r}")
        if self.max_contacts is not None and self.max_contacts < 0:
            raise ConfigError(f"max_contacts must be >= 0, got {self.max_contacts}")
        for ch, k in self.channel_limits.items():
            if k < 0:
                raise ConfigError(f"the limit of channel {ch!r} must be >= 0, got {k}")


def candidate_columns(action: str) -> tuple[str, str]:
    """Names of an action's value and cost columns in the candidates frame."""
    return f"value:{action}", f"cost:{action}"


@dataclass(frozen=True)
class Allocation:
    """Who gets what (module docstring).

    ``frame``: one row per customer — ``customer_id``, ``action`` (``None`` = nothing),
    ``expected_value``, ``expected_cost``, ``net_value``, ``value_per_cost``, ``best_action``
    and ``best_net`` (the best action ignoring the budget), ``reason`` (:class:`Reason`),
    ``explanation_en``, ``explanation_zh``.
    """

    frame: pd.DataFrame = field(compare=False)
    method: AllocationMethod
    budget: float
    spent: float
    value: float
    net_value: float
    upper_bound: float
    cutoff: float
    contacts: dict[str, int]
    seconds: float
    notes: tuple[str, ...] = ()

    @property
    def gap(self) -> float:
        """Share of the upper bound not reached (0 = provably optimal)."""
        if self.upper_bound <= 0:
            return 0.0
        return max(0.0, 1.0 - self.net_value / self.upper_bound)

    @property
    def chosen(self) -> pd.DataFrame:
        return self.frame[self.frame["action"].notna()]

    def summary(self) -> dict[str, Any]:
        return {
            "method": self.method.value,
            "budget": self.budget,
            "spent": self.spent,
            "customers": len(self.frame),
            "chosen": int(self.frame["action"].notna().sum()),
            "expected_value": self.value,
            "net_value": self.net_value,
            "upper_bound": self.upper_bound,
            "gap": self.gap,
            "cutoff": self.cutoff,
            "contacts": dict(self.contacts),
            "seconds": self.seconds,
            "notes": list(self.notes),
        }


# ----------------------------------------------------------------------------------- inputs
def _matrices(
    candidates: pd.DataFrame, actions: Sequence[Action], id_column: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not actions:
        raise ConfigError("targeting needs at least one action")
    names = [a.name for a in actions]
    if len(set(names)) != len(names):
        raise ConfigError(f"action names must be unique: {names}")
    if id_column not in candidates.columns:
        raise DataValidationError(f"the candidates have no {id_column} column")
    ids = candidates[id_column]
    if ids.isna().any():
        raise DataValidationError(f"column {id_column} has {int(ids.isna().sum())} blank values")
    if ids.duplicated().any():
        dup = ids[ids.duplicated()].astype(str).unique()[:5]
        raise DataValidationError(f"column {id_column} has duplicate values: {', '.join(dup)}")
    n = len(candidates)
    value = np.empty((n, len(actions)))
    cost = np.empty((n, len(actions)))
    for j, a in enumerate(actions):
        vc, cc = candidate_columns(a.name)
        for col in (vc, cc):
            if col not in candidates.columns:
                raise DataValidationError(
                    f"the candidates have no column {col!r} (expected {vc!r} and {cc!r} for "
                    f"action {a.name!r})"
                )
        v = pd.to_numeric(candidates[vc], errors="coerce").to_numpy(dtype="float64")
        c = pd.to_numeric(candidates[cc], errors="coerce").to_numpy(dtype="float64")
        for col, arr in ((vc, v), (cc, c)):
            if np.isinf(arr).any():
                raise DataValidationError(
                    f"column {col} has {int(np.isinf(arr).sum())} infinite values"
                )
        if (c < 0).any():
            raise DataValidationError(f"column {cc} has {int((c < 0).sum())} negative costs")
        value[:, j], cost[:, j] = v, c
    available = np.isfinite(value) & np.isfinite(cost)
    return value, cost, available


# ------------------------------------------------------------------------------------ greedy
@dataclass
class _Steps:
    customer: np.ndarray
    index: np.ndarray  # step number within the customer (0 = first)
    action: np.ndarray
    dcost: np.ndarray
    dnet: np.ndarray
    efficiency: np.ndarray


def _hull_steps(net: np.ndarray, cost: np.ndarray, ok: np.ndarray) -> _Steps:
    """Each customer's upper concave hull of ``(cost, net)`` from the origin, as steps."""
    n, k = net.shape
    cur_c = np.zeros(n)
    cur_p = np.zeros(n)
    remaining = ok & (net > 0)
    parts: list[tuple[np.ndarray, ...]] = []
    rows = np.arange(n)
    for step in range(k):
        dc = cost - cur_c[:, None]
        dp = net - cur_p[:, None]
        valid = remaining & (dp > 0) & (dc >= 0)
        has = valid.any(axis=1)
        if not has.any():
            break
        zero = valid & (dc == 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = np.where(valid & (dc > 0), dp / np.where(dc > 0, dc, 1.0), -np.inf)
        zero_best = np.argmax(np.where(zero, dp, -np.inf), axis=1)
        # equal slopes: the farther point (collinear points are skipped)
        key = np.where(valid, slope, -np.inf)
        top = key.max(axis=1, keepdims=True)
        far = np.where(valid & (key == top), dc, -np.inf)
        slope_best = np.argmax(far, axis=1)
        best = np.where(zero.any(axis=1), zero_best, slope_best)
        r = rows[has]
        b = best[has]
        step_dc = cost[r, b] - cur_c[r]
        step_dp = net[r, b] - cur_p[r]
        eff = np.where(step_dc > 0, step_dp / np.where(step_dc > 0, step_dc, 1.0), np.inf)
        parts.append((r, np.full(len(r), step), b, step_dc, step_dp, eff))
        cur_c[r] = cost[r, b]
        cur_p[r] = net[r, b]
        remaining &= cost > cur_c[:, None]
        remaining[r, b] = False
    if not parts:
        e = np.array([], dtype=np.int64)
        f = np.array([], dtype="float64")
        return _Steps(e, e, e, f, f, f)
    cols = [np.concatenate([p[i] for p in parts]) for i in range(6)]
    return _Steps(
        cols[0].astype(np.int64),
        cols[1].astype(np.int64),
        cols[2].astype(np.int64),
        cols[3],
        cols[4],
        cols[5],
    )


def _greedy_budget(
    net: np.ndarray, cost: np.ndarray, ok: np.ndarray, budget: float, tie: np.ndarray
) -> tuple[np.ndarray, float, float]:
    """Greedy on the hull steps: the chosen action per customer (−1 = none), the LP bound of
    this budget problem and the efficiency of the marginal step (the cut-off)."""
    n = net.shape[0]
    s = _hull_steps(net, cost, ok)
    choice = np.full(n, -1, dtype=np.int64)
    if len(s.customer) == 0:
        return choice, 0.0, math.inf
    order = np.lexsort((s.index, tie[s.customer], -s.efficiency))
    dc, dp = s.dcost[order], s.dnet[order]
    cum = np.cumsum(dc)
    fits = cum <= budget
    stop = int(np.argmin(fits)) if not fits.all() else len(fits)
    taken = np.zeros(len(order), dtype=bool)
    taken[:stop] = True
    bound = float(dp[:stop].sum())
    # the cut-off: value per cost of the last step the budget paid for in order (the first
    # that did not fit when none did)
    cutoff = float(s.efficiency[order][stop - 1]) if stop else float(s.efficiency[order][0])
    if stop < len(order):
        left = budget - (cum[stop - 1] if stop else 0.0)
        bound += dp[stop] * max(left, 0.0) / dc[stop] if dc[stop] > 0 else dp[stop]
    level = np.zeros(n, dtype=np.int64)
    np.add.at(level, s.customer[order][:stop], 1)
    spent = float(cum[stop - 1]) if stop else 0.0
    # fill: next steps that still fit, in efficiency order, a few passes
    cust, idx = s.customer[order], s.index[order]
    for _ in range(_FILL_PASSES):
        left = budget - spent
        # only a customer's next step is a candidate: one per customer, order kept
        cand = ~taken & (idx == level[cust]) & (dc <= left)
        if not cand.any():
            break
        pos = np.flatnonzero(cand)
        take = pos[np.cumsum(dc[pos]) <= left]
        taken[take] = True
        level[cust[take]] += 1
        spent += float(dc[take].sum())
    last = np.where(taken)[0]
    # the chosen action is that of the customer's highest step taken
    top = np.full(n, -1, dtype=np.int64)
    act = s.action[order]
    step_no = idx
    best_level = np.full(n, -1, dtype=np.int64)
    np.maximum.at(best_level, cust[last], step_no[last])
    sel = last[step_no[last] == best_level[cust[last]]]
    top[cust[sel]] = act[sel]
    return top, bound, cutoff


def _objective(net: np.ndarray, choice: np.ndarray) -> float:
    rows = np.flatnonzero(choice >= 0)
    return float(net[rows, choice[rows]].sum())


def _spent(cost: np.ndarray, choice: np.ndarray) -> float:
    rows = np.flatnonzero(choice >= 0)
    return math.fsum(cost[rows, choice[rows]])


def _within_budget(
    net: np.ndarray, cost: np.ndarray, choice: np.ndarray, budget: float
) -> np.ndarray:
    """The last guard: if rounding (a running sum, a solver's feasibility tolerance) put the
    exactly summed cost above the budget, drop the least efficient customers until it fits."""
    if _spent(cost, choice) <= budget:
        return choice
    choice = choice.copy()
    rows = np.flatnonzero(choice >= 0)
    c = cost[rows, choice[rows]]
    eff = net[rows, choice[rows]] / np.maximum(c, 1e-300)
    for r in rows[np.argsort(eff, kind="stable")]:
        if cost[r, choice[r]] <= 0:
            continue
        choice[r] = -1
        if _spent(cost, choice) <= budget:
            break
    return choice


def _limit_sets(actions: Sequence[Action], c: Constraints) -> list[tuple[str, np.ndarray, int]]:
    """(name, mask over actions, limit) of every contact limit."""
    out = []
    channels = [a.channel for a in actions]
    for ch, k in c.channel_limits.items():
        if ch not in channels:
            raise ConfigError(
                f"a limit is set for channel {ch!r}, but no action uses it (channels: "
                f"{', '.join(sorted({x for x in channels if x})) or 'none'})"
            )
        out.append((ch, np.array([x == ch for x in channels]), int(k)))
    if c.max_contacts is not None:
        out.append(("*", np.ones(len(actions), dtype=bool), int(c.max_contacts)))
    return out


def _counts(choice: np.ndarray, limits: list[tuple[str, np.ndarray, int]]) -> list[int]:
    chosen = choice[choice >= 0]
    return [int(mask[chosen].sum()) for _, mask, _ in limits]


def _greedy(
    net: np.ndarray,
    cost: np.ndarray,
    ok: np.ndarray,
    actions: Sequence[Action],
    c: Constraints,
    tie: np.ndarray,
) -> tuple[np.ndarray, float, float, list[str]]:
    limits = _limit_sets(actions, c)
    prices = np.zeros(len(limits))
    hi_price = float(np.nanmax(np.where(ok, net, 0.0), initial=0.0)) + 1.0

    def solve(p: np.ndarray) -> tuple[np.ndarray, float, float]:
        adj = net.copy()
        for (_, mask, _), price in zip(limits, p, strict=True):
            adj[:, mask] -= price
        return _greedy_budget(adj, cost, ok, c.budget, tie)

    choice, bound, cutoff = solve(prices)
    for _ in range(3):  # coordinate rounds over the limits
        changed = False
        for j, (_, _, k) in enumerate(limits):
            if _counts(choice, limits)[j] <= k:
                continue
            lo, hi = prices[j], hi_price
            for _ in range(_BISECTIONS):
                mid = 0.5 * (lo + hi)
                prices[j] = mid
                trial, _, _ = solve(prices)
                if _counts(trial, limits)[j] <= k:
                    hi = mid
                else:
                    lo = mid
            prices[j] = hi
            choice, bound, cutoff = solve(prices)
            changed = True
        if not changed:
            break
    notes: list[str] = []
    # ties at the price may leave a limit exceeded: drop the least efficient in that channel
    for j, (name, mask, k) in enumerate(limits):
        over = _counts(choice, limits)[j] - k
        if over > 0:
            rows = np.flatnonzero((choice >= 0) & mask[np.maximum(choice, 0)])
            eff = net[rows, choice[rows]] / np.maximum(cost[rows, choice[rows]], 1e-12)
            drop = rows[np.argsort(eff, kind="stable")[:over]]
            choice[drop] = -1
            notes.append(f"{over} customers dropped to keep the limit of {name!r}")
    bound += float(sum(p * k for p, (_, _, k) in zip(prices, limits, strict=True)))
    return choice, bound, cutoff, notes


# ------------------------------------------------------------------------------------- exact
def _exact(
    net: np.ndarray,
    cost: np.ndarray,
    ok: np.ndarray,
    actions: Sequence[Action],
    c: Constraints,
    time_limit: float,
) -> tuple[np.ndarray | None, float, str]:
    from scipy import sparse
    from scipy.optimize import Bounds, LinearConstraint, milp

    n = net.shape[0]
    keep = ok & (net > 0)
    rows, cols = np.nonzero(keep)
    m = len(rows)
    choice = np.full(n, -1, dtype=np.int64)
    if m == 0:
        return choice, 0.0, "nothing worth doing"
    objective = -net[rows, cols]
    one = sparse.csr_matrix((np.ones(m), (rows, np.arange(m))), shape=(n, m))
    cons = [LinearConstraint(one, 0, 1), LinearConstraint(cost[rows, cols][None, :], 0, c.budget)]
    for _, mask, limit in _limit_sets(actions, c):
        cons.append(LinearConstraint(mask[cols].astype(float)[None, :], 0, limit))
    res = milp(
        objective,
        constraints=cons,
        integrality=np.ones(m),
        bounds=Bounds(0, 1),
        options={"time_limit": time_limit, "mip_rel_gap": 1e-6, "disp": False},
    )
    if res.x is None:
        return None, math.inf, str(res.message)
    x = np.round(res.x).astype(bool)
    choice[rows[x]] = cols[x]
    bound = -float(res.mip_dual_bound) if res.mip_dual_bound is not None else math.inf
    return choice, bound, str(res.message)


# ---------------------------------------------------------------------------------- allocate
def _tie_order(ids: pd.Series, salt: str) -> np.ndarray:
    """A stable pseudo-random order of customers (ties are broken the same way every run)."""
    h = pd.util.hash_pandas_object(ids.astype(str) + ":" + salt, index=False).to_numpy()
    return np.argsort(np.argsort(h, kind="stable"), kind="stable")


def allocate(
    candidates: pd.DataFrame,
    actions: Sequence[Action],
    constraints: Constraints,
    *,
    method: AllocationMethod = AllocationMethod.AUTO,
    id_column: str = "customer_id",
    currency: str = "",
    time_limit: float = 60.0,
    salt: str = "loyalloop-targeting",
) -> Allocation:
    """Choose at most one action per customer within the constraints (module docstring).

    Parameters
    ----------
    candidates
        One row per customer: ``id_column`` and, per action, ``value:<action>`` (expected
        incremental value) and ``cost:<action>`` (expected cost); a missing value or cost
        (``NaN``) means the action is not available to that customer (no consent …).
    actions
        The actions, in the order explanations list them.
    constraints
        Budget and contact limits.

    Raises
    ------
    DataValidationError
        Missing columns, duplicate or blank ids, infinite values, negative costs.
    ConfigError
        A bad budget or limit, or a limit on a channel no action uses.
    """
    started = time.perf_counter()
    value, cost, ok = _matrices(candidates, actions, id_column)
    net = np.where(ok, value - cost, -np.inf)
    ids = candidates[id_column].reset_index(drop=True)
    tie = _tie_order(ids, salt)
    method = AllocationMethod(method)
    notes: list[str] = []
    n_vars = int((ok & (net > 0)).sum())
    choice, bound, cutoff, greedy_notes = _greedy(net, cost, ok, actions, constraints, tie)
    used = AllocationMethod.GREEDY
    greedy_net = _objective(net, choice)
    greedy_gap = 1.0 - greedy_net / bound if bound > 0 else 0.0
    use_exact = method is AllocationMethod.EXACT or (
        method is AllocationMethod.AUTO and greedy_gap > EXACT_GAP and n_vars <= EXACT_MAX_VARIABLES
    )
    if use_exact:
        exact, exact_bound, message = _exact(net, cost, ok, actions, constraints, time_limit)
        if exact is not None and _objective(net, exact) >= _objective(net, choice) - 1e-9:
            choice, used = exact, AllocationMethod.EXACT
            bound = min(bound, exact_bound)
            greedy_notes = []
        else:
            notes.append(f"the exact solver gave no better answer ({message}); greedy kept")
    notes += greedy_notes
    choice = _within_budget(net, cost, choice, constraints.budget)
    frame = _explain(
        ids, id_column, value, cost, net, ok, choice, actions, cutoff, constraints, currency
    )
    spent = _spent(cost, choice)
    total_value = float(frame["expected_value"].sum(skipna=True))
    objective = _objective(net, choice)
    contacts = {a.channel or a.name: 0 for a in actions}
    for j, a in enumerate(actions):
        contacts[a.channel or a.name] += int((choice == j).sum())
    return Allocation(
        frame=frame,
        method=used,
        budget=constraints.budget,
        spent=spent,
        value=total_value,
        net_value=objective,
        upper_bound=max(bound, objective),
        cutoff=cutoff,
        contacts=contacts,
        seconds=round(time.perf_counter() - started, 3),
        notes=tuple(notes),
    )


def _money(v: np.ndarray) -> pd.Series:
    return pd.Series(v).map(lambda x: "—" if not np.isfinite(x) else f"{x:,.2f}")


def _explain(
    ids: pd.Series,
    id_column: str,
    value: np.ndarray,
    cost: np.ndarray,
    net: np.ndarray,
    ok: np.ndarray,
    choice: np.ndarray,
    actions: Sequence[Action],
    cutoff: float,
    c: Constraints,
    currency: str,
) -> pd.DataFrame:
    n = len(ids)
    rows = np.arange(n)
    chosen = choice >= 0
    pick = np.maximum(choice, 0)
    best = np.argmax(np.where(ok, net, -np.inf), axis=1)
    any_ok = ok.any(axis=1)
    best_net = np.where(any_ok, net[rows, best], np.nan)
    best_value = np.where(any_ok, value[rows, best], np.nan)
    ev = np.where(chosen, value[rows, pick], np.nan)
    ec = np.where(chosen, cost[rows, pick], 0.0)
    en = np.where(chosen, net[rows, pick], 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(chosen, en / np.where(ec > 0, ec, np.nan), np.nan)
        best_ratio = best_net / np.where(cost[rows, best] > 0, cost[rows, best], np.nan)
    full = set()
    for ch, k in c.channel_limits.items():
        if sum(int((choice == j).sum()) for j, a in enumerate(actions) if a.channel == ch) >= k:
            full.add(ch)
    if c.max_contacts is not None and int(chosen.sum()) >= c.max_contacts:
        full |= {a.channel for a in actions}
    best_channel = np.array([actions[j].channel for j in best])
    reason = np.select(
        [
            chosen,
            ~any_ok,
            any_ok & (np.where(ok, value, -np.inf).max(axis=1) < 0),
            any_ok & (best_net <= 0),
            np.isin(best_channel, list(full)) if full else np.zeros(n, dtype=bool),
        ],
        [Reason.CHOSEN, Reason.UNAVAILABLE, Reason.HARMFUL, Reason.NOT_WORTH, Reason.LIMIT],
        default=Reason.BUDGET,
    )
    names = np.array([a.name for a in actions], dtype=object)
    lab_en = np.array([a.label("en") for a in actions], dtype=object)
    lab_zh = np.array([a.label("zh") for a in actions], dtype=object)
    cur = f" {currency}" if currency else ""
    v_s, c_s, n_s = _money(ev), _money(ec), _money(en)
    bv_s, bn_s = _money(best_value), _money(best_net)
    r_s = pd.Series(ratio).map(lambda x: "∞" if not np.isfinite(x) else f"{x:.2f}")
    br_s = pd.Series(best_ratio).map(lambda x: "∞" if not np.isfinite(x) else f"{x:.2f}")
    cut = "∞" if not math.isfinite(cutoff) else f"{cutoff:.2f}"
    en_text = pd.Series("", index=range(n), dtype=object)
    zh_text = pd.Series("", index=range(n), dtype=object)
    a_en = pd.Series(lab_en[pick]).astype(str)
    a_zh = pd.Series(lab_zh[pick]).astype(str)
    b_en = pd.Series(lab_en[best]).astype(str)
    b_zh = pd.Series(lab_zh[best]).astype(str)
    m = reason == Reason.CHOSEN
    en_text[m] = (
        a_en
        + ": expected incremental value "
        + v_s
        + cur
        + " for an expected cost of "
        + c_s
        + cur
        + " (net "
        + n_s
        + cur
        + ", "
        + r_s
        + " per unit of cost)"
    )[m]
    zh_text[m] = (
        a_zh
        + "：预期增量价值 "
        + v_s
        + cur
        + "，预期成本 "
        + c_s
        + cur
        + "（净值 "
        + n_s
        + cur
        + "，每单位成本回报 "
        + r_s
        + "）"
    )[m]
    m = reason == Reason.UNAVAILABLE
    en_text[m] = "not contacted: no action is available (consent or contact details missing)"
    zh_text[m] = "不触达：没有可用的触达方式（缺少授权或联系方式）"
    m = reason == Reason.HARMFUL
    en_text[m] = (
        "not contacted: every action is expected to lower the outcome (best: "
        + b_en
        + " "
        + bv_s
        + cur
        + "); a contact would likely put this customer off"
    )[m]
    zh_text[m] = (
        "不触达：任何触达都预计会降低结果（最好的 "
        + b_zh
        + " 为 "
        + bv_s
        + cur
        + "）；触达可能引起反感"
    )[m]
    m = reason == Reason.NOT_WORTH
    en_text[m] = (
        "not contacted: no action earns more than it costs (best: "
        + b_en
        + ", net "
        + bn_s
        + cur
        + ")"
    )[m]
    zh_text[m] = ("不触达：没有收益高于成本的方式（最好的 " + b_zh + "，净值 " + bn_s + cur + "）")[
        m
    ]
    m = reason == Reason.LIMIT
    en_text[m] = (
        "not contacted: "
        + b_en
        + " would pay (net "
        + bn_s
        + cur
        + ") but its channel's contact limit was reached"
    )[m]
    zh_text[m] = ("不触达：" + b_zh + " 有收益（净值 " + bn_s + cur + "），但该渠道的触达上限已满")[
        m
    ]
    m = reason == Reason.BUDGET
    en_text[m] = (
        "not contacted: "
        + b_en
        + " would pay (net "
        + bn_s
        + cur
        + ", "
        + br_s
        + " per unit of cost) but the budget went to customers with at least "
        + cut
        + " per unit of cost"
    )[m]
    zh_text[m] = (
        "不触达："
        + b_zh
        + " 有收益（净值 "
        + bn_s
        + cur
        + "，每单位成本回报 "
        + br_s
        + "），但预算优先给了每单位成本回报不低于 "
        + cut
        + " 的客户"
    )[m]
    return pd.DataFrame(
        {
            id_column: ids.to_numpy(),
            "action": np.where(chosen, names[pick], None),
            "expected_value": ev,
            "expected_cost": ec,
            "net_value": en,
            "value_per_cost": ratio,
            "best_action": np.where(any_ok, names[best], None),
            "best_net": best_net,
            "reason": pd.Series(reason).astype(str).to_numpy(),
            "explanation_en": en_text.to_numpy(),
            "explanation_zh": zh_text.to_numpy(),
        }
    )
