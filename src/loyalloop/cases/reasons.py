"""Why a case was opened or raised, as a code with parameters, shown in the reader's language.

The rules (:mod:`loyalloop.cases.rules`) and the priority formula
(:mod:`loyalloop.cases.priority`) say why they fired as :class:`Reason` values — a ``code``
and its ``params`` (numbers, aspect keys, phrases) — never as finished sentences, so the case
page shows them in Chinese to a Chinese-speaking agent and in English to an English-speaking
one. :data:`REASON_TEXTS` is the catalogue of the sentences, one (English, Chinese) pair per
code, in the style of the interfaces' catalogues; it sits here, in the library, because the
service stores the English sentence beside the code (for exports and the case timeline) and
every interface renders from the same catalogue.

Stored form (the ``reasons`` of a case signal's ``detail`` JSON, no new column)::

    {"code": "churn_high", "params": {"p": 0.82, "min_p": 0.6, ...}, "text": "churn probability …"}

A case's timeline records the reasons of its "opened" and "signals added" events as their
English sentences joined by ``"; "`` (the event's text); :func:`translate_joined` shows such a
text in the reader's language from the case's own reasons, or as written when any part of it is
not one of them. Rows stored before the codes hold plain English sentences;
:meth:`Reason.from_stored` reads them as code ``text`` and they are shown as written, in both
languages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from loyalloop.core.wording import join_reasons

__all__ = ["LEGACY", "REASON_TEXTS", "Reason", "reason_text", "translate_joined"]

#: The code of a reason stored as a plain sentence (before the codes): shown as written.
LEGACY = "text"

#: Code → (English, Chinese) sentence; ``{name}`` fields are the reason's formatted params.
REASON_TEXTS: dict[str, tuple[str, str]] = {
    "nps_detractor": (
        "NPS answer {score} (detractor: 0–{max_score})",
        "NPS 评分 {score}（贬损者：0–{max_score} 分）",
    ),
    "negative_aspect": (
        "negative comment on {aspect} (severity {severity} ≥ {min_severity})",
        "对“{aspect}”的负面评价（严重度 {severity} ≥ {min_severity}）",
    ),
    "aspect_confidence": (
        "the reading is {confidence} confident the comment or its clause is about {aspect} "
        "(≥ {min_confidence})",
        "解读认为评论或其分句谈及“{aspect}”的置信度为 {confidence}（≥ {min_confidence}）",
    ),
    "aspect_confidence_unknown": (
        "the reading has no confidence for {aspect} (implied by the channel or a custom aspect); "
        "kept",
        "解读对“{aspect}”没有置信度（由渠道推断或为自定义方面），未按置信度筛选",
    ),
    "phrase": ("{lists} phrase: {phrases}", "命中{lists}短语：{phrases}"),
    "churn_high": (
        "churn probability {p} ≥ {min_p} in the top {top_share}% of CLV (percentile {percentile})",
        "流失概率 {p} ≥ {min_p}，客户终身价值居前 {top_share}%（百分位 {percentile}）",
    ),
    "winback_failed": (
        "win-back contact{campaign} did not bring the customer back",
        "挽回联系{campaign}未能让客户回来",
    ),
    "winback_failed_campaign": (" ({campaign})", "（{campaign}）"),
    "input_unknown": ("{input} unknown; counted as {value}", "{input}未知，按 {value} 计"),
    "input_clv_percentile": ("CLV percentile", "客户终身价值百分位"),
    "input_churn_probability": ("churn probability", "流失概率"),
    "priority_raised": (
        "raised from {from_priority} to the rule's minimum {to_priority}",
        "由 {from_priority} 提升至规则规定的最低优先级 {to_priority}",
    ),
}

#: Params that are shares in [0, 1] shown as percentages (0.1 → "10").
_PERCENT = frozenset({"top_share", "percentile"})


def _num(x: float) -> str:
    """Two decimals at most, trailing zeros dropped (0.80 → "0.8", 6.0 → "6")."""
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "zh" else pair[0]


@dataclass(frozen=True, eq=True)
class Reason:
    """One reason: a code of :data:`REASON_TEXTS` (or :data:`LEGACY`) and its params."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)
    #: The English sentence stored with it (shown if the params no longer fit the catalogue).
    stored_text: str = field(default="", compare=False)

    def text(self, lang: str = "en", aspects: Mapping[str, tuple[str, str]] | None = None) -> str:
        """The sentence in ``lang`` (``"zh"`` or English); ``aspects`` maps an aspect key to
        its (English, Chinese) name, else the key is shown made readable."""
        return reason_text(self.code, self.params, lang, aspects) or self.stored_text

    def __str__(self) -> str:
        return self.text("en")

    def to_dict(self) -> dict[str, Any]:
        """The stored form: code, params and the English sentence."""
        return {"code": self.code, "params": dict(self.params), "text": self.text("en")}

    @classmethod
    def from_stored(cls, value: object) -> Reason:
        """A reason read back from a signal's ``detail``: the stored form, or a plain sentence
        of a row stored before the codes (code :data:`LEGACY`)."""
        if isinstance(value, Mapping) and value.get("code") in REASON_TEXTS:
            params = value.get("params")
            return cls(
                str(value["code"]),
                dict(params) if isinstance(params, Mapping) else {},
                str(value.get("text") or ""),
            )
        if isinstance(value, Mapping):  # an unknown code (newer writer): keep its English text
            return cls(LEGACY, {"text": str(value.get("text") or value.get("code") or "")})
        return cls(LEGACY, {"text": str(value)})


