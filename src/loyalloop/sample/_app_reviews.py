# ruff: noqa: E501  (phrase tables read best one review per line)
"""App-store reviews of the company's app (feedback channel ``app_review``).

A card business has a card app, a retailer a shop app; people rate them in the app stores in a
few words that seldom name the app: "Love it", "keeps logging me out", "Useless since the
update", "太卡了", "更新之后就打不开了". A labeller who knows where such a review was left tags
it *App and website*, so the truth of every review here is one ``app_online`` judgement. The
reviews were written from how app-store reviews read, not from the taxonomy's keywords: some
name the app or one of its functions, most do not, and how the reading fares on them is what
the product's channel rule (:mod:`loyalloop.feedback.channel_aspects`) is for.

The model
---------
About :data:`APP_REVIEWS_PER_CUSTOMER` reviews per customer record (times the feedback
``volume``), at uniform times over the window, 85 % in Chinese and 15 % in English. The app
store does not say who wrote a review, so ``customer_id`` is empty. The reviewer's satisfaction
with the app is ``N(0, 1)`` (as anonymous posts about the own brand); the review is positive
when ``0.2 + 1.4 s + bias + drift + N(0, 0.8) > 0`` (every app review judges), with the bias of
``app_online`` from :data:`~._phrases.ASPECTS` and, where the business's drifting aspect is
the app (the card app, :data:`~._phrases.DRIFT`), the same drift as the other comments, so the
app's trend alert has more to find. Each review carries the store's star rating
(``score_type = "rating"``): 4 or 5 stars for a positive review, 1 or 2 for a negative one.

The rows are drawn from a random stream of their own and added after every other feedback row
(:func:`loyalloop.sample.generator.generate`), so every other row of the sample — comments,
customers, transactions, truth — is the same as without them.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from loyalloop.sample._params import Business
from loyalloop.sample._phrases import ASPECTS, DRIFT
from loyalloop.sample._process import DAY

__all__ = ["APP_REVIEWS_PER_CUSTOMER", "ENGLISH_SHARE", "REVIEWS", "make_app_reviews"]

#: Expected app-store reviews per customer record (at feedback volume 1).
APP_REVIEWS_PER_CUSTOMER = 0.02
#: Share of the reviews written in English.
ENGLISH_SHARE = 0.15
#: Length of a month in the drift model (as :mod:`._feedback`).
_MONTH = 30.4375 * DAY

# fmt: off
_COMMON: dict[str, dict[str, tuple[str, ...]]] = {
    "pos": {
        "zh": (
            "好用", "很好用，五星", "界面简洁，操作方便", "越来越好用了", "挺方便的，推荐",
            "用着很顺手", "五星好评", "比以前流畅多了", "还不错", "非常满意",
            "一目了然，找什么都快", "简单明了，我妈都会用", "速度很快，点赞", "没毛病",
            "清爽，没有乱七八糟的广告", "新版本很好看", "稳定，从来没崩过", "必须好评",
        ),
        "en": (
            "Love it", "Great app", "Works perfectly", "Easy to use", "Five stars",
            "So convenient", "Does exactly what I need", "Clean and simple",
            "Much better after the update", "Super fast and reliable", "Never had a problem",
            "Very intuitive", "Love the dark mode", "Brilliant", "Best update in ages",
        ),
    },
    "neg": {
        "zh": (
            "垃圾", "太卡了", "一直闪退", "更新之后就打不开了", "老是让我重新登录", "广告太多了",
            "弹窗烦死了", "什么破软件", "经常白屏", "又慢又卡，体验很差", "根本登不上去",
            "验证码一直收不到", "越更新越难用", "占内存太大了", "找个功能要翻半天",
            "一星都不想给", "用不了，差评", "动不动就转圈", "天天强制更新，烦",
            "页面乱七八糟的",
        ),
        "en": (
            "Keeps logging me out", "Useless since the update", "Crashes every time I open it",
            "Terrible. Just terrible.", "Way too many pop ups", "Won't load", "So slow",
            "Can't even sign in", "Worst app ever", "Constant errors", "Garbage",
            "Stuck on the loading screen", "The new design is awful",
            "Never get the verification code", "Deleted it", "Freezes all the time",
            "Keeps asking me to update",
        ),
    },
}

_BUSINESS: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "card": {
        "pos": {
            "zh": ("指纹登录很方便", "绑卡几秒钟就好了", "银行的APP里算好用的", "刷脸登录很快"),
            "en": ("Best banking app I've used", "Face ID login is so handy", "Adding my card to the wallet took seconds"),
        },
        "neg": {
            "zh": ("这个APP越做越差", "转账页面老是报错", "登录要验证三遍，受不了", "绑卡一直失败"),
            "en": ("The app logs out every five minutes", "Transfers fail half the time", "Can't link my card anymore"),
        },
    },
    "retail": {
        "pos": {
            "zh": ("下单很顺，几秒搞定", "搜索很准", "这个APP逛起来很舒服", "付款一步到位"),
            "en": ("Best shopping app I've used", "Checkout is quick", "Search actually finds things"),
        },
        "neg": {
            "zh": ("购物车老是清空", "付款页面一直转圈", "搜什么都搜不到", "这个APP越做越差"),
            "en": ("Checkout keeps failing", "My basket keeps emptying", "Search never finds anything"),
        },
    },
}

# fmt: on

_TAIL = {
    "zh": {"pos": ("👍", "！", "～"), "neg": ("👎", "！", "。。。")},
    "en": {"pos": (" 👍", "!", "!!"), "neg": (" 👎", "!", "...")},
}

#: Review texts per business, sentiment (``pos`` / ``neg``) and language.
REVIEWS: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    business: {
        sent: {lang: _COMMON[sent][lang] + own[sent][lang] for lang in ("zh", "en")}
        for sent in ("pos", "neg")
    }
    for business, own in _BUSINESS.items()
}


def _compose(bank: tuple[str, ...], english: bool, u: npt.NDArray[np.float64]) -> str:
    """One review: one or (30 %) two sentences of the same judgement, sometimes a tail."""
    first = bank[int(u[0] * len(bank))]
    text = first
    if u[1] < 0.3:
        second = bank[int(u[2] * len(bank))]
        if second != first:
            if english:
                text = f"{first.rstrip('.!')}. {second}"
            else:
                text = f"{first}{'。' if u[3] < 0.5 else '，'}{second}"
    return text


def make_app_reviews(
    rng: np.random.Generator,
    business: Business,
    n_customers: int,
    start_ts: int,
    end_ts: int,
    volume: float = 1.0,
) -> pd.DataFrame:
    """App-store reviews for a sample of ``n_customers`` records (see the module docs): one row
    each, ``ts, text, language, sentiment, stars, latent_satisfaction``, in time order."""
    m = int(rng.poisson(APP_REVIEWS_PER_CUSTOMER * volume * n_customers))
    ts = rng.integers(start_ts, end_ts - DAY, m)
    ts = np.minimum(ts - ts % DAY + rng.integers(7 * 3600, 24 * 3600, m), end_ts - 1)
    ts = np.sort(ts)
    english = rng.random(m) < ENGLISH_SHARE
    s = rng.normal(0.0, 1.0, m)
    bias = np.full(m, ASPECTS[business]["app_online"][0])
    drift = DRIFT[business]
    if drift["aspect"] == "app_online":
        start_drift = end_ts - float(drift["months"]) * _MONTH
        progress = np.clip((ts - start_drift) / (end_ts - start_drift), 0.0, 1.0)
        shift = float(drift["from"]) + (float(drift["to"]) - float(drift["from"])) * progress
        bias = bias + np.where(progress > 0, shift, 0.0)
    x = 0.2 + 1.4 * s + bias + rng.normal(0.0, 0.8, m)
    positive = x > 0
    stars = np.where(positive, 4 + (rng.random(m) < 0.7), 1 + (rng.random(m) < 0.3)).astype(float)
    u = rng.random((m, 6))
    texts = []
    for i in range(m):
        sent = "pos" if positive[i] else "neg"
        lang = "en" if english[i] else "zh"
        text = _compose(REVIEWS[business][sent][lang], bool(english[i]), u[i])
        if u[i, 4] < 0.15 and not text.endswith(("!", "！", ".", "。")):
            tails = _TAIL[lang][sent]
            text += tails[int(u[i, 5] * len(tails))]
        texts.append(text)
    return pd.DataFrame(
        {
            "ts": ts,
            "text": np.asarray(texts, dtype=object),
            "language": np.where(english, "en", "zh").astype(object),
            "sentiment": np.where(positive, "positive", "negative").astype(object),
            "stars": stars,
            "latent_satisfaction": s,
        }
    )
