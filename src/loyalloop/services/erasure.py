"""Erasing one person, and exporting everything held about them (access request).

:func:`erase_person` forgets a customer everywhere the project keeps data about them, following
the erasure plan of :mod:`loyalloop.cases.erasure` over the PII registry
(``cases/data/pii_registry.yaml``):

1. **Every published run** (oldest first): each Parquet file the registry names is rewritten
   (a new file beside it, then one atomic ``rename``), so a reader sees the old or the new
   file, never half of one. Rows stay where the figures need them (their PII null, their free
   text empty, every customer/profile id column of the person's ids replaced by the erasure's
   random tombstone id); the run's ``profile_map`` link is deleted and the manifest's row count
   updated the same way. The run stays readable by ``loyalloop report``/``export``/``runs``.
   The files the service staged for ingest (``<home>/sync/*.jsonl``) are rewritten the same
   way, line by line.
2. **The rendered reports** (``<home>/reports/report-runNNNNNN-<lang>.html``) are rebuilt from
   the rewritten run by the ``report_writer`` the interface passes (the report layer sits above
   this one); without one, or when their run is gone, they are deleted.
3. **The warehouse** (DuckDB, one transaction): customers, transactions, feedback … redacted or
   deleted as the registry says, the quarantine and the ingest repairs rows that mention the
   person deleted; then the file is copied into a fresh one and renamed into place (DuckDB
   does not clear freed blocks: the old values would stay in the file's bytes). Just before it,
   the person's customer ids are added to the home's suppression list
   (:mod:`loyalloop.data.erased`), so that no later ingest loads them again.
4. **The operational store** (one transaction with the audit record): the person's open cases
   are closed with code ``customer_erased`` and an ``erased`` event, every case event's text,
   case signal's detail, invitation contact, response free text, outbox address and body and
   delivery detail emptied, and every customer id replaced by the tombstone. On SQLite the file
   is vacuumed afterwards so that freed pages do not keep the old values.

The audit record (``audit_events``, action ``customers.erase``) holds no personal data: a keyed
hash of the customer id (HMAC-SHA-256 with the service's secret key, so the same id can be
recognised — "already erased" — but not recovered), the tombstone, the number of rows touched
per place, the time and the actor. Erasing again finds nothing left and says so.

What is found is driven by the person's ids: the customer id given, the other customer records
identity resolution merged into the same profile (the runs' ``profile_map``), their profile ids,
feedback ids, case ids; and, for files that have no key column (examples, identity review
pairs), by content: the person's e-mail addresses, phone numbers (as given and normalised),
ids and comments. Anything that exists but is not in the registry is reported as
*unclassified* (the erasure is then not complete, and says so); files under the project home
that Loyalloop does not manage (e.g. the ``sample/`` source files, your own exports) are
listed as *unmanaged*: they are not rewritten.

The home lock (:func:`loyalloop.core.lock.home_lock`) is held throughout, so no ``run`` or
``ingest`` writes meanwhile. Order matters for a crash: runs and reports first, the warehouse
and the store last, so that re-running after a crash still finds the person and finishes.

:func:`export_person` returns everything held about the person as JSON-ready data: their
warehouse rows, store rows (invitations, responses, cases with events and signals, consent
history, compensation, campaign assignments and messages) and their rows in each run's
outputs. It is recorded in the audit log (a PII access).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from loyalloop.cases.erasure import (
    DataLocation,
    ErasureAction,
    ErasurePlan,
    ErasureStep,
    ErasureSubject,
    PiiRegistry,
    default_pii_registry,
    plan_erasure,
)
from loyalloop.cases.lifecycle import ERASED, CaseStatus, EventKind
from loyalloop.core.export import atomic_output, write_text_atomic
from loyalloop.core.lock import home_lock
from loyalloop.core.runs import MANIFEST_FILE, Run, RunStore
from loyalloop.data.erased import ERASED_FILE, add_erased
from loyalloop.errors import NotFoundError
from loyalloop.services.audit import Actor, record
from loyalloop.services.store import Store
from loyalloop.services.sync import SYNC_DIR
from loyalloop.store.base import Base
from loyalloop.store.models import AuditEvent, CaseEventRow, CaseRow, SlaTimer

if TYPE_CHECKING:
    import pyarrow as pa

    from loyalloop.core.warehouse import Warehouse

__all__ = [
    "ERASE_ACTION",
    "ErasureResult",
    "PlaceCount",
    "ReportWriter",
    "erase_person",
    "export_person",
    "subject_hash",
]

log = logging.getLogger(__name__)

#: The audit log's action for an erasure.
ERASE_ACTION = "customers.erase"
EXPORT_ACTION = "customers.export"
TOMBSTONE_PREFIX = "erased-"

#: Run-file columns that hold customer or profile ids: the person's ids become the tombstone.
ID_COLUMNS = (
    "customer_id",
    "profile_id",
    "customer_id_l",
    "customer_id_r",
    "profile_id_l",
    "profile_id_r",
)

#: A rendered report is rebuilt by ``writer(run, lang, path)`` (the report layer's).
ReportWriter = Callable[[Run, str, Path], object]

_REPORT = re.compile(r"^report-run(\d{6})-([a-z]{2})\.html$")
_CHOICE = re.compile(r"^[A-Za-z0-9_.:-]{1,40}$")  # an option id of a choice question, not text
_MIN_CONTENT = 4  # shorter values are not searched for in text (they would match anyone's)
_MIN_CELL = 6  # a text cell this long that is part of the person's comment is theirs

# files under the home that Loyalloop manages itself (besides runs/ and reports/)
_HOME_FILES = re.compile(
    r"^(warehouse\.duckdb(\.wal)?|service\.sqlite3(-wal|-shm|-journal)?|\.secret_key|erased_ids\.txt"
    r"|\.loyalloop\.lock(\.json)?)$"
)


@dataclass(frozen=True)
class PlaceCount:
    """Rows touched in one place (a table, or a run's file) and how."""

    location: str
    target: str
    action: str
    rows: int


@dataclass(frozen=True)
class ErasureResult:
    """What an erasure did — no personal data (see the module docstring)."""

    erasure_id: str
    subject_hash: str
    tombstone_id: str
    at: dt.datetime
    actor: str
    places: tuple[PlaceCount, ...]
    unclassified: tuple[str, ...]
    unmanaged: tuple[str, ...]
    already_erased: bool = False

    @property
    def rows(self) -> int:
        return sum(p.rows for p in self.places)

    @property
    def nothing_left(self) -> bool:
        """Nothing of the person was found (an earlier erasure took it all)."""
        return self.rows == 0

    @property
    def complete(self) -> bool:
        return not self.unclassified

    def to_dict(self) -> dict[str, Any]:
        return {
            "erasure_id": self.erasure_id,
            "subject_hash": self.subject_hash,
            "tombstone_id": self.tombstone_id,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "rows": self.rows,
            "nothing_left": self.nothing_left,
            "already_erased": self.already_erased,
            "complete": self.complete,
            "places": [dataclasses.asdict(p) for p in self.places if p.rows],
            "unclassified": list(self.unclassified),
            "unmanaged": list(self.unmanaged),
        }


def subject_hash(store: Store, customer_id: str) -> str:
    """The keyed hash of a customer id kept in the audit log (not reversible without the key)."""
    return hmac.new(store.settings.secret, customer_id.encode("utf-8"), hashlib.sha256).hexdigest()


# -- finding the person ------------------------------------------------------------------------


@dataclass
class _Found:
    customer_ids: set[str]
    profile_ids: set[str] = dataclasses.field(default_factory=set)
    feedback_ids: set[str] = dataclasses.field(default_factory=set)
    case_ids: set[str] = dataclasses.field(default_factory=set)
    emails: set[str] = dataclasses.field(default_factory=set)
    phones: set[str] = dataclasses.field(default_factory=set)
    names: set[str] = dataclasses.field(default_factory=set)
    texts: set[str] = dataclasses.field(default_factory=set)
    anywhere: bool = False

    def subject(self) -> ErasureSubject:
        return ErasureSubject(
            frozenset(self.customer_ids),
            frozenset(self.profile_ids),
            frozenset(self.feedback_ids),
            frozenset(self.case_ids),
            frozenset(e for e in self.emails if e),
            frozenset(p for p in self.phones if p),
            frozenset(n for n in self.names if n),
            tuple(sorted(t for t in self.texts if t.strip())),
        )


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _free_texts(answers: Any) -> set[str]:
    """The free-text answers of a response (option ids of choice questions left out)."""
    return {s.strip() for s in _strings(answers) if s.strip() and not _CHOICE.match(s.strip())}


def _placeholders(n: int) -> str:
    return ", ".join("?" for _ in range(n))


def _find_in_runs(runs: list[Run], found: _Found) -> None:
    import pyarrow.compute as pc

    for run in runs:
        if run.has_table("profile_map"):
            pm = run.read("profile_map")
            hit = pc.is_in(pm["customer_id"], value_set=_arr(found.customer_ids))
            pids = set(pm.filter(hit)["profile_id"].to_pylist()) - {None}
            if pids:
                found.anywhere = True
                found.profile_ids |= pids
                same = pc.is_in(pm["profile_id"], value_set=_arr(pids))
                found.customer_ids |= set(pm.filter(same)["customer_id"].to_pylist()) - {None}
    for run in runs:  # what the person's profile holds (their warehouse rows may be gone)
        if run.has_table("profiles") and found.profile_ids:
            pr = run.read("profiles")
            rows = pr.filter(pc.is_in(pr["profile_id"], value_set=_arr(found.profile_ids)))
            for col, bag in (
                ("name", found.names),
                ("email", found.emails),
                ("phone", found.phones),
            ):
                if col in rows.column_names:
                    bag |= {str(v) for v in rows[col].to_pylist() if v}


def _arr(values: Iterable[str]) -> pa.Array:
    import pyarrow as pa

    return pa.array(sorted(values), type=pa.string())


def _find_in_warehouse(con: Warehouse, tables: set[str], found: _Found) -> None:
    ids = sorted(found.customer_ids)
    if "customers" in tables:
        rows = con.execute(
            "SELECT customer_id, name, email, phone, email_normalized, phone_e164 FROM customers "
            f"WHERE customer_id IN ({_placeholders(len(ids))})",
            ids,
        ).fetchall()
        for _, name, email, phone, email_n, phone_n in rows:
            found.anywhere = True
            found.names.add(name or "")
            found.emails |= {email or "", email_n or ""}
            found.phones |= {phone or "", phone_n or ""}
    if "feedback" in tables:
        rows = con.execute(
            "SELECT feedback_id, text FROM feedback "
            f"WHERE customer_id IN ({_placeholders(len(ids))})",
            ids,
        ).fetchall()
        for fid, text in rows:
            found.anywhere = True
            found.feedback_ids.add(fid)
            if text and text.strip():
                found.texts.add(text.strip())
    for table in ("transactions", "accounts", "interactions"):
        if table in tables and not found.anywhere:
            n = con.execute(
                f"SELECT count(*) FROM {table} WHERE customer_id IN ({_placeholders(len(ids))})",
                ids,
            ).fetchone()
            found.anywhere = bool(n and n[0])


def _find_in_store(session: Session, found: _Found) -> None:
    from loyalloop.store.models import (
        CampaignAssignment,
        CaseSignal,
        ConsentChangeRow,
        Invitation,
        OutboxMessage,
        Response,
        Suppression,
    )

    ids = sorted(found.customer_ids)
    for contact in session.scalars(
        sa.select(Invitation.contact).where(Invitation.customer_id.in_(ids))
    ):
        found.anywhere = True
        (found.emails if "@" in contact else found.phones).add(contact)
    for contact in session.scalars(
        sa.select(OutboxMessage.contact).where(OutboxMessage.customer_id.in_(ids))
    ):
        found.anywhere = True
        (found.emails if "@" in contact else found.phones).add(contact)
    for answers in session.scalars(
        sa.select(Response.answers).where(Response.customer_id.in_(ids))
    ):
        found.anywhere = True
        found.texts |= _free_texts(answers)
    for case_id in session.scalars(sa.select(CaseRow.id).where(CaseRow.customer_id.in_(ids))):
        found.anywhere = True
        found.case_ids.add(str(case_id))
    for detail in session.scalars(
        sa.select(CaseSignal.detail).where(CaseSignal.customer_id.in_(ids))
    ):
        found.anywhere = True
        text = (detail or {}).get("text")
        if isinstance(text, str) and text.strip():
            found.texts.add(text.strip())
    for model in (CampaignAssignment, Suppression, ConsentChangeRow):
        if session.scalar(sa.select(sa.func.count()).where(model.customer_id.in_(ids))):
            found.anywhere = True


# -- the warehouse -----------------------------------------------------------------------------


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _wh_condition(step: ErasureStep, columns: set[str]) -> tuple[str, list[Any]]:
    parts: list[str] = []
    params: list[Any] = []
    if step.key and step.key in columns and step.ids:
        ids = sorted(step.ids)
        parts.append(f"{_quote(step.key)} IN ({_placeholders(len(ids))})")
        params += ids
    values = sorted(v for v in step.values if len(v) >= _MIN_CONTENT)
    for col in step.contains:
        if col in columns and values:
            for v in values:
                parts.append(f"contains(CAST({_quote(col)} AS VARCHAR), ?)")
                params.append(v)
    return (" OR ".join(parts) or "FALSE"), params


def _wh_step(con: Warehouse, step: ErasureStep) -> int:
    table = _quote(step.target)
    columns = {
        str(r[0])
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?",
            [step.target],
        ).fetchall()
    }
    where, params = _wh_condition(step, columns)
    row = con.execute(f"SELECT count(*) FROM {table} WHERE {where}", params).fetchone()
    n = int(row[0]) if row else 0
    if not n:
        return 0
    if step.action is ErasureAction.DELETE:
        con.execute(f"DELETE FROM {table} WHERE {where}", params)
        return n
    sets = [f"{_quote(c)} = NULL" for c in step.null_columns if c in columns]
    sets += [f"{_quote(c)} = ''" for c in step.empty_columns if c in columns]
    set_params: list[Any] = []
    if step.replace_key_with and step.key in columns:
        sets.append(f"{_quote(step.key)} = ?")  # type: ignore[arg-type]
        set_params.append(step.replace_key_with)
    if sets:
        con.execute(f"UPDATE {table} SET {', '.join(sets)} WHERE {where}", set_params + params)
    return n


