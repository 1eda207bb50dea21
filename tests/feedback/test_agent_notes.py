"""Agent notes (session 25, fb25a): their shorthand is spelled out for the reading, the text shown
stays as written, and the register of a note (a settled matter, or the customer's complaint
reported) is told apart."""

from __future__ import annotations

import pytest

from loyalloop.feedback.aspects import load_taxonomy, read_comment
from loyalloop.feedback.mention_sentiment import note_register
from loyalloop.feedback.segment import normalize, segment
from loyalloop.feedback.shorthand import expand_shorthand


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("Cx req AF waiver", "cust request annual fee waiver"),
        ("cust asks to downgrade to no-AF card", "cust asks to downgrade to no-annual fee card"),
        ("Requested CLI via app", "requested credit limit increase via app"),
        ("cli request took 30 sec", "credit limit increase request took 30 sec"),
        ("cx disputes stmt amt", "cust disputes statement amt"),
        ("3 contactless txns totalling $187", "3 contactless transactions totalling $187"),
        ("foreign txn fee", "foreign transaction fee"),
        ("payment sent to wrong acct number", "payment sent to wrong account number"),
        ("unlocked after ID&V", "unlocked after identity verification"),
        ("Passed to store mgr", "passed to store manager"),
        ("CX angry", "cust angry"),
    ],
)  # fmt: skip
def test_agent_shorthand_is_spelled_out(written: str, read: str) -> None:
    assert normalize(written) == read


@pytest.mark.parametrize(
    "text",
    [
        "The shoes are comfy af",  # slang, not the annual fee: only "AF" in capitals is
        "Annoying af",
        "international shipping",  # "int" is never spelled out, let alone inside a word
        "AFTER the update",
        "the Afghan rug",
        "a clique of staff",
        "CLIENT services",
        "request a refund",
        "the acct's owner",  # a possessive is left as written
        "the MGR-2 model",
        "the txnx field",
        "I'd like a statement",
        "dd/mm/yyyy",  # one author's "dd" (direct debit) is not in the table
    ],
)  # fmt: skip
def test_words_that_only_look_like_shorthand_stay(text: str) -> None:
    assert expand_shorthand(text) == text


def test_the_text_shown_stays_as_written() -> None:
    [clause] = segment("Cx req AF waiver")
    assert clause.text == "Cx req AF waiver"
    assert clause.norm == "cust request annual fee waiver"
    reading = read_comment("Cx req AF waiver, 6th yr cardholder.", load_taxonomy("banking"))
    fee = [m for m in reading.mentions if m.aspect == "annual_fee"]
    assert fee and fee[0].clause == "Cx req AF waiver"


@pytest.mark.parametrize(
    ("text", "domain", "aspect"),
    [
        ("cx asked why AF charged in month 13 not 12. explained anniversary date.", "banking",
         "annual_fee"),
        ("Cust req CLI to $12k. Approved to $10k subject to income verification.", "banking",
         "credit_limit"),
        ("Cx called re stmt date change. Moved to 15th as requested.", "banking", "billing"),
        ("Complaint about the fitting room. Passed to area mgr.", "retail", "staff"),
    ],
)  # fmt: skip
def test_the_aspect_named_in_shorthand_is_found(text: str, domain: str, aspect: str) -> None:
    assert aspect in {m.aspect for m in read_comment(text, load_taxonomy(domain)).mentions}


@pytest.mark.parametrize(
    ("text", "domain", "aspect", "label"),
    [
        ("Cx req AF waiver, 6th yr cardholder.", "banking", "annual_fee", "neutral"),
        ("cx asked why AF charged in month 13 not 12. explained anniversary date.", "banking",
         "annual_fee", "neutral"),
        ("Cx called re stmt date change. Moved to 15th as requested.", "banking", "billing",
         "neutral"),
        ("cx wants to cancel due AF increase 95->150. closure processed.", "banking",
         "annual_fee", "negative"),
        ("cust complains 30 min wait at returns desk, staff chatting.", "retail", "waiting_time",
         "negative"),
    ],
)  # fmt: skip
def test_notes_are_read_in_their_register(text: str, domain: str, aspect: str, label: str) -> None:
    found = {
        m.aspect: m.sentiment.label for m in read_comment(text, load_taxonomy(domain)).mentions
    }
    assert found.get(aspect) == label


@pytest.mark.parametrize(
    ("sentence", "register"),
    [
        ("explained statement | purchase int | late fee | min pmt", "settled"),
        ("cust clear now", "settled"),
        ("cust request annual fee waiver", "plain"),
        ("cust complains 30 min wait at returns desk | staff chatting", "upset"),
        ("cust says was told 5% cashback | feels misled", "upset"),
        ("cust charged late fee again | wants to close account", "upset"),
        ("cust service was meh", ""),  # the customer's own words, no note
        ("as a loyal customer for 10 years i am disappointed", ""),
    ],
)  # fmt: skip
def test_the_register_of_a_note(sentence: str, register: str) -> None:
    assert note_register(sentence) == register
