"""Identity resolution: which customer records are one person.

Exact keys first (the same normalised e-mail or E.164 phone), then a probabilistic
Fellegi-Sunter model trained without labels (splink; DuckDB by default, Spark for scale) on
pinyin-aware names, phones, e-mails, birth dates, cities, addresses and gender. Pairs above the
match weight are merged unless the records conflict outright (different birth dates, the
unmerge list); pairs in the review band are listed for clerical review. Every merge is
explained and can be undone through the unmerge list.

>>> from loyalloop.data.identity import IdentityConfig, resolve_identities   # doctest: +SKIP
>>> result = resolve_identities(wh.ibis, wh.table("customers"), IdentityConfig())  # doctest: +SKIP
"""

from __future__ import annotations

from loyalloop.data.identity.config import IdentityConfig, MatchMode
from loyalloop.data.identity.evaluate import PairMetrics, pair_metrics
from loyalloop.data.identity.keep_apart import KeepApart, read_keep_apart
from loyalloop.data.identity.names import address_key, city_key, name_keys
from loyalloop.data.identity.resolve import IdentityResult, IdentitySummary, resolve_identities

__all__ = [
    "IdentityConfig",
    "IdentityResult",
    "IdentitySummary",
    "KeepApart",
    "MatchMode",
    "PairMetrics",
    "address_key",
    "city_key",
    "name_keys",
    "pair_metrics",
    "read_keep_apart",
    "resolve_identities",
]
