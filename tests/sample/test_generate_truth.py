"""The generated process has the truth it claims (BG/NBD + Gamma-Gamma, satisfaction)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from loyalloop.data.normalize import normalize_emails, normalize_phones
from loyalloop.sample import SampleData, generate, population
from loyalloop.sample._duplicates import HOUSEHOLD_SHARE
from loyalloop.sample.generator import DUPLICATE_SHARE


def _weeks_observed(sample: SampleData) -> np.ndarray:
    end = pd.Timestamp(sample.params["window_end"])
    return ((end - sample.truth["acquired_at"]).dt.total_seconds() / (7 * 86400)).to_numpy()


def test_params_are_stated_with_time_unit(sample: SampleData) -> None:
    p = population(sample.business)  # type: ignore[arg-type]
    assert sample.params["time_unit"] == "week"
    for key in ("r", "alpha", "a", "b", "p", "q", "gamma"):
        assert sample.params[key] == getattr(p, key)


def test_latent_parameters_match_population(sample: SampleData) -> None:
    p = sample.params
    t = sample.truth
    n = len(t)
    lam_sd = np.sqrt(p["r"]) / p["alpha"]
    assert abs(t["lambda"].mean() - p["r"] / p["alpha"]) < 4 * lam_sd / np.sqrt(n)
    mean_p = p["a"] / (p["a"] + p["b"])
    assert abs(t["p"].mean() / mean_p - 1) < 0.1
    assert abs(t["nu"].mean() / (p["q"] / p["gamma"]) - 1) < 0.05


def test_purchases_in_table_match_truth(sample: SampleData) -> None:
    tx = sample.transactions
    purchases = tx[tx["amount"] > 0]
    counts = purchases.groupby("customer_id").size()
    t = sample.truth.set_index("customer_id")
    assert (counts.reindex(t.index, fill_value=0) == t["n_repeat"] + 1).all()
    last = purchases.groupby("customer_id")["timestamp"].max()
    assert (last.reindex(t.index) == t["last_purchase_at"]).all()
    churned = t["churned"]
    assert (t.loc[churned, "dropout_at"] == t.loc[churned, "last_purchase_at"]).all()
    assert t.loc[~churned, "dropout_at"].isna().all()
    first = purchases.groupby("customer_id")["timestamp"].min()
    assert (first.reindex(t.index) == t["acquired_at"]).all()


def test_churn_and_frequency_follow_bgnbd(sample: SampleData) -> None:
    """P(alive at T | lambda, p) = exp(-lambda p T); E[X(T)] = (1 - exp(-lambda p T)) / p."""
    t = sample.truth
    big_t = _weeks_observed(sample)
    lam, p = t["lambda"].to_numpy(), t["p"].to_numpy()
    p_alive = np.exp(-lam * p * big_t)
    alive = (~t["churned"]).to_numpy()
    se = np.sqrt((p_alive * (1 - p_alive)).sum()) / len(t)
    assert abs(alive.mean() - p_alive.mean()) < 4 * se
    expected_x = ((1 - p_alive) / p).sum()
    assert abs(t["n_repeat"].sum() / expected_x - 1) < 0.05
    assert 0.1 < t["churned"].mean() < 0.5


def test_spend_follows_gamma_gamma(sample: SampleData) -> None:
    tx = sample.transactions
    purchases = tx[tx["amount"] > 0].merge(
        sample.truth[["customer_id", "expected_amount"]], on="customer_id"
    )
    ratio = purchases["amount"] / purchases["expected_amount"]
    assert abs(ratio.mean() - 1) < 0.03  # E[z | nu] = p / nu
    per_customer = purchases.groupby("customer_id").agg(
        mean=("amount", "mean"), n=("amount", "size"), truth=("expected_amount", "first")
    )
    many = per_customer[per_customer["n"] >= 20]
    assert np.corrcoef(np.log(many["mean"]), np.log(many["truth"]))[0, 1] > 0.8
    assert abs(purchases["amount"].mean() / sample.params["mean_amount"] - 1) < 0.15


def test_card_customers_buy_often_and_on_the_same_day(card: SampleData) -> None:
    tx = card.transactions
    purchases = tx[tx["amount"] > 0]
    end = pd.Timestamp(card.params["window_end"])
    recent = purchases[purchases["timestamp"] >= end - pd.Timedelta(days=91)]
    alive = card.truth.loc[~card.truth["churned"], "customer_id"]
    per_month = recent.groupby("customer_id").size().reindex(alive, fill_value=0) / 3
    assert per_month.median() >= 3
    day = purchases["timestamp"].dt.floor("D")
    assert purchases.assign(day=day).duplicated(["customer_id", "day"]).mean() > 0.05


def test_feedback_follows_satisfaction(sample: SampleData) -> None:
    fb = sample.feedback.merge(
        sample.truth[["customer_id", "churned", "satisfaction"]], on="customer_id"
    )
    nps = fb[fb["score_type"] == "nps"]
    assert nps.loc[nps["churned"], "score"].mean() < nps.loc[~nps["churned"], "score"].mean() - 1
    assert np.corrcoef(nps["score"], nps["satisfaction"])[0, 1] > 0.5

    def nps_value(s: pd.Series) -> float:
        return 100 * ((s >= 9).mean() - (s <= 6).mean())

    assert nps_value(nps.loc[nps["churned"], "score"]) < nps_value(
        nps.loc[~nps["churned"], "score"]
    )
    assert -30 < nps_value(nps["score"]) < 50


def test_comment_truth(sample: SampleData) -> None:
    fb = sample.feedback
    ft = sample.feedback_truth
    with_text = set(fb.loc[fb["text"].notna(), "feedback_id"])
    assert set(ft["feedback_id"]) == with_text
    per_comment = ft.groupby("feedback_id").size()
    assert per_comment.between(1, 4).all()
    assert (per_comment >= 2).mean() > 0.55  # most comments talk about several aspects
    assert set(ft["sentiment"]) == {"positive", "negative", "neutral"}
    assert ft["aspect"].nunique() >= (10 if sample.business == "card" else 8)
    by_sent = ft.groupby("sentiment")["latent_satisfaction"].mean()
    assert by_sent["positive"] > by_sent["neutral"] > by_sent["negative"]
    ct = sample.feedback_comment_truth
    assert set(ct["feedback_id"]) == with_text
    assert set(ct["intent"]) == {"cancel", "complaint", "question", "praise", "none"}
    assert ct["repeat_contact"].any() and ct["transferred"].any()
    assert (ct["pii"] != "").any()


def test_comment_text_is_varied_and_multilingual(sample: SampleData) -> None:
    fb = sample.feedback
    text = fb["text"].dropna()
    assert text.nunique() > 0.95 * len(text)
    assert text.str.len().mean() > 38  # several clauses, not one-liners (old sample: 28)
    assert fb["text"].isna().any()
    lang = sample.feedback_truth.drop_duplicates("feedback_id")["language"]
    shares = lang.value_counts(normalize=True)
    assert 0.65 < shares["zh"] < 0.85
    assert shares["en"] > 0.05
    assert shares["mixed"] > 0.03
    brands = set(fb["brand"].dropna()) - {"own"}
    assert 2 <= len(brands) <= 3
    assert text.str.contains("[?？]", regex=True).any()  # questions
    assert text.str.contains("“").any()  # scare-quoted sarcasm
    assert text.str.contains("said no one ever|真是", regex=True).any()
    # pasted contact details exist in the raw text (the analysis must mask them)
    assert text.str.contains(r"1[3-9]\d{9}|\d{4} \d{4} \d{4} \d{4}", regex=True).any()


def test_a_comment_carries_one_judgement(card: SampleData) -> None:
    """A neutral process statement that goes on with how it ended ("客服说会转给相关部门，等了三天没消息")
    takes the judgement of the rest of its comment, which never holds the opposite one; a
    statement that does not go on stays neutral."""
    from loyalloop.sample._phrases import FOLLOW_UP

    ft = card.feedback_truth
    sentiments = ft.groupby("feedback_id")["sentiment"].agg(set)
    staff = ft[ft["aspect"].isin(["service_attitude", "waiting_time"])]
    staff_sentiments = staff.groupby("feedback_id")["sentiment"].agg(set)
    text = card.feedback.set_index("feedback_id").loc[sentiments.index, "text"]
    for judgement, word, opposite in (("neg", "negative", "positive"),
                                      ("pos", "positive", "negative")):  # fmt: skip
        tails = [
            t for kind in FOLLOW_UP.values() for t in kind[judgement]["zh"] + kind[judgement]["en"]
        ]
        told = text.map(lambda t, tails=tails: any(x in t for x in tails))
        assert told.sum() >= (20 if judgement == "neg" else 5), judgement
        ids = told[told].index
        assert not sentiments[ids].map(lambda s, o=opposite: o in s).any(), judgement
        assert staff_sentiments.reindex(ids).map(lambda s, w=word: w in s).all(), judgement
    plain = text.str.contains("说会转给相关部门。|logged my issue\\.", regex=True)
    assert plain.any()
    assert (staff_sentiments.reindex(plain[plain].index) == {"neutral"}).mean() > 0.5


def test_no_nonsense_values(sample: SampleData) -> None:
    text = sample.feedback["text"].dropna()
    days = text.str.extractall(r"每月(\d+)号")[0].astype(int)
    assert days.empty or days.between(1, 28).all()
    assert not text.str.contains(r"\{[a-z]+\}", regex=True).any()  # no unfilled slot


def test_card_comments_cover_card_aspects(card: SampleData) -> None:
    text = card.feedback["text"].dropna()
    for word in ("年费", "利", "额度", "积分", "客服", "APP|app", "账单", "手续费"):
        assert text.str.contains(word).any(), word


def test_one_aspect_drifts(card: SampleData) -> None:
    drift = card.params["aspect_drift"]
    own = card.feedback.loc[card.feedback["brand"].fillna("own") == "own", "feedback_id"]
    ft = card.feedback_truth[
        (card.feedback_truth["aspect"] == drift["aspect"])
        & card.feedback_truth["feedback_id"].isin(own)
    ]
    end = pd.Timestamp(card.params["window_end"])
    recent = ft["timestamp"] > end - pd.DateOffset(months=3)
    before = ft["timestamp"].between(end - pd.DateOffset(months=21), end - pd.DateOffset(months=9))
    neg = ft["sentiment"] == "negative"
    assert neg[recent].mean() > neg[before].mean() + 0.12


def test_customers_are_realistic(sample: SampleData) -> None:
    c = sample.customers
    end = pd.Timestamp(sample.params["window_end"])
    age = (end - c["birth_date"]).dt.days / 365.25
    assert 28 <= age.median() <= 38
    assert age.between(25, 40).mean() > (0.5 if sample.business == "card" else 0.4)
    assert age.min() >= 18 or sample.business == "retail"
    phones = c["phone"].dropna()
    assert normalize_phones(phones).notna().mean() > 0.99
    assert phones.str.contains(r"^\+86 1\d\d-\d{4}-\d{4}$").any()
    assert phones.str.fullmatch(r"1[3-9]\d{9}").mean() > 0.6
    emails = c["email"].dropna()
    assert normalize_emails(emails).notna().mean() > 0.99
    assert (emails != emails.str.strip()).any()
    assert (emails == emails.str.upper()).any()
    assert c["name"].str.contains(r"^[\u4e00-\u9fff]{2,4}$").mean() > 0.85
    assert c["name"].str.contains(r"^[A-Za-z]+ [A-Za-z]+$").any()
    for col in ("consent_email", "consent_sms", "consent_phone"):
        assert c[col].isna().any() and c[col].eq(True).any() and c[col].eq(False).any()


def test_duplicate_records_follow_their_variation_truth(sample: SampleData) -> None:
    t = sample.truth
    dups = t[t["duplicate_of"].notna()]
    assert abs(len(dups) / len(t) - DUPLICATE_SHARE) < 0.005
    assert dups["duplicate_variation"].notna().all()
    assert t.loc[t["duplicate_of"].isna(), "duplicate_variation"].isna().all()
    c = sample.customers.set_index("customer_id")
    email = normalize_emails(c["email"].astype(object).where(c["email"].notna(), None))
    phone = normalize_phones(c["phone"].astype(object).where(c["phone"].notna(), None))
    var = dups.set_index("customer_id")["duplicate_variation"].str.split(";")
    src = dups.set_index("customer_id")["duplicate_of"]
    kinds = var.explode()
    # every kind of variation is planted
    for kind in ("name:pinyin", "name:homophone", "phone:new", "phone:typo", "address:moved",
                 "address:reformatted", "email:other_provider", "birth_date:typo"):  # fmt: skip
        assert (kinds == kind).any(), kind
    # and each says what the record really holds
    for rid, notes in var.items():
        o = src[rid]
        if "phone:same" in notes:
            assert phone[rid] == phone[o]
        if "phone:typo" in notes:
            assert phone[rid] != phone[o] and phone[rid] is not None
        if "email:same" in notes:
            assert email[rid] == email[o]
        if "email:other_provider" in notes:
            assert email[rid].split("@")[0] == email[o].split("@")[0] != ""
            assert email[rid] != email[o]
        if "birth_date:same" in notes:
            assert c.loc[rid, "birth_date"] == c.loc[o, "birth_date"]
        if "address:same" in notes:
            assert c.loc[rid, "address"] == c.loc[o, "address"]
        if "name:pinyin" in notes:
            assert c.loc[rid, "name"].replace(" ", "").isascii()
    # some second records share no exact key with the first any more (exact matching misses)
    shared = (email.loc[src.index].to_numpy() == email.loc[src].to_numpy()) | (
        phone.loc[src.index].to_numpy() == phone.loc[src].to_numpy()
    )
    assert 0.1 < 1 - shared.mean() < 0.5
    acquired = t.set_index("customer_id")["acquired_at"]
    assert (acquired.loc[src.index].to_numpy() >= acquired.loc[src].to_numpy()).all()
    # distinct people do not share an e-mail
    persons = t.loc[t["duplicate_of"].isna(), "customer_id"]
    assert not email.loc[persons].dropna().duplicated().any()


def test_households_are_different_people_at_one_address(sample: SampleData) -> None:
    t = sample.truth
    c = sample.customers.set_index("customer_id")
    members = t[t["household_of"].notna()].set_index("customer_id")["household_of"]
    assert abs(len(members) / len(t) - HOUSEHOLD_SHARE) < 0.003
    head = members.to_numpy()
    person = t.set_index("customer_id")["person_id"]
    assert (person.loc[members.index].to_numpy() != person.loc[head].to_numpy()).all()
    addr = c["address"].fillna("")
    assert (addr.loc[members.index].to_numpy() == addr.loc[head].to_numpy()).all()
    both = c.loc[members.index, "birth_date"].notna().to_numpy() & c.loc[head, "birth_date"].notna()
    dob_m = c.loc[members.index, "birth_date"].to_numpy()
    assert (dob_m[both.to_numpy()] != c.loc[head, "birth_date"].to_numpy()[both.to_numpy()]).all()
    phone_shared = c.loc[members.index, "phone"].to_numpy() == c.loc[head, "phone"].to_numpy()
    assert 0.3 < phone_shared.mean() < 0.9
    han = c["name"].str.fullmatch(r"[\u4e00-\u9fff]+").fillna(False)
    both_han = han.loc[members.index].to_numpy() & han.loc[head].to_numpy()
    first = c.loc[members.index, "name"].str[0].to_numpy() == c.loc[head, "name"].str[0]
    assert both_han.sum() > 10 and first[both_han].all()  # same surname
    assert c["address"].notna().mean() > 0.9


def test_acquisition_spreads_over_the_window(card: SampleData) -> None:
    months = card.truth["acquired_at"].dt.to_period("M").value_counts()
    assert len(months) >= 30
    assert months.iloc[1:].min() > 0


def test_larger_population_is_fast_enough() -> None:
    s = generate(customers=20_000, seed=2)
    assert len(s.customers) == 20_000
    assert len(s.transactions) > 20 * 20_000
