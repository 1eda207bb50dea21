"""Session 29's faster feature building gives the features and the scores it gave, bit for bit.

* :func:`~loyalloop.feedback.aspect_model.clause_ngrams` (prefixes joined once per call) gives
  the names, in the order, of its former version (kept here as the reference) on every clause,
  next clause and sentence side of the labelled sets and on made-up text.
* :func:`~loyalloop.feedback.aspect_model.light_ngrams` is ``clause_ngrams`` filtered to the
  character 1- / 2-grams and the words, as the mention model's side features were built.
* The mention model scores the clause features in segments (names of value 1 add their weight
  without building ``(name, 1.0)`` pairs): the clause part equals the former one-list sum bit
  for bit, and every mention of every labelled set gets the label and the exact score double
  the former scoring gives (one mention at a time, fresh caches).

"Every labelled set" is the first :data:`~tests.feedback.labelled_floor.GUARD_ROWS_PER_SET`
rows of each (since session 33; all rows before).

The held-out sets of session 29 (``*26`` held out, ``relabel26``, ``second26``, the
``channels26`` / ``adjudication26`` folders) are not read here; the reading digests
(``test_reading_unchanged.py``) cover them by hash.
"""

from __future__ import annotations

import csv
import math
import re
from functools import lru_cache
from itertools import islice
from pathlib import Path

from tests.feedback.labelled_floor import GUARD_ROWS_PER_SET

from loyalloop.feedback import detector_features as df
from loyalloop.feedback.aspect_detector import shipped_detector
from loyalloop.feedback.aspect_model import (
    _CJK,
    _CJK_RUN,
    _EN_NEGATORS,
    _WORD,
    LABELS,
    MentionContext,
    clause_ngrams,
    light_ngrams,
)
from loyalloop.feedback.aspects import load_taxonomy, mention_contexts
from loyalloop.feedback.mention_sentiment import (
    COMMENT_FEATURES,
    COMMENT_LANGUAGES,
    SENTENCE_FEATURES,
    MentionSentimentModel,
    _clause_segments,
    _cue_items,
    _logit_items,
    _whole,
    clause_items,
    comment_items,
    language_of,
    shipped_mention_model,
)
from loyalloop.feedback.sentiment import _clause_analysis
from loyalloop.feedback.tokenize import to_simplified

DATA = Path(__file__).parent / "data"
HELD_OUT = re.compile(r"(?:blind26|second26|adjudicated26|relabel26)")

MADE_UP = [
    "",
    "the fee isn't fair, not at all",
    "I can't believe they didn’t refund it",
    "年费太贵了 but the app is great",
    "不是不能用，就是慢",
    "没有 no never 12345 2024 abcd",
    "a | b | 服务 | don't | 好",
    "客服电话是多少？how do i reach the agent",
    "x",
    "很",
    "好吗",
]


def _old_clause_ngrams(text: str, prefix: str) -> tuple[str, ...]:
    """``clause_ngrams`` as it was before session 29 (the reference)."""
    feats: list[str] = []
    if _CJK.search(text):
        for run in _CJK_RUN.findall(text):
            n = len(run)
            feats += [prefix + "1" + run[i] for i in range(n)]
            feats += [prefix + "2" + run[i : i + 2] for i in range(n - 1)]
            feats += [prefix + "3" + run[i : i + 3] for i in range(n - 2)]
    words = _WORD.findall(text.replace("’", "'"))
    negated = False
    prev = "<s>"
    for w in words:
        if w in _EN_NEGATORS or w.endswith("n't"):
            negated = True
            feats.append(prefix + "w" + w)
            prev = w
            continue
        feats.append(prefix + ("w~" if negated else "w") + w)
        feats.append(prefix + "b" + prev + "_" + w)
        if len(w) > 3 and not w.isdigit():
            padded = f"<{w}>"
            feats += [prefix + "c" + padded[i : i + 3] for i in range(len(padded) - 2)]
        prev = w
    if words:
        feats.append(prefix + "b" + prev + "_</s>")
    return tuple(dict.fromkeys(feats))


def _labelled() -> list[tuple[str, str]]:
    """``(domain, text)`` of the first :data:`GUARD_ROWS_PER_SET` rows of every labelled set but
    the held-out ones."""
    out: list[tuple[str, str]] = []
    for path in sorted(DATA.glob("*.tsv")):
        if HELD_OUT.search(path.name):
            continue
        with path.open(encoding="utf-8", newline="") as f:
            for row in islice(csv.DictReader(f, delimiter="\t"), GUARD_ROWS_PER_SET):
                if row.get("text"):
                    out.append((row.get("domain") or "default", row["text"]))
    # each (domain, text) once: a quarter of the rows repeat one of another set, and reading
    # the same text again gives the same contexts (what is compared is a function of them)
    return list(dict.fromkeys(out))


@lru_cache(maxsize=1)
def _contexts() -> tuple[MentionContext, ...]:
    det = shipped_detector()
    taxes = {d: load_taxonomy(d) for d in ("banking", "retail", "default")}
    out: list[MentionContext] = []
    for domain, text in _labelled():
        tax = taxes.get(domain, taxes["default"])
        out += [ctx for _, ctx in mention_contexts(text, tax, det)]
    return tuple(dict.fromkeys(out))  # each context once (equal ones score the same)


def _texts() -> list[str]:
    texts = list(MADE_UP)
    for ctx in _contexts():
        texts += [ctx.clause, ctx.next_free, ctx.before, ctx.after, _whole(ctx), ctx.free_text]
    return list(dict.fromkeys(texts))


