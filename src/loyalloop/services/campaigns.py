"""Campaigns on the service: create, launch (assignments + outbox in one transaction), status,
delivery events, and the export of assignments to the warehouse.

A campaign file is a campaign spec (:func:`loyalloop.campaigns.parse_campaign`) with three
more keys that the service keeps in the same version: ``templates`` (a template set,
:func:`loyalloop.campaigns.parse_templates`), ``offers`` (``card`` — the default —,
``retail`` or a catalogue) and ``policy`` (an offer policy; the catalogue's default one when
absent). ``create_campaign`` validates all of it and stores version 1 (or, for an existing
name, a new version).

``launch_campaign`` plans the campaign over a run's audience view
(:func:`loyalloop.campaigns.plan_campaign`: consent, holdout, global control, offers, budget,
messages) and writes, **in one transaction**, the new assignments (every arm, holdout and
global control) and one outbox row per treated customer (``failed`` with the reason when the
template failed for that customer; ``pending`` otherwise). Before the plan, customers who
unsubscribed (suppressions) or received a campaign message in the last
``campaign_frequency_cap_days`` are taken out of the audience (counted), so the holdout stays
comparable with the treated arms. A budget that would be exceeded stops the launch with
:class:`~loyalloop.errors.BudgetExceededError` (nothing is written) unless the spec says
``on_budget_exceeded: cap``. Launching again adds only customers not yet assigned (a one-off
campaign never re-assigns anyone; the outbox's idempotency keys are unique).

Store and warehouse: the store's ``campaign_assignments`` is written first (with the outbox,
atomically); the warehouse's ``assignments`` table — the record the analysis reads — receives
it through :func:`sync_campaigns` (``loyalloop sync``, also at the start of ``loyalloop
run``), exactly once: rows go through ingest (validation, quarantine, and rows already loaded
recognised by their key) and are then marked ``synced_at``; a sync killed between the two
loads nothing twice when it runs again. Sent messages and clicks go to ``interactions``
(kinds ``sent``, ``clicked``) the same way, so outcome attribution can count clicks.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import yaml
from sqlalchemy.orm import Session

from loyalloop.campaigns import (
    CampaignPlan,
    CampaignSpec,
    Channel,
    LinkClaims,
    LinkPurpose,
    OfferCatalogue,
    OfferPolicy,
    ProgrammeSpec,
    SegmentSpec,
    TemplateSet,
    arm_propensities,
    builtin_offers,
    parse_campaign,
    parse_catalogue,
    parse_policy,
    parse_templates,
    plan_campaign,
    select_segment,
)
from loyalloop.errors import (
    ConfigError,
    CurrencyMismatchError,
    NotFoundError,
    SignatureError,
    SpecError,
)
from loyalloop.services.audit import Actor, record
from loyalloop.services.bulk import bulk_insert
from loyalloop.services.consent import (
    change_consent,
    granted_on_channel,
    profile_links,
    suppressed_ids,
    withdrawn_by_unsubscribe,
)
from loyalloop.services.outbox import campaign_signer
from loyalloop.services.segments import Audience, saved_segments
from loyalloop.services.store import Store
from loyalloop.store.base import utcnow
from loyalloop.store.models import (
    Campaign,
    CampaignAssignment,
    CampaignStatus,
    CampaignVersion,
    DeliveryEvent,
    OutboxMessage,
    OutboxStatus,
)
from loyalloop.surveys.policy import quiet_hours_end

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

__all__ = [
    "CampaignBundle",
    "LaunchResult",
    "MessagePreview",
    "bundle_currency",
    "campaign_status",
    "check_campaign_currency",
    "check_launch_clock",
    "create_campaign",
    "get_campaign",
    "launch_campaign",
    "launch_from_run",
    "list_campaigns",
    "load_campaign_file",
    "parse_bundle",
    "parse_clock",
    "preview_link_target",
    "preview_messages",
    "record_bounce",
    "record_link",
    "set_status",
    "settled_catalogue",
    "simulate_outcomes",
    "stated_clock",
    "sync_campaigns",
]

log = logging.getLogger(__name__)

_SERVICE_KEYS = ("templates", "offers", "policy")
#: Rows per INSERT batch at launch, and per look-up query.
_CHUNK = 5000


@dataclass(frozen=True)
class CampaignBundle:
    """A validated campaign file: the spec and what its messages and offers need."""

    spec: CampaignSpec
    templates: TemplateSet | None
    catalogue: OfferCatalogue
    policy: OfferPolicy
    raw: Mapping[str, Any] = field(compare=False)


def parse_bundle(raw: Mapping[str, Any], currency: str | None = None) -> CampaignBundle:
    """Validate a campaign file's content (module docstring); errors name the field.
    ``currency``: the currency of the campaign (or, new, of the project), which picks the
    built-in ``card`` / ``retail`` catalogue and policy (:func:`~loyalloop.campaigns.
    builtin_offers`; ``None``: not known yet, CNY)."""
    if not isinstance(raw, Mapping):
        raise SpecError("a campaign file is a mapping (name, goal, channel, arms …)")
    spec = parse_campaign({k: v for k, v in raw.items() if k not in _SERVICE_KEYS})
    templates = None
    if raw.get("templates") is not None:
        try:
            templates = TemplateSet(parse_templates(raw["templates"]))
        except SpecError as exc:
            raise SpecError(f"templates: {exc}") from None
    offers = raw.get("offers", "card")
    default_policy: OfferPolicy | None
    if offers in ("card", "retail"):
        catalogue, default_policy = builtin_offers(offers, currency)
    else:
        catalogue = parse_catalogue(offers)
        default_policy = None
    if raw.get("policy") is not None:
        policy = parse_policy(raw["policy"])
    elif default_policy is not None:
        policy = default_policy
    else:
        policy = parse_policy([{"offer": catalogue.offers[0].id, "reason": "default"}])
    for i, rule in enumerate(policy.rules):
        catalogue.get(rule.offer, path=f"policy[{i}].offer")
    if spec.channel is not Channel.call:
        if templates is None:
            raise SpecError(f"a {spec.channel.value} campaign needs templates", path="templates")
        for i, arm in enumerate(spec.arms):
            if arm.template is None:
                raise SpecError(f"arm {arm.name!r} has no template", path=f"arms[{i}].template")
            try:
                t = templates.get(arm.template)
            except SpecError as exc:
                raise SpecError(exc.reason, path=f"arms[{i}].template") from None
            if t.channel != spec.channel.value:
                raise SpecError(
                    f"template {t.id!r} is for {t.channel}; the campaign sends "
                    f"{spec.channel.value}",
                    path=f"arms[{i}].template",
                )
    for i, arm in enumerate(spec.arms):
        if arm.offer not in (None, "policy"):
            catalogue.get(arm.offer, path=f"arms[{i}].offer")
    return CampaignBundle(spec, templates, catalogue, policy, dict(raw))


def load_campaign_file(path: Path | str) -> dict[str, Any]:
    """The content of a campaign YAML or JSON file (not yet validated)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
        raw = json.loads(text) if p.suffix.lower() == ".json" else yaml.safe_load(text)
    except FileNotFoundError:
        raise ConfigError(f"{p}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, yaml.YAMLError) as exc:
        raise SpecError(f"{p}: cannot read: {exc}") from None
    if not isinstance(raw, dict):
        raise SpecError(f"{p}: a campaign file is a mapping (name, goal, channel, arms …)")
    return raw


def get_campaign(session: Session, ref: int | str) -> Campaign:
    q = sa.select(Campaign)
    q = q.where(Campaign.id == ref) if isinstance(ref, int) else q.where(Campaign.name == ref)
    c = session.scalar(q)
    if c is None:
        names = session.scalars(sa.select(Campaign.name).order_by(Campaign.name)).all()
        raise NotFoundError(
            f"no campaign {ref!r}" + (f"; campaigns: {', '.join(names)}" if names else "")
        )
    return c


def _bundle_of(session: Session, c: Campaign) -> CampaignBundle:
    v = session.scalar(
        sa.select(CampaignVersion).where(
            CampaignVersion.campaign_id == c.id, CampaignVersion.version == c.current_version
        )
    )
    assert v is not None
    return parse_bundle(v.spec, c.currency)


def stated_clock(at: datetime | None) -> datetime | None:
    """A stated clock (``at`` of :func:`create_campaign` and :func:`launch_campaign`): timezone-
    aware, to the second; ``None`` stays ``None`` (now).

    >>> from datetime import timezone
    >>> stated_clock(datetime(2026, 7, 1, 9, 0, 0, 5, tzinfo=timezone.utc)).isoformat()
    '2026-07-01T09:00:00+00:00'
    """
    if at is None:
        return None
    if at.tzinfo is None or at.utcoffset() is None:
        raise ConfigError(
            f"the time {at.isoformat()} has no timezone: give its offset (e.g. "
            f"{at.isoformat()}+08:00) so it names one moment"
        )
    return at.replace(microsecond=0)


def parse_clock(text: str, zone: str, *, what: str = "--at") -> datetime:
    """A stated clock from ISO 8601 text: ``2026-07-01T09:00+08:00`` (``Z`` for UTC); without
    an offset, a time on the project's clock (``zone``, the service's timezone).

    >>> parse_clock("2026-07-01 09:00", "Asia/Shanghai").isoformat()
    '2026-07-01T09:00:00+08:00'
    >>> parse_clock("2026-07-01T01:00Z", "Asia/Shanghai").isoformat()
    '2026-07-01T01:00:00+00:00'
    """
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(
            f"{what}: {text!r} is not a date and time (ISO 8601, e.g. 2026-07-01T09:00+08:00, "
            f"or 2026-07-01 09:00 on the project's clock, {zone})"
        ) from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=ZoneInfo(zone))
    return at.replace(microsecond=0)