# -- run files ---------------------------------------------------------------------------------


_MASK = re.compile(r"\[(?:email|phone|id|card|number)\]|…|\.\.\.")


def _norm(text: str) -> str:
    """For comparing a comment with what the analysis kept of it: NFKC, no spaces, lower."""
    import unicodedata

    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


def _text_matches(cell: str, values: Iterable[str], texts: Iterable[str]) -> bool:
    """Whether a text cell is (part of) the person's: it holds one of their identifiers or
    comments, or it is one of their comments as the analysis kept it — cleaned (spaces, width,
    HTML), shortened, its PII masked (``[phone]`` …): every piece between masks is found in one
    comment, with at least ``_MIN_CELL`` characters in all."""
    if any(v in cell for v in values):
        return True
    pieces = [_norm(p) for p in _MASK.split(cell)]
    pieces = [p for p in pieces if len(p) >= 2]
    if sum(map(len, pieces)) < _MIN_CELL:
        return False
    return any(all(p in t for p in pieces) for t in (_norm(t) for t in texts))


def _rewrite_run_file(
    run: Run, name: str, step: ErasureStep, subject: ErasureSubject, tombstone: str
) -> tuple[int, int | None]:
    """Rewrite one Parquet file of ``run``; (rows touched, new row count when rows went)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    path = run.path / name
    table = pq.read_table(path)
    schema = table.schema
    n_rows = table.num_rows
    mask = pa.array([False] * n_rows, type=pa.bool_())
    if step.key and step.key in table.column_names and step.ids:
        col = table[step.key].cast(pa.string())
        mask = pc.or_(mask, pc.fill_null(pc.is_in(col, value_set=_arr(step.ids)), False))
    values = [v for v in step.values if len(v) >= _MIN_CONTENT]
    texts = [t for t in subject.texts if t.strip()]
    contains_hits: dict[str, list[Any]] = {}
    if step.contains and values:
        hits = [False] * n_rows
        for c in step.contains:
            if c not in table.column_names:
                continue
            cells = table[c].to_pylist()
            contains_hits[c] = cells
            for i, cell in enumerate(cells):
                items = cell if isinstance(cell, list) else [cell]
                if any(isinstance(x, str) and _text_matches(x, values, texts) for x in items):
                    hits[i] = True
        mask = pc.or_(mask, pa.array(hits, type=pa.bool_()))
    all_ids = subject.customer_ids | subject.profile_ids
    id_hits = pa.array([False] * n_rows, type=pa.bool_())
    id_cols = [c for c in ID_COLUMNS if c in table.column_names]
    for c in id_cols:
        col = table[c].cast(pa.string())
        id_hits = pc.or_(id_hits, pc.fill_null(pc.is_in(col, value_set=_arr(all_ids)), False))
    touched_mask = pc.or_(mask, id_hits)
    touched = int(pc.sum(touched_mask).as_py() or 0)
    if not touched:
        return 0, None
    if step.action is ErasureAction.DELETE:
        out = table.filter(pc.invert(touched_mask))
    else:
        out = table
        for c in step.null_columns:
            if c in out.column_names:
                i = out.column_names.index(c)
                empty = pa.nulls(n_rows, type=out.schema.field(c).type)
                out = out.set_column(i, c, pc.if_else(mask, empty, out[c]))
        for c in step.empty_columns:
            if c not in out.column_names:
                continue
            i = out.column_names.index(c)
            typ = out.schema.field(c).type
            cells = out[c].to_pylist()
            flags = mask.to_pylist()
            new: list[Any] = []
            for cell, hit in zip(cells, flags, strict=True):
                if not hit or cell is None:
                    new.append(cell)
                elif isinstance(cell, list):  # keep the other customers' examples
                    new.append(
                        [
                            x
                            for x in cell
                            if not (isinstance(x, str) and _text_matches(x, values, texts))
                        ]
                        if step.contains
                        else []
                    )
                else:
                    new.append("")
            out = out.set_column(i, c, pa.array(new, type=typ))
        for c in id_cols:
            i = out.column_names.index(c)
            col = out[c]
            hit = pc.fill_null(pc.is_in(col.cast(pa.string()), value_set=_arr(all_ids)), False)
            stone = pa.scalar(tombstone, type=pa.string()).cast(col.type)
            out = out.set_column(i, c, pc.if_else(hit, stone, col))
    _write_parquet_atomic(out.cast(schema), path)
    return touched, (out.num_rows if out.num_rows != n_rows else None)


def _write_parquet_atomic(table: pa.Table, path: Path) -> None:
    import pyarrow.parquet as pq

    with atomic_output(path) as tmp:
        pq.write_table(table, tmp)


def _set_manifest_rows(run: Run, rows: dict[str, int]) -> None:
    path = run.path / MANIFEST_FILE
    data = json.loads(path.read_text("utf-8"))
    for name, n in rows.items():
        data["tables"][name]["rows"] = n
    write_text_atomic(path, json.dumps(data, ensure_ascii=False, indent=2))


def _run_files(run: Run) -> list[str]:
    return sorted(p.name for p in run.path.iterdir() if p.is_file() and not p.name.startswith("."))


# -- the store ---------------------------------------------------------------------------------


def _blank(value: Any) -> Any:
    """``value`` (JSON) with every string emptied, its shape kept."""
    if isinstance(value, str):
        return ""
    if isinstance(value, dict):
        return {k: _blank(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_blank(v) for v in value]
    return value


def _close_cases(session: Session, case_ids: set[int], tombstone: str, now: dt.datetime) -> None:
    """Close the person's open cases (code ``customer_erased``) with an ``erased`` event."""
    for row in session.scalars(sa.select(CaseRow).where(CaseRow.id.in_(sorted(case_ids)))):
        if row.status == CaseStatus.CLOSED.value and row.resolution_code == ERASED:
            continue
        last = session.scalar(
            sa.select(sa.func.max(CaseEventRow.seq)).where(CaseEventRow.case_id == row.id)
        )
        session.add(
            CaseEventRow(
                case_id=row.id,
                seq=(last if last is not None else -1) + 1,
                at=now,
                kind=EventKind.ERASED.value,
                actor="erasure",
                from_status=row.status,
                to_status=CaseStatus.CLOSED.value,
                text="",
                code=ERASED,
            )
        )
        row.status = CaseStatus.CLOSED.value
        row.resolution_code = ERASED
        row.open_key = None
        row.sla_due_at = None
        row.updated_at = now
        timer = session.get(SlaTimer, row.id)
        if timer is not None:
            timer.next_check_at = None
            timer.updated_at = now
    session.flush()


