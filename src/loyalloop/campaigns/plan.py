"""Plan a campaign: audience → eligibility → assignment → offers → budget → messages.

:func:`plan_campaign` is pure: it reads the audience view (and, for re-runs, the assignments
already recorded) and returns a :class:`CampaignPlan` — the ``campaigns`` row, the new
``assignments`` rows, each treated customer's offer with its expected cost and explanation,
and the rendered messages — which a service persists in one transaction together with its
outbox rows. Nothing is sent or stored here.

Order of decisions, each counted in :class:`PlanCounts`:

1. the audience: the campaign's segment (or the customers a trigger found);
2. eligibility: consent for the campaign's channel and an address or number on file (a
   customer without them is skipped and counted, *before* the split, so the holdout is
   comparable with the treated arms);
3. already assigned: customers assigned to this campaign before (a one-off campaign never
   re-assigns; a triggered one within its cool-down) keep their earlier assignment;
4. the split (:mod:`.assignment`): global control, holdout, arms;
5. offers (:mod:`.offers`) and the budget: the expected cost (offers × redemption rate +
   contact cost) of the treated customers must stay within the budget. ``refuse``: nothing is
   assigned and :class:`~loyalloop.errors.BudgetExceededError` says by how much it is over;
   ``cap``: customers are taken in order of value at stake (churn probability × CLV, else
   CLV) until the next one would pass the budget, and the rest — treated and holdout alike —
   are left out (counted);
6. messages (:mod:`.messages`), in each customer's language; failures are kept with reasons.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from loyalloop.campaigns.assignment import assign_arms
from loyalloop.campaigns.audience import audience_schema
from loyalloop.campaigns.hashing import stable_uniform_expr
from loyalloop.campaigns.links import LinkSigner
from loyalloop.campaigns.messages import MESSAGE_FIELDS, MessageStatus, TemplateSet
from loyalloop.campaigns.offers import OfferCatalogue, OfferPolicy, choose_offers
from loyalloop.campaigns.recommend import category_label
from loyalloop.campaigns.segments import SegmentSpec, select_segment
from loyalloop.campaigns.spec import (
    GLOBAL_CONTROL,
    HOLDOUT,
    OFFER_POLICY,
    BudgetMode,
    CampaignSpec,
    Channel,
    ProgrammeSpec,
)
from loyalloop.errors import BudgetExceededError, ConfigError, SpecError

__all__ = ["CampaignPlan", "PlanCounts", "plan_campaign"]

log = logging.getLogger(__name__)

ASSIGNMENT_COLUMNS = ["customer_id", "campaign_id", "arm", "assigned_at"]


@dataclass(frozen=True)
class PlanCounts:
    """Where the audience went."""

    audience: int
    no_consent: int
    already_assigned: int
    over_budget: int
    global_control: int
    holdout: int
    arms: tuple[tuple[str, int], ...]
    messages_rendered: int = 0
    messages_failed: int = 0

    @property
    def assigned(self) -> int:
        return self.global_control + self.holdout + sum(n for _, n in self.arms)

    def to_dict(self) -> dict[str, Any]:
        return {
            "audience": self.audience,
            "no_consent": self.no_consent,
            "already_assigned": self.already_assigned,
            "over_budget": self.over_budget,
            "global_control": self.global_control,
            "holdout": self.holdout,
            "arms": dict(self.arms),
            "assigned": self.assigned,
            "messages_rendered": self.messages_rendered,
            "messages_failed": self.messages_failed,
        }


@dataclass(frozen=True)
class CampaignPlan:
    """What a campaign will do, ready to persist (module docstring).

    Attributes
    ----------
    campaign
        The row of the ``campaigns`` contract (``campaign_id``, ``name``, ``channel``,
        ``start_at``, ``end_at`` — the outcome window ends at ``end_at``).
    assignments
        New rows of the ``assignments`` contract (every arm, holdout and global control).
    treatments
        One row per treated customer: ``arm``, ``offer_id``, ``offer_kind``,
        ``expected_cost`` (offer × redemption rate + contact cost), ``value_at_stake``,
        ``explanation_en`` / ``explanation_zh``.
    messages
        One row per treated customer of an e-mail or SMS campaign: ``template_id``,
        ``language``, ``status`` (rendered / failed), ``subject``, ``body``, ``error``,
        ``sms_segments``, ``idempotency_key`` (stable per campaign, customer and template).
    """

    spec: CampaignSpec
    campaign: dict[str, Any]
    assignments: pd.DataFrame = field(compare=False)
    treatments: pd.DataFrame = field(compare=False)
    messages: pd.DataFrame = field(compare=False)
    expected_cost: float
    budget: float | None
    currency: str
    counts: PlanCounts

    @property
    def budget_left(self) -> float | None:
        return None if self.budget is None else self.budget - self.expected_cost


def _explain(frame: pd.DataFrame, catalogue: OfferCatalogue) -> tuple[pd.Series, pd.Series]:
    names = {o.id: o.name for o in catalogue.offers}
    en, zh = [], []
    for row in frame.to_dict("records"):
        oid = row.get("offer_id")
        facts_en, facts_zh = [], []
        clv = row.get("clv")
        if isinstance(clv, int | float) and clv == clv:
            facts_en.append(f"CLV {clv:,.0f}")
            facts_zh.append(f"客户价值 {clv:,.0f}")
        p = row.get("churn_probability")
        if isinstance(p, int | float) and p == p:
            facts_en.append(f"churn probability {p:.0%}")
            facts_zh.append(f"流失概率 {p:.0%}")
        if isinstance(oid, str):
            head_en = f"{names[oid].en}: {row['offer_reason_en']}"
            head_zh = f"{names[oid].zh}：{row['offer_reason_zh']}"
        else:
            head_en, head_zh = "no offer (message only)", "无优惠（仅发送消息）"
        en.append("; ".join([head_en, *facts_en]))
        zh.append("；".join([head_zh, *facts_zh]))
    return pd.Series(en, index=frame.index), pd.Series(zh, index=frame.index)


def _idempotency_key(campaign_id: str, customer_id: str, template_id: str) -> str:
    raw = f"{campaign_id}\x1f{customer_id}\x1f{template_id}".encode()
    return hashlib.sha256(raw).hexdigest()[:32]


def plan_campaign(
    spec: CampaignSpec,
    view: ir.Table,
    as_of: date,
    *,
    now: datetime,
    programme: ProgrammeSpec | None = None,
    catalogue: OfferCatalogue | None = None,
    policy: OfferPolicy | None = None,
    templates: TemplateSet | None = None,
    signer: LinkSigner | None = None,
    existing: pd.DataFrame | ir.Table | None = None,
    audience: ir.Table | None = None,
    segments: Mapping[str, SegmentSpec] | None = None,
    recommendations: ir.Table | None = None,
) -> CampaignPlan:
    """Plan ``spec`` over the audience view (module docstring).

    Parameters
    ----------
    view
        The audience view (:func:`~loyalloop.campaigns.audience.audience_view`).
    as_of
        The run's as-of day (relative date conditions).
    now
        The assignment time (naive, business time zone).
    programme
        The global control group (default :class:`ProgrammeSpec`).
    catalogue, policy
        Offers; needed when an arm has an offer.
    templates, signer
        Message templates (needed for e-mail and SMS) and the link signer.
    existing
        Assignments already recorded (any campaigns); this campaign's are kept.
    audience
        Customer ids (e.g. from a trigger) instead of the spec's segment.
    segments
        Saved segments by name, for ``segment: NAME`` specs.
    recommendations
        Output of :func:`~loyalloop.campaigns.recommend.recommend_categories`.

    Raises
    ------
    SpecError
        An unknown segment, offer or template, or a spec that does not fit the view.
    BudgetExceededError
        When the budget would be exceeded and ``on_budget_exceeded`` is ``refuse``.
    """
    programme = programme or ProgrammeSpec()
    now = now.replace(tzinfo=None, microsecond=0)
    channel = spec.channel
    schema = audience_schema(view)
    for needed in (channel.consent_field, channel.contact_field):
        if schema.field(needed) is None:
            raise ConfigError(f"the audience view has no {needed} field")

    # 1. audience
    if audience is not None:
        ids = audience.select(_aid=audience.customer_id).distinct()
        members = view.join(ids, view.customer_id == ids._aid).drop("_aid")
    elif spec.audience is not None:
        members = select_segment(spec.audience, view, as_of)
    elif spec.segment is not None:
        if not segments or spec.segment not in segments:
            raise SpecError(f"no saved segment named {spec.segment!r}", path="segment")
        members = select_segment(segments[spec.segment], view, as_of)
    else:
        raise SpecError(
            "a triggered campaign is planned with the trigger's audience", path="audience"
        )
    n_audience = int(members.count().execute())

    # 2. eligibility
    eligible = members.filter(members[channel.consent_field] & members[channel.contact_field])
    n_eligible = int(eligible.count().execute())

    # 3. already assigned to this campaign
    n_already = 0
    if existing is not None:
        ex = ibis.memtable(existing) if isinstance(existing, pd.DataFrame) else existing
        ex = ex.filter(ex.campaign_id == spec.id)
        if spec.trigger is not None:
            since = now - timedelta(days=spec.cooldown_days)
            ex = ex.filter(ex.assigned_at > ibis.timestamp(since.isoformat(sep=" ")))
        ex = ex.select(_eid=ex.customer_id).distinct()
        eligible = eligible.anti_join(ex, eligible.customer_id == ex._eid)
        n_already = n_eligible - int(eligible.count().execute())

    # 4. split, 5. offers
    assigned = assign_arms(eligible, spec, programme, now)
    needs_policy = any(a.offer == OFFER_POLICY for a in spec.arms)
    fixed = {a.name: a.offer for a in spec.arms if a.offer not in (None, OFFER_POLICY)}
    if (needs_policy or fixed) and catalogue is None:
        raise SpecError("an arm has an offer but no offer catalogue was given", path="arms")
    if needs_policy and policy is None:
        raise SpecError("an arm uses the offer policy but no policy was given", path="arms")
    if needs_policy:
        assert policy is not None and catalogue is not None
        assigned = choose_offers(assigned, policy, catalogue, as_of)
    else:
        assigned = assigned.mutate(
            offer_id=ibis.null("string"),
            offer_rule=ibis.null("int64"),
            offer_expected_cost=ibis.literal(0.0),
            offer_reason_en=ibis.null("string"),
            offer_reason_zh=ibis.null("string"),
        )
    for i, a in enumerate(spec.arms):
        if a.offer not in (None, OFFER_POLICY):
            assert catalogue is not None
            catalogue.get(a.offer, path=f"arms[{i}].offer")
    # per-arm offer: policy result, a fixed offer or none
    treated_arm = ~assigned.arm.isin([HOLDOUT, GLOBAL_CONTROL])
    policy_arms = [a.name for a in spec.arms if a.offer == OFFER_POLICY]
    offer_id = ibis.cases(
        (assigned.arm.isin(policy_arms) if policy_arms else ibis.literal(False), assigned.offer_id),
        *[(assigned.arm == name, ibis.literal(oid)) for name, oid in fixed.items()],
        else_=ibis.null("string"),
    )
    assigned = assigned.mutate(offer_id=offer_id)
    cost_map = {o.id: o.expected_cost for o in catalogue.offers} if catalogue else {}
    cost = ibis.cases(
        *[(assigned.offer_id == k, v) for k, v in cost_map.items()], else_=ibis.literal(0.0)
    )
    cols = set(assigned.columns)
    if "churn_probability" in cols and "clv" in cols:
        stake = (assigned.churn_probability * assigned.clv).fill_null(0.0)
    elif "clv" in cols:
        stake = assigned.clv.fill_null(0.0)
    else:
        stake = ibis.literal(0.0)
    assigned = assigned.mutate(
        expected_cost=ibis.ifelse(treated_arm, cost + spec.contact_cost, 0.0).cast("float64"),
        value_at_stake=stake.cast("float64"),
        _tie=stable_uniform_expr(spec.assignment_salt + ":order", assigned.customer_id),
    )
    keep = [
        c
        for c in (
            *ASSIGNMENT_COLUMNS,
            "offer_id",
            "offer_reason_en",
            "offer_reason_zh",
            "expected_cost",
            "value_at_stake",
            "_tie",
            "preferred_language",
            *MESSAGE_FIELDS,
        )
        if c in assigned.columns
    ]
    frame = assigned.select(*dict.fromkeys(keep)).execute()
    frame = frame.sort_values(
        ["value_at_stake", "_tie"], ascending=[False, True], kind="mergesort"
    ).reset_index(drop=True)

    # 5. budget
    n_over = 0
    total = float(frame["expected_cost"].sum())
    if spec.budget is not None and total > spec.budget + 1e-9:
        currency = (catalogue.currency if catalogue else None) or ""
        if spec.on_budget_exceeded is BudgetMode.refuse:
            raise BudgetExceededError(
                f"campaign {spec.name}: the expected cost {total:,.2f} {currency} of "
                f"{int((frame.expected_cost > 0).sum()):,} treated customers exceeds the "
                f"budget {spec.budget:,.2f} {currency} by {total - spec.budget:,.2f}; nothing "
                "was assigned. Raise the budget, narrow the audience, lower the arms' offers, "
                "or set on_budget_exceeded: cap to keep the customers with the most value at "
                "stake within it"
            )
        cum = frame["expected_cost"].cumsum().to_numpy()
        over = np.flatnonzero(cum > spec.budget + 1e-9)
        cut = int(over[0]) if len(over) else len(frame)
        n_over = len(frame) - cut
        frame = frame.iloc[:cut].reset_index(drop=True)
        total = float(frame["expected_cost"].sum())
        log.info("campaign %s: %d customers left out to stay within the budget", spec.name, n_over)

    assignments = frame[ASSIGNMENT_COLUMNS].copy()
    assignments["assigned_at"] = pd.to_datetime(assignments["assigned_at"])
    is_treated = ~frame["arm"].isin([HOLDOUT, GLOBAL_CONTROL])
    treated = frame.loc[is_treated].copy()
    kinds = {o.id: o.kind for o in catalogue.offers} if catalogue else {}
    treated["offer_kind"] = treated["offer_id"].map(kinds)
    if len(treated):
        en, zh = _explain(treated, catalogue or OfferCatalogue(()))
    else:
        en = zh = pd.Series([], dtype=object)
    treatments = pd.DataFrame(
        {
            "customer_id": treated["customer_id"].to_numpy(),
            "arm": treated["arm"].to_numpy(),
            "offer_id": treated["offer_id"].to_numpy(),
            "offer_kind": treated["offer_kind"].to_numpy(),
            "expected_cost": treated["expected_cost"].to_numpy(),
            "value_at_stake": treated["value_at_stake"].to_numpy(),
            "explanation_en": en.to_numpy(),
            "explanation_zh": zh.to_numpy(),
        }
    )

    # 6. messages
    messages = _messages(spec, treated, catalogue, templates, signer, recommendations)
    arm_counts = frame["arm"].value_counts()
    n_failed = int((messages["status"] == MessageStatus.failed.value).sum()) if len(messages) else 0
    counts = PlanCounts(
        audience=n_audience,
        no_consent=n_audience - n_eligible,
        already_assigned=n_already,
        over_budget=n_over,
        global_control=int(arm_counts.get(GLOBAL_CONTROL, 0)),
        holdout=int(arm_counts.get(HOLDOUT, 0)),
        arms=tuple((a.name, int(arm_counts.get(a.name, 0))) for a in spec.arms),
        messages_rendered=len(messages) - n_failed,
        messages_failed=n_failed,
    )
    campaign = {
        "campaign_id": spec.id,
        "name": spec.name,
        "channel": channel.value,
        "start_at": now,
        "end_at": now + timedelta(days=spec.window_days),
    }
    return CampaignPlan(
        spec=spec,
        campaign=campaign,
        assignments=assignments,
        treatments=treatments,
        messages=messages,
        expected_cost=total,
        budget=spec.budget,
        currency=(catalogue.currency if catalogue else None) or "",
        counts=counts,
    )


_MESSAGE_COLUMNS = [
    "customer_id",
    "template_id",
    "channel",
    "language",
    "status",
    "subject",
    "body",
    "error",
    "sms_segments",
    "idempotency_key",
]


def _messages(
    spec: CampaignSpec,
    treated: pd.DataFrame,
    catalogue: OfferCatalogue | None,
    templates: TemplateSet | None,
    signer: LinkSigner | None,
    recommendations: ir.Table | None,
) -> pd.DataFrame:
    if spec.channel is Channel.call or treated.empty:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in _MESSAGE_COLUMNS})
    if templates is None:
        raise SpecError(f"a {spec.channel.value} campaign needs message templates", path="arms")
    for i, arm in enumerate(spec.arms):
        if arm.template is not None:
            t = templates.get(arm.template)
            if t.channel != spec.channel.value:
                raise SpecError(
                    f"template {t.id!r} is for {t.channel}; "
                    f"the campaign sends {spec.channel.value}",
                    path=f"arms[{i}].template",
                )
    recs: dict[str, list[str]] = {}
    if recommendations is not None:
        ids = ibis.memtable(treated[["customer_id"]].rename(columns={"customer_id": "_rid"}))
        r = recommendations.join(ids, recommendations.customer_id == ids._rid)
        rf = r.select("customer_id", "category", "rank").execute()
        rf = rf.sort_values(["customer_id", "rank"])
        recs = rf.groupby("customer_id")["category"].agg(list).to_dict()
    offers = {o.id: o for o in catalogue.offers} if catalogue else {}
    template_of = {a.name: a.template for a in spec.arms}
    rows = []
    for rec in treated.to_dict("records"):
        lang = rec.get("preferred_language")
        lang = lang if lang in ("zh", "en") else spec.default_language
        oid = rec.get("offer_id")
        offer = offers.get(oid) if isinstance(oid, str) else None
        offer_ctx = offer.message_context(lang) if offer else None
        tid = template_of[rec["arm"]]
        assert tid is not None
        customer = {k: (None if _missing(v) else v) for k, v in rec.items() if k in MESSAGE_FIELDS}
        m = templates.render(
            tid,
            lang,
            customer=customer,
            campaign_id=spec.id,
            offer=offer_ctx,
            recommendations=[category_label(c, lang) for c in recs.get(rec["customer_id"], [])],
            signer=signer,
        )
        rows.append(
            {
                "customer_id": m.customer_id,
                "template_id": m.template_id,
                "channel": m.channel,
                "language": m.language,
                "status": m.status.value,
                "subject": m.subject,
                "body": m.body,
                "error": m.error,
                "sms_segments": m.sms_segments,
                "idempotency_key": _idempotency_key(spec.id, m.customer_id, m.template_id),
            }
        )
    return pd.DataFrame(rows, columns=_MESSAGE_COLUMNS)


def _missing(v: Any) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False