def check_launch_clock(c: Campaign, at: datetime) -> None:
    """Refuse a launch (or trigger evaluation) clock ``at`` before the campaign's creation:
    the one check the library, the CLI's ``--at``, the API and the demo share."""
    created = c.created_at.replace(microsecond=0)
    if at < created:
        raise ConfigError(
            f"campaign {c.name} cannot be launched at {at.isoformat()}: it was created at "
            f"{created.isoformat()}; a launch is never before its campaign's creation (create "
            "it with that clock too: `loyalloop campaigns create FILE --at …`)"
        )


def bundle_currency(bundle: CampaignBundle, project: str | None) -> str | None:
    """The currency a campaign's money is in: its offer catalogue's when an arm gives an offer
    and the catalogue names one, else the project's ``project`` (``None``: not known)."""
    offers = any(arm.offer is not None for arm in bundle.spec.arms)
    return (bundle.catalogue.currency if offers else None) or project


def check_campaign_currency(c: Campaign, project: str | None, doing: str) -> None:
    """Refuse ``doing`` (``launch``, ``record costs for`` …) on a campaign whose money is in
    another currency than the project's current one (:class:`CurrencyMismatchError`): its
    budget, costs and ROI would otherwise be added to or compared with amounts in another
    currency. A campaign or project whose currency is not known yet passes."""
    if c.currency is None or project is None or c.currency == project:
        return
    raise CurrencyMismatchError(
        f"cannot {doing} campaign {c.name}: its budget and costs are in {c.currency} but the "
        f"project's amounts are now in {project} (the latest run's; run setting `currency`); "
        f"nothing is converted: create a new campaign in {project}, or run over data in "
        f"{c.currency} again",
        reason="campaign",
        expected=project,
        found=c.currency,
    )


