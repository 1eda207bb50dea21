"""``loyalloop cases rules FILE --preview``: a rule change tried on a run before it is stored.

On a sample run (300 customers): the rules in force against themselves change nothing; the
preview's count of cases for the rules in force is what ``cases from-run`` then opens; a
``min_confidence`` only drops signals, and the dropped ones are listed, most severe first;
nothing is stored; the CLI prints it in English, Chinese and JSON.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from loyalloop.cli.main import app
from loyalloop.core.config import Settings
from loyalloop.core.runs import RunStore
from loyalloop.core.service_settings import load_service_settings
from loyalloop.errors import CaseRuleError, ConfigError
from loyalloop.pipeline import RunConfig
from loyalloop.services import Store, open_store
from loyalloop.services.case_preview import preview_rules
from loyalloop.services.cases import cases_from_run
from loyalloop.store.models import CaseRow, CaseRuleVersion

DEFAULT = (Path(__file__).parents[2] / "src/loyalloop/cases/data/default_cases.yaml").read_text(
    "utf-8"
)
#: A comment that must be shown as text: markup, and a mask token worded in the reader's language.
EVIL = '<script>alert("x")</script> call me on [phone]'
#: The default rules with a minimum confidence on the negative-comment rule (and version 2).
CONFIDENT = DEFAULT.replace("version: 1\n", "version: 2\n", 1).replace(
    "    min_severity: 0.7\n", "    min_severity: 0.7\n    min_confidence: 0.5\n", 1
)


@pytest.fixture
def home(tmp_path: Path, sample_homes: Any) -> Path:
    settings = Settings(home=tmp_path / "home", timezone="UTC", phone_region="CN")
    # the run customer360's tests use too: built once per test run
    done = sample_homes.run_once(
        settings, customers=300, seed=1, business="card", config=RunConfig()
    )
    shutil.copytree(done, settings.home)
    return settings.home


def _store(home: Path) -> Store:
    analytics = Settings(home=home, timezone="UTC", phone_region="CN")
    return open_store(load_service_settings(home, timezone="UTC"), analytics)


def _stored(store: Store) -> tuple[int, int]:
    with store.session() as s:
        return s.query(CaseRuleVersion).count(), s.query(CaseRow).count()


def test_preview_counts_what_the_rules_would_open_and_stores_nothing(home: Path) -> None:
    store = _store(home)
    try:
        same = preview_rules(store, DEFAULT, days=365)
        assert same.current_version == same.proposed_version == 1
        assert same.feedback_signals > 0
        for change in same.rules:
            assert change.current == change.proposed
            assert (change.gained, change.lost) == (0, 0)
        assert same.cases_current == same.cases_proposed > 0

        tried = preview_rules(store, CONFIDENT, days=365)
        assert (tried.run, tried.since, tried.proposed_version) == (same.run, same.since, 2)
        by_id = {c.rule_id: c for c in tried.rules}
        neg = by_id["negative_comment"]
        # a minimum confidence only drops signals of that rule
        assert neg.gained == 0 and neg.lost > 0
        assert neg.proposed == neg.current - neg.lost  # type: ignore[operator]
        for rid, c in by_id.items():
            if rid != "negative_comment":
                assert (c.current, c.gained, c.lost) == (c.proposed, 0, 0), rid
        assert tried.cases_proposed <= tried.cases_current == same.cases_current
        # the dropped ones, the most severe first, each with its reasons and comment
        sev = [e.severity for e in neg.lost_examples]
        assert 0 < len(sev) <= 3 and sev == sorted(sev, reverse=True)
        for e in neg.lost_examples:
            assert e.signal_id.startswith("feedback:") and e.customer_id and e.text
            assert e.reasons[0].code == "negative_aspect"
        assert _stored(store) == (0, 0)  # nothing stored, no case opened
        assert not tried.comment_confidence_only and not same.comment_confidence_only
        # a run written before the clauses' confidence existed: the preview says so
        path = RunStore(home / "runs").latest().table_path("feedback_aspects")
        old = pq.read_table(path).drop_columns(["clause_confidence"])
        path.chmod(0o644)
        pq.write_table(old, path)
        assert preview_rules(store, CONFIDENT, days=365).comment_confidence_only
        assert not preview_rules(store, DEFAULT, days=365).comment_confidence_only

        # the preview of the rules in force is what `cases from-run` opens on the same comments
        recent = preview_rules(store, DEFAULT)  # the first from-run reads the last 30 days
        opened = cases_from_run(store)
        assert len(opened.opened) == recent.cases_current
    finally:
        store.close()


def test_a_bad_file_or_window_is_refused_before_anything_is_read(home: Path) -> None:
    store = _store(home)
    try:
        with pytest.raises(CaseRuleError, match="min_confidence"):
            preview_rules(store, CONFIDENT.replace("min_confidence: 0.5", "min_confidence: 5"))
        with pytest.raises(ConfigError, match="at least 1"):
            preview_rules(store, DEFAULT, days=0)
    finally:
        store.close()


def test_the_cli_prints_the_preview_in_both_languages_and_as_json(
    home: Path, tmp_path: Path
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(CONFIDENT, "utf-8")
    runner = CliRunner()

    def cli(*args: str) -> Any:
        return runner.invoke(app, ["--home", str(home), "cases", "rules", str(rules), *args])

    r = cli("--preview", "--days", "365", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    neg = next(x for x in data["rules"] if x["rule_id"] == "negative_comment")
    assert neg["lost"] > 0 and neg["lost_examples"][0]["text"]
    assert data["cases_proposed"] <= data["cases_current"]

    en = cli("--preview", "--days", "365", "--lang", "en")
    assert en.exit_code == 0
    assert f"Preview on run {data['run']}" in en.stdout
    assert f"negative_comment: {neg['lost']} no longer" in en.stdout
    assert "Nothing was stored" in en.stdout
    zh = cli("--preview", "--days", "365", "--lang", "zh")
    assert zh.exit_code == 0
    assert f"在运行 {data['run']} 上试用" in zh.stdout
    assert f"negative_comment：{neg['lost']} 条不再触发" in zh.stdout
    assert "未保存任何内容" in zh.stdout

    # --run belongs to --preview: refused rather than storing the rules
    bad = cli("--run", "1")
    assert bad.exit_code != 0 and "--preview" in bad.output
    store = _store(home)
    try:
        assert _stored(store) == (0, 0)
        stored = cli()  # without --preview the rules are stored
        assert stored.exit_code == 0 and "version 2 stored" in stored.stdout
        assert _stored(store) == (1, 0)
    finally:
        store.close()


def test_the_rules_page_previews_in_both_languages_and_escapes_the_comments(home: Path) -> None:
    from apikit import build

    store = _store(home)
    try:
        before = preview_rules(store, CONFIDENT, days=365)  # the page's window, below
        neg = next(c for c in before.rules if c.rule_id == "negative_comment")
        assert neg.lost > 0
        # the most severe dropped comment made hostile, with a mask token, in the run's table
        fid = neg.lost_examples[0].signal_id.removeprefix("feedback:")
        run = RunStore(home / "runs").latest()
        path = run.table_path("feedback_aspects")
        table = pq.read_table(path).to_pandas()
        table.loc[table["feedback_id"].astype(str) == fid, "clause"] = EVIL
        path.chmod(0o644)
        table.to_parquet(path, index=False)
        world = build(store, customers=1)
        form = {"rules": CONFIDENT, "action": "preview", "days": "365"}
        analyst = world.client("analyst")
        page = analyst.post("/admin/case-rules", data=form)
        assert page.status_code == 200, page.text
        assert "Preview: nothing was stored" in page.text
        assert f"Run {before.run}:" in page.text
        assert f"negative_comment: {neg.lost} no longer" in page.text
        assert f"{before.cases_proposed} with this text" in page.text
        assert "<script>alert" not in page.text and "&lt;script&gt;alert" in page.text
        assert "call me on [phone]" in page.text
        analyst.cookies.set("ll_lang", "zh")
        zh = analyst.post("/admin/case-rules", data=form)
        assert zh.status_code == 200 and "试用结果：未保存任何内容" in zh.text
        assert f"本文本 {before.cases_proposed} 个" in zh.text
        assert "call me on [电话]" in zh.text and "<script>alert" not in zh.text
        # a bad text is refused with its line and field, as when storing
        bad = analyst.post(
            "/admin/case-rules",
            data={**form, "rules": CONFIDENT.replace("min_confidence: 0.5", "min_confidence: 5")},
        )  # fmt: skip
        assert bad.status_code == 422 and "min_confidence" in bad.text
        assert _stored(store) == (0, 0)  # previews store nothing
        # an agent may not preview (the same permission as storing)
        agent = world.client("agent")
        denied = agent.post("/admin/case-rules", data=form)
        assert denied.status_code == 403
    finally:
        store.close()
