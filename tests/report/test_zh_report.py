"""The Chinese report is Chinese: no English label the report knows appears in it.

The labels are every English string of the report's wording (``report.i18n``), of the status
words and the glossary (``insight.definitions``) and of the RFM segments. Each is split at its
``{placeholders}`` and punctuation; every fragment of two words or more, or one capitalised
word of four letters or more, that the Chinese wording of the same key does not share
(``ROC AUC`` is ``ROC AUC`` in both) must be absent from what a reader of the Chinese page
sees: its text (tags, styles and scripts removed) and the words in its charts (the strings of
the figures' data: trace names, titles, tick labels) — except the technical detail of a
"not computed" note, the library's English message, which the page marks ``lang="en"`` and
introduces as English (``report.parts.not_computed``). Matching is case-sensitive and on whole
words, so "Loyal" does not match "Loyalloop"; customers' own comments are data, not labels,
and may be in any language.
"""

from __future__ import annotations

import html
import re
import string
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from loyalloop.apps.demo import load_sample
from loyalloop.core import Settings
from loyalloop.core.runs import Run, RunStore
from loyalloop.insight.definitions import glossary
from loyalloop.insight.rfm import SEGMENT_LABELS
from loyalloop.pipeline.run import run_pipeline
from loyalloop.report import render_report
from loyalloop.report.i18n import _TEXT

pytestmark = pytest.mark.slow

_WORD = re.compile(r"[A-Za-z]{3,}")
#: Words that are the same in both languages (names of measures and methods).
_SHARED = {"NPS", "CSAT", "CLV", "ROC", "AUC", "BG/NBD", "Brier", "KANO", "RFM", "Holm", "Welch"}


def _fragments(en: str, zh: str) -> Iterator[str]:
    for literal, *_ in string.Formatter().parse(en):
        for part in re.split(r"[()（）:;,.!?—–“”\n]+", literal or ""):
            part = part.strip(" -=×/")
            words = _WORD.findall(part)
            if not words or all(w in _SHARED for w in words) or part in zh:
                continue
            single = len(part.split()) == 1
            if single and not (part[:1].isupper() and len(part) >= 4):
                continue
            yield part


def english_labels() -> set[str]:
    pairs = [(v["en"], v["zh"]) for v in _TEXT.values()]
    pairs += [(e.en, e.zh) for e in glossary()]
    pairs += [(e.definition_en, e.definition_zh) for e in glossary()]
    pairs += [(v["en"], v["zh"]) for v in SEGMENT_LABELS.values()]
    return {f for en, zh in pairs for f in _fragments(en, zh)}


_SCRIPT = re.compile(r"<script[^>]*>(.*?)</script>", re.S)
_STYLE = re.compile(r"<style[^>]*>.*?</style>", re.S)
_TAG = re.compile(r"<[^>]+>")
_JSON_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
_ENGLISH_DETAIL = re.compile(r'<span lang="en">[^<]*</span>')
#: Customers' own words quoted by the report (example comments): data, not labels.
_VERBATIM = re.compile(r'<span class="verbatim">[^<]*</span>')


def _visible(page: str) -> str:
    """What a reader sees: the text between the tags, and the strings of the charts' data
    (every script but the first, which is the plotly library)."""
    scripts = _SCRIPT.findall(page)
    chart_strings = [
        bytes(m, "utf-8").decode("unicode_escape", errors="ignore")
        for script in scripts[1:]
        for m in _JSON_STRING.findall(script)
    ]
    page = _VERBATIM.sub(" ", _ENGLISH_DETAIL.sub(" ", page))
    text = _TAG.sub(" ", _STYLE.sub(" ", _SCRIPT.sub(" ", page)))
    return html.unescape(text) + "\n" + "\n".join(chart_strings)


def _found(label: str, text: str) -> bool:
    return re.search(rf"(?<![A-Za-z_]){re.escape(label)}(?![A-Za-z_])", text) is not None


@pytest.fixture(scope="module")
def sample_run(sample_homes: Any) -> Run:
    def build(home: Path) -> None:
        settings = Settings(home=home, timezone="UTC")
        load_sample(settings, customers=800, seed=5)
        run_pipeline(settings)

    # made once per test run (this fixture is made again whenever the module's tests come
    # back to a worker) and only read
    return RunStore(sample_homes.built("zh_report-run", build) / "runs").latest()


def test_the_label_list_is_not_empty() -> None:
    labels = english_labels()
    assert {"What to do now", "Whom to contact first", "Glossary", "Churn risk"} <= labels
    assert "Lapsed" in labels and "Champions" in labels
    assert not any(w == "ROC AUC" for w in labels)


def test_no_english_label_in_the_chinese_report(sample_run: Run, tmp_path: Path) -> None:
    zh = _visible(render_report(sample_run, "zh"))
    en = _visible(render_report(sample_run, "en"))
    labels = english_labels()
    found = sorted(label for label in labels if _found(label, zh))
    assert found == []
    # the check can fail: the English report holds many of them
    assert sum(_found(label, en) for label in labels) > 100


