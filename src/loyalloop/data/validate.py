"""Row-level checks of a frame against a contract, outside any warehouse.

:func:`validate_chunk` runs the same SQL checks as ingest (:mod:`loyalloop.data.checks`) on a
frame of text values, in a scratch in-memory engine, and returns the rows that pass with their
typed values and the rows that fail with their reasons. Checks that need the whole input or
the warehouse (duplicate keys, unknown customers, look-alike ids) happen when loading.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd
import pyarrow as pa

from loyalloop.data.checks import ViewSpec, quote_macro_sql, staged_sql, typed_view
from loyalloop.data.contracts import Contract
from loyalloop.data.normalize import normalize_phone
from loyalloop.data.sql import ident

__all__ = ["ValidatedChunk", "validate_chunk"]


@dataclass
class ValidatedChunk:
    good: pd.DataFrame  # contract columns (typed) + __row__, __line__
    bad: pd.DataFrame  # __row__, __line__, fields, reason, raw


def validate_chunk(
    frame: pd.DataFrame,
    c: Contract,
    *,
    rows: pd.Series,
    lines: pd.Series | None,
    timezone: str,
    phone_region: str,
) -> ValidatedChunk:
    """Type and check one frame whose columns are already named as the contract's."""
    con = duckdb.connect()  # a scratch engine for this frame only
    try:
        data = {
            col.name: pa.array(
                [None if pd.isna(v) else str(v) for v in frame[col.name]]
                if col.name in frame
                else [None] * len(frame),
                pa.string(),
            )
            for col in c.input_columns
        }
        data["__row__"] = pa.array(rows.to_numpy(), pa.int64())
        data["__line__"] = pa.array(
            lines.to_numpy() if lines is not None else [None] * len(frame), pa.int64()
        )
        con.register("frame", pa.table(data))
        staged = ", ".join(
            f"{staged_sql(col, ident(col.name), ())} AS {ident(col.name)}"
            for col in c.input_columns
        )
        con.execute(
            f"CREATE TABLE stage AS SELECT 0 AS __file__, {staged}, __row__, __line__ FROM frame"
        )
        phone_map = None
        if c.name == "customers":
            phones = [r[0] for r in con.execute("SELECT DISTINCT phone FROM stage").fetchall()]
            e164 = [normalize_phone(p, phone_region) if p else None for p in phones]
            con.register("phones_arrow", pa.table({"raw": phones, "e164": e164}))
            con.execute("CREATE TABLE phones AS SELECT * FROM phones_arrow")
            phone_map = "phones"
        present = [col.name for col in c.input_columns if col.name in frame]
        spec = ViewSpec(
            stage="stage",
            timezone=timezone,
            decimals={0: {}},
            phone_map=phone_map,
            files_with={name: [0] for name in present},
            derive=[col.name for col in c.input_columns if col.derive_if_missing],
        )
        con.execute(quote_macro_sql())
        con.execute(typed_view(c, spec, "checked"))
        cols = ", ".join(f"v.{ident(col.name)}" for col in c.columns)
        good = con.execute(
            f"SELECT {cols}, s.__row__, s.__line__ FROM checked v JOIN stage s "
            "ON s.rowid = v.__seq__ WHERE NOT v.__quarantine ORDER BY v.__seq__"
        ).df()
        raw = (
            "to_json(struct_pack("
            + ", ".join(f"{ident(col.name)} := s.{ident(col.name)}" for col in c.input_columns)
            + "))::VARCHAR"
        )
        bad = con.execute(
            f"SELECT s.__row__, s.__line__, v.__fields AS fields, v.__reason AS reason, "
            f"{raw} AS raw FROM checked v JOIN stage s ON s.rowid = v.__seq__ "
            "WHERE v.__quarantine ORDER BY v.__seq__"
        ).df()
    finally:
        con.close()
    return ValidatedChunk(good, bad)
