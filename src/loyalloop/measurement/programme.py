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

Limitation, said in the result's notes: the comparison is fair when who enters an audience does
not depend on earlier campaigns' treatment. A win-back audience built from customers who
lapsed *after* earlier campaigns holds more global-control customers if the programme works,
which biases the audience-level comparison towards zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from loyalloop.experiments import (
    Estimate,
    Proportion,
    SampleMean,
    frequentist_test,
)
from loyalloop.measurement.arms import GLOBAL_CONTROL
from loyalloop.measurement.table import _check_assignments, _count, _require

__all__ = ["ProgrammeEffect", "programme_effect"]


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
    notes: tuple[str, ...] = ()


def _failed(
    customers: int, programme: int, control: int, campaigns: int, code: str, message: str
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
        message=message,
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
            "no customer is in the global control group: the programme's effect cannot be measured",
        )
    if mixed:
        return _failed(
            customers,
            programme,
            control,
            n_campaigns,
            "unstable_global_control",
            f"{mixed} customers are in the global control in one campaign and not in another: "
            "the campaigns do not share one programme salt, so the global control is not one group",
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
            "every customer is in the global control",
        )
    resp = frequentist_test(
        Proportion(c["n"], c["resp"]), Proportion(t["n"], t["resp"]), alpha=alpha
    )
    rev = frequentist_test(
        SampleMean(c["n_rev"], c["rev"], c["rev2"]),
        SampleMean(t["n_rev"], t["rev"], t["rev2"]),
        alpha=alpha,
    )
    unknown = customers - int(t["n_rev"]) - int(c["n_rev"])
    lift = rev.absolute
    n = programme
    total = Estimate(lift.estimate * n, lift.se * n, lift.low * n, lift.high * n)
    notes = [
        "audience-level comparison: fair when entering an audience does not depend on earlier "
        "campaigns' treatment (see docs/measurement.md)"
    ]
    if unknown:
        notes.append(f"{unknown} customers have a purchase without a value: left out of revenue")
    message = "; ".join(x.message for x in (resp, rev) if x.message)
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
        error=(resp.error or rev.error).value if (resp.error or rev.error) else None,  # type: ignore[union-attr]
        message=message,
        notes=tuple(notes),
    )
