"""Sync: responses into the warehouse's feedback and kano_answers, exactly once, through
ingest's validation and quarantine — also across a kill -9 in the middle."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from svc_fixtures import SECRET

from loyalloop.core.warehouse import Warehouse
from loyalloop.data.ingest import ingest
from loyalloop.data.schema import open_warehouse
from loyalloop.services import Actor, Store
from loyalloop.services.invitations import Recipient, invite
from loyalloop.services.responses import submit_personal, submit_public
from loyalloop.services.surveys import create_survey
from loyalloop.services.sync import sync_responses

ME = Actor("ana@example.com", "analyst", 1)
SPEC = {
    "key": "q3",
    "title": {"zh": "季度调查", "en": "Quarterly"},
    "questions": [
        {"id": "nps", "type": "nps", "text": "推荐？"},
        {"id": "why", "type": "text", "about": "nps", "text": "原因"},
        {"id": "note", "type": "text", "text": "其他"},
        {"id": "csat", "type": "csat", "required": False, "text": "满意"},
        {
            "id": "feat",
            "type": "kano",
            "required": False,
            "text": "功能",
            "features": [
                {"id": "lounge", "text": {"zh": "机场贵宾厅", "en": "Airport lounge"}},
                {"id": "cash", "text": {"zh": "返现", "en": "Cash back"}},
            ],
        },
    ],
}


def setup(store: Store, n_known: int = 3) -> list[str]:
    """Customers C0..C{n_known-1} in the warehouse; C9 is not. One link each."""
    path = store.analytics.home / "customers.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("customer_id\n" + "".join(f"C{i}\n" for i in range(n_known)), encoding="utf-8")
    with open_warehouse(store.analytics) as wh:
        ingest(wh, "customers", [path])
    with store.session() as s:
        create_survey(s, SPEC, ME, publish=True)
        result = invite(store, s, "q3", [Recipient(f"C{i}") for i in [*range(n_known), 9]], ME)
    return [link.url.rsplit("/", 1)[1] for link in result.links]


def warehouse_rows(store: Store, sql: str) -> list[tuple[object, ...]]:
    with Warehouse(store.analytics) as wh:
        return wh.execute(sql).fetchall()


def test_sync_loads_once_and_replaces_edited_answers(store: Store) -> None:
    t = setup(store)
    with store.session() as s:
        submit_personal(
            s,
            SECRET.encode(),
            t[0],
            {
                "nps": 3,
                "why": "年费太贵 <script>alert(1)</script>",
                "note": "'; DROP TABLE feedback; --",
                "csat": 2,
                "feat": {"lounge": {"functional": "like", "dysfunctional": "neutral"}},
            },
        )
        submit_personal(s, SECRET.encode(), t[1], {"nps": 10, "why": "", "note": ""})
        submit_personal(s, SECRET.encode(), t[3], {"nps": 9, "why": "unknown customer", "note": ""})
        submit_public(s, "q3", {"nps": 7, "why": "anonymous", "note": ""})
    first = sync_responses(store)
    assert first.responses == 4
    # C0: nps + csat + note; C1: nps; C9: nps (quarantined: not a known customer); public: nps
    assert first.feedback == {"read": 6, "loaded": 5, "already_loaded": 0, "quarantined": 1}
    assert first.kano_answers == {"read": 1, "loaded": 1, "already_loaded": 0, "quarantined": 0}
    rows = warehouse_rows(
        store,
        "SELECT feedback_id, customer_id, channel, score_type, score, text "
        "FROM feedback ORDER BY feedback_id",
    )
    assert ("svy-1-nps", "C0", "survey", "nps", 3.0, "年费太贵 <script>alert(1)</script>") in rows
    assert ("svy-1-note", "C0", "survey", None, None, "'; DROP TABLE feedback; --") in rows
    assert ("svy-4-nps", None, "survey", "nps", 7.0, "anonymous") in rows
    reason = warehouse_rows(store, "SELECT reason FROM quarantine WHERE table_name = 'feedback'")
    assert len(reason) == 1 and "unknown customer_id" in str(reason[0][0])
    assert warehouse_rows(store, "SELECT feature, functional FROM kano_answers") == [
        ("机场贵宾厅", "like")
    ]

    again = sync_responses(store)
    assert again.responses == 0 and again.feedback["read"] == 0  # nothing new

    with store.session() as s:  # C1 changes their mind through the same link
        submit_personal(s, SECRET.encode(), t[1], {"nps": 2, "why": "改了主意", "note": ""})
    edited = sync_responses(store)
    assert (edited.responses, edited.replaced, edited.feedback["loaded"]) == (1, 1, 1)
    assert warehouse_rows(store, "SELECT score, text FROM feedback WHERE customer_id = 'C1'") == [
        (2.0, "改了主意")
    ]
    assert warehouse_rows(store, "SELECT count(*) FROM feedback")[0][0] == 5


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_kill_9_between_load_and_mark_doubles_nothing(store: Store, tmp_path: Path) -> None:
    t = setup(store)
    with store.session() as s:
        for token in t[:3]:
            submit_personal(s, SECRET.encode(), token, {"nps": 8, "why": "ok", "note": ""})
    script = textwrap.dedent(
        f"""
        import os, signal
        import loyalloop.services.sync as sync
        from loyalloop.core.config import Settings
        from loyalloop.core.service_settings import ServiceSettings
        from loyalloop.services import open_store

        real = sync.ingest
        def ingest_then_die(wh, table, files, **kw):
            result = real(wh, table, files, **kw)
            os.kill(os.getpid(), signal.SIGKILL)  # after the load, before marking
        sync.ingest = ingest_then_die
        home = {str(store.analytics.home)!r}
        settings = ServiceSettings(home=home, database_url={store.settings.store_url!r},
                                   secret_key={SECRET!r}, env="production")
        from pathlib import Path
        sync.sync_responses(open_store(settings, Settings(home=Path(home))))
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], env={**os.environ}, capture_output=True, timeout=120
    )
    assert proc.returncode == -9, proc.stderr.decode()[-2000:]
    assert warehouse_rows(store, "SELECT count(*) FROM feedback")[0][0] == 3  # loaded, not marked
    after = sync_responses(store)
    assert after.responses == 3
    assert after.feedback == {"read": 3, "loaded": 0, "already_loaded": 3, "quarantined": 0}
    assert warehouse_rows(store, "SELECT count(*) FROM feedback")[0][0] == 3
    assert sync_responses(store).responses == 0
