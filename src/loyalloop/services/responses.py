"""Taking responses: through a personal link (one per invitation), a public link, or JSON.

``submit_personal`` and ``submit_public`` validate the answers against the survey version
(:func:`loyalloop.surveys.validate_answers`) and store them in one transaction:

* personal link: exactly one response per invitation — a second submission updates it
  (``revision + 1``), never adds one. The same ``Idempotency-Key`` sent twice (a retried
  request) changes nothing and returns the stored response.
* public link: a response per submission; an ``Idempotency-Key`` (the survey page puts a
  random one in its form) makes a double click or a retried POST store it once.

Invalid answers raise :class:`~loyalloop.surveys.AnswerError` before anything is written.
The store enforces "one per invitation" and "one per idempotency key" with unique
constraints, so two racing requests cannot both insert.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from weakref import WeakKeyDictionary

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from loyalloop.errors import ConfigError, LoyalloopError, NotFoundError
from loyalloop.feedback.pii import mask_pii
from loyalloop.services.audit import Actor, record
from loyalloop.services.surveys import get_survey, spec_of
from loyalloop.store.base import UtcDateTime, utcnow
from loyalloop.store.models import Invitation, Response, Survey, SurveyStatus
from loyalloop.surveys import (
    SurveySpec,
    TokenError,
    pick_language,
    validate_answers,
    verify_invitation,
)

__all__ = [
    "ClosedError",
    "OpenInvitation",
    "ResponseRow",
    "SubmitResult",
    "list_responses",
    "open_invitation",
    "open_public",
    "submit_personal",
    "submit_public",
]


class ClosedError(LoyalloopError, RuntimeError):
    """The survey takes no answers (closed, or still a draft)."""

    exit_code = 2
    code = "survey_closed"


@dataclass(frozen=True)
class OpenInvitation:
    """What a survey page needs: the survey, its current spec, the invitation, a language."""

    survey_id: int
    survey_key: str
    version: int
    spec: SurveySpec
    invitation_id: int | None
    customer_id: str | None
    language: str
    answers: dict[str, Any] | None  # a previous answer, to edit


@dataclass(frozen=True)
class SubmitResult:
    response_id: int
    survey_id: int
    version: int
    revision: int
    created: bool
    replayed: bool  # the same idempotency key again: nothing changed


_T: sa.Table = Response.__table__  # type: ignore[assignment]
#: The link's invitation and survey in one look-up (built once; executed with a parameter).
_OPEN_INVITATION = (
    sa.select(
        Invitation.survey_id,
        Invitation.customer_id,
        Invitation.language,
        Survey.key,
        Survey.status,
        Survey.current_version,
    )
    .join(Survey, Survey.id == Invitation.survey_id)
    .where(Invitation.id == sa.bindparam("iid"))
)
_BY_INVITATION = sa.select(_T.c.id, _T.c.revision).where(_T.c.invitation_id == sa.bindparam("iid"))
#: Live versions never change (editing a live survey makes a new version): parsed once per
#: store (engine).
_LIVE_SPECS: WeakKeyDictionary[sa.Engine, dict[tuple[int, int], SurveySpec]] = WeakKeyDictionary()
_UPSERTS: dict[str, Any] = {}


def _live_spec(session: Session, survey_id: int, version: int) -> SurveySpec:
    bind = session.get_bind()
    engine = bind if isinstance(bind, sa.Engine) else bind.engine
    cache = _LIVE_SPECS.setdefault(engine, {})
    spec = cache.get((survey_id, version))
    if spec is None:
        spec = spec_of(session, survey_id, version)
        if len(cache) > 1024:
            cache.clear()
        cache[(survey_id, version)] = spec
    return spec


def _personal_upsert(dialect: str) -> Any:
    """INSERT … ON CONFLICT (invitation_id) DO UPDATE, built once per dialect.

    The update is skipped when the request repeats the stored idempotency key (a retried
    request), so RETURNING gives no row exactly then.
    """
    stmt = _UPSERTS.get(dialect)
    if stmt is not None:
        return stmt
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    now = sa.bindparam("now", type_=UtcDateTime())
    ins = insert(_T).values(
        survey_id=sa.bindparam("survey_id"),
        version=sa.bindparam("version"),
        invitation_id=sa.bindparam("invitation_id"),
        idempotency_key=sa.bindparam("key", type_=sa.String()),
        customer_id=sa.bindparam("customer_id"),
        channel=sa.bindparam("channel"),
        language=sa.bindparam("language"),
        answers=sa.bindparam("answers", type_=sa.JSON()),
        submitted_at=now,
        updated_at=now,
        revision=1,
        synced_revision=0,
    )
    ex = ins.excluded
    stmt = ins.on_conflict_do_update(
        index_elements=[_T.c.invitation_id],
        set_={
            "version": ex.version,
            "answers": ex.answers,
            "language": ex.language,
            "idempotency_key": ex.idempotency_key,
            "updated_at": ex.updated_at,
            "revision": _T.c.revision + 1,
        },
        where=ex.idempotency_key.is_(None)
        | _T.c.idempotency_key.is_distinct_from(ex.idempotency_key),
    ).returning(_T.c.id, _T.c.revision)
    _UPSERTS[dialect] = stmt
    return stmt


def _language(
    spec: SurveySpec, requested: str | None, accept: str | None, default: str | None
) -> str:
    if requested in spec.languages:
        return str(requested)
    if default in spec.languages and not accept:
        return str(default)
    return pick_language(accept or default, list(spec.languages))


def _live(survey_status: str) -> None:
    if survey_status != SurveyStatus.live.value:
        raise ClosedError(f"survey is {survey_status}, not taking answers")


def open_invitation(
    session: Session,
    secret: bytes,
    token: str,
    *,
    lang: str | None = None,
    accept_language: str | None = None,
    previous: bool = True,
) -> OpenInvitation:
    """The survey behind a personal link; :class:`TokenError` for a bad link.

    With ``previous`` the customer's earlier answers come along (to pre-fill the page).
    """
    claims = verify_invitation(secret, token)
    row = session.connection().execute(_OPEN_INVITATION, {"iid": claims.invitation_id}).first()
    if row is None or row[0] != claims.survey_id:
        raise TokenError("forged")  # signed by us, but the invitation is gone
    survey_id, customer_id, inv_lang, key, status, version = row
    _live(status)
    spec = _live_spec(session, survey_id, version)
    before = (
        session.scalar(
            sa.select(Response.answers).where(Response.invitation_id == claims.invitation_id)
        )
        if previous
        else None
    )
    return OpenInvitation(
        survey_id,
        key,
        version,
        spec,
        claims.invitation_id,
        customer_id,
        _language(spec, lang, accept_language, inv_lang),
        before,
    )


def open_public(
    session: Session, key: str, *, lang: str | None = None, accept_language: str | None = None
) -> OpenInvitation:
    survey = get_survey(session, key)
    if not survey.public_link:
        raise NotFoundError(f"no survey {key!r}")
    _live(survey.status)
    spec = spec_of(session, survey.id, survey.current_version)
    return OpenInvitation(
        survey.id,
        survey.key,
        survey.current_version,
        spec,
        None,
        None,
        _language(spec, lang, accept_language, None),
        None,
    )


def _version(
    session: Session, opened: OpenInvitation, version: int | None
) -> tuple[int, SurveySpec]:
    """The version the answers were given to: the form's (if it exists), else the current."""
    if version is None or version == opened.version:
        return opened.version, opened.spec
    try:
        return version, spec_of(session, opened.survey_id, version)
    except NotFoundError:
        raise ConfigError(f"version: survey has no version {version}") from None


