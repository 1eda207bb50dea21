from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from loyalloop.errors import ConfigError, DataValidationError
from loyalloop.feedback import aspect_mentions, aspect_summary, detect_aspects, load_taxonomy
from loyalloop.feedback.aspects import comment_clauses


def _pairs(text: str) -> list[tuple[str, str]]:
    return [(m.aspect, m.sentiment.label) for m in detect_aspects(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("年费太贵，但是积分很划算", [("annual_fee", "negative"), ("rewards_points", "positive")]),
        ("年費太貴，但是積分很划算", [("annual_fee", "negative"), ("rewards_points", "positive")]),
        ("客服态度很好，就是排队等了一个小时", [("service_attitude", "positive"),
                                              ("waiting_time", "negative")]),
        ("手机银行老是闪退", [("app_online", "negative")]),
        ("额度太低了", [("credit_limit", "negative")]),
        ("信用卡被盗刷了", [("fraud_security", "negative")]),
        ("The annual fee is a rip-off but the app is great",
         [("annual_fee", "negative"), ("app_online", "positive")]),
        ("delivery was fast, but the quality is poor",
         [("delivery", "positive"), ("quality", "negative")]),
        # a strict xfail from session 16 (fb16: "退货很麻烦" after "物流很快，质量很差" read
        # neutral) to session 26, when the retrain with train26a and train26b read it right
        # again; from session 27's retrain (blind24, train27a-d) to session 28's neutral again
        # (the halo rule is not the cause: the three clauses are apart); session 29's retrain
        # (train28k-r) reads it right again
        ("物流很快，质量很差，退货很麻烦",
         [("delivery", "positive"), ("quality", "negative"), ("returns", "negative")]),
        ("年费呢，太贵了", [("annual_fee", "negative")]),
    ],
)  # fmt: skip
def test_clause_level_aspect_sentiment(text: str, expected: list[tuple[str, str]]) -> None:
    assert _pairs(text) == expected


@pytest.mark.parametrize("raw", [None, "", "😀", "<div></div>", "\x00", "好" * 20_000, 3.5])
def test_bad_input_has_no_aspects_or_defined_ones(raw: object) -> None:
    assert isinstance(detect_aspects(raw), list)


def test_shipped_taxonomies() -> None:
    banking = load_taxonomy("banking")
    retail = load_taxonomy("retail")
    default = load_taxonomy()
    assert len(banking.aspects) == 10 and len(retail.aspects) == 8
    assert default.keys == list(dict.fromkeys(banking.keys + retail.keys))
    assert {a.kind for a in banking.aspects} == {"cost", "benefit", "speed", "other"}
    assert default.label("annual_fee", "zh") == "年费"


