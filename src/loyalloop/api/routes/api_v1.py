"""The JSON API, ``/api/v1``: surveys, invitations, responses, statistics, runs, sync,
users, tokens and the audit log. Authenticate with a session cookie (plus ``X-CSRF-Token``
on changes) or ``Authorization: Bearer <token>``."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, HTTPException
from starlette.concurrency import run_in_threadpool

from loyalloop.api.access import Permission
from loyalloop.api.deps import Principal, SessionDep, StoreDep, allow
from loyalloop.api.schemas import (
    AuditEventPublic,
    InvitationCreate,
    InvitationPublic,
    InviteResultPublic,
    MePublic,
    ResponsePublic,
    ResponsesPage,
    SurveyCreate,
    SurveyPublic,
    SurveyUpdate,
    SyncResultPublic,
    TokenCreate,
    TokenIssued,
    TokenPublic,
    UserCreate,
    UserPublic,
    UserUpdate,
)
from loyalloop.errors import ConfigError
from loyalloop.services.audit import list_events, record
from loyalloop.services.dashboard import latest_run, list_runs
from loyalloop.services.invitations import (
    Recipient,
    invitation_link,
    invite,
    list_invitations,
    segment_recipients,
)
from loyalloop.services.pii import mask_contact
from loyalloop.services.responses import list_responses
from loyalloop.services.surveys import (
    close_survey,
    create_survey,
    get_survey,
    list_surveys,
    publish_survey,
    spec_of,
    survey_stats,
    update_survey,
)
from loyalloop.services.sync import sync_responses
from loyalloop.services.users import (
    add_user,
    create_token,
    get_user,
    list_tokens,
    list_users,
    revoke_token,
    update_user,
)
from loyalloop.store.models import Invitation
from loyalloop.surveys import SurveySpec, parse_spec, parse_spec_text

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["api"])


def _spec(body: SurveyCreate | SurveyUpdate) -> SurveySpec:
    if (body.spec is None) == (body.yaml is None):
        raise ConfigError("give the survey as spec (an object) or yaml (text), not both")
    return (
        parse_spec(body.spec) if body.spec is not None else parse_spec_text(body.yaml or "", "yaml")
    )


def _survey_public(session: Any, survey: Any, with_spec: bool = True) -> SurveyPublic:
    out = SurveyPublic.model_validate(survey)
    if with_spec:
        out.spec = spec_of(session, survey.id, survey.current_version).to_dict()
    return out


@router.get("/me", response_model=MePublic)
def me(who: Annotated[Principal, allow(Permission.account)]) -> MePublic:
    assert who.user is not None
    return MePublic(
        id=who.user.id,
        email=who.user.email,
        role=who.user.role,
        permissions=[p.value for p in Permission if who.can(p)],
        via=who.via,
    )


@router.get(
    "/surveys", response_model=list[SurveyPublic], dependencies=[allow(Permission.dashboard)]
)
def surveys(session: SessionDep) -> list[SurveyPublic]:
    out = []
    for s in list_surveys(session):
        survey = get_survey(session, s.id)
        item = _survey_public(session, survey, with_spec=False)
        item.invited, item.responses = s.invited, s.responses
        out.append(item)
    return out


@router.post("/surveys", response_model=SurveyPublic, status_code=201)
def survey_create(
    body: SurveyCreate,
    session: SessionDep,
    who: Annotated[Principal, allow(Permission.surveys_edit)],
) -> SurveyPublic:
    survey = create_survey(session, _spec(body), who.actor, publish=body.publish)
    return _survey_public(session, survey)


@router.get(
    "/surveys/{ref}", response_model=SurveyPublic, dependencies=[allow(Permission.dashboard)]
)
def survey_get(ref: str, session: SessionDep) -> SurveyPublic:
    return _survey_public(session, get_survey(session, ref))


@router.put("/surveys/{ref}", response_model=SurveyPublic)
def survey_update(
    ref: str,
    body: SurveyUpdate,
    session: SessionDep,
    who: Annotated[Principal, allow(Permission.surveys_edit)],
) -> SurveyPublic:
    return _survey_public(session, update_survey(session, ref, _spec(body), who.actor))


@router.post("/surveys/{ref}/publish", response_model=SurveyPublic)
def survey_publish(
    ref: str, session: SessionDep, who: Annotated[Principal, allow(Permission.surveys_edit)]
) -> SurveyPublic:
    return _survey_public(session, publish_survey(session, ref, who.actor))


@router.post("/surveys/{ref}/close", response_model=SurveyPublic)
def survey_close(
    ref: str, session: SessionDep, who: Annotated[Principal, allow(Permission.surveys_edit)]
) -> SurveyPublic:
    return _survey_public(session, close_survey(session, ref, who.actor))


@router.get("/surveys/{ref}/stats", dependencies=[allow(Permission.dashboard)])
def survey_stats_get(ref: str, session: SessionDep) -> dict[str, Any]:
    """Response rates (with non-response) and NPS / CSAT / CES with 95% intervals."""
    return asdict(survey_stats(session, ref))


@router.post("/surveys/{ref}/invitations", response_model=InviteResultPublic, status_code=201)
async def survey_invite(
    ref: str,
    body: InvitationCreate,
    session: SessionDep,
    store: StoreDep,
    who: Annotated[Principal, allow(Permission.surveys_invite)],
) -> InviteResultPublic:
    if (body.customers is None) == (body.segment is None):
        raise ConfigError("give customers (a list) or segment (a name), not both")

    def run() -> InviteResultPublic:
        if body.customers is not None:
            people = [Recipient(**c.model_dump()) for c in body.customers]
            source = "api"
        else:
            people = segment_recipients(store.analytics, str(body.segment), body.run)
            source = f"segment:{body.segment}"
        result = invite(store, session, ref, people, who.actor, channel=body.channel, source=source)
        return InviteResultPublic(
            **result.to_dict(),
            links=[
                {
                    "customer_id": link.customer_id,
                    "url": link.url,
                    "expires_at": link.expires_at.isoformat(),
                    "new": link.new,
                }
                for link in result.links
            ],
        )

    return await run_in_threadpool(run)


@router.get("/surveys/{ref}/invitations", response_model=list[InvitationPublic])
def survey_invitations(
    ref: str,
    session: SessionDep,
    store: StoreDep,
    who: Annotated[Principal, allow(Permission.surveys_invite)],
    limit: int = 200,
) -> list[InvitationPublic]:
    invs = list_invitations(session, ref, limit=min(max(limit, 1), 10_000))
    pii = who.can(Permission.pii_view)
    out = []
    for inv in invs:
        item = InvitationPublic.model_validate(inv)
        item.contact = inv.contact if pii else mask_contact(inv.contact)
        item.link = invitation_link(store, inv)
        out.append(item)
    if pii and invs:
        record(
            session,
            who.actor,
            "pii.view",
            f"survey:{invs[0].survey_id}",
            {"invitations": len(invs)},
        )
        session.commit()
    return out


@router.get("/surveys/{ref}/responses", response_model=ResponsesPage)
def survey_responses(
    ref: str,
    session: SessionDep,
    who: Annotated[Principal, allow(Permission.responses_view)],
    limit: int = 100,
    offset: int = 0,
) -> ResponsesPage:
    survey = get_survey(session, ref)
    pii = who.can(Permission.pii_view)
    total, rows = list_responses(
        session,
        survey.id,
        who.actor,
        unmask=pii,
        limit=min(max(limit, 1), 1000),
        offset=max(offset, 0),
    )
    ids = [r.customer_id for r in rows if r.customer_id]
    contacts = (
        dict(
            session.execute(
                sa.select(Invitation.customer_id, Invitation.contact).where(
                    Invitation.survey_id == survey.id, Invitation.customer_id.in_(ids)
                )
            ).all()
        )
        if ids
        else {}
    )
    if pii and any(contacts.values()):
        record(session, who.actor, "pii.view", f"survey:{survey.id}", {"contacts": len(contacts)})
        session.commit()
    items = []
    for r in rows:
        c = contacts.get(r.customer_id or "")
        items.append(
            ResponsePublic(**asdict(r), contact=(c if pii else mask_contact(c)) if c else None)
        )
    return ResponsesPage(total=total, items=items)


@router.get(
    "/runs", response_model=list[dict[str, Any]], dependencies=[allow(Permission.dashboard)]
)
def runs(store: StoreDep) -> list[dict[str, Any]]:
    return [asdict(r) for r in list_runs(store.analytics)]


@router.get("/runs/latest", dependencies=[allow(Permission.dashboard)])
def run_latest(store: StoreDep) -> dict[str, Any]:
    """The latest run's manifest (key figures as the stages computed them)."""
    run = latest_run(store.analytics)
    if run is None:
        raise HTTPException(404, "no run yet: run `loyalloop run`")
    return {"number": run.number, "manifest": run.manifest.to_dict()}


