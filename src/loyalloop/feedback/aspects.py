"""Aspect taxonomies (YAML) and aspect-level sentiment.

A taxonomy lists aspects with Chinese and English patterns (format documented in
``taxonomies/banking.yaml``). Shipped: ``banking`` (credit cards and banking), ``retail``, and
``default`` = both. A taxonomy can also be given as a dict or a path to a YAML file.

Aspect-level sentiment is the sentiment **of the clause that mentions the aspect**, not of the
whole comment: ``"年费太贵，但是积分很划算"`` is negative on annual fee and positive on rewards
points. A clause that names an aspect but carries no sentiment of its own (``"年费呢，太贵了"``)
borrows the sentiment of the next clause when that clause names no aspect and is not neutral.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from loyalloop.errors import ConfigError, DataValidationError
from loyalloop.feedback.clean import clean_text
from loyalloop.feedback.language import _classify, language_counts
from loyalloop.feedback.sentiment import Sentiment, score_clause
from loyalloop.feedback.tokenize import split_clauses, to_simplified

__all__ = [
    "SHIPPED_TAXONOMIES",
    "Aspect",
    "AspectMention",
    "Taxonomy",
    "aspect_mentions",
    "aspect_summary",
    "detect_aspects",
    "load_taxonomy",
    "shipped_taxonomy_terms",
]

SHIPPED_TAXONOMIES = ("banking", "retail", "default")
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Aspect:
    """One aspect: a key, labels and compiled patterns."""

    key: str
    label_en: str
    label_zh: str
    zh_patterns: tuple[str, ...]
    en_patterns: tuple[str, ...]
    en_regex: re.Pattern[str] | None

    @property
    def zh_regex(self) -> re.Pattern[str] | None:
        return _zh_regex(self.zh_patterns)

    def matches(self, clause_lower: str) -> list[str]:
        """Patterns of this aspect found in a simplified, lower-cased clause."""
        found = [p for p in self.zh_patterns if p in clause_lower]
        if self.en_regex is not None:
            found += [m.group(0) for m in self.en_regex.finditer(clause_lower)]
        return list(dict.fromkeys(found))


@lru_cache(maxsize=256)
def _zh_regex(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile("|".join(re.escape(p) for p in sorted(patterns, key=len, reverse=True)))


@dataclass(frozen=True)
class Taxonomy:
    """An ordered set of aspects."""

    name: str
    aspects: tuple[Aspect, ...]
    #: One regex matching any pattern of any aspect (a fast pre-filter), set on creation.
    any_regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    @property
    def keys(self) -> list[str]:
        return [a.key for a in self.aspects]

    def __post_init__(self) -> None:
        parts = [r.pattern for a in self.aspects if (r := a.zh_regex) is not None]
        parts += [a.en_regex.pattern for a in self.aspects if a.en_regex is not None]
        object.__setattr__(self, "any_regex", re.compile("|".join(f"(?:{p})" for p in parts)))

    def find(self, clause_lower: str) -> list[tuple[str, list[str]]]:
        """``[(aspect, matched patterns)]`` for a simplified, lower-cased clause."""
        if not self.any_regex.search(clause_lower):
            return []
        return [(a.key, m) for a in self.aspects if (m := a.matches(clause_lower))]

    def label(self, key: str, language: str = "en") -> str:
        for a in self.aspects:
            if a.key == key:
                return a.label_zh if language == "zh" else a.label_en
        raise ConfigError(f"taxonomy {self.name} has no aspect {key!r}")


def _compile_en(patterns: list[str], where: str) -> re.Pattern[str] | None:
    parts = []
    for p in patterns:
        if p.startswith("re:"):
            parts.append(f"(?:{p[3:]})")
        else:
            words = [re.escape(w) for w in p.lower().split()]
            parts.append(r"\b" + r"\s+".join(words) + r"(?:s|es)?\b")
    if not parts:
        return None
    try:
        return re.compile("|".join(parts))
    except re.error as exc:
        raise ConfigError(f"{where}: invalid English pattern: {exc}") from exc


def _str_list(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where} must be a list of non-empty strings")
    return [v.strip() for v in value]


def _parse(spec: Mapping[str, Any], default_name: str) -> Taxonomy:
    if not isinstance(spec, Mapping) or not isinstance(spec.get("aspects"), Mapping):
        raise ConfigError("taxonomy must be a mapping with an 'aspects' mapping")
    name = str(spec.get("name", default_name))
    aspects = []
    for key, body in spec["aspects"].items():
        where = f"taxonomy {name}, aspect {key!r}"
        if not isinstance(key, str) or not _KEY.match(key):
            raise ConfigError(f"{where}: keys must be lower_snake_case identifiers")
        if not isinstance(body, Mapping):
            raise ConfigError(f"{where}: must be a mapping with zh/en patterns")
        unknown = set(body) - {"label", "zh", "en"}
        if unknown:
            raise ConfigError(f"{where}: unknown fields {sorted(unknown)}")
        zh = [to_simplified(p).lower() for p in _str_list(body.get("zh"), f"{where}: zh")]
        en = _str_list(body.get("en"), f"{where}: en")
        if not zh and not en:
            raise ConfigError(f"{where}: needs at least one zh or en pattern")
        label = body.get("label") or {}
        if not isinstance(label, Mapping):
            raise ConfigError(f"{where}: label must be a mapping like {{en: ..., zh: ...}}")
        en_label = str(label.get("en", key.replace("_", " ").capitalize()))
        aspects.append(
            Aspect(
                key=key,
                label_en=en_label,
                label_zh=str(label.get("zh", en_label)),
                zh_patterns=tuple(zh),
                en_patterns=tuple(en),
                en_regex=_compile_en(en, where),
            )
        )
    if not aspects:
        raise ConfigError(f"taxonomy {name} has no aspects")
    return Taxonomy(name, tuple(aspects))


def _shipped_spec(name: str) -> dict[str, Any]:
    ref = resources.files("loyalloop.feedback").joinpath("taxonomies", f"{name}.yaml")
    spec: dict[str, Any] = yaml.safe_load(ref.read_text("utf-8"))
    return spec


@lru_cache(maxsize=8)
def _shipped(name: str) -> Taxonomy:
    if name == "default":
        merged: dict[str, Any] = {}
        for part in ("banking", "retail"):
            merged.update(_shipped_spec(part)["aspects"])
        return _parse({"name": "default", "aspects": merged}, "default")
    return _parse(_shipped_spec(name), name)


def load_taxonomy(source: str | Path | Mapping[str, Any] | Taxonomy | None = None) -> Taxonomy:
    """Load a taxonomy.

    Parameters
    ----------
    source
        ``None`` or ``"default"`` (banking + retail), ``"banking"``, ``"retail"``, a path to a
        YAML file, a dict in the same shape, or a :class:`Taxonomy` (returned as is).

    Raises
    ------
    ConfigError
        Unknown name, unreadable file or invalid content (the message names the aspect).
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
    return _parse(spec, path.stem)


