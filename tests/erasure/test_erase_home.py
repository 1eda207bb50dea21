"""THE erasure test: a whole project home (sample, survey answer, case with a note, run,
campaign, reports), one customer erased, then every file under the home read through its
engine — Parquet with pyarrow, DuckDB and SQLite through their own engines, the rest as text —
and none of the person's name, phone (as given and normalised), e-mail or comments found.
The same search finds all of them before the erasure (it is not a check that cannot fail)."""

from __future__ import annotations

import contextlib
import csv
import html
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from loyalloop.api import create_app
from loyalloop.core.config import Settings
from loyalloop.core.runs import RunStore
from loyalloop.core.service_settings import load_service_settings
from loyalloop.services import open_store
from loyalloop.services.audit import Actor

COMMENT = "信用卡被冻结了三次，客服态度极差 ZQX-7731 我要销卡"

SURVEY = """\
key: erase-nps
title: {zh: 满意度, en: Satisfaction}
questions:
  - id: nps
    type: nps
    text: {zh: 推荐可能性？, en: "How likely are you to recommend us?"}
  - id: why
    type: text
    about: nps
    text: {zh: 原因？, en: "Why?"}
"""


def cli(home: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LOYALLOOP_HOME": str(home), "LOYALLOOP_ENV": "local"}
    proc = subprocess.run(
        [sys.executable, "-m", "loyalloop", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if ok:
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc


def _no_nan(value: str) -> None:
    raise AssertionError(f"not strict JSON: {value}")


def _signed_in(app: Any, email: str) -> TestClient:
    """A client of ``app`` signed in as a new admin."""
    from loyalloop.api.deps import CSRF_HEADER, SESSION_COOKIE
    from loyalloop.services.users import add_user, create_session
    from loyalloop.store.models import Role

    store = app.state.store
    with store.session() as s:
        user = add_user(s, email, Role.admin, "a long admin passphrase 42", Actor.cli())
        login = create_session(s, store.settings, user)
        s.commit()
    client = TestClient(app)
    client.cookies.set(SESSION_COOKIE, login.session_token)
    client.headers[CSRF_HEADER] = login.csrf_token
    return client


def _found(text: str, terms: list[str]) -> list[str]:
    return [t for t in terms if any(f in text for f in _forms(t))]


# -- the search --------------------------------------------------------------------------------


def _forms(term: str) -> set[str]:
    """How a term may be written in a file: as is, HTML-escaped, JSON-escaped (\\uXXXX)."""
    return {term, html.escape(term), json.dumps(term)[1:-1]}


def _texts(value: Any) -> list[str]:
    """A value's text, and for JSON text also its decoded form (``\\uXXXX`` written out)."""
    if value is None:
        return []
    text = value if isinstance(value, str) else str(value)
    texts = [text]
    if text[:1] in "[{":
        with contextlib.suppress(ValueError):
            texts.append(json.dumps(json.loads(text), ensure_ascii=False))
    return texts


def _hits(values: Iterable[Any], terms: list[str]) -> set[str]:
    """The terms found in any of ``values`` (as is, HTML- or JSON-escaped; see :func:`_texts`).

    The values' texts are searched joined by a NUL, which no term's forms contain: a form is in
    the joined text exactly when it is in one of the texts (one search per form and column
    instead of one per form and value: the home has some 900,000 values, searched three times).
    """
    forms = {t: _forms(t) for t in terms}
    assert not any("\0" in f for fs in forms.values() for f in fs)
    joined = "\0".join(x for v in values for x in _texts(v))
    return {t for t, fs in forms.items() if any(f in joined for f in fs)}


def find_terms(home: Path, terms: list[str]) -> dict[str, set[str]]:
    """{relative file (and table): the terms found there} over every file under ``home``."""
    found: dict[str, set[str]] = {}

    def add(where: str, hits: set[str]) -> None:
        if hits:
            found.setdefault(where, set()).update(hits)

    for path in sorted(p for p in home.rglob("*") if p.is_file()):
        rel = str(path.relative_to(home))
        if path.suffix == ".parquet":
            table = pq.read_table(path)
            for name in table.column_names:
                add(f"{rel}:{name}", _hits(table[name].to_pylist(), terms))
        elif path.suffix == ".duckdb":
            con = duckdb.connect(str(path), read_only=True)
            try:
                tables = [
                    r[0]
                    for r in con.execute(
                        "SELECT table_name FROM information_schema.tables"
                    ).fetchall()
                ]
                for t in tables:
                    rows = con.execute(f'SELECT * FROM "{t}"').fetchall()
                    add(f"{rel}:{t}", _hits((v for row in rows for v in row), terms))
            finally:
                con.close()
        elif path.name.endswith(".sqlite3"):
            con3 = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                tables = [
                    r[0]
                    for r in con3.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                ]
                for t in tables:
                    rows3 = con3.execute(f'SELECT * FROM "{t}"')
                    add(f"{rel}:{t}", _hits((v for row in rows3 for v in row), terms))
            finally:
                con3.close()
        if path.suffix == ".duckdb" or path.name.endswith(".sqlite3"):
            # and their bytes: values an UPDATE left in freed pages (SQLite is vacuumed, the
            # DuckDB file rewritten by the erasure; strings may be compressed: a weaker check)
            raw = path.read_bytes().decode("utf-8", errors="replace")
            add(f"{rel}:bytes", {t for t in terms if t.isascii() and t in raw})
        elif path.suffix != ".parquet":  # JSON, HTML, CSV, text, WAL and lock files: as text
            text = path.read_bytes().decode("utf-8", errors="replace")
            add(rel, _hits([text], terms))
    return found


# -- the home ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("erase")
    home = tmp / "home"
    cli(home, "sample", "--customers", "300", "--seed", "3")
    # the generated source files are the user's inputs, not data Loyalloop keeps: out of the
    # home (an erasure lists such files as unmanaged; checked below)
    shutil.move(str(home / "sample"), str(tmp / "sample"))
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    row = con.execute(
        "SELECT c.customer_id, c.name, c.email, c.phone, c.phone_e164, f.text "
        "FROM customers c JOIN feedback f USING (customer_id) "
        "WHERE c.email IS NOT NULL AND c.phone IS NOT NULL AND c.consent_email "
        "AND c.phone <> c.phone_e164 AND length(f.text) > 12 AND length(c.name) >= 2 "
        "ORDER BY c.customer_id LIMIT 1"
    ).fetchone()
    con.close()
    assert row is not None
    cid, name, email, phone, phone_e164, old_text = row

    # a survey answered through the customer's personal e-mail link: the comment, the contact
    spec = tmp / "survey.yaml"
    spec.write_text(SURVEY, encoding="utf-8")
    created = json.loads(cli(home, "surveys", "create", str(spec), "--publish", "--json").stdout)
    people = tmp / "people.csv"
    people.write_text(
        f"customer_id,email,consent_email\n{cid},{email},true\nC0000002,x2@example.com,true\n",
        encoding="utf-8",
    )
    links = tmp / "links.csv"
    cli(home, "surveys", "invite", str(created["id"]), "--customers", str(people),
        "--channel", "email", "--out", str(links))  # fmt: skip
    with links.open(encoding="utf-8") as fh:
        token = next(r["link"] for r in csv.DictReader(fh) if r["customer_id"] == cid)
    token = token.split("/r/")[1]
    app = create_app(load_service_settings(home, env="local"), Settings(home=home))
    with TestClient(app) as client:
        answer = {"answers": {"nps": 1, "why": COMMENT}}
        assert client.post(f"/r/{token}", json=answer).status_code == 201
    app.state.store.close()  # no connection of this process left open on the store

    # a purchase today: the run reaches the answer's date; the run syncs the answer
    today = datetime.now(UTC).date().isoformat()
    fresh = tmp / "today.csv"
    fresh.write_text(
        f"transaction_id,customer_id,timestamp,amount\nT-e-1,{cid},{today}T10:00:00,88.00\n",
        encoding="utf-8",
    )
    cli(home, "ingest", "transactions", str(fresh))
    cli(home, "run", "--as-of", today)

    store = open_store(load_service_settings(home, env="local"), Settings(home=home))
    try:
        from loyalloop.services.campaigns import create_campaign, launch_from_run
        from loyalloop.services.cases import add_note
        from loyalloop.store.models import CaseRow

        with store.session() as session:
            case_id = session.scalar(
                CaseRow.__table__.select()  # type: ignore[attr-defined]
                .with_only_columns(CaseRow.id)
                .where(CaseRow.customer_id == cid, CaseRow.open_key == 1)
            )
            assert case_id is not None, "the detractor's answer opened no case"
            add_note(
                session,
                case_id,
                f"called back on {phone}, wrote to {email}",
                visibility="internal",
                expected_version=None,
                actor=Actor("agent@example.com", "agent"),
            )
            session.commit()
        campaign = {
            "name": "erase-test",
            "goal": "win-back",
            "channel": "email",
            "audience": {
                "name": "one",
                "conditions": [{"field": "customer_id", "op": "in", "value": [cid]}],
            },
            "holdout_share": 0.0,
            "arms": [{"name": "message", "share": 1.0, "template": "mail"}],
            "window_days": 30,
            "budget": 1000,
            "contact_cost": 0.1,
            "templates": {
                "mail": {
                    "channel": "email",
                    "subject": {"zh": "{{ customer.name }}，您好", "en": "Hello"},
                    "body": {"zh": "{{ customer.name }}您好，欢迎回来。", "en": "Welcome back."},
                }
            },
        }
        with store.session() as session:
            create_campaign(session, campaign, Actor.cli())
            session.commit()
        launched = launch_from_run(store, "erase-test", Actor.cli())
        assert launched.queued == 1, launched
    finally:
        store.close()
    cli(home, "report", "--lang", "zh")
    cli(home, "report", "--lang", "en")
    return {
        "home": home,
        "cid": cid,
        "case_id": case_id,
        "terms": [
            t for t in (name, email, phone, phone_e164, COMMENT, old_text.strip(), "ZQX-7731") if t
        ],
    }


@pytest.mark.slow
def test_erased_person_is_found_nowhere_under_the_home(home: dict[str, Any]) -> None:
    h: Path = home["home"]
    terms: list[str] = home["terms"]
    before = find_terms(h, terms)
    every = set().union(*before.values())
    assert every == set(terms), f"the search does not see {set(terms) - every}"
    places = {k.split(":")[0] for k in before}
    assert "warehouse.duckdb" in places and "service.sqlite3" in places
    assert any(p.startswith("runs/") and p.endswith(".parquet") for p in places)
    assert sorted(p.name for p in (h / "reports").iterdir()) == [
        "report-run000001-en.html",
        "report-run000001-zh.html",
    ]

    # the access request first: everything held, strict JSON, written outside the home
    held_file = h.parent / "person.json"
    cli(h, "export-person", home["cid"], "--out", str(held_file))
    held = json.loads(held_file.read_text(encoding="utf-8"), parse_constant=_no_nan)
    assert held["warehouse"]["customers"][0]["email"] == terms[1]
    assert any(r["text"] == COMMENT for r in held["warehouse"]["feedback"])
    assert any(r["answers"].get("why") == COMMENT for r in held["store"]["responses"])
    assert held["store"]["cases"] and held["store"]["campaign_messages"]
    assert held["store"]["invitations"][0]["contact"] == terms[1]
    run_files = held["runs"]["000001"]
    assert {"profiles.parquet", "rfm.parquet", "feedback_analysis.parquet"} <= set(run_files)

    runs = RunStore(h / "runs")
    run = runs.latest()
    rows_before = {t: run.manifest.tables[t].rows for t in run.tables}
    con = duckdb.connect(str(h / "warehouse.duckdb"), read_only=True)
    wh_before = con.execute(
        "SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM transactions), "
        "(SELECT round(sum(amount), 2) FROM transactions), (SELECT count(*) FROM feedback)"
    ).fetchone()
    con.close()
    (h / "my-notes.txt").write_text("a file of mine\n", encoding="utf-8")

    # a server that is running through the erasure keeps rendered reports in a cache
    server = create_app(load_service_settings(h, env="local"), Settings(home=h))
    client = _signed_in(server, "erase-admin@bank.example")
    client.cookies.set("ll_lang", "en")
    assert client.get("/runs/1/report").status_code == 200
    assert client.get("/runs/1/report").status_code == 200
    (cached,) = server.state.report_cache.values()  # the second view came from the cache

    erased = json.loads(cli(h, "erase", home["cid"], "--yes", "--json").stdout)
    assert erased["complete"] and not erased["nothing_left"] and erased["rows"] > 0
    assert erased["unmanaged"] == ["my-notes.txt"]
    (h / "my-notes.txt").unlink()
    where = {p["location"] for p in erased["places"]}
    assert where == {"run", "report", "sync", "home", "warehouse", "store"}

    after = find_terms(h, terms)
    assert after == {}, f"still found after the erasure: {after}"
    # the rewritten run is rendered again, not served from before the erasure
    page = client.get("/runs/1/report")
    assert page.status_code == 200 and _found(page.text, terms) == []
    (again,) = server.state.report_cache.values()
    assert again[0] != cached[0]  # rendered from the rewritten files; the old one dropped
    client.close()
    server.state.store.close()
    assert home["cid"] not in json.dumps(erased)

    # the run is still readable, and its counts add up
    run = runs.latest()
    for t in run.tables:
        n = run.read(t).num_rows
        assert n == run.manifest.tables[t].rows, t
        if t != "profile_map":
            assert n == rows_before[t], t
    assert run.manifest.tables["profile_map"].rows == rows_before["profile_map"] - 1
    shown = json.loads(cli(h, "runs", "show", str(run.number), "--json").stdout)
    assert shown
    out = h.parent / "rfm.csv"
    cli(h, "export", "rfm", "--out", str(out))
    assert out.exists()
    con = duckdb.connect(str(h / "warehouse.duckdb"), read_only=True)
    assert (
        con.execute(
            "SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM transactions), "
            "(SELECT round(sum(amount), 2) FROM transactions), (SELECT count(*) FROM feedback)"
        ).fetchone()
        == wh_before
    )
    assert con.execute(
        "SELECT count(*) FROM customers WHERE customer_id = ?", [home["cid"]]
    ).fetchone() == (0,)
    con.close()

    # the case is closed, emptied, and stays closed
    db = sqlite3.connect(f"file:{h / 'service.sqlite3'}?mode=ro", uri=True)
    status, code, customer = db.execute(
        "SELECT status, resolution_code, customer_id FROM cases WHERE id = ?", [home["case_id"]]
    ).fetchone()
    assert (status, code) == ("closed", "customer_erased")
    assert customer == erased["tombstone_id"]
    assert db.execute(
        "SELECT count(*) FROM case_events WHERE case_id = ? AND text <> ''", [home["case_id"]]
    ).fetchone() == (0,)
    audit = db.execute(
        "SELECT actor, target, detail FROM audit_events WHERE action = 'customers.erase'"
    ).fetchall()
    db.close()
    assert len(audit) == 1 and audit[0][0] == "cli"
    detail = json.loads(audit[0][2])
    assert detail["subject"] == erased["subject_hash"] and detail["rows"] == erased["rows"]

    # again: nothing left, said so; an unknown customer is a clear error
    again = json.loads(cli(h, "erase", home["cid"], "--yes", "--json").stdout)
    assert again["nothing_left"] and again["already_erased"] and again["rows"] == 0
    missing = cli(h, "erase", "C9999999", "--yes", "--json", ok=False)
    assert missing.returncode == 3
    assert json.loads(missing.stdout)["error"]["code"] == "not_found"

    # the source system still holds them: ingesting its old files again does not bring them
    # back — their rows are dropped and counted, not loaded and not quarantined
    assert home["cid"] not in (h / "erased_ids.txt").read_text(encoding="ascii")
    sources = h.parent / "sample"
    for table, path in (
        ("customers", sources / "customers.csv"),
        ("transactions", sources / "transactions.csv"),
        ("transactions", h.parent / "today.csv"),
        ("feedback", sources / "feedback.csv"),
    ):
        again_in = json.loads(cli(h, "ingest", table, str(path), "--json").stdout)
        assert again_in["erased"] >= 1, (table, again_in)
        assert again_in["read"] == (
            again_in["loaded"]
            + again_in["already_loaded"]
            + again_in["quarantined"]
            + again_in["erased"]
        )
        assert any("erased" in n for n in again_in["notes"])
    con = duckdb.connect(str(h / "warehouse.duckdb"), read_only=True)
    for table in ("customers", "transactions", "feedback"):
        assert con.execute(
            f"SELECT count(*) FROM {table} WHERE customer_id = ?", [home["cid"]]
        ).fetchone() == (0,), table
    assert con.execute(
        "SELECT count(*) FROM quarantine WHERE contains(coalesce(key, '') || coalesce(raw, ''), ?)",
        [home["cid"]],
    ).fetchone() == (0,)
    con.close()
    assert find_terms(h, terms) == {}
