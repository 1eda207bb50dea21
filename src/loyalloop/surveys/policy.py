"""Who may be invited, and when: consent, unsubscribes, the frequency cap, quiet hours.

:func:`contact_decision` is pure: the caller gives what the store and the warehouse know about
one customer and gets a :class:`ContactDecision` — ``ok`` with the earliest send time, or the
reason it must not be sent. Rules, in order:

1. ``suppressed`` — the customer unsubscribed (from this channel or all);
2. ``no_consent`` — e-mail and SMS need the customer's consent for that channel (unknown
   consent is no consent); a link handed out by the business itself (``link``) needs none;
3. ``no_contact`` — no address or number for the channel;
4. ``frequency_cap`` — the customer was invited (any survey, any channel) within the last
   ``cap_days`` days;
5. quiet hours — inside the window (in the customer's time zone) the send time moves to the
   window's end; the decision is still ``ok``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

__all__ = ["Channel", "ContactDecision", "contact_decision", "in_quiet_hours", "quiet_hours_end"]


class Channel(StrEnum):
    link = "link"
    email = "email"
    sms = "sms"


@dataclass(frozen=True)
class ContactDecision:
    ok: bool
    reason: str  # "ok", "suppressed", "no_consent", "no_contact", "frequency_cap"
    send_after: datetime | None = None


def in_quiet_hours(local: time, start: time, end: time) -> bool:
    """Whether ``local`` falls in the window ``[start, end)``, which may span midnight."""
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def quiet_hours_end(now: datetime, zone: str, start: time, end: time) -> datetime:
    """``now`` if outside quiet hours in ``zone``, else the (UTC) moment the window ends."""
    local = now.astimezone(ZoneInfo(zone))
    if not in_quiet_hours(local.time(), start, end):
        return now
    candidate = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if candidate <= local:
        candidate += timedelta(days=1)
    return candidate.astimezone(UTC)


def contact_decision(
    *,
    channel: Channel,
    now: datetime,
    consent: bool | None,
    contact: str,
    suppressed: bool,
    last_contacted: datetime | None,
    cap_days: int,
    zone: str,
    quiet_start: time,
    quiet_end: time,
) -> ContactDecision:
    """May this customer be invited on ``channel`` now, and from when (module docstring)."""
    if suppressed:
        return ContactDecision(False, "suppressed")
    if channel is not Channel.link and consent is not True:
        return ContactDecision(False, "no_consent")
    if channel is not Channel.link and not contact.strip():
        return ContactDecision(False, "no_contact")
    if (
        cap_days > 0
        and last_contacted is not None
        and now - last_contacted < timedelta(days=cap_days)
    ):
        return ContactDecision(False, "frequency_cap")
    if channel is Channel.link:
        return ContactDecision(True, "ok", now)
    return ContactDecision(True, "ok", quiet_hours_end(now, zone, quiet_start, quiet_end))
