"""The demo's model decision and its notes, in Chinese from the rounds' fields (no English)."""

from __future__ import annotations

import re
from dataclasses import replace
from types import SimpleNamespace
from typing import Any, cast

import pandas as pd

from loyalloop.cli.demo_text import _decision_lines
from loyalloop.measurement.learning import ValueCalibration
from loyalloop.measurement.selection import (
    CandidateValue,
    LearningShares,
    PolicyChoice,
    Selected,
)

_WORDS = re.compile(r"[A-Za-z]{2,}(?:[ -][A-Za-z]{2,})+")


def _rounds(selected: Selected, **changes: Any) -> Any:
    choice = PolicyChoice(
        selected,
        1.0,
        (
            CandidateValue("model:1", 18303.0, 9962.0),
            CandidateValue("model:cross-fitted", 549.0, 10205.0),
            CandidateValue("incumbent", -14322.0, 17808.0),
            CandidateValue("nobody", float("nan"), float("nan")),
        ),
        Selected.INCUMBENT,
        14871.0,
        19770.0,
        1.0,
        "English reason",
        fold_cautions=(2.0, 1.0, 0.5),
        fill_action="offer",
        withheld=("message",),
    )
    fields = {
        "entry": SimpleNamespace(model_id="sample-s0-r1-1"),
        "decision": "English decision",
        "notes": ("English note",),
        "choice": choice,
        "qini": (0.009587, 0.02576),
        "calibration": ValueCalibration(pd.Series(dtype=float), 0.97, 0.62, 1100, 0.93),
        "shares": LearningShares(0.2, 0.07, 0.77, 0.77),
        "currency": "CNY",
    }
    fields.update(changes)
    return cast(Any, SimpleNamespace(**fields))


def test_the_decision_in_chinese_names_every_figure_and_no_english_sentence() -> None:
    lines = _decision_lines(_rounds(Selected.INCUMBENT), "zh")
    text = "\n".join(lines)
    assert "英文" not in text and not _WORDS.search(text.replace("sample-s0-r1-1", "")), text
    for figure in ("0.009587", "0.02576", "+14,871", "19,770", "-14,322", "17,808", "1,100"):
        assert figure in text, figure
    assert "0.97" in text and "0.62" in text and "20.0%" in text and "77%" in text
    assert "因此运行现行策略" in text and "现行策略未被测出亏损" in text
    assert "不发短信提醒（未证明划算），余下预算按风险（短信优惠）" in text  # withheld, fill
    assert "模型（扣除 1 个标准误）" in text and "不触达 无法计算" in text


def test_a_model_that_runs_is_said_so_with_its_caution() -> None:
    text = "\n".join(_decision_lines(_rounds(Selected.MODEL), "zh"))
    assert "领先现行策略 +14,871（标准误 19,770），超过 1 个标准误；按扣除 1 个标准误运行" in text


def test_rounds_without_the_fields_show_the_english_marked_as_such() -> None:
    lines = _decision_lines(_rounds(Selected.MODEL, choice=None), "zh")
    assert lines == [
        "模型 sample-s0-r1-1。说明（英文）：English decision",
        "说明（英文）：English note",
    ]


def test_figures_that_could_not_be_computed_say_so_in_both_languages() -> None:
    # a round 1 whose folds fitted no model: no fold cautions, an undefined lead and chances
    nan = float("nan")
    rounds = _rounds(Selected.INCUMBENT)
    rounds.choice = replace(rounds.choice, lead=nan, lead_se=nan, fold_cautions=())
    rounds.shares = LearningShares(0.2, 0.1, nan, nan)
    for lang, na in (("en", "n/a"), ("zh", "无法计算")):
        text = "\n".join(_decision_lines(rounds, lang))  # type: ignore[arg-type]
        assert "nan" not in text and na in text, text
