"""Round 13 lexicon entries: how customers brush-off staff, effort, internet and regional words.

The phrases are written for this test (not taken from a labelled set); each is read by the rules
alone (:func:`~loyalloop.feedback.lexicon.lexicon_score`), so a missing or mis-signed entry
fails here whatever the mention model does.
"""

from __future__ import annotations

import pytest

from loyalloop.feedback.lexicon import lexicon_score


@pytest.mark.parametrize(
    "clause",
    ["柜台的人很冷淡", "问了半天店员爱理不理", "随便两句就把我打发了", "接线员像背稿子", "为了换个货来回折腾",
     "白跑了一趟", "这次真的拉胯", "这家店踩雷了", "实物有廉价感", "新买的沙发味道很大", "收到的货和描述不符",
     "the cashier was snappy", "jialat, queue so long", "they're taking the mick with these charges",
     "shoddy stitching", "item not as described", "returns are a faff", "gutted about the delay",
     "refund still not received till date"],
)  # fmt: skip
def test_new_complaint_terms_read_negative(clause: str) -> None:
    score = lexicon_score(clause)
    assert score.evidence and score.logit < 0, (clause, score)


@pytest.mark.parametrize(
    "clause",
    ["物美价廉", "新版界面很丝滑", "店员很爽快", "不用跑网点", "外卖小哥随叫随到", "比以前方便多了",
     "the branch team were legends", "staff were on the ball", "really chuffed with the service",
     "advice was spot on", "top-notch support", "a hassle-free exchange", "the new app is smoother",
     "card arrived just in time", "the food here shiok"],
)  # fmt: skip
def test_new_praise_terms_read_positive(clause: str) -> None:
    score = lexicon_score(clause)
    assert score.evidence and score.logit > 0, (clause, score)


@pytest.mark.parametrize(
    ("clause", "sign"),
    [("店员一点也不冷淡", 1), ("并不折腾", 1), ("not handy at all", -1), ("not on the ball", -1)],
)
def test_negation_still_turns_the_new_terms(clause: str, sign: int) -> None:
    assert lexicon_score(clause).logit * sign > 0, clause
