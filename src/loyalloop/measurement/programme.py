"""The programme's overall effect: everyone the campaigns could reach against the global control.

The global control group (``campaigns.ProgrammeSpec``) is a stable share of customers, chosen
by a hash of the customer and the programme's salt only, that no campaign contacts. Its
customers are still recorded in each campaign whose audience they fall in (arm
``global_control``), with their outcomes. Comparing them with every other customer of those
audiences — treated or held out by a particular campaign — measures what the programme as a
whole changes (intent to treat: the holdouts are part of running the programme).

Unit = customer. A customer's outcome is every purchase attributed to any of their campaigns,
each purchase counted once even when two campaign windows overlap (outcome rows are
de-duplicated on customer, time and kind). Response = bought at all; revenue = sum of purchase
values (a purchase without a value makes the customer's revenue unknown: left out and counted).

**When it may say anything** — a global control is usually small (a few per cent of the
customers), and money per customer is heavy-tailed, so two rules apply (the campaign arms'
rules, :mod:`.results`): the smaller group's revenue variance is at least the larger group's
below :data:`~.results.BORROW_BELOW` customers (a few held-out customers seldom include a big
spender: Welch's interval alone then misses), and a verdict needs at least
:data:`MIN_PROGRAMME_BUYERS` buyers in the global control **and** among the programme's
customers; with fewer, the result's ``error`` is ``too_few_buyers`` ("too few customers in the
global control to tell") and no lift is quoted. On 3,600 simulated A/A programmes (global
controls of 30–1,000 against 3,000, response 1–50 %, log-normal spend σ = 1.5;
``tests/measurement/test_programme.py``) Welch alone called the revenue lift "conclusive" in
18.0 % of them (nominal 5 %); with both rules 6.5 % (the residual is the spend's skew) and the
response rate 4.9 %. The demo's first programme (60 held out, 1 buyer) had been called a
conclusive gain of 34–106 CNY per customer; it now says too few.

Limitation, said in the result's notes: the comparison is fair when who enters an audience does
not depend on earlier campaigns' treatment. A win-back audience built from customers who
lapsed *after* earlier campaigns holds more global-control customers if the programme works,
which biases the audience-level comparison towards zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir

from loyalloop.core.results import Note
from loyalloop.experiments import (
    Estimate,
    Proportion,
    SampleMean,
    TestResult,
    frequentist_test,
)
from loyalloop.measurement.arms import GLOBAL_CONTROL
from loyalloop.measurement.notes import make_note
from loyalloop.measurement.results import _conservative
from loyalloop.measurement.table import _check_assignments, _count, _require

__all__ = [
    "MIN_PROGRAMME_BUYERS",
    "TOO_FEW_BUYERS",
    "GroupSums",
    "ProgrammeEffect",
    "ProgrammeVerdict",
    "programme_effect",
    "programme_verdict",
]

#: The fewest buyers in the global control and among the programme's customers for the
#: programme's effect to get a verdict (module docstring).
MIN_PROGRAMME_BUYERS = 10
#: The programme's error code when a side has fewer buyers.
TOO_FEW_BUYERS = "too_few_buyers"


@dataclass(frozen=True)
class ProgrammeEffect:
    """Programme customers against the global control (module docstring).

    ``response_lift`` and ``revenue_lift`` are per customer; ``incremental_revenue`` is the
    revenue lift × programme customers. ``error`` is set (and numbers are ``nan``) when there
    is no global control or it is not stable across campaigns.
    """

    customers: int
    programme_customers: int
    control_customers: int
    campaigns: int
    response_rate: float
    control_response_rate: float
    response_lift: Estimate
    revenue_per_customer: float
    control_revenue_per_customer: float
    revenue_lift: Estimate
    incremental_revenue: Estimate
    revenue_unknown: int = 0
    error: str | None = None
    message: str = ""
    notes: tuple[Note, ...] = ()
    #: Customers who bought, in the global control and among the programme's customers.
    control_buyers: int = 0
    programme_buyers: int = 0


def _failed(
    customers: int, programme: int, control: int, campaigns: int, code: str, why: Note
) -> ProgrammeEffect:
    u = Estimate.undefined()
    return ProgrammeEffect(
        customers,
        programme,
        control,
        campaigns,
        math.nan,
        math.nan,
        u,
        math.nan,
        math.nan,
        u,
        u,
        error=code,
        message=why.message,
        notes=(why,),
    )


@dataclass(frozen=True)
class GroupSums:
    """One side of the programme comparison: customers, buyers, and the revenue's count, sum
    and sum of squares over the customers whose revenue is known."""

    n: int
    buyers: int
    n_rev: int
    rev: float
    rev2: float


@dataclass(frozen=True)
class ProgrammeVerdict:
    """The two tests of :func:`programme_verdict` and the rule's error code (``None``: a
    verdict may be given; ``too_few_buyers``; or the statistics' own code)."""

    response: TestResult
    revenue: TestResult
    error: str | None

    @property
    def conclusive(self) -> tuple[bool, bool]:
        """Whether the response and the revenue lift may be called a gain or a loss."""
        return tuple(  # type: ignore[return-value]
            self.error is None and (r.absolute.low > 0 or r.absolute.high < 0)
            for r in (self.response, self.revenue)
        )


