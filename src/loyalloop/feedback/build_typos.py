"""Build ``data/typos.txt``, the table of typing slips :mod:`~loyalloop.feedback.typos` corrects.

Run ``python -m loyalloop.feedback.build_typos`` after changing a shipped taxonomy or the
lexicon. It needs two dev-only packages: ``pypinyin`` (the pinyin of each character) and
``english-words`` (the ``web2`` and ``gcide`` word lists, to leave real words alone). The output
is sorted, so two runs give byte-identical files.

Chinese: for each Chinese pattern of the shipped taxonomies of 2–4 characters, each character
is replaced in turn by every character of :data:`common_chars.txt` that shares one of its
toneless pinyin readings; a variant is kept unless it is a word of jieba's dictionary, a
pattern, or a lexicon term. The patterns and Chinese lexicon terms are listed too
(``[zh_words]``): the corrector matches them first, so a slip is never read across a real
word; and variants holding a very common function character (的, 了, 个 ...) are dropped, as
are slips next to a character with which they form a common jieba word (``[zh_edges]``).

English: the targets are the single words (4+ letters) of the English patterns and the
lexicon's words of 6+ letters; the real words within one edit of a target, with their regular
inflections ("feels", "wanted", "pushy"), are listed so that they are never "corrected".
"""

from __future__ import annotations

import argparse
import logging
import re
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import yaml

from loyalloop.feedback.script import data_text
from loyalloop.feedback.typos import deletes, within_one_edit

__all__ = ["HAND_WRITTEN", "build", "main"]

log = logging.getLogger(__name__)
DATA_DIR = Path(__file__).parent / "data"
_CJK_WORD = re.compile(r"^[\u3400-\u9fff]{2,4}$")
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_EN_WORD = re.compile(r"^[a-z]{4,}$")
#: Characters so common that a variant containing one is more often two real words side by
#: side than a slip ("退个货" is not "退假货").
FUNCTION_CHARS = frozenset(
    "的了是在不有我你他她它们这那就都也还要会说到和很没吗呢吧啊个一上下来去着过给让被把从对"
)
#: jieba frequency from which a two-character word is common enough to block a slip next to it.
COMMON_WORD = 50
#: Slips no pinyin rule finds: spoken renderings of Latin words.
HAND_WRITTEN = {"阿普": "app", "爱普": "app", "啊普": "app"}


def _inflections(w: str) -> set[str]:
    """A word with its regular inflections (the word lists hold lemmas: "feel", not "feels")."""
    out = {w, w + "s", w + "es", w + "ed", w + "d", w + "ing", w + "y", w + "ly", w + "er"}
    if w.endswith("e"):
        out |= {w[:-1] + "ing", w[:-1] + "y"}
    if w.endswith("y"):
        out |= {w[:-1] + "ies", w[:-1] + "ied"}
    if len(w) >= 3 and w[-1] not in "aeiouwxy" and w[-2] in "aeiou" and w[-3] not in "aeiou":
        out |= {w + w[-1] + "ed", w + w[-1] + "ing", w + w[-1] + "y", w + w[-1] + "er"}
    return out


def _taxonomy_specs() -> list[dict[str, object]]:
    specs = []
    for name in ("banking", "retail"):
        ref = resources.files("loyalloop.feedback").joinpath("taxonomies", f"{name}.yaml")
        specs.append(yaml.safe_load(ref.read_text("utf-8")))
    return specs


def _patterns() -> tuple[set[str], set[str]]:
    zh: set[str] = set()
    en: set[str] = set()
    for spec in _taxonomy_specs():
        aspects = spec["aspects"]
        assert isinstance(aspects, dict)
        for body in aspects.values():
            zh.update(p for p in body.get("zh", []) if not p.startswith("re:"))
            for p in body.get("en", []):
                if not p.startswith("re:"):
                    en.update(w for w in p.lower().replace("-", " ").split())
    return zh, en


def _lexicon_terms() -> tuple[set[str], set[str]]:
    spec = yaml.safe_load(data_text("lexicon.yaml"))
    zh = set(spec["zh"]["terms"]) | set(spec["zh"]["relative"])
    en = {str(t).rstrip("*") for t in list(spec["en"]["terms"]) + list(spec["en"]["relative"])}
    return {str(t) for t in zh}, en


