# ruff: noqa: E501  (the stop-word table reads best as lines of text)
"""Topic discovery for what the taxonomy misses: TF-IDF + NMF with clean phrases and examples.

Cleaning before the model
    Channel openings, sign-offs and agent boilerplate are stripped
    (:mod:`~loyalloop.feedback.boilerplate`); comments that are the same after normalisation
    (case, punctuation, digits) are fitted once (a template or a pasted form letter must not
    become a topic); tokens are jieba words and English words with :data:`STOPWORDS` (function
    words, the filler words of Chinese reviews: 知道, 感觉, 有点, 一般 …, and the generic request
    that closes complaints of every kind — 希望尽快改进, "please fix asap" — which on the card
    sample formed a topic of its own), numbers and single characters removed; adjacent kept
    tokens form two-word phrases.
Model
    scikit-learn's ``TfidfVectorizer`` (sublinear tf, terms in at least ``min_df`` comments and at
    most ``max_df_share`` of them) and ``NMF`` (``nndsvda`` start, seeded; one BLAS thread), over
    ``n_topics + extra`` components. Components whose phrase weights are alike (cosine ≥
    ``merge_similarity``) are merged, so near-duplicate topics ("酒店 / 房间" twice) become one.
Assignment
    A comment belongs to its strongest topic only when that topic holds at least
    ``min_weight_share`` of its topic weight; otherwise it stays *unassigned* — a comment that
    fits nothing in particular is not pushed into a catch-all topic. ``unassigned`` is reported.
Emerging topics
    With ``timestamps``, a topic's share of the comments in the last ``recent_days`` is compared
    with its share before (two-proportion z test); ``emerging`` when the recent share is at
    least twice the earlier one, with at least ``min_recent`` recent comments and ``p < 0.01``.
Examples
    The comments that load most on a topic, distinct in their content words (a comment that only
    adds a filler opening or a staff number to one already shown is skipped), **as written** (not
    normalised) and with personal data masked (:func:`~loyalloop.feedback.pii.mask_pii`).

Use ``only_unmatched=True`` (with a taxonomy) to look only at comments no aspect matched — the
place where new problems surface before anyone writes keywords for them.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from loyalloop.errors import ConfigError
from loyalloop.feedback.aspects import Taxonomy, load_taxonomy, read_comment
from loyalloop.feedback.boilerplate import strip_boilerplate
from loyalloop.feedback.clean import clean_text
from loyalloop.feedback.pii import mask_pii
from loyalloop.feedback.tokenize import tokenize

__all__ = ["STOPWORDS", "TopicModel", "discover_topics"]

_STOPWORDS_TEXT = """
的 了 是 我 你 他 她 它 们 我们 你们 他们 这 那 这个 那个 这些 那些 就 都 也 还 在 和 与 及 或 而 但
但是 因为 所以 如果 就是 还是 不是 没有 有 很 太 非常 比较 真的 一个 一些 什么 怎么 吧 吗 呢 啊 哦 呀
嗯 哈 把 被 给 让 对 从 到 为 以 于 又 再 才 已经 可以 可能 会 能 要 想 说 去 来 知道 感觉 觉得 有点
一般 一下 一点 东西 时候 这样 那样 这么 那么 还有 而且 不过 然后 其实 反正 只是 真是 确实 实在 特别
十分 相当 挺 蛮 有些 有的 一直 总是 之前 之后 以后 以前 现在 今天 昨天 上次 这次 每次 几次 大家 自己
别人 人家 东东 地方 方面 问题 情况 事情 样子 应该 需要 可是 只有 只要 不要 不会 不能 没 不 很多 太多
还算 还行 一样 出来 起来 下去 过来 看看 看到 发现 当时 结果 最后 终于 简直 完全 根本 有点儿 一次 两次
次 个 些 种 块 元 分 号 月 年 天 小时 分钟 里 上 下 中 前 后 内 外 之 其 该 各 每 某 并 且 等 等等 吧 嘛
了解 希望 谢谢 您好 你好 客户 来电 反映 记录 感谢 请问 总体 来说 总体来说 作为 老客户 顺便 一句 说实话 实话 早上
上个月 上周 周末 好几年 这块 那块 朋友 推荐 办的 出差 没什么 其他 通过 不了 哎呀
尽快 尽早 改进 改善 asap
the a an and or but of to in on for with at by from is are was were be been being it its this
that these those i you he she we they me my your our their them us not no so very too just
have has had do does did can could would should will as if then than there here also still
get got really about after again all am any because before both each even ever every few
into more most much must now off once only other out over own same some such thing things
through under until up when where which while who why how what would yeah ok okay thanks
thank hi hello dear team please
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())
_KEY = re.compile(r"[\W\d_]+")
#: Fewest distinct comments per requested topic (fewer: no topics rather than noise).
MIN_PER_TOPIC = 15


