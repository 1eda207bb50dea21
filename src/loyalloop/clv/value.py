"""Customer lifetime value from a transaction model and a spend model, and batch scoring."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from loyalloop.clv._data import Frame, as_pandas, numeric
from loyalloop.clv.models.base import TransactionModel, validate_rfm
from loyalloop.clv.models.gamma_gamma import GammaGammaModel, _validate_spend
from loyalloop.core.batches import iter_batches
from loyalloop.core.timeunits import TimeUnit
from loyalloop.errors import ConfigError, DataValidationError

__all__ = [
    "customer_lifetime_value",
    "periods_per_month",
    "score",
    "score_to_parquet",
]


def periods_per_month(
    time_unit: TimeUnit | str | float | None, model: TransactionModel | None = None
) -> float:
    """Data time units in one discounting period (a month of ``365.25 / 12`` days).

    Parameters
    ----------
    time_unit
        The unit of the data's ``recency`` and ``T`` (``days``, ``weeks``, ``months`` or an
        alias, see :class:`~loyalloop.core.timeunits.TimeUnit`), or directly the number of
        data units per discounting period (e.g. ``30`` or ``4.345`` to reproduce lifetimes'
        ``freq="D"`` / ``freq="W"``, whose months are 30 and 30.415 days long). ``None``:
        the unit the model was fitted with.
    model
        The fitted transaction model (read when ``time_unit`` is ``None``).

    Examples
    --------
    >>> periods_per_month("days")
    30.4375
    >>> round(periods_per_month("W"), 6)
    4.348214
    """
    if time_unit is None:
        recorded = None if model is None else model.data_period_.time_unit
        try:
            unit = TimeUnit.parse(str(recorded))
        except ConfigError:
            raise ConfigError(
                f"the model's time unit is unknown ({recorded!r}): pass time_unit "
                "(days, weeks, months, or data units per month)"
            ) from None
        return unit.per(TimeUnit.MONTHS)
    if isinstance(time_unit, bool):
        raise DataValidationError("time_unit must be a unit name or a number, not a boolean")
    if isinstance(time_unit, int | float):
        factor = float(time_unit)
        if not np.isfinite(factor) or factor <= 0:
            raise DataValidationError("time_unit must be a positive number of data time units")
        return factor
    return TimeUnit.parse(time_unit).per(TimeUnit.MONTHS)


def _clv_arrays(
    transaction_model: TransactionModel,
    spend_model: GammaGammaModel,
    x: np.ndarray,
    tx: np.ndarray,
    T: np.ndarray,
    m: np.ndarray,
    horizon: int,
    discount_rate: float,
    factor: float,
) -> np.ndarray:
    spend = spend_model._expected_average_value(x, m)
    total = np.zeros_like(x, dtype=float)
    previous = np.zeros_like(x, dtype=float)
    for step in range(1, horizon + 1):
        cumulative = transaction_model._conditional_expected(step * factor, x, tx, T)
        total += spend * (cumulative - previous) / (1.0 + discount_rate) ** step
        previous = cumulative
    return total


def _check_clv_args(horizon: int, discount_rate: float) -> None:
    if int(horizon) != horizon or horizon < 1:
        raise DataValidationError("horizon must be a whole number of periods >= 1")
    if not np.isfinite(discount_rate) or discount_rate < 0:
        raise DataValidationError("discount_rate must be a number >= 0")


def customer_lifetime_value(
    transaction_model: TransactionModel,
    spend_model: GammaGammaModel,
    data: Frame,
    horizon: int = 12,
    discount_rate: float = 0.01,
    time_unit: TimeUnit | str | float | None = None,
) -> pd.Series:
    """Discounted expected value of each customer's purchases over the next ``horizon`` periods.

    ``CLV = sum_{i=1..horizon} E[M] * (E[X(i u)] - E[X((i-1) u)]) / (1 + d)^i`` where ``u`` is
    the length of one discounting period in the data's time unit, ``E[X(t)]`` the transaction
    model's conditional expected purchases and ``E[M]`` the spend model's expected average
    value (the population mean for customers without repeat purchases). The same discrete
    discounting as lifetimes' ``customer_lifetime_value``.

    Parameters
    ----------
    transaction_model
        A fitted BG/NBD, MBG/NBD, Pareto/NBD or BG/BB model.
    spend_model
        A fitted :class:`GammaGammaModel`.
    data
        ``frequency, recency, T, monetary_value`` (``customer_id`` optional).
    horizon
        Number of discounting periods (months by default).
    discount_rate
        Discount rate per period (0.01 = 1% a month).
    time_unit
        Unit of the data's times (``days``, ``weeks``, ``months``; a month is 30.4375 days
        whatever the unit), or a number of data units per discounting period. By default the
        unit the transaction model was fitted with. See :func:`periods_per_month`.

    Returns
    -------
    pandas.Series
        Named ``clv``, indexed by ``customer_id`` when the data have one.
    """
    transaction_model._check_fitted()
    spend_model._check_fitted()
    _check_clv_args(horizon, discount_rate)
    factor = periods_per_month(time_unit, transaction_model)
    cols = (*transaction_model.columns, "monetary_value")
    frame = as_pandas(data, cols, what="customer_lifetime_value")
    x, tx, T = (numeric(frame, c) for c in transaction_model.columns)
    m = numeric(frame, "monetary_value")
    validate_rfm(
        x, tx, T, what="customer_lifetime_value", allow_T0=True, discrete=transaction_model.discrete
    )
    _validate_spend(x, m, what="customer_lifetime_value", fitting=False)
    values = _clv_arrays(
        transaction_model, spend_model, x, tx, T, m, int(horizon), float(discount_rate), factor
    )
    index = (
        pd.Index(frame["customer_id"].to_numpy(), name="customer_id")
        if "customer_id" in frame.columns
        else frame.index
    )
    return pd.Series(values, index=index, name="clv")


def score(
    transaction_model: TransactionModel,
    data: Frame | Iterable[pd.DataFrame],
    *,
    t: float,
    spend_model: GammaGammaModel | None = None,
    horizon: int = 12,
    discount_rate: float = 0.01,
    time_unit: TimeUnit | str | float | None = None,
    batch_size: int = 500_000,
) -> Iterator[pd.DataFrame]:
    """Score customers in batches with bounded memory.

    Parameters
    ----------
    transaction_model
        Fitted transaction model.
    data
        pandas DataFrame, Ibis table (streamed from the engine as Arrow batches) or an iterable
        of DataFrames, with ``customer_id, frequency, recency, T`` (and ``monetary_value``
        when ``spend_model`` is given).
    t
        Horizon for ``expected_purchases`` in the data's time unit.
    spend_model, horizon, discount_rate, time_unit
        When ``spend_model`` is given, adds ``expected_average_value`` and ``clv`` (see
        :func:`customer_lifetime_value`).
    batch_size
        Rows per batch; peak memory grows with it, not with the number of customers.

    Yields
    ------
    pandas.DataFrame
        ``customer_id, probability_alive, expected_purchases[, expected_average_value, clv]``.
    """
    transaction_model._check_fitted()
    if spend_model is not None:
        spend_model._check_fitted()
        _check_clv_args(horizon, discount_rate)
    factor = periods_per_month(time_unit, transaction_model) if spend_model is not None else 1.0
    name = type(transaction_model).__name__
    for batch in iter_batches(data, batch_size):
        cols = list(transaction_model.columns)
        if spend_model is not None:
            cols.append("monetary_value")
        frame = as_pandas(batch, cols, what=f"{name} scoring")
        x, tx, T = (numeric(frame, c) for c in transaction_model.columns)
        validate_rfm(
            x, tx, T, what=f"{name} scoring", allow_T0=True, discrete=transaction_model.discrete
        )
        out = pd.DataFrame(
            {
                "probability_alive": transaction_model._probability_alive(x, tx, T),
                "expected_purchases": transaction_model._conditional_expected(float(t), x, tx, T),
            }
        )
        if "customer_id" in frame.columns:
            out.insert(0, "customer_id", frame["customer_id"].to_numpy())
        if spend_model is not None:
            m = numeric(frame, "monetary_value")
            _validate_spend(x, m, what=f"{name} scoring", fitting=False)
            out["expected_average_value"] = spend_model._expected_average_value(x, m)
            out["clv"] = _clv_arrays(
                transaction_model,
                spend_model,
                x,
                tx,
                T,
                m,
                int(horizon),
                float(discount_rate),
                factor,
            )
        yield out


def score_to_parquet(
    path: str | Path,
    transaction_model: TransactionModel,
    data: Frame | Iterable[pd.DataFrame],
    **kwargs: object,
) -> int:
    """Stream :func:`score` batches into one Parquet file; returns the number of rows written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    rows = 0
    try:
        for batch in score(transaction_model, data, **kwargs):  # type: ignore[arg-type]
            table = pa.Table.from_pandas(batch, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(str(path), table.schema)
            writer.write_table(table)
            rows += len(batch)
    finally:
        if writer is not None:
            writer.close()
    return rows
