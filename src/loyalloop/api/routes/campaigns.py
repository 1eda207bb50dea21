"""Campaigns for staff: the list, the create form (goal, saved segment, arms with shares,
holdout, offers, a template per arm, budget — checked by the same validation as a campaign
YAML file), the campaign page (status, counts, launch with a confirmation step, pause and
resume, message preview for real customers in zh and en with the SMS part count), and the
same under ``/api/v1/campaigns`` as JSON.

Who may do what is the role matrix (:mod:`loyalloop.api.access`): ``campaigns.edit`` creates
and previews, ``campaigns.launch`` launches, pauses and resumes (launching assigns customers
and queues messages; it cannot be undone). Customer text (names in messages, templates) is
escaped by the page's autoescaping; message bodies are shown as text, never as HTML.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Body, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from loyalloop.api.access import Permission
from loyalloop.api.deps import Principal, SessionDep, StoreDep, allow, get_lang
from loyalloop.api.i18n import TEXTS, text
from loyalloop.api.pages import render
from loyalloop.campaigns import BudgetMode, Channel, Goal, builtin_offers
from loyalloop.errors import BudgetExceededError, ConfigError, CurrencyMismatchError, SpecError
from loyalloop.services.campaigns import (
    campaign_status,
    create_campaign,
    get_campaign,
    launch_from_run,
    list_campaigns,
    preview_messages,
    set_status,
)
from loyalloop.services.cases import project_currency
from loyalloop.services.segments import list_segments, open_audience, preview
from loyalloop.store.models import CampaignStatus

__all__ = ["api_router", "router"]

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["campaigns"])
View = Annotated[Principal, allow(Permission.dashboard)]
Edit = Annotated[Principal, allow(Permission.campaigns_edit)]
Launch = Annotated[Principal, allow(Permission.campaigns_launch)]

#: Arm rows of the create form.
ARM_ROWS = 3
STARTER_TEMPLATES = """\
winback_sms:
  channel: sms
  body:
    zh: "{{ customer.name }}您好，好久不见！{% if offer %}送您{{ offer.name }}。{% endif %}"
    en: "Hi {{ customer.name }}, we miss you!{% if offer %} A gift: {{ offer.name }}.{% endif %}"
winback_email:
  channel: email
  subject: {zh: "{{ customer.name }}，好久不见", en: "We miss you, {{ customer.name }}"}
  body:
    zh: "{{ customer.name }}您好：{% if offer %}送您{{ offer.name }}。{% endif %}期待再次为您服务。"
    en: >-
      Dear {{ customer.name }}, {% if offer %}a gift for you: {{ offer.name }}. {% endif %}We
      hope to see you again.
