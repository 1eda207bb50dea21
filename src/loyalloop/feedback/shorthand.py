"""Agent-note shorthand, spelled out before a clause is read: "Cx req AF waiver" is read as
"cust request annual fee waiver" (session 25).

Notes written by agents after a call (the product's channel ``call``; about 15 % of the
labelled rows since blind19) use a shorthand that no pattern, lexicon entry or model feature
knows: "AF", "CLI", "stmt", "txn". Like a typing slip (:mod:`~loyalloop.feedback.typos`), each
is put right in the normalised text that the taxonomy's patterns, the learned detector, the
lexicon and the mention reader all read (:func:`~loyalloop.feedback.segment.normalize`); the
text shown to people stays as written.

Only shorthand written by several authors of the labelled sets is listed, each whole-word and
in the case real notes write it where the letters are also something else: "AF" (annual fee)
only in capitals, because "comfy af" is slang; "CLI" in capitals or lower case. "cx" becomes
"cust", the notes' other word for the customer, so that the readers learn one word for both.
Shorthand seen in one author's notes only ("pmt", "int", "dd", "bal", "recd", "CL") is left
as written.
"""

from __future__ import annotations

import re

__all__ = ["SHORTHAND", "expand_shorthand"]

#: ``{shorthand as written: its words}``; a key matches only as a whole word (no letter, digit,
#: "&" or "'" next to it), in exactly the case given.
SHORTHAND: dict[str, str] = {
    "AF": "annual fee",
    "CLI": "credit limit increase",
    "cli": "credit limit increase",
    "stmt": "statement",
    "Stmt": "statement",
    "stmts": "statements",
    "Stmts": "statements",
    "txn": "transaction",
    "Txn": "transaction",
    "txns": "transactions",
    "Txns": "transactions",
    "acct": "account",
    "Acct": "account",
    "req": "request",
    "Req": "request",
    "ID&V": "identity verification",
    "mgr": "manager",
    "Mgr": "manager",
    "cx": "cust",
    "Cx": "cust",
    "CX": "cust",
}

_KEY = re.compile(
    r"(?<![\w&'’])(?:"
    + "|".join(re.escape(k) for k in sorted(SHORTHAND, key=len, reverse=True))
    + r")(?![\w&'’])"
)
_ASCII_LETTERS = re.compile("[A-Za-z]{2}")


def expand_shorthand(text: str) -> str:
    """``text`` with the agent-note shorthand of :data:`SHORTHAND` spelled out (case kept
    elsewhere; call it before lower-casing).

    Examples
    --------
    >>> expand_shorthand("Cx req AF waiver, 6th yr cardholder")
    'cust request annual fee waiver, 6th yr cardholder'
    >>> expand_shorthand("comfy af, international shipping")
    'comfy af, international shipping'
    """
    if not _ASCII_LETTERS.search(text):
        return text
    return _KEY.sub(lambda m: SHORTHAND[m.group(0)], text)
