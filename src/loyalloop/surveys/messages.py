"""Messages a customer (or a survey author) reads, in Chinese and English."""

from __future__ import annotations

from typing import Literal

__all__ = ["LANGUAGES", "Lang", "message", "pick_language"]

Lang = Literal["zh", "en"]
LANGUAGES: tuple[Lang, ...] = ("zh", "en")

_MESSAGES: dict[str, dict[Lang, str]] = {
    "required": {"en": "Please answer this question.", "zh": "请回答此题。"},
    "integer": {"en": "Please choose a whole number.", "zh": "请选择一个整数。"},
    "range": {
        "en": "Please choose a value from {low} to {high}.",
        "zh": "请选择 {low} 到 {high} 之间的数值。",
    },
    "choice": {"en": "Please choose one of the options.", "zh": "请从选项中选择。"},
    "choices": {"en": "Please choose from the options.", "zh": "请从选项中选择。"},
    "too_many": {"en": "Please choose at most {n}.", "zh": "最多选择 {n} 项。"},
    "text": {"en": "Please write text.", "zh": "请填写文字。"},
    "too_long": {
        "en": "Please keep it under {n} characters.",
        "zh": "请不要超过 {n} 个字。",
    },
    "kano": {
        "en": "Please answer both questions for each feature.",
        "zh": "请为每项功能回答两个问题。",
    },
    "unknown_question": {"en": "This survey has no such question.", "zh": "问卷中没有这道题。"},
    "answers_object": {
        "en": 'Send a JSON object {{"answers": {{…}}}}.',
        "zh": '请提交 JSON 对象 {{"answers": {{…}}}}。',
    },
    "invalid": {
        "en": "Some answers need attention.",
        "zh": "部分答案需要修改。",
    },
}


def message(key: str, lang: str, **kw: object) -> str:
    """The message ``key`` in ``lang`` (``zh`` or ``en``; anything else reads English)."""
    texts = _MESSAGES[key]
    return texts["zh" if lang == "zh" else "en"].format(**kw)


def pick_language(accept_language: str | None, offered: tuple[str, ...] | list[str]) -> str:
    """The first language of an ``Accept-Language`` header the survey offers (by q-weight).

    >>> pick_language("en-US,en;q=0.9,zh-CN;q=0.8", ["zh", "en"])
    'en'
    >>> pick_language("zh-CN,zh;q=0.9", ["zh", "en"])
    'zh'
    >>> pick_language(None, ["en"])
    'en'
    """
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for p in params.split(";"):
            name, _, value = p.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        base = tag.strip().lower().split("-")[0]
        if base and q > 0:
            ranked.append((-q, i, base))
    for _, _, base in sorted(ranked):
        if base in offered:
            return base
    return offered[0]
