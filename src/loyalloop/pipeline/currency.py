"""The currency of a run's amounts: read from the data, or set in the run's settings.

Every amount a run shows — revenue, CLV, value at stake — is a sum of the transactions'
``amount``, so the report must say in which currency. The canonical ``transactions`` table has
a ``currency`` column; when the rows that fill it name one currency, that is the run's (rows
that leave it empty are taken to be in it too: a branch export without the column). When the
column is empty everywhere, ``RunConfig.currency`` says it (``None``: unknown, and the report
says so instead of guessing). A setting that contradicts the data is refused. Data that mix
currencies have no run currency (``None``): the run goes on, and the report warns, with the
counts per currency (``KpiSummary.currencies``), that its totals add up different currencies.
"""

from __future__ import annotations

import ibis.expr.types as ir

from loyalloop.errors import ConfigError

__all__ = ["currency_counts", "run_currency"]


def currency_counts(transactions: ir.Table) -> dict[str, int]:
    """Transactions per currency named in their ``currency`` column (empty ones left out)."""
    if "currency" not in transactions.columns:
        return {}
    code = transactions.currency.strip().upper()
    t = transactions.mutate(_code=code)
    t = t.filter(t._code.notnull() & (t._code != ""))
    counts = t.group_by("_code").aggregate(n=t.count()).to_pandas()
    return {str(c): int(n) for c, n in sorted(zip(counts["_code"], counts["n"], strict=True))}


def run_currency(counts: dict[str, int], configured: str | None) -> str | None:
    """The run's currency (module docstring).

    Raises
    ------
    ConfigError
        When the setting names another currency than the data.

    Examples
    --------
    >>> run_currency({"CNY": 694533}, None)
    'CNY'
    >>> run_currency({}, "usd")
    'USD'
    >>> run_currency({"CNY": 5, "USD": 2}, None) is None
    True
    """
    setting = configured.strip().upper() if configured else None
    if len(counts) > 1:
        return None
    found = next(iter(counts), None)
    if found is not None and setting is not None and setting != found:
        raise ConfigError(
            f"the run's currency setting is {setting} but the transactions' currency column "
            f"says {found}"
        )
    return found or setting
