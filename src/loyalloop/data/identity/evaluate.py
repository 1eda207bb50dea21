"""Pair precision and recall of a profile map against the truth of who is who.

A *pair* is two records in one profile. With ``n`` records in a profile there are
``n (n - 1) / 2`` pairs, so the counts come from group sizes, never from listing pairs:

* predicted pairs = Σ over profiles of C(size, 2)
* true pairs      = Σ over persons of C(size, 2)
* correct pairs   = Σ over (profile, person) groups of C(size, 2)

precision = correct / predicted, recall = correct / true (``None`` when the denominator is 0).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["PairMetrics", "pair_metrics"]


@dataclass(frozen=True)
class PairMetrics:
    """Pair counts and the precision and recall they give."""

    predicted_pairs: int
    true_pairs: int
    correct_pairs: int
    precision: float | None
    recall: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _pairs(t: ir.Table, *keys: str) -> int:
    g = t.group_by(list(keys)).aggregate(n=t.count())
    return round(float((g.n * (g.n - 1) / 2).sum().fill_null(0).execute()))


def pair_metrics(id_map: ir.Table, truth: ir.Table) -> PairMetrics:
    """Compare ``id_map`` (``customer_id, profile_id``) with ``truth``
    (``customer_id, person_id``); records missing from either side are left out.

    Examples
    --------
    >>> import ibis
    >>> m = ibis.memtable({"customer_id": ["a", "b", "c", "d"], "profile_id": ["a", "a", "a", "d"]})
    >>> t = ibis.memtable({"customer_id": ["a", "b", "c", "d"], "person_id": ["a", "a", "c", "c"]})
    >>> r = pair_metrics(m, t)
    >>> (r.predicted_pairs, r.true_pairs, r.correct_pairs)
    (3, 2, 1)
    """
    j = id_map.select("customer_id", "profile_id").join(
        truth.select("customer_id", "person_id"), "customer_id"
    )
    predicted = _pairs(j, "profile_id")
    true = _pairs(j, "person_id")
    correct = _pairs(j, "profile_id", "person_id")
    return PairMetrics(
        predicted_pairs=predicted,
        true_pairs=true,
        correct_pairs=correct,
        precision=correct / predicted if predicted else None,
        recall=correct / true if true else None,
    )
