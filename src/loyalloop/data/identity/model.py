"""The probabilistic matcher: a Fellegi-Sunter model fitted and applied with splink.

Comparisons (levels from most to least similar; a level's label is what an explanation says):

=============  ===============================================================================
field          levels
=============  ===============================================================================
name           same name (term-frequency adjusted) · same pinyin (``王芳`` ~ ``Wang Fang`` ~
               ``Fang Wang`` ~ ``汪芳``) · one Han character differs · similar spelling
               (at most 2 edits in the pinyin, 6+ letters) · different
birth_date     same · a typo (one digit, or day and month swapped) · different
phone          same · one or two digits differ · different
email          same · same user name (another provider, dots, ``+tag``) · similar user name
               (at most 2 edits, 6+ characters) · different
city           same (in pinyin: ``上海市`` = ``Shanghai``) · different
address        same · similar (at most 3 edits, 8+ characters) · different
gender         same · different
=============  ===============================================================================

A missing value on either side is the null level: it neither adds nor removes evidence.

Blocking (pairs compared): records sharing a phone, an e-mail, an e-mail user name or an
address (values shared by more than ``max_key_group`` records excluded), or the pinyin name
and birth date, or the birth date, city and gender, or the pinyin name, city and birth year
(values shared by more than ``max_name_group`` records excluded). Each rule is an equi-join, so the
pair count is the sum of the squared block sizes, never all pairs; with every block capped it
grows linearly with the records (:mod:`loyalloop.data.identity.features` says why;
``benchmarks/results/identity.md`` lists the counts measured).

Training (no labels): the prior from the pairs the exact keys find (assumed recall 0.6);
u probabilities of exact-match levels from value frequencies (:func:`frequency_u`), the others
from every pair of a sample of records chosen by MD5 of the seed and the record id
(:func:`u_sample`: ~775 records for ``u_max_pairs`` 300,000); then two
expectation-maximisation sessions — blocked on phone (estimates every other field) and on
pinyin name and birth date (estimates phone, e-mail, city, address, gender).

The same on every engine: edit distances count characters (:func:`char_levenshtein_sql`;
DuckDB's own ``levenshtein`` counts UTF-8 bytes), codes are compared position by position
(:func:`_differ_by_at_most`), and the u sample is chosen by a hash every engine computes alike
(splink's own sample uses the engine's ``hash()``). DuckDB and Spark then train the same model
up to the order of floating-point sums (``benchmarks/results/identity.md``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loyalloop.data.identity.config import IdentityConfig
from loyalloop.errors import ModelError

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pyarrow as pa
    from splink import Linker
    from splink.internals.database_api import DatabaseAPI

__all__ = [
    "FIELDS",
    "FREQUENCY_U",
    "Field",
    "PairScores",
    "char_levenshtein",
    "field_level_labels",
    "frequency_u",
    "score_pairs",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Field:
    """One compared field: its output name, the feature column and its level labels
    (most similar first; the last one is ``different``)."""

    name: str
    column: str
    labels: tuple[str, ...]


FIELDS: tuple[Field, ...] = (
    Field(
        "name",
        "name_key",
        ("same name", "same pinyin", "one character differs", "similar spelling", "different"),
    ),
    Field("birth_date", "dob", ("same", "typo", "different")),
    Field("phone", "phone", ("same", "one or two digits differ", "different")),
    Field("email", "email", ("same", "same user name", "similar user name", "different")),
    Field("city", "city_key", ("same", "different")),
    Field("address", "address_key", ("same", "similar", "different")),
    Field("gender", "gender", ("same", "different")),
)


def field_level_labels(field: Field) -> dict[int, str]:
    """splink's comparison vector value (``gamma_<field>``) → label; -1 is ``missing``."""
    n = len(field.labels)
    return {-1: "missing", **{n - 1 - k: label for k, label in enumerate(field.labels)}}


#: Longest code compared position by position on Spark (an E.164 phone: "+" and 15 digits).
MAX_CODE_LENGTH = 16