def create_campaign(
    session: Session,
    raw: Mapping[str, Any],
    actor: Actor,
    *,
    now: datetime | None = None,
    project: str | None = None,
) -> tuple[Campaign, bool]:
    """Store a validated campaign (new, or a new version of an existing name). Returns the
    campaign and whether it is new. A launched campaign keeps its arms, salt and id: a new
    version may change messages, offers and budget, not who is in which arm, nor the
    currency its money is in.

    ``project``: the project's currency (:func:`loyalloop.services.cases.project_currency`);
    the built-in catalogues are taken in it, a catalogue in another currency is refused
    (:func:`settled_catalogue`), and the campaign records the settled currency as its
    ``currency``.

    ``now``: the clock the campaign is created on (default: the current time; timezone-aware,
    e.g. a back-dated demo's), recorded as its creation time; the audit event keeps the real
    time it was recorded at and the stated clock in its detail."""
    bundle = parse_bundle(raw, project)
    stated = stated_clock(now)
    spec = bundle.spec
    if spec.segment is not None:
        names = saved_segments(session)
        if spec.segment not in names:
            known = ", ".join(sorted(names)) or "none yet"
            raise SpecError(
                f"no saved segment named {spec.segment!r} (saved: {known})", path="segment"
            )
    now = stated or utcnow()
    currency = settled_catalogue(bundle, project).currency
    c = session.scalar(sa.select(Campaign).where(Campaign.name == spec.name))
    new = c is None
    if c is None:
        taken = session.scalar(sa.select(Campaign.id).where(Campaign.campaign_key == spec.id))
        if taken is not None:
            raise ConfigError(f"campaign_id {spec.id!r} is already used by another campaign")
        c = Campaign(
            name=spec.name,
            campaign_key=spec.id,
            goal=spec.goal.value,
            channel=spec.channel.value,
            created_by=actor.name,
            created_at=now,
            updated_at=now,
            current_version=1,
            currency=currency,
        )
        session.add(c)
        session.flush()
    else:
        if c.status != CampaignStatus.draft.value:
            old = _bundle_of(session, c).spec
            changed = [
                k
                for k in ("campaign_id", "channel", "arms", "holdout_share", "salt")
                if (getattr(old, k) if k != "campaign_id" else old.id)
                != (getattr(spec, k) if k != "campaign_id" else spec.id)
            ]
            if changed:
                raise SpecError(
                    f"campaign {spec.name} is {c.status}: {', '.join(changed)} cannot change "
                    "(assignments already made); create a campaign with a new name",
                    path=changed[0],
                )
            if c.currency is not None and currency is not None and currency != c.currency:
                raise SpecError(
                    f"campaign {spec.name} is {c.status} with its money in {c.currency}: a new "
                    f"version cannot be in {currency}; create a campaign with a new name",
                    path="offers",
                )
        if c.status == CampaignStatus.draft.value or c.currency is None:
            c.currency = currency
        c.current_version += 1
        c.goal = spec.goal.value
        c.updated_at = now
    session.add(
        CampaignVersion(
            campaign_id=c.id,
            version=c.current_version,
            spec=json.loads(json.dumps(bundle.raw, default=str)),
            created_by=actor.name,
            created_at=now,
        )
    )
    detail: dict[str, Any] = {"name": spec.name, "version": c.current_version}
    if stated is not None:
        detail["at"] = stated.isoformat()
    record(
        session,
        actor,
        "campaign.create" if new else "campaign.edit",
        f"campaign:{c.id}",
        detail,
    )
    session.commit()
    return c, new


def list_campaigns(session: Session) -> Sequence[Campaign]:
    return session.scalars(sa.select(Campaign).order_by(Campaign.id)).all()


def set_status(session: Session, ref: int | str, status: CampaignStatus, actor: Actor) -> Campaign:
    """Pause, resume (``launched``) or complete a launched campaign. A paused campaign's
    messages stay in the outbox; the worker takes none of them until it is resumed."""
    c = get_campaign(session, ref)
    allowed = {
        CampaignStatus.paused: {CampaignStatus.launched},
        CampaignStatus.launched: {CampaignStatus.paused},
        CampaignStatus.completed: {CampaignStatus.launched, CampaignStatus.paused},
    }
    if CampaignStatus(c.status) not in allowed.get(status, set()):
        raise ConfigError(f"campaign {c.name} is {c.status}; it cannot become {status.value}")
    c.status = status.value
    c.updated_at = utcnow()
    record(session, actor, f"campaign.{status.value}", f"campaign:{c.id}", {})
    session.commit()
    return c


@dataclass(frozen=True)
class LaunchResult:
    campaign: str
    campaign_id: str
    version: int
    run: int | None
    counts: dict[str, Any]
    queued: int
    failed: int
    expected_cost: float
    budget: float | None
    currency: str
    failures: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _local_naive(at: datetime, zone: str) -> datetime:
    return at.astimezone(ZoneInfo(zone)).replace(tzinfo=None, microsecond=0)


def _aware(local: Any, zone: str) -> datetime:
    value = local.to_pydatetime() if hasattr(local, "to_pydatetime") else local
    return value.replace(tzinfo=ZoneInfo(zone))


def _excluded(
    session: Session, channel: Channel, now: datetime, cap_days: int, links: Mapping[str, str]
) -> tuple[set[str], set[str]]:
    """Customers unsubscribed from this channel (or all) — as their own ids and as their
    profiles' (``links``: a withdrawal on any record of a profile counts) — and customers who
    received a campaign message within the frequency cap."""
    channels = ["all", channel.value] if channel is not Channel.call else ["all", "phone"]
    unsub = set(suppressed_ids(session, channels, links))
    capped: set[str] = set()
    if cap_days > 0 and channel is not Channel.call:
        capped = set(
            session.scalars(
                sa.select(OutboxMessage.customer_id)
                .where(
                    OutboxMessage.status == OutboxStatus.sent.value,
                    OutboxMessage.sent_at >= now - timedelta(days=cap_days),
                )
                .distinct()
            )
        )
    return unsub, capped - unsub


def _existing(session: Session, c: Campaign, zone: str) -> pd.DataFrame:
    import pandas as pd

    rows = session.execute(
        sa.select(
            CampaignAssignment.customer_id, CampaignAssignment.arm, CampaignAssignment.assigned_at
        ).where(CampaignAssignment.campaign_id == c.id)
    ).all()
    return pd.DataFrame(
        {
            "customer_id": pd.Series([r[0] for r in rows], dtype=object),
            "campaign_id": c.campaign_key,
            "arm": pd.Series([r[1] for r in rows], dtype=object),
            "assigned_at": pd.to_datetime(
                pd.Series([_local_naive(r[2], zone) for r in rows], dtype="datetime64[ns]")
            ),
        }
    )