@router.post("/sync", response_model=SyncResultPublic)
async def sync(
    store: StoreDep, who: Annotated[Principal, allow(Permission.sync)]
) -> SyncResultPublic:
    result = await run_in_threadpool(sync_responses, store, actor=who.actor)
    return SyncResultPublic(**{k: v for k, v in result.to_dict().items() if k != "files"})


@router.get("/users", response_model=list[UserPublic], dependencies=[allow(Permission.users)])
def users(session: SessionDep) -> list[UserPublic]:
    return [UserPublic.model_validate(u) for u in list_users(session)]


@router.post("/users", response_model=UserPublic, status_code=201)
def user_create(
    body: UserCreate, session: SessionDep, who: Annotated[Principal, allow(Permission.users)]
) -> UserPublic:
    return UserPublic.model_validate(
        add_user(session, body.email, body.role, body.password, who.actor)
    )


@router.patch("/users/{user_id}", response_model=UserPublic)
def user_update(
    user_id: int,
    body: UserUpdate,
    session: SessionDep,
    who: Annotated[Principal, allow(Permission.users)],
) -> UserPublic:
    get_user(session, user_id)
    user = update_user(
        session, user_id, who.actor, role=body.role.value if body.role else None, active=body.active
    )
    return UserPublic.model_validate(user)


