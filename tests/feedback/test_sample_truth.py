"""Aspects, sentiment, headline, drivers and trends against the sample generator's truth."""

from __future__ import annotations

import pandas as pd
import pytest

from loyalloop.feedback import analyze_comments, aspect_summary, key_drivers, load_taxonomy

sample = pytest.importorskip("loyalloop.sample")


def _mentions(fb: pd.DataFrame, taxonomy: str) -> pd.DataFrame:
    """The mentions as the product reads them: each comment with its channel (the sample's
    app-store reviews, ``app_review``, are about the app unless they say otherwise)."""
    return analyze_comments(fb, taxonomy=taxonomy).mentions


@pytest.fixture(scope="module")
def card_analysis():  # type: ignore[no-untyped-def]
    data = sample.generate(customers=10_000, seed=0, business="card")  # the demo's sample
    fb = data.feedback[data.feedback["text"].notna()]
    return data, fb, analyze_comments(fb, taxonomy="banking")


@pytest.fixture(scope="module")
def card(card_analysis):  # type: ignore[no-untyped-def]
    data, fb, analysis = card_analysis
    return data, fb, analysis.mentions


def _joined(truth: pd.DataFrame, mentions: pd.DataFrame) -> pd.DataFrame:
    found = mentions.groupby(["feedback_id", "aspect"])["sentiment"].first().reset_index()
    return truth.merge(
        found, on=["feedback_id", "aspect"], how="outer", suffixes=("_true", "_pred"),
        indicator=True,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("business", "taxonomy", "floors"),
    [("card", "banking", {"zh": 0.88, "en": 0.88}), ("retail", "retail", {"zh": 0.84, "en": 0.84})],
)  # fmt: skip
def test_aspect_sentiment_recovers_sample_truth(
    business: str, taxonomy: str, floors: dict[str, float]
) -> None:
    """Strict agreement: the aspect is found and its sentiment right (missed = wrong).

    Measured: card 0.943 (zh) / 0.939 (en); retail 0.933 / 0.862 (round 12); card 0.921 /
    0.911, retail 0.890 / 0.870 (session 24, after fb24c's three retail English wordings); card
    0.918 / 0.908, retail 0.893 / 0.876 (session 24's retrain, 售价 for 性价比): the retail English
    floor, 0.76 since round 12, is raised to 0.84 with it."""
    data = sample.generate(customers=3000, seed=0, business=business)
    fb = data.feedback[data.feedback["text"].notna()]
    j = _joined(data.feedback_truth, _mentions(fb, taxonomy))
    tp = int((j["_merge"] == "both").sum())
    assert tp / int((j["_merge"] != "left_only").sum()) >= 0.9  # precision
    assert tp / int((j["_merge"] != "right_only").sum()) >= 0.9  # recall
    truth = j[j["_merge"] != "right_only"]
    for lang, floor in floors.items():
        part = truth[truth["clause_language"] == lang]
        strict = (part["_merge"] == "both") & (part["sentiment_true"] == part["sentiment_pred"])
        assert strict.mean() >= floor, lang


@pytest.mark.parametrize(
    ("business", "taxonomy", "recall", "agreement"),
    [("card", "banking", 0.95, 0.9), ("retail", "retail", 0.9, 0.85)],
)  # fmt: skip
def test_app_reviews_are_read_as_the_app(
    business: str, taxonomy: str, recall: float, agreement: float
) -> None:
    """The sample's app-store reviews ("Love it", "一直闪退", "Useless since the update"), one
    ``app_online`` judgement each, are found through their channel; read from the words alone
    most of those that do not name the app are lost.

    Measured (3,000 customers, 60 reviews): card recall 0.967 with the channel, 0.733 without,
    strict agreement 0.95; retail 0.950 / 0.683, 0.92 (session 23)."""
    data = sample.generate(customers=3000, seed=0, business=business)
    fb = data.feedback[data.feedback["channel"] == "app_review"]
    truth = data.feedback_truth[data.feedback_truth["feedback_id"].isin(fb["feedback_id"])]
    assert len(truth) == len(fb) and (truth["aspect"] == "app_online").all()
    found = _joined(truth, _mentions(fb, taxonomy))
    found = found[found["_merge"] != "right_only"]
    words = _joined(truth, _mentions(fb.drop(columns=["channel"]), taxonomy))
    words = words[words["_merge"] != "right_only"]
    hit = (found["_merge"] == "both").mean()
    assert hit >= recall and hit > (words["_merge"] == "both").mean() + 0.15
    strict = (found["_merge"] == "both") & (found["sentiment_true"] == found["sentiment_pred"])
    assert strict.mean() >= agreement


def _own_brand_shares(card):  # type: ignore[no-untyped-def]
    """The own brand's true negative share per aspect and the reading's aspect summary."""
    data, fb, mentions = card
    own_ids = fb.loc[fb["brand"].fillna("own") == "own", "feedback_id"]
    truth = data.feedback_truth[data.feedback_truth["feedback_id"].isin(own_ids)]
    true_share = truth.groupby("aspect")["sentiment"].apply(lambda s: (s == "negative").mean())
    summary = aspect_summary(
        mentions[mentions["feedback_id"].isin(own_ids)], load_taxonomy("banking")
    )
    return true_share, summary


