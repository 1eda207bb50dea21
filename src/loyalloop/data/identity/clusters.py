"""From matched pairs to profiles, never merging records that conflict.

Edges are the pairs to merge: records sharing an e-mail or a phone (exact keys; a value shared
by more than ``max_key_group`` records is a placeholder and links nothing) and pairs whose match
weight reaches the threshold. Two records **conflict outright**, and are never put in one
profile, when

* both birth dates are known and differ by more than a typo (more than
  ``birth_date_tolerance`` changed digits of ``YYYYMMDD``, and not day and month swapped) —
  one person has one birth date; two family members sharing a phone and address do not; or
* the unmerge list says so (a pair kept apart, or a record kept alone).

One more guard applies to each edge (not to whole profiles): two records whose names are both
known and clearly different (not the same pinyin, not a one-character change in a Han name of
three or more characters, not within two letters in pinyin) are merged only when their birth
dates are the same. A phone, e-mail or address shared between differently named people is far
more often a household, a company line or a recycled number than one person, and the model,
which takes fields as independent, cannot see that (a shared phone and address outweigh any
name). Such pairs are listed for review. Cost: a person recorded under a wholly different name
(an English name, ``David Wang`` for ``王伟``) without a birth date on both records stays two
profiles until a reviewer merges them.

Consent answers are *not* a conflict: records of one person that disagree are merged and the
profile keeps the most restrictive answer (:func:`loyalloop.data.unify.merge_consent`). Keeping
them apart would be worse for the person — the record that still says "yes" would go on
being contacted after they said "no" on the other one. A review pair where a record refused a
channel is flagged (``consent_refused``) so that reviewers look at those first.

Profiles are the connected components of the accepted edges, computed in the engine by
min-label propagation. Only components that contain a conflicting pair — few, and small — are
split in Python: their edges are taken strongest first (exact keys, then by match weight) and
two groups are joined only if no record of one conflicts with a record of the other. An edge
refused this way is listed for review with its reason.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import ibis
import pyarrow as pa

from loyalloop.data.identity.model import char_levenshtein
from loyalloop.errors import LoyalloopError

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from loyalloop.data.identity.keep_apart import KeepApart

__all__ = [
    "ClusterResult",
    "birth_dates_conflict",
    "exact_edges",
    "names_compatible",
    "resolve_clusters",
]

log = logging.getLogger(__name__)

MAX_ROUNDS = 60

#: Reasons an edge is refused.
REASON_BIRTH_DATE = "birth dates conflict"
REASON_KEEP_APART = "kept apart by the unmerge list"
REASON_KEEP_ALONE = "record kept alone by the unmerge list"
REASON_GROUP = "conflicts with a record already in the other profile"
REASON_NAMES = "different names, birth dates not the same (household or shared contact?)"


def birth_dates_conflict(dob_l: ir.StringValue, dob_r: ir.StringValue, tolerance: int) -> ir.Value:
    """Both ``YYYYMMDD`` known and more than ``tolerance`` digits apart, not a day/month swap."""
    swapped = (
        (dob_l.substr(0, 4) == dob_r.substr(0, 4))
        & (dob_l.substr(4, 2) == dob_r.substr(6, 2))
        & (dob_l.substr(6, 2) == dob_r.substr(4, 2))
    )
    return dob_l.notnull() & dob_r.notnull() & (dob_l.levenshtein(dob_r) > tolerance) & ~swapped


def names_compatible(t: ir.Table) -> ir.Value:
    """Whether the names of a pair (``name_key_l/_r``, ``name_han_l/_r``) may be one person's
    (either unknown, same pinyin, a Han typo in a 3+ character name, or two letters apart).
    Edits are counted in characters on every engine (:func:`char_levenshtein`): DuckDB's
    ``levenshtein`` counts UTF-8 bytes, so a one-character Han typo (3 bytes) was a "different
    name" there and not on Spark — 3 of 100,000 records merged on Spark only (2026-12-01,
    benchmarks/results/run_spark.md)."""
    kl, kr = t.name_key_l, t.name_key_r
    hl, hr = t.name_han_l, t.name_han_r
    han_typo = (
        hl.notnull()
        & hr.notnull()
        & (hl.length() >= 3)
        & (hr.length() >= 3)
        & (char_levenshtein(hl, hr) <= 1)
    )
    latin_typo = hl.isnull() & hr.isnull() & (kl.length() >= 6) & (char_levenshtein(kl, kr) <= 2)
    return (kl.isnull() | kr.isnull() | (kl == kr) | han_typo | latin_typo).fill_null(False)


def exact_edges(features: ir.Table) -> ir.Table:
    """Pairs of records sharing an e-mail or a phone (``customer_id_l < customer_id_r``,
    ``exact_keys`` = ``email``, ``phone`` or ``email+phone``)."""
    parts = []
    for key, label in (("email_block", "email"), ("phone_block", "phone")):
        f = features.filter(features[key].notnull()).select("customer_id", k=features[key])
        g = f.view()
        j = f.join(g, (f.k == g.k) & (f.customer_id < g.customer_id))
        parts.append(
            j.select(
                customer_id_l=f.customer_id,
                customer_id_r=g.customer_id,
                is_email=ibis.literal(label == "email"),
                is_phone=ibis.literal(label == "phone"),
            )
        )
    u = parts[0].union(parts[1])
    agg = u.group_by("customer_id_l", "customer_id_r").aggregate(
        e=u.is_email.any(), p=u.is_phone.any()
    )
    return agg.select(
        "customer_id_l",
        "customer_id_r",
        exact_keys=ibis.cases((agg.e & agg.p, "email+phone"), (agg.e, "email"), else_="phone"),
    )


@dataclass(frozen=True)
class ClusterResult:
    """Profiles and the fate of every edge.

    Attributes
    ----------
    id_map
        ``customer_id, profile_id`` (the smallest customer_id of the profile).
    accepted
        The edges inside the final profiles: ``customer_id_l, customer_id_r``.
    refused
        Edges not merged: ``customer_id_l, customer_id_r, reason``.
    """

    id_map: ir.Table
    accepted: ir.Table
    refused: ir.Table


def _materialize(con: ibis.BaseBackend, expr: ir.Table, name: str) -> ir.Table:
    con.create_table(name, expr, temp=True, overwrite=True)  # type: ignore[attr-defined]
    return con.table(name)


def components(con: ibis.BaseBackend, nodes: ir.Table, edges: ir.Table) -> ir.Table:
    """``customer_id, label``: connected components of ``edges`` by min-label propagation."""
    both = edges.select(a="customer_id_l", b="customer_id_r").union(
        edges.select(a="customer_id_r", b="customer_id_l")
    )
    both = _materialize(con, both, "_identity_adjacency")
    labels = _materialize(
        con, nodes.select("customer_id", label=nodes.customer_id), "_identity_labels_0"
    )
    for round_ in range(1, MAX_ROUNDS + 1):
        j = both.join(labels, both.b == labels.customer_id)
        via = j.group_by(customer_id=j.a).aggregate(via=j.label.min())
        new = labels.left_join(via, "customer_id").select(
            "customer_id", label=ibis.least(labels.label, via.via.fill_null(labels.label))
        )
        new = _materialize(con, new, f"_identity_labels_{round_ % 2 + 1}")
        cmp = new.join(labels, "customer_id")
        changed = int(cmp.filter(cmp.label != cmp.label_right).count().execute())
        labels = new
        if changed == 0:
            log.info("identity components converged after %d rounds", round_)
            return labels
    raise LoyalloopError(f"identity components did not converge in {MAX_ROUNDS} rounds")


def _pair_conflicts(
    pairs: ir.Table,
    facts: ir.Table,
    keep: KeepApart | None,
    tolerance: int,
    *,
    names: bool,
) -> ir.Table:
    """``pairs`` with a ``reason`` column (null when the two records may be merged).
    ``names``: also apply the name guard (edges only, see the module docstring)."""
    left = facts.rename({f"{c}_l": c for c in facts.columns})
    right = facts.rename({f"{c}_r": c for c in facts.columns})
    t = pairs.join(left, "customer_id_l").join(right, "customer_id_r")
    cases = [(birth_dates_conflict(t.dob_l, t.dob_r, tolerance), REASON_BIRTH_DATE)]
    if names:
        same_dob = (t.dob_l == t.dob_r).fill_null(False)
        cases.append((~names_compatible(t) & ~same_dob, REASON_NAMES))
    t = t.mutate(reason=ibis.cases(*cases, else_=ibis.null("string")))
    t = t.drop(*[c for c in t.columns if c.endswith(("_l", "_r")) and c not in pairs.columns])
    if keep is not None and not keep.empty:
        apart = ibis.memtable(keep.pairs_table()).select(
            ka_l="customer_id_l", ka_r="customer_id_r", ka=ibis.literal(True)
        )
        t = t.left_join(apart, (t.customer_id_l == apart.ka_l) & (t.customer_id_r == apart.ka_r))
        alone = list(keep.alone)
        alone_hit = t.customer_id_l.isin(alone) | t.customer_id_r.isin(alone) if alone else False
        t = t.mutate(
            reason=ibis.cases(
                (alone_hit, REASON_KEEP_ALONE),
                (t.ka.notnull(), REASON_KEEP_APART),
                else_=t.reason,
            )
        ).drop("ka_l", "ka_r", "ka")
    return t


def resolve_clusters(
    con: ibis.BaseBackend,
    features: ir.Table,
    edges: ir.Table,
    *,
    keep_apart: KeepApart | None = None,
    birth_date_tolerance: int = 1,
) -> ClusterResult:
    """Profiles from ``edges`` (``customer_id_l, customer_id_r, strength``; higher = merged
    first), respecting conflicts (see the module docstring)."""
    dob = features.select("customer_id", "dob")
    facts = features.select("customer_id", "dob", "name_key", "name_han")
    checked = _materialize(
        con,
        _pair_conflicts(edges, facts, keep_apart, birth_date_tolerance, names=True),
        "_identity_checked",
    )
    ok = checked.filter(checked.reason.isnull())
    labels = components(con, features.select("customer_id"), ok)
    # every pair inside a component of 3+ records: the ones not joined by an edge may conflict
    sizes = labels.group_by("label").aggregate(size=labels.count())
    big = labels.join(sizes.filter(sizes.size >= 3), "label").select("customer_id", "label")
    r = big.view()
    inner = big.join(r, (big.label == r.label) & (big.customer_id < r.customer_id)).select(
        customer_id_l=big.customer_id, customer_id_r=r.customer_id, label=big.label
    )
    inner = _pair_conflicts(inner, dob, keep_apart, birth_date_tolerance, names=False)
    bad_labels = inner.filter(inner.reason.notnull()).select("label").distinct()
    bad_labels = _materialize(con, bad_labels, "_identity_bad_labels")
    n_bad = int(bad_labels.count().execute())
    refused_pairs = checked.filter(checked.reason.notnull()).select(
        "customer_id_l", "customer_id_r", "reason"
    )
    lab_l = labels.select(customer_id_l="customer_id", label_l="label")
    if n_bad == 0:
        id_map = labels.select("customer_id", profile_id="label")
        accepted = ok.select("customer_id_l", "customer_id_r")
        return ClusterResult(
            id_map=_materialize(con, id_map, "_identity_id_map"),
            accepted=accepted,
            refused=refused_pairs,
        )
    log.info("splitting %d identity components that hold conflicting records", n_bad)
    in_bad = labels.join(bad_labels, "label").select("customer_id", "label")
    e = ok.join(lab_l, "customer_id_l")
    e = e.join(bad_labels, e.label_l == bad_labels.label).select(
        "customer_id_l", "customer_id_r", "strength"
    )
    members = in_bad.join(dob, "customer_id").select("customer_id", "dob")
    conflicts = inner.filter(inner.reason.notnull()).select(
        "customer_id_l", "customer_id_r", "reason"
    )
    split_map, split_refused = _split(members.to_pyarrow(), e.to_pyarrow(), conflicts.to_pyarrow())
    split = ibis.memtable(split_map)
    id_map = labels.left_join(split, "customer_id").select(
        "customer_id", profile_id=ibis.coalesce(split.profile_id, labels.label)
    )
    id_map = _materialize(con, id_map, "_identity_id_map")
    ml = id_map.select(customer_id_l="customer_id", p_l="profile_id")
    mr = id_map.select(customer_id_r="customer_id", p_r="profile_id")
    a = ok.join(ml, "customer_id_l").join(mr, "customer_id_r")
    accepted = a.filter(a.p_l == a.p_r).select("customer_id_l", "customer_id_r")
    refused = refused_pairs.union(ibis.memtable(split_refused))
    return ClusterResult(id_map=id_map, accepted=accepted, refused=refused)


def _split(members: pa.Table, edges: pa.Table, conflicts: pa.Table) -> tuple[pa.Table, pa.Table]:
    """Greedy constrained merging inside the conflicted components (small; see the module
    docstring). Returns ``(customer_id, profile_id)`` and the refused edges."""
    ids = members.column("customer_id").to_pylist()
    parent = {i: i for i in ids}
    group: dict[str, set[str]] = {i: {i} for i in ids}
    bad: dict[str, set[str]] = {i: set() for i in ids}
    for a, b in zip(
        conflicts.column("customer_id_l").to_pylist(),
        conflicts.column("customer_id_r").to_pylist(),
        strict=True,
    ):
        bad[a].add(b)
        bad[b].add(a)

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    order = sorted(
        zip(
            edges.column("strength").to_pylist(),
            edges.column("customer_id_l").to_pylist(),
            edges.column("customer_id_r").to_pylist(),
            strict=True,
        ),
        key=lambda t: (-t[0], t[1], t[2]),
    )
    refused_l: list[str] = []
    refused_r: list[str] = []
    for _, a, b in order:
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        if any(bad[x] & group[rb] for x in group[ra]):
            refused_l.append(a)
            refused_r.append(b)
            continue
        parent[rb] = ra
        group[ra] |= group.pop(rb)
    out_id = []
    out_profile = []
    for root, g in group.items():
        if find(root) != root:
            continue
        label = min(g)
        for x in g:
            out_id.append(x)
            out_profile.append(label)
    return (
        pa.table({"customer_id": out_id, "profile_id": out_profile}),
        pa.table(
            {
                "customer_id_l": pa.array(refused_l, pa.string()),
                "customer_id_r": pa.array(refused_r, pa.string()),
                "reason": pa.array([REASON_GROUP] * len(refused_l), pa.string()),
            }
        ),
    )