def _store_step(session: Session, step: ErasureStep) -> int:
    table = Base.metadata.tables[step.target]
    if not step.key or step.key not in table.c:
        return 0
    key = table.c[step.key]
    ids: list[Any] = sorted(step.ids)
    if isinstance(key.type, sa.Integer):
        ids = [int(i) for i in ids if str(i).isdigit()]
    where = key.in_(ids)
    n = int(session.scalar(sa.select(sa.func.count()).select_from(table).where(where)) or 0)
    if not n:
        return 0
    if step.action is ErasureAction.DELETE:
        session.execute(table.delete().where(where))
        return n
    values: dict[str, Any] = {}
    json_cols: list[str] = []
    for c in step.null_columns:
        if c in table.c:
            values[c] = None if table.c[c].nullable else ""
    for c in step.empty_columns:
        if c not in table.c:
            continue
        if isinstance(table.c[c].type, sa.JSON):
            json_cols.append(c)
        else:
            values[c] = ""
    pk = next(iter(table.primary_key.columns))
    for c in json_cols:
        for ident, value in session.execute(sa.select(pk, table.c[c]).where(where)).all():
            session.execute(table.update().where(pk == ident).values({c: _blank(value)}))
    if step.replace_key_with:
        values[step.key] = step.replace_key_with
    if values:
        session.execute(table.update().where(where).values(values))
    return n