def _differ_by_at_most(column: str, k: int) -> Any:
    """A level: two same-length codes (phone, ``YYYYMMDD``) differing in at most ``k``
    positions. DuckDB's ``hamming`` (its Damerau-Levenshtein costs ~10 µs a pair, 60 times
    more); on Spark, which has no ``hamming``, the same count of differing positions, one
    term per position up to :data:`MAX_CODE_LENGTH` (``levenshtein`` would differ: it also
    accepts a shifted code, e.g. one digit dropped and one appended, as two edits)."""
    from splink.internals.comparison_level_creator import ComparisonLevelCreator

    class _Level(ComparisonLevelCreator):
        def create_sql(self, sql_dialect: Any) -> str:
            left, right = f"{column}_l", f"{column}_r"  # unquoted: "x" is a string on Spark
            same = f"length({left}) = length({right})"
            if sql_dialect.sql_dialect_str == "duckdb":
                safe_left = f"CASE WHEN {same} THEN {left} ELSE {right} END"
                return f"({same} AND hamming({safe_left}, {right}) <= {k})"
            if sql_dialect.sql_dialect_str == "spark":
                # one term per position (splink takes a lambda's variable for a column)
                differ = " + ".join(
                    f"CASE WHEN substr({left}, {i}, 1) = substr({right}, {i}, 1) THEN 0 ELSE 1 END"
                    for i in range(1, MAX_CODE_LENGTH + 1)
                )
                fits = f"length({left}) <= {MAX_CODE_LENGTH}"
                return f"({same} AND {fits} AND ({differ}) <= {k})"
            return f"levenshtein({left}, {right}) <= {k}"

        def create_label_for_charts(self) -> str:
            return f"{column} differs in at most {k} positions"

    return _Level()


#: Levels whose u probability is computed exactly from value frequencies (field, level label)
#: → the columns it is ``P(same) - P(same on the more specific column)`` of.
FREQUENCY_U: dict[tuple[str, str], tuple[str, str | None]] = {
    ("name", "same name"): ("name_clean", None),
    ("name", "same pinyin"): ("name_key", "name_clean"),
    ("birth_date", "same"): ("dob", None),
    ("phone", "same"): ("phone", None),
    ("email", "same"): ("email", None),
    ("email", "same user name"): ("email_user", "email"),
    ("address", "same"): ("address_key", None),
}


def frequency_u(features: ir.Table) -> dict[tuple[str, str], float]:
    """Exact u probabilities of the :data:`FREQUENCY_U` levels, from value frequencies.

    Two random records share a value ``v`` with probability ``Σ n_v (n_v - 1) / (N (N - 1))``
    over the ``N`` records where the column is known. Random sampling of a few hundred
    thousand pairs cannot see this for near-unique identifiers (phones, e-mails, addresses:
    u ≈ 1e-8) and would leave them unestimated; the frequencies give them exactly, in one
    aggregate per column. The result is floored at one pair in all pairs.
    """

    def p_same(col: str) -> tuple[float, int]:
        t = features.filter(features[col].notnull())
        g = t.group_by(col).aggregate(n=t.count())
        row = g.aggregate(s=(g.n * (g.n - 1)).sum(), total=g.n.sum()).to_pyarrow().to_pylist()[0]
        total = int(row["total"] or 0)
        same = float(row["s"] or 0.0)
        return (same / (total * (total - 1)) if total > 1 else 0.0), total

    out: dict[tuple[str, str], float] = {}
    for key, (col, specific) in FREQUENCY_U.items():
        p, total = p_same(col)
        if specific is not None:
            p -= p_same(specific)[0]
        floor = 2.0 / max(total * (total - 1), 2)
        out[key] = min(max(p, floor), 0.5)
    return out


def u_sample_size(max_pairs: int) -> int:
    """Records whose pairs number at least ``max_pairs`` (``n (n - 1) / 2 >= max_pairs``)."""
    return math.ceil(0.5 * (math.sqrt(8 * max_pairs + 1) + 1))


