"""Intent, effort and entities: rules, the labelled sets and the sample's truth."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from loyalloop.feedback.analyze import analyze_comments
from loyalloop.feedback.aspects import load_taxonomy, read_comment
from loyalloop.feedback.evaluate import evaluate_aspects
from loyalloop.feedback.intent import effort_flags, entities, main_intent
from loyalloop.feedback.summaries import signal_summary

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("我想把这张卡销掉，年费太贵", "cancel"),
        ("Please close my account", "cancel"),
        ("年费太贵了", "complaint"),
        ("Why was I charged twice?", "complaint"),
        ("请问年费怎么减免？", "question"),
        ("How do I raise my limit?", "question"),
        ("客服态度超好，点赞", "praise"),
        ("我用这张卡五年了", "none"),
    ],
)
def test_main_intent(text: str, intent: str) -> None:
    assert main_intent(read_comment(text, load_taxonomy("banking"))) == intent


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


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_intent_on_the_labelled_sets(lang: str) -> None:
    df = pd.read_csv(DATA / f"domain_{lang}.tsv", sep="\t", dtype=str, keep_default_na=False)
    ev = evaluate_aspects(df, taxonomy_column="domain")
    assert ev.overall["intent_accuracy"] >= 0.78  # measured 0.84 (zh) and 0.84 (en)


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
