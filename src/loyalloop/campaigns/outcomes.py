"""Outcomes: what customers did within a campaign's window, attributed to their assignment.

Every assignment — treated, holdout and global control alike — has a window from its
``assigned_at`` to the campaign's ``end_at`` (the ``campaigns`` table). Within it these events
become rows of the ``outcomes`` contract (``customer_id``, ``campaign_id``, ``timestamp``,
``kind``, ``value``):

===================  ============================================================  ==========
kind                 event                                                         value
===================  ============================================================  ==========
``purchase``         a purchase (``transactions``, amount > 0)                     amount
``reactivated``      the first purchase in the window of a customer who had not    amount
                     bought in the ``lapse_days`` before the assignment
``survey_answer``    a survey answer with a score (``feedback``, channel survey)   score
``clicked``          a click on the campaign's link (``interactions``)             empty
``redeemed``         an offer redemption (``interactions`` kind ``redeemed``)      empty
===================  ============================================================  ==========

Events of the same customer, campaign, kind and timestamp are one row (values summed), so
the contract's key holds.

:func:`combine_outcomes` puts outcome rows loaded from elsewhere (the business's own offer
system, the sample's simulated outcomes) together with the attributed ones: for each campaign
and *family* of kinds (``purchase`` and ``reactivated`` are one family — a reactivation is a
purchase —; every other kind is its own) loaded rows win and the attributed rows of that
family are left out, so nothing is counted twice and a campaign whose purchases came from
elsewhere still gets its clicks from ``interactions``.

Transactions, feedback and interactions are re-keyed to profile ids through ``profile_map``
when given (assignments are by profile). Everything is Ibis; the measurement layer joins
outcomes to assignments (zero for those without events).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

__all__ = ["OUTCOME_KINDS", "attribute_outcomes", "combine_outcomes", "outcome_family"]

OUTCOME_KINDS = ("purchase", "reactivated", "survey_answer", "clicked", "redeemed")


def _rekey(t: ir.Table, profile_map: ir.Table | None) -> ir.Table:
    if profile_map is None:
        return t
    pm = profile_map.select(_src=profile_map.customer_id, _prof=profile_map.profile_id)
    j = t.left_join(pm, t.customer_id == pm._src)
    return j.mutate(customer_id=j._prof.fill_null(j.customer_id)).drop("_src", "_prof")


def _windows(assignments: ir.Table, campaigns: ir.Table) -> ir.Table:
    c = campaigns.select(_cid=campaigns.campaign_id, _end=campaigns.end_at)
    j = assignments.join(c, assignments.campaign_id == c._cid)
    return j.select(_aid=j.customer_id, _camp=j.campaign_id, _start=j.assigned_at, _end=j._end)


def _events_in_window(events: ir.Table, windows: ir.Table) -> ir.Table:
    j = events.join(
        windows,
        (events.customer_id == windows._aid)
        & (events.timestamp >= windows._start)
        & (events.timestamp < windows._end),
    )
    return j


def _shape(t: ir.Table, kind: str, value: ir.Value) -> ir.Table:
    return t.select(
        customer_id=t.customer_id,
        campaign_id=t._camp,
        timestamp=t.timestamp,
        kind=ibis.literal(kind),
        value=value.cast("float64"),
    )


def attribute_outcomes(
    assignments: ir.Table,
    campaigns: ir.Table,
    *,
    transactions: ir.Table | None = None,
    feedback: ir.Table | None = None,
    interactions: ir.Table | None = None,
    profile_map: ir.Table | None = None,
    lapse_days: int = 90,
) -> ir.Table:
    """Outcome rows (the ``outcomes`` contract) of ``assignments`` (module docstring)."""
    w = _windows(assignments, campaigns)
    parts: list[ir.Table] = []
    if transactions is not None:
        tx = _rekey(transactions.filter(transactions.amount > 0), profile_map)
        tx = tx.select("customer_id", "timestamp", "amount")
        inw = _events_in_window(tx, w)
        parts.append(_shape(inw, "purchase", inw.amount))
        # reactivation: no purchase in the lapse_days before assignment, a purchase within
        before = (
            tx.join(
                w,
                (tx.customer_id == w._aid)
                & (tx.timestamp < w._start)
                & (tx.timestamp >= w._start - ibis.interval(days=lapse_days)),
            )
            .select(_bc=w._aid, _bcamp=w._camp)
            .distinct()
        )
        lapsed = inw.anti_join(
            before, (inw.customer_id == before._bc) & (inw._camp == before._bcamp)
        )
        first = lapsed.mutate(
            _rn=ibis.row_number().over(
                group_by=[lapsed.customer_id, lapsed._camp], order_by=lapsed.timestamp
            )
        )
        first = first.filter(first._rn == 0)
        parts.append(_shape(first, "reactivated", first.amount))
    if feedback is not None:
        fb = feedback.filter(
            (feedback.channel == "survey")
            & feedback.score.notnull()
            & feedback.customer_id.notnull()
        )
        fb = _rekey(fb, profile_map).select("customer_id", "timestamp", "score")
        inw = _events_in_window(fb, w)
        parts.append(_shape(inw, "survey_answer", inw.score))
    if interactions is not None:
        it = interactions.filter(interactions.kind.isin(["clicked", "redeemed"]))
        it = _rekey(it, profile_map).select("customer_id", "timestamp", "kind", "campaign_id")
        inw = _events_in_window(it, w)
        inw = inw.filter(inw.campaign_id == inw._camp)
        parts.append(
            inw.select(
                customer_id=inw.customer_id,
                campaign_id=inw._camp,
                timestamp=inw.timestamp,
                kind=inw.kind,
                value=ibis.null("float64"),
            )
        )
    if not parts:
        return ibis.memtable(
            {"customer_id": [], "campaign_id": [], "timestamp": [], "kind": [], "value": []},
            schema={
                "customer_id": "string",
                "campaign_id": "string",
                "timestamp": "timestamp",
                "kind": "string",
                "value": "float64",
            },
        )
    u = parts[0]
    for p in parts[1:]:
        u = u.union(p)
    return u.group_by(["customer_id", "campaign_id", "timestamp", "kind"]).aggregate(
        value=u.value.sum()
    )


def outcome_family(kind: ir.StringValue) -> ir.StringValue:
    """The family of an outcome kind (module docstring): ``reactivated`` → ``purchase``."""
    return ibis.ifelse(kind == "reactivated", "purchase", kind)


def combine_outcomes(loaded: ir.Table, attributed: ir.Table) -> ir.Table:
    """Loaded and attributed outcome rows with a ``source`` column (``loaded`` /
    ``attributed``); per campaign and family of kinds, loaded rows win (module docstring)."""
    cols = ("customer_id", "campaign_id", "timestamp", "kind")
    lo = loaded.select(*cols, value=loaded.value.cast("float64"))
    at = attributed.select(*cols, value=attributed.value.cast("float64"))
    have = lo.select(_c=lo.campaign_id, _f=outcome_family(lo.kind)).distinct()
    at = at.mutate(_f=outcome_family(at.kind))
    at = at.anti_join(have, (at.campaign_id == have._c) & (at._f == have._f)).drop("_f")
    return lo.mutate(source=ibis.literal("loaded")).union(
        at.mutate(source=ibis.literal("attributed"))
    )