def u_sample(features: ir.Table, max_pairs: int, seed: int) -> ir.Table:
    """The records whose every pair gives the u probabilities of the levels that
    :func:`frequency_u` does not: ``u_sample_size(max_pairs)`` records, the first in the order
    of ``md5("<seed>:<customer_id>")``.

    splink's own sample (``estimate_u_using_random_sampling``) picks records by the engine's
    ``hash()`` — 64 bits on DuckDB, Spark's 32-bit Murmur3 — so each engine drew other pairs
    and trained other u (at 10,000 records the review pairs differed, 38 against 45). MD5 of
    the same text is the same everywhere, so both engines take the same records; all their
    pairs are then compared (splink's estimator with no sampling and no early stop), the same
    counts on every engine. Like splink's, the sample is a set of records and all of their
    pairs (~775 records for 300,000 pairs); a top-``n`` query, no sort of the whole table.
    """
    import ibis

    n = u_sample_size(max_pairs)
    key = (ibis.literal(f"{seed}:") + features.customer_id.cast("string")).hexdigest("md5")
    return features.order_by([key, features.customer_id]).limit(n)


#: Printable ASCII without the quote and the backslash: the single-byte stand-ins of
#: :func:`char_levenshtein_sql` (one per distinct character of a pair).
_STAND_INS = "".join(chr(c) for c in range(33, 127) if chr(c) not in "'\\")


def char_levenshtein_sql(left: str, right: str, dialect: str) -> str:
    """SQL of the Levenshtein distance of two texts counted in characters, on every engine.

    Spark's ``levenshtein`` counts characters. DuckDB's counts UTF-8 bytes
    (duckdb/duckdb#25113): ``levenshtein('王芳', '王方')`` is 3 there, so a level such as "one
    Han character differs" never held on DuckDB. On DuckDB, texts that are both ASCII go to
    ``levenshtein`` as they are; otherwise each distinct character of the pair is first
    replaced by one single-byte stand-in (``translate`` with the pair's sorted distinct
    characters), a one-to-one recoding that keeps the character distance, which
    ``levenshtein`` then counts. A pair with more than 92 distinct characters (two texts of
    ~50 characters with nothing in common) has no stand-ins left; its distance is null there
    (no "near" level holds: such a pair is far apart anyway).
    """
    if dialect != "duckdb":
        return f"levenshtein({left}, {right})"
    chars = f"array_to_string(list_sort(list_distinct(string_split({left} || {right}, ''))), '')"
    codes = f"substr('{_STAND_INS}', 1, length({chars}))"
    recoded = (
        f"levenshtein(translate({left}, {chars}, {codes}), translate({right}, {chars}, {codes}))"
    )
    ascii_ = f"strlen({left}) = length({left}) AND strlen({right}) = length({right})"
    return (
        f"(CASE WHEN {ascii_} THEN levenshtein({left}, {right})"
        f" WHEN length({chars}) <= {len(_STAND_INS)} THEN {recoded} END)"
    )


def char_levenshtein(left: ir.StringValue, right: ir.StringValue) -> ir.IntegerValue:
    """The Levenshtein distance of two texts counted in characters, as an Ibis expression (the
    same on DuckDB and Spark): :func:`char_levenshtein_sql`'s recoding, each distinct character
    of the pair replaced by one single-byte stand-in before ``levenshtein``, on every engine
    (Spark's ``levenshtein`` already counts characters; the recoding keeps that distance).
    Null for a pair with more than 92 distinct characters. For the few pairs the cluster
    checks compare, not for the blocked pairs (see :func:`char_levenshtein_within`)."""
    import ibis

    chars = (left + right).split("").unique().join("")
    codes = ibis.literal(_STAND_INS).substr(0, chars.length())
    recoded = left.translate(chars, codes).levenshtein(right.translate(chars, codes))
    return ibis.ifelse(chars.length() <= len(_STAND_INS), recoded, ibis.null("int64"))


