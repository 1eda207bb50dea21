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
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from loyalloop.core.config import Settings
from loyalloop.core.runs import Run
from loyalloop.data.ingest import IngestResult, ingest
from loyalloop.data.schema import open_warehouse
from loyalloop.pipeline.config import RunConfig
from loyalloop.pipeline.run import run_pipeline
from loyalloop.report.html import write_report
from loyalloop.report.i18n import Lang
from loyalloop.sample import SampleData, generate, write_sample

if TYPE_CHECKING:
    from loyalloop.measurement.sample_rounds import LearningRounds

__all__ = ["DemoResult", "load_sample", "run_demo", "run_learning_demo", "save_demo_settings"]

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
    from loyalloop.core.export import write_text_atomic

    write_text_atomic(mapping, "\n".join(lines) + "\n")
    return replace(sample, transactions=tx.iloc[: len(tx) - n]), path, mapping


def load_sample(
    settings: Settings,
    *,
    customers: int = 10_000,
    seed: int = 0,
    business: str = "card",
    on_step: Callable[[str], None] | None = None,
    transactions: int | None = None,
    comments: int | None = None,
) -> dict[str, IngestResult]:
    """Generate a sample business, write its files under ``<home>/sample`` and ingest them.

    ``transactions`` / ``comments``: about how many to make (None: the business's rates);
    see :func:`loyalloop.sample.generate`.
    """
    if on_step:
        on_step("generate")
    sample = generate(
        customers=customers,
        seed=seed,
        business=business,  # type: ignore[arg-type]
        transactions=transactions,
        comments=comments,
    )
    directory = settings.home / "sample"
    sample, branch, mapping = split_branch_export(sample, directory)
    files = write_sample(sample, directory)
    # the files are the data from here on: free the frames before the engine loads them (at
    # 1M customers they are gigabytes, and would sit beside the engine's memory)
    del sample
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
    #: The run whose report the demo shows: with the campaign, the run made after it, which
    #: measures it (its campaigns section); without, the only run.
    run: Run
    report: Path
    #: The win-back campaign the demo ran on the run's findings (None: not asked for).
    campaign: CampaignDemoResult | None = None
    #: Two targeting rounds on the sample's campaign truth (None: not asked for, or not the
    #: card sample, whose actions and offers the rounds use).
    learning: LearningRounds | None = None
    #: Why the learning rounds did not run, when they were asked for and could not.
    learning_skipped: str = ""
    #: Why the win-back campaign did not run, when it was asked for and could not.
    campaign_skipped: str = ""
    #: The run the campaign acted on (its audience); ``run`` when there was no campaign.
    acted_on: Run | None = None
    #: The project's run settings file (``<home>/run.yaml``) and whether it holds the demo's
    #: settings (False: the home had its own, which were kept — a later run uses those).
    settings_file: Path | None = None
    settings_saved: bool = False


def demo_run_config(business: str = "card") -> RunConfig:
    """The demo's run settings: the sample's taxonomy, and the costs, margin, budget and
    planned split of the demo's campaign (:data:`DEMO_CAMPAIGN`) for the ``campaign_results``
    stage — without them a run counts its contacts and offers at no cost and computes no margin
    (docs/measurement.md). The margin rate is the sample business's (the learning rounds').
    The redemptions' own costs arrive on the outcome rows (``simulate_outcomes``)."""
    from loyalloop.measurement.sample_rounds import SampleSetup
    from loyalloop.pipeline.config import CampaignCosts, CampaignsConfig

    spec = cast(dict[str, Any], DEMO_CAMPAIGN)
    holdout = float(spec["holdout_share"])
    shares = {"holdout": holdout}
    shares.update({str(a["name"]): (1.0 - holdout) * float(a["share"]) for a in spec["arms"]})
    costs = CampaignCosts(
        contact_cost=float(spec["contact_cost"]), budget=float(spec["budget"]), shares=shares
    )
    return RunConfig(
        taxonomy="banking" if business == "card" else "retail",
        campaigns=CampaignsConfig(
            margin_rate=SampleSetup().margin_rate,
            campaign={str(DEMO_CAMPAIGN["name"]): costs},
        ),
    )


