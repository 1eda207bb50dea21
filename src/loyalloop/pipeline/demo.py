"""Sample data into the warehouse, and the whole loop in one call (``loyalloop demo``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from loyalloop.core.config import Settings
from loyalloop.core.warehouse import Warehouse
from loyalloop.data.ingest import IngestResult, ingest
from loyalloop.pipeline.run import run_pipeline
from loyalloop.pipeline.runs import Run
from loyalloop.report.html import write_report
from loyalloop.report.i18n import Lang
from loyalloop.sample import generate, write_sample

__all__ = ["DemoResult", "load_sample", "run_demo"]

#: Load order: customers first, so references from other tables resolve.
LOAD_ORDER = ("customers", "accounts", "transactions", "feedback")


def load_sample(
    settings: Settings,
    *,
    customers: int = 10_000,
    seed: int = 0,
    business: str = "card",
    on_step: Callable[[str], None] | None = None,
) -> dict[str, IngestResult]:
    """Generate a sample business, write its files under ``<home>/sample`` and ingest them."""
    if on_step:
        on_step("generate")
    sample = generate(customers=customers, seed=seed, business=business)  # type: ignore[arg-type]
    files = write_sample(sample, settings.home / "sample")
    results: dict[str, IngestResult] = {}
    with Warehouse(settings) as wh:
        for table in LOAD_ORDER:
            if table in files:
                if on_step:
                    on_step(f"ingest {table}")
                results[table] = ingest(wh, table, [files[table]])
    return results


@dataclass(frozen=True)
class DemoResult:
    ingested: dict[str, IngestResult]
    run: Run
    report: Path


def run_demo(
    settings: Settings,
    *,
    customers: int = 10_000,
    seed: int = 0,
    business: str = "card",
    lang: Lang = "en",
    on_step: Callable[[str], None] | None = None,
) -> DemoResult:
    """Sample → run → report."""
    ingested = load_sample(
        settings, customers=customers, seed=seed, business=business, on_step=on_step
    )
    run = run_pipeline(settings, on_stage=(lambda s: on_step(f"stage {s}")) if on_step else None)
    if on_step:
        on_step("report")
    report = write_report(
        run, settings.reports_dir / f"report-run{run.number:06d}-{lang}.html", lang
    )
    return DemoResult(ingested, run, report)
