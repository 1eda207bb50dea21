"""Unified customer profiles: one row per person, from a map of records to profiles.

:func:`profiles_from_map` builds the profile table from any record → profile map; the map
normally comes from identity resolution (:func:`loyalloop.data.identity.resolve_identities`:
exact keys, then the probabilistic model, never merging conflicting records).
:func:`build_profiles` is the exact-key pass alone (the first cut, kept as the baseline):
customer records that share a normalised e-mail or an E.164 phone number belong to one person
(transitively: A shares an e-mail with B, B a phone with C → one profile). Components are found
by min-label propagation in the engine, a few rounds of set operations whatever the data size.

Profile ids are stable: a profile's id is the smallest ``customer_id`` among its records, so it
does not change when unrelated data arrives; it changes only when a newly loaded record with a
smaller id joins the profile, or when two profiles merge (then the smaller id survives).

Merged consent keeps the most restrictive answer per channel: refused (False) if any record
refused, unknown (null) if any record is unknown, granted (True) only if all records granted.
Profile attributes (name, contact, city …) come from the earliest-created record.
"""

from __future__ import annotations

import logging

import ibis
import ibis.expr.types as ir

from loyalloop.errors import LoyalloopError

__all__ = ["CONSENT_CHANNELS", "build_profiles", "merge_consent", "profiles_from_map"]

log = logging.getLogger(__name__)

CONSENT_CHANNELS = ("consent_email", "consent_sms", "consent_phone")
MAX_ROUNDS = 50


def merge_consent(col: ir.BooleanColumn) -> ir.BooleanScalar:
    """Most restrictive of a group's consent values: False < unknown < True."""
    refused = (col == False).any()  # noqa: E712 — an Ibis expression, not a Python comparison
    unknown = col.isnull().any()
    return ibis.cases((refused, False), (unknown, ibis.null("boolean")), else_=True)


def build_profiles(con: ibis.BaseBackend, customers: ir.Table) -> tuple[ir.Table, ir.Table]:
    """Return ``(id_map, profiles)``.

    ``id_map`` has ``customer_id, profile_id``; ``profiles`` one row per profile with
    ``profile_id, records, created_at, name, email, phone, city, segment`` and the merged consent
    columns. Intermediate label tables are materialised as temporary tables of ``con``.
    """
    c = customers
    keys = (
        c.filter(c.email_normalized.notnull())
        .select("customer_id", key="e:" + c.email_normalized)
        .union(c.filter(c.phone_e164.notnull()).select("customer_id", key="p:" + c.phone_e164))
    )
    keys = _materialize(con, keys, "_unify_keys")
    labels = _materialize(con, c.select("customer_id", label=c.customer_id), "_unify_labels_0")
    for round_ in range(1, MAX_ROUNDS + 1):
        kl = keys.join(labels, "customer_id")
        key_label = kl.group_by("key").aggregate(label=kl.label.min())
        via = (
            keys.join(key_label, "key").group_by("customer_id").aggregate(via=key_label.label.min())
        )
        new = labels.left_join(via, "customer_id").select(
            "customer_id",
            label=ibis.least(labels.label, via.via.fill_null(labels.label)),
        )
        new = _materialize(con, new, f"_unify_labels_{round_ % 2 + 1}")
        both = new.join(labels, "customer_id")
        changed = int(both.filter(both.label != both.label_right).count().execute())
        labels = new
        if changed == 0:
            log.info("unification converged after %d rounds", round_)
            break
    else:
        raise LoyalloopError(f"unification did not converge in {MAX_ROUNDS} rounds")
    id_map = labels.select("customer_id", profile_id=labels.label)
    id_map = _materialize(con, id_map, "_unify_id_map")
    return id_map, profiles_from_map(customers, id_map)


def profiles_from_map(customers: ir.Table, id_map: ir.Table) -> ir.Table:
    """One row per profile of ``id_map`` (``customer_id, profile_id``).

    Columns: ``profile_id, records, created_at, name, email, phone, city, segment`` and the
    merged consent columns. Attributes come from the earliest-created record of the profile
    (ties: the smallest customer_id); consent is the most restrictive answer per channel.
    """
    c = customers
    joined = c.join(id_map, "customer_id")
    order = ibis.window(
        group_by="profile_id", order_by=[joined.created_at.asc(nulls_first=False), "customer_id"]
    )
    ranked = joined.mutate(_rank=ibis.row_number().over(order))
    first = ranked.filter(ranked._rank == 0).select(
        "profile_id", "created_at", "name", "email", "phone", "city", "segment"
    )
    merged = joined.group_by("profile_id").aggregate(
        records=joined.count(),
        **{ch: merge_consent(joined[ch]) for ch in CONSENT_CHANNELS},
    )
    return first.join(merged, "profile_id").select(
        "profile_id",
        "records",
        "created_at",
        "name",
        "email",
        "phone",
        "city",
        "segment",
        *CONSENT_CHANNELS,
    )


def _materialize(con: ibis.BaseBackend, expr: ir.Table, name: str) -> ir.Table:
    return con.create_table(name, expr, temp=True, overwrite=True)  # type: ignore[attr-defined]
