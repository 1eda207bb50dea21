"""An app-store review is about the app unless it says otherwise (``channel_aspects``).

The rule (module docs of :mod:`loyalloop.feedback.channel_aspects`): in a comment from a
channel the taxonomy maps to an aspect, a sentence that judges (positive or negative) and gets
no aspect from the reading gets that aspect, marked ``source = "channel"``; nothing else
changes. The evaluation reads a side file of the labellers' channel names.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from loyalloop.errors import ConfigError, DataValidationError
from loyalloop.feedback import analyze_comments
from loyalloop.feedback.aspects import CommentReading, load_taxonomy, read_comment
from loyalloop.feedback.channel_aspects import (
    CHANNEL_SOURCE,
    TEXT_SOURCE,
    channel_mentions,
    implied_aspect,
    implied_aspects,
    with_channel,
)
from loyalloop.feedback.evaluate import (
    LABELLER_CHANNELS,
    evaluate_aspects,
    labeller_channel,
    main,
    read_channels,
    read_labelled,
)

FIXTURES = Path(__file__).parent / "fixtures"
SET = FIXTURES / "app_reviews.tsv"
CHANNELS = FIXTURES / "app_reviews_channels.tsv"
BANKING = load_taxonomy("banking")


def _read(text: str, channel: str | None, taxonomy: str = "banking") -> list[tuple[str, ...]]:
    tax = load_taxonomy(taxonomy)
    reading = with_channel(read_comment(text, tax), implied_aspect(tax, channel))
    return [(m.aspect, m.sentiment.label, m.source) for m in reading.mentions]


@pytest.mark.parametrize("taxonomy", ["banking", "retail", "default"])
def test_shipped_taxonomies_send_app_reviews_to_app_online(taxonomy: str) -> None:
    tax = load_taxonomy(taxonomy)
    assert tax.channel_implied == (("app_review", "app_online"),)
    assert implied_aspect(tax, "app_review") == "app_online"
    assert implied_aspect(tax, " App_Review ") == "app_online"
    assert implied_aspects(tax, ["survey", "app_review", None, float("nan")]) == [
        None,
        "app_online",
        None,
        None,
    ]


def test_an_app_review_that_names_nothing_is_about_the_app() -> None:
    assert _read("Love it", "app_review") == [("app_online", "positive", CHANNEL_SOURCE)]
    assert _read("太好用了，五星", "app_review")[0][:2] == ("app_online", "positive")
    # one mention per sentence that judges; evaluate keeps one label per aspect
    assert _read("Awful. Just awful.", None) == []
    got = _read("Awful. Just awful.", "app_review")
    assert got == [("app_online", "negative", CHANNEL_SOURCE)] * 2
    # where the fallback already reads a sentence as the app (session 32's models read
    # "Terrible. Just terrible." so), that sentence's mention comes from the words, the other's
    # from the channel
    words = _read("Terrible. Just terrible.", None)
    got = _read("Terrible. Just terrible.", "app_review")
    assert [(aspect, label) for aspect, label, _ in got] == [("app_online", "negative")] * 2
    assert sorted(source for *_, source in got) == sorted([CHANNEL_SOURCE, TEXT_SOURCE])
    assert words == [m for m in got if m[2] == TEXT_SOURCE]


def test_a_sentence_that_names_an_aspect_keeps_it() -> None:
    plain = _read("The late fee is a rip-off", None)
    assert plain == [("fees", "negative", TEXT_SOURCE)]
    assert _read("The late fee is a rip-off", "app_review") == plain


def test_only_the_sentences_without_an_aspect_get_the_app() -> None:
    text = "The late fee is a rip-off. Love it otherwise."
    assert _read(text, None) == [("fees", "negative", TEXT_SOURCE)]
    assert _read(text, "app_review") == [
        ("fees", "negative", TEXT_SOURCE),
        ("app_online", "positive", CHANNEL_SOURCE),
    ]
    # the added mention keeps its sentence's place among the others
    later = "Love it. The late fee is a rip-off."
    assert [a for a, *_ in _read(later, "app_review")] == ["app_online", "fees"]


def test_other_channels_and_neutral_sentences_get_nothing() -> None:
    assert _read("Love it", "survey") == []
    assert _read("Love it", "review") == []
    assert _read("Love it", None) == []
    assert _read("Writing this from the bus", "app_review") == []
    reading = read_comment("Writing this from the bus", BANKING)
    assert with_channel(reading, "app_online") is reading
    # since session 26's retrain the text itself names the app here (neutral); the channel
    # adds no second app mention
    assert _read("I downloaded it yesterday", "app_review") == _read(
        "I downloaded it yesterday", None
    )
    assert channel_mentions(read_comment("Love it", BANKING), None) == ()


def test_a_taxonomy_without_the_entry_or_the_aspect_adds_nothing() -> None:
    plain = {"aspects": {"price": {"en": ["price"]}, "app_online": {"en": ["app"]}}}
    tax = load_taxonomy(plain)
    assert tax.channel_implied == () and implied_aspect(tax, "app_review") is None
    own = load_taxonomy({**plain, "channel_implied": {"app_review": "app_online"}})
    reading = with_channel(read_comment("Love it", own), implied_aspect(own, "app_review"))
    assert [(m.aspect, m.source) for m in reading.mentions] == [("app_online", CHANNEL_SOURCE)]


def test_each_mention_records_its_clause() -> None:
    # the same clause written twice is told apart by its place, not its text
    reading = read_comment("年费太贵。年费太贵，积分很划算。", BANKING)
    got = [(m.aspect, m.clause_index) for m in reading.mentions]
    assert got == [("annual_fee", 0), ("annual_fee", 1), ("rewards_points", 2)]
    for m in reading.mentions:
        assert m.clause_index is not None
        assert reading.clauses[m.clause_index].text == m.clause
    # a channel mention names the clause it was given; the words' mentions keep theirs
    text = "Love it. The late fee is a rip-off. Love it!"
    full = with_channel(read_comment(text, BANKING), "app_online")
    assert [(m.aspect, m.source, m.clause_index) for m in full.mentions] == [
        ("app_online", CHANNEL_SOURCE, 0),
        ("fees", TEXT_SOURCE, 1),
        ("app_online", CHANNEL_SOURCE, 2),
    ]
    assert [full.clauses[m.clause_index].text for m in full.mentions] == [  # type: ignore[index]
        m.clause for m in full.mentions
    ]


def test_a_mention_not_from_a_reading_is_refused() -> None:
    reading = read_comment("The late fee is a rip-off. Love it.", BANKING)
    made = replace(reading.mentions[0], clause_index=None)
    with pytest.raises(ValueError, match="no clause index"):
        with_channel(CommentReading(reading.clauses, reading.readings, (made,)), "app_online")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"app_store": "app_online"}, "'app_store' is not a feedback channel"),
        ({"app_review": "digital"}, "names 'digital', which is not an aspect"),
        (["app_review"], "must be a mapping"),
    ],
)
def test_a_wrong_channel_implied_entry_is_refused(entry: object, message: str) -> None:
    spec = {"aspects": {"app_online": {"en": ["app"]}}, "channel_implied": entry}
    with pytest.raises(ConfigError, match=message):
        load_taxonomy(spec)


def test_the_intent_and_the_comment_sentiment_are_read_from_the_words() -> None:
    frame = pd.DataFrame(
        {
            "feedback_id": ["a", "b", "c", "d"],
            "channel": ["app_review", "survey", "app_review", "app_review"],
            "text": ["Love it", "Love it", "The late fee is a rip-off", "I downloaded it"],
        }
    )
    both = analyze_comments(frame, taxonomy="banking")
    words = analyze_comments(frame.drop(columns=["channel"]), taxonomy="banking")
    c, w = both.comments.set_index("feedback_id"), words.comments.set_index("feedback_id")
    assert c.loc["a", "aspects"] == "app_online:positive" and w.loc["a", "aspects"] == ""
    for col in ("intent", "sentiment", "sentiment_score"):
        assert c[col].tolist() == w[col].tolist(), col
    assert c.loc[["b", "c", "d"], "aspects"].tolist() == w.loc[["b", "c", "d"], "aspects"].tolist()
    m = both.mentions
    assert m.columns.tolist()[:6] == [
        "feedback_id",
        "aspect",
        "clause",
        "sentiment",
        "sentiment_score",
        "source",
    ]
    assert m[m["source"] == CHANNEL_SOURCE][
        ["feedback_id", "aspect", "clause"]
    ].values.tolist() == [["a", "app_online", "Love it"]]
    assert (words.mentions["source"] == TEXT_SOURCE).all()
    # no channel column to read (or switched off): the words alone
    off = analyze_comments(frame, taxonomy="banking", channel_column=None)
    assert off.comments["aspects"].tolist() == words.comments["aspects"].tolist()


def test_labeller_channels_map_to_the_products() -> None:
    assert labeller_channel("review_app") == "app_review"
    assert labeller_channel("agent_note") == "call"
    assert labeller_channel("complaint") == "email"
    assert labeller_channel("comment_card") == "survey"
    assert labeller_channel(" Survey ") == "survey"
    assert labeller_channel("chat") == "chat"  # the product's own name
    with pytest.raises(DataValidationError, match="unknown channel 'fax'"):
        labeller_channel("fax")
    from loyalloop.data.contracts import FEEDBACK_CHANNELS

    assert set(LABELLER_CHANNELS.values()) <= set(FEEDBACK_CHANNELS)


def test_evaluation_with_channels_reads_app_reviews_as_the_app() -> None:
    labelled = read_labelled(SET)
    channels = read_channels(CHANNELS, len(labelled))
    assert channels[:6] == ["app_review"] * 5 + ["survey"]
    words = evaluate_aspects(labelled, "banking")
    read = evaluate_aspects(labelled, "banking", channels=channels)
    found = read.pairs.set_index(["row", "aspect"])["predicted"]
    before = words.pairs.set_index(["row", "aspect"])["predicted"]
    assert pd.isna(before[(0, "app_online")]) and found[(0, "app_online")] == "positive"
    assert found[(1, "app_online")] == "negative"
    # the survey's "Love it", the neutral app review and the fee complaint: as before
    for row in (3, 4, 5):
        assert read.pairs[read.pairs["row"] == row].equals(words.pairs[words.pairs["row"] == row])
    assert read.overall["recall"] > words.overall["recall"]
    assert read.overall["precision"] == words.overall["precision"] == 1.0


def test_evaluate_command_channels_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(SET), "--channels", str(CHANNELS), "--json"]) == 0
    with_channels = capsys.readouterr().out
    assert main([str(SET), "--json"]) == 0
    assert capsys.readouterr().out != with_channels
    short = tmp_path / "short.tsv"
    short.write_text("channel\nreview_app\n", encoding="utf-8")
    assert main([str(SET), "--channels", str(short)]) == 2
    assert "1 channel rows for 12 labelled rows" in capsys.readouterr().err
    unknown = tmp_path / "unknown.tsv"
    unknown.write_text("channel\n" + "fax\n" * 12, encoding="utf-8")
    assert main([str(SET), "--channels", str(unknown)]) == 2
    assert "row 2: unknown channel 'fax'" in capsys.readouterr().err
    headless = tmp_path / "headless.tsv"
    headless.write_text("review_app\n" * 13, encoding="utf-8")
    assert main([str(SET), "--channels", str(headless)]) == 2
    assert "no 'channel' header" in capsys.readouterr().err
    assert main([str(SET), str(SET), "--channels", str(CHANNELS)]) == 2
    assert "exactly one FILE" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "review_app -> app_review" in " ".join(capsys.readouterr().out.split())


def test_analyze_texts_and_the_command_read_a_file_of_app_store_reviews(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from loyalloop.cli.feedback import app
    from loyalloop.feedback import analyze_texts

    texts = ["Love it", "The late fee is a rip-off", "Writing this from the bus", "Love it"]
    read = analyze_texts(texts, taxonomy="banking", channel="app_review")
    words = analyze_texts(texts, taxonomy="banking")
    assert read["aspects"].tolist() == [
        "app_online:positive",
        "fees:negative",
        "",
        "app_online:positive",
    ]
    assert words["aspects"].tolist() == ["", "fees:negative", "", ""]
    assert read["sentiment"].tolist() == words["sentiment"].tolist()
    assert analyze_texts(texts, taxonomy="banking", channel="survey").equals(words)
    with pytest.raises(DataValidationError, match="'app_store' is not a feedback channel"):
        analyze_texts(texts, taxonomy="banking", channel="app_store")
    src = tmp_path / "reviews.csv"
    pd.DataFrame({"text": texts}).to_csv(src, index=False)
    out = tmp_path / "out.csv"
    args = ["analyze", str(src), "--out", str(out), "--taxonomy", "banking", "--jobs", "1"]
    res = CliRunner().invoke(app, [*args, "--channel", "app_review"])
    assert res.exit_code == 0, res.output
    assert pd.read_csv(out, keep_default_na=False)["aspects"].tolist() == read["aspects"].tolist()
    res = CliRunner().invoke(app, [*args, "--channel", "app_store"])
    assert res.exit_code != 0 and "not a feedback channel" in res.output
