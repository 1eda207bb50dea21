"""Simulate customer bases from the CLV models' own generative stories (known truth).

Used for parameter-recovery tests and benchmarks, and handy for what-if analysis. Every
function takes a ``seed`` (or a ``numpy.random.Generator``) and returns a pandas DataFrame in
the shape the models fit on. Simulation is vectorised: a million customers take about a second.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from loyalloop.errors import DataValidationError

__all__ = [
    "simulate_beta_geo",
    "simulate_beta_geo_beta_binom",
    "simulate_gamma_gamma",
    "simulate_modified_beta_geo",
    "simulate_pareto_nbd",
    "simulate_shifted_beta_geo",
    "simulate_transactions",
]

Seed = int | np.random.Generator | None


def _rng(seed: Seed) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _observation_times(T: Any, n: int) -> np.ndarray:
    arr = np.broadcast_to(np.asarray(T, dtype=float), (n,)).copy()
    if (arr <= 0).any():
        raise DataValidationError("T must be positive")
    return arr


def _frame(x: np.ndarray, tx: np.ndarray, T: np.ndarray, whole_periods: bool) -> pd.DataFrame:
    if whole_periods:
        # purchases are recorded by period (day): recency in whole periods, >= 1 for a repeat
        tx = np.where(x > 0, np.clip(np.ceil(tx), 1.0, T), 0.0)
    return pd.DataFrame(
        {
            "customer_id": np.arange(1, len(x) + 1),
            "frequency": x.astype(float),
            "recency": tx,
            "T": T,
        }
    )


def _last_arrival(rng: np.random.Generator, x: np.ndarray, n: np.ndarray, t: np.ndarray) -> Any:
    """Time of the x-th of n Poisson arrivals on [0, t] (x-th uniform order statistic)."""
    safe_x = np.maximum(x, 1)
    frac = rng.beta(safe_x, np.maximum(n - safe_x + 1, 1))
    return np.where(x > 0, t * frac, 0.0)


def simulate_beta_geo(
    n: int,
    r: float,
    alpha: float,
    a: float,
    b: float,
    T: Any,
    *,
    seed: Seed = None,
    whole_periods: bool = False,
) -> pd.DataFrame:
    """BG/NBD customers: Poisson purchases, dropout with probability p after each purchase.

    ``T`` is a number or one value per customer; ``whole_periods=True`` rounds recency up to
    whole periods, as in data summarised by day.
    """
    rng = _rng(seed)
    T_arr = _observation_times(T, n)
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    purchases = rng.poisson(lam * T_arr)
    fatal = rng.geometric(p)  # the purchase after which the customer drops out
    x = np.minimum(purchases, fatal)
    tx = _last_arrival(rng, x, purchases, T_arr)
    return _frame(x, tx, T_arr, whole_periods)


def simulate_modified_beta_geo(
    n: int,
    r: float,
    alpha: float,
    a: float,
    b: float,
    T: Any,
    *,
    seed: Seed = None,
    whole_periods: bool = False,
) -> pd.DataFrame:
    """MBG/NBD customers: as BG/NBD, plus a chance p to drop out at time 0."""
    rng = _rng(seed)
    T_arr = _observation_times(T, n)
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    purchases = rng.poisson(lam * T_arr)
    survived = rng.geometric(p) - 1  # purchases survived; 0 = dropped out at time 0
    x = np.minimum(purchases, survived)
    tx = _last_arrival(rng, x, purchases, T_arr)
    return _frame(x, tx, T_arr, whole_periods)


def simulate_pareto_nbd(
    n: int,
    r: float,
    alpha: float,
    s: float,
    beta: float,
    T: Any,
    *,
    seed: Seed = None,
    whole_periods: bool = False,
) -> pd.DataFrame:
    """Pareto/NBD customers: Poisson purchases during an exponential lifetime."""
    rng = _rng(seed)
    T_arr = _observation_times(T, n)
    lam = rng.gamma(r, 1.0 / alpha, n)
    mu = rng.gamma(s, 1.0 / beta, n)
    lifetime = rng.exponential(1.0 / mu)
    active = np.minimum(lifetime, T_arr)
    x = rng.poisson(lam * active)
    tx = _last_arrival(rng, x, x, active)
    return _frame(x, tx, T_arr, whole_periods)


def simulate_gamma_gamma(
    frequency: Any, p: float, q: float, v: float, *, seed: Seed = None
) -> pd.DataFrame:
    """Average spend for customers with the given numbers of repeat purchases (all > 0)."""
    rng = _rng(seed)
    x = np.asarray(frequency, dtype=float)
    if (x <= 0).any():
        raise DataValidationError("frequency must be > 0 to simulate spend")
    nu = rng.gamma(q, 1.0 / v, len(x))
    total = rng.gamma(p * x, 1.0 / nu)
    return pd.DataFrame(
        {"customer_id": np.arange(1, len(x) + 1), "frequency": x, "monetary_value": total / x}
    )


def simulate_beta_geo_beta_binom(
    n: int,
    alpha: float,
    beta: float,
    gamma: float,
    delta: float,
    opportunities: int,
    *,
    seed: Seed = None,
) -> pd.DataFrame:
    """BG/BB customers over ``opportunities`` discrete transaction opportunities."""
    rng = _rng(seed)
    p = rng.beta(alpha, beta, n)
    theta = rng.beta(gamma, delta, n)
    alive_for = np.minimum(rng.geometric(theta) - 1, opportunities)
    k = np.arange(1, opportunities + 1)[None, :]
    buys = (rng.random((n, opportunities)) < p[:, None]) & (k <= alive_for[:, None])
    x = buys.sum(axis=1).astype(float)
    tx = np.where(x > 0, np.max(np.where(buys, k, 0), axis=1), 0).astype(float)
    return pd.DataFrame(
        {
            "customer_id": np.arange(1, n + 1),
            "frequency": x,
            "recency": tx,
            "T": np.full(n, float(opportunities)),
        }
    )


def simulate_shifted_beta_geo(
    n: int, alpha: float, beta: float, periods: int, *, seed: Seed = None
) -> pd.DataFrame:
    """sBG contract customers observed for ``periods`` periods (``tenure, churned``)."""
    rng = _rng(seed)
    theta = rng.beta(alpha, beta, n)
    lifetime = rng.geometric(theta)  # churns at the end of this period
    churned = lifetime <= periods
    return pd.DataFrame(
        {
            "customer_id": np.arange(1, n + 1),
            "tenure": np.where(churned, lifetime, periods).astype(float),
            "churned": churned,
        }
    )


def _purchase_times(
    rng: np.random.Generator,
    rate: np.ndarray,
    alive_until: np.ndarray,
    max_purchases: np.ndarray,
    horizon: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Poisson repeat purchases on ``(0, min(alive_until, horizon)]``, at most
    ``max_purchases`` of them: ``(owner, time)`` of each, sorted by owner then time."""
    n = len(rate)
    end = np.minimum(alive_until, horizon)
    total = rng.poisson(rate * end)
    owner = np.repeat(np.arange(n), total)
    times = rng.random(len(owner)) * end[owner]
    order = np.lexsort((times, owner))
    owner, times = owner[order], times[order]
    # keep each customer's first `max_purchases` arrivals (the later ones come after dropout)
    starts = np.concatenate([[0], np.cumsum(total)[:-1]])
    rank = np.arange(len(owner)) - np.repeat(starts, total)
    keep = rank < max_purchases[owner]
    return owner[keep], times[keep]


