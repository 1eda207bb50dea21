"""Survey specs: question types, texts in Chinese and English, skip logic, YAML validation.

A spec is a mapping (from YAML, JSON or the editor)::

    key: branch-visit
    title: {zh: 网点服务调查, en: Branch visit survey}
    languages: [zh, en]
    questions:
      - id: nps
        type: nps
        text: {zh: 您有多大可能向朋友推荐我们？, en: How likely are you to recommend us?}
      - id: why
        type: text
        about: nps                 # the "why" of the NPS answer: its comment in the warehouse
        required: false
        text: {zh: 主要原因是什么？, en: What is the main reason for your score?}
      - id: improve
        type: text
        show_if: {question: nps, max: 6}    # asked of detractors only
        text: {zh: 我们最应该改进什么？, en: What should we improve first?}

Question types (:class:`QuestionType`): ``nps`` (0–10), ``csat`` (1–5), ``ces`` (1–7),
``rating`` (1–``scale``, default 5), ``single_choice`` and ``multi_choice`` (``options`` with
ids), ``text`` (free text, ``max_length``), ``kano`` (``features``; each answered with a
functional and a dysfunctional question on the five-point KANO scale).

Every text is either one string (used for every language) or a ``{zh: …, en: …}`` mapping that
has every language the survey offers. Skip logic: ``show_if`` names an earlier question and a
condition (``min`` / ``max`` for scores, ``in`` for a list of values or option ids); a hidden
question is not asked and its answer, if sent, is ignored.

:func:`parse_spec` validates and returns a frozen :class:`SurveySpec`; a problem raises
:class:`~loyalloop.errors.ConfigError` naming the field, e.g. ``questions[2].options: a
single_choice question needs at least 2 options``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from loyalloop.errors import ConfigError
from loyalloop.surveys.messages import LANGUAGES

__all__ = [
    "SCORE_SCALES",
    "Choice",
    "Condition",
    "KanoFeature",
    "Question",
    "QuestionType",
    "SurveySpec",
    "Text",
    "load_spec",
    "parse_spec",
    "parse_spec_text",
]

_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")


class QuestionType(StrEnum):
    nps = "nps"
    csat = "csat"
    ces = "ces"
    rating = "rating"
    single_choice = "single_choice"
    multi_choice = "multi_choice"
    text = "text"
    kano = "kano"


#: Fixed answer ranges of the standard score questions (inclusive).
SCORE_SCALES: dict[QuestionType, tuple[int, int]] = {
    QuestionType.nps: (0, 10),
    QuestionType.csat: (1, 5),
    QuestionType.ces: (1, 7),
}

Text = dict[str, str]


def _text(value: Any) -> Any:
    """One string → the same text for every language; a mapping stays as it is."""
    if isinstance(value, str):
        return {lang: value for lang in LANGUAGES}
    return value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Choice(_Model):
    id: str
    text: Text

    _t = field_validator("text", mode="before")(_text)

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not _ID.match(v):
            raise ValueError("use lower-case letters, digits and _ (starting with a letter)")
        return v


class KanoFeature(Choice):
    pass


class Condition(_Model):
    """``show_if``: show the question when an earlier answer meets the condition."""

    question: str
    min: float | None = None
    max: float | None = None
    in_: tuple[str | int, ...] | None = Field(default=None, alias="in")

    @model_validator(mode="after")
    def _something(self) -> Condition:
        if self.min is None and self.max is None and self.in_ is None:
            raise ValueError("give min, max or in")
        return self

    def holds(self, answer: Any) -> bool:
        """Whether ``answer`` (already validated) satisfies the condition; no answer: false."""
        if answer is None:
            return False
        values = answer if isinstance(answer, list) else [answer]
        if self.in_ is not None and not any(str(v) in {str(x) for x in self.in_} for v in values):
            return False
        for v in values:
            if not isinstance(v, int | float) or isinstance(v, bool):
                if self.min is not None or self.max is not None:
                    return False
                continue
            if self.min is not None and v < self.min:
                return False
            if self.max is not None and v > self.max:
                return False
        return True


class Question(_Model):
    id: str
    type: QuestionType
    text: Text
    required: bool | None = None
    help: Text | None = None
    show_if: Condition | None = None
    #: ``text`` questions: the score question this text explains (``why`` of an NPS answer).
    about: str | None = None
    options: tuple[Choice, ...] = ()
    features: tuple[KanoFeature, ...] = ()
    scale: int | None = None
    max_choices: int | None = None
    max_length: int = Field(default=2000, ge=1, le=20000)
    #: Labels of the low and high ends of a score scale.
    low_label: Text | None = None
    high_label: Text | None = None

    _t = field_validator("text", "help", "low_label", "high_label", mode="before")(_text)

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not _ID.match(v):
            raise ValueError(
                "use 1-40 lower-case letters, digits and _ (starting with a letter), e.g. nps"
            )
        return v

    @model_validator(mode="after")
    def _shape(self) -> Question:
        t = self.type
        if t in (QuestionType.single_choice, QuestionType.multi_choice):
            if len(self.options) < 2:
                raise ValueError(f"options: a {t.value} question needs at least 2 options")
            _unique([o.id for o in self.options], "options")
        elif self.options:
            raise ValueError(f"options: only choice questions have options, not {t.value}")
        if t is QuestionType.kano:
            if not self.features:
                raise ValueError("features: a kano question needs at least 1 feature")
            _unique([f.id for f in self.features], "features")
        elif self.features:
            raise ValueError(f"features: only kano questions have features, not {t.value}")
        if t is QuestionType.rating:
            if self.scale is not None and not 2 <= self.scale <= 10:
                raise ValueError("scale: a rating scale runs from 1 to 2..10")
        elif self.scale is not None:
            raise ValueError(f"scale: only rating questions have a scale, not {t.value}")
        if self.about is not None and t is not QuestionType.text:
            raise ValueError("about: only text questions explain another question")
        if self.max_choices is not None and t is not QuestionType.multi_choice:
            raise ValueError("max_choices: only multi_choice questions have max_choices")
        return self

    @property
    def is_required(self) -> bool:
        """Score and choice questions are required unless said otherwise; text is optional."""
        if self.required is not None:
            return self.required
        return self.type is not QuestionType.text

    @property
    def score_range(self) -> tuple[int, int] | None:
        if self.type in SCORE_SCALES:
            return SCORE_SCALES[self.type]
        if self.type is QuestionType.rating:
            return (1, self.scale or 5)
        return None


def _unique(ids: list[str], field: str) -> None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise ValueError(f"{field}: id {i!r} appears twice")
        seen.add(i)


class SurveySpec(_Model):
    key: str
    title: Text
    languages: tuple[str, ...] = ("zh", "en")
    intro: Text | None = None
    thanks: Text | None = None
    questions: tuple[Question, ...]

    _t = field_validator("title", "intro", "thanks", mode="before")(_text)

    @field_validator("key")
    @classmethod
    def _key(cls, v: str) -> str:
        if not _KEY.match(v):
            raise ValueError("use 1-80 lower-case letters, digits, - and _, e.g. branch-visit")
        return v

    @field_validator("languages")
    @classmethod
    def _langs(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v:
            raise ValueError("give at least one language: zh, en")
        for lang in v:
            if lang not in LANGUAGES:
                raise ValueError(f"{lang!r} is not offered; use zh and/or en")
        if len(set(v)) != len(v):
            raise ValueError("a language appears twice")
        return v

    def question(self, qid: str) -> Question:
        for q in self.questions:
            if q.id == qid:
                return q
        raise KeyError(qid)

    def to_dict(self) -> dict[str, Any]:
        """The spec as plain data (stored as a version; :func:`parse_spec` reads it back)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


