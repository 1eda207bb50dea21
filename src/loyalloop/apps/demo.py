"""Sample data into the warehouse, and the whole loop in one call (``loyalloop demo``).

Like a real project, the sample arrives from two systems: the card system's clean UTF-8
exports, and a branch system's GBK-encoded transactions file with Chinese headers (loaded
through a column mapping) in which a few rows are broken the way real exports break — an
impossible date, an unreadable amount, an unknown customer, a repeated id, a missing customer.
Those rows end up in quarantine with their reasons, and the counts add up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from loyalloop.core.config import Settings
from loyalloop.core.runs import Run
from loyalloop.data.ingest import IngestResult, ingest
from loyalloop.data.schema import open_warehouse
from loyalloop.pipeline.config import RunConfig
from loyalloop.pipeline.run import run_pipeline
from loyalloop.report.html import write_report
from loyalloop.report.i18n import Lang
from loyalloop.sample import SampleData, generate, write_sample

__all__ = ["DemoResult", "load_sample", "run_demo"]

#: Load order: customers first, so references from other tables resolve.
LOAD_ORDER = ("customers", "accounts", "transactions", "feedback", "interactions")

BRANCH_FILE = "branch_transactions_gbk.csv"
BRANCH_MAPPING = "branch_mapping.yaml"
BRANCH_ROWS = 300
_BRANCH_HEADERS = {
    "transaction_id": "交易流水号",
    "customer_id": "客户号",
    "timestamp": "交易时间",
    "amount": "交易金额",
    "channel": "渠道",
    "category": "消费类别",
}


def split_branch_export(sample: SampleData, directory: Path) -> tuple[SampleData, Path, Path]:
    """Move the last transactions into a GBK file with Chinese headers and five broken rows.

    Returns the sample without those rows, the file and its column mapping.
    """
    tx = sample.transactions
    n = min(BRANCH_ROWS, len(tx) // 10)
    branch = tx.iloc[len(tx) - n :][list(_BRANCH_HEADERS)].copy()
    text = branch.astype(object).astype(str)
    text["timestamp"] = branch["timestamp"].dt.strftime("%Y/%m/%d %H:%M")  # another format
    text["amount"] = branch["amount"].map(lambda v: f"{v:,.2f}")  # thousands separators
    if n >= 6:
        first = text.index
        text.loc[first[0], "timestamp"] = "2025/02/30 10:00"
        text.loc[first[1], "amount"] = "一百元"
        text.loc[first[2], "customer_id"] = "C-UNKNOWN"
        text.loc[first[3], "transaction_id"] = text.loc[first[4], "transaction_id"]
        text.loc[first[5], "customer_id"] = ""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / BRANCH_FILE
    text.rename(columns=_BRANCH_HEADERS).to_csv(path, index=False, encoding="gbk")
    mapping = directory / BRANCH_MAPPING
    lines = ["# branch system export: Chinese headers -> canonical columns", "columns:"]
    lines += [f"  {zh}: {en}" for en, zh in _BRANCH_HEADERS.items()]
    mapping.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return replace(sample, transactions=tx.iloc[: len(tx) - n]), path, mapping


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
    directory = settings.home / "sample"
    sample, branch, mapping = split_branch_export(sample, directory)
    files = write_sample(sample, directory)
    results: dict[str, IngestResult] = {}
    with open_warehouse(settings) as wh:
        for table in LOAD_ORDER:
            if table in files:
                if on_step:
                    on_step(f"ingest {table}")
                results[table] = ingest(wh, table, [files[table]])
        if on_step:
            on_step("ingest branch transactions")
        results["branch transactions"] = ingest(wh, "transactions", [branch], mapping=mapping)
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
    config = RunConfig(taxonomy="banking" if business == "card" else "retail")
    run = run_pipeline(
        settings, config, on_stage=(lambda s: on_step(f"stage {s}")) if on_step else None
    )
    if on_step:
        on_step("report")
    report = write_report(
        run, settings.reports_dir / f"report-run{run.number:06d}-{lang}.html", lang
    )
    return DemoResult(ingested, run, report)