@router.get("/tokens", response_model=list[TokenPublic])
def tokens(
    session: SessionDep, who: Annotated[Principal, allow(Permission.account)]
) -> list[TokenPublic]:
    mine = None if who.can(Permission.users) else who.user
    return [TokenPublic.model_validate(t) for t in list_tokens(session, mine)]


@router.post("/tokens", response_model=TokenIssued, status_code=201)
def token_create(
    body: TokenCreate, session: SessionDep, who: Annotated[Principal, allow(Permission.account)]
) -> TokenIssued:
    assert who.user is not None
    issued = create_token(session, who.user, body.name, body.scopes, who.actor, days=body.days)
    return TokenIssued(
        id=issued.id, token=issued.token, scopes=list(issued.scopes), expires_at=issued.expires_at
    )


@router.delete("/tokens/{token_id}", status_code=204)
def token_revoke(
    token_id: int, session: SessionDep, who: Annotated[Principal, allow(Permission.account)]
) -> None:
    revoke_token(session, token_id, who.actor, any_user=who.can(Permission.users))


@router.get("/audit", response_model=list[AuditEventPublic], dependencies=[allow(Permission.audit)])
def audit(
    session: SessionDep, limit: int = 200, before: int | None = None, action: str = ""
) -> list[AuditEventPublic]:
    return [
        AuditEventPublic.model_validate(e)
        for e in list_events(
            session, limit=min(max(limit, 1), 1000), before_id=before, action=action
        )
    ]
