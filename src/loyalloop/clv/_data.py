"""Input handling for the CLV models: column checks, sufficient statistics, batches.

Data enter the models as a pandas DataFrame or an Ibis table. For fitting, identical rows are
collapsed into distinct rows with a count (``weight``); with an Ibis table the group-by runs in
the engine and only the distinct rows come back into pandas, so a fit costs memory and time in
proportion to the number of distinct rows, not the number of customers.

All checks run on the distinct rows (every value in the data appears in them), so they cost
the same whatever the backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from loyalloop.core.batches import is_ibis_table
from loyalloop.errors import DataValidationError

__all__ = [
    "Distinct",
    "Frame",
    "Lookup",
    "SufficientStats",
    "as_pandas",
    "collapse",
    "dot",
    "is_ibis_table",
    "wsum",
]

Frame = Any  # pandas.DataFrame | ibis.expr.types.Table (Ibis is imported lazily)

WEIGHT = "__weight__"


def _columns_of(data: Frame) -> list[str]:
    return [str(c) for c in data.columns]


def require_columns(data: Frame, columns: Sequence[str], *, what: str) -> None:
    """Raise :class:`DataValidationError` naming the missing columns."""
    present = set(_columns_of(data))
    missing = [c for c in columns if c not in present]
    if missing:
        raise DataValidationError(
            f"{what} needs column(s) {', '.join(missing)}; "
            f"the data has {', '.join(sorted(present)) or 'no columns'}"
        )


def _check_unique_ids(data: Frame, id_column: str) -> None:
    if id_column not in _columns_of(data):
        return
    if is_ibis_table(data):
        col = data[id_column]
        counts = data.aggregate(n=col.count(), n_distinct=col.nunique()).to_pandas()
        n_dup = int(counts["n"].iloc[0] - counts["n_distinct"].iloc[0])
        if n_dup:
            dup = (
                data.group_by(id_column)
                .aggregate(n=col.count())
                .filter(lambda t: t.n > 1)
                .limit(5)
                .to_pandas()[id_column]
            )
            raise DataValidationError(
                f"column {id_column} has {n_dup} duplicate values: "
                f"{', '.join(map(str, dup.tolist()))}"
            )
        return
    ids = data[id_column]
    dup_mask = ids.duplicated()
    if dup_mask.any():
        shown = ", ".join(map(str, ids[dup_mask].unique()[:5].tolist()))
        raise DataValidationError(
            f"column {id_column} has {int(dup_mask.sum())} duplicate values: {shown}"
        )


@dataclass(frozen=True)
class SufficientStats:
    """Distinct rows of the model columns with how many customers share each row."""

    columns: dict[str, np.ndarray]
    weights: np.ndarray

    @property
    def n_customers(self) -> int:
        return int(self.weights.sum())

    @property
    def n_rows(self) -> int:
        return len(self.weights)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]


def wsum(weights: np.ndarray, values: np.ndarray) -> float:
    """Weighted sum without BLAS (``weights @ values`` can stall on a busy multi-core machine
    while OpenBLAS threads spin; an elementwise product and a pairwise sum do not)."""
    return float(np.sum(weights * values))


def dot(*arrays: np.ndarray) -> float:
    """``sum(a * b [* c])`` in one pass without temporaries or BLAS threads."""
    spec = ",".join("i" * len(arrays)) if len(arrays) > 1 else "i"
    return float(np.einsum(f"{spec}->", *arrays))


class Lookup:
    """A column for elementwise functions: evaluated once per distinct value when the column
    has few (e.g. whole days), row by row when nearly every value is distinct (continuous
    times), where sorting for distinct values and gathering back would cost more than it saves.

    The choice comes from a sample of at most 20,000 values: distinct values are used when
    they are fewer than half the sample.
    """

    __slots__ = ("_distinct", "values")

    def __init__(self, column: np.ndarray) -> None:
        column = np.ascontiguousarray(column, dtype=float)
        step = max(1, len(column) // 20_000)
        sample = column[::step]
        few = len(np.unique(sample)) < 0.5 * len(sample)
        self._distinct = Distinct(column) if few else None
        self.values = column if self._distinct is None else self._distinct.values

    def map(self, values: np.ndarray) -> np.ndarray:
        """Per-row results from the results on :attr:`values`."""
        return values if self._distinct is None else self._distinct.map(values)


def _small_whole_numbers(column: np.ndarray) -> np.ndarray | None:
    """``column`` as int64 when it holds whole numbers in [0, 1e6), else ``None``."""
    if not len(column):
        return None
    lo, hi = float(np.min(column)), float(np.max(column))
    if not (lo >= 0 and hi < 1e6):
        return None
    ints = column.astype(np.int64)
    return ints if np.array_equal(ints, column) else None


class Distinct:
    """Distinct values of a column with the inverse map: evaluate a function once per value.

    Special functions (``gammaln``, ``digamma``, ``hyp2f1`` …) dominate the cost of a
    likelihood; frequency takes few distinct values, and with daily data so do recency and T.
    """

    __slots__ = ("inverse", "values")

    def __init__(self, column: np.ndarray) -> None:
        small = _small_whole_numbers(column)
        if small is not None:  # counts: a histogram instead of a sort
            present = np.bincount(small) > 0
            self.values = np.flatnonzero(present).astype(float)
            self.inverse = (np.cumsum(present) - 1)[small]
            return
        values, inverse = np.unique(column, return_inverse=True)
        self.values = values
        self.inverse = inverse.ravel()

    def map(self, values: np.ndarray) -> np.ndarray:
        """Spread per-distinct-value results back to the rows."""
        return values[self.inverse]


def collapse(
    data: Frame,
    columns: Sequence[str],
    *,
    what: str,
    weights: str | None = None,
    id_column: str = "customer_id",
) -> SufficientStats:
    """Collapse ``data`` to distinct rows of ``columns`` with counts.

    Parameters
    ----------
    data
        pandas DataFrame or Ibis table.
    columns
        The model's columns (e.g. ``frequency, recency, T``).
    what
        Model name, used in error messages.
    weights
        Optional column holding a count per row (data that are already collapsed); rows are
        then summed by weight instead of counted.
    id_column
        Checked for duplicates when present.
    """
    needed = [*columns, *([weights] if weights else [])]
    require_columns(data, needed, what=what)
    _check_unique_ids(data, id_column)
    if is_ibis_table(data):
        # engines return rows in no fixed order: sort them, so that the same data give the
        # same fit (to the last bit) on DuckDB and on Spark
        return _in_canonical_order(_collapse_in_engine(data, columns, what=what, weights=weights))
    fast = _collapse_whole_numbers(data, columns, weights)
    if fast is not None:
        return fast
    if _nearly_distinct(data, columns):
        # continuous times: grouping would cost a hash of every row to save nothing
        raw = {c: data[c] for c in columns}
        if weights:
            raw[WEIGHT] = data[weights]
        else:
            raw[WEIGHT] = np.ones(len(data))
        return _stats_from(raw, columns, what=what, weights=weights)
    frame = pd.DataFrame({c: data[c].to_numpy() for c in columns})
    counts: Any
    if weights:
        frame[WEIGHT] = data[weights].to_numpy()
        counts = frame.groupby(list(columns), sort=False, dropna=False)[WEIGHT].sum()
    else:
        counts = frame.groupby(list(columns), sort=False, dropna=False).size()
    return _stats_from(counts.rename(WEIGHT).reset_index(), columns, what=what, weights=weights)


def _collapse_in_engine(
    data: Frame, columns: Sequence[str], *, what: str, weights: str | None
) -> SufficientStats:
    head = data.select(list(columns)).limit(20_000).to_pandas()
    if len(head) == 20_000 and head.duplicated().mean() < 0.1:
        # continuous times: a GROUP BY would return every row anyway; read them as they are
        frame = data.select(*columns, *([weights] if weights else [])).to_pandas()
        if not weights:
            frame[WEIGHT] = 1.0
        else:
            frame = frame.rename(columns={weights: WEIGHT})
    else:
        grouped = data.group_by(list(columns)).aggregate(
            **{WEIGHT: data[weights].sum() if weights else data.count()}
        )
        frame = grouped.to_pandas()
    return _stats_from(frame, columns, what=what, weights=weights)


def _in_canonical_order(stats: SufficientStats) -> SufficientStats:
    """The rows sorted by their values (first column first), weights alongside."""
    cols = list(stats.columns)
    order = np.lexsort(tuple(stats.columns[c] for c in reversed(cols)))
    return SufficientStats(
        columns={c: stats.columns[c][order] for c in cols}, weights=stats.weights[order]
    )


def _floats(column: Any) -> np.ndarray:
    if isinstance(column, pd.Series):
        return column.to_numpy(dtype=float, na_value=np.nan)
    return np.asarray(column, dtype=float)


def _nearly_distinct(data: pd.DataFrame, columns: Sequence[str]) -> bool:
    """Whether a systematic sample of at most 20,000 rows has under 10% repeated rows."""
    if len(data) < 50_000:
        return False
    step = len(data) // 20_000
    sample = pd.DataFrame({c: data[c].to_numpy()[::step] for c in columns})
    return bool(sample.duplicated().mean() < 0.1)


def _stats_from(
    frame: Any, columns: Sequence[str], *, what: str, weights: str | None
) -> SufficientStats:
    """Check the columns (numeric, finite) and the counts; build the statistics."""
    if not len(frame[WEIGHT]):
        raise DataValidationError(f"{what}: the data have no rows")
    out: dict[str, np.ndarray] = {}
    for c in columns:
        try:
            values = _floats(frame[c])
        except (TypeError, ValueError) as exc:
            raise DataValidationError(f"column {c} must be numeric ({exc})") from exc
        if not np.isfinite(values).all():
            if np.isnan(values).any():
                raise DataValidationError(f"column {c} has missing values")
            raise DataValidationError(f"column {c} has infinite values")
        out[c] = values
    try:
        w = _floats(frame[WEIGHT])
    except (TypeError, ValueError) as exc:
        raise DataValidationError(f"column {weights} must hold non-negative counts") from exc
    if (w < 0).any() or not np.isfinite(w).all():
        raise DataValidationError(f"column {weights} must hold non-negative counts")
    keep = w > 0
    if not keep.all():
        out = {c: v[keep] for c, v in out.items()}
        w = w[keep]
    return SufficientStats(columns=out, weights=w)


_BITS = 21  # three whole-number columns below 2**21 pack into one int64 key


def _collapse_whole_numbers(
    data: pd.DataFrame, columns: Sequence[str], weights: str | None
) -> SufficientStats | None:
    """Fast path for whole-number data (e.g. RFM in days): pack the row into one int64 key.

    Hashing one int64 column is several times faster than a multi-column group-by. Returns
    ``None`` when the data do not qualify (fractions, negatives, missing, too large).
    """
    if len(columns) > 3 or len(data) < 10_000:
        return None
    arrays = []
    for c in columns:
        try:
            v = data[c].to_numpy(dtype=float, na_value=np.nan)
        except (TypeError, ValueError):
            return None
        if not (np.all(v >= 0) and np.all(v < 2**_BITS) and np.array_equal(v, np.floor(v))):
            return None  # also rejects NaN
        arrays.append(v.astype(np.int64))
    key = np.zeros(len(data), dtype=np.int64)
    for v in arrays:
        key = (key << _BITS) | v
    codes, uniques = pd.factorize(key)
    if weights:
        w_raw = data[weights].to_numpy(dtype=float, na_value=np.nan)
        if not np.all(w_raw >= 0):
            raise DataValidationError(f"column {weights} must hold non-negative counts")
        w = np.bincount(codes, weights=w_raw)
    else:
        w = np.bincount(codes).astype(float)
    out: dict[str, np.ndarray] = {}
    mask = (1 << _BITS) - 1
    for i, c in enumerate(columns):
        shift = _BITS * (len(columns) - 1 - i)
        out[c] = ((uniques >> shift) & mask).astype(float)
    keep = w > 0
    return SufficientStats(columns={c: v[keep] for c, v in out.items()}, weights=w[keep])


def as_pandas(data: Frame, columns: Sequence[str], *, what: str) -> pd.DataFrame:
    """Return ``data`` as pandas with ``columns`` (plus ``customer_id`` when present)."""
    require_columns(data, columns, what=what)
    keep = list(columns)
    if "customer_id" in _columns_of(data) and "customer_id" not in keep:
        keep = ["customer_id", *keep]
    if is_ibis_table(data):
        return data.select(keep).to_pandas()
    if isinstance(data, pd.DataFrame):
        return data
    raise DataValidationError(
        f"{what} takes a pandas DataFrame or an Ibis table, not {type(data).__name__}"
    )


def numeric(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A column as a float array, with a clear error for non-numeric or missing values."""
    try:
        values = frame[column].to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise DataValidationError(f"column {column} must be numeric ({exc})") from exc
    if np.isnan(values).any():
        raise DataValidationError(f"column {column} has missing values")
    return values
