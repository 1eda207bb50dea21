"""Seeded generator of a realistic sample data set with known truth.

:func:`generate` builds the input columns of the canonical tables ``customers``,
``transactions``, ``accounts`` and ``feedback`` (see :mod:`loyalloop.data.contracts`) for a
bank's credit-card unit (``business="card"``, the default) or a retailer's member programme
(``"retail"``), together with the latent truth every record was generated from, so models can
be checked against it.

Pipeline (each step has its own random stream spawned from ``seed``, so changing one step does
not reshuffle the others):

1. acquisition — customers join over ``years`` up to ``end`` in monthly cohorts (a growth
   trend and seasonality: Double 11, 618, Chinese New Year); the first purchase is the
   acquisition;
2. purchases — BG/NBD purchase-and-dropout process and Gamma-Gamma spend
   (:mod:`loyalloop.sample._process`, parameters in :mod:`loyalloop.sample._params`);
3. people — names, contact details, demographics, consent, duplicate records;
4. accounts — credit cards for ``card`` (no accounts for ``retail``: the table is empty);
5. feedback — surveys and free text following each customer's latent satisfaction, then
   app-store reviews of the company's app (:mod:`loyalloop.sample._app_reviews`, a stream of
   their own, after every other feedback row);
6. interactions — campaign e-mails and SMS to consenting customers, opens and clicks.

Time zone: all timestamps are naive local business time (e.g. Asia/Shanghai), matching how
ingest stores them.

Checking a CLV model against the truth
--------------------------------------
Use purchase rows only (``amount > 0``; refunds and zero-amount rows are extra rows outside
the process) and measure time in weeks from each customer's first purchase
(``truth.acquired_at``) to ``params["window_end"]``. ``truth.n_repeat`` is the number of repeat
purchases in continuous time; card customers often buy twice on one day, so a model fitted on
*daily* aggregates (as ``lifetimes.utils.summary_data_from_transaction_data`` does) sees a
lower frequency than the process generated and will estimate ``r / alpha`` low. Fit on
timestamps (or on hourly periods) to recover the parameters. For Gamma-Gamma use, as the
paper does, the mean of the *repeat* purchases (without the first one). Fitted this way,
``lifetimes`` recovers the stated parameters (``tests/sample/test_reference_fit.py``).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
from scipy import stats

from loyalloop.data.contracts import contract
from loyalloop.errors import ConfigError
from loyalloop.sample._accounts import make_accounts
from loyalloop.sample._app_reviews import make_app_reviews
from loyalloop.sample._campaign_truth import make_campaign_truth
from loyalloop.sample._duplicates import plant_identity_variations
from loyalloop.sample._feedback import (
    COMPETITOR_SATISFACTION,
    CSAT_MODEL,
    NPS_MODEL,
    OWN_BRAND_NAME,
    PRE_DROPOUT_DIP,
    PRE_DROPOUT_WEEKS,
    expected_comments,
    make_feedback,
)
from loyalloop.sample._interactions import make_interactions
from loyalloop.sample._params import (
    BUSINESSES,
    Business,
    PopulationParams,
    catalogue,
    population,
)
from loyalloop.sample._people import make_people
from loyalloop.sample._phrases import ASPECTS as FEEDBACK_ASPECTS
from loyalloop.sample._phrases import DRIFT as FEEDBACK_DRIFT
from loyalloop.sample._process import (
    DAY,
    KIND_PURCHASE,
    WEEK,
    ProcessDraw,
    draw_customers,
    simulate_transactions,
    time_of_day,
)

__all__ = ["DUPLICATE_SHARE", "MAX_CUSTOMERS", "SampleData", "generate"]

log = logging.getLogger(__name__)

#: Share of customer records that are a second record of an already known person.
DUPLICATE_SHARE = 0.015
#: Upper bound on ``customers``. Memory grows with it: about 8 GB per million card customers
#: (70 transactions each), about 1.7 GB per million retail customers (6 each), 3.5 GB per
#: million card customers with ``transactions`` = 10 per customer (everything is generated in
#: memory, then written; not in chunks).
MAX_CUSTOMERS = 10_000_000

_SEASON: dict[Business, tuple[float, ...]] = {
    # Jan … Dec acquisition weight
    "card": (0.9, 0.75, 1.1, 1.05, 1.0, 1.0, 0.95, 0.95, 1.1, 1.0, 1.15, 1.1),
    "retail": (1.15, 0.8, 0.95, 0.95, 1.0, 1.3, 0.9, 0.9, 0.95, 1.0, 1.5, 1.1),
}
_TIER_SEGMENTS: dict[Business, tuple[str, str, str]] = {
    "card": ("mass", "affluent", "premium"),
    "retail": ("regular", "silver", "gold"),
}


@dataclass(frozen=True)
class SampleData:
    """A generated data set and its truth.

    Attributes
    ----------
    customers, transactions, accounts, feedback, interactions
        The input columns of the canonical tables, in contract order. Timestamps are
        ``datetime64`` (naive, local business time); consent columns are nullable
        ``boolean`` (missing = unknown); ``birth_date`` is a ``datetime64`` at midnight.
        In ``transactions`` the low-cardinality columns ``currency``, ``channel`` and
        ``category`` are pandas ``Categorical`` of strings to keep millions of rows small.
        ``accounts`` is empty for ``business="retail"``. In ``feedback``, ``language`` is
        ``zh``, ``en`` or ``mixed`` (Chinese with English clauses), empty when the source did
        not say; ``brand`` is ``own``, a competitor's name, or empty (= own). The last rows
        are app-store reviews (``channel = "app_review"``, no ``customer_id``, the store's
        stars as ``score_type = "rating"``; :mod:`loyalloop.sample._app_reviews`).
        ``interactions`` holds quarterly e-mail / SMS campaign touches (sent, opened,
        clicked), only to customers who consented to the channel.
    truth
        One row per customer record: the latent parameters ``lambda`` (purchase rate per week),
        ``p`` (dropout probability per repeat purchase), ``nu`` (Gamma-Gamma rate;
        ``expected_amount = params["p"] / nu``), the outcome of the process
        (``n_repeat`` purchases after the first, ``churned``, ``dropout_at``),
        ``satisfaction`` and who is the same person (``person_id``, ``duplicate_of``).
    feedback_truth
        One row per (feedback_id, aspect) of every comment with text: the ``sentiment``
        (``positive`` / ``negative`` / ``neutral``) and language of the clause it was built
        from, plus the comment's true ``language``, the author's ``latent_satisfaction`` and
        the comment's ``timestamp``.
    feedback_comment_truth
        One row per comment: its main ``intent`` (cancel, complaint, question, praise, none),
        the effort it describes (``repeat_contact``, ``transferred``), the kind of personal
        data pasted into it (``pii``: phone, card, id, email or empty), the ``staff`` number or
        name and the ``branch`` it names, and its ``driver_effect`` on the survey score.
    params
        The true population parameters (``time_unit`` = ``"week"``): BG/NBD ``r``, ``alpha``,
        ``a``, ``b``; Gamma-Gamma ``p``, ``q``, ``gamma``; and the satisfaction, NPS and CSAT
        models, competitor names and the generation arguments.
    campaign_truth
        One row per customer record: how the customer would respond to each campaign
        treatment (:mod:`loyalloop.sample._campaign_truth`).
    """

    customers: pd.DataFrame
    transactions: pd.DataFrame
    accounts: pd.DataFrame
    feedback: pd.DataFrame
    interactions: pd.DataFrame
    truth: pd.DataFrame
    feedback_truth: pd.DataFrame
    params: dict[str, Any] = field(default_factory=dict)
    feedback_comment_truth: pd.DataFrame = field(default_factory=pd.DataFrame)
    campaign_truth: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def business(self) -> str:
        """``card`` or ``retail``."""
        return str(self.params["business"])

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The canonical tables by name (``accounts`` omitted for retail)."""
        out = {
            "customers": self.customers,
            "transactions": self.transactions,
            "accounts": self.accounts,
            "feedback": self.feedback,
            "interactions": self.interactions,
        }
        if self.business != "card":
            del out["accounts"]
        return out


