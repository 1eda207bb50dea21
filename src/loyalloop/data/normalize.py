"""Normalise contact details so the same person matches across records.

E-mail: trimmed, lower-cased, must look like ``local@domain.tld``; Gmail-style dots and plus
tags are *not* removed (that would merge distinct people at most providers).
Phone: parsed with ``phonenumbers`` (default region from settings for numbers without a
country code) and formatted as E.164 (``+8613800138000``); invalid numbers give ``None``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas and phonenumbers load only when used (ingest's start-up is timed)
    import pandas as pd

__all__ = ["normalize_email", "normalize_emails", "normalize_phone", "normalize_phones"]

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_email(value: str | None) -> str | None:
    if value is None:
        return None
    v = "".join(value.split()).lower()
    return v if _EMAIL_RE.match(v) else None


def normalize_emails(s: pd.Series) -> pd.Series:
    v = s.astype("string").str.replace(r"\s+", "", regex=True).str.lower()
    ok = v.str.match(_EMAIL_RE.pattern).fillna(False).astype(bool)
    return v.where(ok).astype(object).where(ok, None)


@lru_cache(maxsize=200_000)
def normalize_phone(value: str | None, region: str = "CN") -> str | None:
    if value is None or not value.strip():
        return None
    import phonenumbers

    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_phones(s: pd.Series, region: str = "CN") -> pd.Series:
    return s.map(lambda v: normalize_phone(v, region) if isinstance(v, str) else None).astype(
        object
    )