"""


def _number(value: str, *, whole: bool = False) -> Any:
    """A form number; text that is not one goes to validation as is (it names the field)."""
    v = value.strip()
    if not v:
        return None
    try:
        return int(v) if whole and v.lstrip("-").isdigit() else float(v)
    except ValueError:
        return v


def campaign_from_form(form: Mapping[str, str]) -> dict[str, Any]:
    """The campaign file (spec + templates + offers) of the create form."""
    raw: dict[str, Any] = {
        "name": form.get("name", "").strip(),
        "goal": form.get("goal", ""),
        "channel": form.get("channel", ""),
        "segment": form.get("segment", "").strip() or None,
        "holdout_share": _number(form.get("holdout_share", "")),
        "window_days": _number(form.get("window_days", ""), whole=True),
        "budget": _number(form.get("budget", "")),
        "on_budget_exceeded": form.get("on_budget_exceeded", "refuse"),
        "contact_cost": _number(form.get("contact_cost", "")),
        "default_language": form.get("default_language", "zh"),
        "offers": form.get("offers", "card"),
    }
    raw = {k: v for k, v in raw.items() if v is not None and v != ""}
    if "segment" not in raw:
        raise SpecError("choose the audience: a saved segment", path="segment")
    arms: list[dict[str, Any]] = []
    for i in range(ARM_ROWS):
        name = form.get(f"arm{i}_name", "").strip()
        if not name:
            continue
        arm: dict[str, Any] = {"name": name, "share": _number(form.get(f"arm{i}_share", ""))}
        offer = form.get(f"arm{i}_offer", "").strip()
        template = form.get(f"arm{i}_template", "").strip()
        if offer:
            arm["offer"] = offer
        if template:
            arm["template"] = template
        arms.append(arm)
    raw["arms"] = arms
    source = form.get("templates", "").strip()
    if source:
        try:
            raw["templates"] = yaml.safe_load(source)
        except yaml.YAMLError as exc:
            raise SpecError(f"not valid YAML: {exc}", path="templates") from None
    return raw


def _error_text(exc: Exception, lang: str) -> str:
    """What the page says about a refused change, in ``lang``: a currency error in the page's
    language (``cp_currency_<reason>``); other errors name a field of the spec the user wrote
    and stay as the library words them."""
    key = f"cp_currency_{getattr(exc, 'reason', '')}"
    if isinstance(exc, CurrencyMismatchError) and key in TEXTS:
        return text(key, lang, expected=exc.expected, found=exc.found)
    return str(exc)


def _offer_choices(catalogue: str, currency: str | None) -> list[tuple[str, str]]:
    """The built-in catalogue's offers in the project's currency (none when it has no built-in
    catalogue in that currency: creating the campaign then says so)."""
    try:
        cat, _policy = builtin_offers("retail" if catalogue == "retail" else "card", currency)
    except CurrencyMismatchError:
        return []
    return [(o.id, f"{o.id} ({o.unit_cost:g} {cat.currency})") for o in cat.offers]


def _new_page(
    request: Request,
    session: Any,
    currency: str | None,
    *,
    form: Mapping[str, str] | None = None,
    error: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    segments = list_segments(session)
    session.commit()
    values = dict(form or {})
    if not values:
        values = {
            "holdout_share": "0.1",
            "window_days": "30",
            "contact_cost": "0.05",
            "channel": "sms",
            "goal": "win-back",
            "templates": STARTER_TEMPLATES,
            "arm0_name": "offer",
            "arm0_share": "0.5",
            "arm0_offer": "policy",
            "arm0_template": "winback_sms",
            "arm1_name": "message",
            "arm1_share": "0.5",
            "arm1_template": "winback_sms",
        }
    return render(
        request,
        "campaign_new.html",
        status_code=status_code,
        v=values,
        segments=segments,
        goals=[g.value for g in Goal],
        channels=[c.value for c in Channel],
        modes=[m.value for m in BudgetMode],
        offers=_offer_choices(values.get("offers", "card"), currency),
        currency=currency,
        arm_rows=range(ARM_ROWS),
        error=error,
    )


def _campaign_page(
    request: Request,
    session: Any,
    name: str,
    me: Principal,
    *,
    message: str = "",
    error: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    status = campaign_status(
        session, name, project=project_currency(request.app.state.store.analytics)
    )
    c = get_campaign(session, name)
    spec = _spec_of(session, c)
    session.commit()
    return render(
        request,
        "campaign.html",
        status_code=status_code,
        s=status,
        spec=spec,
        message=message,
        error=error,
        can_launch=me.can(Permission.campaigns_launch),
        can_edit=me.can(Permission.campaigns_edit),
    )


def _spec_of(session: Any, c: Any) -> dict[str, Any]:
    import sqlalchemy as sa

    from loyalloop.store.models import CampaignVersion

    v = session.scalar(
        sa.select(CampaignVersion.spec).where(
            CampaignVersion.campaign_id == c.id, CampaignVersion.version == c.current_version
        )
    )
    return dict(v or {})


# -- pages ------------------------------------------------------------------------------------


@router.get("/campaigns", response_class=HTMLResponse)
def campaigns_page(request: Request, session: SessionDep, me: View) -> HTMLResponse:
    rows = list_campaigns(session)
    session.commit()
    return render(
        request, "campaigns.html", campaigns=rows, can_edit=me.can(Permission.campaigns_edit)
    )


@router.get("/campaigns/new", response_class=HTMLResponse)
def campaign_new(request: Request, session: SessionDep, store: StoreDep, me: Edit) -> HTMLResponse:
    return _new_page(request, session, project_currency(store.analytics))


@router.post("/campaigns/new", response_class=HTMLResponse)
async def campaign_create_form(
    request: Request, session: SessionDep, store: StoreDep, me: Edit
) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}

    project = project_currency(store.analytics)

    def work() -> Response:
        try:
            raw = campaign_from_form(form)
            c, _new = create_campaign(session, raw, me.actor, project=project)
        except ConfigError as exc:
            session.rollback()
            error = _error_text(exc, get_lang(request))
            return _new_page(request, session, project, form=form, error=error, status_code=422)
        return RedirectResponse(f"/campaigns/{c.name}", status_code=303)

    return await run_in_threadpool(work)


@router.get("/campaigns/{name}", response_class=HTMLResponse)
def campaign_page(
    request: Request, name: str, session: SessionDep, me: View, launched: str = ""
) -> HTMLResponse:
    return _campaign_page(request, session, name, me, message=launched)


@router.get("/campaigns/{name}/preview", response_class=HTMLResponse)
def campaign_preview_page(
    request: Request,
    name: str,
    store: StoreDep,
    session: SessionDep,
    me: Edit,
    lang: str = "",
    customer: str = "",
) -> HTMLResponse:
    """Every arm's message for real customers of the audience, in zh and en (or ``lang``)."""
    c = get_campaign(session, name)
    session.commit()
    languages = [lang] if lang in ("zh", "en") else ["zh", "en"]
    with open_audience(store) as audience:
        messages = preview_messages(
            store,
            c.name,
            audience,
            customers=[customer.strip()] if customer.strip() else (),
            languages=languages,
            mask_pii=not me.can(Permission.pii_view),
        )
        run = audience.run
    return render(
        request,
        "campaign_preview.html",
        campaign_name=c.name,
        channel=c.channel,
        messages=messages,
        run=run,
        lang_filter=lang,
        customer=customer,
        masked=not me.can(Permission.pii_view),
    )


