"""Survey use cases: create, edit (versioning), publish, close, list with live counts, stats.

Versioning rules
----------------
* A **draft** survey has one version, replaced in place by each edit (nobody answered it).
* Publishing makes it **live**. Editing a live survey creates version ``n + 1``; new answers
  are taken against the newest version and every response keeps the version it answered, so
  earlier answers stay interpretable. The survey key cannot change.
* A **closed** survey takes no answers; it can be reopened (made live again).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from weakref import WeakKeyDictionary

import sqlalchemy as sa
from sqlalchemy.orm import Session

from loyalloop.errors import ConfigError, NotFoundError
from loyalloop.insight.scales import (
    CES_EASY_MIN,
    CSAT_SATISFIED_MIN,
    NPS_PROMOTER_MIN,
    is_detractor,
    is_passive,
)
from loyalloop.services.audit import Actor, record
from loyalloop.store.base import utcnow
from loyalloop.store.models import Invitation, Response, Survey, SurveyStatus, SurveyVersion
from loyalloop.surveys import (
    CesResult,
    QuestionType,
    RateResult,
    SurveySpec,
    ces_from_moments,
    csat_from_counts,
    nps_from_counts,
    parse_spec,
    response_rate,
)
from loyalloop.surveys.stats import CsatResult, NpsResult

__all__ = [
    "QuestionStats",
    "SurveyStats",
    "SurveySummary",
    "close_survey",
    "create_survey",
    "get_survey",
    "list_surveys",
    "publish_survey",
    "spec_of",
    "survey_stats",
    "update_survey",
]


def get_survey(session: Session, ref: int | str) -> Survey:
    """A survey by id or key."""
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        survey = session.get(Survey, int(ref))
    else:
        survey = session.scalar(sa.select(Survey).where(Survey.key == ref))
    if survey is None:
        raise NotFoundError(f"no survey {ref!r}")
    return survey


#: Parsed specs per store by (version row id, its timestamp): a draft edited in place gets a
#: new timestamp, so a cached spec is never stale; published versions never change.
_SPECS: WeakKeyDictionary[sa.Engine, dict[tuple[int, datetime], SurveySpec]] = WeakKeyDictionary()
_SPECS_MAX = 512


def spec_of(session: Session, survey_id: int, version: int) -> SurveySpec:
    """The spec of one version, parsed once per process."""
    row = session.execute(
        sa.select(SurveyVersion.id, SurveyVersion.created_at).where(
            SurveyVersion.survey_id == survey_id, SurveyVersion.version == version
        )
    ).first()
    if row is None:
        raise NotFoundError(f"survey {survey_id} has no version {version}")
    key = (row[0], row[1])
    bind = session.get_bind()
    cache = _SPECS.setdefault(bind if isinstance(bind, sa.Engine) else bind.engine, {})
    spec = cache.get(key)
    if spec is None:
        data = session.scalar(sa.select(SurveyVersion.spec).where(SurveyVersion.id == row[0]))
        spec = parse_spec(data or {})
        if len(cache) >= _SPECS_MAX:
            cache.clear()
        cache[key] = spec
    return spec


def create_survey(
    session: Session, spec: SurveySpec | dict[str, Any], actor: Actor, *, publish: bool = False
) -> Survey:
    """Store a new survey (draft, or live with ``publish``); its key must be new."""
    spec = parse_spec(spec)
    if session.scalar(sa.select(Survey.id).where(Survey.key == spec.key)) is not None:
        raise ConfigError(f"key: a survey {spec.key!r} already exists (edit it instead)")
    survey = Survey(
        key=spec.key,
        title=spec.title.get("zh") or next(iter(spec.title.values())),
        status=(SurveyStatus.live if publish else SurveyStatus.draft).value,
        current_version=1,
        created_by=actor.name,
    )
    session.add(survey)
    session.flush()
    session.add(
        SurveyVersion(survey_id=survey.id, version=1, spec=spec.to_dict(), created_by=actor.name)
    )
    record(session, actor, "survey.create", f"survey:{survey.id}", {"key": spec.key})
    session.commit()
    return survey


def update_survey(
    session: Session, ref: int | str, spec: SurveySpec | dict[str, Any], actor: Actor
) -> Survey:
    """Edit a survey under the versioning rules of the module docstring."""
    spec = parse_spec(spec)
    survey = get_survey(session, ref)
    if spec.key != survey.key:
        raise ConfigError(f"key: a survey's key cannot change ({survey.key!r} → {spec.key!r})")
    survey.title = spec.title.get("zh") or next(iter(spec.title.values()))
    survey.updated_at = utcnow()
    if survey.status == SurveyStatus.draft.value:
        row = session.scalar(
            sa.select(SurveyVersion).where(
                SurveyVersion.survey_id == survey.id,
                SurveyVersion.version == survey.current_version,
            )
        )
        assert row is not None
        row.spec = spec.to_dict()
        row.created_at = utcnow()
    else:
        survey.current_version += 1
        session.add(
            SurveyVersion(
                survey_id=survey.id,
                version=survey.current_version,
                spec=spec.to_dict(),
                created_by=actor.name,
            )
        )
    record(
        session, actor, "survey.update", f"survey:{survey.id}", {"version": survey.current_version}
    )
    session.commit()
    return survey


def _set_status(session: Session, ref: int | str, status: SurveyStatus, actor: Actor) -> Survey:
    survey = get_survey(session, ref)
    if survey.status != status.value:
        record(
            session,
            actor,
            f"survey.{status.value}",
            f"survey:{survey.id}",
            {"from": survey.status},
        )
        survey.status = status.value
        survey.updated_at = utcnow()
    session.commit()
    return survey


def publish_survey(session: Session, ref: int | str, actor: Actor) -> Survey:
    """Make a survey live (it takes answers)."""
    return _set_status(session, ref, SurveyStatus.live, actor)


def close_survey(session: Session, ref: int | str, actor: Actor) -> Survey:
    """Close a survey (it takes no more answers)."""
    return _set_status(session, ref, SurveyStatus.closed, actor)


@dataclass(frozen=True)
class SurveySummary:
    id: int
    key: str
    title: str
    status: str
    version: int
    invited: int
    responses: int
    created_at: str


def list_surveys(session: Session) -> list[SurveySummary]:
    """Every survey with its live counts of invitations and responses."""
    inv = (
        sa.select(Invitation.survey_id, sa.func.count().label("n"))
        .group_by(Invitation.survey_id)
        .subquery()
    )
    resp = (
        sa.select(Response.survey_id, sa.func.count().label("n"))
        .group_by(Response.survey_id)
        .subquery()
    )
    rows = session.execute(
        sa.select(Survey, sa.func.coalesce(inv.c.n, 0), sa.func.coalesce(resp.c.n, 0))
        .outerjoin(inv, inv.c.survey_id == Survey.id)
        .outerjoin(resp, resp.c.survey_id == Survey.id)
        .order_by(Survey.id.desc())
    ).all()
    return [
        SurveySummary(
            s.id,
            s.key,
            s.title,
            s.status,
            s.current_version,
            int(n_inv),
            int(n_resp),
            s.created_at.isoformat(timespec="seconds"),
        )
        for s, n_inv, n_resp in rows
    ]


@dataclass(frozen=True)
class QuestionStats:
    question: str
    type: str
    nps: NpsResult | None = None
    csat: CsatResult | None = None
    ces: CesResult | None = None
    mean: float | None = None
    n: int = 0
    choices: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class SurveyStats:
    survey_id: int
    responses: int
    rate: RateResult  # personal invitations only (public-link answers have no denominator)
    by_channel: dict[str, RateResult]
    by_segment: dict[str, RateResult]
    by_version: dict[int, int]
    public_responses: int
    questions: list[QuestionStats]


def _rates(session: Session, survey_id: int, column: Any) -> dict[str, RateResult]:
    rows = session.execute(
        sa.select(column, sa.func.count(Invitation.id), sa.func.count(Response.id))
        .select_from(Invitation)
        .outerjoin(Response, Response.invitation_id == Invitation.id)
        .where(Invitation.survey_id == survey_id)
        .group_by(column)
        .order_by(column)
    ).all()
    return {str(k or "—"): response_rate(int(i), int(r)) for k, i, r in rows}


def survey_stats(session: Session, ref: int | str) -> SurveyStats:
    """Response rates (per channel and segment, non-response shown) and NPS / CSAT / CES /
    rating / choice counts of the answers received so far, with 95% intervals.

    Score statistics pool every version in which the question exists with the same type.
    """
    survey = get_survey(session, ref)
    spec = spec_of(session, survey.id, survey.current_version)
    invited, responded = session.execute(
        sa.select(sa.func.count(Invitation.id), sa.func.count(Response.id))
        .select_from(Invitation)
        .outerjoin(Response, Response.invitation_id == Invitation.id)
        .where(Invitation.survey_id == survey.id)
    ).one()
    total = session.scalar(
        sa.select(sa.func.count()).select_from(Response).where(Response.survey_id == survey.id)
    )
    by_version = dict(
        session.execute(
            sa.select(Response.version, sa.func.count())
            .where(Response.survey_id == survey.id)
            .group_by(Response.version)
        ).all()
    )
    questions = [_question_stats(session, survey.id, q.id, q.type) for q in spec.questions]
    return SurveyStats(
        survey_id=survey.id,
        responses=int(total or 0),
        rate=response_rate(int(invited), int(responded)),
        by_channel=_rates(session, survey.id, Invitation.channel),
        by_segment=_rates(session, survey.id, Invitation.segment),
        by_version={int(k): int(v) for k, v in by_version.items()},
        public_responses=int(total or 0) - int(responded),
        questions=questions,
    )


def _question_stats(
    session: Session, survey_id: int, qid: str, qtype: QuestionType
) -> QuestionStats:
    """Counts computed by the database from the JSON answers (SQLite and PostgreSQL alike)."""
    mine = Response.survey_id == survey_id
    if qtype in (QuestionType.single_choice, QuestionType.text):
        value = Response.answers[qid].as_string()
        n = session.scalar(sa.select(sa.func.count(value)).where(mine)) or 0
        if qtype is QuestionType.text:
            return QuestionStats(qid, qtype.value, n=int(n))
        rows = session.execute(
            sa.select(value, sa.func.count()).where(mine, value.is_not(None)).group_by(value)
        ).all()
        return QuestionStats(qid, qtype.value, choices={str(k): int(c) for k, c in rows}, n=int(n))
    if qtype in (QuestionType.multi_choice, QuestionType.kano):
        # lists and mappings: count the answers; option counts come from the list per response
        lists = session.scalars(sa.select(Response.answers[qid]).where(mine)).all()
        given = [v for v in lists if v is not None]
        counts: dict[str, int] = {}
        if qtype is QuestionType.multi_choice:
            for chosen in given:
                for c in chosen:
                    counts[str(c)] = counts.get(str(c), 0) + 1
        return QuestionStats(qid, qtype.value, choices=counts, n=len(given))
    x = Response.answers[qid].as_integer()
    n, total, total_sq, hi, lo, mid = session.execute(
        sa.select(
            sa.func.count(x),
            sa.func.coalesce(sa.func.sum(x), 0),
            sa.func.coalesce(sa.func.sum(x * x), 0),
            sa.func.count(sa.case((x >= _HIGH[qtype], 1))),
            sa.func.count(sa.case((is_detractor(x), 1))),
            sa.func.count(sa.case((is_passive(x), 1))),
        ).where(mine)
    ).one()
    n, total, total_sq, hi = int(n), float(total), float(total_sq), int(hi)
    if qtype is QuestionType.nps:
        return QuestionStats(qid, qtype.value, nps=nps_from_counts(hi, int(mid), int(lo)), n=n)
    if qtype is QuestionType.csat:
        return QuestionStats(qid, qtype.value, csat=csat_from_counts(n, hi, total), n=n)
    if qtype is QuestionType.ces:
        ces = ces_from_moments(n, total, total_sq, hi)
        return QuestionStats(qid, qtype.value, ces=ces, n=n)
    return QuestionStats(qid, qtype.value, mean=total / n if n else None, n=n)


#: The lowest "good" answer per score type: promoters 9+, satisfied 4+, easy 5+.
_HIGH = {
    QuestionType.nps: NPS_PROMOTER_MIN,
    QuestionType.csat: CSAT_SATISFIED_MIN,
    QuestionType.ces: CES_EASY_MIN,
    QuestionType.rating: 10**6,
}
