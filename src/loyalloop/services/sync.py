"""Moving survey responses into the warehouse, exactly once (``loyalloop sync``).

Each response becomes rows of the canonical ``feedback`` table and, for KANO questions, of
``kano_answers``:

* one ``feedback`` row per score question (``nps``, ``csat``, ``ces``; ``rating`` on a 1–5
  scale), ``channel = survey``, ``brand = own``, with the text of the question that explains it
  (``about: nps``) as its comment; a text question that explains nothing gets a row of its
  own without a score. Rating scales other than 1–5 stay in the store (the contract's rating
  is 1–5). ``feedback_id = svy-<response id>-<question id>``.
* one ``kano_answers`` row per KANO feature answered, ``answer_id =
  svy-<response id>-<question id>-<feature id>``; ``feature`` is the feature's text in the
  survey's first language, so answers in either language count for the same feature.

The rows go through :func:`loyalloop.data.ingest.ingest` — the same validation and quarantine
as any file (an unknown customer id is quarantined with its reason, and counted) — from a
JSON Lines file written under ``<home>/sync/``. Then the responses are marked synced with the
revision that was loaded.

Exactly once: ingest recognises rows already loaded, so a sync killed after loading but before
marking loads nothing twice when it runs again; a sync killed before loading loses nothing,
because nothing was marked. A response edited after it was synced (a second submission through
its link) has a higher revision: its earlier rows are deleted from the warehouse and the new
ones loaded, so the warehouse always holds each response's latest answers once.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from loyalloop.core.config import Settings
from loyalloop.core.export import write_text_atomic
from loyalloop.core.warehouse import Warehouse
from loyalloop.data.ingest import IngestResult, ingest
from loyalloop.data.schema import open_warehouse
from loyalloop.services.audit import Actor, record
from loyalloop.services.store import Store
from loyalloop.services.surveys import spec_of
from loyalloop.store.base import utcnow
from loyalloop.store.models import Response, Survey
from loyalloop.surveys import QuestionType, SurveySpec

__all__ = ["SYNC_DIR", "SyncResult", "response_rows", "responses_after", "sync_responses"]

log = logging.getLogger(__name__)

SYNC_DIR = "sync"
#: Prefix of every warehouse id written by sync (``svy-<response id>-…``).
ID_PREFIX = "svy"
_FEEDBACK_SCORES = {
    QuestionType.nps: "nps",
    QuestionType.csat: "csat",
    QuestionType.ces: "ces",
    QuestionType.rating: "rating",
}


@dataclass(frozen=True)
class SyncResult:
    responses: int
    replaced: int  # responses edited since their last sync (earlier rows replaced)
    feedback: dict[str, int] = field(default_factory=dict)  # read, loaded, already, quarantined
    kano_answers: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def response_rows(
    spec: SurveySpec,
    survey_key: str,
    version: int,
    response_id: int,
    customer_id: str | None,
    language: str,
    at: datetime,
    answers: dict[str, Any],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The ``feedback`` and ``kano_answers`` rows of one response (module docstring)."""
    stamp = at.isoformat()
    feedback: list[dict[str, Any]] = []
    kano: list[dict[str, Any]] = []
    explained = {q.about: q.id for q in spec.questions if q.about}
    for q in spec.questions:
        if q.id not in answers:
            continue
        value = answers[q.id]
        base = {
            "customer_id": customer_id,
            "timestamp": stamp,
            "language": language,
        }
        if q.type in _FEEDBACK_SCORES:
            if q.type is QuestionType.rating and (q.scale or 5) != 5:
                continue
            text_q = explained.get(q.id)
            feedback.append(
                {
                    "feedback_id": f"{ID_PREFIX}-{response_id}-{q.id}",
                    **base,
                    "channel": "survey",
                    "brand": "own",
                    "score_type": _FEEDBACK_SCORES[q.type],
                    "score": float(value),
                    "text": answers.get(text_q) if text_q else None,
                }
            )
        elif q.type is QuestionType.text and q.about is None and str(value).strip():
            feedback.append(
                {
                    "feedback_id": f"{ID_PREFIX}-{response_id}-{q.id}",
                    **base,
                    "channel": "survey",
                    "brand": "own",
                    "score_type": None,
                    "score": None,
                    "text": value,
                }
            )
        elif q.type is QuestionType.kano:
            names = {f.id: f.text.get(spec.languages[0], f.id) for f in q.features}
            for fid, pair in value.items():
                kano.append(
                    {
                        "answer_id": f"{ID_PREFIX}-{response_id}-{q.id}-{fid}",
                        "customer_id": customer_id,
                        "timestamp": stamp,
                        "survey": f"{survey_key}@v{version}",
                        "feature": names.get(fid, fid),
                        "functional": pair["functional"],
                        "dysfunctional": pair["dysfunctional"],
                        "language": language,
                    }
                )
    return feedback, kano


