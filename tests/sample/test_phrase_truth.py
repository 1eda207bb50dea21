"""The sample's phrase banks give each wording one truth a labeller can read (session 24, fb24c).

The truth of a comment's aspect comes from the predicate form the generator drew (``pos`` /
``neg`` / ``neu`` / ``ask`` / ``sarcasm``); a wording written under two forms has two truths no
reader can tell apart, and a subject that turns a predicate's meaning around ("value for money
is very high" is praise, the ``neg`` bank meant a high price) makes the truth wrong by the guide
(``docs/feedback_labelling_guide.md``).
"""

from __future__ import annotations

from loyalloop.sample._phrases import PHRASES, SUBJECTS


def test_a_predicate_carries_one_sentiment() -> None:
    """The delivery wording "{s} took {days} days" was both a complaint and a neutral statement."""
    clashes = []
    for aspect, languages in PHRASES.items():
        for lang, forms in languages.items():
            seen: dict[str, str] = {}
            for form, templates in forms.items():
                for template in templates:
                    if template in seen and seen[template] != form:
                        clashes.append((aspect, lang, template, seen[template], form))
                    seen.setdefault(template, form)
    assert clashes == []


def test_english_price_subjects_name_the_price() -> None:
    """Every English price predicate judges the price's level ("{s} is very high", "{s}
    dropped the day after I bought", "will {s} go down in the sale?"); with "value for money"
    as the subject the level reads the other way round or not at all."""
    subjects = SUBJECTS["price"]["en"]
    assert all("price" in s for s in subjects), subjects
    assert not any("value" in s for s in subjects)
    sentences = [t.replace("{s}", s) for t in PHRASES["price"]["en"]["neg"] for s in subjects]
    assert "the tag price at the till was different" in sentences


def test_chinese_price_subjects_name_the_price() -> None:
    """The same in Chinese: "性价比" (value for money) under "{s}太贵" or "刚买完{s}就降了" is
    nonsense, so every subject names the price (价) itself."""
    subjects = SUBJECTS["price"]["zh"]
    assert all("价" in s for s in subjects), subjects
    assert "性价比" not in subjects