#: Three or more English words in a row: a sentence or phrase, not a name or a measure.
_ENGLISH_RUN = re.compile(r"\b[A-Za-z][a-z'’-]*(?:[,:;]? [A-Za-z][a-z'’-]*){2,}")
#: Code is the same in every language: commands a reader copies (``loyalloop export …``),
#: table and column names.
_CODE = re.compile(r'<div class="export">.*?</div>|<code>.*?</code>', re.S)


def english_runs(page: str) -> list[str]:
    """Runs of three or more English words a reader of ``page`` sees, other than the marked
    English detail of a "not computed" note, customers' own words and code."""
    return sorted(set(_ENGLISH_RUN.findall(_visible(_CODE.sub(" ", page)))))


def test_no_english_sentence_in_the_chinese_report(sample_run: Run) -> None:
    """Catches English that does not come from the wording catalogue, e.g. a library's message
    shown without the "technical detail (English)" frame (the campaigns section did)."""
    assert english_runs(render_report(sample_run, "zh")) == []
    # the check can fail: the English report is full of them
    assert len(english_runs(render_report(sample_run, "en"))) > 50


def test_chinese_report_punctuation(sample_run: Run) -> None:
    """Lists use the enumeration comma and sentences follow a full stop without a space."""
    page = render_report(sample_run, "zh")
    zh = _visible(page)
    assert re.search(r"\d{4}-\d\d-\d\d, \d{4}", zh) is None  # training cut-offs
    assert re.findall(r"。 [^<\s]{1,12}", _SCRIPT.sub(" ", page)) == []  # "。 90 天前"
    assert re.search(r"生成时间 \d{4}-\d\d-\d\d \d\d:\d\d（UTC）", zh)


_LINE_BREAKS_INSIDE_WORDS = """
() => {
  const cjk = /[\\u4e00-\\u9fff]/;
  const bad = [];
  for (const cell of document.querySelectorAll("th, td")) {
    const node = cell.firstChild;
    if (!node || node.nodeType !== Node.TEXT_NODE || node.length > 16) continue;
    let top = null;
    for (let i = 0; i < node.length; i++) {
      const r = document.createRange();
      r.setStart(node, i); r.setEnd(node, i + 1);
      const rect = r.getBoundingClientRect();
      if (top !== null && rect.top > top + 2 && cjk.test(node.data[i - 1]) && cjk.test(node.data[i]))
        bad.push(node.data);
      top = rect.top;
    }
  }
  return bad;
}
"""


def test_chinese_table_labels_do_not_break_inside_a_word(sample_run: Run, tmp_path: Path) -> None:
    """In Chromium, no short cell (a column header, a status) of the Chinese report wraps
    between two characters of one word (流失概/率, 有流失风/险), at the report's own width."""
    sys.path.insert(0, str(Path(__file__).parents[1] / "_service"))
    from browserkit import ARGS, CHROMIUM, require_browser

    require_browser()
    from playwright.sync_api import sync_playwright

    page_file = tmp_path / "zh.html"
    page_file.write_text(render_report(sample_run, "zh"), encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(page_file.as_uri())
            checked = page.evaluate("document.querySelectorAll('th').length")
            bad = page.evaluate(_LINE_BREAKS_INSIDE_WORDS)
            # the check can fail: squeeze the page and the rule that keeps words whole off
            page.add_style_tag(content="th, td { word-break: normal !important; }")
            page.set_viewport_size({"width": 700, "height": 900})
            squeezed = page.evaluate(_LINE_BREAKS_INSIDE_WORDS)
        finally:
            browser.close()
    assert checked > 20
    assert bad == []
    assert squeezed


def test_verbatims_word_masks_in_the_readers_language_and_stay_escaped() -> None:
    from loyalloop.report.feedback_section import _examples

    zh = str(_examples(["<b>打</b>[phone]找我", "卡号[card]"], "zh"))
    en = str(_examples(["<b>打</b>[phone]找我"], "en"))
    assert zh == (
        '<span class="verbatim">&lt;b&gt;打&lt;/b&gt;[电话]找我</span><br>'
        '<span class="verbatim">卡号[卡号]</span>'
    )
    assert en == '<span class="verbatim">&lt;b&gt;打&lt;/b&gt;[phone]找我</span>'


def test_list_reasons_are_joined_with_the_readers_separator() -> None:
    from loyalloop.report.lists_section import _reason

    row = {"reasons_en": "overdue; spend down 60%", "reasons_zh": "超出平常间隔; 消费额下降 60%"}
    assert _reason(row, "zh") == "超出平常间隔；消费额下降 60%"
    assert _reason(row, "en") == "overdue; spend down 60%"
