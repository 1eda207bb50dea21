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
from loyalloop.store.models import (
    AuditEvent,
    CampaignAssignment,
    Invitation,
    Response,
    Survey,
)


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


OLD_CAMPAIGN = sa.text(
    "INSERT INTO campaigns (name, campaign_key, goal, channel, status, current_version, "
    "created_by, created_at, updated_at, expected_cost, counts) VALUES ('w', 'w', 'win-back', "
    "'sms', 'launched', 1, '', :now, :now, 0, '{}') RETURNING id"
)
OLD_ASSIGNMENT = sa.text(
    "INSERT INTO campaign_assignments (campaign_id, customer_id, arm, assigned_at, version, "
    "expected_cost) VALUES (:cid, 'C1', 'holdout', :now, 1, 0)"
)


def test_0009_adds_a_propensity_that_old_assignments_leave_null(store: Store) -> None:
    """Rows written before 0009 keep ``NULL`` (their design is not known); new rows carry the
    design chance of their arm; downgrading drops the column again."""
    downgrade(store.engine, "0008")
    now = datetime.now(UTC)
    with store.engine.begin() as conn:
        cid = conn.execute(OLD_CAMPAIGN, {"now": now}).scalar_one()
        conn.execute(OLD_ASSIGNMENT, {"cid": cid, "now": now})
    upgrade(store.engine)
    with store.session() as s:
        s.add(
            CampaignAssignment(
                campaign_id=cid, customer_id="C2", arm="offer", assigned_at=now, propensity=0.36
            )
        )
        s.commit()
    with store.engine.connect() as conn:
        got = conn.execute(
            sa.select(CampaignAssignment.customer_id, CampaignAssignment.propensity).order_by(
                CampaignAssignment.customer_id
            )
        ).all()
    assert [tuple(g) for g in got] == [("C1", None), ("C2", pytest.approx(0.36))]
    downgrade(store.engine, "0008")
    cols = {c["name"] for c in sa.inspect(store.engine).get_columns("campaign_assignments")}
    assert "propensity" not in cols and "arm" in cols
    upgrade(store.engine)


def test_0010_gives_old_compensation_events_their_grants_currency(store: Store) -> None:
    """Compensation events written before 0010 take the currency their grant kept; downgrading
    drops the column again."""
    from decimal import Decimal

    from loyalloop.cases import Signal, SignalKind
    from loyalloop.services import Actor
    from loyalloop.services.cases import apply_signals, grant_compensation, set_team
    from loyalloop.store.models import CaseEventRow

    now = datetime(2026, 6, 1, 2, tzinfo=UTC)
    bo = Actor("bo@bank.example", "agent", 3)
    with store.session() as s:
        set_team(s, "complaints", actor=Actor.cli(), manager_email="m@bank.example",
                 agents=[bo.name])  # fmt: skip
        signal = Signal("r1", "C1", SignalKind.FEEDBACK, now, score_type="nps", score=2,
                        text="投诉")  # fmt: skip
        case_id = apply_signals(s, [signal], now=now).opened[0]
        d, _ = grant_compensation(s, case_id, kind="gift", amount=Decimal("12.5"),
                                  expected_version=None, actor=bo, now=now, currency="USD")  # fmt: skip
        assert d.approved
    downgrade(store.engine, "0009")
    cols = {c["name"] for c in sa.inspect(store.engine).get_columns("case_events")}
    assert "currency" not in cols and "amount" in cols
    upgrade(store.engine)
    with store.engine.connect() as conn:
        got = conn.execute(
            sa.select(CaseEventRow.kind, CaseEventRow.currency).order_by(CaseEventRow.seq)
        ).all()
    assert ("compensation", "USD") in [tuple(g) for g in got]
    assert {c for k, c in got if k != "compensation"} == {None}


def test_0011_gives_old_campaigns_the_projects_currency(store: Store) -> None:
    """Campaigns made before 0011 take the project's currency handed to the upgrade; without
    one (no run names it) they keep ``NULL``; downgrading drops the column again."""
    from loyalloop.store.models import Campaign

    downgrade(store.engine, "0010")
    now = datetime.now(UTC)
    with store.engine.begin() as conn:
        conn.execute(OLD_CAMPAIGN, {"now": now}).scalar_one()
    upgrade(store.engine, project_currency="USD")
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(Campaign.name, Campaign.currency)).all() == [("w", "USD")]
    downgrade(store.engine, "0010")
    cols = {c["name"] for c in sa.inspect(store.engine).get_columns("campaigns")}
    assert "currency" not in cols and "expected_cost" in cols
    upgrade(store.engine)  # no project currency known
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(Campaign.name, Campaign.currency)).all() == [("w", None)]