def _replace_in_signal_ids(session: Session, ids: set[str], tombstone: str) -> None:
    """Signal ids are idempotency keys; a run's churn signal id holds the profile id."""
    from loyalloop.store.models import CaseSignal

    for sid in list(
        session.scalars(sa.select(CaseSignal.signal_id).where(CaseSignal.customer_id == tombstone))
    ):
        new = sid
        for i in ids:
            new = re.sub(rf"(?<=:){re.escape(i)}(?=:|$)", tombstone, new)
        if new != sid:
            session.execute(
                sa.update(CaseSignal).where(CaseSignal.signal_id == sid).values(signal_id=new)
            )


def _stop_sending(session: Session, tombstone: str) -> None:
    """Nothing more goes to an erased person: messages and invitations still waiting are
    stopped, and every channel is refused for good under the tombstone (consent rule 4,
    :mod:`loyalloop.cases.consent`)."""
    from loyalloop.store.models import (
        Invitation,
        InvitationStatus,
        OutboxMessage,
        OutboxStatus,
        Suppression,
    )

    session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.customer_id == tombstone,
            OutboxMessage.status.in_([OutboxStatus.pending.value, OutboxStatus.sending.value]),
        )
        .values(status=OutboxStatus.skipped.value, last_error="customer erased", lease_until=None)
    )
    session.execute(
        sa.update(Invitation)
        .where(
            Invitation.customer_id == tombstone,
            Invitation.status == InvitationStatus.created.value,
            Invitation.channel != "link",
        )
        .values(status=InvitationStatus.failed.value, error="customer erased")
    )
    session.add(Suppression(customer_id=tombstone, channel="all", source="erasure"))


