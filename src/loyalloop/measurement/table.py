"""One row per assignment with what the customer did in the campaign's window, and the sums
the statistics need — computed in the engine.

:func:`measurement_table` joins the ``assignments`` contract (customer, campaign, arm) with the
``outcomes`` contract (purchases, reactivations, redemptions within the window, attributed to
treated and held-out customers alike): per assignment ``responded`` (bought at all, 0/1),
``reactivated`` (a lapsed customer came back, 0/1), ``revenue`` (sum of purchase values; 0
without a purchase), ``cost`` (:class:`~loyalloop.measurement.costs.CostModel`), an optional
pre-period revenue for CUPED and an optional segment.

:func:`arm_sums` reduces it to a few sums per campaign, arm (and segment): ``n`` and, for
revenue, cost and the pre-period covariate, sums, sums of squares and cross-products — all that
:mod:`loyalloop.measurement.results` needs, whatever the number of customers (gbstats' way).

What does not fit is never averaged in silently:

* an assignment without a customer, campaign or arm, or the same customer twice in one
  campaign: :class:`~loyalloop.errors.DataValidationError` naming the count and examples;
* an outcome value that is infinite: refused the same way (a broken export);
* a purchase without a value (NULL or NaN): that assignment's revenue is unknown; it is left
  out of the revenue, margin, net-value and ROI figures (still counted for the response rate
  and the split), and the count is reported;
* outcome rows of customers not assigned to that campaign are ignored and counted;
* a pre-period value that is missing is filled with the campaign's mean pre-period value
  (CUPED stays unbiased: the covariate is measured before assignment) and counted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pandas as pd

from loyalloop.core.results import Note
from loyalloop.errors import DataValidationError
from loyalloop.measurement.costs import CostModel
from loyalloop.measurement.notes import make_note

__all__ = [
    "NO_SEGMENT",
    "SUM_COLUMNS",
    "MeasurementData",
    "arm_sums",
    "measurement_table",
]

#: The segment of customers whose segment is unknown.
NO_SEGMENT = "(none)"
_EXAMPLES = 5

#: Columns of :func:`arm_sums` besides the keys.
SUM_COLUMNS = (
    "n",
    "responded",
    "reactivated",
    "n_rev",
    "rev",
    "rev2",
    "cost_all",
    "cost_all2",
    "cost",
    "cost2",
    "rev_cost",
    "pre",
    "pre2",
    "rev_pre",
    "cost_pre",
    "pre_filled",
    "redemptions",
)


@dataclass(frozen=True)
class MeasurementData:
    """The per-assignment table (an engine expression) and what was done to build it."""

    table: ir.Table
    has_pre: bool
    has_segment: bool
    notes: tuple[Note, ...]


def _require(t: ir.Table, name: str, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in t.columns]
    if missing:
        raise DataValidationError(
            f"{name} has no column {', '.join(missing)}; columns are: {', '.join(t.columns)}"
        )


def _examples(t: ir.Table, cols: list[str]) -> str:
    rows = t.select(*cols).limit(_EXAMPLES).to_pyarrow().to_pylist()
    return "; ".join(", ".join(f"{c}={r[c]}" for c in cols) for r in rows)


def _count(t: ir.Table) -> int:
    return int(t.count().to_pyarrow().as_py())


def _check_assignments(a: ir.Table) -> ir.Table:
    _require(a, "assignments", ("customer_id", "campaign_id", "arm"))
    logged = "propensity" in a.columns
    a = a.select(
        customer_id=a.customer_id.cast("string"),
        campaign_id=a.campaign_id.cast("string"),
        arm=a.arm.cast("string").strip(),
        # the logged propensity: the design's chance that the customer got the row's arm
        # (campaigns.arm_propensities, learning.plan_round); kept for the policy value, which
        # turns it into the chance to be treated in each comparison (selection._comparisons)
        **({"propensity": a.propensity.cast("float64")} if logged else {}),
    )
    if logged:
        bad = a.filter(
            a.propensity.notnull() & ~((a.propensity > 0) & (a.propensity <= 1)).fill_null(False)
        )
        if n := _count(bad):
            raise DataValidationError(
                f"assignments: {n} rows have a propensity outside (0, 1] (e.g. "
                f"{_examples(bad, ['customer_id', 'campaign_id', 'propensity'])}); a logged "
                "propensity is the chance the row got its arm: above 0, at most 1, or empty"
            )
    blank = a.filter(
        a.customer_id.isnull()
        | (a.customer_id.strip() == "")
        | a.campaign_id.isnull()
        | (a.campaign_id.strip() == "")
        | a.arm.isnull()
        | (a.arm == "")
    )
    if n := _count(blank):
        raise DataValidationError(
            f"assignments: {n} rows have no customer_id, campaign_id or arm (e.g. "
            f"{_examples(blank, ['customer_id', 'campaign_id', 'arm'])}); every assignment "
            "needs all three"
        )
    dup = a.group_by("customer_id", "campaign_id").aggregate(rows=a.count(), arms=a.arm.nunique())
    dup = dup.filter(dup.rows > 1)
    if n := _count(dup):
        raise DataValidationError(
            f"assignments: {n} customers are assigned more than once to the same campaign (e.g. "
            f"{_examples(dup, ['customer_id', 'campaign_id', 'rows'])}); the contract's key is "
            "(customer_id, campaign_id)"
        )
    return a


def measurement_table(
    assignments: ir.Table,
    outcomes: ir.Table,
    *,
    costs: Mapping[str, CostModel] | None = None,
    default_cost: CostModel | None = None,
    pre: ir.Table | None = None,
    segments: ir.Table | None = None,
) -> MeasurementData:
    """One row per assignment with its outcomes and cost (module docstring).

    Parameters
    ----------
    assignments
        The ``assignments`` contract (``customer_id``, ``campaign_id``, ``arm``).
    outcomes
        The ``outcomes`` contract (``customer_id``, ``campaign_id``, ``kind``, ``value``);
        kinds ``purchase``, ``reactivated`` and ``redeemed`` are read, others ignored.
    costs, default_cost
        Cost model per campaign id, and for campaigns not named.
    pre
        ``customer_id``, ``campaign_id``, ``pre_revenue``: revenue before assignment (CUPED).
    segments
        ``customer_id``, ``segment``: the customer's segment (one row per customer).

    Raises
    ------
    DataValidationError
        Naming the table, the count and examples (module docstring).
    """
    a = _check_assignments(assignments)
    _require(outcomes, "outcomes", ("customer_id", "campaign_id", "kind", "value"))
    o = outcomes.select(
        _oc=outcomes.customer_id.cast("string"),
        _ok=outcomes.campaign_id.cast("string"),
        kind=outcomes.kind.cast("string"),
        value=outcomes.value.cast("float64"),
    )
    o = o.filter(o.kind.isin(["purchase", "reactivated", "redeemed"]))
    bad = o.filter(o.value.isinf().fill_null(False))
    if n := _count(bad):
        raise DataValidationError(
            f"outcomes: {n} rows have an infinite value (e.g. "
            f"{_examples(bad.rename(customer_id='_oc', campaign_id='_ok'), ['customer_id', 'campaign_id', 'kind', 'value'])}"  # noqa: E501
            "); fix the export: a value is a finite number or empty"
        )
    notes: list[Note] = []
    orphans = o.anti_join(a, (o._oc == a.customer_id) & (o._ok == a.campaign_id))
    if n := _count(orphans):
        notes.append(make_note("outcomes_unmatched", n=n))
    missing_value = o.value.isnull() | o.value.isnan().fill_null(False)
    is_purchase = o.kind == "purchase"
    is_redeemed = o.kind == "redeemed"
    zero = ibis.literal(0.0)
    per = o.group_by("_oc", "_ok").aggregate(
        _purchases=is_purchase.cast("int64").sum(),
        _react=(o.kind == "reactivated").cast("int64").sum(),
        _rev=ibis.ifelse(is_purchase & ~missing_value, o.value, zero).sum(),
        _rev_unknown=(is_purchase & missing_value).cast("int64").sum(),
        _red_valued=ibis.ifelse(is_redeemed & ~missing_value, o.value, zero).sum(),
        _red_unvalued=(is_redeemed & missing_value).cast("int64").sum(),
        _red=is_redeemed.cast("int64").sum(),
    )
    j = a.left_join(per, (a.customer_id == per._oc) & (a.campaign_id == per._ok))
    purchases = j._purchases.fill_null(0)
    t = j.select(
        campaign_id=j.campaign_id,
        customer_id=j.customer_id,
        arm=j.arm,
        **({"propensity": j.propensity} if "propensity" in a.columns else {}),
        responded=(purchases > 0).cast("int64"),
        reactivated=(j._react.fill_null(0) > 0).cast("int64"),
        revenue=ibis.ifelse(
            j._rev_unknown.fill_null(0) > 0, ibis.null("float64"), j._rev.fill_null(0.0)
        ),
        _red_valued=j._red_valued.fill_null(0.0),
        _red_unvalued=j._red_unvalued.fill_null(0),
        redemptions=j._red.fill_null(0),
    )
    unknown = t.filter(t.revenue.isnull())
    if n := _count(unknown):
        notes.append(make_note("revenue_unknown", n=n))
    # cost: contact cost of the arm + valued redemptions + unvalued ones at the arm's unit cost
    costs = dict(costs or {})
    default_cost = default_cost or CostModel()
    pairs = t.select("campaign_id", "arm").distinct().to_pyarrow().to_pylist()
    contact_cases, unit_cases = [], []
    for p in pairs:
        model = costs.get(p["campaign_id"], default_cost)
        cond = (t.campaign_id == p["campaign_id"]) & (t.arm == p["arm"])
        contact_cases.append((cond, model.contact(p["arm"])))
        unit_cases.append((cond, model.redemption(p["arm"])))
    contact = ibis.cases(*contact_cases, else_=zero) if contact_cases else zero
    unit = ibis.cases(*unit_cases, else_=zero) if unit_cases else zero
    t = t.mutate(
        cost=(contact + t._red_valued + t._red_unvalued.cast("float64") * unit).cast("float64")
    ).drop("_red_valued", "_red_unvalued")
    control_redeemed = t.filter(
        (t.redemptions > 0) & (t.arm.endswith("holdout") | (t.arm == "global_control"))
    )
    if n := _count(control_redeemed):
        notes.append(make_note("control_redeemed", n=n))
    has_pre = pre is not None
    if pre is not None:
        _require(pre, "pre-period table", ("customer_id", "campaign_id", "pre_revenue"))
        pv = pre.select(
            _pc=pre.customer_id.cast("string"),
            _pk=pre.campaign_id.cast("string"),
            _pre=pre.pre_revenue.cast("float64"),
        )
        bad_pre = pv.filter(pv._pre.isinf().fill_null(False))
        if n := _count(bad_pre):
            raise DataValidationError(f"pre-period table: {n} values of pre_revenue are infinite")
        pv = pv.mutate(_pre=ibis.ifelse(pv._pre.isnan().fill_null(False), None, pv._pre))
        t = t.left_join(pv, (t.customer_id == pv._pc) & (t.campaign_id == pv._pk)).drop(
            "_pc", "_pk"
        )
        w = ibis.window(group_by=t.campaign_id)
        t = t.mutate(
            pre_filled=t._pre.isnull().cast("int64"),
            pre_revenue=t._pre.fill_null(t._pre.mean().over(w)).fill_null(0.0),
        ).drop("_pre")
        filled = _count(t.filter(t.pre_filled == 1))
        if filled:
            notes.append(make_note("pre_filled", n=filled))
    has_segment = segments is not None
    if segments is not None:
        _require(segments, "segments table", ("customer_id", "segment"))
        s = segments.select(
            _sc=segments.customer_id.cast("string"), _seg=segments.segment.cast("string")
        )
        dup = s.group_by("_sc").aggregate(k=s.count()).filter(lambda x: x.k > 1)
        if n := _count(dup):
            raise DataValidationError(f"segments table: {n} customers have more than one row")
        t = t.left_join(s, t.customer_id == s._sc).drop("_sc")
        t = t.mutate(segment=t._seg.fill_null(NO_SEGMENT)).drop("_seg")
    return MeasurementData(t, has_pre, has_segment, tuple(notes))


def arm_sums(data: MeasurementData, *, by_segment: bool = False) -> pd.DataFrame:
    """Sums per campaign and arm (and segment) — :data:`SUM_COLUMNS` — as a small frame.

    Revenue-family sums (``rev``, ``cost``, ``pre`` and their products) run over the
    assignments whose revenue is known (``n_rev`` of them); ``cost_all`` is the actual cost of
    every assignment.
    """
    t = data.table
    keys = ["campaign_id", "arm"] + (["segment"] if by_segment and data.has_segment else [])
    known = t.revenue.notnull()
    zero = ibis.literal(0.0)
    r = ibis.ifelse(known, t.revenue, zero)
    k = ibis.ifelse(known, t.cost, zero)
    p = ibis.ifelse(known, t.pre_revenue, zero) if data.has_pre else t.cost * 0.0
    aggs = {
        "n": t.count(),
        "responded": t.responded.sum(),
        "reactivated": t.reactivated.sum(),
        "n_rev": known.cast("int64").sum(),
        "rev": r.sum(),
        "rev2": (r * r).sum(),
        "cost_all": t.cost.sum(),
        "cost_all2": (t.cost * t.cost).sum(),
        "cost": k.sum(),
        "cost2": (k * k).sum(),
        "rev_cost": (r * k).sum(),
        "pre": p.sum(),
        "pre2": (p * p).sum(),
        "rev_pre": (r * p).sum(),
        "cost_pre": (k * p).sum(),
        "pre_filled": t.pre_filled.sum() if data.has_pre else t.redemptions.sum() * 0,
        "redemptions": t.redemptions.sum(),
    }
    frame = t.group_by(keys).aggregate(**aggs).to_pandas()
    for c in SUM_COLUMNS:
        frame[c] = pd.to_numeric(frame[c]).fillna(0).astype("float64")
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)
