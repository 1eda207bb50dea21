"""Stable pseudo-random numbers per customer: SHA-256 of a salt and the customer id.

``u(salt, id) = int(sha256(f"{salt}:{id}")[:13 hex digits]) / 16**13``, a number in [0, 1).

SHA-256 is a published standard, so the number never changes with the engine, its version or
the machine: the same customer lands in the same arm on every re-run, on DuckDB and on Spark,
and :func:`stable_uniform` (Python) gives exactly the value :func:`stable_uniform_expr` (Ibis)
computes in the engine. Thirteen hex digits are 52 bits, which a float64 holds exactly.
"""

from __future__ import annotations

import hashlib

import ibis
import ibis.expr.types as ir

__all__ = ["HEX_DIGITS", "stable_uniform", "stable_uniform_expr"]

HEX_DIGITS = 13
_ALPHABET = "0123456789abcdef"


def stable_uniform(salt: str, customer_id: str) -> float:
    """The stable number in [0, 1) of one customer under ``salt`` (reference implementation).

    Examples
    --------
    >>> round(stable_uniform("campaign-1", "C0000001"), 6)
    0.39701
    """
    digest = hashlib.sha256(f"{salt}:{customer_id}".encode()).hexdigest()
    return int(digest[:HEX_DIGITS], 16) / 16**HEX_DIGITS


def stable_uniform_expr(salt: str, customer_id: ir.StringValue) -> ir.FloatingValue:
    """The same number as an Ibis expression (runs in the engine, any backend with SHA-256)."""
    digest = (ibis.literal(f"{salt}:") + customer_id.cast("string")).hexdigest("sha256").lower()
    alphabet = ibis.literal(_ALPHABET)
    total: ir.FloatingValue | None = None
    for k in range(HEX_DIGITS):
        # float64 arithmetic: exact below 2**53, and no 32-bit overflow on engines whose
        # string-position function returns a 32-bit integer (Spark's LOCATE)
        digit = alphabet.find(digest.substr(k, 1)).cast("float64")
        term = digit * float(16 ** (HEX_DIGITS - 1 - k))
        total = term if total is None else total + term
    assert total is not None
    return total / float(16**HEX_DIGITS)
