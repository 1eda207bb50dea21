"""Session 12 (English clause sentiment): the contrast word opens the clause it introduces (it
used to be dropped), sentence cues for a quick time and an agent's note, new lexicon entries.

Every phrase here is written for this test, not taken from a labelled set.
"""

from __future__ import annotations

import pytest

from loyalloop.feedback.lexicon import lexicon_score
from loyalloop.feedback.mention_sentiment import _sentence_cues
from loyalloop.feedback.segment import segment


@pytest.mark.parametrize(
    ("text", "clauses"),
    [
        ("The app is fine but slow", ["the app is fine", "but slow"]),
        ("Rewards are decent, but the annual fee is steep.",
         ["rewards are decent", "but the annual fee is steep"]),
        ("Staff were friendly. However, the queue took ages",
         ["staff were friendly", "however, the queue took ages"]),
        ("Although the fee went up, the lounge access is worth it",
         ["although the fee went up", "the lounge access is worth it"]),
        ("Delivery was quick though the box was dented",
         ["delivery was quick", "though the box was dented"]),
        ("年费有点贵但还能接受", ["年费有点贵", "但还能接受"]),
    ],
)  # fmt: skip
def test_contrast_word_opens_its_clause(text: str, clauses: list[str]) -> None:
    assert [c.norm for c in segment(text)] == clauses


@pytest.mark.parametrize(
    ("text", "clauses"),
    [
        ("The new app works though.", ["the new app works"]),
        ("Limit went up to 5,000, but.", ["limit went up to 5,000"]),
    ],
)  # fmt: skip
def test_a_contrast_word_with_nothing_after_it_is_dropped(text: str, clauses: list[str]) -> None:
    assert [c.norm for c in segment(text)] == clauses


@pytest.mark.parametrize(
    ("sentence", "cues"),
    [
        ("refund landed in 5 days", {"duration", "quick"}),
        ("ordered at 11pm | on my doorstep by 9am", {"quick"}),
        ("replaced within an hour", {"quick"}),
        ("waited 3 days for a reply", {"duration"}),
        ("cust queried late fee on latest statement", {"note"}),
        ("customer notes | caller reports app crashing", {"note"}),
        ("customer service noticed i'd missed a bonus", set()),
        ("agent was polite | but clueless", set()),
    ],
)  # fmt: skip
def test_quick_time_and_agent_note_cues(sentence: str, cues: set[str]) -> None:
    assert set(_sentence_cues(sentence)) >= cues
    assert not {"quick", "note"} & set(_sentence_cues(sentence)) - cues


@pytest.mark.parametrize(
    ("clause", "sign"),
    [("top marks to the branch", 1), ("your call-back feature is genius", 1),
     ("i can't fault the staff", 1), ("dave went the extra mile", 1),
     ("no waiting at the desk", 1), ("returns were a doddle", 1),
     ("interest rate is exorbitant", -1), ("dodgy charges on my card", -1),
     ("the rep had no idea how it worked", -1), ("the fees page is impossible to find", -1),
     ("i got ripped off", -1), ("not as advertised", -1)],
)  # fmt: skip
def test_session12_lexicon_entries(clause: str, sign: int) -> None:
    score = lexicon_score(clause)
    assert score.evidence and score.logit * sign > 0, (clause, score)