def _call_key(campaign_id: str, customer_id: str) -> str:
    return hashlib.sha256(f"{campaign_id}\x1f{customer_id}\x1fcall".encode()).hexdigest()[:32]


def launch_campaign(
    store: Store,
    ref: int | str,
    view: ir.Table,
    as_of: date,
    actor: Actor,
    *,
    run: int | None = None,
    now: datetime | None = None,
    recommendations: ir.Table | None = None,
) -> LaunchResult:
    """Launch (or extend) a campaign over an audience view (module docstring). ``now``: the
    clock it is launched on (default: the current time; timezone-aware): the assignments'
    time, the messages' earliest send time and the delivery events follow it; a clock before
    the campaign's creation is refused. A campaign whose money is in another currency than the
    project's is refused (:func:`check_campaign_currency`); one whose currency was not known
    yet takes the project's."""
    import ibis
    import pandas as pd

    from loyalloop.services.cases import project_currency

    s = store.settings
    zone = s.timezone
    stated = stated_clock(now)
    now = stated or utcnow().replace(microsecond=0)
    local_now = _local_naive(now, zone)
    project = project_currency(store.analytics)
    with store.session() as session:
        c = get_campaign(session, ref)
        if c.status == CampaignStatus.completed.value:
            raise ConfigError(f"campaign {c.name} is completed; it cannot be launched again")
        if stated is not None:
            check_launch_clock(c, stated)
        check_campaign_currency(c, project, "launch")
        bundle = _bundle_of(session, c)
        spec = bundle.spec
        triggered = spec.trigger is not None
        if not triggered:
            links = profile_links(store.analytics.runs_dir)
            unsub, capped = _excluded(
                session, spec.channel, now, s.campaign_frequency_cap_days, links
            )
            existing = _existing(session, c, zone)
            segments = saved_segments(session)
        version = c.current_version
        campaign_pk = c.id
        granted = granted_on_channel(session, _consent_channel(spec.channel))
    view = _with_grants(view, spec.channel, granted)
    if triggered:  # activate it and evaluate the trigger now (services/campaign_triggers.py)
        from loyalloop.services.campaign_triggers import TriggerInputs, evaluate_triggered

        inputs = TriggerInputs(view=view, as_of=as_of, run=run)
        return evaluate_triggered(store, campaign_pk, inputs, actor, now=now)

    counts_extra = {"unsubscribed": 0, "frequency_cap": 0}
    if unsub or capped:
        members = select_segment(_audience_spec(spec, segments), view, as_of).select("customer_id")
        out_ids = pd.DataFrame(
            {
                "_xid": list(unsub) + list(capped),
                "_why": ["unsubscribed"] * len(unsub) + ["frequency_cap"] * len(capped),
            }
        )
        out_t = ibis.memtable(out_ids)
        hit = members.join(out_t, members.customer_id == out_t._xid)
        for why, n in (
            hit.group_by("_why").aggregate(n=hit.count()).execute().itertuples(index=False)
        ):
            counts_extra[str(why)] = int(n)
        keep = view.anti_join(out_t, view.customer_id == out_t._xid)
        view = keep
    signer = campaign_signer(store)
    plan = plan_campaign(
        spec,
        view,
        as_of,
        now=local_now,
        catalogue=settled_catalogue(bundle, project),
        policy=bundle.policy,
        templates=bundle.templates,
        signer=signer,
        existing=existing if len(existing) else None,
        segments=segments,
        recommendations=recommendations,
    )
    contacts = _contacts(view, plan, spec.channel)
    send_after = quiet_hours_end(now, zone, s.quiet_hours_start, s.quiet_hours_end)
    frame = plan.assignments.merge(
        plan.treatments[["customer_id", "offer_id", "expected_cost"]], on="customer_id", how="left"
    )
    frame["offer_id"] = frame["offer_id"].astype(object).where(frame["offer_id"].notna(), None)
    frame["expected_cost"] = frame["expected_cost"].fillna(0.0).astype(float)
    # the design chance of each row's arm: logged with the row, for inverse-propensity weights
    if "propensity" not in frame.columns:
        frame["propensity"] = frame["arm"].map(arm_propensities(spec, ProgrammeSpec()))
    frame["propensity"] = frame["propensity"].astype(float)
    frame["assigned_at"] = [_aware(t, zone) for t in frame["assigned_at"]]
    frame["campaign_id"] = campaign_pk
    frame["version"] = version
    assignments: list[dict[str, Any]] = [
        {str(k): v for k, v in row.items()}
        for row in frame[
            [
                "campaign_id",
                "customer_id",
                "arm",
                "assigned_at",
                "version",
                "offer_id",
                "expected_cost",
                "propensity",
            ]
        ].to_dict("records")
    ]
    messages, failures = _outbox_rows(plan, spec, campaign_pk, contacts, send_after, now)
    with store.session() as session, session.begin():
        bulk_insert(session, CampaignAssignment.__table__, assignments)  # type: ignore[arg-type]
        bulk_insert(session, OutboxMessage.__table__, messages)  # type: ignore[arg-type]
        c = get_campaign(session, campaign_pk)
        first = c.launched_at is None
        c.status = CampaignStatus.launched.value if c.status == "draft" else c.status
        c.launched_at = c.launched_at or now
        c.ends_at = (
            _aware(plan.campaign["end_at"], zone) if first or c.ends_at is None else c.ends_at
        )
        c.run_number = run
        c.expected_cost = float(c.expected_cost or 0.0) + plan.expected_cost
        c.currency = c.currency or plan.currency or None
        c.updated_at = now
        counts = {**plan.counts.to_dict(), **counts_extra}
        c.counts = counts
        record(
            session,
            actor,
            "campaign.launch",
            f"campaign:{c.id}",
            {
                "run": run,
                "version": version,
                "assigned": len(assignments),
                "queued": len(messages),
                **({"at": stated.isoformat()} if stated is not None else {}),
            },
        )
        name, key = c.name, c.campaign_key
    queued = sum(1 for m in messages if m["status"] == OutboxStatus.pending.value)
    return LaunchResult(
        campaign=name,
        campaign_id=key,
        version=version,
        run=run,
        counts=counts,
        queued=queued,
        failed=len(messages) - queued,
        expected_cost=plan.expected_cost,
        budget=plan.budget,
        currency=plan.currency,
        failures=failures[:20],
    )


