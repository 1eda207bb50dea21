"""Pinyin-aware keys for personal names, cities and addresses.

A Chinese customer's name reaches a CRM in many spellings: ``王芳`` at the branch, ``Wang Fang``
on the card application, ``FANG WANG`` from an overseas booking, ``汪芳`` typed through a
pinyin input method (a homophone). These keys let the matcher see that they can be one person:

``name_clean``
    The name as written, without spaces, punctuation or case: ``王芳``, ``wangfang``.
``name_key``
    The *bag of syllables*: the name in toneless pinyin, split into syllables and sorted, so
    that script, word order, spacing and homophones do not matter —
    ``王芳``, ``汪芳``, ``Wang Fang`` and ``FANG Wang`` all give ``fang wang``;
    ``王小明`` and ``Xiaoming Wang`` give ``ming wang xiao``. Latin words that are not pinyin
    (``John Smith``) are kept as whole lower-case words, also sorted.
``name_han``
    The Han characters of the name (``None`` for a Latin name), for a one-character typo level.

Characters are read with :mod:`pypinyin`'s single-character dictionary (its first, most common
reading) and a table of surnames read differently as surnames (``单`` Shan, ``曾`` Zeng,
``区`` Ou …), applied to the first character. Limits: a given-name character with two
readings may be read the other way (``乐`` le / yue); Wade-Giles or Cantonese spellings
(``Chan`` for ``陈``) are not pinyin and do not meet their characters; ``ü`` is written ``u``
(``吕`` = ``Lü`` = ``Lyu`` = ``Lv`` = ``lu``).

Latin words are split into pinyin syllables by dynamic programming over the syllable
inventory, preferring splits without a vowel-initial syllable inside the word
(``xiangang`` → ``xian gang``, as pinyin would write ``xiang'ang`` otherwise).

The functions take and return Python strings; :func:`name_keys` caches by value, so a column
with repeated names costs one conversion per distinct name.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

__all__ = [
    "address_key",
    "city_key",
    "name_keys",
    "pinyin_syllables",
]

#: First characters whose reading as a surname differs from the character's common reading.
SURNAME_READINGS: dict[str, str] = {
    "单": "shan", "曾": "zeng", "区": "ou", "仇": "qiu", "朴": "piao", "解": "xie",
    "查": "zha", "乐": "yue", "覃": "qin", "盖": "ge", "缪": "miao", "翟": "zhai",
    "召": "shao", "种": "chong", "秘": "bi", "员": "yun", "宁": "ning", "尉": "yu",
    "万": "wan", "沈": "shen", "石": "shi", "柏": "bai", "长": "chang", "重": "chong",
    "黑": "he", "隗": "wei", "繁": "po", "句": "gou", "过": "guo", "传": "chuan",
    "郇": "huan", "阚": "kan", "那": "na", "藏": "zang", "车": "che",
}  # fmt: skip
# (readings of compound surnames follow from their characters, e.g. 尉迟 = yu chi.)

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_NOT_WORD = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN_WORDS = re.compile(r"[a-z]+")


def _pinyin_dict() -> dict[int, str]:
    """pypinyin's single-character dictionary (code point → readings, comma-separated).

    Read from the package's data file (``pinyin_dict.json``, what ``pypinyin.pinyin_dict``
    loads) without importing the package: ``import pypinyin`` also loads its phrase
    dictionary and trains its word segmenter, 0.3 s of CPU at the start of every run that
    these keys never use; the file alone takes 0.02 s. When the file is not where this
    pypinyin keeps it, the module is imported as before.
    """
    import importlib.util
    import json
    from pathlib import Path

    spec = importlib.util.find_spec("pypinyin")  # finds the package, does not import it
    if spec is not None and spec.submodule_search_locations:
        path = Path(next(iter(spec.submodule_search_locations))) / "pinyin_dict.json"
        if path.is_file():
            data = json.loads(path.read_text(encoding="utf-8"))
            return {int(k): str(v) for k, v in data.items()}
    from pypinyin.pinyin_dict import pinyin_dict  # pragma: no cover - another layout

    return dict(pinyin_dict)  # pragma: no cover


@cache
def _char_readings() -> dict[str, str]:
    """Code point → toneless reading (pypinyin's first reading; ``ü`` as ``u``).

    The readings are written with tone marks (``fāng``); :func:`_fold` removes them, which
    gives what pypinyin's ``Style.NORMAL`` gives for each of the 1,462 distinct first readings
    (``tests/data/test_identity_names.py`` compares the whole table with pypinyin's own).
    """
    folded: dict[str, str] = {}
    out: dict[str, str] = {}
    for code, readings in _pinyin_dict().items():
        first = readings.split(",")[0]
        plain = folded.get(first)
        if plain is None:
            plain = folded[first] = _fold(first)
        out[chr(code)] = plain
    return out


@cache
def _syllables() -> frozenset[str]:
    return frozenset(_char_readings().values()) - {""}


def _fold(text: str) -> str:
    """Lower case, accents removed, ``ü``/``v``/``yu`` after l and n written ``u``."""
    t = unicodedata.normalize("NFKD", text.lower())
    t = "".join(ch for ch in t if not unicodedata.combining(ch))
    return t.replace("lyu", "lu").replace("nyu", "nu").replace("v", "u")


@lru_cache(maxsize=100_000)
def pinyin_syllables(word: str) -> tuple[str, ...] | None:
    """Split a Latin word into pinyin syllables, or ``None`` when it is not pinyin.

    Examples
    --------
    >>> pinyin_syllables("xiaoming")
    ('xiao', 'ming')
    >>> pinyin_syllables("xiangang")
    ('xian', 'gang')
    >>> pinyin_syllables("smith") is None
    True
    """
    sylls = _syllables()
    n = len(word)
    # best[i] = (vowel-initial inner syllables, syllables, split) for word[:i]
    best: list[tuple[int, int, tuple[str, ...]] | None] = [None] * (n + 1)
    best[0] = (0, 0, ())
    for i in range(n):
        cur = best[i]
        if cur is None:
            continue
        for j in range(i + 1, min(n, i + 6) + 1):
            s = word[i:j]
            if s not in sylls:
                continue
            cand = (cur[0] + (i > 0 and s[0] in "aeo"), cur[1] + 1, (*cur[2], s))
            prev = best[j]
            if prev is None or cand[:2] < prev[:2]:
                best[j] = cand
    end = best[n]
    return end[2] if end is not None else None


def _han_syllables(han: str) -> list[str]:
    table = _char_readings()
    out = []
    for k, ch in enumerate(han):
        reading = SURNAME_READINGS.get(ch) if k == 0 else None
        out.append(reading or table.get(ch, ch))
    return out


@lru_cache(maxsize=1_000_000)
def name_keys(name: str | None) -> tuple[str | None, str | None, str | None]:
    """``(name_clean, name_key, name_han)`` of one name (see the module docstring).

    Examples
    --------
    >>> name_keys("王芳")
    ('王芳', 'fang wang', '王芳')
    >>> name_keys(" FANG  Wang ")
    ('fangwang', 'fang wang', None)
    >>> name_keys("Xiao-Ming WANG")[1] == name_keys("王小明")[1]
    True
    >>> name_keys("单雄信")[1]
    'shan xin xiong'
    >>> name_keys("  ")
    (None, None, None)
    """
    if name is None:
        return None, None, None
    folded = unicodedata.normalize("NFKC", name).lower()
    clean = _NOT_WORD.sub("", folded)
    if not clean:
        return None, None, None
    han = "".join(_HAN.findall(folded))
    parts: list[str] = _han_syllables(han) if han else []
    for word in _LATIN_WORDS.findall(_fold(_HAN.sub(" ", folded))):
        sylls = pinyin_syllables(word)
        parts.extend(sylls if sylls is not None else (word,))
    key = " ".join(sorted(parts)) if parts else None
    return clean, key, han or None


_CITY_SUFFIX = re.compile(r"(市|区|县|省)$")


@lru_cache(maxsize=100_000)
def city_key(city: str | None) -> str | None:
    """A city's name in toneless pinyin without spaces: ``上海市``, ``上海`` and ``Shanghai``
    all give ``shanghai``; ``Xi'an`` gives ``xian``.

    Examples
    --------
    >>> city_key("上海市"), city_key("Shanghai"), city_key("Xi'an")
    ('shanghai', 'shanghai', 'xian')
    """
    if city is None:
        return None
    c = unicodedata.normalize("NFKC", city).strip()
    c = _CITY_SUFFIX.sub("", c) if len(c) > 2 else c
    han = "".join(_HAN.findall(c))
    if han:
        return "".join(_han_syllables(han)) or None
    out = "".join(_LATIN_WORDS.findall(_fold(c)))
    return out or None


_ADDRESS_UNITS = (
    ("號", "号"), ("幢", "栋"), ("棟", "栋"), ("#", "号"), ("单元", "单元"), ("室", "室"),
    ("apartment", "apt"), ("street", "st"), ("road", "rd"), ("avenue", "ave"),
    ("building", "bldg"), ("room", "rm"), ("no.", ""), ("number", ""),
)  # fmt: skip
_ADDRESS_DROP = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff]+")


@lru_cache(maxsize=200_000)
def address_key(address: str | None, city: str | None = None) -> str | None:
    """An address compared by content, not by layout: full-width characters folded, case and
    punctuation removed, ``號``/``幢``/``#`` written ``号``/``栋``/``号``, English street words
    abbreviated, and a leading city name (``上海市``, ``上海``) removed.

    Examples
    --------
    >>> address_key("上海市浦东新区张杨路１２３号５幢", "上海")
    '浦东新区张杨路123号5栋'
    >>> address_key(" 浦东新区 张杨路123號5栋 ")
    '浦东新区张杨路123号5栋'
    """
    if address is None:
        return None
    a = unicodedata.normalize("NFKC", address).lower()
    for old, new in _ADDRESS_UNITS:
        a = a.replace(old, new)
    a = _ADDRESS_DROP.sub("", a)
    if city:
        c = _ADDRESS_DROP.sub("", unicodedata.normalize("NFKC", city).lower())
        c = _CITY_SUFFIX.sub("", c) if len(c) > 2 else c
        for prefix in (c + "市", c):
            if c and a.startswith(prefix):
                a = a[len(prefix) :]
                break
    return a or None