def _check_texts(spec: SurveySpec) -> list[str]:
    """Every text must exist in every language the survey offers."""
    problems: list[str] = []

    def need(text: Text | None, where: str) -> None:
        if text is None:
            return
        for lang in spec.languages:
            if not str(text.get(lang, "")).strip():
                problems.append(f"{where}: no {lang!r} text (the survey offers {lang})")

    need(spec.title, "title")
    need(spec.intro, "intro")
    need(spec.thanks, "thanks")
    for i, q in enumerate(spec.questions):
        need(q.text, f"questions[{i}].text")
        need(q.help, f"questions[{i}].help")
        need(q.low_label, f"questions[{i}].low_label")
        need(q.high_label, f"questions[{i}].high_label")
        for j, o in enumerate(q.options):
            need(o.text, f"questions[{i}].options[{j}].text")
        for j, f in enumerate(q.features):
            need(f.text, f"questions[{i}].features[{j}].text")
    return problems


def _check_references(spec: SurveySpec) -> list[str]:
    problems: list[str] = []
    seen: dict[str, Question] = {}
    for i, q in enumerate(spec.questions):
        if q.id in seen:
            problems.append(f"questions[{i}].id: {q.id!r} appears twice")
        if q.show_if is not None:
            ref = seen.get(q.show_if.question)
            if ref is None:
                problems.append(
                    f"questions[{i}].show_if.question: {q.show_if.question!r} is not an "
                    "earlier question"
                )
            elif ref.type in (QuestionType.text, QuestionType.kano):
                problems.append(
                    f"questions[{i}].show_if.question: skip logic cannot depend on a "
                    f"{ref.type.value} question"
                )
        if q.about is not None:
            ref = seen.get(q.about)
            if ref is None or ref.score_range is None:
                problems.append(
                    f"questions[{i}].about: {q.about!r} is not an earlier score question"
                )
        seen[q.id] = q
    if not spec.questions:
        problems.append("questions: a survey needs at least one question")
    return problems


def _where(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part not in ("function-after", "function-before"):
            out += ("." if out else "") + str(part)
    return out or "survey"


def parse_spec(data: Mapping[str, Any] | SurveySpec) -> SurveySpec:
    """Validate ``data`` and return the spec; errors name the field (module docstring)."""
    if isinstance(data, SurveySpec):
        return data
    if not isinstance(data, Mapping):
        raise ConfigError("survey: expected a mapping with key, title and questions")
    try:
        spec = SurveySpec.model_validate(dict(data))
    except ValidationError as exc:
        problems = []
        for e in exc.errors():
            msg = str(e["msg"]).removeprefix("Value error, ")
            where = _where(tuple(e["loc"]))
            if e["type"] == "extra_forbidden":
                msg = "unknown field"
            elif e["type"] == "enum":
                msg = f"{e.get('input')!r} is not a question type; use " + ", ".join(
                    t.value for t in QuestionType
                )
            if ": " in msg and msg.split(": ", 1)[0].isidentifier():  # field named by a check
                sub, msg = msg.split(": ", 1)
                where = f"{where}.{sub}"
            problems.append(f"{where}: {msg}")
        raise ConfigError("survey spec: " + "; ".join(problems)) from None
    problems = _check_references(spec) + _check_texts(spec)
    if problems:
        raise ConfigError("survey spec: " + "; ".join(problems))
    return spec


def load_spec(source: str | Path) -> SurveySpec:
    """Read and validate a YAML (or JSON) survey file; errors name the file and the field."""
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    return parse_spec_text(text, str(path))


def parse_spec_text(text: str, source: str = "survey") -> SurveySpec:
    """Validate YAML text (the editor's); errors name ``source``, the line or the field."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{source}:{line} not valid YAML: {exc}") from None
    try:
        return parse_spec(data)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None