@router.get("/campaigns/{name}/launch", response_class=HTMLResponse)
def campaign_launch_confirm(
    request: Request, name: str, store: StoreDep, session: SessionDep, me: Launch
) -> HTMLResponse:
    """The confirmation step: what launching will do, on which run, within which budget."""
    return _confirm(request, store, session, name)


def _confirm(
    request: Request, store: Any, session: Any, name: str, *, error: str = "",
    status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    c = get_campaign(session, name)
    spec = _spec_of(session, c)
    segments = {s.name: s.spec for s in list_segments(session)}
    session.commit()
    audience_spec = spec.get("audience") or segments.get(str(spec.get("segment")))
    count = total = None
    with open_audience(store) as audience:
        run, as_of = audience.run, audience.as_of
        if audience_spec:
            result = preview(audience, {**audience_spec, "name": "audience"}, n=0)
            count, total = result.count, result.total
    return render(
        request,
        "campaign_launch.html",
        status_code=status_code,
        c=c,
        spec=spec,
        run=run,
        as_of=as_of,
        count=count,
        total=total,
        error=error,
    )


@router.post("/campaigns/{name}/launch", response_class=HTMLResponse)
async def campaign_launch_form(
    request: Request, name: str, store: StoreDep, session: SessionDep, me: Launch
) -> Response:
    form = await request.form()

    def work() -> Response:
        if form.get("confirm") != "yes":
            return _confirm(request, store, session, name)
        try:
            r = launch_from_run(store, name, me.actor)
        except (BudgetExceededError, ConfigError) as exc:
            session.rollback()
            error = _error_text(exc, get_lang(request))
            return _confirm(request, store, session, name, error=error, status_code=422)
        msg = text(
            "launched_n",
            get_lang(request),
            assigned=int(r.counts.get("assigned", 0)),
            queued=r.queued,
            failed=r.failed,
        )
        from urllib.parse import quote

        return RedirectResponse(f"/campaigns/{r.campaign}?launched={quote(msg)}", 303)

    return await run_in_threadpool(work)


def _status_form(
    request: Request, session: Any, name: str, me: Principal, status: CampaignStatus
) -> Response:
    try:
        c = set_status(session, name, status, me.actor)
    except ConfigError as exc:
        session.rollback()
        error = _error_text(exc, get_lang(request))
        return _campaign_page(request, session, name, me, error=error, status_code=409)
    return RedirectResponse(f"/campaigns/{c.name}", status_code=303)


@router.post("/campaigns/{name}/pause")
def campaign_pause_form(request: Request, name: str, session: SessionDep, me: Launch) -> Response:
    return _status_form(request, session, name, me, CampaignStatus.paused)


@router.post("/campaigns/{name}/resume")
def campaign_resume_form(request: Request, name: str, session: SessionDep, me: Launch) -> Response:
    return _status_form(request, session, name, me, CampaignStatus.launched)


# -- API --------------------------------------------------------------------------------------


class LaunchIn(BaseModel):
    """The run whose audience the launch uses (default: the latest)."""

    run: int | None = None


@api_router.get("/campaigns", dependencies=[allow(Permission.dashboard)])
def api_campaigns(session: SessionDep, store: StoreDep) -> list[dict[str, Any]]:
    project = project_currency(store.analytics)
    return [campaign_status(session, c.id, project=project) for c in list_campaigns(session)]


@api_router.post("/campaigns", status_code=201)
def api_campaign_create(
    session: SessionDep, store: StoreDep, me: Edit, body: Annotated[dict[str, Any], Body()]
) -> dict[str, Any]:
    """Create a campaign (or a new version) from a campaign file's content as JSON: the spec
    with ``templates``, ``offers`` and ``policy``. Invalid: 422 naming the field."""
    project = project_currency(store.analytics)
    c, new = create_campaign(session, body, me.actor, project=project)
    return {**campaign_status(session, c.id, project=project), "created": new}


@api_router.get("/campaigns/{name}", dependencies=[allow(Permission.dashboard)])
def api_campaign(name: str, session: SessionDep, store: StoreDep) -> dict[str, Any]:
    return campaign_status(session, name, project=project_currency(store.analytics))


@api_router.get("/campaigns/{name}/preview")
def api_campaign_preview(
    name: str, store: StoreDep, me: Edit, customer: str = "", n: int = 3, lang: str = ""
) -> dict[str, Any]:
    """Messages of every arm for real customers (masked names for roles without
    ``pii.view``), with SMS part counts. Nothing is assigned or queued; the links are preview
    links (``preview_links``): following one records nothing."""
    with open_audience(store) as audience:
        messages = preview_messages(
            store,
            name,
            audience,
            customers=[customer] if customer else (),
            n=n,
            languages=[lang] if lang else ["zh", "en"],
            mask_pii=not me.can(Permission.pii_view),
        )
        run = audience.run
    return {
        "campaign": name,
        "run": run,
        "preview_links": True,
        "messages": [m.to_dict() for m in messages],
    }


@api_router.post("/campaigns/{name}/launch")
def api_campaign_launch(
    name: str, store: StoreDep, me: Launch, body: LaunchIn | None = None
) -> dict[str, Any]:
    """Launch over a run's audience: assignments and outbox in one transaction. Over budget:
    422 ``budget_exceeded`` and nothing is written."""
    return launch_from_run(store, name, me.actor, run=body.run if body else None).to_dict()


@api_router.post("/campaigns/{name}/pause")
def api_campaign_pause(
    name: str, session: SessionDep, store: StoreDep, me: Launch
) -> dict[str, Any]:
    set_status(session, name, CampaignStatus.paused, me.actor)
    return campaign_status(session, name, project=project_currency(store.analytics))


@api_router.post("/campaigns/{name}/resume")
def api_campaign_resume(
    name: str, session: SessionDep, store: StoreDep, me: Launch
) -> dict[str, Any]:
    set_status(session, name, CampaignStatus.launched, me.actor)
    return campaign_status(session, name, project=project_currency(store.analytics))
