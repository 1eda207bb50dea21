"""Row-level validation of a chunk against a contract.

:func:`validate_chunk` types every column and returns the rows that pass with their typed
values, and the rows that fail with a reason naming each bad field. Checks that need the whole
file or the warehouse (duplicate keys, unknown customers) happen when loading.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from loyalloop.data.contracts import SCORE_RANGES, Contract
from loyalloop.data.normalize import normalize_emails, normalize_phones
from loyalloop.data.parse import (
    clean_strings,
    parse_bool,
    parse_date,
    parse_float,
    parse_int,
    parse_timestamp,
)

__all__ = ["ValidatedChunk", "validate_chunk"]

_TYPE_WORDS = {
    "timestamp": "a date/time",
    "date": "a date",
    "float": "a number",
    "int": "a whole number",
    "bool": "yes/no",
}


@dataclass
class ValidatedChunk:
    good: pd.DataFrame  # contract columns (typed) + __row__, __line__
    bad: pd.DataFrame  # __row__, __line__, fields, reason, raw


#: A check: the field, which rows fail, and the message (text, or made only for failing rows).
Problem = tuple[str, pd.Series, "str | Callable[[pd.Series], pd.Series]"]


def _short(value: object, limit: int = 60) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _quoted(raw: pd.Series, prefix: str, suffix: str) -> Callable[[pd.Series], pd.Series]:
    def make(mask: pd.Series) -> pd.Series:
        return prefix + raw[mask].map(lambda v: repr(_short(v))) + suffix

    return make


def validate_chunk(
    frame: pd.DataFrame,
    c: Contract,
    *,
    rows: pd.Series,
    lines: pd.Series | None,
    timezone: str,
    phone_region: str,
) -> ValidatedChunk:
    """Type and check one chunk whose columns are already renamed to canonical names."""
    n = len(frame)
    idx = frame.index
    typed: dict[str, pd.Series] = {}
    problems: list[Problem] = []

    for col in c.input_columns:
        raw = frame[col.name] if col.name in frame else pd.Series([None] * n, index=idx)
        if col.type == "string":
            values: pd.Series = clean_strings(raw)
            bad = pd.Series(False, index=idx)
            if col.allowed is not None:
                allowed = ", ".join(col.allowed)
                low = values.astype("string").str.lower()
                ok = low.isin(col.allowed).fillna(False).astype(bool) | values.isna()
                bad = ~ok
                values = low.astype(object).where(values.notna(), None)
                problems.append(
                    (col.name, bad, _quoted(raw, f"{col.name}: ", f" is not one of {allowed}"))
                )
        else:
            parser = {
                "timestamp": lambda s: parse_timestamp(s, timezone),
                "date": lambda s: parse_date(s, timezone),
                "float": parse_float,
                "int": parse_int,
                "bool": parse_bool,
            }[col.type]
            values, bad = parser(raw)
            problems.append(
                (
                    col.name,
                    bad,
                    _quoted(raw, f"{col.name}: cannot read ", f" as {_TYPE_WORDS[col.type]}"),
                )
            )
        if col.required:
            missing = values.isna() & ~bad
            problems.append((col.name, missing, f"{col.name}: required value is missing"))
        typed[col.name] = values

    _table_rules(c.name, typed, problems, idx)

    fields = pd.Series("", index=idx, dtype=object)
    reasons = pd.Series("", index=idx, dtype=object)
    any_bad = pd.Series(False, index=idx)
    for name, mask, message in problems:
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            continue
        sep_f = np.where(fields[mask] == "", "", ",")
        sep_r = np.where(reasons[mask] == "", "", "; ")
        fields[mask] = fields[mask] + sep_f + name
        text = message if isinstance(message, str) else message(mask)
        reasons[mask] = reasons[mask] + sep_r + text
        any_bad |= mask

    good = pd.DataFrame(typed, index=idx)
    _derive(c.name, good, phone_region)
    good["__row__"] = rows.to_numpy()
    good["__line__"] = lines.to_numpy() if lines is not None else pd.NA
    good = good[~any_bad.to_numpy()]

    bad_rows = frame[any_bad.to_numpy()]
    bad_frame = pd.DataFrame(
        {
            "__row__": rows.to_numpy()[any_bad.to_numpy()],
            "__line__": (lines.to_numpy()[any_bad.to_numpy()] if lines is not None else pd.NA),
            "fields": fields[any_bad].to_numpy(),
            "reason": reasons[any_bad].to_numpy(),
            "raw": bad_rows.to_json(orient="records", lines=True, force_ascii=False).splitlines()
            if len(bad_rows)
            else [],
        }
    )
    return ValidatedChunk(good.reset_index(drop=True), bad_frame)


def _table_rules(
    table: str,
    typed: dict[str, pd.Series],
    problems: list[Problem],
    idx: pd.Index,
) -> None:
    """Rules that involve more than one column."""
    if table == "feedback":
        st, score = typed["score_type"], typed["score"]
        for kind, (lo, hi) in SCORE_RANGES.items():
            is_kind = (st == kind).fillna(False).astype(bool)
            out = is_kind & score.notna() & ~score.between(lo, hi)
            problems.append(
                ("score", out, _quoted(score, "score: ", f" is outside {lo:g}–{hi:g} for {kind}"))
            )
        problems.append(
            (
                "score_type",
                score.notna() & st.isna(),
                "score_type: a score needs a score_type (nps, csat, …)",
            )
        )
    if table == "accounts":
        opened, closed = typed["opened_at"], typed["closed_at"]
        problems.append(
            (
                "closed_at",
                (closed < opened).fillna(False).astype(bool),
                "closed_at: before opened_at",
            )
        )


def _derive(table: str, good: pd.DataFrame, phone_region: str) -> None:
    """Compute the contract's derived columns in place."""
    if table == "transactions":
        amount = good["amount"]
        good["kind"] = np.select(
            [amount > 0, amount < 0], ["purchase", "refund"], default="zero"
        ).astype(object)
    elif table == "customers":
        good["email_normalized"] = normalize_emails(good["email"])
        good["phone_e164"] = normalize_phones(good["phone"], phone_region)