def char_levenshtein_within(left: str, right: str, edits: int, dialect: str) -> str:
    """SQL: ``left`` and ``right`` are at most ``edits`` character edits apart
    (:func:`char_levenshtein_sql`), cheaply on DuckDB.

    The recoding costs ~85 µs a pair of Chinese addresses against ~3 µs for ``levenshtein``
    (measured on 30,000 pairs), and the u sample compares every pair of ~775 records
    (300,000 pairs). So on DuckDB non-ASCII pairs first go through the byte distance: a
    character is at most 4 UTF-8 bytes, so ``edits`` character edits are at most ``4 * edits``
    byte edits, and a pair further apart than that in bytes is not within ``edits``
    characters; only the rest (near pairs, a few in a thousand) are recoded.
    """
    if dialect != "duckdb":
        return f"({char_levenshtein_sql(left, right, dialect)} <= {edits})"
    ascii_ = f"strlen({left}) = length({left}) AND strlen({right}) = length({right})"
    return (
        f"(CASE WHEN {ascii_} THEN levenshtein({left}, {right}) <= {edits}"
        f" WHEN levenshtein({left}, {right}) > {4 * edits} THEN FALSE"
        f" ELSE {char_levenshtein_sql(left, right, dialect)} <= {edits} END)"
    )


#: Bits of :func:`char_bits` (63: the set fits a signed 64-bit integer on every engine).
CHAR_BITS = 63


def char_bits(text: str | None) -> int | None:
    """The distinct characters of ``text`` as a set of :data:`CHAR_BITS` bits (bit
    ``ord(c) % 63`` for each character ``c``), computed once per record for the pre-filter
    of the "near" levels (:func:`bits_apart_sql`).

    Examples
    --------
    >>> char_bits("abca") == sum(1 << (ord(c) % 63) for c in "abc")
    True
    >>> char_bits(None) is None
    True
    """
    if text is None:
        return None
    bits = 0
    for code in set(map(ord, text)):
        bits |= 1 << (code % CHAR_BITS)
    return bits


def bits_column(column: str) -> str:
    """The feature column holding :func:`char_bits` of ``column``."""
    return f"{column}_bits"


def bits_apart_sql(left: str, right: str, edits: int) -> str:
    """SQL (DuckDB): two texts whose :func:`char_bits` are ``left`` and ``right`` are more
    than ``edits`` character edits apart, because one side has more than ``edits`` bits set
    that the other has not.

    Each such bit stands for a character of that side that the other side does not contain
    at all, and every occurrence of such a character costs an edit (substituted or deleted),
    so the count never exceeds the distance: a pair this rejects is one the distance rejects,
    and a level guarded by it holds for exactly the same pairs. It costs two ``bit_count`` calls
    a pair; the distance of two Chinese addresses costs ~3.5 µs in bytes first. On the
    10,000-customer sample's u sample (300,000 pairs, one DuckDB thread) it decides 91 % of
    the address pairs: the address level 1.36 → 0.26 s of CPU, the two name levels 0.30 →
    0.14 s (``benchmarks/results/run.md``, session 8).
    """
    return f"(bit_count({left} & ~{right}) > {edits} OR bit_count({right} & ~{left}) > {edits})"


def _near(column: str, edits: int, min_length: int, *, bits: bool = False) -> Any:
    """A level: at most ``edits`` Levenshtein edits apart counted in characters
    (:func:`char_levenshtein_sql`), both values at least ``min_length`` characters long.
    ``levenshtein`` is built into DuckDB and Spark alike (Jaro-Winkler needs a Java UDF jar
    on Spark), so both engines score the same pairs the same way. ``bits``: the features
    carry :func:`char_bits` of the column (:func:`bits_column`); on DuckDB a pair they show
    to be far apart (:func:`bits_apart_sql`) is rejected before any distance is computed
    (a ``CASE``, so the distance is evaluated for the other pairs only)."""
    from splink.internals.comparison_level_creator import ComparisonLevelCreator

    class _Level(ComparisonLevelCreator):
        def create_sql(self, sql_dialect: Any) -> str:
            left, right = f"{column}_l", f"{column}_r"  # unquoted: "x" is a string on Spark
            dialect = sql_dialect.sql_dialect_str
            within = char_levenshtein_within(left, right, edits, dialect)
            if bits and dialect == "duckdb":
                b = bits_column(column)
                apart = bits_apart_sql(f"{b}_l", f"{b}_r", edits)
                within = f"(CASE WHEN {apart} THEN FALSE ELSE {within} END)"
            lengths = (
                f"length({left}) >= {min_length} AND length({right}) >= {min_length} AND "
                if min_length > 0
                else ""
            )
            return f"({lengths}{within})"

        def create_label_for_charts(self) -> str:
            return f"{column} at most {edits} characters apart"

    return _Level()


