"""Compare an ordered label (loyalty tier, lifecycle stage) between two runs.

Both runs are small published tables (one row per customer), so this is pandas. ``movement``
is ``up`` / ``down`` / ``same`` by the given order, ``new`` for customers only in the current
run and ``gone`` for customers only in the previous one. Labels outside the order (e.g.
``unscored``) compare as ``changed`` unless equal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from loyalloop.errors import DataValidationError

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = ["Migration", "compare_runs"]

MOVEMENTS = ("up", "down", "same", "changed", "new", "gone")


@dataclass(frozen=True)
class Migration:
    """Who moved between two runs.

    Attributes
    ----------
    table
        ``id, before, after, movement`` (plus ``*_before`` / ``*_after`` value columns).
    matrix
        Counts: rows = label before (with ``(none)`` for new), columns = label after.
    summary
        Count per movement.
    """

    column: str
    order: tuple[str, ...]
    table: pd.DataFrame
    matrix: pd.DataFrame
    summary: pd.Series

    def chart(self, title: str | None = None) -> go.Figure:
        """A heatmap of the migration matrix (plotly figure, for the HTML report)."""
        import plotly.graph_objects as go

        m = self.matrix
        fig = go.Figure(
            go.Heatmap(
                z=m.to_numpy(),
                x=[str(c) for c in m.columns],
                y=[str(i) for i in m.index],
                text=m.to_numpy(),
                texttemplate="%{text}",
                colorscale="Blues",
            )
        )
        fig.update_layout(
            title=title or f"{self.column}: previous run (rows) → this run (columns)",
            xaxis_title="this run",
            yaxis_title="previous run",
        )
        return fig


def compare_runs(
    previous: pd.DataFrame,
    current: pd.DataFrame,
    *,
    column: str,
    order: Sequence[str],
    id_column: str = "customer_id",
    value_column: str | None = None,
) -> Migration:
    """Compare ``column`` of two runs' tables (see module docstring).

    ``value_column`` (e.g. ``loyalty_index``) is carried along as ``<value>_before`` and
    ``<value>_after`` with their difference.
    """
    for name, df in (("previous", previous), ("current", current)):
        for c in (id_column, column, *([value_column] if value_column else [])):
            if c not in df.columns:
                raise DataValidationError(f"{name} run has no column {c!r}")
        dup = df[id_column].duplicated()
        if dup.any():
            raise DataValidationError(
                f"column {id_column} has {int(dup.sum())} duplicate values in the {name} run"
            )
    keep = [id_column, column, *([value_column] if value_column else [])]
    merged = previous[keep].merge(
        current[keep], on=id_column, how="outer", suffixes=("_before", "_after"), indicator=True
    )
    rank = {label: i for i, label in enumerate(order)}
    before = merged[f"{column}_before"]
    after = merged[f"{column}_after"]
    rb = before.map(rank)
    ra = after.map(rank)
    movement = pd.Series("changed", index=merged.index, dtype=object)
    movement[(before == after).fillna(False).astype(bool)] = "same"
    both = rb.notna() & ra.notna()
    movement[both & (ra > rb)] = "up"
    movement[both & (ra < rb)] = "down"
    movement[merged["_merge"] == "right_only"] = "new"
    movement[merged["_merge"] == "left_only"] = "gone"
    out = pd.DataFrame(
        {
            id_column: merged[id_column],
            "before": before.astype(object),
            "after": after.astype(object),
            "movement": movement,
        }
    )
    if value_column:
        out[f"{value_column}_before"] = merged[f"{value_column}_before"]
        out[f"{value_column}_after"] = merged[f"{value_column}_after"]
        out[f"{value_column}_change"] = out[f"{value_column}_after"] - out[f"{value_column}_before"]
    labels = [*order]
    extra = sorted({str(v) for v in pd.concat([before, after]).dropna()} - set(labels))
    axis = [*labels, *extra]
    matrix = pd.crosstab(
        out["before"].fillna("(none)"), out["after"].fillna("(none)"), dropna=False
    )
    rows = [r for r in [*axis, "(none)"] if r in matrix.index]
    cols = [c for c in [*axis, "(none)"] if c in matrix.columns]
    matrix = matrix.reindex(index=rows, columns=cols, fill_value=0)
    matrix.index.name, matrix.columns.name = "before", "after"
    summary: Any = out["movement"].value_counts().reindex(list(MOVEMENTS), fill_value=0)
    return Migration(
        column,
        tuple(order),
        out.sort_values([id_column], kind="stable").reset_index(drop=True),
        matrix,
        summary.astype("int64"),
    )
