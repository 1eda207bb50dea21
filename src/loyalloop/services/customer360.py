"""One customer, whole: the customer 360 view (issue 13 item 5).

:func:`search_customers` finds people by customer id, phone number or e-mail address (the
query is normalised by the very functions ingest uses, :mod:`loyalloop.data.normalize`, and
matched against the warehouse's ``phone_e164`` / ``email_normalized``); :func:`customer_view`
builds one person's page: profile (masked unless the reader may see PII), RFM segment, CLV and
P(alive), churn risk with its reasons, loyalty tier and lifecycle stage with their history
across runs, feedback with sentiment and aspects (and the comment's text from the warehouse),
survey answers, cases and consent (the run's merged consent and the store's unsubscribes).

How it stays fast on a million customers
----------------------------------------
A run's outputs are Parquet files written in whatever order the engine produced them, so
their row-group statistics cannot prune a lookup by key: DuckDB reading ``clv.parquet`` with
``WHERE customer_id = ?`` scans the whole key column of every table, every page. Instead the
first lookup after a run is published builds a :class:`CustomerIndex`: the columns this page
shows, copied from the latest run (and tier / stage from up to :data:`HISTORY_RUNS` runs) into
an **in-memory** DuckDB database with an ART index on each key, built by the engine in one
``CREATE TABLE … AS SELECT`` per table. Each later page is a dozen indexed point lookups.

* The index is held in memory only, never written under the project home: it holds names and
  contacts, and erasure must find every copy of those in files (issue 13 item 6).
* It is rebuilt when the latest run changes or any of its files is rewritten (the
  signature is the number, inode, size and modification time of every file it read), so an
  erasure that rewrites a run's files is seen at the next page.
* Lookups go to DuckDB as parameterised SQL on a cursor, not through Ibis: compiling an Ibis
  expression costs ~6.5 ms per lookup against ~0.3 ms for the prepared statement on the same
  indexed table (measured on this machine, 1M keys), and a page makes about a dozen.
* Comment text and the search by phone or e-mail read the warehouse (read-only, through
  :class:`~loyalloop.core.warehouse.Warehouse`), so what erasure removed there is gone from
  the page at once. When another command holds the warehouse (a run in progress), the page is
  still shown, without comment text, and says so (``notes``).

Figures: ``benchmarks/customer360.py``, results in ``benchmarks/results/customer360.md``.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from loyalloop.core.config import Settings
from loyalloop.core.runs import MANIFEST_FILE, Run, RunStore
from loyalloop.data.normalize import normalize_email, normalize_phone
from loyalloop.errors import BusyError, ConfigError, EngineError, NotFoundError
from loyalloop.feedback.pii import mask_pii
from loyalloop.services.pii import mask_email, mask_name, mask_phone
from loyalloop.services.surveys import spec_of
from loyalloop.store.models import CaseRow, Response, Suppression, Survey
from loyalloop.surveys.labels import LabelledAnswer, label_answers
from loyalloop.surveys.spec import SurveySpec

if TYPE_CHECKING:
    from loyalloop.core.warehouse import Warehouse

__all__ = [
    "HISTORY_RUNS",
    "AspectMention",
    "CaseSummary",
    "ChurnRisk",
    "ConsentView",
    "CustomerIndex",
    "CustomerMatch",
    "CustomerView",
    "FeedbackItem",
    "LoyaltyView",
    "MatchKind",
    "ProfileView",
    "StatusPoint",
    "SurveyAnswer",
    "ValueView",
    "clear_index_cache",
    "customer_index",
    "customer_view",
    "search_customers",
]

log = logging.getLogger(__name__)

#: Runs whose tier and stages the history shows (the latest included).
HISTORY_RUNS = 6
#: At most this many matches are listed for one search.
SEARCH_LIMIT = 50
#: At most this many feedback items, survey answers and cases are shown (newest first).
ITEM_LIMIT = 200


class MatchKind(StrEnum):
    """How a search found a customer."""

    customer_id = "customer_id"
    phone = "phone"
    email = "email"


# -- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerMatch:
    """One person a search found (contacts masked unless the reader may see PII)."""

    profile_id: str
    customer_ids: tuple[str, ...]
    name: str
    city: str
    segment: str
    matched_by: MatchKind


@dataclass(frozen=True)
class ProfileView:
    """The unified profile of the latest run (its records merged by identity resolution)."""

    profile_id: str
    customer_ids: tuple[str, ...]
    name: str
    email: str
    phone: str
    city: str
    segment: str
    created_at: dt.datetime | None
    masked: bool


@dataclass(frozen=True)
class ValueView:
    """RFM and CLV of the profile (``None`` where the run did not compute it)."""

    rfm_segment: str | None
    rfm_score: str | None
    purchases: int | None
    total_spend: float | None
    last_purchase: dt.date | None
    days_since_last: int | None
    clv: float | None
    probability_alive: float | None
    expected_purchases: float | None


@dataclass(frozen=True)
class ChurnRisk:
    """Churn probability with its reasons; the early-warning or win-back list it is on."""

    probability: float | None
    risk_decile: int | None
    population: str | None
    reasons_en: str
    reasons_zh: str
    early_warning_rank: int | None
    value_at_stake: float | None
    win_back_rank: int | None


@dataclass(frozen=True)
class StatusPoint:
    """Tier and stages of the profile in one run."""

    run: int
    as_of: dt.date
    tier: str | None
    lifecycle_stage: str | None
    status: str | None


@dataclass(frozen=True)
class LoyaltyView:
    loyalty_index: float | None
    tier: str | None
    lifecycle_stage: str | None
    status: str | None
    history: tuple[StatusPoint, ...]


@dataclass(frozen=True)
class AspectMention:
    aspect: str
    sentiment: str
    sentiment_score: float | None


@dataclass(frozen=True)
class FeedbackItem:
    """One comment or score (customer text: untrusted, escape it where shown)."""

    feedback_id: str
    customer_id: str
    timestamp: dt.datetime | None
    channel: str
    brand: str
    score_type: str | None
    score: float | None
    language: str
    sentiment: str | None
    sentiment_score: float | None
    intent: str | None
    text: str | None
    aspects: tuple[AspectMention, ...]


@dataclass(frozen=True)
class SurveyAnswer:
    """One survey response of the store; ``answers``: each question's id and text and the
    answer in words (option labels), in the response's language, from the version answered
    (:func:`loyalloop.surveys.labels.label_answers`; untrusted text)."""

    response_id: int
    survey_key: str
    survey_title: str
    submitted_at: dt.datetime
    channel: str
    language: str
    answers: tuple[LabelledAnswer, ...]


@dataclass(frozen=True)
class CaseSummary:
    id: int
    customer_id: str
    topic: str
    status: str
    priority: str
    team: str
    owner: str | None
    opened_at: dt.datetime
    sla_due_at: dt.datetime | None


@dataclass(frozen=True)
class ConsentView:
    """Consent per channel as the run merged it (``None`` = unknown, which is not consent),
    and the store's unsubscribes (effective at once, whatever the run says)."""

    email: bool | None
    sms: bool | None
    phone: bool | None
    unsubscribed: tuple[tuple[str, str, dt.datetime], ...]

    def may_contact(self, channel: str) -> bool:
        given = {"email": self.email, "sms": self.sms, "phone": self.phone}.get(channel)
        off = {c for c, _, _ in self.unsubscribed}
        return bool(given) and channel not in off and "all" not in off