def _comparisons(fixed_u: dict[tuple[str, str], float] | None = None) -> list[Any]:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    fixed = fixed_u or {}

    def lab(level: Any, label: str, field: str = "") -> Any:
        u = fixed.get((field, label))
        if u is not None:
            return level.configure(label_for_charts=label, u_probability=u, fix_u_probability=True)
        return level.configure(label_for_charts=label)

    dob_swap = cll.CustomLevel(
        "substr(dob_l, 1, 4) = substr(dob_r, 1, 4) AND substr(dob_l, 5, 2) = substr(dob_r, 7, 2)"
        " AND substr(dob_l, 7, 2) = substr(dob_r, 5, 2)"
    )
    levels: dict[str, list[Any]] = {
        "name": [
            cll.NullLevel("name_key"),
            cll.ExactMatchLevel("name_clean", term_frequency_adjustments=True),
            cll.ExactMatchLevel("name_key", term_frequency_adjustments=True),
            _near("name_han", 1, 0, bits=True),
            _near("name_key", 2, 6, bits=True),
            cll.ElseLevel(),
        ],
        "birth_date": [
            cll.NullLevel("dob"),
            cll.ExactMatchLevel("dob"),
            cll.Or(_differ_by_at_most("dob", 1), dob_swap),
            cll.ElseLevel(),
        ],
        "phone": [
            cll.NullLevel("phone"),
            cll.ExactMatchLevel("phone"),
            _differ_by_at_most("phone", 2),
            cll.ElseLevel(),
        ],
        "email": [
            cll.NullLevel("email"),
            cll.ExactMatchLevel("email"),
            cll.ExactMatchLevel("email_user", term_frequency_adjustments=True),
            _near("email_user", 2, 6),
            cll.ElseLevel(),
        ],
        "city": [cll.NullLevel("city_key"), cll.ExactMatchLevel("city_key"), cll.ElseLevel()],
        "address": [
            cll.NullLevel("address_key"),
            cll.ExactMatchLevel("address_key"),
            _near("address_key", 3, 8, bits=True),
            cll.ElseLevel(),
        ],
        "gender": [cll.NullLevel("gender"), cll.ExactMatchLevel("gender"), cll.ElseLevel()],
    }
    out = []
    for f in FIELDS:
        lv = levels[f.name]
        if len(lv) != len(f.labels) + 1:  # pragma: no cover - guards the table above
            raise ModelError(f"field {f.name}: {len(lv) - 1} levels for {len(f.labels)} labels")
        labelled = [lab(lv[0], "missing")] + [
            lab(level, label, f.name) for level, label in zip(lv[1:], f.labels, strict=True)
        ]
        out.append(cl.CustomComparison(labelled, output_column_name=f.name))
    return out


def _blocking_rules() -> list[Any]:
    from splink import block_on

    from loyalloop.data.identity.features import BLOCK_COLUMNS

    return [block_on(column) for column in BLOCK_COLUMNS]


def _settings(config: IdentityConfig, fixed_u: dict[tuple[str, str], float] | None) -> Any:
    from splink import SettingsCreator

    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="customer_id",
        comparisons=_comparisons(fixed_u),
        blocking_rules_to_generate_predictions=_blocking_rules(),
        max_iterations=config.em_max_iterations,
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
    )


