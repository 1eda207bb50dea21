"""Consent changes made through Loyalloop: recorded with source and time, applied at once.

:func:`change_consent` is the one way the service changes a customer's consent (an unsubscribe
link, a hard bounce, a campaign's unsubscribe link, staff recording a grant or a withdrawal with
``loyalloop consent set``). In the caller's transaction it

1. appends a :class:`~loyalloop.store.models.ConsentChangeRow` (customer, channel, granted,
   source, actor, time) — the history, only ever added to;
2. adds an audit event ``consent.change``;
3. applies the change at once: a **withdrawal** adds the ``suppressions`` row of the channel
   (``all`` for every channel), which invitations, campaign launches, the survey sender and the
   campaign worker all check; a **grant** removes the suppression of that channel (a grant of
   one channel under an ``all`` suppression leaves the other channels suppressed) and is an
   explicit grant that overrides an older imported "no".

Precedence of a store grant over the warehouse's consent columns (docs/cases.md, "Consent"):
the newer one holds. A store change's time is ``at``; the warehouse's is the time its value
last changed in the worker's copy ``customer_consent`` (``refreshed_at``, written only when a
value changed). So a grant made after the import that said "no" holds until the warehouse's
consent of that profile changes again; a profile with no copy yet counts as imported before
any store change. The copy keeps one time per profile, not per channel: a later warehouse
change of *another* channel of the profile also ends the grant (the safe direction: the
customer is not contacted; record the grant again). A withdrawal holds whatever the warehouse
says (its suppression stays until a grant in the store removes it).

Withdrawals follow the person, not the record. Campaigns address a run's *profiles* (identity
resolution's unified customers, keyed by one of their customer ids), while a withdrawal is
recorded under the customer id the customer or the agent gave — possibly another record of the
same person. :func:`profile_links` reads the latest run's ``profile_map`` and
:func:`suppressed_ids` maps every suppression onto its profile, so a withdrawal on any record
of a profile stops every campaign message, launch and call list for that profile (and it keeps
working when a later run merges the records differently). Grants are not spread: a grant on one
record does not override a "no" on another (the safe direction).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from loyalloop.errors import ConfigError
from loyalloop.services.audit import Actor, record
from loyalloop.store.base import utcnow
from loyalloop.store.models import ConsentChangeRow, CustomerConsent, Suppression

__all__ = [
    "CHANNELS",
    "ConsentChangeResult",
    "ConsentChannelChoice",
    "change_consent",
    "consent_history",
    "granted_on_channel",
    "profile_links",
    "store_grants",
    "suppressed_ids",
    "withdrawn_by_unsubscribe",
]

#: The channels a consent is given for (``all`` stands for each of them).
CHANNELS: tuple[str, ...] = ("email", "sms", "phone")

#: Largest IN list per query (SQLite's variable limit).
_CHUNK = 900


class ConsentChannelChoice(StrEnum):
    """The channel of a consent change."""

    email = "email"
    sms = "sms"
    phone = "phone"
    all = "all"


@dataclass(frozen=True)
class ConsentChangeResult:
    """What :func:`change_consent` did.

    ``recorded`` is false when a withdrawal found the channel already suppressed (nothing
    changed, nothing recorded: clicking an unsubscribe link twice is one change).
    """

    customer_id: str
    channel: str
    granted: bool
    source: str
    at: datetime
    recorded: bool
    suppressions_removed: int
    suppressions_added: int


def withdrawn_by_unsubscribe(sent_on: str) -> str:
    """The consent channel an unsubscribe link withdraws: the one its message was sent on
    (``email``, ``sms``); a link that came by no channel of ours (a survey's ``link``
    invitation handed out elsewhere, a call campaign's webhook) withdraws ``all``. There is no
    purpose in the consent model: a withdrawn channel is withdrawn for surveys and marketing
    alike (every sender checks the same suppressions).

    >>> withdrawn_by_unsubscribe("email"), withdrawn_by_unsubscribe("link")
    ('email', 'all')
    """
    return sent_on if sent_on in ("email", "sms") else "all"


def _channel(channel: str) -> str:
    value = str(channel.value if isinstance(channel, ConsentChannelChoice) else channel)
    if value not in (*CHANNELS, "all"):
        raise ConfigError(f"channel: {channel!r}; use email, sms, phone or all")
    return value


def change_consent(
    session: Session,
    customer_id: str,
    channel: str,
    granted: bool,
    source: str,
    actor: Actor,
    *,
    at: datetime | None = None,
) -> ConsentChangeResult:
    """Record and apply one consent change (module docstring); the caller commits.

    Raises
    ------
    ConfigError
        An empty customer id or source, or an unknown channel.
    """
    ch = _channel(channel)
    customer_id = customer_id.strip()
    source = source.strip()
    if not customer_id:
        raise ConfigError("customer id: empty")
    if not source:
        raise ConfigError("source: empty; say where the change came from (e.g. branch, call)")
    if len(customer_id) > 100 or len(source) > 100:
        raise ConfigError("customer id and source: at most 100 characters each")
    at = at or utcnow()
    existing = {
        s.channel: s
        for s in session.scalars(
            sa.select(Suppression).where(Suppression.customer_id == customer_id)
        )
    }
    removed = added = 0
    if not granted:
        if "all" in existing or ch in existing:
            return ConsentChangeResult(customer_id, ch, False, source, at, False, 0, 0)
        session.add(Suppression(customer_id=customer_id, channel=ch, source=source, at=at))
        added = 1
    else:
        gone = list(existing) if ch == "all" else [c for c in (ch, "all") if c in existing]
        if ch != "all" and "all" in existing:
            # the other channels stay withdrawn, with the source and time of the withdrawal
            was = existing["all"]
            for other in CHANNELS:
                if other != ch and other not in existing:
                    session.add(
                        Suppression(
                            customer_id=customer_id, channel=other, source=was.source, at=was.at
                        )
                    )
                    added += 1
        for c in gone:
            session.delete(existing[c])
            removed += 1
    session.add(
        ConsentChangeRow(
            customer_id=customer_id,
            channel=ch,
            granted=granted,
            source=source,
            actor=actor.name[:320],
            at=at,
        )
    )
    record(
        session,
        actor,
        "consent.change",
        f"customer:{customer_id}",
        {"channel": ch, "granted": granted, "source": source},
    )
    session.flush()
    return ConsentChangeResult(customer_id, ch, granted, source, at, True, removed, added)


def consent_history(session: Session, customer_id: str) -> list[ConsentChangeRow]:
    """A customer's consent changes, oldest first."""
    return list(
        session.scalars(
            sa.select(ConsentChangeRow)
            .where(ConsentChangeRow.customer_id == customer_id)
            .order_by(ConsentChangeRow.at, ConsentChangeRow.id)
        )
    )


def store_grants(session: Session, customer_ids: Iterable[str]) -> set[tuple[str, str]]:
    """The ``(customer_id, channel)`` pairs whose newest store change is a grant newer than the
    warehouse copy's value (module docstring): their consent is granted whatever the import
    says. ``channel`` is ``email``, ``sms`` or ``phone``."""
    ids = list(dict.fromkeys(customer_ids))
    granted: set[tuple[str, str]] = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        rows = session.execute(
            sa.select(
                ConsentChangeRow.customer_id,
                ConsentChangeRow.channel,
                ConsentChangeRow.granted,
                ConsentChangeRow.at,
            )
            .where(ConsentChangeRow.customer_id.in_(chunk))
            .order_by(ConsentChangeRow.at, ConsentChangeRow.id)
        ).all()
        if not rows:
            continue
        imported = dict(
            session.execute(
                sa.select(CustomerConsent.customer_id, CustomerConsent.refreshed_at).where(
                    CustomerConsent.customer_id.in_({r.customer_id for r in rows})
                )
            ).all()
        )
        latest: dict[tuple[str, str], tuple[bool, datetime]] = {}
        for cid, ch, ok, at in rows:  # changes only (few), in time order: the last one holds
            for c in CHANNELS if ch == "all" else (ch,):
                latest[(cid, c)] = (bool(ok), at)
        for (cid, c), (ok, at) in latest.items():
            since = imported.get(cid)
            if ok and (since is None or at > since):
                granted.add((cid, c))
    return granted


def granted_on_channel(session: Session, channel: str) -> set[str]:
    """Every customer whose consent to ``channel`` (``email``, ``sms`` or ``phone``) is granted
    by a store change newer than the imported value (:func:`store_grants`): what a campaign
    launch adds to the run's consent columns, which only know the imports."""
    if channel not in CHANNELS:
        raise ConfigError(f"channel: {channel!r}; use one of {', '.join(CHANNELS)}")
    ids = session.scalars(
        sa.select(ConsentChangeRow.customer_id)
        .where(
            ConsentChangeRow.granted.is_(True),
            ConsentChangeRow.channel.in_((channel, "all")),
        )
        .distinct()
    ).all()
    return {cid for cid, ch in store_grants(session, ids) if ch == channel}


#: (profile_map file, its mtime in ns) -> {customer id: profile id} for merged records
_LINKS: dict[tuple[str, int], dict[str, str]] = {}


def profile_links(runs_dir: Path, run: int | None = None) -> dict[str, str]:
    """Customer id → profile id for the records run ``run`` (default: the latest) merged into
    another record's profile (only those: an unmerged record is its own profile). Empty
    without a run.

    Cached per file and modification time (an erasure rewrites the file; a new run adds one).
    """
    from loyalloop.core.runs import RunStore
    from loyalloop.errors import NoRunError

    try:
        found = RunStore(runs_dir).get(run) if run is not None else RunStore(runs_dir).latest()
    except NoRunError:
        return {}
    if not found.has_table("profile_map"):
        return {}
    path = found.table_path("profile_map")
    key = (str(path), path.stat().st_mtime_ns)
    cached = _LINKS.get(key)
    if cached is None:
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        table = pq.read_table(path, columns=["customer_id", "profile_id"])
        merged = table.filter(pc.not_equal(table["customer_id"], table["profile_id"]))
        cached = dict(
            zip(merged["customer_id"].to_pylist(), merged["profile_id"].to_pylist(), strict=True)
        )
        _LINKS.clear()
        _LINKS[key] = cached
    return cached


def suppressed_ids(
    session: Session,
    channels: Iterable[str],
    links: Mapping[str, str],
    *,
    among: Iterable[str] | None = None,
) -> dict[str, set[str]]:
    """Suppressed channels per id: each suppression under its own customer id **and** under
    the profile that id belongs to (``links``, from :func:`profile_links`).

    ``among`` limits the answer to those ids (profile or customer ids), looking up the
    suppressions of every record linked to them.
    """
    q = sa.select(Suppression.customer_id, Suppression.channel).where(
        Suppression.channel.in_(list(channels))
    )
    wanted: set[str] | None = None
    if among is not None:
        wanted = set(among)
        members = {c for c, p in links.items() if p in wanted}
        q = q.where(Suppression.customer_id.in_(sorted(wanted | members)))
    out: dict[str, set[str]] = {}
    for cid, ch in session.execute(q):
        for who in {cid, links.get(cid, cid)}:
            if wanted is None or who in wanted:
                out.setdefault(who, set()).add(ch)
    return out
