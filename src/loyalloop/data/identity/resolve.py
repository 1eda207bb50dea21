"""Identity resolution end to end: features → exact keys → splink → conflict-aware profiles.

:func:`resolve_identities` is what the pipeline's profiles stage calls. It returns the profile
map, one explanation per merged pair (``profile_merges``), the pairs left for clerical review,
and a summary (records merged by exact keys and by the model, pairs compared …).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import ibis
import pyarrow as pa

from loyalloop.data.identity.clusters import (
    ClusterResult,
    components,
    exact_edges,
    resolve_clusters,
)
from loyalloop.data.identity.config import IdentityConfig, MatchMode
from loyalloop.data.identity.explain import explain_pairs
from loyalloop.data.identity.features import TEXT_KEY_SCHEMA, record_features, with_blocks
from loyalloop.data.identity.keep_apart import KeepApart, read_keep_apart
from loyalloop.data.identity.model import (
    FIELDS,
    char_bits,
    frequency_u,
    score_pairs,
    u_sample,
)
from loyalloop.data.identity.names import address_key, city_key, name_keys
from loyalloop.errors import ConfigError

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["IdentityResult", "IdentitySummary", "resolve_identities"]

log = logging.getLogger(__name__)

#: Strength of an exact-key edge (above any match weight: exact keys merge first).
EXACT_STRENGTH = 1000.0
CONSENT_CHANNELS = ("consent_email", "consent_sms", "consent_phone")


@dataclass(frozen=True)
class IdentitySummary:
    """What identity resolution did (JSON-ready through :meth:`to_dict`).

    Attributes
    ----------
    mode
        ``exact`` or ``probabilistic``.
    records, profiles
        Customer records in, profiles out.
    merged_by_exact_keys, merged_by_model
        Records merged into another record's profile by the exact keys, and by the model on
        top of them (``records - profiles`` = their sum).
    merged_pairs_by_rule
        Merged pairs (``profile_merges`` rows) by rule: ``email``, ``phone``,
        ``email+phone``, ``probabilistic``.
    compared_pairs
        Record pairs the model scored (0 in ``exact`` mode).
    review_pairs
        Pairs listed for clerical review (review band, or refused by a conflict).
    refused_pairs
        Of those, pairs that would have merged but conflict (birth dates, unmerge list).
    placeholder_values
        E-mails and phones shared by more than ``max_key_group`` records (ignored as keys).
    keep_apart_rows
        Pairs and single records in the unmerge list.
    seconds
        Wall time.
    note
        Why the probabilistic model was not used although asked for (too little data to train
        it), else ``None``.
    """

    mode: str
    records: int
    profiles: int
    merged_by_exact_keys: int
    merged_by_model: int
    merged_pairs_by_rule: dict[str, int] = field(default_factory=dict)
    compared_pairs: int = 0
    review_pairs: int = 0
    refused_pairs: int = 0
    placeholder_values: int = 0
    keep_apart_rows: int = 0
    match_weight: float | None = None
    review_weight: float | None = None
    seconds: float = 0.0
    note: str | None = None

    @property
    def merged_records(self) -> int:
        return self.records - self.profiles

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return {**asdict(self), "merged_records": self.merged_records}


@dataclass(frozen=True)
class IdentityResult:
    """Everything identity resolution produced.

    Attributes
    ----------
    id_map
        ``customer_id, profile_id`` for every record (profile id = its smallest customer id).
    merges
        ``profile_merges``: one row per merged pair — ``profile_id, customer_id_l,
        customer_id_r, rule, match_weight, match_probability``, the level reached on each
        field (``name`` … ``gender``) and ``explanation``.
    review
        Pairs not merged but worth a look: ``customer_id_l, customer_id_r, profile_id_l,
        profile_id_r, reason, match_weight, match_probability``, the field levels,
        ``explanation`` and ``consent_refused`` (a record refused a channel).
    summary
        :class:`IdentitySummary`.
    model
        The trained splink model (settings JSON), ``None`` in ``exact`` mode.
    """

    id_map: ir.Table
    merges: ir.Table
    review: ir.Table
    summary: IdentitySummary
    model: dict[str, Any] | None = None


def _materialize(con: ibis.BaseBackend, expr: ir.Table | pa.Table, name: str) -> ir.Table:
    con.create_table(name, expr, temp=True, overwrite=True)  # type: ignore[attr-defined]
    return con.table(name)


def _keyed_features(con: ibis.BaseBackend, customers: ir.Table) -> ir.Table:
    """Engine features plus the Python text keys, as a temporary table of ``con``.

    The keys are computed once per distinct name, city and (address, city) — fetched from the
    engine as Arrow, converted on this process, and joined back in the engine — so no Python
    runs on Spark executors (they need not have Loyalloop installed). The distinct values pass
    through this process: at 1M records about 1M addresses, ~60 MB.
    """
    base = _materialize(con, record_features(customers), "_identity_base")
    names = base.filter(base.name.notnull()).select("name").distinct().to_pyarrow()
    keys = [name_keys(v) for v in names.column("name").to_pylist()]
    name_t = pa.table(
        {
            "name": names.column("name"),
            "name_clean": pa.array([k[0] for k in keys], pa.string()),
            "name_key": pa.array([k[1] for k in keys], pa.string()),
            "name_han": pa.array([k[2] for k in keys], pa.string()),
            "name_key_bits": pa.array([char_bits(k[1]) for k in keys], pa.int64()),
            "name_han_bits": pa.array([char_bits(k[2]) for k in keys], pa.int64()),
        }
    )
    places = base.select("address", "city").distinct().to_pyarrow()
    cities, addresses = places.column("city").to_pylist(), places.column("address").to_pylist()
    address_keys = [address_key(a, c) for a, c in zip(addresses, cities, strict=True)]
    place_t = pa.table(
        {
            "address": places.column("address"),
            "city": places.column("city"),
            "city_key": pa.array([city_key(c) for c in cities], pa.string()),
            "address_key": pa.array(address_keys, pa.string()),
            "address_key_bits": pa.array([char_bits(k) for k in address_keys], pa.int64()),
        }
    )
    nt = _materialize(con, name_t, "_identity_name_keys")
    pt = _materialize(con, place_t, "_identity_place_keys")
    # null-safe equality (IS NOT DISTINCT FROM / Spark's <=>) is a hash-join key; the form
    # "a = b OR (a IS NULL AND b IS NULL)" is not, and made this a nested-loop join of records
    # x places: quadratic, hours at 1M records
    j = base.left_join(nt, base.name == nt.name).left_join(
        pt,
        [base.address.identical_to(pt.address), base.city.identical_to(pt.city)],
    )
    keep = [c for c in base.columns if c not in ("name", "city", "address")]
    out = j.select(*[base[c] for c in keep], *[j[c] for c in TEXT_KEY_SCHEMA.names])
    return _materialize(con, out, "_identity_keyed")


def _splink_input(con: ibis.BaseBackend, features: ir.Table) -> tuple[Any, str, Any]:
    if con.name == "pyspark":
        session = con._session  # type: ignore[attr-defined]
        return session.sql(con.compile(features)), "pyspark", session  # type: ignore[attr-defined]
    if con.name != "duckdb":
        raise ConfigError(f"identity resolution runs on DuckDB or Spark, not on {con.name}")
    # in one order: the engine returns rows in whatever order its threads finish, and the
    # model's expectation-maximisation sums over the pairs in the order of the records
    return features.order_by("customer_id").to_pyarrow(), "duckdb", None


def resolve_identities(
    con: ibis.BaseBackend,
    customers: ir.Table,
    config: IdentityConfig | None = None,
    *,
    keep_apart: KeepApart | None = None,
) -> IdentityResult:
    """Resolve customer records into profiles.

    Parameters
    ----------
    con
        The warehouse's Ibis connection (DuckDB or Spark); intermediate tables are temporary
        tables of it.
    customers
        The canonical ``customers`` table.
    config
        :class:`IdentityConfig` (defaults: probabilistic, match weight 6, review weight 0).
    keep_apart
        The unmerge list; default: read from ``config.keep_apart_path``.

    Returns
    -------
    IdentityResult
    """
    started = time.perf_counter()
    cfg = config or IdentityConfig()
    keep = keep_apart if keep_apart is not None else read_keep_apart(cfg.keep_apart_path)
    keyed = _keyed_features(con, customers)
    features = _materialize(
        con, with_blocks(keyed, cfg.max_key_group, cfg.max_name_group), "_identity_features"
    )
    exact = _materialize(con, exact_edges(features), "_identity_exact")

    scores: pa.Table | None = None
    compared = 0
    model: dict[str, Any] | None = None
    note = None
    if cfg.mode is MatchMode.PROBABILISTIC and cfg.model_path is None:
        note = _too_little_to_train(features)
        if note is not None:
            log.warning("identity resolution uses exact keys only: %s", note)
            cfg = replace(cfg, mode=MatchMode.EXACT)
    if cfg.mode is MatchMode.PROBABILISTIC:
        data, backend, session = _splink_input(con, features)
        fixed_u, u_records = None, None
        if cfg.model_path is None:
            fixed_u = frequency_u(features)
            u_records = _splink_input(con, u_sample(features, cfg.u_max_pairs, cfg.seed))[0]
        scored = score_pairs(
            data, cfg, backend=backend, connection=session, fixed_u=fixed_u, u_records=u_records
        )
        scores, compared, model = scored.pairs, scored.compared_pairs, scored.model
    scores_t = _materialize(con, explain_pairs(scores), "_identity_scores")

    strong = scores_t.filter(scores_t.match_weight >= cfg.match_weight)
    edges = exact.select(
        "customer_id_l", "customer_id_r", strength=ibis.literal(EXACT_STRENGTH)
    ).union(strong.select("customer_id_l", "customer_id_r", strength=strong.match_weight))
    edges = edges.group_by("customer_id_l", "customer_id_r").aggregate(
        strength=edges.strength.max()
    )
    clusters = resolve_clusters(
        con, features, edges, keep_apart=keep, birth_date_tolerance=cfg.birth_date_tolerance
    )
    id_map = clusters.id_map
    merges = _merges(con, clusters, exact, scores_t)
    review = _review(con, clusters, scores_t, exact, customers, cfg)
    summary = _summary(con, cfg, features, exact, clusters, merges, review, keep, compared)
    summary = replace(summary, seconds=round(time.perf_counter() - started, 2), note=note)
    log.info(
        "identity: %d records -> %d profiles (%d by exact keys, %d by the model), %d for review",
        summary.records,
        summary.profiles,
        summary.merged_by_exact_keys,
        summary.merged_by_model,
        summary.review_pairs,
    )
    return IdentityResult(id_map=id_map, merges=merges, review=review, summary=summary, model=model)


_LABEL_COLUMNS = [f.name for f in FIELDS]

#: Fewest record pairs each training block must give for the model to be trained.
MIN_TRAINING_PAIRS = 30


def _too_little_to_train(features: ir.Table) -> str | None:
    """Why the model cannot be trained on ``features`` (``None`` when it can): each
    expectation-maximisation session needs record pairs in its block — sharing a phone, and
    sharing the pinyin name and birth date."""
    counts = {}
    for label, cols in (("a phone", ["phone_block"]), ("name and birth date", ["name_key", "dob"])):
        t = features
        for c in cols:
            t = t.filter(t[c].notnull())
        g = t.group_by(cols).aggregate(n=t.count())
        counts[label] = int((g.n * (g.n - 1) / 2).sum().fill_null(0).execute())
    short = [f"{n} pairs share {label}" for label, n in counts.items() if n < MIN_TRAINING_PAIRS]
    if short:
        return (
            f"too few record pairs to train the matching model ({'; '.join(short)}; at least "
            f"{MIN_TRAINING_PAIRS} each are needed)"
        )
    return None


def _merges(
    con: ibis.BaseBackend, clusters: ClusterResult, exact: ir.Table, scores: ir.Table
) -> ir.Table:
    a = clusters.accepted
    j = a.left_join(exact, ["customer_id_l", "customer_id_r"]).left_join(
        scores, ["customer_id_l", "customer_id_r"]
    )
    m = clusters.id_map.select(customer_id_l="customer_id", profile_id="profile_id")
    j = j.join(m, "customer_id_l")
    rule = ibis.coalesce(j.exact_keys, ibis.literal("probabilistic"))
    exact_text = "same " + j.exact_keys.replace("+", " and ") + " (exact key)"
    explanation = ibis.cases(
        (j.exact_keys.notnull() & j.explanation.notnull(), exact_text + "; " + j.explanation),
        (j.exact_keys.notnull(), exact_text),
        else_=j.explanation,
    )
    out = j.select(
        "profile_id",
        "customer_id_l",
        "customer_id_r",
        rule=rule,
        match_weight=j.match_weight,
        match_probability=j.match_probability,
        **{c: j[c] for c in _LABEL_COLUMNS},
        explanation=explanation,
    ).order_by("profile_id", "customer_id_l", "customer_id_r")
    return _materialize(con, out, "_identity_merges")


def _review(
    con: ibis.BaseBackend,
    clusters: ClusterResult,
    scores: ir.Table,
    exact: ir.Table,
    customers: ir.Table,
    cfg: IdentityConfig,
) -> ir.Table:
    mp = clusters.id_map
    ml = mp.select(customer_id_l="customer_id", profile_id_l="profile_id")
    mr = mp.select(customer_id_r="customer_id", profile_id_r="profile_id")
    band = scores.filter(scores.match_weight < cfg.match_weight).select(
        "customer_id_l", "customer_id_r", reason=ibis.literal("review band")
    )
    cand = band.union(clusters.refused.select("customer_id_l", "customer_id_r", "reason"))
    cand = cand.group_by("customer_id_l", "customer_id_r").aggregate(reason=cand.reason.max())
    j = cand.join(ml, "customer_id_l").join(mr, "customer_id_r")
    j = j.filter(j.profile_id_l != j.profile_id_r)
    j = j.left_join(scores, ["customer_id_l", "customer_id_r"]).left_join(
        exact, ["customer_id_l", "customer_id_r"]
    )
    present = [ch for ch in CONSENT_CHANNELS if ch in customers.columns]
    refused_any = ibis.literal(False)
    for ch in present:
        refused_any = refused_any | (customers[ch] == False)  # noqa: E712 - Ibis expression
    refusals = customers.select("customer_id", refused=refused_any.fill_null(False))
    rl = refusals.select(customer_id_l="customer_id", refused_l="refused")
    rr = refusals.select(customer_id_r="customer_id", refused_r="refused")
    j = j.left_join(rl, "customer_id_l").left_join(rr, "customer_id_r")
    exact_text = "same " + j.exact_keys.replace("+", " and ") + " (exact key)"
    explanation = ibis.cases(
        (j.exact_keys.notnull() & j.explanation.notnull(), exact_text + "; " + j.explanation),
        (j.exact_keys.notnull(), exact_text),
        else_=j.explanation,
    )
    out = j.select(
        "customer_id_l",
        "customer_id_r",
        "profile_id_l",
        "profile_id_r",
        "reason",
        match_weight=j.match_weight,
        match_probability=j.match_probability,
        **{c: j[c] for c in _LABEL_COLUMNS},
        explanation=explanation,
        consent_refused=j.refused_l.fill_null(False) | j.refused_r.fill_null(False),
    ).order_by(ibis.desc("consent_refused"), ibis.desc("match_weight"), "customer_id_l")
    return _materialize(con, out, "_identity_review")


def _summary(
    con: ibis.BaseBackend,
    cfg: IdentityConfig,
    features: ir.Table,
    exact: ir.Table,
    clusters: ClusterResult,
    merges: ir.Table,
    review: ir.Table,
    keep: KeepApart,
    compared: int,
) -> IdentitySummary:
    records = int(features.count().execute())
    profiles = int(clusters.id_map.profile_id.nunique().execute())
    exact_ok = merges.filter(merges.rule != "probabilistic").select(
        "customer_id_l", "customer_id_r"
    )
    exact_labels = components(con, features.select("customer_id"), exact_ok)
    exact_profiles = int(exact_labels.label.nunique().execute())
    by_rule = merges.group_by("rule").aggregate(n=merges.count()).to_pyarrow().to_pylist()
    placeholders = 0
    for col, block in (("phone", "phone_block"), ("email", "email_block")):
        f = features.filter(features[col].notnull() & features[block].isnull())
        placeholders += int(f[col].nunique().execute())
    n_review = int(review.count().execute())
    n_refused = int(review.filter(review.reason != "review band").count().execute())
    return IdentitySummary(
        mode=cfg.mode.value,
        records=records,
        profiles=profiles,
        merged_by_exact_keys=records - exact_profiles,
        merged_by_model=exact_profiles - profiles,
        merged_pairs_by_rule={str(r["rule"]): int(r["n"]) for r in by_rule},
        compared_pairs=compared,
        review_pairs=n_review,
        refused_pairs=n_refused,
        placeholder_values=placeholders,
        keep_apart_rows=len(keep.pairs) + len(keep.alone),
        match_weight=cfg.match_weight if cfg.mode is MatchMode.PROBABILISTIC else None,
        review_weight=cfg.review_weight if cfg.mode is MatchMode.PROBABILISTIC else None,
    )