def _split_purchases(
    rng: np.random.Generator,
    rate: np.ndarray,
    alive_until: np.ndarray,
    max_purchases: np.ndarray,
    T: np.ndarray,
    holdout: float,
) -> pd.DataFrame:
    """Poisson repeat purchases on ``(0, min(alive_until, T + holdout)]``, at most
    ``max_purchases`` of them, split at ``T`` into calibration and holdout."""
    n = len(rate)
    owner, times = _purchase_times(rng, rate, alive_until, max_purchases, T + holdout)
    counts = np.bincount(owner, minlength=n).astype(float)
    in_cal = times <= T[owner]
    x_cal = np.bincount(owner, weights=in_cal, minlength=n)
    last = np.zeros(n)
    np.maximum.at(last, owner[in_cal], times[in_cal])
    x_hold = counts - x_cal
    return pd.DataFrame(
        {
            "customer_id": np.arange(1, n + 1),
            "frequency_cal": x_cal,
            "recency_cal": last,
            "T_cal": T,
            "frequency_holdout": x_hold.astype(float),
            "duration_holdout": np.full(n, float(holdout)),
        }
    )


def _lifetimes(
    model: str, rng: np.random.Generator, n: int, params: dict[str, float]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each customer's purchase rate, the time they stay alive until and the most repeat
    purchases they make, drawn from ``model``'s story."""
    lam = rng.gamma(params["r"], 1.0 / params["alpha"], n)
    unlimited = np.full(n, np.iinfo(np.int64).max // 4)
    if model in ("bg-nbd", "mbg-nbd"):
        p = rng.beta(params["a"], params["b"], n)
        # BG/NBD: the customer leaves right after the k-th repeat purchase (k >= 1);
        # MBG/NBD: also possibly right at the first purchase (k = 0)
        survived = rng.geometric(p) - (1 if model == "mbg-nbd" else 0)
        return lam, np.full(n, np.inf), survived
    if model == "pareto-nbd":
        mu = rng.gamma(params["s"], 1.0 / params["beta"], n)
        lifetime = rng.exponential(1.0 / mu)
        return lam, lifetime, unlimited
    raise DataValidationError(f"model must be one of bg-nbd, mbg-nbd, pareto-nbd, not {model!r}")


def simulate_calibration_holdout(
    model: str,
    n: int,
    params: dict[str, float],
    T: Any,
    holdout: float,
    *,
    seed: Seed = None,
) -> pd.DataFrame:
    """Customers followed through a calibration period and a holdout period (known truth).

    Parameters
    ----------
    model
        ``"bg-nbd"`` (``r, alpha, a, b``), ``"mbg-nbd"`` (same names) or ``"pareto-nbd"``
        (``r, alpha, s, beta``).
    n
        Number of customers.
    params
        The true parameters.
    T
        Length of each customer's calibration period (a number or one per customer).
    holdout
        Length of the holdout period that follows (the same for everyone).

    Returns
    -------
    pandas.DataFrame
        The shape of :func:`loyalloop.clv.calibration_and_holdout`: ``customer_id,
        frequency_cal, recency_cal, T_cal, frequency_holdout, duration_holdout`` (continuous
        times).
    """
    rng = _rng(seed)
    T_arr = _observation_times(T, n)
    if holdout <= 0:
        raise DataValidationError("holdout must be positive")
    lam, alive_until, max_purchases = _lifetimes(model, rng, n, params)
    return _split_purchases(rng, lam, alive_until, max_purchases, T_arr, holdout)


def simulate_transactions(
    model: str,
    n: int,
    params: dict[str, float],
    *,
    start: str,
    end: str,
    acquisition_weeks: float,
    seed: Seed = None,
    spend: tuple[float, float, float] = (6.0, 4.0, 15.0),
) -> pd.DataFrame:
    """Transactions of customers whose purchases follow ``model`` (known truth), in weeks.

    Customer *i* makes a first purchase at a uniform time in the first ``acquisition_weeks``
    weeks after ``start``; their repeat purchases follow ``model``'s story (as in
    :func:`simulate_calibration_holdout`, rates per week) up to the end of the day ``end``.

    Parameters
    ----------
    model, n, params
        As :func:`simulate_calibration_holdout`.
    start, end
        First and last day of the data (``YYYY-MM-DD``).
    acquisition_weeks
        Customers are acquired over this many weeks after ``start``.
    spend
        Gamma-Gamma ``(p, q, v)`` of the amounts: customer *i* spends ``Gamma(p, rate=nu_i)``
        per purchase, ``nu_i ~ Gamma(q, rate=v)`` (the default, near CDNOW's fit, means 30).

    Returns
    -------
    pandas.DataFrame
        ``transaction_id, customer_id, timestamp, amount`` (ids ``C00001`` … and ``T0000001``
        …), sorted by customer and time.
    """
    rng = _rng(seed)
    first_day, last_day = pd.Timestamp(start), pd.Timestamp(end)
    weeks = ((last_day - first_day).days + 1) / 7.0
    if not 0 < acquisition_weeks < weeks:
        raise DataValidationError("acquisition_weeks must be between 0 and the data's length")
    acquired = rng.uniform(0.0, acquisition_weeks, n)
    lam, alive_until, max_purchases = _lifetimes(model, rng, n, params)
    owner, times = _purchase_times(rng, lam, alive_until, max_purchases, weeks - acquired)
    who = np.concatenate([np.arange(n), owner])
    at = np.concatenate([acquired, acquired[owner] + times])
    order = np.lexsort((at, who))
    who, at = who[order], at[order]
    p, q, v = spend
    nu = rng.gamma(q, 1.0 / v, n)
    seconds = np.minimum(np.round(at * 7 * 86_400), weeks * 7 * 86_400 - 1)  # within `end`
    return pd.DataFrame(
        {
            "transaction_id": [f"T{i:07d}" for i in range(1, len(who) + 1)],
            "customer_id": [f"C{i + 1:05d}" for i in who],
            "timestamp": first_day + pd.to_timedelta(seconds, unit="s"),
            "amount": np.maximum(np.round(rng.gamma(p, 1.0 / nu[who]), 2), 0.01),
        }
    )
