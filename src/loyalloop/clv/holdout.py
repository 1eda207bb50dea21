"""From transactions to RFM summaries, calibration/holdout splits and holdout checks.

The summaries are Ibis expressions (pandas input is wrapped in an in-memory DuckDB table), so
the same code runs in the warehouse; they are :func:`loyalloop.insight.rfm.rfm_summary` with
lifetimes' conventions (``summary_data_from_transaction_data`` /
``calibration_and_holdout_data``): every transaction counts, transactions are bucketed into
periods (days or Monday-based weeks), several in one period count once (their amounts are
summed), ``frequency`` is the number of periods with a purchase after the first,
``recency`` and ``T`` are measured in periods from the first purchase, and ``monetary_value``
is the mean amount per repeat period (0 without repeats).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from loyalloop.clv._data import Frame, as_pandas, is_ibis_table, require_columns
from loyalloop.clv.models.base import TransactionModel
from loyalloop.core.timeunits import TimeUnit
from loyalloop.errors import ConfigError, DataValidationError
from loyalloop.insight.rfm import purchase_period, rfm_summary

__all__ = [
    "calibration_and_holdout",
    "cumulative_tracking",
    "holdout_by_frequency",
    "summary_from_transactions",
]


def _ibis() -> Any:
    import ibis

    return ibis


def _as_table(transactions: Frame) -> Any:
    if is_ibis_table(transactions):
        return transactions
    if isinstance(transactions, pd.DataFrame):
        return _ibis().memtable(transactions)
    raise DataValidationError(
        f"transactions must be a pandas DataFrame or an Ibis table, not "
        f"{type(transactions).__name__}"
    )


def _period_of_value(value: Any, freq: str) -> int:
    day = int(np.floor(pd.Timestamp(value).value / 86_400e9))
    return day if freq == "D" else int(np.floor((day + 3) / 7))


def _period_expr(ts: Any, freq: str) -> Any:
    """Integer period number: days since 1970-01-01, or Monday-based weeks."""
    day = (ts.cast("timestamp").epoch_seconds() / 86_400).floor()
    if freq == "D":
        return day.cast("int64")
    return ((day + 3) / 7).floor().cast("int64")


def _check_freq(freq: TimeUnit | str, freq_multiplier: float) -> str:
    """``"D"`` or ``"W"`` for a period of days or weeks (any :class:`TimeUnit` spelling)."""
    try:
        unit = TimeUnit.parse(freq)
    except ConfigError:
        unit = None
    if unit not in (TimeUnit.DAYS, TimeUnit.WEEKS):
        raise DataValidationError(f"freq must be one of days (D) or weeks (W), not {freq!r}")
    if freq_multiplier <= 0:
        raise DataValidationError("freq_multiplier must be positive")
    return "D" if unit is TimeUnit.DAYS else "W"


def _summary_expr(
    t: Any,
    *,
    customer_id: str,
    timestamp: str,
    amount: str | None,
    end: Any,
    freq: str,
    freq_multiplier: float,
) -> Any:
    """:func:`~loyalloop.insight.rfm.rfm_summary` with lifetimes' conventions.

    Every transaction counts (whatever its amount), purchases merge by period (day or week),
    recency and T are in periods divided by ``freq_multiplier``, and the id column keeps its
    name.
    """
    unit = TimeUnit.DAYS if freq == "D" else TimeUnit.WEEKS
    summary = rfm_summary(
        t,
        observation_end=pd.Timestamp(end).to_pydatetime(),
        time_unit=unit,
        customer_id_col=customer_id,
        datetime_col=timestamp,
        monetary_value_col=amount,
        merge_by=unit,
        purchases_only=False,
    )
    cols: dict[str, Any] = {
        customer_id: summary.customer_id,
        "frequency": summary.frequency.cast("float64"),
        "recency": summary.recency / freq_multiplier,
        "T": summary["T"] / freq_multiplier,
    }
    if amount:
        cols["monetary_value"] = summary.monetary_value
    return summary.select(**cols)


def _default_end(t: Any, timestamp: str) -> Any:
    return t.aggregate(m=t[timestamp].max()).to_pandas()["m"].iloc[0]


def summary_from_transactions(
    transactions: Frame,
    *,
    observation_end: dt.datetime | str | None = None,
    customer_id: str = "customer_id",
    timestamp: str = "timestamp",
    amount: str | None = None,
    freq: TimeUnit | str = "D",
    freq_multiplier: float = 1.0,
) -> Any:
    """RFM summary (``customer_id, frequency, recency, T[, monetary_value]``) per customer.

    Returns an Ibis table when given one (nothing is computed yet), else a pandas DataFrame.
    """
    freq = _check_freq(freq, freq_multiplier)
    require_columns(
        transactions,
        [customer_id, timestamp, *([amount] if amount else [])],
        what="summary_from_transactions",
    )
    t = _as_table(transactions)
    end = observation_end if observation_end is not None else _default_end(t, timestamp)
    expr = _summary_expr(
        t,
        customer_id=customer_id,
        timestamp=timestamp,
        amount=amount,
        end=end,
        freq=freq,
        freq_multiplier=freq_multiplier,
    )
    if is_ibis_table(transactions):
        return expr
    return expr.to_pandas().sort_values(customer_id, ignore_index=True)


def calibration_and_holdout(
    transactions: Frame,
    calibration_end: dt.datetime | str,
    observation_end: dt.datetime | str | None = None,
    *,
    customer_id: str = "customer_id",
    timestamp: str = "timestamp",
    amount: str | None = None,
    freq: TimeUnit | str = "D",
    freq_multiplier: float = 1.0,
) -> pd.DataFrame:
    """Split transactions into a calibration summary and holdout counts (lifetimes' semantics).

    Parameters
    ----------
    transactions
        pandas DataFrame or Ibis table with ``customer_id``, ``timestamp`` and optionally an
        ``amount`` column.
    calibration_end
        Last moment of the calibration period (inclusive).
    observation_end
        Last moment of the holdout period; the latest transaction by default.
    freq, freq_multiplier
        Period length: days (``"D"``) or weeks (``"W"``, Monday-based calendar weeks), any
        :class:`~loyalloop.core.timeunits.TimeUnit` spelling; recency and T are divided by
        ``freq_multiplier``.

    Returns
    -------
    pandas.DataFrame
        One row per customer first seen in the calibration period: ``customer_id,
        frequency_cal, recency_cal, T_cal[, monetary_value_cal], frequency_holdout
        [, monetary_value_holdout], duration_holdout``. ``monetary_value_holdout`` is the mean
        holdout transaction amount (as in lifetimes).
    """
    freq = _check_freq(freq, freq_multiplier)
    require_columns(
        transactions,
        [customer_id, timestamp, *([amount] if amount else [])],
        what="calibration_and_holdout",
    )
    t = _as_table(transactions)
    cal_end = pd.Timestamp(calibration_end)
    obs_end = (
        pd.Timestamp(observation_end)
        if observation_end is not None
        else pd.Timestamp(_default_end(t, timestamp))
    )
    if obs_end <= cal_end:
        raise DataValidationError(
            f"observation_end ({obs_end}) must be after calibration_end ({cal_end})"
        )
    ts = t[timestamp].cast("timestamp")
    cal = t.filter(ts <= cal_end.to_pydatetime())
    summary = _summary_expr(
        cal,
        customer_id=customer_id,
        timestamp=timestamp,
        amount=amount,
        end=cal_end,
        freq=freq,
        freq_multiplier=freq_multiplier,
    )
    summary = summary.rename(
        {
            f"{c}_cal": c
            for c in ("frequency", "recency", "T", *(["monetary_value"] if amount else []))
        }
    )
    hold = t.filter((ts > cal_end.to_pydatetime()) & (ts <= obs_end.to_pydatetime()))
    hold = hold.mutate(
        __period__=purchase_period(hold[timestamp], TimeUnit.DAYS if freq == "D" else "W")
    )
    h_aggs: dict[str, Any] = {"frequency_holdout": hold.__period__.nunique().cast("float64")}
    if amount:
        h_aggs["monetary_value_holdout"] = hold[amount].mean().cast("float64")
    h = hold.group_by(customer_id).aggregate(**h_aggs)
    joined = summary.left_join(h, summary[customer_id] == h[customer_id])
    keep = [c for c in joined.columns if not c.endswith("_right")]
    frame = joined.select(keep).to_pandas()
    if frame.empty:
        raise DataValidationError(
            f"no customer made a first purchase by calibration_end ({cal_end})"
        )
    fill = ["frequency_holdout", *(["monetary_value_holdout"] if amount else [])]
    frame[fill] = frame[fill].fillna(0.0)
    frame["duration_holdout"] = (
        _period_of_value(obs_end, freq) - _period_of_value(cal_end, freq)
    ) / freq_multiplier
    order = [
        customer_id,
        "frequency_cal",
        "recency_cal",
        "T_cal",
        *(["monetary_value_cal"] if amount else []),
        "frequency_holdout",
        *(["monetary_value_holdout"] if amount else []),
        "duration_holdout",
    ]
    return frame[order].sort_values(customer_id, ignore_index=True)


def holdout_by_frequency(
    model: TransactionModel, data: Frame, *, max_frequency: int = 7
) -> pd.DataFrame:
    """Mean predicted vs actual holdout purchases by calibration frequency.

    Parameters
    ----------
    model
        Fitted on the calibration columns.
    data
        Output of :func:`calibration_and_holdout`.
    max_frequency
        Customers with more calibration purchases are pooled into the last bucket
        (labelled ``max_frequency``, meaning "or more").

    Returns
    -------
    pandas.DataFrame
        Indexed by ``frequency_cal``: ``n_customers, actual, predicted, difference``.
    """
    cols = ["frequency_cal", "recency_cal", "T_cal", "frequency_holdout", "duration_holdout"]
    frame = as_pandas(data, cols, what="holdout_by_frequency")
    durations = frame["duration_holdout"].unique()
    if len(durations) != 1:
        raise DataValidationError("duration_holdout must be the same for all customers")
    cal = pd.DataFrame(
        {
            "frequency": frame["frequency_cal"].to_numpy(dtype=float),
            "recency": frame["recency_cal"].to_numpy(dtype=float),
            "T": frame["T_cal"].to_numpy(dtype=float),
        }
    )
    predicted = model.expected_purchases(float(durations[0]), cal).to_numpy()
    bucket = np.minimum(cal["frequency"].to_numpy(), max_frequency).astype(int)
    out = (
        pd.DataFrame(
            {
                "frequency_cal": bucket,
                "actual": frame["frequency_holdout"].to_numpy(dtype=float),
                "predicted": predicted,
            }
        )
        .groupby("frequency_cal")
        .agg(
            n_customers=("actual", "size"),
            actual=("actual", "mean"),
            predicted=("predicted", "mean"),
        )
    )
    out["difference"] = out["predicted"] - out["actual"]
    return out


def cumulative_tracking(
    model: TransactionModel,
    transactions: Frame,
    t: int,
    *,
    customer_id: str = "customer_id",
    timestamp: str = "timestamp",
    freq: TimeUnit | str = "D",
    freq_multiplier: int = 1,
) -> pd.DataFrame:
    """Actual vs predicted cumulative repeat transactions, period by period (tracking plot).

    Follows lifetimes' ``expected_cumulative_transactions``: each acquisition cohort (customers
    whose first purchase fell in the same period) contributes its size times the model's
    expected purchases for a new customer over the time since acquisition.

    Returns
    -------
    pandas.DataFrame
        ``period`` (1, 2, …, in units of ``freq_multiplier`` periods from the first
        transaction), ``actual`` and ``predicted`` cumulative repeat transactions.
    """
    freq = _check_freq(freq, freq_multiplier)
    require_columns(transactions, [customer_id, timestamp], what="cumulative_tracking")
    tbl = _as_table(transactions)
    ibis = _ibis()
    p = tbl.mutate(__period__=_period_expr(tbl[timestamp], freq))
    start = int(p.aggregate(m=p.__period__.min()).to_pandas()["m"].iloc[0])
    p = p.filter(p.__period__ <= start + t)
    cp = p.group_by([customer_id, "__period__"]).aggregate(__n__=p.count())
    cp = cp.mutate(__first__=cp.__period__.min().over(ibis.window(group_by=cp[customer_id])))
    counts = (
        cp.group_by(["__period__", (cp.__period__ == cp.__first__).name("__is_first__")])
        .aggregate(n=cp.count())
        .to_pandas()
    )
    first = counts[counts["__is_first__"]].set_index("__period__")["n"]
    repeat = counts[~counts["__is_first__"]].set_index("__period__")["n"]
    actual_by_period = repeat.reindex(range(start, start + t + 1), fill_value=0).to_numpy()
    rows = []
    for j in range(1, t // freq_multiplier + 1):
        period = start + j * freq_multiplier
        cohorts = first[first.index < period]
        times = (period - cohorts.index.to_numpy()).astype(float) / freq_multiplier
        predicted = float(
            np.sum(np.asarray(model.expected_purchases_new_customer(times)) * cohorts.to_numpy())
        )
        actual = float(actual_by_period[: j * freq_multiplier].sum())
        rows.append((j, actual, predicted))
    return pd.DataFrame(rows, columns=["period", "actual", "predicted"])
