"""Validation of a response's answers against its survey version.

:func:`validate_answers` returns the clean answers or raises :class:`AnswerError`, whose
``problems`` map each question id to a message in the customer's language. Nothing is partly
accepted: one bad answer refuses the whole response.

Accepted shapes (JSON or, via :func:`answers_from_form`, an HTML form):

==============  ===============================================  ==========================
type            JSON value                                       form fields
==============  ===============================================  ==========================
nps/csat/ces    an integer in range (``"7"`` is read as 7)       ``nps=7``
rating          an integer 1..scale                              ``taste=4``
single_choice   an option id                                     ``channel=app``
multi_choice    a list of option ids                             ``topics=fee&topics=app``
text            a string (stored as given: it is shown escaped)  ``why=...``
kano            ``{feature: {functional: a, dysfunctional: b}}``  ``fee.lounge.functional=like``
==============  ===============================================  ==========================

KANO answers use the five-point scale of :data:`loyalloop.feedback.kano.KANO_ANSWERS`
(``like``, ``must-be``, ``neutral``, ``live-with``, ``dislike``).

Answers to questions hidden by skip logic are dropped; answers to questions the survey does not
have are refused (a client sending them is out of date).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from loyalloop.errors import LoyalloopError
from loyalloop.feedback.kano import KANO_ANSWERS
from loyalloop.surveys.messages import message
from loyalloop.surveys.spec import Question, QuestionType, SurveySpec

__all__ = [
    "AnswerError",
    "MalformedBody",
    "answers_from_form",
    "validate_answers",
    "visible_questions",
]


class AnswerError(LoyalloopError, ValueError):
    """Answers that do not fit the survey; ``problems`` maps question ids to messages."""

    exit_code = 1
    code = "invalid_answers"

    def __init__(self, problems: Mapping[str, str], lang: str) -> None:
        self.problems = dict(problems)
        self.lang = lang
        detail = "; ".join(f"{k}: {v}" for k, v in self.problems.items())
        super().__init__(f"{message('invalid', lang)} {detail}")


class MalformedBody(AnswerError):
    """The request is not a JSON object ``{"answers": {…}}`` at all."""

    code = "malformed"

    def __init__(self, problems: Mapping[str, str], lang: str) -> None:
        super().__init__(problems, lang)
        self.args = ("; ".join(self.problems.values()),)


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _check(q: Question, value: Any, lang: str) -> tuple[Any, str | None]:
    """The clean value of one answer, or a message."""
    rng = q.score_range
    if rng is not None:
        n = _integer(value)
        if n is None:
            return None, message("integer", lang)
        if not rng[0] <= n <= rng[1]:
            return None, message("range", lang, low=rng[0], high=rng[1])
        return n, None
    if q.type is QuestionType.single_choice:
        ids = {o.id for o in q.options}
        if not isinstance(value, str) or value not in ids:
            return None, message("choice", lang)
        return value, None
    if q.type is QuestionType.multi_choice:
        values = [value] if isinstance(value, str) else value
        ids = {o.id for o in q.options}
        if not isinstance(values, list) or not all(isinstance(v, str) and v in ids for v in values):
            return None, message("choices", lang)
        chosen = [o.id for o in q.options if o.id in set(values)]  # spec order, no repeats
        if q.max_choices is not None and len(chosen) > q.max_choices:
            return None, message("too_many", lang, n=q.max_choices)
        return chosen, None
    if q.type is QuestionType.text:
        if not isinstance(value, str):
            return None, message("text", lang)
        if len(value) > q.max_length:
            return None, message("too_long", lang, n=q.max_length)
        return value, None
    # kano
    if not isinstance(value, Mapping):
        return None, message("kano", lang)
    clean: dict[str, dict[str, str]] = {}
    for f in q.features:
        pair = value.get(f.id)
        if not isinstance(pair, Mapping):
            if q.is_required:
                return None, message("kano", lang)
            continue
        fa, da = pair.get("functional"), pair.get("dysfunctional")
        if fa not in KANO_ANSWERS or da not in KANO_ANSWERS:
            return None, message("kano", lang)
        clean[f.id] = {"functional": str(fa), "dysfunctional": str(da)}
    if set(value) - {f.id for f in q.features}:
        return None, message("kano", lang)
    return clean, None


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict) and len(value) == 0)


def validate_answers(spec: SurveySpec, answers: Any, lang: str) -> dict[str, Any]:
    """The clean answers to ``spec`` (only visible questions), or :class:`AnswerError`."""
    if not isinstance(answers, Mapping):
        raise AnswerError({"answers": message("answers_object", lang)}, lang)
    problems: dict[str, str] = {}
    known = {q.id for q in spec.questions}
    for qid in answers:
        if qid not in known:
            problems[str(qid)[:80]] = message("unknown_question", lang)
    clean: dict[str, Any] = {}
    for q in spec.questions:
        if q.show_if is not None and not q.show_if.holds(clean.get(q.show_if.question)):
            continue
        value = answers.get(q.id)
        if isinstance(value, str) and q.type is not QuestionType.text:
            value = value.strip()
        if _empty(value) or (q.type is QuestionType.text and not str(value).strip()):
            if q.is_required:
                problems[q.id] = message("required", lang)
            continue
        ok, problem = _check(q, value, lang)
        if problem:
            problems[q.id] = problem
        else:
            clean[q.id] = ok
    if problems:
        raise AnswerError(problems, lang)
    return clean


def visible_questions(spec: SurveySpec, answers: Mapping[str, Any]) -> list[Question]:
    """The questions shown given ``answers`` (skip logic applied in order)."""
    return [
        q
        for q in spec.questions
        if q.show_if is None or q.show_if.holds(answers.get(q.show_if.question))
    ]


def answers_from_form(spec: SurveySpec, items: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Answers from HTML form fields (see the module docstring); other fields are ignored."""
    by_id = {q.id: q for q in spec.questions}
    out: dict[str, Any] = {}
    for name, value in items:
        qid, _, rest = name.partition(".")
        q = by_id.get(qid)
        if q is None:
            continue
        if q.type is QuestionType.kano:
            feature, _, side = rest.partition(".")
            if side in ("functional", "dysfunctional") and value:
                out.setdefault(qid, {}).setdefault(feature, {})[side] = value
        elif q.type is QuestionType.multi_choice:
            out.setdefault(qid, []).append(value)
        elif not rest:
            out[qid] = value
    return out