def _ts(seconds: npt.NDArray[np.int64]) -> npt.NDArray[np.datetime64]:
    """Seconds since the epoch (-1 = missing) to ``datetime64[ns]`` with NaT."""
    out = (seconds * 1_000_000_000).view("datetime64[ns]")
    missing = seconds < 0
    if missing.any():
        out[missing] = np.datetime64("NaT")
    return out


def _masked(values: npt.NDArray[Any], keep: npt.NDArray[np.bool_]) -> npt.NDArray[np.object_]:
    """Object array of ``values`` with None where ``keep`` is false."""
    out = values.astype(object)
    out[~keep] = None
    return out


_DIGITS4 = np.frombuffer("".join(f"{i:04d}" for i in range(10_000)).encode(), np.uint32)


def _id_chars(prefix: str, numbers: npt.NDArray[np.int64], width: int) -> npt.NDArray[np.uint8]:
    """``(n, len(prefix) + width)`` ASCII matrix of ``prefix`` + zero-padded ``numbers``."""
    if len(numbers) and int(numbers.max()) >= 10**width:
        raise ConfigError(f"id numbers do not fit in {width} digits")
    head = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    size = len(head) + width
    chars = np.empty((len(numbers), size), dtype=np.uint8)
    chars[:, : len(head)] = head
    rest = numbers.astype(np.int64)
    end = size
    while end > len(head):  # four digits at a time from a lookup table
        start = max(len(head), end - 4)
        chunk = _DIGITS4[rest % 10_000].view(np.uint8).reshape(-1, 4)
        chars[:, start:end] = chunk[:, 4 - (end - start) :]
        rest //= 10_000
        end = start
    return chars