def _audience_spec(spec: CampaignSpec, segments: Mapping[str, SegmentSpec]) -> SegmentSpec:
    """The campaign's audience: its own segment, or the saved one it names."""
    if spec.audience is not None:
        return spec.audience
    if spec.segment is None or spec.segment not in segments:
        raise SpecError(f"no saved segment named {spec.segment!r}", path="segment")
    return segments[spec.segment]


def _contacts(view: ir.Table, plan: CampaignPlan, channel: Channel) -> dict[str, str]:
    import ibis

    if plan.treatments.empty:
        return {}
    col = "email" if channel is Channel.email else "phone"
    ids = ibis.memtable(plan.treatments[["customer_id"]].rename(columns={"customer_id": "_tid"}))
    j = view.join(ids, view.customer_id == ids._tid).select("customer_id", col)
    frame = j.execute()
    return dict(
        zip(frame["customer_id"].astype(str), frame[col].fillna("").astype(str), strict=True)
    )


def _outbox_rows(
    plan: CampaignPlan,
    spec: CampaignSpec,
    campaign_pk: int,
    contacts: Mapping[str, str],
    send_after: datetime,
    now: datetime,
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    rows: list[dict[str, Any]] = []
    failures: list[dict[str, str]] = []
    base = {"campaign_id": campaign_pk, "created_at": now, "next_attempt_at": send_after}
    if spec.channel is Channel.call:
        for t in plan.treatments.to_dict("records"):
            payload = {
                "arm": t["arm"],
                "offer_id": t["offer_id"] if isinstance(t["offer_id"], str) else None,
                "value_at_stake": round(float(t["value_at_stake"]), 2),
                "explanation_en": t["explanation_en"],
                "explanation_zh": t["explanation_zh"],
            }
            rows.append(
                {
                    **base,
                    "customer_id": t["customer_id"],
                    "channel": "webhook",
                    "idempotency_key": _call_key(spec.id, t["customer_id"]),
                    "contact": contacts.get(t["customer_id"], ""),
                    "language": spec.default_language,
                    "subject": "",
                    "body": json.dumps(payload, ensure_ascii=False),
                    "status": OutboxStatus.pending.value,
                    "last_error": "",
                }
            )
        return rows, failures
    for m in plan.messages.to_dict("records"):
        ok = m["status"] == "rendered"
        if not ok:
            failures.append({"customer_id": m["customer_id"], "error": m["error"]})
        rows.append(
            {
                **base,
                "customer_id": m["customer_id"],
                "channel": m["channel"],
                "idempotency_key": m["idempotency_key"],
                "contact": contacts.get(m["customer_id"], ""),
                "language": m["language"],
                "subject": (m["subject"] or "")[:300],
                "body": m["body"] or "",
                "status": OutboxStatus.pending.value if ok else OutboxStatus.failed.value,
                "last_error": "" if ok else f"template: {m['error']}"[:500],
            }
        )
    return rows, failures


def launch_from_run(
    store: Store,
    ref: int | str,
    actor: Actor,
    *,
    run: int | None = None,
    now: datetime | None = None,
) -> LaunchResult:
    """Launch over the audience view of a published run (default: the latest), on the clock
    ``now`` (:func:`launch_campaign`; timezone-aware, never before the campaign's creation:
    :func:`check_launch_clock`, in :func:`launch_campaign`, and here for a triggered campaign,
    whose later evaluations run on their own clocks)."""
    from loyalloop.services.segments import open_audience

    stated = stated_clock(now)
    with store.session() as session:
        c = get_campaign(session, ref)
        triggered = _bundle_of(session, c).spec.trigger is not None
        if triggered and stated is not None:  # launch_campaign checks the one-off path
            check_launch_clock(c, stated)
    if triggered:  # the trigger reads the previous run, feedback and interactions too
        from loyalloop.core.warehouse import Warehouse
        from loyalloop.services.campaign_triggers import _run_inputs, evaluate_triggered

        with Warehouse(store.analytics, read_only=True) as wh:
            inputs = _run_inputs(store, wh, run)
            return evaluate_triggered(store, ref, inputs, actor, now=now)
    with open_audience(store, run) as a:
        return launch_campaign(store, ref, a.view, a.as_of, actor, run=a.run, now=now)


@dataclass(frozen=True)
class MessagePreview:
    """One arm's message for one real customer, in one language, as it would be sent."""

    customer_id: str
    arm: str
    template_id: str
    language: str
    offer_id: str | None
    status: str
    subject: str
    body: str
    error: str
    sms_segments: int | None
    sms_encoding: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def preview_messages(
    store: Store,
    ref: int | str,
    audience: Audience,
    *,
    customers: Sequence[str] = (),
    n: int = 3,
    languages: Sequence[str] = ("zh", "en"),
    mask_pii: bool = True,
) -> list[MessagePreview]:
    """Render every arm's template for real customers of the campaign's audience, in each of
    ``languages``, with the offer the arm would give them (the policy's choice for
    ``offer: policy`` arms) and links and an unsubscribe footer of the sent message's shape
    and length — so the SMS part count is the real one. The links are *preview* links
    (:meth:`~loyalloop.campaigns.LinkSigner.preview`): following one records no click and
    unsubscribes nobody. Customers: ``customers`` (those of them in the eligible audience),
    else the ``n`` with the highest CLV. Nothing is assigned or queued. With ``mask_pii`` the
    customer's name is masked before rendering (same length, so the count stays true).
    """
    import ibis

    from loyalloop.campaigns import choose_offers
    from loyalloop.campaigns.messages import MESSAGE_FIELDS
    from loyalloop.services.pii import mask_name

    with store.session() as session:
        c = get_campaign(session, ref)
        bundle = _bundle_of(session, c)
        segments = saved_segments(session)
    spec = bundle.spec
    if spec.channel is Channel.call or bundle.templates is None:
        return []
    bad = [lang for lang in languages if lang not in ("zh", "en")]
    if bad:
        raise ConfigError(f"languages are zh and en, got {bad[0]!r}")
    view, as_of = audience.view, audience.as_of
    members = select_segment(_audience_spec(spec, segments), view, as_of)
    eligible = members.filter(
        members[spec.channel.consent_field] & members[spec.channel.contact_field]
    )
    if customers:
        eligible = eligible.filter(eligible.customer_id.isin([str(x) for x in customers]))
    order = [ibis.desc("clv"), "customer_id"] if "clv" in view.columns else ["customer_id"]
    some = eligible.order_by(order).limit(max(1, min(n, 20)))
    if any(a.offer == "policy" for a in spec.arms):
        some = choose_offers(some, bundle.policy, bundle.catalogue, as_of)
    rows = some.execute().to_dict("records")
    offers = {o.id: o for o in bundle.catalogue.offers}
    signer = campaign_signer(store).preview()  # links that cannot act
    out: list[MessagePreview] = []
    for row in rows:
        cid = str(row["customer_id"])
        customer = {k: _value(row.get(k)) for k in MESSAGE_FIELDS if k in row}
        if mask_pii and isinstance(customer.get("name"), str):
            customer["name"] = mask_name(customer["name"])
        for arm in spec.arms:
            if arm.template is None:
                continue
            oid = row.get("offer_id") if arm.offer == "policy" else arm.offer
            oid = oid if isinstance(oid, str) else None
            for lang in languages:
                offer = offers.get(oid) if oid else None
                offer_ctx = offer.message_context(lang) if offer else None
                m = bundle.templates.render(
                    arm.template,
                    lang,
                    customer=customer,
                    campaign_id=spec.id,
                    offer=offer_ctx,
                    signer=signer,
                )
                out.append(
                    MessagePreview(
                        customer_id=cid,
                        arm=arm.name,
                        template_id=arm.template,
                        language=m.language,
                        offer_id=oid,
                        status=m.status.value,
                        subject=m.subject or "",
                        body=m.body or "",
                        error=m.error or "",
                        sms_segments=m.sms_segments,
                        sms_encoding=m.sms_encoding,
                    )
                )
    return out


def _value(v: Any) -> Any:
    try:
        import pandas as pd

        return None if pd.isna(v) else v
    except (TypeError, ValueError):
        return v


def settled_catalogue(bundle: CampaignBundle, project: str | None) -> OfferCatalogue:
    """The campaign's offer catalogue in the project's currency ``project`` (the latest run's,
    :func:`loyalloop.services.cases.project_currency`;
    :meth:`~loyalloop.campaigns.OfferCatalogue.in_currency`: a catalogue in another currency
    is refused, never converted). A campaign none of whose arms gives an offer uses no unit
    cost: its catalogue (the built-in one by default) does not decide its currency then."""
    catalogue = bundle.catalogue
    if all(arm.offer is None for arm in bundle.spec.arms):
        catalogue = replace(catalogue, currency=None)
    return catalogue.in_currency(project)


def campaign_status(
    session: Session, ref: int | str, *, project: str | None = None
) -> dict[str, Any]:
    """A campaign's state: spec summary, assignments by arm, outbox by status, events.
    ``currency`` is the one its costs and budget are in: the one it recorded (``campaigns.
    currency``), else :func:`bundle_currency` with the project's ``project``
    (:func:`loyalloop.services.cases.project_currency`; ``None``: not known)."""
    c = get_campaign(session, ref)
    currency = c.currency or bundle_currency(_bundle_of(session, c), project)
    arms = dict(
        session.execute(
            sa.select(CampaignAssignment.arm, sa.func.count())
            .where(CampaignAssignment.campaign_id == c.id)
            .group_by(CampaignAssignment.arm)
        ).all()
    )
    outbox = dict(
        session.execute(
            sa.select(OutboxMessage.status, sa.func.count())
            .where(OutboxMessage.campaign_id == c.id)
            .group_by(OutboxMessage.status)
        ).all()
    )
    events = dict(
        session.execute(
            sa.select(DeliveryEvent.kind, sa.func.count())
            .where(DeliveryEvent.campaign_id == c.id)
            .group_by(DeliveryEvent.kind)
        ).all()
    )
    reasons = dict(
        session.execute(
            sa.select(OutboxMessage.last_error, sa.func.count())
            .where(
                OutboxMessage.campaign_id == c.id,
                OutboxMessage.status.in_(
                    [OutboxStatus.failed.value, OutboxStatus.dead.value, OutboxStatus.skipped.value]
                ),
            )
            .group_by(OutboxMessage.last_error)
            .order_by(sa.func.count().desc())
            .limit(10)
        ).all()
    )
    return {
        "name": c.name,
        "campaign_id": c.campaign_key,
        "goal": c.goal,
        "channel": c.channel,
        "status": c.status,
        "version": c.current_version,
        "run": c.run_number,
        "launched_at": c.launched_at.isoformat() if c.launched_at else None,
        "ends_at": c.ends_at.isoformat() if c.ends_at else None,
        "expected_cost": round(float(c.expected_cost or 0.0), 2),
        "currency": currency,
        "launch_counts": c.counts or {},
        "assignments": {str(k): int(v) for k, v in arms.items()},
        "outbox": {st.value: int(outbox.get(st.value, 0)) for st in OutboxStatus},
        "events": {str(k): int(v) for k, v in events.items()},
        "problems": {str(k): int(v) for k, v in reasons.items()},
    }


def record_bounce(
    session: Session,
    idempotency_key: str,
    *,
    hard: bool,
    detail: str = "",
    now: datetime | None = None,
) -> bool:
    """Record a bounce reported by the mail server for a message (by its key), at ``now``
    (default: the wall clock; a simulation passes its own, as the worker's ``clock``). A hard
    bounce suppresses e-mail to that customer. Returns whether the message was known."""
    m = session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.idempotency_key == idempotency_key)
    )
    if m is None:
        return False
    session.add(
        DeliveryEvent(
            message_id=m.id,
            campaign_id=m.campaign_id,
            customer_id=m.customer_id,
            kind="bounced",
            at=now or utcnow(),
            detail={"hard": hard, "detail": detail[:300]},
        )
    )
    if hard:
        change_consent(
            session, m.customer_id, "email", False, "bounce", Actor("mail server"), at=now
        )
    session.commit()
    return True