def _already_erased(session: Session, digest: str) -> bool:
    for detail in session.scalars(
        sa.select(AuditEvent.detail).where(AuditEvent.action == ERASE_ACTION)
    ):
        if isinstance(detail, dict) and detail.get("subject") == digest:
            return True
    return False


# -- the use cases -----------------------------------------------------------------------------


@contextmanager
def _warehouse(store: Store, *, read_only: bool) -> Iterator[Warehouse | None]:
    path = store.analytics.warehouse_path
    if not path.exists():
        yield None
        return
    from loyalloop.core.warehouse import Warehouse

    wh = Warehouse(store.analytics, read_only=read_only)
    try:
        yield wh
    finally:
        wh.close()


def _tables(con: Warehouse) -> set[str]:
    return set(con.list_tables())


def _store_tables(store: Store) -> set[str]:
    return set(sa.inspect(store.engine).get_table_names())


def _unmanaged(home: Path) -> tuple[str, ...]:
    out: list[str] = []
    for root, _dirs, files in os.walk(home):
        rel_root = Path(root).relative_to(home)
        top = rel_root.parts[0] if rel_root.parts else ""
        if top in ("runs", "reports"):
            continue
        for f in files:
            if not top and _HOME_FILES.match(f):
                continue
            if top == SYNC_DIR and len(rel_root.parts) == 1 and f.endswith(".jsonl"):
                continue
            out.append(str(rel_root / f))
    return tuple(sorted(out))