def test_headline_complaint_matches_the_truth(card) -> None:  # type: ignore[no-untyped-def]
    true_share, summary = _own_brand_shares(card)
    worst = summary.sort_values("share_negative", ascending=False)["aspect"].iloc[0]
    assert worst == true_share.idxmax() == "interest"


def _service_gap(card) -> float:  # type: ignore[no-untyped-def]
    true_share, summary = _own_brand_shares(card)
    service = summary.set_index("aspect").loc["service_attitude", "share_negative"]
    return float(abs(service - true_share["service_attitude"]))


def test_service_attitude_share_is_not_far_from_the_truth(card) -> None:  # type: ignore[no-untyped-def]
    # the guard against the error (0.71 read against a truth of 0.38)
    assert _service_gap(card) < 0.10


def test_service_attitude_share_is_close_to_the_truth(card) -> None:  # type: ignore[no-untyped-def]
    # The target, 0.08: met from round 12 to session 18 (0.0761 with session 18's models: 0.532
    # read against a truth of 0.456). Session 19's retrain with blind16's adjudicated labels
    # read 0.540 (gap 0.0842, a strict xfail). Of the own brand's service mentions read negative
    # and neutral in the truth, the largest kind was a question for the hotline read as a
    # complaint ("客服的电话是多少？", "How do I reach the agent?": 32 + 3 of 64 + 11 read
    # negative), which by the labelling guide is neutral and to the labelling authors has no
    # aspect at all; since session 20 the mention model may not turn such a contact question into
    # a judgement (``mention_sentiment.CONTACT_GATE``): 0.515, gap 0.0598. Left: process
    # statements read as complaints ("客服说会转给相关部门", neutral to the generator, the guide and
    # the authors, "客服说会在三个工作日内回复" → waiting time neutral). Session 28's retrain with
    # blind25 and train28a-j: gap 0.0802, over the target by 0.0002 (a strict xfail again; one
    # reading that moved with it: the detector now reads the staff in the generator's "前后打了N次
    # 电话，…还是没结果", a matter left unsolved, which the labelling guide calls service_attitude
    # while the generator's truth has waiting time only — session 30 found it is read from that
    # clause, not the closing "很不满意", see test_overall_judgement). Session 31 fixed the truth's
    # side: the generator's phrase said more than its truth, so it became a wait and nothing else
    # ("{s}白白耗了我{min}分钟", the same 77 comments): 0.0734 on session 29's models (service read
    # 0.529 against a truth of 0.456; waiting time 0.536 against 0.557).
    assert _service_gap(card) < 0.08


def test_fraud_security_is_not_read_more_negative_than_the_truth(card) -> None:  # type: ignore[no-untyped-def]
    """The demo's "风控拦下了一笔可疑交易" (the bank caught a suspicious payment) is praise, as
    every labelling author reads it; it was read as a complaint: the negative share was 0.548
    against a truth of 0.393 and 207 of 252 praised mentions were read as praise (round 14:
    0.510, 248 of 252). Until session 15 the gap was mostly "盗刷处理还在处理中" / "still looking
    into it", which the generator called neutral and the labelling authors read as a complaint
    (fraud-labelled in-process sentences of the twelve authors: 7 negative, 0 neutral in
    Chinese); the generator's neutral fraud phrases are plain facts now ("给我补发了新卡",
    "sent me a new card")."""
    data, fb, mentions = card
    own_ids = fb.loc[fb["brand"].fillna("own") == "own", "feedback_id"]
    truth = data.feedback_truth[data.feedback_truth["feedback_id"].isin(own_ids)]
    truth = truth[truth["aspect"] == "fraud_security"]
    own = mentions[mentions["feedback_id"].isin(own_ids)]
    summary = aspect_summary(own, load_taxonomy("banking")).set_index("aspect")
    share = summary.loc["fraud_security", "share_negative"]
    # 0.117 (0.127 on session 13's models), 0.137 with the Chinese use-rule margin 0.4 (session
    # 14; 0.141 at 0.3); 0.095-0.097 at every margin from 0.4 to 0 once the neutral fraud
    # phrases are plain facts (session 15, retrained with blind12, margin 0.1); was 0.155
    assert abs(share - (truth["sentiment"] == "negative").mean()) < 0.14
    j = _joined(truth, own[own["aspect"] == "fraud_security"])
    praised = j[(j["_merge"] == "both") & (j["sentiment_true"] == "positive")]
    assert (praised["sentiment_pred"] == "positive").mean() >= 0.9