def _consent_channel(channel: Channel) -> str:
    """The consent channel of a campaign channel (a call needs consent to phone)."""
    return "phone" if channel is Channel.call else channel.value


def _with_grants(view: ir.Table, channel: Channel, granted: set[str]) -> ir.Table:
    """The audience view with the store's newer consent grants applied to the channel's consent
    column (the run's profiles only know the imported consent; withdrawals are suppressions,
    removed by :func:`_excluded`)."""
    if not granted:
        return view
    import ibis

    field = channel.consent_field
    if field not in view.columns:
        return view
    return view.mutate(
        **{field: ibis.ifelse(view.customer_id.isin(sorted(granted)), True, view[field])}
    )


def record_link(
    store: Store, session: Session, token: str, *, now: datetime | None = None
) -> tuple[str, str | None]:
    """A customer followed a campaign link: a click (returns ``("clicked", target URL)``) or
    an unsubscribe (``("unsubscribed", None)``, effective at once), recorded at ``now``
    (default: the wall clock; a simulation passes its own, as the worker's ``clock``). Forged
    or altered tokens raise :class:`~loyalloop.errors.SignatureError`; links of a message
    preview :class:`~loyalloop.campaigns.PreviewLinkError` (nothing is recorded)."""
    claims = campaign_signer(store).verify(token)
    c = session.scalar(sa.select(Campaign).where(Campaign.campaign_key == claims.campaign_id))
    if c is None:
        raise SignatureError("unknown campaign")
    if claims.purpose is LinkPurpose.unsubscribe:
        channel = withdrawn_by_unsubscribe(claims.key)  # the message's channel
        change_consent(
            session,
            claims.customer_id,
            channel,
            False,
            f"campaign:{c.campaign_key}",
            Actor("customer"),
            at=now,
        )
        kind, target = "unsubscribed", None
    else:
        target = _link_target(session, c, claims.key)
        kind = "clicked"
    session.add(
        DeliveryEvent(
            campaign_id=c.id,
            customer_id=claims.customer_id,
            kind=kind,
            at=now or utcnow(),
            detail={"key": claims.key},
        )
    )
    session.commit()
    return kind, target


