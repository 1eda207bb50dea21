"""A clause that is only an overall judgement ("很不满意", "Not happy") closing a comment that
names another aspect is not read as a complaint about the staff (session 13: the demo sample's
closing "很不满意" put the service negative share 0.085 above the truth)."""

from __future__ import annotations

import pytest

from loyalloop.feedback.aspects import _OVERALL_JUDGEMENT, load_taxonomy, read_comment


def _aspects(text: str) -> set[str]:
    return {m.aspect for m in read_comment(text, load_taxonomy("banking")).mentions}


def _clauses(text: str) -> set[str]:
    return {m.clause for m in read_comment(text, load_taxonomy("banking")).mentions}


@pytest.mark.parametrize(
    ("text", "closing"),
    [
        # Session 28's retrain (blind25, train28a-j) reads the staff in this comment, and it did
        # so from the body: "等回复还是没结果" after three calls is a matter left unsolved, which the
        # labelling guide puts under service_attitude (docs/feedback_labelling_guide.md) and the
        # labelling authors label so. Until session 30 this case asserted "no staff" as a strict
        # xfail; what the rule owns is that the closing judgement adds nothing (below).
        ("前后打了3次电话，等回复还是没结果。很不满意。", "很不满意。"),
        ("总体来说，谢谢你们一声不吭扣我这张卡的年费。很不满意。", "很不满意。"),
        ("积分兑换的礼品一直没到。很不满意。", "很不满意。"),
        ("Waited forty minutes to get through. Not happy.", " Not happy."),
    ],
)
def test_a_closing_judgement_adds_no_aspect(text: str, closing: str) -> None:
    found = _aspects(text)
    assert found  # the comment's own aspects are still read
    assert found == _aspects(text.removesuffix(closing))
    judgement = closing.strip(" 。.").lower()
    assert not any(c.strip(" 。.").lower() == judgement for c in _clauses(text))


@pytest.mark.parametrize(
    "text",
    [
        "总体来说，谢谢你们一声不吭扣我这张卡的年费。很不满意。",
        "积分兑换的礼品一直没到。很不满意。",
        "Waited forty minutes to get through. Not happy.",
    ],
)
def test_a_closing_judgement_after_another_aspect_is_not_the_staff(text: str) -> None:
    found = _aspects(text)
    assert found  # the comment's own aspect is still read
    assert "service_attitude" not in found


def test_a_bare_answer_naming_nothing_else_stays_the_detectors() -> None:
    # The rule must not drop the detector's hit when nothing else is named. Since the retrain
    # with blind12 (session 15) the service-attitude threshold is 0.40 (was 0.30) and
    # "不满意，没解决问题" reads 0.369, below it, so the detector no longer finds it at all (the
    # rule is not involved); this sentence reads 0.516.
    assert "service_attitude" in _aspects("不满意，说了半天也没解决问题")


@pytest.mark.parametrize(
    ("clause", "bare"),
    [
        ("很不满意", True),
        ("总体满意", True),
        ("not happy", True),
        ("very satisfied", True),
        ("客服态度不满意", False),
        ("i am not happy with the fee", False),
    ],
)
def test_what_counts_as_only_an_overall_judgement(clause: str, bare: bool) -> None:
    assert bool(_OVERALL_JUDGEMENT.match(clause)) is bare
