"""Consent changes made through Loyalloop (services/consent.py): recorded with source, actor and
time, audited, and applied at once to invitations — a withdrawal suppresses the channel, a grant
lifts it and overrides an imported "no" older than the grant (and only such a one)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from loyalloop.cli.main import app
from loyalloop.errors import ConfigError
from loyalloop.services import Actor, Store
from loyalloop.services.consent import change_consent, consent_history, store_grants
from loyalloop.services.invitations import Recipient, invite, unsubscribe
from loyalloop.services.surveys import create_survey
from loyalloop.store.base import utcnow
from loyalloop.store.models import AuditEvent, CustomerConsent, Suppression
from loyalloop.surveys import Channel

ME = Actor("ana@example.com", "analyst", 1)
BRANCH = Actor("li@bank.example", "agent", 2)
SPEC = {
    "key": "visit",
    "title": {"zh": "网点调查", "en": "Branch visit"},
    "questions": [{"id": "nps", "type": "nps", "text": {"zh": "推荐？", "en": "Recommend?"}}],
}


def _suppressions(store: Store, cid: str) -> dict[str, str]:
    with store.session() as s:
        q = sa.select(Suppression.channel, Suppression.source).where(Suppression.customer_id == cid)
        return {ch: src for ch, src in s.execute(q)}


def test_withdrawal_is_recorded_audited_and_stops_invitations(store: Store) -> None:
    with store.session() as s:
        create_survey(s, SPEC, ME, publish=True)
        r = change_consent(s, "C1", "email", False, "branch:Pudong", BRANCH)
        again = change_consent(s, "C1", "email", False, "call", BRANCH)
        s.commit()
    assert r.recorded and r.suppressions_added == 1
    assert not again.recorded  # already withdrawn: nothing changed, nothing recorded
    assert _suppressions(store, "C1") == {"email": "branch:Pudong"}
    with store.session() as s:
        rows = consent_history(s, "C1")
        audit = s.scalars(sa.select(AuditEvent).where(AuditEvent.action == "consent.change")).all()
    assert [(h.channel, h.granted, h.source, h.actor) for h in rows] == [
        ("email", False, "branch:Pudong", "li@bank.example")
    ]
    assert len(audit) == 1 and audit[0].target == "customer:C1"
    assert audit[0].detail == {"channel": "email", "granted": False, "source": "branch:Pudong"}
    people = [Recipient("C1", email="c1@example.com", phone="+8613800000001",
                        consent_email=True, consent_sms=True)]  # fmt: skip
    with store.session() as s:
        by_email = invite(store, s, "visit", people, ME, channel=Channel.email)
    assert by_email.created == 0 and by_email.skipped == {"suppressed": 1}
    with store.session() as s:  # only e-mail was withdrawn: SMS still reaches the customer
        create_survey(s, {**SPEC, "key": "sms"}, ME, publish=True)
        by_sms = invite(store, s, "sms", people, ME, channel=Channel.sms)
    assert by_sms.created == 1


def test_grant_overrides_an_older_imported_no_but_not_a_newer_one(store: Store) -> None:
    now = utcnow()
    with store.session() as s:
        create_survey(s, SPEC, ME, publish=True)
        # the warehouse said "no" for C1 yesterday, and changed C2's consent an hour from now
        s.add(CustomerConsent(customer_id="C1", email=False, sms=False, phone=False,
                              refreshed_at=now - timedelta(days=1)))  # fmt: skip
        s.add(CustomerConsent(customer_id="C2", email=False, sms=False, phone=False,
                              refreshed_at=now + timedelta(hours=1)))  # fmt: skip
        s.commit()
    people = [Recipient(c, email=f"{c.lower()}@example.com", consent_email=False)
              for c in ("C1", "C2", "C3")]  # fmt: skip
    with store.session() as s:
        before = invite(store, s, "visit", people, ME, channel=Channel.email)
    assert before.created == 0 and before.skipped == {"no_consent": 3}
    with store.session() as s:
        create_survey(s, {**SPEC, "key": "after"}, ME, publish=True)
        for c in ("C1", "C2", "C3"):  # C3: no copy of the warehouse yet → the grant holds
            change_consent(s, c, "email", True, "branch:Pudong", BRANCH, at=now)
        s.commit()
        assert store_grants(s, ["C1", "C2", "C3", "C4"]) == {("C1", "email"), ("C3", "email")}
        after = invite(store, s, "after", people, ME, channel=Channel.email)
    assert after.created == 2 and after.skipped == {"no_consent": 1}
    assert {link.customer_id for link in after.links} == {"C1", "C3"}
    with store.session() as s:  # the grant was for e-mail only: SMS keeps the imported "no"
        assert ("C1", "sms") not in store_grants(s, ["C1"])


def test_grant_after_unsubscribe_lifts_only_that_channel(store: Store) -> None:
    with store.session() as s:
        create_survey(s, SPEC, ME, publish=True)
        unsubscribe(s, "C1", "all", "link:invitation:7")
        r = change_consent(s, "C1", "sms", True, "call", BRANCH)
        s.commit()
    assert (r.suppressions_removed, r.suppressions_added) == (1, 2)
    assert _suppressions(store, "C1") == {
        "email": "link:invitation:7",
        "phone": "link:invitation:7",
    }
    with store.session() as s:
        hist = [(h.channel, h.granted, h.actor) for h in consent_history(s, "C1")]
        assert hist == [("all", False, "customer"), ("sms", True, "li@bank.example")]
        assert store_grants(s, ["C1"]) == {("C1", "sms")}
        change_consent(s, "C1", "all", True, "letter", BRANCH)
        s.commit()
    assert _suppressions(store, "C1") == {}
    with store.session() as s:  # the newest change holds: all granted after the sms grant
        assert store_grants(s, ["C1"]) == {("C1", "email"), ("C1", "sms"), ("C1", "phone")}
        change_consent(s, "C1", "sms", False, "call", BRANCH)
        s.commit()
        assert store_grants(s, ["C1"]) == {("C1", "email"), ("C1", "phone")}
    assert _suppressions(store, "C1") == {"sms": "call"}


@pytest.mark.parametrize(
    ("cid", "channel", "source", "message"),
    [
        ("C1", "fax", "call", "channel"),
        ("", "email", "call", "customer id"),
        ("C1", "email", "  ", "source"),
        ("C1", "email", "x" * 101, "at most 100"),
    ],
)
def test_bad_changes_are_refused_with_the_field(
    store: Store, cid: str, channel: str, source: str, message: str
) -> None:
    with store.session() as s, pytest.raises(ConfigError, match=message):
        change_consent(s, cid, channel, True, source, BRANCH)


def test_cli_set_and_history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOYALLOOP_ENV", "local")
    runner = CliRunner()
    home = ["--home", str(tmp_path / "home")]
    w = runner.invoke(
        app, [*home, "consent", "set", "C9", "--channel", "all", "--withdrawn",
              "--source", "branch:Pudong", "--json"],
    )  # fmt: skip
    assert w.exit_code == 0, w.output
    assert json.loads(w.stdout)["suppressions_added"] == 1
    g = runner.invoke(
        app, [*home, "consent", "set", "C9", "--channel", "email", "--granted", "--source", "call"]
    )
    assert g.exit_code == 0 and "email granted" in g.stdout
    h = runner.invoke(app, [*home, "consent", "history", "C9", "--json"])
    changes = json.loads(h.stdout)["changes"]
    assert [(c["channel"], c["granted"], c["source"], c["actor"]) for c in changes] == [
        ("all", False, "branch:Pudong", "cli"),
        ("email", True, "call", "cli"),
    ]
    bad = runner.invoke(
        app, [*home, "consent", "set", "C9", "--channel", "fax", "--granted", "--source", "x",
              "--json"],
    )  # fmt: skip
    assert bad.exit_code == 2 and "fax" in bad.output
    empty = runner.invoke(app, [*home, "consent", "history", "nobody"])
    assert empty.exit_code == 0 and "no consent changes" in empty.stdout