def _link_target(session: Session, c: Campaign, key: str) -> str:
    """The URL of link ``key`` in the campaign's templates (never taken from the request)."""
    bundle = _bundle_of(session, c)
    if bundle.templates is not None:
        for t in bundle.templates.templates.values():
            if key in t.links:
                return t.links[key]
    raise NotFoundError(f"campaign {c.name} has no link {key!r}")


def preview_link_target(session: Session, claims: LinkClaims) -> str | None:
    """Where a *preview* link (:class:`~loyalloop.campaigns.PreviewLinkError`'s claims) would
    lead in a sent message: the click's URL, ``None`` for an unsubscribe link. Records
    nothing and changes no consent."""
    c = session.scalar(sa.select(Campaign).where(Campaign.campaign_key == claims.campaign_id))
    if c is None:
        raise SignatureError("unknown campaign")
    if claims.purpose is LinkPurpose.unsubscribe:
        return None
    return _link_target(session, c, claims.key)


@dataclass(frozen=True)
class CampaignSyncResult:
    campaigns: int
    assignments: dict[str, int]
    interactions: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def sync_campaigns(store: Store, *, batch: int = 100_000) -> CampaignSyncResult:
    """Export campaigns, new assignments and delivery events to the warehouse, exactly once
    (module docstring)."""
    from loyalloop.data.ingest import ingest
    from loyalloop.data.schema import open_warehouse
    from loyalloop.services.sync import SYNC_DIR, _add, _counts, _write

    zone = store.settings.timezone
    directory = store.analytics.home / SYNC_DIR
    directory.mkdir(parents=True, exist_ok=True)
    a_counts = _counts(None)
    i_counts = _counts(None)
    with store.session() as session:
        launched = session.scalars(
            sa.select(Campaign).where(Campaign.launched_at.is_not(None)).order_by(Campaign.id)
        ).all()
    if not launched:
        return CampaignSyncResult(0, a_counts, i_counts)
    keys = {c.id: c.campaign_key for c in launched}

    def ts(at: datetime | None) -> str | None:
        return _local_naive(at, zone).isoformat(sep=" ") if at else None

    with open_warehouse(store.analytics) as wh:
        rows = [
            {
                "campaign_id": c.campaign_key,
                "name": c.name,
                "channel": c.channel,
                "start_at": ts(c.launched_at),
                "end_at": ts(c.ends_at),
                "currency": c.currency,
            }
            for c in launched
        ]
        ingest(wh, "campaigns", [_write(directory, "campaigns", rows)])
        while True:
            with store.session() as session:
                got = session.execute(
                    sa.select(
                        CampaignAssignment.id,
                        CampaignAssignment.campaign_id,
                        CampaignAssignment.customer_id,
                        CampaignAssignment.arm,
                        CampaignAssignment.assigned_at,
                        CampaignAssignment.propensity,
                    )
                    .where(CampaignAssignment.synced_at.is_(None))
                    .order_by(CampaignAssignment.id)
                    .limit(batch)
                ).all()
            if not got:
                break
            data = [
                {
                    "customer_id": cid,
                    "campaign_id": keys[camp],
                    "arm": arm,
                    "assigned_at": ts(at),
                    "propensity": p,  # None (empty) on rows written before migration 0009
                }
                for _id, camp, cid, arm, at, p in got
            ]
            result = ingest(wh, "assignments", [_write(directory, "assignments", data)])
            a_counts.update(_add(a_counts, _counts(result)))
            with store.session() as session, session.begin():
                ids = [g[0] for g in got]
                now = utcnow()
                for start in range(0, len(ids), _CHUNK):
                    session.execute(
                        sa.update(CampaignAssignment)
                        .where(CampaignAssignment.id.in_(ids[start : start + _CHUNK]))
                        .values(synced_at=now)
                    )
        while True:
            with store.session() as session:
                ev = session.execute(
                    sa.select(
                        DeliveryEvent.id,
                        DeliveryEvent.campaign_id,
                        DeliveryEvent.customer_id,
                        DeliveryEvent.kind,
                        DeliveryEvent.at,
                        OutboxMessage.channel,
                    )
                    .outerjoin(OutboxMessage, OutboxMessage.id == DeliveryEvent.message_id)
                    .where(
                        DeliveryEvent.synced_at.is_(None),
                        DeliveryEvent.kind.in_(["sent", "clicked"]),
                    )
                    .order_by(DeliveryEvent.id)
                    .limit(batch)
                ).all()
            if not ev:
                break
            data = [
                {
                    "customer_id": cid,
                    "timestamp": ts(at),
                    "channel": ch or "link",
                    "kind": kind,
                    "campaign_id": keys.get(camp or -1, ""),
                }
                for _id, camp, cid, kind, at, ch in ev
            ]
            result = ingest(wh, "interactions", [_write(directory, "interactions", data)])
            i_counts.update(_add(i_counts, _counts(result)))
            with store.session() as session, session.begin():
                ids = [e[0] for e in ev]
                now = utcnow()
                for start in range(0, len(ids), _CHUNK):
                    session.execute(
                        sa.update(DeliveryEvent)
                        .where(DeliveryEvent.id.in_(ids[start : start + _CHUNK]))
                        .values(synced_at=now)
                    )
    with store.session() as session, session.begin():
        session.execute(
            sa.update(Campaign).where(Campaign.id.in_(list(keys))).values(synced_at=utcnow())
        )
    return CampaignSyncResult(len(launched), a_counts, i_counts)


