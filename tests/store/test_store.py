"""The operational store on SQLite and PostgreSQL: migrations, models, constraints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from loyalloop.services import Store
from loyalloop.store import Base, current, head
from loyalloop.store.migrate import downgrade, upgrade
from loyalloop.store.models import AuditEvent, Invitation, Response, Survey


def test_migrated_to_head_and_models_match_migrations(store: Store) -> None:
    assert current(store.engine) == head()
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_audit_log_is_append_only_in_the_database(store: Store) -> None:
    with store.session() as s:
        s.add(AuditEvent(actor="a@example.com", action="login", target="user:1"))
        s.commit()
    for stmt in (
        sa.update(AuditEvent).values(actor="someone else"),
        sa.delete(AuditEvent),
    ):
        with store.session() as s, pytest.raises(sa.exc.DBAPIError, match="append-only"):
            s.execute(stmt)
            s.commit()
    with store.session() as s:
        assert s.scalar(sa.select(AuditEvent.actor)) == "a@example.com"


def test_timestamps_come_back_in_utc(store: Store) -> None:
    beijing = timezone(timedelta(hours=8))
    at = datetime(2026, 3, 1, 9, 30, tzinfo=beijing)
    with store.session() as s:
        s.add(AuditEvent(actor="x", action="y", at=at))
        s.commit()
    with store.session() as s:
        got = s.scalar(sa.select(AuditEvent.at))
    assert got == at and got.tzinfo is not None and got.utcoffset() == timedelta(0)
    with store.session() as s, pytest.raises(sa.exc.StatementError, match="naive"):
        s.add(AuditEvent(actor="x", action="y", at=datetime(2026, 1, 1)))
        s.commit()


def test_one_response_per_invitation_is_a_constraint(store: Store) -> None:
    now = datetime.now(UTC)
    with store.session() as s:
        sv = Survey(key="k", title="t")
        s.add(sv)
        s.flush()
        inv = Invitation(survey_id=sv.id, customer_id="C1", channel="link", expires_at=now)
        s.add(inv)
        s.flush()
        for _ in range(2):
            s.add(
                Response(
                    survey_id=sv.id,
                    version=1,
                    invitation_id=inv.id,
                    channel="link",
                    language="zh",
                    answers={"nps": 9},
                )
            )
        with pytest.raises(sa.exc.IntegrityError):
            s.commit()


def test_downgrade_to_base_and_back(store: Store) -> None:
    downgrade(store.engine, "base")
    assert current(store.engine) is None
    assert "surveys" not in sa.inspect(store.engine).get_table_names()
    upgrade(store.engine)
    assert current(store.engine) == head()


OLD_SURVEY = sa.text(
    "INSERT INTO surveys (key, title, status, current_version, public_link, created_by, "
    "created_at, updated_at) VALUES ('k', 't', 'live', 1, false, '', :now, :now) RETURNING id"
)
OLD_RESPONSE = sa.text(
    "INSERT INTO responses (id, survey_id, version, customer_id, channel, language, answers, "
    "submitted_at, updated_at, revision, synced_revision) "
    "VALUES (:id, :sid, 1, :cid, 'link', 'zh', '{}', :now, :now, :rev, 0)"
)
OLD_SWEEP = sa.text(
    "INSERT INTO case_sweeps (name, last_id, updated_at) VALUES ('responses', 2, :now)"
)


def test_0008_marks_responses_the_old_sweep_had_evaluated(store: Store) -> None:
    """Upgrading to the case outbox: responses up to the old watermark (``case_sweeps`` row
    ``responses``) count as evaluated, later ones wait for the case rules."""
    downgrade(store.engine, "0007")
    now = datetime.now(UTC)
    with store.engine.begin() as conn:
        sid = conn.execute(OLD_SURVEY, {"now": now}).scalar_one()
        for i, revision in ((1, 1), (2, 3), (3, 2)):
            conn.execute(OLD_RESPONSE, {"id": i, "sid": sid, "cid": f"C{i}", "now": now,
                                        "rev": revision})  # fmt: skip
        conn.execute(OLD_SWEEP, {"now": now})
    upgrade(store.engine)
    with store.engine.connect() as conn:
        marks = conn.execute(
            sa.select(Response.id, Response.rules_revision).order_by(Response.id)
        ).all()
    assert [tuple(m) for m in marks] == [(1, 1), (2, 3), (3, 0)]
