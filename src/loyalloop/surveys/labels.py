"""A stored response as a reader sees it: each question's text and each choice's label, from
the survey version the customer answered, in the language they answered in.

Responses store ids (``{"served": "counter"}``): the ids stay stable when a text is reworded,
and the analytics group by them. Pages show the words. Which words, in order:

1. the text in ``lang`` (the response's language: what the customer read);
2. else the text in the survey's first language (``spec.languages[0]``);
3. else any text the spec has;
4. else the id itself — a question or an option the version does not define (an answer
   written by another system, or a spec edited in place) is shown by its id, and
   :attr:`LabelledAnswer.known` is false so a page can mark it.

Numbers (NPS, CSAT, CES, ratings) and free text are shown as given; a KANO answer as
"feature: functional / dysfunctional" with the feature's label.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from loyalloop.core.wording import join_items
from loyalloop.surveys.spec import Choice, Question, SurveySpec, Text

__all__ = ["LabelledAnswer", "label_answers"]


@dataclass(frozen=True)
class LabelledAnswer:
    """One answer of a response: the question's id and text, the answer in words."""

    question_id: str
    question: str
    answer: str
    #: False when the survey version does not define the question (shown by its id).
    known: bool = True


def _pick(text: Text | None, lang: str, spec: SurveySpec, fallback: str) -> str:
    if not text:
        return fallback
    for key in (lang, spec.languages[0] if spec.languages else lang):
        if text.get(key):
            return text[key]
    return next((v for v in text.values() if v), fallback)


def _choice(options: tuple[Choice, ...], value: object, lang: str, spec: SurveySpec) -> str:
    for o in options:
        if o.id == str(value):
            return _pick(o.text, lang, spec, o.id)
    return str(value)


def _plain(value: Any, lang: str) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return join_items(value, lang)
    if isinstance(value, Mapping):
        return join_items((f"{k}: {_plain(v, lang)}" for k, v in value.items()), lang)
    return str(value)


def _answer(q: Question, value: Any, lang: str, spec: SurveySpec) -> str:
    if q.options and isinstance(value, list | tuple):
        return join_items((_choice(q.options, v, lang, spec) for v in value), lang)
    if q.options:
        return _choice(q.options, value, lang, spec)
    if q.features and isinstance(value, Mapping):
        parts = []
        for fid, pair in value.items():
            name = _choice(q.features, fid, lang, spec)
            if isinstance(pair, Mapping):
                pair = " / ".join(str(pair.get(k, "")) for k in ("functional", "dysfunctional"))
            parts.append(f"{name}: {pair}")
        return join_items(parts, lang)
    return _plain(value, lang)


def label_answers(
    answers: Mapping[str, Any], spec: SurveySpec | None, lang: str
) -> tuple[LabelledAnswer, ...]:
    """``answers`` (question id → stored value) in words, in the order stored (module
    docstring); without a spec every answer is shown by its ids.

    Examples
    --------
    >>> from loyalloop.surveys.spec import parse_spec
    >>> spec = parse_spec({"key": "b", "title": {"zh": "调查", "en": "Survey"},
    ...     "questions": [{"id": "served", "type": "single_choice",
    ...         "text": {"zh": "办理方式？", "en": "How were you served?"},
    ...         "options": [{"id": "counter", "text": {"zh": "柜台", "en": "Counter"}},
    ...                     {"id": "app", "text": {"zh": "手机银行", "en": "App"}}]}]})
    >>> [(a.question, a.answer) for a in label_answers({"served": "counter"}, spec, "zh")]
    [('办理方式？', '柜台')]
    >>> label_answers({"gone": 3}, spec, "en")[0]
    LabelledAnswer(question_id='gone', question='gone', answer='3', known=False)
    """
    questions = {q.id: q for q in spec.questions} if spec is not None else {}
    out = []
    for qid, value in answers.items():
        q = questions.get(str(qid))
        if q is None or spec is None:
            out.append(LabelledAnswer(str(qid), str(qid), _plain(value, lang), known=False))
            continue
        out.append(
            LabelledAnswer(q.id, _pick(q.text, lang, spec, q.id), _answer(q, value, lang, spec))
        )
    return tuple(out)
