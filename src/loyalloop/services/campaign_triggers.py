"""Triggered campaigns: who enters now, written as entries, assignments and outbox rows.

A campaign with a ``trigger`` (:mod:`loyalloop.campaigns.triggers`: lapse, detractor,
cancellation, churn risk, birthday) is *launched* once (``campaigns launch``: it becomes
active and is evaluated at once) and then evaluated again

* after every ``loyalloop run`` (:func:`triggers_after_run`, called the way the case rules
  are, by the CLI once the run is published — the pipeline never imports services), on the new
  run's audience view (the previous run's view for ``churn_risk`` crossings; the warehouse's
  ``feedback`` and ``interactions`` for detractors and cancellations);
* as service events arrive (:func:`triggers_from_responses`: the web process's case worker
  calls it on a batch of committed responses, next to the case rules;
  :func:`triggers_on_feedback` takes answers as a frame): detractor triggers, on the latest
  run's audience view. Nothing opens the warehouse when no detractor-triggered campaign is
  active. An answer the page could not
  evaluate (the warehouse busy) is still in the warehouse's ``feedback`` after the next sync,
  and the after-run evaluation sees it within the trigger's ``within_days``.

Each evaluation: the trigger fires for some customers (within the campaign's ``audience`` when
it has one); those who entered the campaign within its ``cooldown_days`` are left out, then the
unsubscribed and the frequency-capped (counted, before the split); the rest are planned as a
one-off launch is (:func:`~loyalloop.campaigns.plan_campaign`: consent, global control,
holdout, arms — deterministic by hash, so a customer keeps the arm of their first entry —,
offers, what is left of the budget, messages). In **one transaction**: an entry per planned
customer (:class:`~loyalloop.store.models.CampaignEntry`, numbered; the unique entry number is
the store's guarantee of one entry per cool-down even when two evaluations race), the
assignment of first-time entrants, and an outbox row per treated customer (a re-entry gets its
own idempotency key, derived from the first one and the entry number). Re-running an
evaluation on the same run enters nobody again (everyone it would take is within the
cool-down).

The warehouse's ``assignments`` keep one row per customer and campaign (the first entry: the
contract's key); the campaign's outcome window runs to ``ends_at``, moved to the last entry +
``window_days`` by each evaluation.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from loyalloop.campaigns import (
    CampaignSpec,
    ProgrammeSpec,
    TriggerKind,
    arm_propensities,
    evaluate_trigger,
    plan_campaign,
)
from loyalloop.campaigns.segments import select_segment
from loyalloop.campaigns.triggers import apply_cooldown
from loyalloop.errors import ConfigError, ConflictError, LoyalloopError, SpecError
from loyalloop.services.audit import Actor, record
from loyalloop.services.bulk import bulk_insert
from loyalloop.services.campaigns import (
    LaunchResult,
    _aware,
    _bundle_of,
    _contacts,
    _excluded,
    _local_naive,
    _outbox_rows,
    check_campaign_currency,
    get_campaign,
    settled_catalogue,
)
from loyalloop.services.consent import profile_links
from loyalloop.services.outbox import campaign_signer
from loyalloop.services.store import Store
from loyalloop.store.base import utcnow
from loyalloop.store.models import (
    Campaign,
    CampaignAssignment,
    CampaignEntry,
    CampaignStatus,
    OutboxMessage,
    OutboxStatus,
)
from loyalloop.surveys.policy import quiet_hours_end

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

__all__ = [
    "TriggerInputs",
    "TriggeredRun",
    "evaluate_triggered",
    "triggered_campaigns",
    "triggers_after_run",
    "triggers_from_response",
    "triggers_from_responses",
    "triggers_on_feedback",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TriggerInputs:
    """What a trigger reads (:func:`loyalloop.campaigns.evaluate_trigger`)."""

    view: ir.Table
    as_of: date
    run: int | None = None
    #: The day the trigger looks at when it is not the run's as-of day (events arriving now).
    trigger_as_of: date | None = None
    previous_view: ir.Table | None = None
    feedback: ir.Table | None = None
    interactions: ir.Table | None = None
    profile_map: ir.Table | None = None


@dataclass(frozen=True)
class TriggeredRun:
    """One evaluation of every active triggered campaign."""

    run: int | None
    results: tuple[LaunchResult, ...]
    errors: tuple[tuple[str, str], ...] = ()

    @property
    def entered(self) -> int:
        return sum(int(r.counts.get("assigned", 0)) for r in self.results)

    def to_dict(self) -> dict[str, Any]:
        return {
            "run": self.run,
            "entered": self.entered,
            "campaigns": [r.to_dict() for r in self.results],
            "errors": [{"campaign": n, "error": e} for n, e in self.errors],
        }


def _entry_key(first_key: str, entry: int) -> str:
    if entry <= 1:
        return first_key
    return hashlib.sha256(f"{first_key}\x1f{entry}".encode()).hexdigest()[:32]


def _last_entries(session: Any, campaign_pk: int, zone: str) -> pd.DataFrame:
    import pandas as pd

    rows = session.execute(
        sa.select(
            CampaignEntry.customer_id,
            sa.func.max(CampaignEntry.entry),
            sa.func.max(CampaignEntry.entered_at),
        )
        .where(CampaignEntry.campaign_id == campaign_pk)
        .group_by(CampaignEntry.customer_id)
    ).all()
    return pd.DataFrame(
        {
            "customer_id": pd.Series([r[0] for r in rows], dtype=object),
            "entry": pd.Series([int(r[1]) for r in rows], dtype="int64"),
            "assigned_at": pd.to_datetime(
                pd.Series([_local_naive(r[2], zone) for r in rows], dtype="datetime64[ns]")
            ),
        }
    )


def evaluate_triggered(
    store: Store,
    ref: int | str,
    inputs: TriggerInputs,
    actor: Actor,
    *,
    now: datetime | None = None,
) -> LaunchResult:
    """Evaluate one triggered campaign and enter the customers it fires for (module docstring).

    Raises
    ------
    ConfigError
        The campaign is not triggered, is completed, or its trigger needs a table the inputs
        lack.
    ConflictError
        Another evaluation entered some of the same customers meanwhile (nothing written; the
        next evaluation picks up whoever is still due).
    """
    import ibis
    import pandas as pd

    from loyalloop.services.cases import project_currency

    s = store.settings
    zone = s.timezone
    now = (now or utcnow()).replace(microsecond=0)
    local_now = _local_naive(now, zone)
    project = project_currency(store.analytics)
    with store.session() as session:
        c = get_campaign(session, ref)
        check_campaign_currency(c, project, "launch")
        bundle = _bundle_of(session, c)
        spec: CampaignSpec = bundle.spec
        if spec.trigger is None:
            raise ConfigError(f"campaign {c.name} has no trigger; launch it as a one-off")
        if c.status == CampaignStatus.completed.value:
            raise ConfigError(f"campaign {c.name} is completed; it enters nobody any more")
        links = profile_links(store.analytics.runs_dir)
        unsub, capped = _excluded(session, spec.channel, now, s.campaign_frequency_cap_days, links)
        last = _last_entries(session, c.id, zone)
        assigned_before = set(
            session.scalars(
                sa.select(CampaignAssignment.customer_id).where(
                    CampaignAssignment.campaign_id == c.id
                )
            )
        )
        version, campaign_pk, spent = c.current_version, c.id, float(c.expected_cost or 0.0)
        segment = None
        if spec.audience is not None:
            segment = spec.audience
        elif spec.segment is not None:
            from loyalloop.services.segments import saved_segments

            named = saved_segments(session)
            if spec.segment not in named:
                raise SpecError(f"no saved segment named {spec.segment!r}", path="segment")
            segment = named[spec.segment]
    trigger = spec.trigger
    view = inputs.view
    fired = evaluate_trigger(
        trigger,
        inputs.trigger_as_of or inputs.as_of,
        view=view,
        previous_view=inputs.previous_view,
        feedback=inputs.feedback,
        interactions=inputs.interactions,
        profile_map=inputs.profile_map,
    )
    if segment is not None:
        members = select_segment(segment, view, inputs.as_of).select(_mid="customer_id")
        fired = fired.semi_join(members, fired.customer_id == members._mid)
    n_fired = int(fired.select("customer_id").distinct().count().execute())
    hist = last.assign(campaign_id=spec.id) if len(last) else None
    due = apply_cooldown(
        fired,
        ibis.memtable(hist) if hist is not None else None,
        spec.id,
        spec.cooldown_days,
        local_now,
    )
    due_frame = due.select("customer_id", "trigger", "detail").execute()
    counts_extra: dict[str, Any] = {
        "triggered": n_fired,
        "cooldown": n_fired - len(due_frame),
        "unsubscribed": 0,
        "frequency_cap": 0,
    }
    out = due_frame["customer_id"].isin(unsub)
    counts_extra["unsubscribed"] = int(out.sum())
    capped_mask = ~out & due_frame["customer_id"].isin(capped)
    counts_extra["frequency_cap"] = int(capped_mask.sum())
    due_frame = due_frame.loc[~out & ~capped_mask].reset_index(drop=True)
    budget = None if spec.budget is None else max(0.0, spec.budget - spent)
    plan_spec = replace(spec, budget=budget)
    signer = campaign_signer(store)
    ids = ibis.memtable(due_frame[["customer_id"]].astype({"customer_id": object}))
    plan = plan_campaign(
        plan_spec,
        view,
        inputs.as_of,
        now=local_now,
        catalogue=settled_catalogue(bundle, project),
        policy=bundle.policy,
        templates=bundle.templates,
        signer=signer,
        audience=ids,
    )
    contacts = _contacts(view, plan, spec.channel)
    send_after = quiet_hours_end(now, zone, s.quiet_hours_start, s.quiet_hours_end)
    entry_no = dict(zip(last["customer_id"], last["entry"], strict=True)) if len(last) else {}
    why = due_frame.set_index("customer_id")
    frame = plan.assignments.merge(
        plan.treatments[["customer_id", "offer_id", "expected_cost"]], on="customer_id", how="left"
    )
    entries: list[dict[str, Any]] = []
    new_assignments: list[dict[str, Any]] = []
    # the design chance of each arm, logged with the row as a launch logs it
    chance = arm_propensities(spec, ProgrammeSpec())
    for row in frame.to_dict("records"):
        cid = str(row["customer_id"])
        n = int(entry_no.get(cid, 0)) + 1
        entries.append(
            {
                "campaign_id": campaign_pk,
                "customer_id": cid,
                "entry": n,
                "entered_at": now,
                "arm": row["arm"],
                "trigger": str(why.at[cid, "trigger"]),
                "detail": str(why.at[cid, "detail"] or "")[:300],
                "run_number": inputs.run,
            }
        )
        if cid not in assigned_before:
            offer = row["offer_id"]
            cost = row["expected_cost"]
            new_assignments.append(
                {
                    "campaign_id": campaign_pk,
                    "customer_id": cid,
                    "arm": row["arm"],
                    "assigned_at": _aware(row["assigned_at"], zone),
                    "version": version,
                    "offer_id": offer if isinstance(offer, str) else None,
                    "expected_cost": float(cost) if pd.notna(cost) else 0.0,
                    "propensity": chance.get(str(row["arm"])),
                    "synced_at": None,
                }
            )
    messages, failures = _outbox_rows(plan, spec, campaign_pk, contacts, send_after, now)
    for m in messages:
        m["idempotency_key"] = _entry_key(
            m["idempotency_key"], entry_no.get(m["customer_id"], 0) + 1
        )
    with store.session() as session:
        try:
            with session.begin():
                bulk_insert(session, CampaignEntry.__table__, entries)  # type: ignore[arg-type]
                bulk_insert(session, CampaignAssignment.__table__, new_assignments)  # type: ignore[arg-type]
                bulk_insert(session, OutboxMessage.__table__, messages)  # type: ignore[arg-type]
                c = get_campaign(session, campaign_pk)
                if c.status == CampaignStatus.draft.value:
                    c.status = CampaignStatus.launched.value
                c.launched_at = c.launched_at or now
                c.currency = c.currency or plan.currency or None
                ends = now + timedelta(days=spec.window_days)
                if (entries and (c.ends_at is None or c.ends_at < ends)) or c.ends_at is None:
                    c.ends_at = ends
                c.run_number = inputs.run if inputs.run is not None else c.run_number
                c.expected_cost = spent + plan.expected_cost
                c.updated_at = now
                counts = {
                    **plan.counts.to_dict(),
                    **counts_extra,
                    "re_entered": sum(1 for e in entries if e["entry"] > 1),
                }
                c.counts = counts
                record(
                    session,
                    actor,
                    "campaign.trigger",
                    f"campaign:{c.id}",
                    {
                        "run": inputs.run,
                        "trigger": trigger.kind.value,
                        "entered": len(entries),
                        "queued": len(messages),
                    },
                )
                name, key = c.name, c.campaign_key
        except sa.exc.IntegrityError as exc:
            raise ConflictError(
                f"campaign {spec.name}: another evaluation entered some of these customers at "
                "the same time; nothing was written (the next evaluation takes whoever is "
                "still due)"
            ) from exc
    queued = sum(1 for m in messages if m["status"] == OutboxStatus.pending.value)
    return LaunchResult(
        campaign=name,
        campaign_id=key,
        version=version,
        run=inputs.run,
        counts=counts,
        queued=queued,
        failed=len(messages) - queued,
        expected_cost=plan.expected_cost,
        budget=spec.budget,
        currency=plan.currency,
        failures=failures[:20],
    )


def triggered_campaigns(store: Store, kinds: set[TriggerKind] | None = None) -> list[str]:
    """Names of the active (launched) triggered campaigns, optionally of some trigger kinds."""
    from loyalloop.services.campaigns import parse_bundle
    from loyalloop.store.models import CampaignVersion

    out = []
    with store.session() as session:
        rows = session.execute(
            sa.select(Campaign.name, CampaignVersion.spec)
            .join(
                CampaignVersion,
                (CampaignVersion.campaign_id == Campaign.id)
                & (CampaignVersion.version == Campaign.current_version),
            )
            .where(Campaign.status == CampaignStatus.launched.value)
            .order_by(Campaign.id)
        ).all()
    for name, raw in rows:
        if not isinstance(raw, dict) or raw.get("trigger") is None:
            continue
        spec = parse_bundle(raw).spec
        assert spec.trigger is not None
        if kinds is None or spec.trigger.kind in kinds:
            out.append(name)
    return out


def _run_inputs(store: Store, wh: Any, run: int | None) -> TriggerInputs:
    from loyalloop.campaigns import audience_view, read_run_tables
    from loyalloop.core.runs import RunStore

    runs = RunStore(store.analytics.runs_dir)
    r = runs.get(run)
    customers = wh.table("customers") if wh.has_table("customers") else None
    tables = read_run_tables(wh.ibis, r.path)
    view = audience_view(tables, r.manifest.as_of, customers=customers)
    previous = None
    earlier = [n for n in runs.numbers() if n < r.number]
    if earlier:
        try:
            p = runs.get(earlier[-1])
            previous = audience_view(
                read_run_tables(wh.ibis, p.path), p.manifest.as_of, customers=customers
            )
        except LoyalloopError as exc:
            log.warning(
                "previous run %s not readable for churn_risk crossings: %s", earlier[-1], exc
            )
    return TriggerInputs(
        view=view,
        as_of=r.manifest.as_of,
        run=r.number,
        previous_view=previous,
        feedback=wh.table("feedback") if wh.has_table("feedback") else None,
        interactions=wh.table("interactions") if wh.has_table("interactions") else None,
        profile_map=tables.get("profile_map"),
    )


def _evaluate_all(
    store: Store,
    names: list[str],
    make_inputs: Any,
    actor: Actor,
    now: datetime | None,
    run: int | None,
) -> TriggeredRun:
    from loyalloop.core.warehouse import Warehouse

    results: list[LaunchResult] = []
    errors: list[tuple[str, str]] = []
    if not names:
        return TriggeredRun(run, ())
    with Warehouse(store.analytics, read_only=True) as wh:
        inputs = make_inputs(wh)
        for name in names:
            try:
                results.append(evaluate_triggered(store, name, inputs, actor, now=now))
            except LoyalloopError as exc:  # one campaign's failure does not stop the others
                log.warning("triggered campaign %s not evaluated: %s", name, exc)
                errors.append((name, str(exc)))
    return TriggeredRun(inputs.run, tuple(results), tuple(errors))


def triggers_after_run(
    store: Store, run: int | None = None, *, now: datetime | None = None
) -> TriggeredRun:
    """Evaluate every active triggered campaign on a published run (default: the latest)."""
    names = triggered_campaigns(store)
    return _evaluate_all(
        store, names, lambda wh: _run_inputs(store, wh, run), Actor("trigger"), now, run
    )


def triggers_on_feedback(
    store: Store,
    answers: pd.DataFrame,
    *,
    now: datetime | None = None,
) -> TriggeredRun:
    """Evaluate the active detractor-triggered campaigns on survey answers the service just
    recorded (``customer_id`` — the warehouse's, mapped to profiles through the latest run —,
    ``timestamp`` in the business time zone, ``score_type``, ``score``), on the latest run's
    audience view."""
    import ibis

    names = triggered_campaigns(store, {TriggerKind.detractor})
    frame = answers[["customer_id", "timestamp", "score_type", "score"]].copy()
    frame["customer_id"] = frame["customer_id"].astype(str)
    frame["score"] = frame["score"].astype(float)

    def make(wh: Any) -> TriggerInputs:
        base = _run_inputs(store, wh, None)
        fb = ibis.memtable(frame)
        fb = fb.mutate(timestamp=fb.timestamp.cast("timestamp"))
        today = _local_naive(now or utcnow(), store.settings.timezone).date()
        return replace(
            base, feedback=fb, interactions=None, previous_view=None, trigger_as_of=today
        )

    return _evaluate_all(store, names, make, Actor("trigger"), now, None)


def triggers_from_response(
    store: Store, response_id: int, *, now: datetime | None = None
) -> TriggeredRun | None:
    """Detractor triggers on one committed survey response (see :func:`triggers_from_responses`)."""
    return triggers_from_responses(store, [response_id], now=now)


def triggers_from_responses(
    store: Store, response_ids: Sequence[int], *, now: datetime | None = None
) -> TriggeredRun | None:
    """Detractor triggers on committed survey responses (their NPS answers); ``None`` when no
    detractor-triggered campaign is active or no response has a known customer and score."""
    import pandas as pd

    from loyalloop.services.cases import response_signals

    if not response_ids or not triggered_campaigns(store, {TriggerKind.detractor}):
        return None
    with store.session() as session:
        signals = [
            s for s in response_signals(session, list(response_ids)) if s.score_type == "nps"
        ]
        session.rollback()
    if not signals:
        return None
    zone = store.settings.timezone
    answers = pd.DataFrame(
        {
            "customer_id": [s.customer_id for s in signals],
            "timestamp": [_local_naive(s.at, zone) for s in signals],
            "score_type": "nps",
            "score": [s.score for s in signals],
        }
    )
    return triggers_on_feedback(store, answers, now=now)