def test_the_contexts_cover_the_labelled_sets() -> None:
    contexts = _contexts()
    assert len(contexts) > 5000
    assert {language_of(c.clause + c.next_free) for c in contexts} == {"zh", "en"}
    assert sum(bool(c.before or c.after) for c in contexts) > 1000


def test_clause_and_light_ngrams_are_the_former_ones() -> None:
    clause_ngrams.cache_clear()
    light_ngrams.cache_clear()
    for text in _texts():
        for prefix in ("t", "sb"):
            want = _old_clause_ngrams(text, prefix)
            assert clause_ngrams(text, prefix) == want, text
            light = tuple(f for f in want if f[len(prefix)] in "12w")
            assert light_ngrams(text, prefix) == light, text


@lru_cache(maxsize=4)
def _rows(model: MentionSentimentModel, lang: str) -> dict[str, tuple[float, ...]]:
    w = model.weights_[lang].tolist()
    return {f: tuple(w[j]) for f, j in model.vocabularies_[lang].items()}


def _old_scores(
    model: MentionSentimentModel, lang: str, items: list[tuple[str, float]]
) -> list[float]:
    """``MentionSentimentModel._scores`` as it was before session 29: every item multiplied."""
    rows = _rows(model, lang)
    s0 = s1 = s2 = 0.0
    for f, v in items:
        r = rows.get(f)
        if r is not None:
            s0 += r[0] * v
            s1 += r[1] * v
            s2 += r[2] * v
    return [s0, s1, s2]


def _old_predict(model: MentionSentimentModel, ctx: MentionContext) -> tuple[str, float]:
    """``predict`` as it was before session 29, without its caches."""
    lang = language_of(ctx.clause + ctx.next_free)
    s = _old_scores(model, lang, clause_items(ctx))
    if SENTENCE_FEATURES:
        parts = [_old_scores(model, lang, _logit_items(ctx))]
        for text, prefix in ((ctx.before, "sb"), (ctx.after, "sa")):
            if text:
                side = [
                    (f, 1.0) for f in _old_clause_ngrams(text, prefix) if f[len(prefix)] in "12w"
                ]
                parts.append(_old_scores(model, lang, side))
        parts.append(_old_scores(model, lang, list(_cue_items(_whole(ctx), ctx.aspect))))
        for extra in parts:
            s = [s[0] + extra[0], s[1] + extra[1], s[2] + extra[2]]
    if COMMENT_FEATURES and lang in COMMENT_LANGUAGES and (ctx.free_before or ctx.free_after):
        extra = _old_scores(model, lang, comment_items(ctx))
        s = [s[0] + extra[0], s[1] + extra[1], s[2] + extra[2]]
    top = max(s)
    e = [math.exp(t - top) for t in s]
    best = max(range(3), key=s.__getitem__)
    return LABELS[best], round((e[2] - e[0]) / sum(e), 4)


def _fresh(model: MentionSentimentModel) -> MentionSentimentModel:
    return MentionSentimentModel(model.vocabularies_, model.weights_, model.metadata)


def test_clause_segments_flatten_to_the_clause_items_and_score_the_same() -> None:
    shipped = shipped_mention_model()
    assert shipped is not None
    model = _fresh(shipped)
    for ctx in _contexts():
        segments = _clause_segments(ctx)
        flat = [pair for pairs, names in segments for pair in [*pairs, *((f, 1.0) for f in names)]]
        assert flat == clause_items(ctx)
        lang = language_of(ctx.clause + ctx.next_free)
        want = _old_scores(model, lang, flat)
        assert model._segment_scores(lang, segments) == want  # the same doubles
        assert model._scores(lang, flat) == want


def test_every_labelled_mention_scores_as_before() -> None:
    shipped = shipped_mention_model()
    assert shipped is not None
    model = _fresh(shipped)
    contexts = _contexts()
    got = [model.predict(c) for c in contexts]
    want = [_old_predict(shipped, c) for c in contexts]
    assert got == want
    assert [model.predict(c) for c in contexts[:200]] == want[:200]  # from the caches


def test_detector_features_and_zh_clause_ngrams_are_the_former_ones() -> None:
    """The detector's features of a clause without English content words are its n-grams
    (no second de-duplication); the Chinese sentiment model's character n-grams are joined,
    not formatted: the same names in the same order as the former code builds them."""
    det = shipped_detector()
    assert det is not None
    kinds = det.features
    seen = 0
    for text in _texts():
        base = _old_clause_ngrams(text, "t")
        content = [w for w in df._WORD.findall(text.replace("’", "'")) if w not in df._STOP]
        extra: list[str] = []
        if "skip" in kinds:
            for i, a in enumerate(content):
                extra += ["tk" + a + "_" + b for b in content[i + 1 : i + 4]]
        if "stem" in kinds:
            extra += ["ts" + df._stem(w) for w in content]
        if "subject" in kinds and any(w in df._PERSON for w in content):
            extra += ["tp" + w for w in content if w not in df._PERSON]
        assert df.detector_features(text, kinds) == tuple(dict.fromkeys([*base, *extra])), text
        clause = to_simplified(text).lower()
        feats = _clause_analysis(clause)[0]
        chars = re.sub(r"\s+", "", clause)
        grams = [f"{n}:{chars[i : i + n]}" for n in (1, 2, 3) for i in range(len(chars) - n + 1)]
        if feats:
            assert list(feats[len(feats) - len(grams) :]) == grams, text
            seen += 1
    assert seen > 1000
