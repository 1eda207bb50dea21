"""Case reasons as codes with params: every code in both languages, the stored form, old rows."""

from __future__ import annotations

import re

import pytest

from loyalloop.cases.reasons import LEGACY, REASON_TEXTS, Reason, translate_joined

#: One reason of every code the rules and the priority formula write, with its sentences.
CASES = [
    (
        Reason("nps_detractor", {"score": 2.0, "max_score": 6.0}),
        "NPS answer 2 (detractor: 0–6)",
        "NPS 评分 2（贬损者：0–6 分）",
    ),
    (
        Reason("negative_aspect", {"aspect": "annual_fee", "severity": 0.8, "min_severity": 0.7}),
        "negative comment on annual fee (severity 0.8 ≥ 0.7)",
        "对“annual fee”的负面评价（严重度 0.8 ≥ 0.7）",
    ),
    (
        Reason(
            "aspect_confidence", {"aspect": "annual_fee", "confidence": 0.93, "min_confidence": 0.2}
        ),
        "the reading is 0.93 confident the comment or its clause is about annual fee (≥ 0.2)",
        "解读认为评论或其分句谈及“annual fee”的置信度为 0.93（≥ 0.2）",
    ),
    (
        Reason("aspect_confidence_unknown", {"aspect": "annual_fee"}),
        "the reading has no confidence for annual fee (implied by the channel or a custom "
        "aspect); kept",
        "解读对“annual fee”没有置信度（由渠道推断或为自定义方面），未按置信度筛选",
    ),
    (
        Reason("phrase", {"lists": ["regulator", "cancel"], "phrases": ["12378", "销卡"]}),
        "regulator, cancel phrase: 12378, 销卡",
        "命中regulator、cancel短语：12378、销卡",
    ),
    (
        Reason("churn_high", {"p": 0.82, "min_p": 0.6, "top_share": 0.1, "percentile": 0.953}),
        "churn probability 0.82 ≥ 0.6 in the top 10% of CLV (percentile 95.3)",
        "流失概率 0.82 ≥ 0.6，客户终身价值居前 10%（百分位 95.3）",
    ),
    (
        Reason("winback_failed", {"campaign": "wb-2025-05"}),
        "win-back contact (wb-2025-05) did not bring the customer back",
        "挽回联系（wb-2025-05）未能让客户回来",
    ),
    (
        Reason("winback_failed", {"campaign": ""}),
        "win-back contact did not bring the customer back",
        "挽回联系未能让客户回来",
    ),
    (
        Reason("input_unknown", {"input": "churn_probability", "value": 0.5}),
        "churn probability unknown; counted as 0.5",
        "流失概率未知，按 0.5 计",
    ),
    (
        Reason("priority_raised", {"from_priority": "P3", "to_priority": "P1"}),
        "raised from P3 to the rule's minimum P1",
        "由 P3 提升至规则规定的最低优先级 P1",
    ),
]


@pytest.mark.parametrize(("reason", "en", "zh"), CASES)
def test_every_code_in_english_and_chinese(reason: Reason, en: str, zh: str) -> None:
    assert reason.text("en") == str(reason) == en
    assert reason.text("zh") == zh
    # the Chinese sentence has none of the English words of its template
    words = set(re.findall(r"[a-z]{4,}", REASON_TEXTS[reason.code][0].lower()))
    assert not words & set(re.findall(r"[a-z]{4,}", zh.lower())), zh


def test_every_catalogue_sentence_is_exercised() -> None:
    helpers = {"winback_failed_campaign", "input_clv_percentile", "input_churn_probability"}
    assert {r.code for r, _, _ in CASES} == set(REASON_TEXTS) - helpers


def test_aspects_by_the_runs_names() -> None:
    r = CASES[1][0]
    names = {"annual_fee": ("Annual fee", "年费")}
    assert r.text("zh", names) == "对“年费”的负面评价（严重度 0.8 ≥ 0.7）"
    assert r.text("en", names).startswith("negative comment on Annual fee")


def test_stored_form_round_trips_and_old_rows_show_as_written() -> None:
    for reason, en, zh in CASES:
        stored = reason.to_dict()
        assert stored["code"] == reason.code and stored["text"] == en
        back = Reason.from_stored(stored)
        assert back == reason and back.text("zh") == zh
    # a row stored before the codes: the English sentence, in both languages
    old = Reason.from_stored("NPS answer 2 (detractor: 0–6)")
    assert old.code == LEGACY
    assert old.text("zh") == old.text("en") == "NPS answer 2 (detractor: 0–6)"
    # a code this version does not know, or params that no longer fit: its English text
    assert Reason.from_stored({"code": "new_code", "text": "why"}).text("zh") == "why"
    odd = Reason.from_stored({"code": "churn_high", "params": {"p": 0.9}, "text": "stored"})
    assert odd.text("zh") == "stored"


def test_timeline_text_translated_only_when_every_part_is_a_reason() -> None:
    a, b = CASES[6][0], CASES[0][0]  # the first holds "; " inside its sentence
    joined = f"{a}; {b}"
    sentences = {str(a): a.text("zh"), str(b): b.text("zh")}
    assert translate_joined(joined, sentences, "zh") == f"{a.text('zh')}；{b.text('zh')}"
    assert translate_joined(joined, sentences, "en") == f"{a.text('zh')}; {b.text('zh')}"
    assert translate_joined(f"{joined}; an agent's words", sentences, "zh") == (
        f"{joined}; an agent's words"
    )
    assert translate_joined("", sentences, "zh") == ""
