from __future__ import annotations

from pathlib import Path

from tests.pipeline.test_runs import load

from loyalloop.core import Settings
from loyalloop.insight.rfm import DEFAULT_SEGMENT_RULES, SegmentRule
from loyalloop.pipeline import RunConfig, run_pipeline
from loyalloop.report import render_report, write_report

EVIL = '<img src=x onerror="alert(1)"></script><script>alert(2)</script>'


def test_report_shows_run_numbers_in_both_languages(settings: Settings, tmp_path: Path) -> None:
    load(settings, tmp_path)
    run = run_pipeline(settings)
    en = render_report(run, "en")
    zh = render_report(run, "zh")
    assert "Customer loyalty report" in en and "客户忠诚度报告" in zh
    assert "Run 1" in en and "2024-03-09" in en
    # KPI values come from the manifest: 2 profiles, NPS 0.0 from 2 answers, CSAT 100%
    assert '<div class="v">2</div>' in en
    assert '<div class="v">0.0</div>' in en and "2 answers" in en
    assert '<div class="v">100.0%</div>' in en
    assert en.count("Plotly.newPlot") >= 3  # segments, cohorts, trends
    out = write_report(run, tmp_path / "r.html", "zh")
    assert out.read_text(encoding="utf-8") == zh


def test_untrusted_strings_are_escaped(settings: Settings, tmp_path: Path) -> None:
    load(settings, tmp_path)
    rules = tuple(SegmentRule(f"{EVIL}{i}", r.r, r.fm) for i, r in enumerate(DEFAULT_SEGMENT_RULES))
    run = run_pipeline(settings, RunConfig(segment_rules=rules))
    html = render_report(run, "en")
    assert run.read("segments").to_pandas()["segment"].str.startswith(EVIL).all()
    assert EVIL not in html
    assert "<script>alert(2)" not in html
    assert "&lt;img src=x onerror=" in html  # in the HTML table
    # in the chart data the names are text, not markup (plotly.js reads tags in labels)
    charts = [part.split("</script>", 1)[0] for part in html.split("Plotly.newPlot(")[1:]]
    named = [chart for chart in charts if "onerror" in chart]
    assert named, "the segment names are in a chart"
    for chart in named:
        assert "&lt;img src=x onerror=" in chart
        assert "<img" not in chart and "\\u003cimg" not in chart