def _upsert(session: Session) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def submit_personal(
    session: Session,
    secret: bytes,
    token: str,
    answers: Any,
    *,
    lang: str | None = None,
    accept_language: str | None = None,
    idempotency_key: str | None = None,
    version: int | None = None,
    channel: str | None = None,
    opened: OpenInvitation | None = None,
) -> SubmitResult:
    """Store (or update) the response of a personal link; see the module docstring.

    ``opened`` is the link already opened in this session (saves the look-up).
    """
    if opened is None:
        opened = open_invitation(
            session, secret, token, lang=lang, accept_language=accept_language, previous=False
        )
    assert opened.invitation_id is not None
    v, spec = _version(session, opened, version)
    clean = validate_answers(spec, answers, opened.language)
    key = (idempotency_key or "")[:100] or None
    conn = session.connection()
    row = conn.execute(
        _personal_upsert(conn.dialect.name),
        {
            "survey_id": opened.survey_id,
            "version": v,
            "invitation_id": opened.invitation_id,
            "key": key,
            "customer_id": opened.customer_id,
            "channel": channel or "link",
            "language": opened.language,
            "answers": clean,
            "now": utcnow(),
        },
    ).first()
    if row is None:  # the same idempotency key again: a retried request, nothing changes
        same = conn.execute(_BY_INVITATION, {"iid": opened.invitation_id}).one()
        session.commit()
        return SubmitResult(same[0], opened.survey_id, v, same[1], False, True)
    session.commit()
    return SubmitResult(row[0], opened.survey_id, v, row[1], row[1] == 1, False)