@dataclass(frozen=True)
class TopicModel:
    """Result of :func:`discover_topics`.

    ``topics``: ``topic, size, share, phrases, examples, recent_share, earlier_share, emerging``
    (``share`` of all analysed comments; phrases and examples are lists of strings).
    ``assignments``: one row per analysed comment, ``index`` (position in the input), ``topic``
    (−1 = unassigned) and ``weight``. ``unassigned``: share of analysed comments in no topic.
    """

    topics: pd.DataFrame
    assignments: pd.DataFrame
    unassigned: float = 0.0


@lru_cache(maxsize=65536)
def _terms(text: str) -> list[str]:
    toks = [
        t
        for t in tokenize(text, hmm=False)
        if len(t) > 1 and t not in STOPWORDS and not t.replace(".", "").isdigit()
    ]
    return toks + [f"{a} {b}" for a, b in itertools.pairwise(toks) if a != b]


def _merge(h: np.ndarray, w: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Merge components whose term weights have cosine similarity ≥ ``threshold``."""
    while h.shape[0] > 1:
        norms = np.linalg.norm(h, axis=1, keepdims=True)
        unit = h / np.where(norms > 0, norms, 1)
        sim = unit @ unit.T
        np.fill_diagonal(sim, -1)
        i, j = np.unravel_index(int(np.argmax(sim)), sim.shape)
        if sim[i, j] < threshold:
            break
        a, b = min(i, j), max(i, j)
        h[a] += h[b]
        w[:, a] += w[:, b]
        h = np.delete(h, b, axis=0)
        w = np.delete(w, b, axis=1)
    return h, w


def _examples(ranked: Sequence[tuple[int, list[str]]], display: list[str], n: int) -> list[str]:
    """The first ``n`` of ``ranked`` (comment index, terms) whose content words differ from every
    example already taken, as written with personal data masked."""
    seen: set[frozenset[str]] = set()
    out: list[str] = []
    for i, terms in ranked:
        words = frozenset(t for t in terms if " " not in t)
        if words in seen:
            continue
        seen.add(words)
        out.append(mask_pii(display[i]))
        if len(out) == n:
            break
    return out


def discover_topics(
    texts: Sequence[object] | pd.Series,
    n_topics: int = 8,
    *,
    taxonomy: Taxonomy | str | Path | Mapping[str, Any] | None = None,
    only_unmatched: bool = False,
    timestamps: Sequence[Any] | pd.Series | None = None,
    min_df: int = 3,
    max_df_share: float = 0.5,
    max_terms: int = 3000,
    n_phrases: int = 8,
    n_examples: int = 3,
    extra: int = 2,
    merge_similarity: float = 0.5,
    min_weight_share: float = 0.4,
    recent_days: int = 56,
    min_recent: int = 10,
    max_iter: int = 300,
    seed: int = 0,
) -> TopicModel:
    """Cluster comments into up to ``n_topics`` topics (see the module docs).

    Returns a :class:`TopicModel`; with too few usable comments or terms for the requested
    number of topics, ``topics`` is empty rather than an error.
    """
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer
    from threadpoolctl import threadpool_limits

    if n_topics < 1:
        raise ConfigError(f"n_topics must be at least 1, not {n_topics}")
    display = [strip_boilerplate(clean_text(t, normalize=False)) for t in texts]
    index = [i for i, t in enumerate(display) if t]
    if only_unmatched:
        tax = load_taxonomy(taxonomy)
        index = [i for i in index if not read_comment(display[i], tax).mentions]
    empty = TopicModel(
        pd.DataFrame(
            columns=[
                "topic",
                "size",
                "share",
                "phrases",
                "examples",
                "recent_share",
                "earlier_share",
                "emerging",
            ]
        ),
        pd.DataFrame(columns=["index", "topic", "weight"]),
    )
    # one fit per distinct comment (after normalisation)
    groups: dict[str, list[int]] = {}
    for i in index:
        groups.setdefault(_KEY.sub("", display[i].lower()), []).append(i)
    reps = [(members[0], _terms(display[members[0]])) for members in groups.values()]
    reps = [(i, t) for i, t in reps if t]
    if len(reps) < max(n_topics * MIN_PER_TOPIC, min_df):
        return empty
    vec = TfidfVectorizer(
        analyzer=lambda doc: doc,
        min_df=min_df,
        max_df=max_df_share,
        max_features=max_terms,
        sublinear_tf=True,
    )
    try:
        x = vec.fit_transform([t for _, t in reps])
    except ValueError:  # no term survives the document-frequency limits
        return empty
    vocab = vec.get_feature_names_out()
    if len(vocab) < n_topics or x.nnz == 0:
        return empty
    k = min(n_topics + extra, len(vocab), x.shape[0])
    model = NMF(n_components=k, init="nndsvda", random_state=seed, max_iter=max_iter, tol=1e-3)
    with threadpool_limits(1):  # BLAS threads fighting over shared cores made the start 20x slower
        w = model.fit_transform(x)
    h, w = _merge(model.components_.copy(), w, merge_similarity)
    # keep the n_topics largest components
    order = np.argsort(-w.sum(axis=0), kind="stable")[:n_topics]
    h, w = h[order], w[:, order]
    totals = w.sum(axis=1)
    best = w.argmax(axis=1)
    strength = w.max(axis=1)
    assigned = (totals > 0) & (strength >= min_weight_share * np.where(totals > 0, totals, 1))
    rep_topic = np.where(assigned, best, -1)
    # expand representatives to every member comment
    rows = []
    for (i, _), t, s in zip(reps, rep_topic, strength, strict=True):
        for member in groups[_KEY.sub("", display[i].lower())]:
            rows.append((member, int(t), float(s)))
    assignments = pd.DataFrame(rows, columns=["index", "topic", "weight"])
    n_all = len(assignments)
    ts = (
        pd.to_datetime(pd.Series(list(timestamps)), errors="coerce")
        if timestamps is not None
        else None
    )
    recent = None
    if ts is not None and ts.notna().any():
        cut = ts.max() - pd.Timedelta(days=recent_days)
        recent = assignments["index"].map(lambda j: bool(ts.iloc[j] > cut)).to_numpy()
    topic_rows = []
    for t in range(h.shape[0]):
        members = assignments[assignments["topic"] == t]
        if members.empty:
            continue
        top_terms = [str(vocab[j]) for j in np.argsort(-h[t], kind="stable")[:n_phrases]]
        rep_idx = [r for r, (i, _) in enumerate(reps) if rep_topic[r] == t]
        rep_idx.sort(key=lambda r: -w[r, t])
        examples = _examples([reps[r] for r in rep_idx], display, n_examples)
        recent_share = earlier_share = float("nan")
        emerging = False
        if recent is not None:
            in_t = (assignments["topic"] == t).to_numpy()
            n_r, n_e = int(recent.sum()), int((~recent).sum())
            x_r, x_e = int((in_t & recent).sum()), int((in_t & ~recent).sum())
            if n_r and n_e:
                recent_share, earlier_share = x_r / n_r, x_e / n_e
                pooled = (x_r + x_e) / (n_r + n_e)
                se = math.sqrt(pooled * (1 - pooled) * (1 / n_r + 1 / n_e)) if 0 < pooled < 1 else 0
                z = (recent_share - earlier_share) / se if se > 0 else 0.0
                emerging = bool(
                    x_r >= min_recent and recent_share >= 2 * earlier_share and z > 2.326
                )
        topic_rows.append(
            (
                t,
                len(members),
                len(members) / n_all,
                top_terms,
                examples,
                recent_share,
                earlier_share,
                emerging,
            )
        )
    topics = pd.DataFrame(topic_rows, columns=list(empty.topics.columns))
    topics = topics.sort_values("size", ascending=False, ignore_index=True)
    unassigned = float((assignments["topic"] == -1).mean()) if n_all else 0.0
    return TopicModel(topics, assignments, unassigned)