def test_custom_taxonomy_from_dict_and_file(tmp_path: Path) -> None:
    spec = {"name": "cafe", "aspects": {"coffee": {"zh": ["咖啡"], "en": ["coffee", "latte"]}}}
    tax = load_taxonomy(spec)
    assert [m.aspect for m in detect_aspects("The lattes are great", tax)] == ["coffee"]
    path = tmp_path / "cafe.yaml"
    path.write_text("aspects:\n  coffee:\n    zh: [咖啡]\n", encoding="utf-8")
    assert load_taxonomy(path).name == "cafe"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"aspects": {}}, "no aspects"),
        ({"nope": 1}, "'aspects' mapping"),
        ({"aspects": {"Bad Key": {"zh": ["x"]}}}, "lower_snake_case"),
        ({"aspects": {"a": {"zh": []}}}, "at least one"),
        ({"aspects": {"a": {"zh": [1]}}}, "non-empty strings"),
        ({"aspects": {"a": {"en": ["re:("]}}}, "invalid English pattern"),
        ({"aspects": {"a": {"zh": ["x"], "colour": "red"}}}, "unknown fields"),
        ({"aspects": {"a": {"zh": ["x"], "channels": ["re:("]}}}, "invalid channel pattern"),
        ({"aspects": {"a": {"zh": ["x"], "channels": "hotline"}}}, "channels must be a list"),
    ],
)
def test_invalid_taxonomy_messages(spec: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_taxonomy(spec)


def test_a_match_inside_a_listed_channel_is_no_mention() -> None:
    """A custom taxonomy's ``channels``: "desk" inside "help desk" is not the staff aspect."""
    tax = load_taxonomy(
        {"aspects": {"staff": {"en": ["desk", "rude"], "channels": ["help desk"]},
                     "wait": {"en": ["ages"]}}}
    )  # fmt: skip
    assert [a.key for _, _, a, _ in tax.spans("rang the help desk, took ages")] == ["wait"]
    assert [a.key for _, _, a, _ in tax.spans("the help desk was rude")] == ["staff"]
    assert [a.key for _, _, a, _ in tax.spans("the desk was slow")] == ["staff"]
    assert tax.aspects[0].spans("help desk", in_channels=True) == [(5, 9, "desk")]


def test_unknown_taxonomy_name() -> None:
    with pytest.raises(ConfigError, match="neither a shipped taxonomy"):
        load_taxonomy("no-such-taxonomy")


def test_mentions_and_summary_frames() -> None:
    fb = pd.DataFrame(
        {
            "feedback_id": ["f1", "f2", "f3"],
            "timestamp": pd.to_datetime(["2026-01-05", "2026-01-06", "2026-01-07"]),
            "channel": ["survey", "review", "call"],
            "text": ["年费太贵，积分很划算", "年费太贵了", None],
        }
    )
    m = aspect_mentions(fb)
    assert list(m.columns[:5]) == [
        "feedback_id",
        "aspect",
        "clause",
        "sentiment",
        "sentiment_score",
    ]
    assert {"timestamp", "channel"} <= set(m.columns)
    assert m["feedback_id"].tolist() == ["f1", "f1", "f2"]
    s = aspect_summary(m)
    fee = s.set_index("aspect").loc["annual_fee"]
    assert fee["mentions"] == 2 and fee["negative"] == 2 and fee["share_negative"] == 1.0
    assert s.set_index("aspect").loc["stock", "mentions"] == 0
    with pytest.raises(DataValidationError, match="no column 'comment'"):
        aspect_mentions(fb, text_column="comment")


def _pattern_aspects(text: str, taxonomy: str) -> set[str]:
    """Aspects the taxonomy's patterns find in a comment's clauses (no learned detector)."""
    tax = load_taxonomy(taxonomy)
    return {a.key for c in comment_clauses(text) for _, _, a, _ in tax.spans(c)}


@pytest.mark.parametrize(
    ("text", "taxonomy", "found", "absent"),
    [
        # a short duration or an unanswered line is a wait (session 12, issue 10)
        ("Held 20 mins then the agent said 'not sure' and hung up", "banking", "waiting_time", ""),
        ("Fraud team refunded $420 within 48 hrs of me reporting it. Solid.", "banking",
         "waiting_time", ""),
        ("Very poor service. Nobody picks up the phone.", "banking", "waiting_time", ""),
        ("Instalment request still pending after 3 days", "banking", "waiting_time", ""),
        ("Returned the shoes 3 weeks ago and still no refund", "retail", "waiting_time", ""),
        ("Why does it take 10 business days to process a payment dispute??", "banking",
         "waiting_time", ""),
        # a kind of fee is a charge of its own, not the annual fee
        ("Mate, the FX fee on this card is a rip-off", "banking", "fees", "annual_fee"),
        ("Why is there a $15 paper statement fee now", "banking", "fees", "annual_fee"),
        ("Not bad for a no-fee card", "banking", "annual_fee", "fees"),
        ("Do you offer 0% balance transfers for existing customers?", "banking", "interest",
         "billing"),
        # blocking, unlocking and card crime are security
        ("Please unlock my card, I'm at the checkout right now!!", "banking", "fraud_security", ""),
        ("Travel notice feature in the app means no more blocked cards abroad", "banking",
         "fraud_security", ""),
        ("Card was cloned at a petrol station, the bank refunded everything", "banking",
         "fraud_security", ""),
        # sales calls and apologies are the staff's conduct
        ("Just cancelled. The upsell calls were the final straw.", "banking", "service_attitude",
         ""),
        ("Please stop calling me about instalment plans. I'm not interested.", "banking",
         "service_attitude", ""),
        # a product that fails is its quality
        ("The bag strap snapped on day 2", "retail", "quality", ""),
        ("Bought a 4-pack of bulbs, 2 were dead on arrival", "retail", "quality", ""),
        # session 13, blind10: 贵店 / 贵司 is the letter writer's "your store", not dear (31 false
        # price finds in blind10's Chinese; the patterns' false price finds over the eleven
        # blind authors' Chinese 88 -> 38, right ones 480 -> 469)
        ("您好，我在贵店官网购买的电饭煲（订单号20261108553）内胆有划痕，请问可以换新吗？",
         "retail", "", "price"),
        ("谢谢贵店这么快就处理了我的退货，钱已经收到了。", "retail", "returns", "price"),
        ("这件衣服太贵了", "retail", "price", ""),
        ("质量一般，还贵", "retail", "price", ""),
        ("比别家贵一大截", "retail", "price", ""),
        # a chatbot is the app; an application is for a card, not the app
        ("Would give 5 but the chatbot is dumb as a brick.", "banking", "app_online",
         "service_attitude"),
        ("this bot is useless can i talk to a person", "banking", "app_online", ""),
        ("How long does a card application usually take?", "banking", "", "app_online"),
        # session 24 (fb24b): implied mentions the leave-one-author-out reading missed, from
        # several authors each — being passed from line to line is the staff
        ("被转接了三次，每次都要重新说一遍身份证号", "banking", "service_attitude", ""),
        ("客户来电咨询房贷提前还款流程，已转接个贷部门。", "banking", "", "waiting_time"),
        # stutters, bugs, search and features are the app's
        ("两星，每次更新完都有新bug，测试都干嘛去了", "banking", "app_online", ""),
        ("一星，账单明细加载不出来，转圈转到天荒地老", "banking", "app_online", ""),
        ("搜索功能太烂，搜什么都出来一堆广告", "retail", "app_online", ""),
        ("物流信息三天没更新了", "retail", "delivery", "app_online"),
        # a queue that took long, a bank case that has waited days; a shop's parcel that has
        # waited days is its delivery
        ("排了20分钟，前面的人在退货，收银员还不太会操作", "retail", "waiting_time", ""),
        ("邮寄的新卡两周了还没收到，快递单号也查不到", "banking", "waiting_time", ""),
        ("快递一周了还在路上", "retail", "delivery", "waiting_time"),
        # asking, contacting or finding the agent is followed by what the agent said or did: the
        # staff, not the way the customer came (the authors labelled it so in 89 of the
        # leave-one-author-out misses); dialling the hotline still names only the way
        ("提额申请被拒，问客服也说不出原因", "banking", "service_attitude", ""),
        ("投诉贵行积分商城：兑换的手机是翻新机，联系客服要求退换被拒绝。", "banking",
         "service_attitude", ""),
        ("同款鞋两只尺码不一样，找客服要我拍视频、拍鞋标，折腾了一下午", "retail", "staff", ""),
        ("打客服电话等了80分钟", "banking", "waiting_time", "service_attitude"),
        ("在线客服排队五十分钟", "banking", "waiting_time", "service_attitude"),
    ],
)  # fmt: skip
def test_words_the_blind_authors_use(text: str, taxonomy: str, found: str, absent: str) -> None:
    aspects = _pattern_aspects(text, taxonomy)
    assert not found or found in aspects
    assert not absent or absent not in aspects