def reason_text(
    code: str,
    params: Mapping[str, Any],
    lang: str = "en",
    aspects: Mapping[str, tuple[str, str]] | None = None,
) -> str:
    """The sentence of a reason in ``lang`` from :data:`REASON_TEXTS` (see :class:`Reason`);
    ``""`` when the params do not fit the code's sentence."""
    if code == LEGACY or code not in REASON_TEXTS:
        return str(params.get("text", ""))
    sep = "、" if lang == "zh" else ", "
    values: dict[str, str] = {}
    for k, v in params.items():
        if isinstance(v, Sequence) and not isinstance(v, str):
            values[k] = sep.join(map(str, v))
        elif isinstance(v, bool) or not isinstance(v, int | float):
            values[k] = str(v)
        else:
            values[k] = _num(100 * v if k in _PERCENT else float(v))
    if code in ("negative_aspect", "aspect_confidence", "aspect_confidence_unknown"):
        key = str(params.get("aspect", ""))
        en, zh = (aspects or {}).get(key, ("", ""))
        values["aspect"] = (zh if lang == "zh" else en) or key.replace("_", " ")
    elif code == "winback_failed":
        campaign = str(params.get("campaign") or "")
        values["campaign"] = (
            _pick(REASON_TEXTS["winback_failed_campaign"], lang).format(campaign=campaign)
            if campaign
            else ""
        )
    try:
        if code == "input_unknown":
            values["input"] = _pick(REASON_TEXTS[f"input_{params.get('input')}"], lang)
        return _pick(REASON_TEXTS[code], lang).format(**values)
    except (KeyError, IndexError, ValueError):  # params of another version
        return ""


def translate_joined(text: str, sentences: Mapping[str, str], lang: str = "en") -> str:
    """``text`` — English reason sentences joined by ``"; "`` — with each sentence replaced by
    ``sentences[sentence]`` (joined by "；" in Chinese); ``text`` itself when any part is not
    a key of ``sentences`` (a note, or a row stored before the codes).

    Examples
    --------
    >>> translate_joined("a; b; c", {"a; b": "甲乙", "c": "丙"}, "zh")
    '甲乙；丙'
    >>> translate_joined("a; x", {"a": "甲"}, "zh")
    'a; x'
    """
    keys = sorted((k for k in sentences if k), key=len, reverse=True)  # "a; b" before "a"
    out: list[str] = []
    rest = text
    while rest:
        for k in keys:
            if rest == k or rest.startswith(k + "; "):
                out.append(sentences[k])
                rest = rest[len(k) + 2 :]
                break
        else:
            return text
    return join_reasons(out, lang)