def _write(directory: Path, table: str, rows: list[dict[str, Any]]) -> Path:
    text = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    path = directory / f"{table}-{digest}.jsonl"
    if not path.exists():
        write_text_atomic(path, text)
    return path


def _counts(r: IngestResult | None) -> dict[str, int]:
    if r is None:
        return {"read": 0, "loaded": 0, "already_loaded": 0, "quarantined": 0}
    return {
        "read": r.read,
        "loaded": r.loaded,
        "already_loaded": r.already_loaded,
        "quarantined": r.quarantined,
    }


def _add(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    return {k: a.get(k, 0) + b.get(k, 0) for k in b}


def sync_responses(
    store: Store,
    *,
    batch: int = 20_000,
    actor: Actor | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> SyncResult:
    """Load every new or edited response into the warehouse (module docstring)."""
    directory = store.analytics.home / SYNC_DIR
    directory.mkdir(parents=True, exist_ok=True)
    total = replaced = 0
    fb_counts = _counts(None)
    kano_counts = _counts(None)
    files: list[str] = []
    with open_warehouse(store.analytics) as wh:
        last_id = 0
        while True:
            with store.session() as session:
                rows = session.execute(
                    sa.select(
                        Response.id,
                        Response.survey_id,
                        Response.version,
                        Response.customer_id,
                        Response.language,
                        Response.updated_at,
                        Response.answers,
                        Response.revision,
                        Response.synced_revision,
                        Survey.key,
                    )
                    .join(Survey, Survey.id == Response.survey_id)
                    .where(Response.revision > Response.synced_revision, Response.id > last_id)
                    .order_by(Response.id)
                    .limit(batch)
                ).all()
                specs = {
                    (sid, v): spec_of(session, sid, v) for sid, v in {(r[1], r[2]) for r in rows}
                }
            if not rows:
                break
            last_id = rows[-1][0]
            feedback: list[dict[str, Any]] = []
            kano: list[dict[str, Any]] = []
            edited: list[int] = []
            for rid, sid, version, cid, lang, at, answers, _rev, synced, key in rows:
                f, k = response_rows(
                    specs[(sid, version)], key, version, rid, cid, lang, at, answers
                )
                feedback += f
                kano += k
                if synced > 0:
                    edited.append(rid)
            if edited:
                _delete_previous(wh, edited)
            for table, data, counts in (
                ("feedback", feedback, fb_counts),
                ("kano_answers", kano, kano_counts),
            ):
                if data:
                    path = _write(directory, table, data)
                    files.append(str(path))
                    result = ingest(wh, table, [path])
                    counts.update(_add(counts, _counts(result)))
            with store.session() as session:
                now = utcnow()
                for row in rows:
                    rid, rev = row[0], row[7]
                    session.execute(
                        sa.update(Response)
                        .where(Response.id == rid, Response.revision == rev)
                        .values(synced_revision=rev, synced_at=now)
                    )
                record(
                    session,
                    actor or Actor("sync"),
                    "sync",
                    "warehouse",
                    {"responses": len(rows), "feedback": len(feedback), "kano": len(kano)},
                )
                session.commit()
            total += len(rows)
            replaced += len(edited)
            if on_batch:
                on_batch(len(rows))
    return SyncResult(total, replaced, fb_counts, kano_counts, files)


def _delete_previous(wh: Warehouse, response_ids: list[int]) -> None:
    """Remove the warehouse rows of earlier revisions of these responses (and only sync's)."""
    for table, key in (("feedback", "feedback_id"), ("kano_answers", "answer_id")):
        for start in range(0, len(response_ids), 500):
            chunk = response_ids[start : start + 500]
            prefixes = [f"{ID_PREFIX}-{rid}-" for rid in chunk]
            where = " OR ".join(f'starts_with("{key}", ?)' for _ in prefixes)
            wh.execute(
                f'DELETE FROM "{table}" WHERE ({where}) AND "_source" LIKE ?',
                [*prefixes, f"%/{SYNC_DIR}/%"],
            )


def responses_after(analytics: Settings, day: date | None = None) -> tuple[int, date | None]:
    """How many synced survey rows are dated after ``day`` (default: the last transaction day,
    a run's default as-of) — a run up to that day leaves them out, and should say so."""
    import ibis

    with Warehouse(analytics, read_only=True) as wh:
        if day is None:
            last = wh.table("transactions").timestamp.max().execute()
            if last is None or last != last:
                return 0, None
            day = last.date() if isinstance(last, datetime) else date.fromisoformat(str(last)[:10])
        fb = wh.table("feedback")
        late = fb.filter(
            fb.feedback_id.startswith(f"{ID_PREFIX}-")
            & (fb.timestamp >= ibis.date(day) + ibis.interval(days=1))
        )
        return int(late.count().execute()), day