def _discover(store: Store, customer_id: str, con: Warehouse | None, runs: list[Run]) -> _Found:
    found = _Found({customer_id})
    _find_in_runs(runs, found)
    if con is not None:
        _find_in_warehouse(con, _tables(con), found)
    with store.session() as session:
        _find_in_store(session, found)
        session.rollback()
    return found


def erase_person(
    store: Store,
    customer_id: str,
    *,
    actor: Actor,
    report_writer: ReportWriter | None = None,
    registry: PiiRegistry | None = None,
    now: dt.datetime | None = None,
    lock_timeout: float | None = None,
) -> ErasureResult:
    """Forget ``customer_id`` everywhere (see the module docstring).

    Raises
    ------
    NotFoundError
        No trace of the customer and no earlier erasure of them.
    BusyError
        Another command holds the project home beyond ``lock_timeout`` seconds.
    """
    customer_id = customer_id.strip()
    if not customer_id:
        raise NotFoundError("give the id of the customer to erase")
    now = now or dt.datetime.now(dt.UTC)
    registry = registry or default_pii_registry()
    digest = subject_hash(store, customer_id)
    home = store.analytics.home
    timeout = store.analytics.lock_timeout if lock_timeout is None else lock_timeout
    with home_lock(home, "erase", timeout=timeout):
        runs, unreadable = RunStore(store.analytics.runs_dir).survey()
        with _warehouse(store, read_only=False) as con:
            found = _discover(store, customer_id, con, runs)
            erasure_id = secrets.token_hex(8)
            tombstone = TOMBSTONE_PREFIX + secrets.token_hex(8)
            with store.session() as session:
                erased_before = _already_erased(session, digest)
                session.rollback()
            if not found.anywhere and not erased_before:
                raise NotFoundError(
                    f"customer {customer_id} is not in the warehouse, the store or any run"
                )
            subject = found.subject()
            reports_dir = store.analytics.reports_dir
            report_files = (
                sorted(p.name for p in reports_dir.iterdir() if p.is_file() and p.suffix == ".html")
                if reports_dir.exists()
                else []
            )
            sync_dir = home / SYNC_DIR
            sync_files = (
                sorted(p.name for p in sync_dir.iterdir() if p.is_file() and p.suffix == ".jsonl")
                if sync_dir.exists()
                else []
            )
            plan = plan_erasure(
                subject,
                registry,
                warehouse_tables=_tables(con) if con is not None else (),
                store_tables=_store_tables(store),
                run_files={f"{r.number:06d}": _run_files(r) for r in runs},
                report_files=report_files,
                sync_files=sync_files,
                erasure_id=erasure_id,
                tombstone_id=tombstone,
            )
            places: list[PlaceCount] = []
            places += _erase_runs(plan, runs, subject, tombstone)
            places += _rebuild_reports(
                plan, runs, reports_dir, report_writer, any_change=bool(sum(p.rows for p in places))
            )
            places += _erase_sync_files(plan, sync_dir)
            # before the warehouse: from now on no ingest loads them again
            suppressed = add_erased(home, subject.customer_ids)
            places.append(PlaceCount("home", ERASED_FILE, "suppress", suppressed))
            if con is not None:
                places += _erase_warehouse(con, plan)
        if con is not None and any(p.location == "warehouse" and p.rows for p in places):
            from loyalloop.core.warehouse import compact_file

            compact_file(store.analytics.warehouse_path)
        result = ErasureResult(
            erasure_id,
            digest,
            tombstone,
            now,
            actor.name,
            tuple(places),
            plan.unclassified
            + tuple(
                f"run:{n:06d} (this version cannot read it: `loyalloop runs delete {n}`)"
                for n, _why in unreadable
            ),
            _unmanaged(home),
            already_erased=erased_before,
        )
        places += _erase_store(store, plan, subject, tombstone, now, actor, result)
        result = dataclasses.replace(result, places=tuple(places))
    log.info("erasure %s: %d rows in %d places", erasure_id, result.rows, len(places))
    return result


def _erase_runs(
    plan: ErasurePlan, runs: list[Run], subject: ErasureSubject, tombstone: str
) -> list[PlaceCount]:
    by_number = {f"{r.number:06d}": r for r in runs}
    places: list[PlaceCount] = []
    new_rows: dict[str, dict[str, int]] = {}
    for step in plan.steps:
        if step.location is not DataLocation.RUN or step.action is ErasureAction.REGENERATE:
            continue
        number, _, name = step.target.partition("/")
        run = by_number[number]
        if not name.endswith(".parquet"):
            continue
        touched, rows = _rewrite_run_file(run, name, step, subject, tombstone)
        places.append(PlaceCount("run", step.target, step.action.value, touched))
        if rows is not None:
            table = next((t for t, info in run.manifest.tables.items() if info.file == name), None)
            if table is not None:
                new_rows.setdefault(number, {})[table] = rows
    for number, counts in new_rows.items():
        _set_manifest_rows(by_number[number], counts)
    return places


