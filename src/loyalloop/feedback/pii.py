"""Mask personal data in customer text: phone, card and ID numbers, e-mail addresses.

Every verbatim Loyalloop stores or shows (the clause table, example clauses in the report) goes
through :func:`mask_pii` unless a run explicitly allows raw text. Patterns, in the order applied
(each match is replaced by a placeholder such as ``[card]``):

``email``
    ``name@domain.tld`` (also with ``＠``, and the spoken "name at domain dot com").
``id``
    PRC resident ID: 18 characters (6-digit area code, birth date 19xx/20xx with a valid month
    and day, 3-digit sequence, check digit 0-9 or X) — spaces between blocks allowed — and the
    old 15-digit form; Hong Kong ID (``A123456(7)``); passports (``E12345678``, ``G1234567``);
    US social security numbers (``123-45-6789``).
``card``
    13–19 digits in groups separated by spaces or dashes (``6222 0212 3456 7890``) or in one
    run that passes the Luhn check; partly masked cards (``6222 **** **** 7890``) are masked too.
    Any other run of 13–19 digits (an account or order number) becomes ``[number]``: a long
    number is never shown.
``phone``
    Chinese mobiles (``1[3-9]`` + 9 digits, ``+86`` / ``0086`` prefix, spaces or dashes between
    blocks), Chinese landlines (``0`` + 2–3 digit area code + 7–8 digits, ``(021) 1234 5678``),
    international numbers with a ``+`` country code, North American ``(555) 123-4567`` /
    ``555-123-4567``, and UK-style ``020 7946 0958``.

Short numbers are left alone: amounts (``3600元``, ``$5,000``), percentages, dates
(``2024-05-12``), times, the last four digits of a card (``尾号1234``) and staff numbers
(``工号9527``) are not personal data on their own and carry meaning for the analysis.
"""

from __future__ import annotations

import re

__all__ = ["PII_KINDS", "mask_pii"]

PII_KINDS = ("email", "id", "card", "number", "phone")

_D = r"(?<![0-9A-Za-z])"  # no digit or Latin letter before (Chinese text may touch)
_E = r"(?![0-9A-Za-z])"  # none after
_EMAIL = re.compile(
    r"[A-Za-z0-9._%+\-]+\s*[@＠]\s*[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}|"
    r"\b[A-Za-z0-9._%+\-]+\s+(?:at|\[at\])\s+[A-Za-z0-9\-]+\s+(?:dot|\[dot\])\s+(?:com|cn|net|org)\b"
)
_PRC_ID = re.compile(
    _D
    + r"[1-9]\d{5}[\s-]?(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])[\s-]?\d{3}[\dXx]"
    + _E
    + "|"
    + _D
    + r"[1-9]\d{5}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}"
    + _E
)
_OTHER_ID = re.compile(
    r"(?<![A-Za-z0-9])[A-Z]{1,2}\d{6}\s?\(?[0-9A]\)(?![A-Za-z0-9])|"  # Hong Kong ID
    r"(?<![A-Za-z0-9])[EGDSPH]\d{8}(?![A-Za-z0-9])|(?<![A-Za-z0-9])[EG]\d{7}(?![A-Za-z0-9])|"
    r"(?<!\d)\d{3}-\d{2}-\d{4}(?!\d)"  # US SSN
)
_CARD_GROUPED = re.compile(_D + r"\d{4}(?:[\s-](?:\d{4}|\*{4}|[xX]{4})){2,3}(?:[\s-]\d{1,4})?" + _E)
_CARD_MASKED = re.compile(_D + r"\d{4,6}\*{4,9}\d{4}" + _E)
_DIGIT_RUN = re.compile(_D + r"\d{13,19}" + _E)
_PHONE = re.compile(
    r"(?:(?:\+|00)86[\s-]?)?(?<!\d)1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)|"  # CN mobile
    r"(?<!\d)\(?0\d{2,3}\)?[\s-]?\d{3,4}[\s-]?\d{4}(?!\d)|"  # CN landline, UK
    r"\+\d{1,3}[\s-]?\(?\d{1,4}\)?(?:[\s-]?\d{2,4}){2,4}(?!\d)|"  # international
    r"(?<!\d)\(\d{3}\)\s?\d{3}[\s-]\d{4}(?!\d)|(?<![\d-])\d{3}[-.]\d{3}[-.]\d{4}(?![\d-])"  # NANP
)


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card_run(m: re.Match[str]) -> str:
    return "[card]" if _luhn(m.group(0)) else "[number]"


def mask_pii(text: str) -> str:
    """``text`` with e-mails, ID, card and phone numbers replaced by ``[email]``, ``[id]``,
    ``[card]``, ``[phone]`` (see the module docs).

    Examples
    --------
    >>> mask_pii("我的手机13812345678，卡号6222 0212 3456 7890")
    '我的手机[phone]，卡号[card]'
    >>> mask_pii("身份证110105199003071234，邮箱 wang.li@example.com")
    '身份证[id]，邮箱 [email]'
    >>> mask_pii("年费3600元，尾号1234，工号9527，2024-05-12")
    '年费3600元，尾号1234，工号9527，2024-05-12'
    """
    if not text:
        return text
    out = _EMAIL.sub("[email]", text)
    out = _PRC_ID.sub("[id]", out)
    out = _OTHER_ID.sub("[id]", out)
    out = _CARD_GROUPED.sub("[card]", out)
    out = _CARD_MASKED.sub("[card]", out)
    out = _DIGIT_RUN.sub(_card_run, out)
    out = _PHONE.sub("[phone]", out)
    return out
