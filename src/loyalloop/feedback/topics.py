"""Topic discovery for what the taxonomy misses: TF-IDF + NMF with phrases and examples.

Comments are tokenised (jieba for Chinese, words for English), stop words, numbers and
single characters dropped, and adjacent token pairs added as phrases. Terms in fewer than
``min_df`` comments or more than ``max_df_share`` of them are dropped and at most ``max_terms``
kept (most frequent first). Rows of the sublinear TF-IDF matrix are L2-normalised and factorised
by non-negative matrix factorisation (Lee & Seung multiplicative updates for the Frobenius loss,
``max_iter`` iterations from a seeded random start, so results are reproducible). A comment
belongs to its strongest topic; a topic is described by its top terms (``phrases``) and the
comments that load on it most (``examples``).

Use ``only_unmatched=True`` (with a taxonomy) to look only at comments no aspect matched — the
place where new problems surface before anyone writes keywords for them.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from loyalloop.errors import ConfigError
from loyalloop.feedback.aspects import Taxonomy, detect_aspects, load_taxonomy
from loyalloop.feedback.clean import clean_text
from loyalloop.feedback.tokenize import tokenize

__all__ = ["STOPWORDS", "TopicModel", "discover_topics"]

_STOPWORDS_TEXT = """
的 了 是 我 你 他 她 它 们 我们 你们 他们 这 那 这个 那个 就 都 也
还 在 和 与 及 或 而 但 但是 因为 所以 如果 就是 还是 不是 没有 有 很
太 非常 比较 真的 一个 一些 什么 怎么 吧 吗 呢 啊 哦 呀 嗯 哈 把 被
给 让 对 从 到 为 以 于 又 再 才 已经 可以 可能 会 能 要 想 说 去
来
the a an and or but of to in on for with at by from is are was were be been being it its
this that these those i you he she we they me my your our their them us not no so very
too just have has had do does did can could would should will as if then than there here
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


@dataclass(frozen=True)
class TopicModel:
    """Result of :func:`discover_topics`.

    ``topics``: ``topic, size, share, phrases, examples`` (phrases and examples are lists of
    strings, examples are cleaned comment text). ``assignments``: one row per analysed comment,
    ``index`` (position in the input), ``topic`` and ``weight``.
    """

    topics: pd.DataFrame
    assignments: pd.DataFrame


def _terms(text: str) -> list[str]:
    toks = [
        t
        for t in tokenize(text)
        if len(t) > 1 and t not in STOPWORDS and not t.replace(".", "").isdigit()
    ]
    return toks + [f"{a} {b}" for a, b in itertools.pairwise(toks)]


def _nmf(x: sp.csr_matrix, k: int, max_iter: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n, m = x.shape
    scale = math.sqrt(float(x.mean()) / k) if x.nnz else 1.0
    w = rng.uniform(0.1, 1.0, (n, k)) * scale
    h = rng.uniform(0.1, 1.0, (k, m)) * scale
    eps = 1e-10
    xt = x.T.tocsr()
    for _ in range(max_iter):
        h *= np.asarray((xt @ w).T)
        h /= (w.T @ w) @ h + eps
        w *= np.asarray(x @ h.T)
        w /= w @ (h @ h.T) + eps
    return w, h


def discover_topics(
    texts: Sequence[object] | pd.Series,
    n_topics: int = 8,
    *,
    taxonomy: Taxonomy | str | Path | Mapping[str, Any] | None = None,
    only_unmatched: bool = False,
    min_df: int = 3,
    max_df_share: float = 0.5,
    max_terms: int = 3000,
    n_phrases: int = 8,
    n_examples: int = 3,
    max_iter: int = 200,
    seed: int = 0,
) -> TopicModel:
    """Cluster comments into ``n_topics`` topics (see the module docs).

    Returns a :class:`TopicModel`; with too few usable comments or terms for the requested
    number of topics, ``topics`` is empty rather than an error.
    """
    if n_topics < 1:
        raise ConfigError(f"n_topics must be at least 1, not {n_topics}")
    cleaned = [clean_text(t) for t in texts]
    index = list(range(len(cleaned)))
    if only_unmatched:
        tax = load_taxonomy(taxonomy)
        index = [i for i in index if cleaned[i] and not detect_aspects(cleaned[i], tax)]
    docs = [(i, _terms(cleaned[i])) for i in index if cleaned[i]]
    docs = [(i, t) for i, t in docs if t]
    empty = TopicModel(
        pd.DataFrame(columns=["topic", "size", "share", "phrases", "examples"]),
        pd.DataFrame(columns=["index", "topic", "weight"]),
    )
    if len(docs) < max(n_topics * 2, min_df):
        return empty
    df = Counter(term for _, terms in docs for term in set(terms))
    limit = max_df_share * len(docs)
    vocab_terms = sorted(
        (t for t, c in df.items() if min_df <= c <= limit), key=lambda t: (-df[t], t)
    )[:max_terms]
    if len(vocab_terms) < n_topics:
        return empty
    vocab = {t: j for j, t in enumerate(vocab_terms)}
    rows, cols, vals = [], [], []
    kept: list[int] = []
    for i, terms in docs:
        tf = Counter(t for t in terms if t in vocab)
        if not tf:
            continue
        r = len(kept)
        kept.append(i)
        for t, c in tf.items():
            rows.append(r)
            cols.append(vocab[t])
            vals.append((1 + math.log(c)) * (math.log((1 + len(docs)) / (1 + df[t])) + 1))
    x = sp.csr_matrix((vals, (rows, cols)), shape=(len(kept), len(vocab)))
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    x = sp.csr_matrix(sp.diags(1.0 / np.where(norms > 0, norms, 1.0)) @ x)
    w, h = _nmf(x, n_topics, max_iter, seed)
    topic_of = w.argmax(axis=1)
    weight = w.max(axis=1)
    assignments = pd.DataFrame({"index": kept, "topic": topic_of, "weight": weight})
    topic_rows = []
    for k in range(n_topics):
        members = np.flatnonzero(topic_of == k)
        if len(members) == 0:
            continue
        top_terms = [vocab_terms[j] for j in np.argsort(-h[k], kind="stable")[:n_phrases]]
        best = members[np.argsort(-w[members, k], kind="stable")[:n_examples]]
        topic_rows.append(
            (k, len(members), len(members) / len(kept), top_terms, [cleaned[kept[b]] for b in best])
        )
    topics = pd.DataFrame(topic_rows, columns=["topic", "size", "share", "phrases", "examples"])
    topics = topics.sort_values("size", ascending=False, ignore_index=True)
    return TopicModel(topics, assignments)