def run_demo(
    settings: Settings,
    *,
    customers: int = 10_000,
    seed: int = 0,
    business: str = "card",
    lang: Lang = "en",
    on_step: Callable[[str], None] | None = None,
    campaign: bool = True,
    learning: bool = True,
) -> DemoResult:
    """Sample → run → (with ``campaign``) a win-back campaign acted on the run's findings
    (:func:`run_campaign_demo`) → (with ``learning``, card sample) two targeting rounds, the
    second learning from the first (:func:`run_learning_demo`) → (with ``campaign``) a second
    run, which measures the campaign against its holdout → the report of the last run, so the
    report shows the whole loop, campaign results included."""
    ingested = load_sample(
        settings, customers=customers, seed=seed, business=business, on_step=on_step
    )
    config = demo_run_config(business)
    settings_file, saved = save_demo_settings(settings, config)

    def run_now() -> Run:
        return run_pipeline(
            settings, config, on_stage=(lambda s: on_step(f"stage {s}")) if on_step else None
        )

    run = run_now()
    acted, campaign_skipped = None, ""
    if campaign:
        campaign_skipped = _campaign_blocker(run)
        if not campaign_skipped:
            acted = run_campaign_demo(settings, run, business=business, seed=seed, on_step=on_step)
    learnt, skipped = None, ""
    if learning and business == "card":
        learnt, skipped = _learning_or_reason(settings, run, seed=seed, on_step=on_step)
    measured = run_now() if acted is not None else run
    if on_step:
        on_step("report")
    report = write_report(
        measured, settings.reports_dir / f"report-run{measured.number:06d}-{lang}.html", lang
    )
    return DemoResult(
        ingested,
        measured,
        report,
        acted,
        learnt,
        skipped,
        campaign_skipped,
        acted_on=run,
        settings_file=settings_file,
        settings_saved=saved,
    )


def save_demo_settings(settings: Settings, config: RunConfig) -> tuple[Path, bool]:
    """Save the demo's run settings as the project's (``<home>/run.yaml``), so that a later
    ``loyalloop run`` counts the campaign's costs and margin as the demo's runs did. A home
    that already has its own settings file keeps it (returned with ``False``)."""
    from loyalloop.errors import ConfigError
    from loyalloop.pipeline.config import project_run_settings, save_run_settings

    path = project_run_settings(settings.home)
    if not path.is_file():
        save_run_settings(config, path)
        return path, True
    try:
        return path, RunConfig.from_yaml(path) == config
    except ConfigError:  # the project's own file, even a broken one, is not overwritten
        return path, False


def _campaign_blocker(run: Run) -> str:
    """Why the demo's win-back campaign cannot run on ``run`` (``""``: it can): its audience
    is chosen by the CLV stage's P(alive) and CLV, which a very small sample does not give."""
    from loyalloop.core.results import NotComputed

    clv = run.manifest.clv
    if clv is None or isinstance(clv, NotComputed) or not run.has_table("clv"):
        why = clv.message if isinstance(clv, NotComputed) else "no clv stage"
        return f"the win-back campaign selects by P(alive) and CLV, which this run has not: {why}"
    return ""


def _learning_or_reason(
    settings: Settings, run: Run, *, seed: int, on_step: Callable[[str], None] | None
) -> tuple[LearningRounds | None, str]:
    """The learning rounds, or why they cannot run on this run (no churn probability: the
    churn model was not fitted, e.g. on a very small sample)."""
    from loyalloop.core.results import NotComputed

    churn = run.manifest.churn
    if churn is None or isinstance(churn, NotComputed):
        why = churn.message if isinstance(churn, NotComputed) else "no churn stage"
        return None, f"the rounds target by churn probability, which this run has not: {why}"
    return run_learning_demo(settings, run, seed=seed, on_step=on_step), ""