def test_drivers_recover_the_truth(card) -> None:  # type: ignore[no-untyped-def]
    """The truly worst high-importance aspect (drivers on the true mentions) is "fix first"."""
    data, fb, mentions = card
    truth = data.feedback_truth.assign(
        sentiment_score=lambda d: d["sentiment"].map(
            {"positive": 1.0, "neutral": 0.0, "negative": -1.0}
        )
    )
    for score_type in ("nps", "csat"):
        true_t = key_drivers(fb, truth, score_type=score_type, n_boot=0).table
        high = true_t[true_t["importance"] > 1 / len(true_t)]
        target = high.sort_values("performance")["aspect"].iloc[0]
        got = key_drivers(fb, mentions, score_type=score_type)
        t = got.table.set_index("aspect")
        if score_type == "nps":  # 1,639 scored comments: the answer must be right
            assert target == "annual_fee"
            assert t.loc[target, "quadrant"] == "fix first"
            assert t.loc[target, "confidence"] == "clear"
        else:  # 435 scored comments: right, or honestly flagged as uncertain
            row = t.loc[target]
            right = row["quadrant"] == "fix first"
            honest = row["confidence"] == "uncertain" and row["importance_high"] > 1 / len(t)
            assert right or honest
        assert (
            got.r_squared > 0.8 * key_drivers(fb, truth, score_type=score_type, n_boot=0).r_squared
        )


def test_the_comments_sentiment_matches_the_truth(card_analysis) -> None:  # type: ignore[no-untyped-def]
    """The comment's sentiment as reported (:mod:`loyalloop.feedback.verdict`) against the
    generator's comment intent and true mentions (:func:`~loyalloop.feedback.evaluate.
    comment_label`), and the own brand's negative share, the feedback stage's headline.

    Session 33 (its models): right for 0.929 of 5,252 comments (the comment's tone, reported
    before, 0.851); own-brand negative share 0.5738 against a truth of 0.5725 (the tone's 0.5345:
    the demo said 53.5 %)."""
    from loyalloop.feedback.evaluate import comment_label

    data, _, analysis = card_analysis
    comments = analysis.comments.set_index("feedback_id")
    truth = data.feedback_comment_truth.set_index("feedback_id")
    mentions = data.feedback_truth.groupby("feedback_id")[["aspect", "sentiment"]].apply(
        lambda g: dict(zip(g["aspect"], g["sentiment"], strict=True))
    )
    ids = [i for i in comments.index if i in truth.index]
    want = pd.Series(
        [comment_label(str(truth.at[i, "intent"]), mentions.get(i, {})) for i in ids], index=ids
    )
    got = comments.loc[ids, "sentiment"]
    assert len(ids) > 5000
    assert (got == want).mean() >= 0.91
    own = [i for i in ids if str(comments.at[i, "brand"] or "own") in ("own", "nan", "")]
    share_read = float((got[own] == "negative").mean())
    share_true = float((want[own] == "negative").mean())
    assert len(own) > 4000
    assert abs(share_read - share_true) < 0.02


def test_the_named_complaint_matches_the_truth(card_analysis) -> None:  # type: ignore[no-untyped-def]
    """The aspect a ``negative_aspect`` case would name for each comment (of the aspects read
    negative, severity weighed by the reading's confidence,
    :func:`~loyalloop.feedback.complaints.main_complaint`) against the aspects the generator
    made negative: session 34 (severity alone, session 33's models), 0.872 of the comments it
    names one for, and 0.939 of the comments with a true complaint; session 35 (weighed by
    confidence), 0.896 and 0.966 (the retail sample: 0.856 / 0.901 → 0.888 / 0.935)."""
    from loyalloop.feedback.complaints import main_complaint
    from loyalloop.feedback.evaluate import main_complaint_figures

    data, _, analysis = card_analysis
    mentions = analysis.mentions
    neg = mentions[mentions["sentiment"] == "negative"]
    worst = neg.groupby(["feedback_id", "aspect"])["sentiment_score"].min()
    by_comment = {i: g.droplevel(0).to_dict() for i, g in worst.groupby(level=0)}
    sure = mentions.groupby(["feedback_id", "aspect"])["confidence"].max().dropna()
    sure_of = {i: g.droplevel(0).to_dict() for i, g in sure.groupby(level=0)}
    truth = data.feedback_truth
    complained = truth[truth["sentiment"] == "negative"].groupby("feedback_id")["aspect"].agg(set)
    ids = analysis.comments["feedback_id"].tolist()
    named = [main_complaint(by_comment.get(i, {}), sure_of.get(i)) for i in ids]
    figs = main_complaint_figures(named, [complained.get(i, set()) for i in ids])
    assert sum(n is not None for n in named) > 2000
    assert figs["main_complaint_precision"] >= 0.88
    assert figs["main_complaint_recall"] >= 0.95
    # severity alone names a complaint for the same comments, and is right less often
    alone = [main_complaint(by_comment.get(i, {})) for i in ids]
    assert [n is None for n in alone] == [n is None for n in named]
    before = main_complaint_figures(alone, [complained.get(i, set()) for i in ids])
    assert before["main_complaint_precision"] < figs["main_complaint_precision"] - 0.01
    assert before["main_complaint_recall"] < figs["main_complaint_recall"] - 0.01
