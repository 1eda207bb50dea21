"""Consent per channel: every change recorded with its source and time, and the rules that say
what holds now.

A :class:`ConsentChange` is one "yes" or "no" for one channel (e-mail, SMS, phone), from one
source at one time. :func:`current_consent` folds a customer's changes into a
:class:`ConsentRecord` by these rules:

1. Changes apply in time order; at the same instant a refusal applies last (it wins).
2. A grant from an *indirect* source (an imported file from another system) does not undo a
   refusal the customer gave *directly* (their own form or preference page, an unsubscribe
   link, or an agent recording what the customer said). A direct grant undoes any refusal.
3. A refusal from any source applies at once.
4. Erasure refuses every channel for good: nothing after it grants consent again.

Channels never mentioned are *unknown*, and unknown is not consent: :meth:`ConsentRecord.
may_contact` is true only for *granted*.

When two records turn out to be one person, :func:`merge_consent` keeps the most restrictive
state per channel — refused over unknown over granted — as the warehouse's profile merge does
(:func:`loyalloop.data.unify.merge_consent`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from loyalloop.cases.calendar import as_aware
from loyalloop.errors import DataValidationError

__all__ = [
    "ChannelConsent",
    "ConsentChange",
    "ConsentChannel",
    "ConsentRecord",
    "ConsentSource",
    "ConsentState",
    "current_consent",
    "merge_consent",
]


class ConsentChannel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    PHONE = "phone"

    @property
    def column(self) -> str:
        """The canonical ``customers`` column (``consent_email`` …)."""
        return f"consent_{self.value}"


class ConsentState(StrEnum):
    GRANTED = "granted"
    REFUSED = "refused"
    UNKNOWN = "unknown"


class ConsentSource(StrEnum):
    CUSTOMER = "customer"  # the customer's own form, preference page or survey answer
    UNSUBSCRIBE = "unsubscribe"  # an unsubscribe link
    AGENT = "agent"  # staff recording what the customer said (a call, a branch visit)
    IMPORT = "import"  # a file from another system
    ERASURE = "erasure"

    @property
    def direct(self) -> bool:
        """Whether the customer expressed this themselves (see the module docstring)."""
        return self is not ConsentSource.IMPORT


_RESTRICTIVENESS = {ConsentState.REFUSED: 2, ConsentState.UNKNOWN: 1, ConsentState.GRANTED: 0}


@dataclass(frozen=True)
class ConsentChange:
    """One recorded change (``state`` is granted or refused; ``recorded_by`` a user or job)."""

    customer_id: str
    channel: ConsentChannel
    state: ConsentState
    at: dt.datetime
    source: ConsentSource
    recorded_by: str = ""

    def __post_init__(self) -> None:
        if self.state is ConsentState.UNKNOWN:
            raise DataValidationError("a consent change grants or refuses; 'unknown' is not one")
        as_aware(self.at, "consent change time")


@dataclass(frozen=True)
class ChannelConsent:
    """What holds for one channel, since when and from which source (``None`` when unknown)."""

    channel: ConsentChannel
    state: ConsentState = ConsentState.UNKNOWN
    since: dt.datetime | None = None
    source: ConsentSource | None = None
    final: bool = False


@dataclass(frozen=True)
class ConsentRecord:
    """A customer's consent on every channel."""

    customer_id: str
    channels: Mapping[ConsentChannel, ChannelConsent] = field(default_factory=dict)

    def state(self, channel: ConsentChannel) -> ConsentState:
        c = self.channels.get(ConsentChannel(channel))
        return c.state if c else ConsentState.UNKNOWN

    def may_contact(self, channel: ConsentChannel) -> bool:
        """Only an explicit grant allows contact."""
        return self.state(channel) is ConsentState.GRANTED

    def as_columns(self) -> dict[str, bool | None]:
        """``consent_email`` … as in the canonical ``customers`` table (``None`` = unknown)."""
        values = {ConsentState.GRANTED: True, ConsentState.REFUSED: False}
        return {ch.column: values.get(self.state(ch)) for ch in ConsentChannel}


def _apply(cur: ChannelConsent, change: ConsentChange) -> ChannelConsent:
    if cur.final:
        return cur
    if change.source is ConsentSource.ERASURE:
        return ChannelConsent(change.channel, ConsentState.REFUSED, change.at, change.source, True)
    if (
        change.state is ConsentState.GRANTED
        and not change.source.direct
        and cur.state is ConsentState.REFUSED
        and cur.source is not None
        and cur.source.direct
    ):
        return cur
    return ChannelConsent(change.channel, change.state, change.at, change.source)


def current_consent(customer_id: str, changes: Iterable[ConsentChange]) -> ConsentRecord:
    """What holds now for ``customer_id`` after ``changes`` (see the module docstring).

    Examples
    --------
    >>> import datetime as dt
    >>> t = lambda d: dt.datetime(2025, 1, d, tzinfo=dt.UTC)
    >>> E, S = ConsentChannel.EMAIL, ConsentChannel.SMS
    >>> ch = [ConsentChange("c1", E, ConsentState.REFUSED, t(2), ConsentSource.UNSUBSCRIBE),
    ...       ConsentChange("c1", E, ConsentState.GRANTED, t(3), ConsentSource.IMPORT),
    ...       ConsentChange("c1", S, ConsentState.GRANTED, t(3), ConsentSource.CUSTOMER)]
    >>> r = current_consent("c1", ch)
    >>> r.state(E).value, r.may_contact(S), r.may_contact(ConsentChannel.PHONE)
    ('refused', True, False)
    """
    ordered = sorted(
        (c for c in changes if c.customer_id == customer_id),
        key=lambda c: (as_aware(c.at), c.state is ConsentState.REFUSED),
    )
    state: dict[ConsentChannel, ChannelConsent] = {}
    for change in ordered:
        cur = state.get(change.channel, ChannelConsent(change.channel))
        state[change.channel] = _apply(cur, change)
    return ConsentRecord(customer_id, state)


def merge_consent(customer_id: str, records: Iterable[ConsentRecord]) -> ConsentRecord:
    """One record from several records of the same person: per channel the most restrictive
    state (refused > unknown > granted), keeping that state's time and source."""
    merged: dict[ConsentChannel, ChannelConsent] = {}
    recs = list(records)
    if not recs:
        return ConsentRecord(customer_id, {})
    for ch in ConsentChannel:
        candidates = [r.channels.get(ch, ChannelConsent(ch)) for r in recs]
        best = max(
            candidates,
            key=lambda c: (
                _RESTRICTIVENESS[c.state],
                c.final,
                as_aware(c.since) if c.since else dt.datetime.min.replace(tzinfo=dt.UTC),
            ),
        )
        if best.state is not ConsentState.UNKNOWN or any(ch in r.channels for r in recs):
            merged[ch] = best
    return ConsentRecord(customer_id, merged)