def _rebuild_reports(
    plan: ErasurePlan,
    runs: list[Run],
    reports_dir: Path,
    writer: ReportWriter | None,
    *,
    any_change: bool,
) -> list[PlaceCount]:
    if not any_change:
        return []
    store = RunStore(runs[0].path.parent) if runs else None
    places: list[PlaceCount] = []
    for step in plan.steps:
        if step.location is not DataLocation.REPORT:
            continue
        path = reports_dir / step.target
        m = _REPORT.match(step.target)
        run: Run | None = None
        if m and store is not None and int(m.group(1)) in store.numbers():
            run = store.get(int(m.group(1)))  # its manifest as rewritten
        if run is not None and writer is not None and m is not None:
            writer(run, m.group(2), path)
            places.append(PlaceCount("report", step.target, "regenerate", 1))
        else:
            path.unlink(missing_ok=True)
            places.append(PlaceCount("report", step.target, "delete", 1))
    return places


def _erase_sync_files(plan: ErasurePlan, directory: Path) -> list[PlaceCount]:
    """Rewrite the staged JSON Lines files: the person's lines redacted like the warehouse."""
    places: list[PlaceCount] = []
    for step in plan.steps:
        if step.location is not DataLocation.SYNC or not step.key:
            continue
        path = directory / step.target
        lines = path.read_text("utf-8").splitlines()
        out: list[str] = []
        n = 0
        for line in lines:
            row = json.loads(line) if line.strip() else None
            if not isinstance(row, dict) or str(row.get(step.key)) not in step.ids:
                out.append(line)
                continue
            n += 1
            if step.action is ErasureAction.DELETE:
                continue
            for c in step.null_columns:
                if c in row:
                    row[c] = None
            for c in step.empty_columns:
                if c in row:
                    row[c] = ""
            if step.replace_key_with:
                row[step.key] = step.replace_key_with
            out.append(json.dumps(row, ensure_ascii=False, sort_keys=True))
        if n:
            write_text_atomic(path, "".join(x + "\n" for x in out))
        places.append(PlaceCount("sync", step.target, step.action.value, n))
    return places


def _erase_warehouse(con: Warehouse, plan: ErasurePlan) -> list[PlaceCount]:
    places: list[PlaceCount] = []
    con.execute("BEGIN TRANSACTION")
    try:
        for step in plan.steps:
            if step.location is DataLocation.WAREHOUSE:
                n = _wh_step(con, step)
                places.append(PlaceCount("warehouse", step.target, step.action.value, n))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("CHECKPOINT")
    return places


def _erase_store(
    store: Store,
    plan: ErasurePlan,
    subject: ErasureSubject,
    tombstone: str,
    now: dt.datetime,
    actor: Actor,
    result: ErasureResult,
) -> list[PlaceCount]:
    places: list[PlaceCount] = []
    with store.session() as session:
        case_ids = {int(i) for i in subject.case_ids}
        if case_ids:
            _close_cases(session, case_ids, tombstone, now)
        for step in plan.steps:
            if step.location is DataLocation.STORE:
                n = _store_step(session, step)
                places.append(PlaceCount("store", step.target, step.action.value, n))
        _replace_in_signal_ids(session, set(subject.customer_ids | subject.profile_ids), tombstone)
        if result.rows or any(p.rows for p in places):
            _stop_sending(session, tombstone)
        everything = dataclasses.replace(result, places=result.places + tuple(places))
        record(
            session,
            actor,
            ERASE_ACTION,
            f"erasure:{result.erasure_id}",
            {
                "subject": result.subject_hash,
                "tombstone": tombstone,
                "rows": everything.rows,
                "places": {f"{p.location}:{p.target}": p.rows for p in everything.places if p.rows},
                "complete": everything.complete,
                "unclassified": list(everything.unclassified),
                "unmanaged_files": len(everything.unmanaged),
            },
        )
        session.commit()
    if store.engine.dialect.name == "sqlite":
        # freed pages would keep the old values; VACUUM runs outside a transaction (the
        # engine's "begin" hook would open one), on the DB-API connection in autocommit mode
        import sqlite3

        raw = store.engine.raw_connection()
        try:
            driver = raw.driver_connection
            driver.execute("VACUUM")  # type: ignore[union-attr]
            # the write-ahead log holds page images from before: fold it in and empty it
            busy = driver.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()  # type: ignore[union-attr]
            if busy and busy[0]:
                log.warning(
                    "erasure %s: another connection kept the store's write-ahead log from "
                    "being emptied; it is emptied when the last connection closes",
                    result.erasure_id,
                )
        except sqlite3.OperationalError as exc:  # busy: the erasure itself is committed
            log.warning(
                "erasure %s: the store could not be vacuumed (%s); freed pages keep old values "
                "until the next VACUUM",
                result.erasure_id,
                exc,
            )
        finally:
            raw.close()
    return places


