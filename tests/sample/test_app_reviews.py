"""App-store reviews in the sample (channel ``app_review``) and what adding them leaves alone."""

from __future__ import annotations

import pandas as pd
import pytest

from loyalloop.sample import SampleData, generate
from loyalloop.sample import generator as generator_module
from loyalloop.sample._app_reviews import APP_REVIEWS_PER_CUSTOMER, REVIEWS


def _app(sample: SampleData) -> pd.DataFrame:
    return sample.feedback[sample.feedback["channel"] == "app_review"]


@pytest.mark.parametrize("business", ["card", "retail"])
def test_adding_app_reviews_changes_no_other_row(
    business: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reviews come from a stream of their own and go after every other row: the sample
    without them (the generator as it was) is the sample with them, less them."""
    with_reviews = generate(customers=1500, seed=3, business=business)  # type: ignore[arg-type]
    real = generator_module.make_app_reviews
    monkeypatch.setattr(
        generator_module, "make_app_reviews", lambda *a, **k: real(*a, **k).iloc[0:0]
    )
    without = generate(customers=1500, seed=3, business=business)  # type: ignore[arg-type]
    assert len(_app(with_reviews)) > 0 and len(_app(without)) == 0
    for name in ("customers", "transactions", "accounts", "interactions", "truth"):
        pd.testing.assert_frame_equal(getattr(with_reviews, name), getattr(without, name))
    pd.testing.assert_frame_equal(with_reviews.campaign_truth, without.campaign_truth)
    assert with_reviews.params == without.params
    for name in ("feedback", "feedback_truth", "feedback_comment_truth"):
        before, after = getattr(without, name), getattr(with_reviews, name)
        pd.testing.assert_frame_equal(after.iloc[: len(before)], before)
        added = after.iloc[len(before) :]
        assert set(added["feedback_id"]) == set(_app(with_reviews)["feedback_id"]), name


def test_app_reviews_are_anonymous_starred_and_have_their_truth(sample: SampleData) -> None:
    app = _app(sample)
    n = sample.params["customers"]
    assert 0.5 * APP_REVIEWS_PER_CUSTOMER * n < len(app) < 2 * APP_REVIEWS_PER_CUSTOMER * n
    assert app["customer_id"].isna().all()  # the store does not say who wrote it
    assert (app["brand"] == "own").all() and app["text"].notna().all()
    assert set(app["language"]) == {"zh", "en"}
    assert (app["score_type"] == "rating").all() and app["score"].isin([1, 2, 4, 5]).all()
    # ids go on after the other rows'
    assert (
        app["feedback_id"].min()
        > sample.feedback.loc[sample.feedback["channel"] != "app_review", "feedback_id"].max()
    )
    truth = sample.feedback_truth.set_index("feedback_id").loc[app["feedback_id"]]
    assert (truth["aspect"] == "app_online").all()  # one judgement of the app each
    assert set(truth["sentiment"]) == {"positive", "negative"}
    stars = app.set_index("feedback_id")["score"]
    assert ((stars[truth.index] >= 4) == (truth["sentiment"] == "positive")).all()
    assert (truth["language"] == app.set_index("feedback_id")["language"]).all()
    ct = sample.feedback_comment_truth.set_index("feedback_id").loc[app["feedback_id"]]
    assert set(ct["intent"]) == {"praise", "complaint"}
    assert ((ct["intent"] == "praise") == (truth["sentiment"] == "positive").to_numpy()).all()


def test_most_app_reviews_do_not_name_the_app() -> None:
    for business, banks in REVIEWS.items():
        texts = [t for sent in banks.values() for lang in sent.values() for t in lang]
        naming = [t for t in texts if "app" in t.lower()]
        assert 0 < len(naming) < 0.2 * len(texts), business


def test_the_card_apps_reviews_follow_its_drift(card: SampleData) -> None:
    app = _app(card)
    truth = card.feedback_truth.set_index("feedback_id").loc[app["feedback_id"]]
    end = pd.Timestamp(card.params["window_end"])
    neg = (truth["sentiment"] == "negative").to_numpy()
    recent = (app["timestamp"] > end - pd.DateOffset(months=3)).to_numpy()
    before = (app["timestamp"] < end - pd.DateOffset(months=9)).to_numpy()
    assert neg[recent].mean() > neg[before].mean() + 0.2