def _arrow_ids(chars: npt.NDArray[np.uint8]) -> pa.Array:
    """Arrow strings from a fixed-width ASCII matrix, without per-row Python."""
    n, size = chars.shape
    offsets = np.arange(n + 1, dtype=np.int64) * size
    return pa.LargeStringArray.from_buffers(
        n, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(chars).reshape(-1))
    )


def _ids(prefix: str, n: int, width: int) -> pa.Array:
    """Ids ``prefix`` + 1 … n zero-padded to ``width`` digits."""
    return _arrow_ids(_id_chars(prefix, np.arange(1, n + 1, dtype=np.int64), width))


def _take_rows(chars: npt.NDArray[np.uint8], index: npt.NDArray[np.int64]) -> npt.NDArray[np.uint8]:
    """Rows ``index`` of a fixed-width character matrix (one gather of whole rows)."""
    size = chars.shape[1]
    rows = np.ascontiguousarray(chars).view(np.dtype((np.void, size))).reshape(-1)
    return rows[index].view(np.uint8).reshape(-1, size)


def _str_series(values: pa.Array | pa.ChunkedArray) -> pd.Series:
    return pd.Series(pd.array(values, dtype=pd.StringDtype("pyarrow", na_value=np.nan)))


def _check_args(customers: int, seed: int, business: str, end: date, years: float) -> None:
    if isinstance(customers, bool) or not isinstance(customers, int | np.integer):
        raise ConfigError(f"customers must be an integer, got {customers!r}")
    if not 1 <= customers <= MAX_CUSTOMERS:
        raise ConfigError(f"customers must be between 1 and {MAX_CUSTOMERS:,}, got {customers}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ConfigError(f"seed must be a non-negative integer, got {seed!r}")
    if business not in BUSINESSES:
        raise ConfigError(f"business must be one of {', '.join(BUSINESSES)}; got {business!r}")
    if not isinstance(end, date):
        raise ConfigError(f"end must be a datetime.date, got {end!r}")
    if not (isinstance(years, int | float) and math.isfinite(years) and 0.25 <= years <= 20):
        raise ConfigError(f"years must be between 0.25 and 20, got {years!r}")


def _acquisitions(
    rng: np.random.Generator, n: int, business: Business, start_ts: int, end_ts: int
) -> npt.NDArray[np.int64]:
    """Acquisition times: monthly cohorts with growth and seasonality, sorted."""
    start_m = np.datetime64(start_ts, "s").astype("datetime64[M]")
    end_m = np.datetime64(end_ts - 1, "s").astype("datetime64[M]")
    months = np.arange(start_m, end_m + 1)
    m_lo = np.maximum(months.astype("datetime64[s]").astype(np.int64), start_ts)
    m_hi = np.minimum((months + 1).astype("datetime64[s]").astype(np.int64), end_ts)
    x = np.linspace(0.0, 1.0, len(months))
    season = np.asarray(_SEASON[business])[months.astype(np.int64) % 12]
    weight = (1.0 + 0.8 * x) * season * (m_hi - m_lo)
    month = rng.choice(len(months), size=n, p=weight / weight.sum())
    day = m_lo[month] + ((m_hi[month] - m_lo[month]) * rng.random(n)).astype(np.int64)
    day -= day % DAY
    t0 = day + time_of_day(rng, n, catalogue(business).hour_weights)
    return np.sort(np.clip(t0, start_ts, end_ts - 1))


#: Customers (evenly spaced) on which the rate factor is solved: the target is "about" a count.
_SCALE_SUBSAMPLE = 50_000


def _rate_scale(
    draw: ProcessDraw,
    t0: npt.NDArray[np.int64],
    end_ts: int,
    params: PopulationParams,
    extra_share: float,
    target: int,
) -> float:
    """Factor ``s`` on every ``lambda`` (and ``1 / s`` on the dropout odds) for ``target`` rows.

    Fewer purchases per week with the same dropout probability per purchase would also mean
    far fewer dropouts, so ``p`` moves with ``s``: ``p ~ Beta(a, b)`` becomes the same quantile
    of ``Beta(a, b s)`` (for small ``p`` about ``p / s``), which keeps the dropout hazard per
    week ``lambda p`` and the churn share about as in the default business.

    Per customer the process makes ``1 + min(N, J)`` purchases with ``N ~ Poisson(lambda T)``
    and ``J ~ Geometric(p)``; ``E[min(N, J)] = (1 - exp(-lambda T p)) / p``. Refund and
    zero-amount rows add ``extra_share`` of the purchases. Solved by bisection on ``log s``
    over at most :data:`_SCALE_SUBSAMPLE` evenly spaced customers.
    """
    n = len(t0)
    floor = n * (1.0 + extra_share)
    if target <= floor * 1.001:
        raise ConfigError(
            f"transactions={target:,} is too few for {n:,} customers: each makes a first "
            f"purchase, so at least about {math.ceil(floor * 1.001):,} rows"
        )
    pick = np.linspace(0, n - 1, min(n, _SCALE_SUBSAMPLE)).astype(np.int64)
    lam_t = draw.lam[pick] * (end_ts - t0[pick]) / WEEK
    u = stats.beta.cdf(draw.p[pick], params.a, params.b)
    per_row = target / n

    def expected(log_scale: float) -> float:
        scale = math.exp(log_scale)
        p = _scaled_p(u, params, scale)
        return float(np.mean(1.0 + -np.expm1(-scale * lam_t * p) / p)) * (1.0 + extra_share)

    lo, hi = -12.0, 4.0
    if expected(hi) < per_row:
        raise ConfigError(f"transactions={target:,} is more than this sample can make")
    for _ in range(40):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if expected(mid) < per_row else (lo, mid)
    return math.exp((lo + hi) / 2)


def _scaled_p(
    quantile: npt.NDArray[np.float64], params: PopulationParams, scale: float
) -> npt.NDArray[np.float64]:
    """Dropout probabilities at the same quantile of ``Beta(a, b * scale)``."""
    return np.clip(stats.beta.ppf(quantile, params.a, params.b * scale), 1e-12, 1.0)


def _duplicates(rng: np.random.Generator, n: int) -> npt.NDArray[np.int64]:
    """For each record, the earlier record of the same person it duplicates, or -1."""
    original = np.full(n, -1, dtype=np.int64)
    n_dup = round(DUPLICATE_SHARE * n)
    lo = max(1, n // 20)
    if n_dup == 0 or n - lo < n_dup:
        return original
    dup = np.sort(rng.choice(np.arange(lo, n), size=n_dup, replace=False))
    is_dup = np.zeros(n, dtype=bool)
    is_dup[dup] = True
    nondup = np.flatnonzero(~is_dup)
    count_before = np.searchsorted(nondup, dup)  # >= 1 because record 0 is never a duplicate
    original[dup] = nondup[(rng.random(n_dup) * count_before).astype(np.int64)]
    return original


def generate(
    customers: int = 10_000,
    seed: int = 0,
    business: Literal["card", "retail"] = "card",
    end: date = date(2026, 6, 30),
    years: float = 2.5,
    transactions: int | None = None,
    comments: int | None = None,
) -> SampleData:
    """Generate a sample data set with known truth.

    Parameters
    ----------
    customers
        Number of customer records (including about 1.5 % duplicate records of the same
        person). Generation is vectorised: 10,000 card customers (about 700,000
        transactions) take about a second; a million (about 70 million transactions) about
        a minute and 8 GB of memory on a 2-core machine (writing them: another 30 s).
        A million with ``transactions=10_000_000, comments=200_000``: about 60 s of CPU and
        3.5 GB.
    seed
        Seed of all randomness; the same arguments give identical output.
    business
        ``"card"`` — a bank's credit-card unit (frequent card purchases, card accounts);
        ``"retail"`` — a retailer's member programme (fewer, larger baskets, no accounts).
    end
        Last day of the data (inclusive); the window ends at midnight after it.
    years
        Length of the window in years; customers are acquired throughout it.
    transactions
        About how many transaction rows to make (None: as many as the business's process
        gives, about 69 per card customer over 2.5 years). Every customer's purchase rate
        ``lambda`` is multiplied by one factor ``s`` solved so that the expected count equals
        the target, and the dropout probability per purchase moves to the same quantile of
        ``Beta(a, b s)`` so that about as many customers leave; the truth stays a BG/NBD
        process with ``alpha / s`` and ``b s`` (``params["alpha"]``, ``params["b"]``,
        ``params["rate_scale"]``). At least ~1.01 per customer (every customer makes a first
        purchase). The issue's 1M run: ``transactions=10_000_000``.
    comments
        About how many comments (feedback rows with text) to make (None: the business's
        rates, about 0.5 per card customer). Every feedback rate is multiplied by one
        factor (``params["feedback_volume"]``), between 0 and 4 times the default. The factor
        is solved on the other comments; the app-store reviews (0.02 per customer record times
        the factor) come on top, so that adding them changed no other row.

    Returns
    -------
    SampleData
        Canonical tables, per-customer truth, per-comment truth and true parameters.

    Raises
    ------
    ConfigError
        If an argument is out of range.

    Examples
    --------
    >>> sample = generate(customers=200, seed=1)
    >>> sorted(sample.tables)
    ['accounts', 'customers', 'feedback', 'interactions', 'transactions']
    >>> sample.params["time_unit"]
    'week'
    """
    _check_args(customers, seed, business, end, years)
    for name, target in (("transactions", transactions), ("comments", comments)):
        if target is not None and (
            isinstance(target, bool) or not isinstance(target, int | np.integer) or target < 1
        ):
            raise ConfigError(f"{name} must be a positive integer or None, got {target!r}")
    started = time.perf_counter()
    n = int(customers)
    biz: Business = business
    params, cat = population(biz), catalogue(biz)
    # children are fixed by their index: a ninth stream (the comments' text) left the first
    # eight unchanged, a tenth (the app-store reviews) the first nine
    streams = np.random.SeedSequence(int(seed)).spawn(10)
    rng_acq, rng_proc, rng_people, rng_acc, rng_fb, rng_int, rng_camp, rng_ident, rng_text = (
        np.random.default_rng(s) for s in streams[:9]
    )
    rng_app = np.random.default_rng(streams[9])
    end_ts = int(np.datetime64(end, "D").astype("datetime64[s]").astype(np.int64)) + DAY
    start_ts = end_ts - round(years * 365.25) * DAY

    t0 = _acquisitions(rng_acq, n, biz, start_ts, end_ts)
    original = _duplicates(rng_acq, n)
    draw = draw_customers(rng_proc, n, params, cat)
    rate_scale = 1.0
    if transactions is not None:
        rate_scale = _rate_scale(
            draw, t0, end_ts, params, cat.refund_share + cat.zero_share, int(transactions)
        )
        quantile = stats.beta.cdf(draw.p, params.a, params.b)
        draw = ProcessDraw(
            lam=draw.lam * rate_scale,
            p=_scaled_p(quantile, params, rate_scale),
            nu=draw.nu,
            digital=draw.digital,
        )
        params = replace(params, alpha=params.alpha / rate_scale, b=params.b * rate_scale)
    tx = simulate_transactions(rng_proc, draw, params, cat, t0, end_ts)
    log.debug("simulated %d transactions in %.1fs", len(tx.ts), time.perf_counter() - started)

    tenure_years = (end_ts - t0) / (365.25 * DAY)
    people = make_people(rng_people, biz, original, tenure_years)
    width = max(7, len(str(n)))
    cid_chars = _id_chars("C", np.arange(1, n + 1, dtype=np.int64), width)
    cid = np.asarray(_arrow_ids(cid_chars).to_pylist(), dtype=object)

    # relationship start: card issued a few days before its first use; retail sign-up at or
    # before the first purchase
    u = rng_people.random(n)
    if biz == "card":
        lag = np.where(u < 0.3, 0, rng_people.integers(3600, 10 * DAY, n))
    else:
        early = rng_people.integers(DAY, 60 * DAY, n)
        lag = np.where(u < 0.8, rng_people.integers(0, 600, n), early)
    created = t0 - lag
    # spend tier drives segment and card product
    expected_amount = params.p / draw.nu
    score = np.log(expected_amount) + rng_people.normal(0, 0.35, n)
    rank = np.argsort(np.argsort(score)) / max(n - 1, 1)
    tier = np.where(rank >= 0.93, 2, np.where(rank >= 0.70, 1, 0)).astype(np.int64)
    age = people.age_at_end
    segment = np.asarray(_TIER_SEGMENTS[biz], dtype=object)[tier]
    if biz == "card":
        segment[(tier == 0) & (age - tenure_years < 26)] = "young"
    segment[rng_people.random(n) < 0.01] = None
    birth = np.datetime64(end, "D") - np.floor(age * 365.25).astype("timedelta64[D]")
    birth_ns = birth.astype("datetime64[ns]")
    birth_ns[rng_people.random(n) < (0.01 if biz == "card" else 0.25)] = np.datetime64("NaT")
    birth_ns[original >= 0] = birth_ns[original[original >= 0]]

    p_frame = people.frame
    customers_df = pd.DataFrame(
        {
            "customer_id": cid,
            "created_at": _ts(created),
            "name": p_frame["name"],
            "email": p_frame["email"],
            "phone": p_frame["phone"],
            "birth_date": birth_ns,
            "gender": p_frame["gender"],
            "city": p_frame["city"],
            "segment": segment,
            "consent_email": p_frame["consent_email"],
            "consent_sms": p_frame["consent_sms"],
            "consent_phone": p_frame["consent_phone"],
        }
    )
    # addresses, realistic second records of a person, look-alike households
    planted = plant_identity_variations(rng_ident, customers_df, original, people.is_english)
    customers_df = planted.customers

    m = len(tx.ts)
    transactions_df = pd.DataFrame(
        {
            "transaction_id": _str_series(_ids("T", m, max(9, len(str(m))))),
            "customer_id": _str_series(_arrow_ids(_take_rows(cid_chars, tx.customer))),
            "timestamp": _ts(tx.ts),
            "amount": tx.amount,
            "currency": pd.Categorical.from_codes(np.zeros(m, dtype=np.int8), pd.Index(["CNY"])),
            "channel": pd.Categorical.from_codes(tx.channel, pd.Index(list(tx.channel_names))),
            "category": pd.Categorical.from_codes(tx.category, pd.Index(list(tx.category_names))),
        },
        copy=False,
    )

    # latent satisfaction: Gaussian copula with the dropout probability
    z = stats.norm.ppf(np.clip(stats.beta.cdf(draw.p, params.a, params.b), 1e-9, 1 - 1e-9))
    satisfaction = -0.6 * z + 0.8 * rng_fb.normal(0, 1, n)

    if biz == "card":
        acc = make_accounts(rng_acc, cid, created, tier, tx.dropout_ts, end_ts)
        acc["opened_at"] = _ts(acc["opened_at"].to_numpy())
        acc["closed_at"] = _ts(acc["closed_at"].to_numpy())
        accounts_df = acc
    else:
        accounts_df = pd.DataFrame(
            {
                "account_id": pd.Series([], dtype=object),
                "customer_id": pd.Series([], dtype=object),
                "product": pd.Series([], dtype=object),
                "opened_at": pd.Series([], dtype="datetime64[ns]"),
                "closed_at": pd.Series([], dtype="datetime64[ns]"),
                "credit_limit": pd.Series([], dtype="float64"),
            }
        )

    volume = 1.0
    if comments is not None:
        volume = comments / expected_comments(t0, tx.dropout_ts, end_ts)
        if not 0.0 < volume <= 4.0:
            raise ConfigError(
                f"comments={comments:,} is {volume:.2f} times the business's feedback rate "
                f"for these customers; between 0 and 4 times is supported"
            )
    fb = make_feedback(
        rng_fb,
        biz,
        cat,
        satisfaction,
        t0,
        tx.dropout_ts,
        people.is_english,
        start_ts,
        end_ts,
        volume=volume,
        text_rng=rng_text,
    )
    f = fb.frame
    # app-store reviews of the company's app: their own stream, after every other row
    app = make_app_reviews(rng_app, biz, n, start_ts, end_ts, volume)
    n_fb = len(f) + len(app)
    fid = np.asarray(_ids("F", n_fb, max(8, len(str(n_fb)))).to_pylist(), dtype=object)
    app_id = fid[len(f) :]
    fid = fid[: len(f)]
    fcust = f["customer"].to_numpy()
    feedback_df = pd.DataFrame(
        {
            "feedback_id": fid,
            "customer_id": _masked(cid[np.maximum(fcust, 0)], fcust >= 0),
            "timestamp": _ts(f["ts"].to_numpy()),
            "channel": f["channel"],
            "brand": f["brand"],
            "score_type": f["score_type"],
            "score": f["score"],
            "text": f["text"],
            "language": f["language"],
        }
    )
    app_ts = _ts(app["ts"].to_numpy())
    app_df = pd.DataFrame(
        {
            "feedback_id": app_id,
            "customer_id": np.full(len(app), None, dtype=object),  # the store does not say
            "timestamp": app_ts,
            "channel": np.full(len(app), "app_review", dtype=object),
            "brand": np.full(len(app), cat.own_brand, dtype=object),
            "score_type": np.full(len(app), "rating", dtype=object),
            "score": app["stars"].to_numpy(),
            "text": app["text"].to_numpy(),
            "language": app["language"].to_numpy(),
        }
    )
    feedback_df = _appended(feedback_df, app_df)
    feedback_truth = pd.DataFrame(
        {
            "feedback_id": fid[fb.truth["row"].to_numpy()],
            "aspect": fb.truth["aspect"],
            "sentiment": fb.truth["sentiment"],
            "clause_language": fb.truth["clause_language"],
            "language": f["true_language"].to_numpy()[fb.truth["row"].to_numpy()],
            "latent_satisfaction": f["latent_satisfaction"].to_numpy()[fb.truth["row"].to_numpy()],
            "timestamp": _ts(f["ts"].to_numpy()[fb.truth["row"].to_numpy()]),
        }
    )
    app_truth = pd.DataFrame(
        {
            "feedback_id": app_id,
            "aspect": "app_online",
            "sentiment": app["sentiment"].to_numpy(),
            "clause_language": app["language"].to_numpy(),
            "language": app["language"].to_numpy(),
            "latent_satisfaction": app["latent_satisfaction"].to_numpy(),
            "timestamp": app_ts,
        }
    )
    feedback_truth = _appended(feedback_truth, app_truth)
    ct = fb.comment_truth
    feedback_comment_truth = pd.DataFrame(
        {"feedback_id": fid[ct["row"].to_numpy()], **{c: ct[c] for c in ct.columns if c != "row"}}
    )
    app_ct = pd.DataFrame(
        {
            "feedback_id": app_id,
            "intent": np.where(app["sentiment"] == "positive", "praise", "complaint"),
            "repeat_contact": False,
            "transferred": False,
            "pii": "",
            "staff": "",
            "branch": "",
            "driver_effect": 0.0,
        }
    )
    feedback_comment_truth = _appended(feedback_comment_truth, app_ct)

    touches = make_interactions(
        rng_int,
        t0,
        tx.dropout_ts,
        satisfaction,
        p_frame["consent_email"].fillna(False).to_numpy(dtype=bool),
        p_frame["consent_sms"].fillna(False).to_numpy(dtype=bool),
        start_ts,
        end_ts,
    )
    interactions_df = pd.DataFrame(
        {
            "customer_id": cid[touches["customer"].to_numpy()],
            "timestamp": _ts(touches["ts"].to_numpy()),
            "channel": touches["channel"],
            "kind": touches["kind"],
            "campaign_id": touches["campaign_id"],
        }
    )

    person_id = cid[people.person]
    truth = pd.DataFrame(
        {
            "customer_id": cid,
            "person_id": person_id,
            "duplicate_of": _masked(person_id, original >= 0),
            "duplicate_variation": planted.duplicate_variation,
            "household_of": planted.household_of,
            "acquired_at": _ts(t0),
            "lambda": draw.lam,
            "p": draw.p,
            "nu": draw.nu,
            "expected_amount": expected_amount,
            "n_repeat": tx.n_repeat,
            "last_purchase_at": _ts(tx.last_purchase_ts),
            "churned": tx.churned,
            "dropout_at": _ts(tx.dropout_ts),
            "satisfaction": satisfaction,
            "digital_propensity": draw.digital,
            "tier": tier,
            "language": np.where(people.is_english, "en", "zh"),
        }
    )

    campaign_truth = make_campaign_truth(
        rng_camp,
        customer_id=cid,
        lam=draw.lam,
        expected_amount=expected_amount,
        satisfaction=satisfaction,
        tier=tier,
        dropout_ts=tx.dropout_ts,
        end_ts=end_ts,
        **_complaints(feedback_df, feedback_truth, cid),
    )

    param_dict: dict[str, Any] = {
        "business": biz,
        **params.as_dict(),
        "model": "BG/NBD (Fader, Hardie & Lee 2005) + Gamma-Gamma spend (Fader, Hardie & Lee "
        "2005); lambda ~ Gamma(r, rate=alpha) per week, p ~ Beta(a, b), "
        "nu ~ Gamma(q, rate=gamma), amount ~ Gamma(p, rate=nu)",
        "customers": n,
        "seed": int(seed),
        "window_start": str(np.datetime64(start_ts, "s")).replace("T", " "),
        "window_end": str(np.datetime64(end_ts, "s")).replace("T", " "),
        "end": end.isoformat(),
        "years": float(years),
        "duplicate_share": DUPLICATE_SHARE,
        "satisfaction_model": "s = -0.6 * Phi^-1(F_Beta(p; a, b)) + 0.8 * N(0, 1); "
        f"minus {PRE_DROPOUT_DIP} within {PRE_DROPOUT_WEEKS} weeks before dropout",
        "nps_model": dict(NPS_MODEL),
        "feedback_aspects": {
            a: {"bias": v[0], "frequency": v[1], "driver_weight": v[2]}
            for a, v in FEEDBACK_ASPECTS[biz].items()
        },
        "aspect_drift": dict(FEEDBACK_DRIFT[biz]),
        "csat_model": dict(CSAT_MODEL),
        "own_brand_name": OWN_BRAND_NAME[biz],
        "competitors": dict(zip(cat.competitors, COMPETITOR_SATISFACTION, strict=True)),
        "refund_share": cat.refund_share,
        "transaction_kinds": "purchase rows are the process; refunds and zero rows are extra",
    }
    if transactions is not None:
        param_dict["rate_scale"] = rate_scale
        param_dict["transactions_target"] = int(transactions)
    if comments is not None:
        param_dict["feedback_volume"] = volume
        param_dict["comments_target"] = int(comments)
    n_purchase = int((tx.kind == KIND_PURCHASE).sum())
    log.info(
        "generated %s sample: %d customers, %d transactions (%d purchases), %d feedback in %.1fs",
        biz,
        n,
        m,
        n_purchase,
        len(feedback_df),
        time.perf_counter() - started,
    )
    # columns in contract order (fail loudly if the contract moved)
    tables = {
        "customers": customers_df,
        "transactions": transactions_df,
        "accounts": accounts_df,
        "feedback": feedback_df,
        "interactions": interactions_df,
    }
    for name, df in tables.items():
        expected = [c.name for c in contract(name).input_columns]
        if list(df.columns) != expected:  # pragma: no cover - guards against contract drift
            raise ConfigError(f"sample table {name} has columns {list(df.columns)}, not {expected}")
    return SampleData(
        customers=tables["customers"],
        transactions=tables["transactions"],
        accounts=tables["accounts"],
        feedback=tables["feedback"],
        interactions=tables["interactions"],
        truth=truth,
        feedback_truth=feedback_truth,
        params=param_dict,
        feedback_comment_truth=feedback_comment_truth,
        campaign_truth=campaign_truth,
    )


def _appended(frame: pd.DataFrame, extra: pd.DataFrame) -> pd.DataFrame:
    """``extra``'s rows after ``frame``'s, in ``frame``'s columns and dtypes (the rows of
    ``frame`` are as they were)."""
    if extra.empty:
        return frame
    out = pd.concat([frame, extra[frame.columns]], ignore_index=True)
    return out.astype(frame.dtypes.to_dict())


def _complaints(
    feedback: pd.DataFrame, feedback_truth: pd.DataFrame, cid: npt.NDArray[np.object_]
) -> dict[str, npt.NDArray[np.bool_]]:
    """Which customers truly complained (negative clause, own brand) about the annual fee /
    about points, for the campaign-response truth."""
    own = feedback["brand"].isna() | feedback["brand"].isin(["", "own"])
    fb = feedback.loc[own & feedback["customer_id"].notna(), ["feedback_id", "customer_id"]]
    neg = feedback_truth.loc[feedback_truth["sentiment"] == "negative", ["feedback_id", "aspect"]]
    j = neg.merge(fb, on="feedback_id")
    ids = pd.Index(cid)
    out = {}
    for key, aspects in (
        ("complained_fee", ("annual_fee",)),
        ("complained_points", ("rewards_points",)),
    ):
        who = j.loc[j["aspect"].isin(aspects), "customer_id"].unique()
        out[key] = ids.isin(who)
    return out
