"""Per-arm sufficient statistics computed in the engine from any table (Ibis).

:func:`experiment_aggregates` turns a table with one row per unit — an arm column, a metric
column and optionally a pre-period covariate or a ratio denominator — into one row of sums per
arm (``n``, ``Σy``, ``Σy²``, ``Σx``, ``Σx²``, ``Σxy`` …). Only these few numbers per arm leave the
engine, whatever the table's size and backend (DuckDB, Spark, PostgreSQL).

Cells are read as the engine parses them, and everything that does not fit is counted:

* Arm values are compared as text with surrounding spaces stripped; rows with a blank arm are
  left out and counted (``rows_without_arm``).
* Metric cells that are blank, NULL or NaN are *missing*: those units are left out of the
  metric (counted per arm in ``missing``) unless ``missing=MissingPolicy.ZERO`` counts them as
  0 (a customer with no purchase has revenue 0). The units still count as assigned for the
  sample-ratio check.
* Metric cells that are text not parseable as a number, or infinite, stop the analysis with
  :class:`~loyalloop.errors.DataValidationError` naming the column, the count and examples: a
  broken export should be fixed, not averaged.
* A pre-period covariate with missing cells is filled with the mean of the covariate over the
  analysed units (the number filled is reported). The covariate is measured before assignment,
  so any fixed fill value keeps the CUPED estimate unbiased; it only weakens the adjustment.
* With a denominator (a ratio metric), units with a missing denominator are left out and
  counted as missing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import ibis
import ibis.expr.types as ir

from loyalloop.errors import DataValidationError
from loyalloop.experiments.statistics import (
    Adjusted,
    Proportion,
    Ratio,
    SampleMean,
    Statistic,
)

__all__ = [
    "MAX_ARMS",
    "ArmAggregate",
    "ExperimentData",
    "MetricKind",
    "MissingPolicy",
    "experiment_aggregates",
]

#: More distinct arm values than this is almost surely the wrong column (an id, a date).
MAX_ARMS = 20
_EXAMPLES = 5


class MetricKind(StrEnum):
    """How the metric is modelled."""

    #: A proportion if every value is 0 or 1, else a mean.
    AUTO = "auto"
    MEAN = "mean"
    PROPORTION = "proportion"
    #: ``Σ metric / Σ denominator`` (needs a denominator column).
    RATIO = "ratio"


class MissingPolicy(StrEnum):
    """What a missing metric value means."""

    #: The unit's outcome is unknown: leave it out of the metric (and say how many).
    EXCLUDE = "exclude"
    #: Blank means none happened: count it as 0 (revenue of a customer who bought nothing).
    ZERO = "zero"


@dataclass(frozen=True)
class ArmAggregate:
    """Sums over one arm's units (``pre_*`` without a covariate and ``den_*`` without a
    denominator are 0)."""

    arm: str
    assigned: int
    n: int
    missing: int
    sum: float
    sum_squares: float
    pre_sum: float = 0.0
    pre_sum_squares: float = 0.0
    sum_products: float = 0.0
    pre_filled: int = 0
    den_sum: float = 0.0
    den_sum_squares: float = 0.0


@dataclass(frozen=True)
class ExperimentData:
    """What the engine computed for an experiment table, and what it had to do to the data."""

    metric: str
    kind: MetricKind
    arms: tuple[ArmAggregate, ...]
    rows: int
    rows_without_arm: int
    pre: str | None = None
    pre_fill: float | None = None
    pre_is_binary: bool = False
    denominator: str | None = None
    missing_policy: MissingPolicy = MissingPolicy.EXCLUDE
    notes: tuple[str, ...] = field(default=())

    @property
    def assigned(self) -> dict[str, int]:
        """Units per arm (for the sample-ratio check), with or without a metric value."""
        return {a.arm: a.assigned for a in self.arms}

    @property
    def cuped(self) -> bool:
        return self.pre is not None and self.pre_fill is not None

    def statistics(self) -> dict[str, Statistic]:
        """One statistic per arm, ready for :func:`~loyalloop.experiments.analyze`."""
        out: dict[str, Statistic] = {}
        for a in self.arms:
            post: SampleMean | Proportion
            if self.kind is MetricKind.RATIO:
                out[a.arm] = Ratio(
                    a.n,
                    SampleMean(a.n, a.sum, a.sum_squares),
                    SampleMean(a.n, a.den_sum, a.den_sum_squares),
                    a.sum_products,
                )
                continue
            if self.kind is MetricKind.PROPORTION:
                post = Proportion(a.n, a.sum)
            else:
                post = SampleMean(a.n, a.sum, a.sum_squares)
            if self.cuped:
                pre: SampleMean | Proportion
                if self.pre_is_binary and isinstance(post, Proportion):
                    pre = Proportion(a.n, a.pre_sum)
                else:
                    pre = SampleMean(a.n, a.pre_sum, a.pre_sum_squares)
                    if isinstance(post, Proportion):
                        post = SampleMean(a.n, a.sum, a.sum_squares)
                out[a.arm] = Adjusted(a.n, post, pre, a.sum_products)
            else:
                out[a.arm] = post
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "kind": self.kind.value,
            "pre": self.pre,
            "pre_fill": self.pre_fill,
            "denominator": self.denominator,
            "missing_policy": self.missing_policy.value,
            "rows": self.rows,
            "rows_without_arm": self.rows_without_arm,
            "arms": {
                a.arm: {
                    "assigned": a.assigned,
                    "n": a.n,
                    "missing": a.missing,
                    "pre_filled": a.pre_filled,
                }
                for a in self.arms
            },
            "notes": list(self.notes),
        }


def _require(table: ir.Table, column: str, role: str) -> None:
    if column not in table.columns:
        raise DataValidationError(
            f"table has no {role} column {column!r}; columns are: "
            + ", ".join(repr(c) for c in table.columns)
        )


def _numeric(col: ir.Column) -> tuple[ir.FloatingValue, ir.BooleanValue, ir.BooleanValue]:
    """The column as float64, a mask of missing cells and a mask of invalid cells."""
    dtype = col.type()
    if dtype.is_string():
        text = col.strip()
        blank = text.isnull() | (text == "")
        value = text.nullif("").try_cast("float64")
        invalid = ~blank & value.isnull()
    elif dtype.is_boolean():
        value = col.cast("int64").cast("float64")
        blank, invalid = col.isnull(), ibis.literal(False)
    elif dtype.is_numeric():
        value = col.cast("float64")
        blank, invalid = col.isnull(), ibis.literal(False)
    else:
        raise DataValidationError(f"column {col.get_name()} is {dtype}, not numbers")
    if value.type().is_floating():
        nan = value.isnan().fill_null(False)
        inf = value.isinf().fill_null(False)
        blank = blank | nan
        invalid = invalid | inf
        value = ibis.ifelse(nan | inf, ibis.null("float64"), value)
    return value, blank, invalid


def _check_invalid(table: ir.Table, column: str, invalid: ir.BooleanValue) -> None:
    bad = table.filter(invalid)
    count = int(bad.count().to_pyarrow().as_py())
    if count:
        examples = bad.select(v=bad[column].cast("string")).limit(100).to_pyarrow()["v"].to_pylist()
        shown: list[str] = []
        for v in examples:
            if str(v) not in shown:
                shown.append(str(v))
            if len(shown) == _EXAMPLES:
                break
        raise DataValidationError(
            f"column {column} has {count} values that are not numbers or are infinite: "
            + ", ".join(repr(s) for s in shown)
            + " (fix the file; blank cells are fine and are reported as missing)"
        )


def experiment_aggregates(
    table: ir.Table,
    *,
    arm: str,
    metric: str,
    pre: str | None = None,
    denominator: str | None = None,
    kind: MetricKind = MetricKind.AUTO,
    missing: MissingPolicy = MissingPolicy.EXCLUDE,
    max_arms: int = MAX_ARMS,
) -> ExperimentData:
    """Per-arm sums of ``metric`` (and ``pre`` / ``denominator``) over ``table``.

    Parameters
    ----------
    table
        One row per unit (customer), any Ibis backend.
    arm, metric
        Column names of the arm and the metric.
    pre
        A pre-period covariate for CUPED (not with a ratio metric).
    denominator
        The denominator of a ratio metric (``kind`` becomes ``RATIO``).
    kind, missing
        See :class:`MetricKind` and :class:`MissingPolicy`.

    Raises
    ------
    DataValidationError
        Naming the column: missing columns, unparseable or infinite values, too many arms,
        no rows with an arm.
    """
    _require(table, arm, "arm")
    _require(table, metric, "metric")
    if denominator is not None:
        _require(table, denominator, "denominator")
        if kind not in (MetricKind.AUTO, MetricKind.RATIO):
            raise DataValidationError(f"a denominator makes a ratio metric, not a {kind.value} one")
        if pre is not None:
            raise DataValidationError("CUPED (--pre) is not supported for ratio metrics")
        kind = MetricKind.RATIO
    elif kind is MetricKind.RATIO:
        raise DataValidationError("a ratio metric needs a denominator column")
    if pre is not None:
        _require(table, pre, "pre-period")
    notes: list[str] = []

    arm_value = table[arm].cast("string").strip().nullif("")
    y, y_blank, y_invalid = _numeric(table[metric])
    cols: dict[str, Any] = {"_arm": arm_value, "_y": y, "_y_blank": y_blank}
    invalid_checks = [(metric, y_invalid)]
    if pre is not None:
        x, x_blank, x_invalid = _numeric(table[pre])
        cols.update(_x=x, _x_blank=x_blank)
        invalid_checks.append((pre, x_invalid))
    if denominator is not None:
        d, d_blank, d_invalid = _numeric(table[denominator])
        cols.update(_d=d, _d_blank=d_blank)
        invalid_checks.append((denominator, d_invalid))
    for name, mask in invalid_checks:
        _check_invalid(table, name, mask)

    t = table.select(**cols)
    counts = t.aggregate(rows=t.count(), no_arm=t._arm.isnull().sum(), arms=t._arm.nunique())
    c = counts.to_pyarrow().to_pylist()[0]
    rows, no_arm, n_arms = int(c["rows"]), int(c["no_arm"] or 0), int(c["arms"] or 0)
    if rows == 0 or n_arms == 0:
        raise DataValidationError(
            f"no rows with a value in the arm column {arm}" if rows else "the table has no rows"
        )
    if n_arms > max_arms:
        raise DataValidationError(
            f"column {arm} has {n_arms} distinct values; an experiment has at most {max_arms} "
            "arms (is it the arm column?)"
        )
    if no_arm:
        notes.append(f"{no_arm} rows have no arm and were left out")
    t = t.filter(t._arm.notnull())

    if missing is MissingPolicy.ZERO:
        t = t.mutate(_y=t._y.fill_null(0.0), _y_blank=ibis.literal(False))
    used = ~t._y_blank
    if denominator is not None:
        used = used & ~t._d_blank
    t = t.mutate(_used=used)

    pre_fill: float | None = None
    pre_binary = False
    if pre is not None:
        u = t.filter(t._used & ~t._x_blank)
        s = u.aggregate(
            n=u.count(),
            mean=u._x.mean(),
            nonbinary=(~u._x.isin([0.0, 1.0])).sum(),
        )
        srow = s.to_pyarrow().to_pylist()[0]
        if int(srow["n"]) == 0:
            notes.append(f"pre-period column {pre} has no values; CUPED not applied")
            pre = None
        else:
            pre_fill = float(srow["mean"])
            pre_binary = int(srow["nonbinary"] or 0) == 0
            t = t.mutate(_x=t._x.fill_null(pre_fill))

    zero = ibis.literal(0.0)
    yv = ibis.ifelse(t._used, t._y, zero)
    aggs: dict[str, Any] = {
        "assigned": t.count(),
        "n": t._used.cast("int64").sum(),
        "s": yv.sum(),
        "ss": (yv * yv).sum(),
        "nonbinary": (t._used & ~t._y.isin([0.0, 1.0])).cast("int64").sum(),
    }
    if pre is not None:
        xv = ibis.ifelse(t._used, t._x, zero)
        aggs.update(
            xs=xv.sum(),
            xss=(xv * xv).sum(),
            xy=(xv * yv).sum(),
            filled=(t._used & t._x_blank).cast("int64").sum(),
        )
    if denominator is not None:
        dv = ibis.ifelse(t._used, t._d, zero)
        aggs.update(ds=dv.sum(), dss=(dv * dv).sum(), xy=(dv * yv).sum())
    result = t.group_by("_arm").aggregate(**aggs).order_by("_arm").to_pyarrow().to_pylist()

    def f(v: object) -> float:
        return float(v) if v is not None else 0.0  # type: ignore[arg-type]

    arms: list[ArmAggregate] = []
    nonbinary = 0
    for r in result:
        n, assigned = int(r["n"] or 0), int(r["assigned"])
        nonbinary += int(r["nonbinary"] or 0)
        arms.append(
            ArmAggregate(
                arm=str(r["_arm"]),
                assigned=assigned,
                n=n,
                missing=assigned - n,
                sum=f(r["s"]),
                sum_squares=f(r["ss"]),
                pre_sum=f(r.get("xs")),
                pre_sum_squares=f(r.get("xss")),
                sum_products=f(r.get("xy")),
                pre_filled=int(r.get("filled") or 0),
                den_sum=f(r.get("ds")),
                den_sum_squares=f(r.get("dss")),
            )
        )
    if kind is MetricKind.AUTO:
        kind = MetricKind.PROPORTION if nonbinary == 0 else MetricKind.MEAN
    elif kind is MetricKind.PROPORTION and nonbinary:
        raise DataValidationError(
            f"column {metric} has {nonbinary} values other than 0 and 1; it is not a proportion"
        )
    total_missing = sum(a.missing for a in arms)
    if total_missing:
        per_arm = ", ".join(f"{a.arm}: {a.missing}" for a in arms if a.missing)
        what = metric if denominator is None else f"{metric} or {denominator}"
        notes.append(
            f"{total_missing} units have no value of {what} and were left out of the metric "
            f"({per_arm}); they still count for the split check"
        )
    filled = sum(a.pre_filled for a in arms)
    if filled and pre_fill is not None:
        notes.append(
            f"{filled} missing values of the pre-period column {pre} were filled with its mean "
            f"{pre_fill:.6g} (CUPED stays unbiased; the adjustment is weaker for those units)"
        )
    if pre_fill is not None and not math.isfinite(pre_fill):
        raise DataValidationError(f"pre-period column {pre} has a non-finite mean")
    return ExperimentData(
        metric=metric,
        kind=kind,
        arms=tuple(arms),
        rows=rows,
        rows_without_arm=no_arm,
        pre=pre,
        pre_fill=pre_fill,
        pre_is_binary=pre_binary,
        denominator=denominator,
        missing_policy=missing,
        notes=tuple(notes),
    )