@dataclass(frozen=True)
class SimulationResult:
    campaign: str
    assigned: int
    contacted: int
    outcomes: dict[str, int]
    ingest: dict[str, int]
    sync: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def simulate_outcomes(store: Store, ref: int | str, *, seed: int = 0) -> SimulationResult:
    """The outcomes of a sent campaign, drawn from the sample's campaign-response truth, loaded
    into the warehouse's ``outcomes`` table through ingest (the sample business only). A
    redemption's row carries the unit cost of the customer's offer as its value.

    Only customers whose message was actually sent count as contacted (treatment = the offer
    kind they got, else ``message``; ``call`` for call campaigns); everyone else assigned —
    holdout, global control, and treated customers whose message failed or was skipped — is
    simulated as left alone. The campaign's assignments are synced to the warehouse first.
    """
    import pandas as pd

    from loyalloop.data.ingest import ingest
    from loyalloop.data.schema import open_warehouse
    from loyalloop.sample._campaign_truth import TREATMENTS, simulate_campaign_outcomes
    from loyalloop.services.cases import project_currency
    from loyalloop.services.sync import SYNC_DIR, _counts, _write

    truth_path = store.analytics.home / "sample" / "truth" / "campaign_truth.parquet"
    zone = store.settings.timezone
    project = project_currency(store.analytics)
    with store.session() as session:
        c = get_campaign(session, ref)
        if c.launched_at is None:
            raise ConfigError(f"campaign {c.name} has not been launched")
        check_campaign_currency(c, project, "record costs for")  # before anything is drawn
        if not truth_path.exists():
            raise NotFoundError(
                f"{truth_path} does not exist: outcomes can be simulated only for the sample "
                "business (`loyalloop sample`)"
            )
        bundle = _bundle_of(session, c)
        rows = session.execute(
            sa.select(
                CampaignAssignment.customer_id,
                CampaignAssignment.arm,
                CampaignAssignment.assigned_at,
                CampaignAssignment.offer_id,
            ).where(CampaignAssignment.campaign_id == c.id)
        ).all()
        sent = set(
            session.scalars(
                sa.select(OutboxMessage.customer_id).where(
                    OutboxMessage.campaign_id == c.id,
                    OutboxMessage.status == OutboxStatus.sent.value,
                )
            )
        )
        name, key = c.name, c.campaign_key
    assignments = pd.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "campaign_id": key,
            "arm": [r[1] for r in rows],
            "assigned_at": [_local_naive(r[2], zone) for r in rows],
        }
    )
    kinds = {o.id: o.kind for o in bundle.catalogue.offers}
    default = "call" if bundle.spec.channel is Channel.call else "message"
    treat = []
    for cid, _arm, _at, offer in rows:
        if cid in sent:
            kind = kinds.get(offer or "", default)
            treat.append((cid, kind if kind in TREATMENTS else default))
    treatments = pd.DataFrame(treat, columns=["customer_id", "treatment"])
    truth = pd.read_parquet(truth_path)
    out = simulate_campaign_outcomes(
        truth, assignments, treatments, seed=seed, window_days=bundle.spec.window_days
    )
    # a redemption costs the unit cost of the offer the customer got, recorded on its row as an
    # offer system would (measurement/costs.py: a valued redemption is its actual cost)
    unit = {o.id: o.unit_cost for o in bundle.catalogue.offers}
    offer_cost = {cid: unit[offer] for cid, _arm, _at, offer in rows if offer in unit}
    redeemed = out["kind"] == "redeemed"
    if redeemed.any():  # none at all in a small campaign: nothing to value
        out.loc[redeemed, "value"] = out.loc[redeemed, "customer_id"].map(offer_cost).to_numpy()
    synced = sync_campaigns(store)
    directory = store.analytics.home / SYNC_DIR
    data: list[dict[str, Any]] = [
        {
            "customer_id": str(r["customer_id"]),
            "campaign_id": str(r["campaign_id"]),
            "timestamp": pd.Timestamp(r["timestamp"]).isoformat(sep=" "),
            "kind": str(r["kind"]),
            "value": None if r["value"] is None or r["value"] != r["value"] else float(r["value"]),
        }
        for r in out.to_dict("records")
    ]
    counts = _counts(None)
    if data:
        with open_warehouse(store.analytics) as wh:
            counts = _counts(ingest(wh, "outcomes", [_write(directory, "outcomes", data)]))
    by_kind = {str(k): int(v) for k, v in out["kind"].value_counts().items()}
    return SimulationResult(name, len(rows), len(treatments), by_kind, counts, synced.to_dict())