# -- access request ----------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float) and value != value:  # NaN
        return None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _rows(session: Session, table_name: str, where: Any) -> list[dict[str, Any]]:
    table = Base.metadata.tables[table_name]
    return [
        {k: _plain(v) for k, v in r._mapping.items()}
        for r in session.execute(sa.select(table).where(where(table))).all()
    ]


def export_person(store: Store, customer_id: str, *, actor: Actor) -> dict[str, Any]:
    """Everything held about ``customer_id`` (see the module docstring), JSON-ready."""
    import pyarrow as pa
    import pyarrow.compute as pc

    customer_id = customer_id.strip()
    with home_lock(store.analytics.home, "export-person", timeout=store.analytics.lock_timeout):
        runs, _ = RunStore(store.analytics.runs_dir).survey()
        with _warehouse(store, read_only=True) as con:
            found = _discover(store, customer_id, con, runs)
            if not found.anywhere:
                raise NotFoundError(
                    f"customer {customer_id} is not in the warehouse, the store or any run"
                )
            subject = found.subject()
            warehouse: dict[str, list[dict[str, Any]]] = {}
            registry = default_pii_registry()
            if con is not None:
                for table in sorted(_tables(con)):
                    entry = registry.find(DataLocation.WAREHOUSE, table)
                    if entry is None or entry.action is ErasureAction.KEEP:
                        continue
                    step = ErasureStep(
                        DataLocation.WAREHOUSE,
                        table,
                        entry.action,
                        key=entry.key,
                        ids=subject.ids(entry.id_kind) if entry.key else frozenset(),
                        contains=entry.contains,
                        values=subject.identifiers if entry.contains else frozenset(),
                    )
                    cols = {
                        str(r[0])
                        for r in con.execute(
                            "SELECT column_name FROM information_schema.columns "
                            "WHERE table_name = ?",
                            [table],
                        ).fetchall()
                    }
                    where, params = _wh_condition(step, cols)
                    cur = con.execute(f"SELECT * FROM {_quote(table)} WHERE {where}", params)
                    names = [d[0] for d in cur.description or []]
                    rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
                    if rows:
                        warehouse[table] = [_plain(r) for r in rows]
        ids = sorted(subject.customer_ids)
        case_ids = [int(i) for i in subject.case_ids]
        with store.session() as session:
            held: dict[str, list[dict[str, Any]]] = {
                "invitations": _rows(session, "invitations", lambda t: t.c.customer_id.in_(ids)),
                "responses": _rows(session, "responses", lambda t: t.c.customer_id.in_(ids)),
                "consent_history": _rows(
                    session, "suppressions", lambda t: t.c.customer_id.in_(ids)
                ),
                "consent_changes": _rows(
                    session, "consent_changes", lambda t: t.c.customer_id.in_(ids)
                ),
                "cases": _rows(session, "cases", lambda t: t.c.customer_id.in_(ids)),
                "case_events": _rows(session, "case_events", lambda t: t.c.case_id.in_(case_ids)),
                "case_signals": _rows(session, "case_signals", lambda t: t.c.customer_id.in_(ids)),
                "compensation_grants": _rows(
                    session, "compensation_grants", lambda t: t.c.customer_id.in_(ids)
                ),
                "campaign_assignments": _rows(
                    session, "campaign_assignments", lambda t: t.c.customer_id.in_(ids)
                ),
                "campaign_messages": _rows(
                    session, "outbox_messages", lambda t: t.c.customer_id.in_(ids)
                ),
                "delivery_events": _rows(
                    session, "delivery_events", lambda t: t.c.customer_id.in_(ids)
                ),
            }
            record(
                session,
                actor,
                EXPORT_ACTION,
                f"subject:{subject_hash(store, customer_id)[:16]}",
                {"subject": subject_hash(store, customer_id)},
            )
            session.commit()
        run_rows: dict[str, dict[str, list[dict[str, Any]]]] = {}
        all_ids = _arr(subject.customer_ids | subject.profile_ids)
        for run in runs:
            per_file: dict[str, list[dict[str, Any]]] = {}
            for table, info in sorted(run.manifest.tables.items()):
                t = run.read(table)
                mask = pa.array([False] * t.num_rows, type=pa.bool_())
                for c in ID_COLUMNS:
                    if c in t.column_names:
                        hit = pc.is_in(t[c].cast(pa.string()), value_set=all_ids)
                        mask = pc.or_(mask, pc.fill_null(hit, False))
                if "feedback_id" in t.column_names and subject.feedback_ids:
                    hit = pc.is_in(
                        t["feedback_id"].cast(pa.string()), value_set=_arr(subject.feedback_ids)
                    )
                    mask = pc.or_(mask, pc.fill_null(hit, False))
                rows = t.filter(mask).to_pylist()
                if rows:
                    per_file[info.file] = [_plain(r) for r in rows]
            if per_file:
                run_rows[f"{run.number:06d}"] = per_file
    return {
        "customer_id": customer_id,
        "customer_ids": ids,
        "profile_ids": sorted(subject.profile_ids),
        "exported_at": dt.datetime.now(dt.UTC).isoformat(),
        "warehouse": warehouse,
        "store": held,
        "runs": run_rows,
    }