def run_learning_demo(
    settings: Settings, run: Run, *, seed: int = 0, on_step: Callable[[str], None] | None = None
) -> LearningRounds:
    """Two targeting rounds on the run's audience, scored on the sample's campaign truth
    (:func:`loyalloop.measurement.sample_rounds.run_learning_rounds`); the learnt model is
    registered in the project's registry (``<home>/models/targeting``)."""
    import ibis
    import pyarrow.parquet as pq

    from loyalloop.campaigns.audience import audience_view, read_run_tables
    from loyalloop.measurement import ModelRegistry
    from loyalloop.measurement.registry import registry_dir
    from loyalloop.measurement.sample_rounds import run_learning_rounds

    if on_step:
        on_step("learning: two targeting rounds")
    truth = pq.read_table(settings.home / "sample" / "truth" / "campaign_truth.parquet")
    con = ibis.duckdb.connect()
    view = audience_view(read_run_tables(con, run.path), run.manifest.as_of)
    return run_learning_rounds(
        view,
        truth.to_pandas(),
        as_of=run.manifest.as_of,
        registry=ModelRegistry(registry_dir(settings.home)),
        seed=seed,
        run=run.number,
        currency=run.manifest.kpis.currency if run.manifest.kpis is not None else None,
    )


# --- campsvc: the demo acts — one win-back campaign end to end ---------------------------------

#: The demo's win-back campaign: customers slipping away (P(alive) below 0.5) with value left,
#: a holdout of 20 %, the offer policy against a plain message, e-mail in zh / en.
DEMO_CAMPAIGN: dict[str, object] = {
    "name": "demo-winback",
    "goal": "win-back",
    "channel": "email",
    "description": "make demo: win back customers slipping away",
    "audience": {
        "name": "slipping_valuable",
        "conditions": [
            {"field": "probability_alive", "op": "<", "value": 0.5},
            {"field": "clv", "op": ">", "value": 0},
        ],
    },
    "holdout_share": 0.2,
    "arms": [
        {"name": "offer", "share": 0.5, "offer": "policy", "template": "winback_offer"},
        {"name": "message", "share": 0.5, "template": "winback_plain"},
    ],
    "window_days": 30,
    # what a manager would set for this list: the campaign's expected cost — the e-mails and the
    # offers its customers are expected to redeem, about 7,300 CNY on the 10,000-customer
    # sample (README) — with some headroom. The quoting rule quotes an ROI only from 10 % of the
    # budget spent (docs/measurement.md, "Quoting"): against the 500,000 it once had, no
    # campaign of this size could ever have shown one, whatever its result.
    "budget": 10_000,
    "on_budget_exceeded": "cap",
    "contact_cost": 0.05,
    "templates": {
        "winback_offer": {
            "channel": "email",
            "subject": {
                "zh": "{{ customer.name }}，我们为您准备了一份心意",
                "en": "A gift for you",
            },
            "body": {
                "zh": "{{ customer.name }}您好：好久不见！{{ offer.name }}，点击领取："
                "{{ link('offer') }}",
                "en": "Hello {{ customer.name }}, we miss you! {{ offer.name }}: "
                "{{ link('offer') }}",
            },
            "links": {"offer": "https://example.com/offers/winback"},
        },
        "winback_plain": {
            "channel": "email",
            "subject": {"zh": "好久不见", "en": "We miss you"},
            "body": {
                "zh": "{{ customer.name }}您好：好久不见，期待您再次光临。",
                "en": "Hello {{ customer.name }}, we would love to see you again.",
            },
        },
    },
}


def demo_launch_time(as_of: date, window_days: int) -> datetime:
    """When the demo's campaign is launched: ``window_days`` before the run's as-of day (09:00
    UTC), so that its whole outcome window lies within the sample's data and the run after it
    measures it as complete. Fixed by the data, not the wall clock: a demo made on another day
    gives the same campaign window, the same outcomes and the same results (a real campaign is
    launched now, and its results stay provisional until the data reach its window's end)."""
    return datetime.combine(as_of - timedelta(days=window_days), time(9), tzinfo=UTC)