class _UnobservedLevels(logging.Filter):
    """Holds back splink's per-session "level not observed, unable to train" warnings.

    Each expectation-maximisation session sees only the pairs of its block (all pairs of the
    phone session share a phone), so some levels are absent from one session by design; what
    matters is whether a level is trained by *any* session, which :func:`_untrained_levels`
    reports once after training."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "not observed in dataset" not in record.getMessage()


def _untrained_levels(linker: Linker) -> list[str]:
    """``field: level`` of every non-null level whose m probability no session estimated (the
    model uses splink's default m for it)."""
    out = []
    for comparison in linker._settings_obj.comparisons:
        for level in comparison.comparison_levels:
            if not level.is_null_level and not level._has_estimated_m_values:
                out.append(f"{comparison.output_column_name}: {level.label_for_charts}")
    return out


def _sampled_u(
    db_api: DatabaseAPI[Any],
    sample: Any,
    config: IdentityConfig,
    fixed_u: dict[tuple[str, str], float],
) -> dict[tuple[str, str], float]:
    """u of every level not in ``fixed_u``, from all pairs of the records of ``sample``
    (:func:`u_sample`): splink's estimator on a model of its own over those records only, with
    no sampling (the proportion is 1) and no early stop. A level no pair reached gets
    splink's value for an unobserved level (1e-6)."""
    from splink import Linker

    sdf = db_api.register(sample, table_name="identity_u_sample")
    # the settings are the model's own (checked when its linker is made): not checked twice
    linker = Linker(sdf, _settings(config, fixed_u), log_level=None, validate_settings=False)
    n_sql = f"SELECT count(*) AS n FROM {sdf.physical_name}"
    n = int(linker.misc.query_sql(n_sql).as_pyarrow_table().column("n")[0].as_py())
    # more pairs than the n records have: splink then takes every record (no hash sample)
    linker.training.estimate_u_using_random_sampling(
        max_pairs=float(max(n, 2) ** 2), min_count_per_level=None, num_chunks=1
    )
    out: dict[tuple[str, str], float] = {}
    for comparison in linker._settings_obj.comparisons:
        for level in comparison.comparison_levels:
            key = (comparison.output_column_name, level.label_for_charts)
            if level.is_null_level or key in fixed_u:
                continue
            u = level.u_probability
            if u is None:  # pragma: no cover - splink sets u for every non-null level
                raise ModelError(f"identity model: no u estimated for {key[0]}: {key[1]}")
            out[key] = float(u)
    sdf.drop_table_from_database_and_remove_from_cache(force_non_splink_table=True)
    return out


def _train(linker: Linker, config: IdentityConfig, *, estimate_u: bool) -> None:
    from splink import block_on

    em_log = logging.getLogger("splink.internals.expectation_maximisation")
    held_back = _UnobservedLevels()
    em_log.addFilter(held_back)
    try:
        t = linker.training
        t.estimate_probability_two_random_records_match(
            [block_on("phone_block"), block_on("email_block")], recall=0.6
        )
        if estimate_u:
            t.estimate_u_using_random_sampling(max_pairs=config.u_max_pairs, seed=config.seed)
        t.estimate_parameters_using_expectation_maximisation(
            block_on("phone_block"), estimate_without_term_frequencies=True
        )
        t.estimate_parameters_using_expectation_maximisation(
            block_on("name_key", "dob"), estimate_without_term_frequencies=True
        )
    finally:
        em_log.removeFilter(held_back)
    untrained = _untrained_levels(linker)
    if untrained:
        log.info(
            "identity model: no training pairs reached %s; splink's default m is used there",
            ", ".join(untrained),
        )


@dataclass(frozen=True)
class PairScores:
    """Scored pairs above the review weight, and the model that scored them.

    Attributes
    ----------
    pairs
        ``customer_id_l, customer_id_r, match_weight, match_probability`` and one
        ``gamma_<field>`` column per :data:`FIELDS` entry (the level reached).
    model
        The trained splink model (settings JSON, as ``save_model_to_json`` writes it).
    compared_pairs
        How many record pairs the blocking rules produced (each compared once).
    """

    pairs: pa.Table
    model: dict[str, Any]
    compared_pairs: int


@contextmanager
def _one_thread(connection: Any) -> Iterator[None]:
    """DuckDB on one thread while the model trains: the expectation-maximisation sums (and the
    seeded random sample of the u estimates) are then made in one order, so the same records
    give the same model to the last bit (with several threads the weights moved by ~1e-9
    from one run to the next). Training on the sample's few thousand pairs is dominated by
    the number of SQL statements, not by their size."""
    (threads,) = connection.execute("SELECT current_setting('threads')").fetchone()
    connection.execute("SET threads = 1")
    try:
        yield
    finally:
        connection.execute(f"SET threads = {int(threads)}")


def _db_api(backend: str, connection: Any) -> DatabaseAPI[Any]:
    if backend == "duckdb":
        from splink import DuckDBAPI

        return DuckDBAPI(connection)
    if backend == "pyspark":
        from splink import SparkAPI

        # splink breaks long query lineages by writing Parquet into the session's checkpoint
        # directory (shared storage on a cluster); a session without one persists instead
        has_dir = not connection._jsc.sc().getCheckpointDir().isEmpty()
        return SparkAPI(
            spark_session=connection,
            break_lineage_method="parquet" if has_dir else "persist",
            register_udfs_automatically=False,
        )
    raise ModelError(f"identity resolution runs on DuckDB or Spark, not on {backend!r}")


def score_pairs(
    features: Any,
    config: IdentityConfig,
    *,
    backend: str = "duckdb",
    connection: Any = None,
    fixed_u: dict[tuple[str, str], float] | None = None,
    u_records: Any = None,
) -> PairScores:
    """Train (or load) the model and score the blocked pairs of ``features``.

    Parameters
    ----------
    features
        The feature table (:func:`loyalloop.data.identity.features.with_blocks`): an Arrow table
        for DuckDB, a Spark DataFrame for Spark.
    config
        Thresholds, seed, an optional trained model (``config.model_path``).
    backend, connection
        ``"duckdb"`` (connection: a DuckDB connection; default a new in-memory one) or
        ``"pyspark"`` (connection: the SparkSession).
    fixed_u
        u probabilities computed from value frequencies (:func:`frequency_u`), kept fixed.
    u_records
        The records (:func:`u_sample`, in the form of ``features``) whose every pair gives the
        u of the other levels, the same on every engine; without them splink samples the
        pairs by the engine's own hash (``config.u_max_pairs``).

    Returns
    -------
    PairScores
    """
    import duckdb
    from splink import Linker

    if backend == "duckdb" and connection is None:
        connection = duckdb.connect(":memory:")
    db_api = _db_api(backend, connection)
    sdf = db_api.register(features, table_name="identity_features")
    settings: Any = (
        config.model_path if config.model_path is not None else _settings(config, fixed_u)
    )
    if isinstance(settings, Path) and not settings.is_file():
        raise ModelError(f"identity model file {settings} does not exist")
    train = config.model_path is None
    with _one_thread(connection) if backend == "duckdb" and train else nullcontext():
        if train and u_records is not None:
            fixed = dict(fixed_u or {})
            fixed_u = {**fixed, **_sampled_u(db_api, u_records, config, fixed)}
            settings = _settings(config, fixed_u)
        linker = Linker(sdf, settings, log_level=None)
        if train:
            _train(linker, config, estimate_u=u_records is None)
    blocked = linker.inference.compute_blocked_pairs_for_predict()
    n_sql = f"SELECT count(*) AS n FROM {blocked.physical_name}"
    compared = int(linker.misc.query_sql(n_sql).as_pyarrow_table().column("n")[0].as_py())
    predictions = linker.inference.predict(
        threshold_match_weight=config.review_weight, warning_mode="never"
    )
    gammas = [f"gamma_{f.name}" for f in FIELDS]
    cols = ["customer_id_l", "customer_id_r", "match_weight", "match_probability", *gammas]
    table = predictions.as_pyarrow_table().select(cols)
    model = linker.misc.save_model_to_json()
    # splink names each Linker at random; the saved model is the same model without it (a
    # model loaded from the file gets a new name), so the same records give the same file
    model.pop("linker_uid", None)
    return PairScores(pairs=table, model=model, compared_pairs=compared)


def rules_description() -> Sequence[str]:
    """The blocking rules as SQL conditions (for documentation and the run manifest)."""
    return [str(r) for r in _blocking_rules()]