def shipped_taxonomy_terms() -> list[str]:
    """All Chinese patterns of the shipped taxonomies (added to the jieba dictionary)."""
    return [p for a in _shipped("default").aspects for p in a.zh_patterns]


@dataclass(frozen=True)
class AspectMention:
    """One aspect mentioned in one clause, with that clause's sentiment."""

    aspect: str
    clause: str
    matched: tuple[str, ...]
    sentiment: Sentiment


def detect_aspects(text: object, taxonomy: Taxonomy | None = None) -> list[AspectMention]:
    """Aspects mentioned in a comment, each with the sentiment of its clause.

    An aspect mentioned in several clauses gives one mention per clause.

    Examples
    --------
    >>> [(m.aspect, m.sentiment.label) for m in detect_aspects("年费太贵，但是积分很划算")]
    [('annual_fee', 'negative'), ('rewards_points', 'positive')]
    """
    return _detect_cleaned(clean_text(text), taxonomy or load_taxonomy())


def _detect_cleaned(cleaned: str, tax: Taxonomy) -> list[AspectMention]:
    if not cleaned:
        return []
    clauses = split_clauses(cleaned)
    lowered = [to_simplified(c).lower() for c in clauses]
    found = [tax.find(low) for low in lowered]
    mentions: list[AspectMention] = []
    for i, hits in enumerate(found):
        if not hits:
            continue
        lang = _classify(*language_counts(clauses[i]))
        sent = score_clause(clauses[i], lang)
        if sent.label == "neutral" and i + 1 < len(clauses) and not found[i + 1]:
            following = score_clause(clauses[i + 1])
            if following.label != "neutral":
                sent = following
        for key, matched in hits:
            mentions.append(AspectMention(key, clauses[i], tuple(matched), sent))
    return mentions


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
    tax = load_taxonomy(taxonomy)
    ids: Iterable[Any] = (
        feedback[id_column] if id_column in feedback.columns else range(len(feedback))
    )
    extra = [c for c in _PASS_THROUGH if c in feedback.columns]
    extra_values = feedback[extra].itertuples(index=False, name=None) if extra else None
    rows: list[tuple[Any, ...]] = []
    for fid, text in zip(ids, feedback[text_column], strict=True):
        ex: tuple[Any, ...] = next(extra_values) if extra_values is not None else ()
        for m in detect_aspects(text, tax):
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
