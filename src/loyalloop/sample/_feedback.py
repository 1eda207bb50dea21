"""Feedback: survey answers, reviews, social posts, call / chat / e-mail notes.

Latent satisfaction
-------------------
Each customer has a latent satisfaction ``s`` (about standard normal), tied to the dropout
process by a Gaussian copula: ``s = -0.6 z + 0.8 e`` with ``z = Phi^-1(F_Beta(p))``, so
customers likely to drop out are less satisfied. Close to a dropout (12 weeks before) the
customer is a further 0.6 less satisfied. Scores follow ``s``:

* NPS (0–10): ``round(8.0 + 1.8 s + 0.6 e + N(0, 1.1))`` clipped — clearly lower among
  customers who leave;
* CSAT (1–5): ``round(4.0 + 0.8 s + 0.25 e + N(0, 0.55))`` clipped,

where ``e`` (0 for answers without a comment) is the comment's **driver effect**: the sum over
the aspects it mentions of the aspect's driver weight (:data:`~._phrases.ASPECTS`) times +1 for
a positive and −1 for a negative experience. So the aspects move the scores with known weights
— the truth a key-driver analysis should recover (annual fee weighs most on a card business).

Comments are built by :func:`loyalloop.sample._text.compose_comments` from the same ``s``. The
satisfaction with one aspect drifts (:data:`~._phrases.DRIFT`: the card app, the shop's
delivery get worse over the last nine months), so trend alerts have a truth to find.
Competitor posts use a satisfaction ``N(mu_brand, 1)`` with the brand means in
:data:`COMPETITOR_SATISFACTION` (the truth for a competitor benchmark); anonymous posts about
the own brand use ``N(0, 1)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from loyalloop.sample._params import Business, Catalogue
from loyalloop.sample._phrases import DRIFT
from loyalloop.sample._process import DAY, WEEK
from loyalloop.sample._text import compose_comments

__all__ = [
    "COMPETITOR_SATISFACTION",
    "OWN_BRAND_NAME",
    "Feedback",
    "expected_comments",
    "make_feedback",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: Display name of the sample business (used inside comment texts; column brand says 'own').
OWN_BRAND_NAME: dict[Business, str] = {"card": "安和银行", "retail": "优选生活"}
#: Mean latent satisfaction of the people posting about each competitor (own brand: 0).
COMPETITOR_SATISFACTION: tuple[float, ...] = (0.35, -0.45, 0.1)

NPS_MODEL = {"intercept": 8.0, "slope": 1.8, "driver_slope": 0.6, "noise_sd": 1.1}
CSAT_MODEL = {"intercept": 4.0, "slope": 0.8, "driver_slope": 0.25, "noise_sd": 0.55}
#: Length of a month in the drift model.
MONTH = 30.4375 * DAY
PRE_DROPOUT_DIP = 0.6
PRE_DROPOUT_WEEKS = 12


@dataclass(frozen=True)
class Feedback:
    """The feedback table (timestamps as seconds, customer as index or -1) and its truth."""

    frame: pd.DataFrame
    truth: pd.DataFrame  # feedback row index, aspect, sentiment, clause language
    comment_truth: pd.DataFrame  # feedback row index, intent, effort, pii, staff, branch


def _languages(rng: np.random.Generator, english: npt.NDArray[np.bool_]) -> np.ndarray:
    u = rng.random(len(english))
    zh = np.where(u < 0.80, "zh", np.where(u < 0.89, "mixed", "en"))
    en = np.where(u < 0.80, "en", np.where(u < 0.90, "mixed", "zh"))
    return np.where(english, en, zh).astype(object)


def _effective(s: FloatArray, ts: IntArray, dropout: IntArray) -> FloatArray:
    near = (dropout >= 0) & (ts > dropout - PRE_DROPOUT_WEEKS * WEEK)
    return s - PRE_DROPOUT_DIP * near


def _hourly(rng: np.random.Generator, ts: IntArray, lo: int, hi: int) -> IntArray:
    return ts - ts % DAY + rng.integers(lo * 3600, hi * 3600, len(ts))


def make_feedback(
    rng: np.random.Generator,
    business: Business,
    cat: Catalogue,
    satisfaction: FloatArray,
    t0: IntArray,
    dropout_ts: IntArray,
    english: npt.NDArray[np.bool_],
    start_ts: int,
    end_ts: int,
    volume: float = 1.0,
    *,
    text_rng: np.random.Generator,
) -> Feedback:
    """Generate all feedback rows; see the module docstring for the model.

    ``volume`` multiplies every rate (surveys, contacts, calls around a dropout, anonymous
    posts); 1.0 is the default business. A multiplication by 1.0 is exact, so the default
    output does not change. ``text_rng`` is the comments' own stream
    (:func:`~loyalloop.sample._text.compose_comments`).
    """
    if not 0.0 < volume <= 4.0:
        raise ValueError(f"feedback volume must be in (0, 4], got {volume}")
    n = len(t0)
    tenure_years = (end_ts - t0) / (365.25 * DAY)
    active_until = np.where(dropout_ts >= 0, np.minimum(dropout_ts + 2 * WEEK, end_ts), end_ts)
    frames: list[dict[str, np.ndarray]] = []

    # 1. surveys (relationship NPS, transactional CSAT), about 0.3 answers per customer-year
    k = rng.poisson(0.3 * volume * tenure_years)
    cust = np.repeat(np.arange(n), k)
    lo = t0[cust] + 7 * DAY
    hi = active_until[cust]
    ok = hi > lo
    cust, lo, hi = cust[ok], lo[ok], hi[ok]
    ts = np.minimum(_hourly(rng, lo + ((hi - lo) * rng.random(len(cust))).astype(np.int64), 8, 23),
                    end_ts - 1)  # fmt: skip
    s_eff = _effective(satisfaction[cust], ts, dropout_ts[cust])
    is_nps = rng.random(len(cust)) < 0.8
    nps = (
        NPS_MODEL["intercept"]
        + NPS_MODEL["slope"] * s_eff
        + rng.normal(0, NPS_MODEL["noise_sd"], len(cust))
    )
    csat = (
        CSAT_MODEL["intercept"]
        + CSAT_MODEL["slope"] * s_eff
        + rng.normal(0, CSAT_MODEL["noise_sd"], len(cust))
    )
    frames.append(
        {
            "customer": cust,
            "ts": ts,
            "channel": np.full(len(cust), "survey", dtype=object),
            "brand": np.zeros(len(cust), dtype=np.int64),
            "score_type": np.where(is_nps, "nps", "csat").astype(object),
            "latent_score": np.where(is_nps, nps, csat),
            "s": s_eff,
            "has_text": rng.random(len(cust)) < 0.62,
        }
    )

    # 2. service contacts and posts by known customers (~0.12 per customer-year), plus a
    #    call around the dropout for a quarter of those who leave
    k = rng.poisson(0.12 * volume * tenure_years)
    cust = np.repeat(np.arange(n), k)
    lo, hi = t0[cust], active_until[cust]
    ts = lo + ((hi - lo) * rng.random(len(cust))).astype(np.int64)
    leaving = np.flatnonzero((dropout_ts >= 0) & (rng.random(n) < min(0.25 * volume, 1.0)))
    ts_leave = dropout_ts[leaving] + rng.integers(-3 * WEEK, 3 * WEEK, len(leaving))
    keep = ts_leave < end_ts
    cust = np.concatenate([cust, leaving[keep]])
    ts = np.concatenate([ts, np.maximum(ts_leave[keep], t0[leaving[keep]])])
    ch = rng.choice(
        np.array(["call", "chat", "email", "review", "social"], dtype=object),
        size=len(cust),
        p=[0.40, 0.25, 0.10, 0.15, 0.10],
    )
    ch[len(ch) - int(keep.sum()) :] = "call"
    ts = np.minimum(_hourly(rng, ts, 8, 22), end_ts - 1)
    frames.append(
        {
            "customer": cust,
            "ts": ts,
            "channel": ch,
            "brand": np.zeros(len(cust), dtype=np.int64),
            "score_type": np.full(len(cust), None, dtype=object),
            "latent_score": np.full(len(cust), np.nan),
            "s": _effective(satisfaction[cust], ts, dropout_ts[cust]),
            "has_text": np.ones(len(cust), dtype=bool),
        }
    )

    # 3. anonymous reviews and posts: own brand and competitors
    n_own = rng.poisson(0.04 * volume * n)
    n_comp = rng.poisson(0.06 * volume * n)
    comp_share = np.array([0.45, 0.35, 0.2])[: len(cat.competitors)]
    comp = rng.choice(len(cat.competitors), n_comp, p=comp_share / comp_share.sum()) + 1
    brand = np.concatenate([np.zeros(n_own, np.int64), comp])
    mu = np.concatenate([[0.0], np.asarray(COMPETITOR_SATISFACTION)])[brand]
    m = len(brand)
    ts = _hourly(rng, rng.integers(start_ts, end_ts - DAY, m), 7, 24)
    cust = np.full(m, -1, dtype=np.int64)
    # a few posts can be linked to a known customer (e.g. a logged-in review)
    linked = np.flatnonzero(rng.random(m) < 0.08)
    cand = rng.integers(0, n, len(linked))
    alive_then = t0[cand] <= ts[linked]
    cust[linked[alive_then]] = cand[alive_then]
    frames.append(
        {
            "customer": cust,
            "ts": ts,
            "channel": rng.choice(np.array(["review", "social"], dtype=object), m, p=[0.55, 0.45]),
            "brand": brand,
            "score_type": np.full(m, None, dtype=object),
            "latent_score": np.full(m, np.nan),
            "s": mu + rng.normal(0, 1, m),
            "has_text": np.ones(m, dtype=bool),
        }
    )

    fb = {key: np.concatenate([f[key] for f in frames]) for key in frames[0]}
    order = np.argsort(fb["ts"], kind="stable")
    fb = {key: v[order] for key, v in fb.items()}
    total = len(fb["ts"])
    cust = fb["customer"]
    known = cust >= 0
    eng = np.zeros(total, dtype=bool)
    eng[known] = english[cust[known]]
    # anonymous posts about an English-named competitor are more often in English
    en_brand = np.array([False] + [c.isascii() for c in cat.competitors])[fb["brand"]]
    eng[~known] = rng.random(int((~known).sum())) < np.where(en_brand[~known], 0.45, 0.08)
    language = _languages(rng, eng)

    brand_names = np.array([OWN_BRAND_NAME[business], *cat.competitors], dtype=object)
    text_rows = np.flatnonzero(fb["has_text"])
    drift = DRIFT[business]
    start_drift = end_ts - float(drift["months"]) * MONTH
    progress = np.clip((fb["ts"][text_rows] - start_drift) / (end_ts - start_drift), 0.0, 1.0)
    bias_shift = float(drift["from"]) + (float(drift["to"]) - float(drift["from"])) * progress
    comments = compose_comments(
        rng,
        business,
        fb["s"][text_rows],
        fb["channel"][text_rows],
        language[text_rows],
        brand_names[fb["brand"]][text_rows],
        drift=np.where(progress > 0, bias_shift, 0.0),
        drift_aspect=str(drift["aspect"]),
        text_rng=text_rng,
    )
    # scores of survey answers: add the driver effect of their comment, then round and clip
    effect = np.zeros(total)
    effect[text_rows] = comments.driver_effect
    survey = fb["latent_score"] == fb["latent_score"]
    nps_type = survey & (fb["score_type"] == "nps")
    csat_type = survey & (fb["score_type"] == "csat")
    raw = fb["latent_score"]
    fb["score"] = (
        np.where(
            nps_type,
            np.clip(np.round(raw + NPS_MODEL["driver_slope"] * effect), 0, 10),
            np.where(
                csat_type,
                np.clip(np.round(raw + CSAT_MODEL["driver_slope"] * effect), 1, 5),
                np.nan,
            ),
        )
        + 0.0
    )  # no negative zero
    text = np.full(total, None, dtype=object)
    text[text_rows] = comments.text
    lang_out = language.copy()
    lang_out[~fb["has_text"]] = None
    # source systems often do not say which language a post is in
    unknown_lang = (fb["channel"] != "survey") & (rng.random(total) < 0.08)
    lang_out[unknown_lang] = None
    brand_out = np.array([cat.own_brand, *cat.competitors], dtype=object)[fb["brand"]]
    blank_brand = (fb["brand"] == 0) & (rng.random(total) < 0.1)  # empty = own (contract)
    brand_out[blank_brand] = None

    frame = pd.DataFrame(
        {
            "customer": cust,
            "ts": fb["ts"],
            "channel": fb["channel"],
            "brand": brand_out,
            "score_type": fb["score_type"],
            "score": fb["score"],
            "text": text,
            "language": lang_out,
            "brand_index": fb["brand"],
            "true_language": language,
            "latent_satisfaction": fb["s"],
        }
    )
    truth = pd.DataFrame(
        {
            "row": text_rows[comments.truth_row],
            "aspect": comments.truth_aspect,
            "sentiment": comments.truth_sentiment,
            "clause_language": comments.truth_language,
        }
    )
    comment_truth = pd.DataFrame(
        {
            "row": text_rows,
            "intent": comments.intent,
            "repeat_contact": comments.repeat_contact,
            "transferred": comments.transferred,
            "pii": comments.pii,
            "staff": comments.staff,
            "branch": comments.branch,
            "driver_effect": comments.driver_effect,
        }
    )
    return Feedback(frame=frame, truth=truth, comment_truth=comment_truth)


def expected_comments(
    t0: IntArray, dropout_ts: IntArray, end_ts: int, volume: float = 1.0
) -> float:
    """Expected number of comments (feedback rows with text) :func:`make_feedback` makes.

    Sums the rates above: surveys with a comment (62 % of 0.3 per customer-year, for
    customers active for more than a week), contacts (0.12 per customer-year), a call
    around a quarter of the dropouts, and anonymous posts (0.1 per customer). Linear in
    ``volume``, so a target count gives the volume directly.
    """
    tenure_years = (end_ts - t0) / (365.25 * DAY)
    active_until = np.where(dropout_ts >= 0, np.minimum(dropout_ts + 2 * WEEK, end_ts), end_ts)
    surveyed = active_until > t0 + 7 * DAY
    per_volume = (
        0.62 * 0.3 * float(tenure_years[surveyed].sum())
        + 0.12 * float(tenure_years.sum())
        + 0.25 * float((dropout_ts >= 0).sum())
        + 0.1 * len(t0)
    )
    return volume * per_volume