def build() -> str:
    """The text of ``data/typos.txt``."""
    import jieba
    from english_words import get_english_words_set
    from pypinyin import Style, pinyin

    zh_patterns, en_pattern_words = _patterns()
    zh_terms, en_terms = _lexicon_terms()
    common = "".join(data_text("common_chars.txt").splitlines()[1:])
    by_sound: dict[str, set[str]] = {}
    for ch in common:
        for reading in pinyin(ch, style=Style.NORMAL, heteronym=True)[0]:
            by_sound.setdefault(reading, set()).add(ch)
    words_path = Path(jieba.__file__).parent / "dict.txt"
    freq: dict[str, int] = {}
    for line in words_path.read_text("utf-8").splitlines():
        word, count = line.split(" ")[:2]
        freq[word] = int(count)
    jieba_words = set(freq)
    taken = zh_patterns | zh_terms | jieba_words
    variants: dict[str, set[str]] = {}
    for p in sorted(x for x in zh_patterns if _CJK_WORD.match(x)):
        for i, ch in enumerate(p):
            for reading in pinyin(ch, style=Style.NORMAL, heteronym=True)[0]:
                for other in by_sound.get(reading, ()):
                    if other == ch:
                        continue
                    v = p[:i] + other + p[i + 1 :]
                    if v not in taken and not FUNCTION_CHARS.intersection(v):
                        variants.setdefault(v, set()).add(p)
    zh_lines = sorted(f"{v}\t{next(iter(c))}" for v, c in variants.items() if len(c) == 1)
    zh_lines += sorted(f"{v}\t{c}" for v, c in HAND_WRITTEN.items())
    # Words read as they are: a slip is only put right where no pattern or lexicon term starts
    # at the same place or earlier and overlaps it ("客服回复" is not "客不回复").
    taken_here = {w for w in zh_patterns | zh_terms if _CJK_RUN.fullmatch(w) and len(w) > 1}
    # Nor where the slip's first character ends a common word with the character before it, or
    # its last character starts one with the character after it ("罚息按全额" is not "安全额").
    firsts = {v[0] for v in variants}
    lasts = {v[-1] for v in variants}
    left: dict[str, set[str]] = {}
    right: dict[str, set[str]] = {}
    for w, n in freq.items():
        if len(w) == 2 and n >= COMMON_WORD and _CJK_RUN.fullmatch(w):
            if w[1] in firsts:
                left.setdefault(w[1], set()).add(w[0])
            if w[0] in lasts:
                right.setdefault(w[0], set()).add(w[1])
    edge_lines = [f"<{c}\t{''.join(sorted(x))}" for c, x in sorted(left.items())]
    edge_lines += [f">{c}\t{''.join(sorted(x))}" for c, x in sorted(right.items())]

    targets = {w for w in en_pattern_words if _EN_WORD.match(w)}
    targets |= {w for w in en_terms if _EN_WORD.match(w) and len(w) >= 6}
    index: dict[str, set[str]] = {}
    for t in targets:
        for d in deletes(t):
            index.setdefault(d, set()).add(t)
    english = get_english_words_set(["web2", "gcide"], lower=True, alpha=True)
    near = set()
    for w in {f for lemma in english for f in _inflections(lemma)}:
        if len(w) < 4 or w in targets:
            continue
        if any(within_one_edit(w, t) for d in deletes(w) for t in index.get(d, ())):
            near.add(w)
    lines = ["# typing slips corrected before reading (loyalloop.feedback.typos);",
             "# built by python -m loyalloop.feedback.build_typos", "[zh]", *zh_lines,
             "[zh_words]", *sorted(w for w in taken_here if _CJK_WORD.match(w)),
             "[zh_edges]", *edge_lines,
             "[en_targets]", *sorted(targets), "[en_words]", *sorted(near)]  # fmt: skip
    log.info("%d Chinese variants, %d English targets, %d real words near them",
             len(zh_lines), len(targets), len(near))  # fmt: skip
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: write ``data/typos.txt`` (or ``--out``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DATA_DIR / "typos.txt")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from loyalloop.core.export import write_text_atomic

    write_text_atomic(args.out, build())


if __name__ == "__main__":  # pragma: no cover
    main()
