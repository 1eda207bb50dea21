"""Names the report shows for the run's tables and the benchmark's channels, in both languages.

The Chinese-report test (test_zh_report.py) looks for the report's known English labels; a
table or channel the wording has no entry for was shown under its raw name ("campaigns",
"review,social") and slipped past it. These check the wording covers every name a run can
produce.
"""

from __future__ import annotations

import re

import pytest

from loyalloop.data.contracts import FEEDBACK_CHANNELS
from loyalloop.pipeline.stages import INPUT_TABLES
from loyalloop.report.feedback_section import _channel_list
from loyalloop.report.html import _table_name

_LATIN = re.compile(r"[A-Za-z]")


@pytest.mark.parametrize("table", INPUT_TABLES)
def test_every_input_table_has_a_name_in_both_languages(table: str) -> None:
    en, zh = _table_name(table, "en"), _table_name(table, "zh")
    assert en != table and en[:1].isupper()
    assert not _LATIN.search(zh), zh


def test_benchmark_channels_are_named() -> None:
    assert _channel_list("review,social", "en") == "Review, Social media"
    assert _channel_list("review,social", "zh") == "评论、社交媒体"
    assert _channel_list("", "zh") == ""
    assert _channel_list(None, "en") == ""
    for channel in FEEDBACK_CHANNELS:
        assert not _LATIN.search(_channel_list(channel, "zh")), channel
        assert _channel_list(channel, "en") != channel, channel


def test_app_store_reviews_are_named_in_both_languages() -> None:
    from loyalloop.report.parts import channel_label

    assert channel_label("app_review", "en") == "App-store review"
    assert channel_label("app_review", "zh") == "应用商店评价"
    assert _channel_list("app_review,review", "zh") == "应用商店评价、评论"


class _SurvivalRun:
    """What ``_survival`` reads of a run: its ``survival`` table."""

    def __init__(self, table: object) -> None:
        self._table = table

    def read(self, name: str) -> object:
        assert name == "survival"
        return self._table


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_median_lifetime_of_zero_says_what_it_means(lang: str) -> None:
    # CDNOW: over half the customers never buy again, so the cohort's median lifetime is 0
    # days — a bare "0" read as "they last no time at all".
    from datetime import date
    from types import SimpleNamespace

    import pandas as pd
    import pyarrow as pa

    from loyalloop.report.i18n import t
    from loyalloop.report.loyalty_section import _survival

    rows = [  # one cohort of 40: 24 stop on day 0, the rest are censored at day 100
        ("cohort", "1997", 0.0, 40, 24, 0, 0.4, 0.25, 0.55, 0.0),
        ("cohort", "1997", 100.0, 16, 0, 16, 0.4, 0.25, 0.55, 0.0),
        ("cohort", "1998", 0.0, 40, 4, 0, 0.9, 0.8, 0.97, 30.0),
        ("cohort", "1998", 30.0, 36, 32, 4, 0.1, 0.03, 0.2, 30.0),
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "dimension",
            "group",
            "time",
            "at_risk",
            "events",
            "censored",
            "survival",
            "ci_lower",
            "ci_upper",
            "median_lifetime_days",
        ],
    )
    info = SimpleNamespace(survival_stage_start=date(1997, 7, 1), survival_lapse_days=180)
    page = str(_survival(_SurvivalRun(pa.Table.from_pandas(frame)), lang, info))  # type: ignore[arg-type]
    assert t("lo_median_zero", lang) in page
    assert page.count(t("lo_median_zero", lang)) == 1  # the other cohort shows its 30 days
    assert ">30<" in page


class _SignalsRun:
    """What the signals section reads of a run: its ``feedback_signals`` table."""

    def __init__(self, table: object) -> None:
        self._table = table

    def has_table(self, name: str) -> bool:
        return name == "feedback_signals"

    def read(self, name: str) -> object:
        assert name == "feedback_signals"
        return self._table


def test_every_intent_has_a_name_in_both_languages() -> None:
    from loyalloop.feedback.intent import INTENTS
    from loyalloop.report.i18n import t

    for intent in INTENTS:
        en, zh = t(f"fb_intent_{intent}", "en"), t(f"fb_intent_{intent}", "zh")
        assert en and en != f"fb_intent_{intent}", intent
        assert not _LATIN.search(zh), zh
    assert t("fb_intent_request", "en") == "request"
    assert "request" in t("fb_signals_note", "en")
    assert "办理请求/建议" in t("fb_signals_note", "zh")


def _signals_page(rows: list[tuple[str, str, int, float, float]], lang: str) -> str:
    """The signals section's body for a ``feedback_signals`` table of ``rows``."""
    import pandas as pd
    import pyarrow as pa

    from loyalloop.report.feedback_section import feedback_signals_section

    frame = pd.DataFrame(rows, columns=["kind", "name", "comments", "share", "share_negative"])
    section = feedback_signals_section(_SignalsRun(pa.Table.from_pandas(frame)), lang)  # type: ignore[arg-type]
    assert section is not None
    return str(section.body)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_signals_section_names_requests(lang: str) -> None:
    from loyalloop.report.i18n import t

    page = _signals_page(
        [("intent", "complaint", 40, 0.4, 0.9), ("intent", "request", 25, 0.25, 0.32),
         ("intent", "question", 20, 0.2, 0.1), ("effort", "long_wait", 5, 0.05, 1.0)],
        lang,
    )  # fmt: skip
    assert f">{t('fb_intent_request', lang)}<" in page
    assert ">25<" in page and ">25.0%<" in page and ">32.0%<" in page
    assert "fb_intent_" not in page


@pytest.mark.parametrize(("lang", "shown"), [("en", "staff no. 1664"), ("zh", "工号 1664")])
def test_staff_numbers_are_shown_as_staff_numbers(lang: str, shown: str) -> None:
    """A staff number says it is one; a name is shown as written; both escaped (customer
    text); only staff get the staff-number words."""
    page = _signals_page(
        [("staff", "Grace", 11, 0.01, 0.0), ("staff", "1664", 1, 0.001, 1.0),
         ("staff", "<b>王经理</b>", 1, 0.001, 0.0), ("branch", "2046", 1, 0.001, 0.0)],
        lang,
    )  # fmt: skip
    assert f"<td>{shown}</td>" in page and "<td>1664</td>" not in page
    assert "<td>Grace</td>" in page
    assert "&lt;b&gt;王经理&lt;/b&gt;" in page and "<b>" not in page
    assert ">2046</td>" in page


@pytest.mark.parametrize(("lang", "shown"), [("en", "41 others, one comment each"),
                                             ("zh", "其他 41 个，各被提到一次")])  # fmt: skip
def test_staff_named_once_are_one_row(lang: str, shown: str) -> None:
    from loyalloop.report.i18n import t

    page = _signals_page([("staff", "Grace", 3, 0.01, 0.0), ("staff_once", "41", 44, 0.02, 0.7)],
                         lang)  # fmt: skip
    assert f"<td>{t('fb_signal_staff_once', lang)}</td>" in page
    assert f"<td>{shown}</td>" in page and ">44<" in page
    assert "fb_named_once" not in page and "fb_signal_staff_once" not in page
