"""Open an experiment table from a file as an Ibis table, and analyse it in one call.

UTF-8 CSV and Parquet files are read by an in-memory DuckDB engine directly (every CSV cell as
text, so :mod:`loyalloop.experiments.aggregate` can count what does not parse); other encodings
(GBK exports), JSON Lines and Excel go through the project's file readers
(:func:`loyalloop.data.readers.read_chunks`) chunk by chunk into the same engine. Malformed
CSV lines are not guessed at: the reader's error names the line.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir

from loyalloop.data.readers import detect_encoding, read_chunks
from loyalloop.errors import DataValidationError, IngestError
from loyalloop.experiments.aggregate import (
    ExperimentData,
    MetricKind,
    MissingPolicy,
    experiment_aggregates,
)
from loyalloop.experiments.analyze import ExperimentReport, analyze
from loyalloop.experiments.inference import DEFAULT_SEQUENTIAL_TUNING, GaussianPrior
from loyalloop.experiments.multiple import Correction
from loyalloop.experiments.results import Method

__all__ = ["TableAnalysis", "analyze_table", "open_table"]

log = logging.getLogger(__name__)

_UTF8 = {"utf-8", "utf-8-sig", "ascii"}


def open_table(path: str | Path) -> ir.Table:
    """The file at ``path`` as an Ibis table on an in-memory DuckDB engine."""
    p = Path(path)
    if not p.exists():
        raise DataValidationError(f"file {p} does not exist")
    con = ibis.duckdb.connect()
    suffix = p.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return con.read_parquet(str(p))
    if suffix in (".csv", ".tsv", ".txt") and detect_encoding(p) in _UTF8:
        from loyalloop.core.warehouse import engine_errors

        try:
            return con.read_csv(str(p), all_varchar=True, header=True)
        except engine_errors() as exc:  # a malformed file: the strict reader names the line
            log.info("DuckDB could not read %s (%s); using the file reader", p, exc)
    first = True
    name = "experiment"
    rejected = 0
    for chunk in read_chunks(p):
        rejected += len(chunk.rejected)
        if rejected:
            r = chunk.rejected[0]
            raise IngestError(r.reason, file=str(p), line=r.line)
        if first:
            con.create_table(name, chunk.frame)
            first = False
        else:
            con.insert(name, chunk.frame)
    if first:
        raise DataValidationError(f"file {p} has no rows")
    return con.table(name)


@dataclass(frozen=True)
class TableAnalysis:
    """The aggregates computed from a table and the report on them."""

    data: ExperimentData
    report: ExperimentReport

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``experiments analyze``: report fields, then what was done to the data."""
        return {
            "metric": self.data.metric,
            "metric_kind": self.data.kind.value,
            **self.report.to_dict(),
            "cuped": self.data.cuped,
            "data": self.data.to_dict(),
        }


def analyze_table(
    table: ir.Table,
    *,
    arm: str,
    control: str,
    metric: str,
    pre: str | None = None,
    denominator: str | None = None,
    kind: MetricKind = MetricKind.AUTO,
    missing: MissingPolicy = MissingPolicy.EXCLUDE,
    method: Method = Method.FREQUENTIST,
    alpha: float = 0.05,
    correction: Correction = Correction.HOLM,
    weights: Mapping[str, float] | None = None,
    prior: GaussianPrior | None = None,
    tuning: float = DEFAULT_SEQUENTIAL_TUNING,
) -> TableAnalysis:
    """Aggregate ``table`` in its engine and analyse the experiment (see :func:`analyze`).

    ``weights`` may name arms that have no rows: that is an error naming them (a planned arm
    that received no units), not a silent omission.
    """
    data = experiment_aggregates(
        table,
        arm=arm,
        metric=metric,
        pre=pre,
        denominator=denominator,
        kind=kind,
        missing=missing,
    )
    if weights is not None:
        absent = [a for a in weights if a not in data.assigned]
        if absent:
            raise DataValidationError(
                f"arm(s) {', '.join(repr(a) for a in absent)} have no rows in column {arm}; "
                "arms present: " + ", ".join(repr(a) for a in data.assigned)
            )
    stats = data.statistics()
    if control not in stats:
        raise DataValidationError(
            f"no control arm {control!r} in column {arm}; the arms are: "
            + ", ".join(repr(a) for a in stats)
        )
    report = analyze(
        stats,
        control,
        method=method,
        alpha=alpha,
        correction=correction,
        assigned=data.assigned,
        weights=weights,
        prior=prior,
        tuning=tuning,
    )
    notes = tuple(data.notes) + report.notes
    report = ExperimentReport(
        report.control,
        report.method,
        report.alpha,
        report.correction,
        report.arms,
        report.srm,
        notes,
    )
    return TableAnalysis(data, report)
