"""Survey and response use cases on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from loyalloop.errors import ConfigError, NotFoundError
from loyalloop.services import Actor, Store
from loyalloop.services.invitations import Recipient, invite
from loyalloop.services.responses import ClosedError, submit_personal, submit_public
from loyalloop.services.surveys import (
    close_survey,
    create_survey,
    list_surveys,
    publish_survey,
    survey_stats,
    update_survey,
)
from loyalloop.store.models import AuditEvent, Response, SurveyVersion
from loyalloop.surveys import AnswerError, TokenError, sign_invitation
from loyalloop.surveys.stats import wilson

ME = Actor("ana@example.com", "analyst", 1)


def spec(extra: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "key": "visit",
        "title": {"zh": "网点调查", "en": "Branch visit"},
        "questions": [
            {"id": "nps", "type": "nps", "text": {"zh": "推荐？", "en": "Recommend?"}},
            {"id": "why", "type": "text", "about": "nps", "text": {"zh": "原因", "en": "Why"}},
            *(extra or []),
        ],
    }


def tokens(store: Store, n: int, survey: int = 1) -> list[str]:
    with store.session() as s:
        result = invite(store, s, survey, [Recipient(f"C{i}") for i in range(n)], ME)
    return [link.url.rsplit("/", 1)[1] for link in result.links]


def test_versioning_rules(store: Store) -> None:
    with store.session() as s:
        survey = create_survey(s, spec(), ME)
        update_survey(s, survey.id, spec([{"id": "csat", "type": "csat", "text": "满意"}]), ME)
        assert survey.current_version == 1  # a draft is edited in place
        publish_survey(s, survey.id, ME)
        update_survey(s, survey.id, spec([{"id": "ces", "type": "ces", "text": "费力"}]), ME)
        assert survey.current_version == 2
        assert s.scalar(sa.select(sa.func.count()).select_from(SurveyVersion)) == 2
        with pytest.raises(ConfigError, match="key cannot change"):
            update_survey(s, survey.id, {**spec(), "key": "other"}, ME)
        with pytest.raises(ConfigError, match="already exists"):
            create_survey(s, spec(), ME)
        actions = s.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["survey.create", "survey.update", "survey.live", "survey.update"]


def test_each_response_keeps_its_version(store: Store) -> None:
    with store.session() as s:
        survey = create_survey(s, spec(), ME, publish=True)
    t = tokens(store, 2)
    secret = store.settings.secret
    with store.session() as s:
        submit_personal(s, secret, t[0], {"nps": 9}, lang="en")
        update_survey(s, survey.id, spec([{"id": "csat", "type": "csat", "text": "满意"}]), ME)
        with pytest.raises(AnswerError, match="csat"):
            submit_personal(s, secret, t[1], {"nps": 9}, lang="en")  # v2 needs csat
        submit_personal(s, secret, t[1], {"nps": 3, "csat": 2}, lang="en")
        versions = dict(s.execute(sa.select(Response.customer_id, Response.version)).all())
    assert versions == {"C0": 1, "C1": 2}


def test_one_response_per_invitation_updates_and_replays(store: Store) -> None:
    with store.session() as s:
        create_survey(s, spec(), ME, publish=True)
    (t,) = tokens(store, 1)
    secret = store.settings.secret
    with store.session() as s:
        first = submit_personal(s, secret, t, {"nps": 4}, idempotency_key="a")
        again = submit_personal(s, secret, t, {"nps": 5}, idempotency_key="a")  # a retried POST
        edit = submit_personal(s, secret, t, {"nps": 10, "why": "改好了"}, idempotency_key="b")
        rows = s.execute(sa.select(Response.answers, Response.revision)).all()
    assert (first.created, again.replayed, edit.created, edit.revision) == (True, True, False, 2)
    assert first.response_id == again.response_id == edit.response_id
    assert rows == [({"nps": 10, "why": "改好了"}, 2)]


def test_concurrent_submissions_of_one_link_store_one_response(store: Store) -> None:
    with store.session() as s:
        create_survey(s, spec(), ME, publish=True)
    (t,) = tokens(store, 1)
    errors: list[BaseException] = []

    def post(i: int) -> None:
        try:
            with store.session() as s:
                submit_personal(s, store.settings.secret, t, {"nps": i % 11})
        except BaseException as exc:  # collected and re-raised by the test
            errors.append(exc)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
    with store.session() as s:
        assert s.execute(sa.select(sa.func.count(), sa.func.max(Response.revision))).one() == (1, 8)


def test_invalid_answers_store_nothing_and_closed_surveys_refuse(store: Store) -> None:
    with store.session() as s:
        survey = create_survey(s, spec(), ME)
    (t,) = tokens(store, 1)
    secret = store.settings.secret
    with store.session() as s:
        with pytest.raises(ClosedError, match="draft"):
            submit_personal(s, secret, t, {"nps": 4})
        publish_survey(s, survey.id, ME)
        with pytest.raises(AnswerError):
            submit_personal(s, secret, t, {"nps": "ten", "why": "x"})
        close_survey(s, survey.id, ME)
        with pytest.raises(ClosedError, match="closed"):
            submit_personal(s, secret, t, {"nps": 4})
        assert s.scalar(sa.select(sa.func.count()).select_from(Response)) == 0


def test_tokens_for_missing_or_other_invitations_are_refused(store: Store) -> None:
    with store.session() as s:
        survey = create_survey(s, spec(), ME, publish=True)
    secret = store.settings.secret
    from loyalloop.store.base import utcnow

    ghost = sign_invitation(secret, 999, survey.id, utcnow() + timedelta(days=1))
    with store.session() as s, pytest.raises(TokenError, match="forged"):
        submit_personal(s, secret, ghost, {"nps": 4})
    with store.session() as s, pytest.raises(NotFoundError):
        submit_public(s, "no-such-survey", {"nps": 4})


def test_public_link_idempotency(store: Store) -> None:
    with store.session() as s:
        create_survey(s, spec(), ME, publish=True)
        a = submit_public(s, "visit", {"nps": 9}, idempotency_key="k1")
        b = submit_public(s, "visit", {"nps": 9}, idempotency_key="k1")
        c = submit_public(s, "visit", {"nps": 2})
        n = s.scalar(sa.select(sa.func.count()).select_from(Response))
    assert a.response_id == b.response_id and b.replayed and c.created and n == 2


def test_stats_computed_by_the_database_match_the_raw_answers(store: Store) -> None:
    with store.session() as s:
        create_survey(
            s,
            spec(
                [
                    {"id": "csat", "type": "csat", "text": "满意"},
                    {"id": "ces", "type": "ces", "text": "费力"},
                    {
                        "id": "ch",
                        "type": "single_choice",
                        "text": "渠道",
                        "options": [{"id": "app", "text": "App"}, {"id": "branch", "text": "网点"}],
                    },
                ]
            ),
            ME,
            publish=True,
        )
    t = tokens(store, 30)
    scores = [(i * 7) % 11 for i in range(20)]
    with store.session() as s:
        for i, score in enumerate(scores):
            submit_personal(
                s,
                store.settings.secret,
                t[i],
                {
                    "nps": score,
                    "csat": 1 + i % 5,
                    "ces": 1 + i % 7,
                    "ch": "app" if i % 3 else "branch",
                },
            )
        st = survey_stats(s, 1)
        listed = list_surveys(s)
    p = sum(x >= 9 for x in scores)
    d = sum(x <= 6 for x in scores)
    nps = next(q for q in st.questions if q.question == "nps").nps
    assert nps is not None and (nps.promoters, nps.detractors, nps.n) == (p, d, 20)
    assert nps.nps == pytest.approx(100 * (p - d) / 20)
    csat = next(q for q in st.questions if q.question == "csat").csat
    assert csat is not None and csat.csat == pytest.approx(
        100 * sum(1 + i % 5 >= 4 for i in range(20)) / 20
    )
    ces = next(q for q in st.questions if q.question == "ces").ces
    assert ces is not None and ces.mean == pytest.approx(sum(1 + i % 7 for i in range(20)) / 20)
    ch = next(q for q in st.questions if q.question == "ch")
    assert ch.choices == {
        "app": sum(1 for i in range(20) if i % 3),
        "branch": sum(1 for i in range(20) if not i % 3),
    }
    assert (st.rate.invited, st.rate.responded, st.rate.not_responded) == (30, 20, 10)
    assert (st.rate.ci_low, st.rate.ci_high) == pytest.approx(wilson(20, 30))
    assert listed[0].invited == 30 and listed[0].responses == 20


def test_idempotency_keys_of_different_links_do_not_collide(store: Store) -> None:
    with store.session() as s:
        create_survey(s, spec(), ME, publish=True)
    a, b = tokens(store, 2)
    with store.session() as s:
        ra = submit_personal(s, store.settings.secret, a, {"nps": 9}, idempotency_key="1")
        rb = submit_personal(s, store.settings.secret, b, {"nps": 3}, idempotency_key="1")
        pub = submit_public(s, "visit", {"nps": 5}, idempotency_key="1")
        n = s.scalar(sa.select(sa.func.count()).select_from(Response))
    assert ra.created and rb.created and pub.created and n == 3