@dataclass(frozen=True)
class CustomerView:
    """Everything the 360 page shows of one person (from run ``run`` and the store)."""

    run: int
    as_of: dt.date
    profile: ProfileView
    value: ValueView
    churn: ChurnRisk
    loyalty: LoyaltyView
    feedback: tuple[FeedbackItem, ...]
    surveys: tuple[SurveyAnswer, ...]
    cases: tuple[CaseSummary, ...]
    consent: ConsentView
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (dates as ISO strings)."""
        return _jsonable(asdict(self))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return value.value
    return value


# -- the index --------------------------------------------------------------------------------

#: table → (key columns to index, columns the page reads). Columns a run lacks are left out.
_TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "profile_map": (("customer_id", "profile_id"), ("customer_id", "profile_id")),
    "profiles": (
        ("profile_id",),
        (
            "profile_id",
            "records",
            "created_at",
            "name",
            "email",
            "phone",
            "city",
            "segment",
            "consent_email",
            "consent_sms",
            "consent_phone",
        ),
    ),
    "rfm": (
        ("customer_id",),
        (
            "customer_id",
            "segment",
            "rfm_score",
            "purchase_days",
            "total_spend",
            "last_purchase",
            "days_since_last",
        ),
    ),
    "clv": (
        ("customer_id",),
        ("customer_id", "clv", "probability_alive", "expected_purchases"),
    ),
    "churn_scores": (
        ("customer_id",),
        (
            "customer_id",
            "churn_probability",
            "risk_decile",
            "population",
            "reasons_en",
            "reasons_zh",
        ),
    ),
    "early_warning": (
        ("customer_id",),
        ("customer_id", "rank", "value_at_stake", "reasons_en", "reasons_zh"),
    ),
    "win_back": (("customer_id",), ("customer_id", "rank", "reasons_en", "reasons_zh")),
    "loyalty": (("customer_id",), ("customer_id", "loyalty_index", "tier", "lifecycle_stage")),
    "statuses": (("customer_id",), ("customer_id", "stage")),
    "feedback_analysis": (
        ("profile_id",),
        (
            "feedback_id",
            "customer_id",
            "profile_id",
            "timestamp",
            "channel",
            "brand",
            "score_type",
            "score",
            "language",
            "sentiment",
            "sentiment_score",
            "intent",
        ),
    ),
    "feedback_aspects": (
        ("feedback_id",),
        ("feedback_id", "aspect", "sentiment", "sentiment_score"),
    ),
}


def _signature(runs: Sequence[Run]) -> tuple[tuple[Any, ...], ...]:
    out: list[tuple[Any, ...]] = []
    for run in runs:
        names = [n for n in sorted(run.manifest.tables) if n in _TABLES]
        paths = [(MANIFEST_FILE, run.path / MANIFEST_FILE)]
        paths += [(n, run.table_path(n)) for n in names]
        for name, path in paths:
            try:
                st = path.stat()
            except FileNotFoundError:  # deleted or being rewritten: not the indexed one
                out.append((run.number, name, None))
                continue
            out.append((run.number, name, st.st_ino, st.st_size, st.st_mtime_ns))
    return tuple(out)


class CustomerIndex:
    """The latest run's per-customer outputs (and tier/stage history) in memory, indexed by
    key — see the module docstring. Thread-safe: every lookup uses its own cursor."""

    def __init__(self, runs: Sequence[Run]) -> None:
        from loyalloop.core.warehouse import Warehouse

        if not runs:
            raise NotFoundError("no run to index")
        self.run = runs[0]
        self.history_runs = tuple(runs)
        #: the run numbers (newest first) the index was built from, unreadable ones included
        self.numbers: tuple[int, ...] = tuple(r.number for r in runs)
        self.signature = _signature(runs)
        # a private in-memory engine through the engine seam (core.warehouse)
        self._con: Warehouse = Warehouse.in_memory()
        self.columns: dict[str, tuple[str, ...]] = {}
        for name, (keys, wanted) in _TABLES.items():
            if not self.run.has_table(name):
                continue
            self._load(name, self.run.table_path(name), keys, wanted)
        self._load_history(runs)

    def _load(self, name: str, path: Path, keys: tuple[str, ...], wanted: tuple[str, ...]) -> None:
        con = self._con
        present = [
            str(r[0])
            for r in con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
        ]
        cols = [c for c in wanted if c in present]
        if not all(k in cols for k in keys):
            log.warning("run %d: table %s lacks its key %s; left out", self.run.number, name, keys)
            return
        select = ", ".join(_quote(c) for c in cols)
        con.execute(
            f"CREATE TABLE {_quote(name)} AS SELECT {select} FROM read_parquet(?)", [str(path)]
        )
        for k in keys:
            con.execute(f"CREATE INDEX {_quote(f'ix_{name}_{k}')} ON {_quote(name)}({_quote(k)})")
        self.columns[name] = tuple(cols)

    def _load_history(self, runs: Sequence[Run]) -> None:
        """Tier and stages per *source* customer id in each run (profile ids may be re-labelled
        by a later identity resolution; a record's id is stable)."""
        con = self._con
        con.execute(
            "CREATE TABLE history (run INTEGER, as_of DATE, customer_id VARCHAR, tier VARCHAR, "
            "lifecycle_stage VARCHAR, status VARCHAR)"
        )
        for run in runs:
            if not run.has_table("profile_map"):
                continue
            pmap = str(run.table_path("profile_map"))
            tier = stage = status = "NULL"
            joins = ""
            params: list[object] = [run.number, run.manifest.as_of, pmap]
            if run.has_table("loyalty"):
                joins += " LEFT JOIN read_parquet(?) l ON l.customer_id = m.profile_id"
                params.append(str(run.table_path("loyalty")))
                tier, stage = "l.tier", "l.lifecycle_stage"
            if run.has_table("statuses"):
                joins += " LEFT JOIN read_parquet(?) s ON s.customer_id = m.profile_id"
                params.append(str(run.table_path("statuses")))
                status = "s.stage"
            con.execute(
                f"INSERT INTO history SELECT ?, ?, m.customer_id, {tier}, {stage}, {status} "
                f"FROM read_parquet(?) m{joins}",
                params,
            )
        con.execute("CREATE INDEX ix_history_customer_id ON history(customer_id)")

    def rows(self, table: str, key: str, values: Sequence[str]) -> list[dict[str, Any]]:
        """Rows of ``table`` whose ``key`` is one of ``values`` (an indexed lookup)."""
        cols = self.columns.get(table)
        if cols is None or not values:
            return []
        cur = self._con.cursor()
        try:
            marks = ", ".join("?" for _ in values)
            res = cur.execute(
                f"SELECT * FROM {_quote(table)} WHERE {_quote(key)} IN ({marks})", list(values)
            )
            names = [d[0] for d in res.description]
            return [dict(zip(names, r, strict=True)) for r in res.fetchall()]
        finally:
            cur.close()

    def history(self, customer_ids: Sequence[str]) -> list[StatusPoint]:
        """Tier and stages in each indexed run, newest first (one point per run)."""
        if not customer_ids:
            return []
        cur = self._con.cursor()
        try:
            marks = ", ".join("?" for _ in customer_ids)
            res = cur.execute(
                "SELECT run, any_value(as_of), any_value(tier), any_value(lifecycle_stage), "
                f"any_value(status) FROM history WHERE customer_id IN ({marks}) "
                "GROUP BY run ORDER BY run DESC",
                list(customer_ids),
            ).fetchall()
        finally:
            cur.close()
        return [StatusPoint(int(r[0]), r[1], r[2], r[3], r[4]) for r in res]

    def close(self) -> None:
        self._con.close()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


_CACHE: dict[Path, CustomerIndex] = {}
_LOCK = threading.Lock()


def _latest_numbers(settings: Settings) -> tuple[int, ...]:
    numbers = RunStore(settings.runs_dir).numbers()
    return tuple(reversed(numbers[-HISTORY_RUNS:]))


def _latest_runs(settings: Settings) -> list[Run]:
    store = RunStore(settings.runs_dir)
    out: list[Run] = []
    for run in store.previous_readable():
        out.append(run)
        if len(out) >= HISTORY_RUNS:
            break
    if not out:
        store.latest()  # raises NoRunError with the usual message
    return out


def customer_index(settings: Settings) -> CustomerIndex:
    """The index of the latest run of ``settings``' home, built on first use and rebuilt when
    a newer run is published or one of its files (manifest included) is rewritten.

    The check is a directory listing and one ``stat`` per indexed file (no manifest is
    parsed while nothing changed).
    """
    key = settings.runs_dir.resolve()
    numbers = _latest_numbers(settings)
    with _LOCK:
        cached = _CACHE.get(key)
        if (
            cached is not None
            and cached.numbers == numbers
            and cached.signature == _signature(cached.history_runs)
        ):
            return cached
        runs = _latest_runs(settings)
        built = CustomerIndex(runs)
        built.numbers = numbers
        if cached is not None:
            cached.close()
        _CACHE[key] = built
        log.info("customer index of run %d built", built.run.number)
        return built


def clear_index_cache() -> None:
    """Drop every cached index (tests; after an erasure when waiting is not an option)."""
    with _LOCK:
        for index in _CACHE.values():
            index.close()
        _CACHE.clear()


# -- search -----------------------------------------------------------------------------------


def _profiles_of(index: CustomerIndex, customer_ids: Sequence[str]) -> list[str]:
    rows = index.rows("profile_map", "customer_id", customer_ids)
    return sorted({str(r["profile_id"]) for r in rows})


def _members(index: CustomerIndex, profile_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for r in index.rows("profile_map", "profile_id", profile_ids):
        out.setdefault(str(r["profile_id"]), []).append(str(r["customer_id"]))
    return {k: tuple(sorted(v)) for k, v in out.items()}


def _warehouse_ids(settings: Settings, column: str, value: str) -> list[str]:
    """Source customer ids whose normalised contact ``column`` equals ``value``."""
    from loyalloop.core.warehouse import Warehouse

    if not settings.warehouse_path.exists():
        return []
    with Warehouse(settings, read_only=True) as wh:
        res = wh.execute(
            f"SELECT customer_id FROM customers WHERE {_quote(column)} = ? LIMIT ?",
            [value, SEARCH_LIMIT * 4],
        ).fetchall()
    return [str(r[0]) for r in res]


def search_customers(settings: Settings, query: str, *, unmask: bool) -> list[CustomerMatch]:
    """The people ``query`` names: a customer id (exact), else an e-mail address or a phone
    number, normalised as ingest normalises them (``phone_region`` for numbers without a
    country code). An empty list when nobody matches; several when the contact is shared.

    Raises
    ------
    NotFoundError
        When the query is empty, or is neither an id of the latest run nor a valid e-mail
        address or phone number.
    NoRunError
        When no run has been published yet.
    BusyError
        When another command holds the warehouse (search by phone or e-mail reads it).
    """
    q = query.strip()
    if not q:
        raise NotFoundError("enter a customer id, a phone number or an e-mail address")
    index = customer_index(settings)
    found = _profiles_of(index, [q])
    kind = MatchKind.customer_id
    if not found:
        if "@" in q:
            email = normalize_email(q)
            if email is None:
                raise NotFoundError(f"{q!r} is not a valid e-mail address")
            kind, ids = MatchKind.email, _warehouse_ids(settings, "email_normalized", email)
        else:
            phone = normalize_phone(q, settings.phone_region)
            if phone is None:
                raise NotFoundError(
                    f"no customer id {q!r} in run {index.run.number}, and it is not a valid "
                    f"phone number (region {settings.phone_region}) or e-mail address"
                )
            kind, ids = MatchKind.phone, _warehouse_ids(settings, "phone_e164", phone)
        found = _profiles_of(index, ids)
    found = found[:SEARCH_LIMIT]
    members = _members(index, found)
    profiles = {str(r["profile_id"]): r for r in index.rows("profiles", "profile_id", found)}
    out = []
    for pid in found:
        p = profiles.get(pid, {})
        name = str(p.get("name") or "")
        out.append(
            CustomerMatch(
                pid,
                members.get(pid, (pid,)),
                name if unmask else mask_name(name),
                str(p.get("city") or ""),
                str(p.get("segment") or ""),
                kind,
            )
        )
    return out


# -- the view ---------------------------------------------------------------------------------


def _one(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return rows[0] if rows else {}


def _opt_float(v: Any) -> float | None:
    return None if v is None else float(v)


def _opt_int(v: Any) -> int | None:
    return None if v is None else int(v)


def _opt_str(v: Any) -> str | None:
    return None if v is None else str(v)


def _opt_bool(v: Any) -> bool | None:
    return None if v is None else bool(v)


def _feedback(
    index: CustomerIndex, settings: Settings, profile_id: str, notes: list[str], *, unmask: bool
) -> tuple[FeedbackItem, ...]:
    rows = index.rows("feedback_analysis", "profile_id", [profile_id])
    rows.sort(key=lambda r: (r.get("timestamp") is not None, r.get("timestamp")), reverse=True)
    rows = rows[:ITEM_LIMIT]
    ids = [str(r["feedback_id"]) for r in rows]
    mentions: dict[str, list[AspectMention]] = {}
    for m in index.rows("feedback_aspects", "feedback_id", ids):
        mentions.setdefault(str(m["feedback_id"]), []).append(
            AspectMention(
                str(m["aspect"]),
                str(m.get("sentiment") or ""),
                _opt_float(m.get("sentiment_score")),
            )
        )
    texts = _feedback_texts(settings, ids, notes)
    if texts is not None and not unmask:  # the customer's own words may hold contacts too
        texts = {k: mask_pii(v) for k, v in texts.items()}
    return tuple(
        FeedbackItem(
            feedback_id=fid,
            customer_id=str(r.get("customer_id") or ""),
            timestamp=r.get("timestamp"),
            channel=str(r.get("channel") or ""),
            brand=str(r.get("brand") or ""),
            score_type=_opt_str(r.get("score_type")),
            score=_opt_float(r.get("score")),
            language=str(r.get("language") or ""),
            sentiment=_opt_str(r.get("sentiment")),
            sentiment_score=_opt_float(r.get("sentiment_score")),
            intent=_opt_str(r.get("intent")),
            text=texts.get(fid) if texts is not None else None,
            aspects=tuple(mentions.get(fid, ())),
        )
        for fid, r in zip(ids, rows, strict=True)
    )


def _feedback_texts(
    settings: Settings, ids: Sequence[str], notes: list[str]
) -> dict[str, str] | None:
    """Comment text by feedback id from the warehouse (``None``: it cannot be read now, and
    ``notes`` says why)."""
    from loyalloop.core.warehouse import Warehouse

    if not ids:
        return {}
    if not settings.warehouse_path.exists():
        notes.append("comment text not shown: the project home has no warehouse")
        return None
    marks = ", ".join("?" for _ in ids)
    try:
        with Warehouse(settings, read_only=True) as wh:
            res = wh.execute(
                f"SELECT feedback_id, text FROM feedback WHERE feedback_id IN ({marks})", list(ids)
            ).fetchall()
    except (BusyError, EngineError) as exc:
        notes.append(f"comment text not shown: {exc}")
        return None
    return {str(r[0]): str(r[1]) for r in res if r[1] is not None}


def _surveys(
    session: Session, customer_ids: Sequence[str], *, unmask: bool
) -> tuple[SurveyAnswer, ...]:
    show = (lambda x: x) if unmask else mask_pii
    specs: dict[tuple[int, int], SurveySpec | None] = {}

    def spec(survey_id: int, version: int) -> SurveySpec | None:
        if (survey_id, version) not in specs:
            try:
                specs[survey_id, version] = spec_of(session, survey_id, version)
            except (NotFoundError, ConfigError):  # a version gone or unreadable: ids shown
                specs[survey_id, version] = None
        return specs[survey_id, version]

    rows = session.execute(
        sa.select(Response, Survey.key, Survey.title)
        .join(Survey, Survey.id == Response.survey_id)
        .where(Response.customer_id.in_(list(customer_ids)))
        .order_by(Response.submitted_at.desc(), Response.id.desc())
        .limit(ITEM_LIMIT)
    ).all()
    return tuple(
        SurveyAnswer(
            r.id,
            key,
            title,
            r.submitted_at,
            r.channel,
            r.language,
            tuple(
                replace(a, answer=show(a.answer))
                for a in label_answers(r.answers or {}, spec(r.survey_id, r.version), r.language)
            ),
        )
        for r, key, title in rows
    )


def _cases(session: Session, customer_ids: Sequence[str]) -> tuple[CaseSummary, ...]:
    rows = session.scalars(
        sa.select(CaseRow)
        .where(CaseRow.customer_id.in_(list(customer_ids)))
        .order_by(CaseRow.opened_at.desc(), CaseRow.id.desc())
        .limit(ITEM_LIMIT)
    ).all()
    return tuple(
        CaseSummary(
            c.id,
            c.customer_id,
            c.topic,
            c.status,
            c.priority,
            c.team,
            c.owner,
            c.opened_at,
            c.sla_due_at,
        )
        for c in rows
    )


def _unsubscribed(
    session: Session, customer_ids: Sequence[str]
) -> Iterator[tuple[str, str, dt.datetime]]:
    rows = session.scalars(
        sa.select(Suppression).where(Suppression.customer_id.in_(list(customer_ids)))
    ).all()
    for s in sorted(rows, key=lambda s: (s.at, s.channel)):
        yield s.channel, s.source, s.at


def customer_view(
    settings: Settings, session: Session, customer_id: str, *, unmask: bool
) -> CustomerView:
    """One person's 360 view from the latest run and the operational store.

    ``customer_id`` is any source customer id of the person (their profile id is one).
    With ``unmask`` false (the reader may not see PII), name, e-mail and phone are masked, and
    so are phone, card and ID numbers and e-mail addresses inside comments and free-text
    answers (:func:`loyalloop.feedback.mask_pii`).

    Raises
    ------
    NotFoundError
        When no record of the latest run has that id.
    NoRunError
        When no run has been published yet.
    """
    index = customer_index(settings)
    run = index.run
    cid = customer_id.strip()
    found = _profiles_of(index, [cid])
    if not found:
        raise NotFoundError(
            f"no customer {cid!r} in run {run.number} (as of {run.manifest.as_of}); "
            "search by phone or e-mail, or check the id"
        )
    pid = found[0]
    members = _members(index, [pid]).get(pid, (pid,))
    notes: list[str] = []

    p = _one(index.rows("profiles", "profile_id", [pid]))
    name, email, phone = (str(p.get(c) or "") for c in ("name", "email", "phone"))
    if not unmask:
        name, email, phone = (
            mask_name(name),
            mask_email(email) if email else "",
            mask_phone(phone) if phone else "",
        )
    profile = ProfileView(
        pid,
        members,
        name,
        email,
        phone,
        str(p.get("city") or ""),
        str(p.get("segment") or ""),
        p.get("created_at"),
        masked=not unmask,
    )

    rfm = _one(index.rows("rfm", "customer_id", [pid]))
    clv = _one(index.rows("clv", "customer_id", [pid]))
    value = ValueView(
        _opt_str(rfm.get("segment")),
        _opt_str(rfm.get("rfm_score")),
        _opt_int(rfm.get("purchase_days")),
        _opt_float(rfm.get("total_spend")),
        rfm.get("last_purchase"),
        _opt_int(rfm.get("days_since_last")),
        _opt_float(clv.get("clv")),
        _opt_float(clv.get("probability_alive")),
        _opt_float(clv.get("expected_purchases")),
    )
    if not rfm:
        notes.append("no purchases in this run: no RFM segment or CLV")

    score = _one(index.rows("churn_scores", "customer_id", [pid]))
    warn = _one(index.rows("early_warning", "customer_id", [pid]))
    back = _one(index.rows("win_back", "customer_id", [pid]))
    reasons = [(r.get("reasons_en"), r.get("reasons_zh")) for r in (score, warn, back)]
    en, zh = next(((e, z) for e, z in reasons if e), ("", ""))
    churn = ChurnRisk(
        _opt_float(score.get("churn_probability")),
        _opt_int(score.get("risk_decile")),
        _opt_str(score.get("population")),
        str(en or ""),
        str(zh or ""),
        _opt_int(warn.get("rank")),
        _opt_float(warn.get("value_at_stake")),
        _opt_int(back.get("rank")),
    )

    loy = _one(index.rows("loyalty", "customer_id", [pid]))
    status = _one(index.rows("statuses", "customer_id", [pid]))
    loyalty = LoyaltyView(
        _opt_float(loy.get("loyalty_index")),
        _opt_str(loy.get("tier")),
        _opt_str(loy.get("lifecycle_stage")),
        _opt_str(status.get("stage")),
        tuple(index.history([pid])),
    )

    consent = ConsentView(
        _opt_bool(p.get("consent_email")),
        _opt_bool(p.get("consent_sms")),
        _opt_bool(p.get("consent_phone")),
        tuple(_unsubscribed(session, members)),
    )
    return CustomerView(
        run=run.number,
        as_of=run.manifest.as_of,
        profile=profile,
        value=value,
        churn=churn,
        loyalty=loyalty,
        feedback=_feedback(index, settings, pid, notes, unmask=unmask),
        surveys=_surveys(session, members, unmask=unmask),
        cases=_cases(session, members),
        consent=consent,
        notes=tuple(notes),
    )
