"""Targeting policies and uplift's learners and baselines have names in both languages
(``code_names``), and the demo's learning lines and ``uplift train`` print them, never codes."""

from __future__ import annotations

import pytest

from loyalloop.cli.demo_text import policy_label
from loyalloop.measurement.learning import Policy, PolicyKind
from loyalloop.report.i18n import code_names
from loyalloop.uplift import BASELINES, LEARNERS


def test_every_policy_learner_and_baseline_has_names_in_both_languages() -> None:
    names = code_names()
    keys = [f"targeting_{k.value}" for k in PolicyKind]
    keys += [f"uplift_scorer_{k}" for k in (*LEARNERS, *BASELINES, "model")]
    for key in keys:
        en, zh = names[key]
        assert en and zh, key
        assert "_" not in en and "_" not in zh, key  # a name, not a code


@pytest.mark.parametrize(
    ("policy", "en", "zh"),
    [
        (Policy(PolicyKind.RISK, action="offer"), "risk-only (offer)", "仅按风险（短信优惠）"),
        (Policy(PolicyKind.VALUE, action="offer"), "value-only (offer)", "仅按价值（短信优惠）"),
        (Policy(PolicyKind.RANDOM), "random (random actions)", "随机（随机动作）"),
        (
            Policy(PolicyKind.RISK, action="offer", min_score=0.25),
            "risk-only (offer, score ≥ 0.25)",
            "仅按风险（短信优惠，得分 ≥ 0.25）",
        ),
    ],
)
def test_the_demo_names_a_baseline_policy(policy: Policy, en: str, zh: str) -> None:
    assert policy_label(policy, "en") == en
    assert policy_label(policy, "zh") == zh
