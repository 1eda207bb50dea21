"""Campaign links in a message: a tracked click redirects to the template's URL and is
recorded; the unsubscribe link asks first, then suppresses the channel at once; forged or
altered tokens are refused. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import ibis
import sqlalchemy as sa
from campaign_fixtures import AS_OF, CAMPAIGN, make_view

from loyalloop.services import Actor, Store
from loyalloop.services.campaigns import campaign_status, create_campaign, launch_campaign
from loyalloop.services.outbox import campaign_signer
from loyalloop.store.models import OutboxMessage, Suppression

sys.path.insert(0, str(Path(__file__).parent))
from apikit import build

ME = Actor("ana@example.com", "analyst", 1)


def test_click_redirects_and_unsubscribe_takes_effect(store: Store) -> None:
    world = build(store)
    con = ibis.duckdb.connect()
    with store.session() as session:
        create_campaign(session, CAMPAIGN, ME)
    launch_campaign(store, "winback-test", make_view(con), AS_OF, ME)
    con.disconnect()
    with store.session() as session:
        m = session.scalar(
            sa.select(OutboxMessage).where(OutboxMessage.status == "pending").limit(1)
        )
    assert m is not None
    signer = campaign_signer(store)
    click = signer.click_url("winback-test", m.customer_id, "offer")
    c = world.client(None)
    r = c.get(click.removeprefix(store.settings.public_url), follow_redirects=False)
    assert r.status_code == 302 and r.headers["location"] == "https://example.com/offer"
    unsub = signer.unsubscribe_url("winback-test", m.customer_id, "email")
    assert unsub in m.body  # every marketing message carries it
    path = unsub.removeprefix(store.settings.public_url)
    page = c.get(path, headers={"Accept-Language": "zh"})
    form = re.search(r'name="_form" value="([^"]+)"', page.text)
    assert page.status_code == 200 and form is not None and "退订" in page.text
    # the e-mail channel, whatever sent on it (surveys too); SMS and calls untouched
    assert "不再接收我们的邮件（包括问卷邀请和优惠信息）" in page.text
    assert "短信和电话不受影响" in page.text
    with store.session() as session:  # a GET (a mail scanner) unsubscribes nobody
        assert session.scalar(sa.select(sa.func.count()).select_from(Suppression)) == 0
    assert c.post(path, data={"_form": "forged"}).status_code == 403
    done = c.post(path, data={"_form": form.group(1)}, headers={"Accept-Language": "zh"})
    assert done.status_code == 200 and "已退订：我们将不再向您发送邮件" in done.text
    with store.session() as session:
        rows = session.execute(sa.select(Suppression.customer_id, Suppression.channel)).all()
        assert rows == [(m.customer_id, "email")]
        assert campaign_status(session, "winback-test")["events"] == {
            "clicked": 1,
            "unsubscribed": 1,
        }
    tampered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    assert c.get(tampered).status_code == 403
    assert c.get("/c/l/not-a-token", follow_redirects=False).status_code == 403
