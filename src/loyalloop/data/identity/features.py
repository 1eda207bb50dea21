"""The comparison features of each customer record.

Most features are Ibis expressions computed in the engine: e-mail parts, the birth date as
``YYYYMMDD``, how many records share each e-mail, phone and e-mail user name (a value shared by
more than ``max_key_group`` records is a placeholder and gives no block). The name, city and
address keys need pinyin (:mod:`loyalloop.data.identity.names`): they are computed in Python
once per distinct value and joined back in the engine
(:func:`loyalloop.data.identity.resolve.resolve_identities`).

Columns of the feature table (:data:`FEATURE_COLUMNS`):

====================  ============================================================
``customer_id``       the record
``name_clean``        name without spaces, punctuation or case
``name_key``          bag of pinyin syllables (script, order and homophones ignored)
``name_han``          the Han characters of the name
``dob``               birth date ``YYYYMMDD``
``phone``             E.164 phone
``email``             normalised e-mail
``email_user``        e-mail user name without dots and ``+tag`` (``li.si+shop`` → ``lisi``)
``city_key``          city in toneless pinyin (``上海市`` = ``Shanghai`` = ``shanghai``)
``address_key``       address without layout, city prefix or punctuation
``gender``            ``M`` / ``F``
``name_key_bits`` …   the distinct characters of ``name_key``, ``name_han`` and ``address_key``
                      as bit sets (:func:`~loyalloop.data.identity.model.char_bits`): a cheap
                      test that rules out most pairs before their edit distance
``phone_block`` …     the value when shared by at most ``max_key_group`` records, else null
``name_dob_block`` …  pinyin name and birth date (``name_dob_block``), birth date, city and
                      gender (``dob_city_gender_block``), pinyin name, city and birth year
                      (``name_city_year_block``): the values joined when all are known and
                      at most ``max_name_group`` records share them, else null
====================  ============================================================

The name, birth-date and city blocks are capped for the same reason as the identifier blocks: a
block of ``n`` records gives ``n(n-1)/2`` pairs, and with a fixed number of cities and birth
dates those blocks grow with the records (a common name in a big city, a placeholder birth date
such as 1 January), so uncapped the pairs grow with the square of the records. Capped, each rule
gives at most ``(max_name_group - 1) / 2`` pairs per record. Records in an over-size block are
still compared through their other blocks (a record in a crowded name-and-city block usually
has a small name-and-birth-date block). The cap alone is not enough: as the records grow more
blocks reach it, so the pairs per record climb towards the bound and the capped-away blocks
take their true pairs with them. So the two city rules are also made selective where the data
are dense, as splink advises: birth date and city also need the same gender, pinyin name and
city the same birth year. On 1,000,000 retail records (seed 1) that cut the pairs of the two
rules from 3.85 million to 0.87 million while they hold more true pairs (the name-and-city
rule had lost most of its blocks to the cap); ``benchmarks/results/identity.md`` has the counts
per rule (``identity_resolution.py blocks``) and the precision and recall.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis
import pyarrow as pa

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["BLOCK_COLUMNS", "FEATURE_COLUMNS", "TEXT_KEY_SCHEMA", "record_features", "with_blocks"]

#: Columns computed in Python from the name, city and address.
TEXT_KEY_SCHEMA = pa.schema(
    [
        ("name_clean", pa.string()),
        ("name_key", pa.string()),
        ("name_han", pa.string()),
        ("city_key", pa.string()),
        ("address_key", pa.string()),
        ("name_key_bits", pa.int64()),
        ("name_han_bits", pa.int64()),
        ("address_key_bits", pa.int64()),
    ]
)

#: The blocking keys, one per blocking rule (the model blocks on each; pairs sharing any one
#: of them are compared).
BLOCK_COLUMNS = (
    "phone_block",
    "email_block",
    "email_user_block",
    "address_block",
    "name_dob_block",
    "dob_city_gender_block",
    "name_city_year_block",
)

#: Columns the matcher reads.
FEATURE_COLUMNS = (
    "customer_id",
    "name_clean",
    "name_key",
    "name_han",
    "dob",
    "phone",
    "email",
    "email_user",
    "city_key",
    "address_key",
    "gender",
    "name_key_bits",
    "name_han_bits",
    "address_key_bits",
    *BLOCK_COLUMNS,
)


def _optional(t: ir.Table, name: str, type_: str = "string") -> ir.Value:
    return t[name] if name in t.columns else ibis.null(type_)


def _capped(t: ir.Table, col: str, cap: int) -> ir.Value:
    """``col`` where at most ``cap`` records share the value, else null."""
    n = t[col].count().over(ibis.window(group_by=t[col]))
    return ibis.ifelse(t[col].notnull() & (n <= cap), t[col], ibis.null("string"))


def _capped_key(t: ir.Table, values: list[ir.StringValue], cap: int) -> ir.Value:
    """The ``values`` joined by ``|`` where all are known and at most ``cap`` records share
    them, else null."""
    known = ibis.and_(*(v.notnull() for v in values))
    n = values[0].count().over(ibis.window(group_by=values))
    key = values[0]
    for v in values[1:]:
        key = key + "|" + v
    return ibis.ifelse(known & (n <= cap), key, ibis.null("string"))


def record_features(customers: ir.Table) -> ir.Table:
    """Engine part of the features: one row per record, raw name, city and address kept for
    the Python keys.

    Parameters
    ----------
    customers
        The canonical ``customers`` table (``address`` optional).
    """
    c = customers
    email = c.email_normalized
    user = email.re_extract(r"^([^@]+)@", 1)
    user = user.re_replace(r"\+.*$", "").replace(".", "")
    dob = c.birth_date.cast("date").strftime("%Y%m%d")
    gender = c.gender.strip().upper()
    return c.select(
        customer_id=c.customer_id,
        name=c.name,
        city=c.city,
        address=_optional(c, "address"),
        dob=dob,
        phone=c.phone_e164,
        email=email,
        email_user=ibis.ifelse(user.length() >= 3, user, ibis.null("string")),
        gender=ibis.cases(
            (gender.isin(["M", "MALE", "男"]), "M"),
            (gender.isin(["F", "FEMALE", "女"]), "F"),
            else_=ibis.null("string"),
        ),
    )


def with_blocks(keyed: ir.Table, max_key_group: int, max_name_group: int) -> ir.Table:
    """The feature table: ``keyed`` plus the capped block columns (see the module docstring)."""
    t = keyed
    t = t.mutate(
        phone_block=_capped(t, "phone", max_key_group),
        email_block=_capped(t, "email", max_key_group),
        email_user_block=_capped(t, "email_user", max_key_group),
        address_block=_capped(t, "address_key", max_key_group),
        name_dob_block=_capped_key(t, [t.name_key, t.dob], max_name_group),
        dob_city_gender_block=_capped_key(t, [t.dob, t.city_key, t.gender], max_name_group),
        name_city_year_block=_capped_key(
            t, [t.name_key, t.city_key, t.dob.substr(0, 4)], max_name_group
        ),
    )
    return t.select(*FEATURE_COLUMNS)
