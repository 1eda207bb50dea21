"""The report's feedback section says what each aspect shown covers (the taxonomy's
definitions, recorded in the run's ``aspect_summary``), in both languages, escaped; a taxonomy
without definitions gets a note, not an empty table."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
from tests.pipeline.test_runs import load

from loyalloop.core import Settings
from loyalloop.feedback import load_taxonomy
from loyalloop.feedback.names import aspect_definitions
from loyalloop.pipeline import RunConfig, run_pipeline
from loyalloop.report import render_report

EVIL = "<script>alert(1)</script>"


def _section(html: str) -> str:
    start = html.index('id="feedback-aspects"')
    return html[start : html.index("</section>", start)]


def test_shipped_definitions_of_the_aspects_shown_in_both_languages(
    settings: Settings, tmp_path: Path
) -> None:
    load(settings, tmp_path)  # one comment about the annual fee: "年费太贵"
    run = run_pipeline(settings, RunConfig(taxonomy="banking"))
    summary = run.read("aspect_summary").to_pandas().set_index("aspect")
    banking = load_taxonomy("banking")
    assert summary.loc["annual_fee", "definition"] == banking.definition("annual_fee")
    assert summary.loc["annual_fee", "definition_zh"] == banking.definition("annual_fee", "zh")
    en = _section(render_report(run, "en"))
    zh = _section(render_report(run, "zh"))
    assert "What each aspect covers" in en and "各方面指什么" in zh
    assert "The yearly fee for holding the card" in en
    assert "持卡的年度费用" in zh
    # only the aspects the section shows (mentioned at least once)
    assert banking.definition("credit_limit") not in en
    assert "持卡的年度费用" not in en and "The yearly fee" not in zh


def _custom(home: Path, definition: str) -> None:
    (home / "feedback_taxonomy.yaml").write_text(
        "name: shop\naspects:\n"
        "  annual_fee:\n    label: {en: Card fee, zh: 卡费}\n"
        f"{definition}    zh: [年费]\n",
        encoding="utf-8",
    )


def test_user_definitions_are_escaped(settings: Settings, tmp_path: Path) -> None:
    load(settings, tmp_path)
    _custom(
        settings.home,
        f'    definition: {{en: "Fee {EVIL}", zh: "费用 {EVIL}"}}\n',
    )
    run = run_pipeline(settings)
    for lang, word in (("en", "Fee"), ("zh", "费用")):
        html = _section(render_report(run, lang))  # type: ignore[arg-type]
        assert EVIL not in html
        assert f"{word} &lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_user_taxonomy_without_definitions_gets_a_note(settings: Settings, tmp_path: Path) -> None:
    load(settings, tmp_path)
    _custom(settings.home, "")
    run = run_pipeline(settings)
    assert aspect_definitions(run) == {}
    en = _section(render_report(run, "en"))
    zh = _section(render_report(run, "zh"))
    assert "does not say what its aspects cover" in en and "shop" in en
    assert "没有说明各方面指什么" in zh


@dataclass
class _Run:
    table: pa.Table

    @property
    def tables(self) -> list[str]:
        return ["aspect_summary"]

    def read(self, name: str) -> pa.Table:
        return self.table


def test_definitions_read_from_a_run_and_runs_before_them() -> None:
    table = pa.table(
        {
            "aspect": ["fees", "parking", None],
            "label": ["Fees", "Parking", "x"],
            "label_zh": ["手续费", "停车", "y"],
            "definition": ["Charges for an action.", "", "z"],
            "definition_zh": ["办理业务的收费。", "", "z"],
        }
    )
    defs = aspect_definitions(_Run(table))  # type: ignore[arg-type]
    assert defs == {"fees": ("Charges for an action.", "办理业务的收费。")}
    old = table.drop_columns(["definition", "definition_zh"])
    assert aspect_definitions(_Run(old)) == {}  # type: ignore[arg-type]
