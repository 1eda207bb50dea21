"""Turn any customer table into a model matrix, and say what was coerced.

Real tables are messy: numbers stored as text with blank cells, stray spaces, ``Gold`` next to
``GOLD ``, a category at scoring time the model never saw. This module decides, once at fit
time, what each column is (a :class:`FeatureSpec`), and then applies that decision to any table
(training or scoring), reporting every cell it had to change (a :class:`CoercionReport`).

Rules (the defaults are the keyword arguments of :func:`infer_spec`)

* Column names are stripped of surrounding spaces.
* Numeric and boolean dtypes are numeric features (booleans as 0/1).
* Text columns whose non-blank cells parse as numbers (at least ``numeric_share`` of them, with
  thousands separators, currency signs and ``(12.50)`` negatives understood) are numeric;
  blanks and the cells that do not parse become missing and are counted.
* Other text columns are categorical. Values are stripped, inner runs of spaces collapsed and
  case-folded, so ``" Gold"``, ``"GOLD"`` and ``"gold"`` are one category (merges are counted).
  The ``max_categories`` most frequent categories seen at least ``min_category_count`` times
  are kept; rarer values, and values never seen in training, are treated as missing (LightGBM
  sends missing categories down a learned branch). They are counted, with examples.
* Columns dropped with a reason: date/time columns, columns with no usable values, constant
  columns, and text columns with no category frequent enough to learn from (identifiers, free
  text).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from loyalloop.data.parse import parse_bool, parse_float
from loyalloop.errors import DataValidationError

__all__ = [
    "CoercionReport",
    "ColumnCoercion",
    "FeatureDef",
    "FeatureSpec",
    "apply_spec",
    "clean_column_names",
    "coerce_labels",
    "infer_spec",
]

FeatureKind = Literal["numeric", "categorical"]
_EXAMPLES = 5


@dataclass(frozen=True)
class FeatureDef:
    """One model input: its column name, kind and (for categoricals) the known categories."""

    name: str
    kind: FeatureKind
    categories: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "categories": list(self.categories)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FeatureDef:
        kind = d["kind"]
        if kind not in ("numeric", "categorical"):
            raise DataValidationError(f"feature {d.get('name')!r} has unknown kind {kind!r}")
        return cls(str(d["name"]), kind, tuple(str(c) for c in d.get("categories", ())))


@dataclass(frozen=True)
class FeatureSpec:
    """The columns a model reads, in order, with their kinds."""

    features: tuple[FeatureDef, ...]

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.features]

    @property
    def categorical_indices(self) -> list[int]:
        return [i for i, f in enumerate(self.features) if f.kind == "categorical"]

    def to_dict(self) -> dict[str, Any]:
        return {"features": [f.to_dict() for f in self.features]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FeatureSpec:
        return cls(tuple(FeatureDef.from_dict(f) for f in d["features"]))


@dataclass(frozen=True)
class ColumnCoercion:
    """What happened to one column.

    ``action`` is ``numeric``, ``categorical`` or ``dropped``; the counts are cells.
    """

    column: str
    action: Literal["numeric", "categorical", "dropped"]
    blank: int = 0
    unparseable: int = 0
    merged_case_or_space: int = 0
    rare_or_unseen: int = 0
    examples: tuple[str, ...] = ()
    note: str = ""

    @property
    def changed(self) -> bool:
        return bool(
            self.action == "dropped"
            or self.unparseable
            or self.merged_case_or_space
            or self.rare_or_unseen
            or self.note
        )


@dataclass(frozen=True)
class CoercionReport:
    """Every coercion applied to a table, column by column."""

    rows: int
    columns: tuple[ColumnCoercion, ...]
    ignored_columns: tuple[str, ...] = ()
    renamed_columns: tuple[tuple[str, str], ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """One row per column with the counts above."""
        return pd.DataFrame(
            [
                {
                    "column": c.column,
                    "action": c.action,
                    "blank": c.blank,
                    "unparseable": c.unparseable,
                    "merged_case_or_space": c.merged_case_or_space,
                    "rare_or_unseen": c.rare_or_unseen,
                    "examples": ", ".join(c.examples),
                    "note": c.note,
                }
                for c in self.columns
            ],
            columns=[
                "column",
                "action",
                "blank",
                "unparseable",
                "merged_case_or_space",
                "rare_or_unseen",
                "examples",
                "note",
            ],
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "columns": self.to_frame().to_dict(orient="records"),
            "ignored_columns": list(self.ignored_columns),
            "renamed_columns": [list(p) for p in self.renamed_columns],
        }

    def lines(self) -> list[str]:
        """Plain-language lines for the columns that were changed."""
        out = [f"renamed column {a!r} to {b!r}" for a, b in self.renamed_columns]
        for c in self.columns:
            if not c.changed:
                continue
            parts = []
            if c.action == "dropped":
                parts.append(f"dropped ({c.note})")
            else:
                if c.blank:
                    parts.append(f"{c.blank} blank → missing")
                if c.unparseable:
                    parts.append(f"{c.unparseable} values not numbers → missing")
                if c.merged_case_or_space:
                    parts.append(f"{c.merged_case_or_space} values normalised (case/spaces)")
                if c.rare_or_unseen:
                    parts.append(f"{c.rare_or_unseen} rare or unseen categories → missing")
                if c.note:
                    parts.append(c.note)
            ex = f" e.g. {', '.join(repr(e) for e in c.examples)}" if c.examples else ""
            out.append(f"column {c.column!r}: {'; '.join(parts)}{ex}")
        if self.ignored_columns:
            out.append(f"ignored columns not used by the model: {', '.join(self.ignored_columns)}")
        return out


def clean_column_names(df: pd.DataFrame) -> tuple[pd.DataFrame, tuple[tuple[str, str], ...]]:
    """Strip surrounding spaces from column names; fail if two names then collide."""
    new = [str(c).strip() for c in df.columns]
    dupes = sorted({n for n in new if new.count(n) > 1})
    if dupes:
        raise DataValidationError(
            f"table has {len(dupes)} duplicate column names after stripping spaces: "
            + ", ".join(repr(d) for d in dupes)
        )
    renamed = tuple((str(a), b) for a, b in zip(df.columns, new, strict=True) if str(a) != b)
    if renamed:
        df = df.set_axis(new, axis=1)
    return df, renamed


def _norm_text(s: pd.Series) -> pd.Series:
    """Strip, collapse spaces, case-fold; blanks become missing. Returns pandas string dtype."""
    t = s.astype("string").str.strip().str.replace(r"\s+", " ", regex=True).str.casefold()
    return t.where(t != "")


def _raw_text(s: pd.Series) -> pd.Series:
    return s.astype("string")


def _examples(values: Iterable[object]) -> tuple[str, ...]:
    out: list[str] = []
    for v in values:
        sv = str(v)
        if sv not in out:
            out.append(sv)
        if len(out) >= _EXAMPLES:
            break
    return tuple(out)


def _blank_mask(s: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
        return s.isna()
    t = s.astype("string").str.strip()
    return (t.isna() | (t == "")).fillna(True).astype(bool)


def _to_numeric(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numeric values and a mask of non-blank cells that did not parse."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype("Float64").astype("float64"), pd.Series(False, index=s.index)
    if pd.api.types.is_numeric_dtype(s.dtype):
        v = pd.to_numeric(s, errors="coerce").astype("float64")
        finite = np.isfinite(v.to_numpy(dtype="float64", na_value=np.nan))
        bad = s.notna() & ~finite
        return v.where(finite), bad
    values, bad = parse_float(s.astype(object).where(s.notna(), None))
    return values.astype("float64"), bad.astype(bool)


def infer_spec(
    df: pd.DataFrame,
    *,
    exclude: Iterable[str] = (),
    numeric_share: float = 0.9,
    max_categories: int = 50,
    min_category_count: int = 5,
) -> tuple[FeatureSpec, dict[str, str]]:
    """Decide the kind of every column of ``df`` except ``exclude`` (see module docstring).

    Parameters
    ----------
    df
        The training table (column names already cleaned).
    exclude
        Columns that are not features (id, label).
    numeric_share
        Share of non-blank text cells that must parse as numbers for a column to be numeric.
    max_categories, min_category_count
        Categories kept per categorical column.

    Returns
    -------
    spec, dropped
        The features, and the columns left out with the reason.
    """
    skip = set(exclude)
    features: list[FeatureDef] = []
    dropped: dict[str, str] = {}
    for name in df.columns:
        if name in skip:
            continue
        d = _decide(df[name], numeric_share, max_categories, min_category_count)
        if isinstance(d, FeatureDef):
            features.append(FeatureDef(str(name), d.kind, d.categories))
        else:
            dropped[str(name)] = d
    if not features:
        raise DataValidationError(
            "table has no usable feature columns (after excluding "
            + ", ".join(repr(c) for c in sorted(skip))
            + ")"
        )
    return FeatureSpec(tuple(features)), dropped


def _decide(
    s: pd.Series, numeric_share: float, max_categories: int, min_category_count: int
) -> FeatureDef | str:
    """A feature definition, or the reason the column is dropped."""
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return "date/time column; derive numeric features (e.g. days since) to use it"
    blank = _blank_mask(s)
    n_present = int((~blank).sum())
    if n_present == 0:
        return "no values"
    is_numeric_dtype = pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype)
    if is_numeric_dtype:
        values, _ = _to_numeric(s)
    else:
        values, _ = _to_numeric(s)
        if values.notna().sum() < numeric_share * n_present:
            norm = _norm_text(s)
            counts = norm.value_counts()
            kept = counts[counts >= min_category_count].head(max_categories)
            if len(kept) == 0:
                return (
                    f"no category appears {min_category_count}+ times (an identifier or free text?)"
                )
            if len(kept) == 1 and int(blank.sum()) == 0 and len(counts) == 1:
                return "constant"
            return FeatureDef("", "categorical", tuple(sorted(str(k) for k in kept.index)))
    present = values.dropna()
    if present.nunique() <= 1 and len(present) == len(s):
        return "constant"
    return FeatureDef("", "numeric")


def apply_spec(
    df: pd.DataFrame,
    spec: FeatureSpec,
    *,
    dropped: dict[str, str] | None = None,
    passthrough: Iterable[str] = (),
) -> tuple[np.ndarray, CoercionReport]:
    """Build the float matrix a model reads from ``df``, coercing cells as the spec says.

    Categorical cells become their index in ``spec`` categories (missing, rare and unseen
    values become ``NaN``).

    Parameters
    ----------
    df
        Any table holding the spec's columns (names already cleaned). Other columns are ignored
        and listed in the report, except those named in ``passthrough`` (id, label).
    spec
        The model's feature spec.
    dropped
        Columns dropped at fit time with the reason, to show in the report.

    Raises
    ------
    DataValidationError
        If columns the model was trained on are missing.
    """
    missing = [n for n in spec.names if n not in df.columns]
    if missing:
        raise DataValidationError(
            f"table is missing {len(missing)} column(s) the model was trained on: "
            + ", ".join(repr(m) for m in missing)
            + " (was the model trained on a different table layout?)"
        )
    matrix = np.empty((len(df), len(spec.features)), dtype="float64")
    cols: list[ColumnCoercion] = []
    for j, f in enumerate(spec.features):
        s = df[f.name]
        blank = _blank_mask(s)
        if f.kind == "numeric":
            values, bad = _to_numeric(s)
            matrix[:, j] = values.to_numpy(dtype="float64", na_value=np.nan)
            cols.append(
                ColumnCoercion(
                    f.name,
                    "numeric",
                    blank=int(blank.sum()),
                    unparseable=int(bad.sum()),
                    examples=_examples(_raw_text(s[bad.to_numpy()]).dropna()),
                    note="text parsed as numbers"
                    if not pd.api.types.is_numeric_dtype(s.dtype)
                    and not pd.api.types.is_bool_dtype(s.dtype)
                    else "",
                )
            )
        else:
            norm = _norm_text(s)
            raw = _raw_text(s)
            merged = norm.notna() & (raw != norm).fillna(False)
            lookup = {c: i for i, c in enumerate(f.categories)}
            codes = norm.map(lookup).astype("Float64")
            unknown = norm.notna() & codes.isna()
            matrix[:, j] = codes.to_numpy(dtype="float64", na_value=np.nan)
            cols.append(
                ColumnCoercion(
                    f.name,
                    "categorical",
                    blank=int(blank.sum()),
                    merged_case_or_space=int(merged.sum()),
                    rare_or_unseen=int(unknown.sum()),
                    examples=_examples(norm[unknown.to_numpy()].dropna()),
                )
            )
    for name, reason in (dropped or {}).items():
        cols.append(ColumnCoercion(name, "dropped", note=reason))
    skip = set(spec.names) | set(dropped or {}) | set(passthrough)
    ignored = tuple(str(c) for c in df.columns if c not in skip)
    return matrix, CoercionReport(len(df), tuple(cols), ignored_columns=ignored)


def coerce_labels(s: pd.Series, column: str) -> tuple[np.ndarray, np.ndarray]:
    """Labels as 0/1 from booleans, 0/1 numbers or yes/no/true/false text (any case, spaces).

    Returns
    -------
    labels, present
        ``labels`` (int8, 0 where missing) and a mask of rows that had a label.

    Raises
    ------
    DataValidationError
        Naming the values that are not a recognised label.
    """
    if pd.api.types.is_bool_dtype(s.dtype):
        present = s.notna().to_numpy()
        return s.fillna(False).astype(bool).to_numpy().astype("int8"), present
    if pd.api.types.is_numeric_dtype(s.dtype):
        v = pd.to_numeric(s, errors="coerce").astype("float64")
        bad = v.notna() & ~v.isin([0.0, 1.0])
        if bad.any():
            _bad_labels(column, s[bad.to_numpy()])
        present = v.notna().to_numpy()
        return v.fillna(0).to_numpy().astype("int8"), present
    values, bad = parse_bool(s.astype(object).where(s.notna(), None))
    if bad.any():
        _bad_labels(column, s[bad.to_numpy()])
    present = values.notna().to_numpy()
    return values.fillna(False).astype(bool).to_numpy().astype("int8"), present


def _bad_labels(column: str, bad: pd.Series) -> None:
    ex = ", ".join(repr(str(v)) for v in _examples(bad))
    raise DataValidationError(
        f"column {column} has {len(bad)} values that are not a churn label "
        f"(use true/false, yes/no or 1/0): {ex}"
    )