def programme_verdict(
    control: GroupSums, programme: GroupSums, *, alpha: float = 0.05
) -> ProgrammeVerdict:
    """Response rate and revenue per customer of the programme's customers against the global
    control, under the rules of the module docstring: the smaller group's revenue variance is
    at least the larger's below ``BORROW_BELOW``, and no verdict (``too_few_buyers``) with
    fewer than :data:`MIN_PROGRAMME_BUYERS` buyers on a side."""
    resp = frequentist_test(
        Proportion(control.n, control.buyers),
        Proportion(programme.n, programme.buyers),
        alpha=alpha,
    )
    rev = frequentist_test(
        *_conservative(
            SampleMean(control.n_rev, control.rev, control.rev2),
            SampleMean(programme.n_rev, programme.rev, programme.rev2),
        ),
        alpha=alpha,
    )
    failed = resp.error or rev.error
    error = failed.value if failed else None
    if min(control.buyers, programme.buyers) < MIN_PROGRAMME_BUYERS:
        error = TOO_FEW_BUYERS
    return ProgrammeVerdict(resp, rev, error)


def _sums(row: dict[str, Any]) -> GroupSums:
    return GroupSums(
        int(row["n"]), int(row["resp"]), int(row["n_rev"]), float(row["rev"]), float(row["rev2"])
    )


def programme_effect(
    assignments: ir.Table, outcomes: ir.Table, *, alpha: float = 0.05
) -> ProgrammeEffect:
    """Every programme customer against the global control (module docstring)."""
    a = _check_assignments(assignments)
    _require(outcomes, "outcomes", ("customer_id", "campaign_id", "timestamp", "kind", "value"))
    per = a.group_by("customer_id").aggregate(
        _gc=(a.arm == GLOBAL_CONTROL).cast("int64").sum(), _k=a.count()
    )
    stats = per.aggregate(
        customers=per.count(),
        control=(per._gc > 0).cast("int64").sum(),
        mixed=((per._gc > 0) & (per._gc < per._k)).cast("int64").sum(),
    )
    row = stats.to_pyarrow().to_pylist()[0]
    n_campaigns = _count(a.select("campaign_id").distinct())
    customers, control, mixed = (
        int(row["customers"]),
        int(row["control"] or 0),
        int(row["mixed"] or 0),
    )
    programme = customers - control
    if control == 0:
        return _failed(
            customers,
            programme,
            control,
            n_campaigns,
            "no_global_control",
            make_note("no_global_control"),
        )
    if mixed:
        return _failed(
            customers,
            programme,
            control,
            n_campaigns,
            "unstable_global_control",
            make_note("unstable_global_control", n=mixed),
        )
    o = outcomes.filter(outcomes.kind == "purchase")
    keys = a.select(_c=a.customer_id, _k=a.campaign_id)
    o = o.join(
        keys,
        (o.customer_id.cast("string") == keys._c) & (o.campaign_id.cast("string") == keys._k),
    )
    value = o.value.cast("float64")
    o = o.select(
        customer_id=o.customer_id.cast("string"),
        timestamp=o.timestamp,
        value=ibis.ifelse(value.isnan().fill_null(True), ibis.null("float64"), value),
    ).distinct()
    bought = o.group_by("customer_id").aggregate(
        _rev=o.value.sum(), _unknown=o.value.isnull().cast("int64").sum(), _p=o.count()
    )
    j = per.left_join(bought, per.customer_id == bought.customer_id)
    j = j.select(
        gc=j._gc > 0,
        responded=(j._p.fill_null(0) > 0).cast("int64"),
        revenue=ibis.ifelse(
            j._unknown.fill_null(0) > 0, ibis.null("float64"), j._rev.fill_null(0.0)
        ),
    )
    known = j.revenue.notnull()
    r = ibis.ifelse(known, j.revenue, 0.0)
    agg = (
        j.group_by("gc")
        .aggregate(
            n=j.count(),
            resp=j.responded.sum(),
            n_rev=known.cast("int64").sum(),
            rev=r.sum(),
            rev2=(r * r).sum(),
        )
        .to_pyarrow()
        .to_pylist()
    )
    by = {bool(x["gc"]): x for x in agg}
    t, c = by.get(False), by.get(True)
    if t is None or c is None:
        return _failed(
            customers,
            programme,
            control,
            n_campaigns,
            "no_units",
            make_note("programme_no_units"),
        )
    unknown = customers - int(t["n_rev"]) - int(c["n_rev"])
    v = programme_verdict(_sums(c), _sums(t), alpha=alpha)
    resp, rev = v.response, v.revenue
    lift = rev.absolute
    n = programme
    total = Estimate(lift.estimate * n, lift.se * n, lift.low * n, lift.high * n)
    notes = [make_note("programme_audience")]
    if unknown:
        notes.append(make_note("programme_revenue_unknown", n=unknown))
    notes += [
        make_note("programme_statistics", detail=x.error.value) for x in (resp, rev) if x.error
    ]
    message = "; ".join(x.message for x in (resp, rev) if x.message)
    buyers, control_buyers = int(t["resp"]), int(c["resp"])
    error = v.error
    if error == TOO_FEW_BUYERS:
        few = make_note(
            "programme_too_few_buyers",
            control_buyers=f"{control_buyers:,}",
            control_n=f"{control:,}",
            buyers=f"{buyers:,}",
            minimum_buyers=MIN_PROGRAMME_BUYERS,
        )
        message = few.message
        notes.insert(0, few)
    return ProgrammeEffect(
        customers=customers,
        programme_customers=programme,
        control_customers=control,
        campaigns=n_campaigns,
        response_rate=resp.moments.treatment_mean,
        control_response_rate=resp.moments.control_mean,
        response_lift=resp.absolute,
        revenue_per_customer=rev.moments.treatment_mean,
        control_revenue_per_customer=rev.moments.control_mean,
        revenue_lift=lift,
        incremental_revenue=total,
        revenue_unknown=unknown,
        error=error,
        message=message,
        notes=tuple(notes),
        control_buyers=control_buyers,
        programme_buyers=buyers,
    )