@dataclass(frozen=True)
class CampaignDemoResult:
    """What the demo's campaign did: launch counts, delivery, outcomes per arm."""

    launch: dict[str, object]
    delivered: dict[str, int]
    sink: Path
    outcomes: dict[str, int]
    #: Per arm: customers, customers who bought in the window, response rate, revenue per
    #: customer (from the simulated outcomes; the measurement layer computes the intervals).
    arms: list[dict[str, object]]


def run_campaign_demo(
    settings: Settings,
    run: Run,
    *,
    business: str = "card",
    seed: int = 0,
    on_step: Callable[[str], None] | None = None,
) -> CampaignDemoResult:
    """Segment → assignment with holdout → e-mails to a local folder (no network) → outcomes
    simulated from the sample's truth, all through the service's store and worker."""
    import pandas as pd
    import sqlalchemy as sa

    from loyalloop.core.service_settings import load_service_settings
    from loyalloop.services import Actor, open_store
    from loyalloop.services.campaigns import (
        create_campaign,
        launch_from_run,
        simulate_outcomes,
    )
    from loyalloop.services.cases import project_currency
    from loyalloop.services.outbox import run_worker, simulated_clock
    from loyalloop.store.models import Campaign, CampaignAssignment

    sink = settings.home / "outbox-sink"
    service = load_service_settings(
        settings.home,
        env="local",
        timezone=settings.timezone,
        outbox_sink_dir=sink,
        quiet_hours_start="00:00",  # the demo runs at any hour
        quiet_hours_end="00:00",
        email_per_second=0,
    )
    store = open_store(service, settings)
    actor = Actor("demo", "admin")
    spec = {**DEMO_CAMPAIGN, "offers": "card" if business == "card" else "retail"}
    try:
        if on_step:
            on_step("campaign: launch")
        launched_at = demo_launch_time(run.manifest.as_of, int(str(spec["window_days"])))
        with store.session() as session:  # created on the clock it is launched on
            create_campaign(
                session, spec, actor, now=launched_at, project=project_currency(settings)
            )
        launched = launch_from_run(store, str(spec["name"]), actor, run=run.number, now=launched_at)
        if on_step:
            on_step("campaign: worker")
        # sent on the campaign's days, not today's (services/outbox.py, "Whose clock")
        delivered = run_worker(store, once=True, batch=200, clock=simulated_clock(launched_at))
        if on_step:
            on_step("campaign: outcomes")
        sim = simulate_outcomes(store, str(spec["name"]), seed=seed)
        with store.session() as session:
            rows = session.execute(
                sa.select(CampaignAssignment.customer_id, CampaignAssignment.arm)
                .join(Campaign, Campaign.id == CampaignAssignment.campaign_id)
                .where(Campaign.name == spec["name"])
            ).all()
    finally:
        store.close()
    assigned = pd.DataFrame(rows, columns=["customer_id", "arm"])
    with open_warehouse(settings) as wh:
        o = wh.table("outcomes")
        bought = (
            o.filter((o.campaign_id == str(spec["name"])) & (o.kind == "purchase"))
            .group_by("customer_id")
            .aggregate(revenue=o.value.sum())
            .execute()
        )
    per = assigned.merge(bought, on="customer_id", how="left")
    per["bought"] = per["revenue"].notna()
    per["revenue"] = per["revenue"].fillna(0.0)
    summary = per.groupby("arm").agg(
        customers=("customer_id", "size"), buyers=("bought", "sum"), revenue=("revenue", "sum")
    )
    arms = [
        {
            "arm": str(arm),
            "customers": int(r.customers),
            "buyers": int(r.buyers),
            "response_rate": float(r.buyers / r.customers) if r.customers else 0.0,
            "revenue_per_customer": float(r.revenue / r.customers) if r.customers else 0.0,
        }
        for arm, r in summary.iterrows()
    ]
    return CampaignDemoResult(
        launch=launched.to_dict(),
        delivered=delivered.to_dict(),
        sink=sink,
        outcomes=sim.outcomes,
        arms=arms,
    )
