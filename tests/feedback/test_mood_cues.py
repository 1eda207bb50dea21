"""Round 14: how a clause says what it says (questions, hopes, negation), and caught fraud.

Every phrase here is written for this test, not taken from a labelled set.
"""

from __future__ import annotations

import pytest

from loyalloop.feedback.aspect_model import MentionContext
from loyalloop.feedback.lexicon import lexicon_score
from loyalloop.feedback.mention_sentiment import mood_cues, mood_items


@pytest.mark.parametrize(
    ("clause", "cues"),
    [
        ("凭什么多收我一笔手续费", {"rhet"}),
        ("换货的运费还要我出？", {"rhet"}),
        ("why is my statement late again", {"rhet"}),
        ("请问积分什么时候到账", {"infoq"}),
        ("年费免不免", {"infoq", "neg1"}),
        ("can i pay the annual fee in instalments?", {"infoq"}),
        ("希望以后能早点发货", {"hope"}),
        ("it would be great if the app remembered my login", {"hope"}),
        ("please waive the late fee", {"hope"}),
        ("这次的客服不是不专业", {"neg2"}),
        ("物流没想象中那么慢", {"neg1", "hedge"}),
        ("the queue was not that bad", {"neg1", "hedge"}),
        ("麻烦帮我查一下积分", {"hope"}),
        ("退货流程太麻烦", set()),
        ("送货很快", set()),
        ("the staff were lovely", set()),
    ],
)  # fmt: skip
def test_mood_cues(clause: str, cues: set[str]) -> None:
    assert set(mood_cues(clause)) == cues


def test_mood_items_cross_the_lexicon_sign() -> None:
    neg = MentionContext("物流没想象中那么慢", "delivery", 1.2, "positive")
    items = dict(mood_items(neg))
    assert items["m:hedge+"] == 1.0 and items["m:neg1:delivery"] == 1.0
    assert "m:hedge-" not in items and "m:neg1&hedge+" in items
    plain = MentionContext("送货很快", "delivery", 1.2, "positive")
    assert mood_items(plain) == []


@pytest.mark.parametrize(
    "clause",
    ["风控拦下了一笔可疑交易", "昨晚系统拦截了一笔可疑的境外消费", "短信提醒后及时拦截可疑交易",
     "the bank caught a suspicious payment overnight", "they blocked a suspicious transfer"],
)  # fmt: skip
def test_catching_a_suspicious_transaction_is_praise(clause: str) -> None:
    score = lexicon_score(clause)
    assert score.evidence and score.logit > 0, (clause, score)


@pytest.mark.parametrize(
    "clause", ["我的正常消费又被拦了", "风控没拦下可疑交易", "my card got blocked at the till"]
)
def test_a_blocked_own_payment_stays_a_complaint(clause: str) -> None:
    score = lexicon_score(clause)
    assert score.evidence and score.logit < 0, (clause, score)


@pytest.mark.parametrize(
    "clause",
    ["这张卡我用了三年从来没收过年费", "首年不收年费，第二年刷够次数也免", "取现不收手续费", "现在网上就能办不用再跑营业厅", "分期这么久没扣过手续费",
     "i have never paid a cent of interest on it", "we didn't have to wait at all",
     "renewed online and didn't need to call anyone", "the replacement card came free of charge"],
)  # fmt: skip
def test_a_cost_or_effort_that_did_not_happen_is_praise(clause: str) -> None:
    score = lexicon_score(clause)
    assert score.evidence and score.logit > 0, (clause, score)


def test_clause_and_sentence_cues_keep_their_order() -> None:
    """Session 13: one table-driven matcher for the clause's and the sentence's cues."""
    from loyalloop.feedback.mention_sentiment import _cues, _sentence_cues

    assert _cues("但是没有人回我，呵呵") == ("cue:negation", "cue:contrast", "cue:sarcasm")
    assert _cues("送货很快") == ()
    assert _sentence_cues("cust says the app crashed again?") == ("repeat", "question", "note")
    assert _sentence_cues("delivered within an hour") == ("duration", "quick")


@pytest.mark.parametrize(
    ("sentence", "parity"),
    [("年费三百 | 和别家差不多", True), ("利息跟别的银行差不多，不高也不低", True),
     ("fees are similar to other banks", True), ("the apr is the same as every other bank", True),
     ("比别家贵了一倍", False), ("每个客服说法都不一样", False), ("跟别家不一样，利息太高", False),
     ("the rate is higher than other banks", False),
     ("东西和描述的一样，包装也很仔细，就是价格比别家稍微贵了一点点", False)],
)  # fmt: skip
def test_a_parity_with_the_competitors_is_its_own_cue(sentence: str, parity: bool) -> None:
    """Session 17: every aspect the labelled authors named in a clause with a parity to the
    competitors is neutral (10 of 10), where a bare comparison leans to a complaint; the cue
    stays within one clause."""
    from loyalloop.feedback.mention_sentiment import _sentence_cues

    assert ("parity" in _sentence_cues(sentence)) is parity, _sentence_cues(sentence)