def submit_public(
    session: Session,
    key: str,
    answers: Any,
    *,
    lang: str | None = None,
    accept_language: str | None = None,
    idempotency_key: str | None = None,
    version: int | None = None,
    channel: str = "public",
    opened: OpenInvitation | None = None,
) -> SubmitResult:
    """Store one response through a survey's public link; see the module docstring."""
    if opened is None:
        opened = open_public(session, key, lang=lang, accept_language=accept_language)
    v, spec = _version(session, opened, version)
    clean = validate_answers(spec, answers, opened.language)
    now = utcnow()
    ikey = (idempotency_key or "")[:100] or None
    stmt = (
        _upsert(session)(Response)
        .values(
            survey_id=opened.survey_id,
            version=v,
            invitation_id=None,
            idempotency_key=ikey,
            customer_id=None,
            channel=channel,
            language=opened.language,
            answers=clean,
            submitted_at=now,
            updated_at=now,
            revision=1,
            synced_revision=0,
        )
        .on_conflict_do_nothing(
            index_elements=[Response.survey_id, Response.idempotency_key],
            index_where=Response.invitation_id.is_(None),
        )
        .returning(Response.id, Response.revision)
    )
    row = session.execute(stmt).first()
    if row is None:  # the same key was already stored
        same = session.execute(
            sa.select(Response.id, Response.revision, Response.version).where(
                Response.survey_id == opened.survey_id,
                Response.idempotency_key == ikey,
                Response.invitation_id.is_(None),
            )
        ).one()
        session.rollback()
        return SubmitResult(same[0], opened.survey_id, same[2], same[1], False, True)
    session.commit()
    return SubmitResult(row[0], opened.survey_id, v, row[1], True, False)


@dataclass(frozen=True)
class ResponseRow:
    id: int
    version: int
    customer_id: str | None
    channel: str
    language: str
    submitted_at: datetime
    updated_at: datetime
    revision: int
    synced: bool
    answers: dict[str, Any]


def list_responses(
    session: Session,
    ref: int | str,
    actor: Actor,
    *,
    unmask: bool,
    limit: int = 100,
    offset: int = 0,
) -> tuple[int, Sequence[ResponseRow]]:
    """The total and a page of responses of a survey, newest first (audited as a view).

    With ``unmask`` false (a reader without ``pii.view``), e-mails, phone, card and ID numbers
    inside the answers' text are masked (:func:`loyalloop.feedback.mask_pii`, as on the
    customer page): free text is the customer's own words and may hold contacts.
    """
    survey = get_survey(session, ref)
    total = session.scalar(
        sa.select(sa.func.count()).select_from(Response).where(Response.survey_id == survey.id)
    )
    rows = session.scalars(
        sa.select(Response)
        .where(Response.survey_id == survey.id)
        .order_by(Response.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    record(session, actor, "responses.view", f"survey:{survey.id}", {"rows": len(rows)})
    session.commit()
    return int(total or 0), [
        ResponseRow(
            r.id,
            r.version,
            r.customer_id,
            r.channel,
            r.language,
            r.submitted_at,
            r.updated_at,
            r.revision,
            r.synced_revision == r.revision,
            r.answers if unmask else masked_answers(r.answers or {}),
        )
        for r in rows
    ]


def masked_answers(answers: dict[str, Any]) -> dict[str, Any]:
    """``answers`` with :func:`~loyalloop.feedback.mask_pii` applied to every text in them
    (an answer, an item of a list, a value of a mapping); numbers and choices are kept."""

    def mask(value: Any) -> Any:
        if isinstance(value, str):
            return mask_pii(value)
        if isinstance(value, list | tuple):
            return [mask(v) for v in value]
        if isinstance(value, dict):
            return {k: mask(v) for k, v in value.items()}
        return value

    return {k: mask(v) for k, v in answers.items()}
