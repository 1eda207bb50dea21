"""Runs a user can manage, and a run that talks: ``run`` / ``runs show`` say what was
computed, what was not and why, how models did against their baselines, and stage times;
``runs delete`` and ``runs prune`` remove runs; ``report``/``export`` pin a run."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from tests.conftest import write
from tests.pipeline.test_runs import CUSTOMERS, FEEDBACK, TX
from typer.testing import CliRunner

from loyalloop.cli.main import app, main
from loyalloop.cli.talk import baseline_verdicts, describe_run
from loyalloop.core.results import MANIFEST_FORMAT_VERSION

runner = CliRunner()


def _strict(text: str) -> object:
    return json.loads(text, parse_constant=lambda c: pytest.fail(f"non-strict JSON: {c}"))


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    for table, text in (("customers", CUSTOMERS), ("transactions", TX), ("feedback", FEEDBACK)):
        assert (
            main(
                ["--home", str(home), "ingest", table, str(write(tmp_path / f"{table}.csv", text))]
            )
            == 0
        )
    return home


def test_run_says_what_it_computed_what_not_and_why(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["--home", str(home), "run"]) == 0
    text = capsys.readouterr().out
    lines = text.splitlines()
    assert lines[0].startswith("run 1 published: as of 2024-03-09, ")
    assert "computed:" in lines
    stage_lines = [line for line in lines if line.startswith("  profiles ")]
    assert stage_lines and " s  3 customer records → 2 profiles (1 merged)" in stage_lines[0]
    # three records cannot train the matching model: the line says exact keys were used
    assert "exact keys only: too little data to train the matching model" in stage_lines[0]
    assert "not computed:" in lines
    # churn needs a longer history: the reason by its name and the message, not a traceback
    # (--json keeps the code, insufficient_data)
    assert any(
        line.startswith("  churn (too little data): purchase history too short") for line in lines
    )

    assert main(["--home", str(home), "runs", "show", "1", "--json"]) == 0
    data = _strict(capsys.readouterr().out)
    assert isinstance(data, dict)
    assert data["run"] == 1 and data["format_version"] == MANIFEST_FORMAT_VERSION
    assert set(data["stage_seconds"]) >= {"profiles", "rfm", "kpis", "clv", "churn"}
    churn = [n for n in data["not_computed"] if n["path"] == "churn"]
    assert churn and churn[0]["status"] == "insufficient_data"
    assert data["kpis"]["customers"] == 2
    # --lang zh: the same run in Chinese; JSON is the same in both languages
    assert main(["--home", str(home), "runs", "show", "1", "--lang", "zh"]) == 0
    zh = capsys.readouterr().out.splitlines()
    assert zh[0].startswith("第 1 次运行已发布：数据截至 2024-03-09") and "computed:" not in zh
    assert main(["--home", str(home), "runs", "show", "1", "--lang", "zh", "--json"]) == 0
    assert _strict(capsys.readouterr().out) == data


def test_a_model_that_lost_to_its_baseline_is_named(home: Path) -> None:
    from loyalloop.core.results import (
        ChurnModelInfo,
        ChurnRankingInfo,
        ChurnSummary,
        ScorerMetrics,
    )
    from loyalloop.core.runs import RunStore

    assert main(["--home", str(home), "run"]) == 0
    run = RunStore(home / "runs").get(1)
    churn = ChurnSummary(
        model=ChurnModelInfo(
            "churn_model.json", "0" * 64, "loyalloop.churn", 1, ("recency",), None
        ),
        horizon_days=90,
        train_cutoffs=(),
        test_cutoff=run.manifest.as_of,
        sample_fraction=1.0,
        n_train=100,
        n_test=100,
        test_churn_rate=0.3,
        metrics={
            "model": ScorerMetrics(0.712, 0.41, 0.2, 1.5),
            "recency": ScorerMetrics(0.745, 0.44, None, 1.7),
            "bgnbd": ScorerMetrics(0.70, 0.40, None, 1.4),
        },
        calibration_error=None,
        capture_top_20pct=None,
        top_features=(),
        ranking=ChurnRankingInfo(
            "recency", False, "recency", 0.005, "isotonic", "churn_ranking.json", "0" * 64
        ),
        customers_scored=100,
        active_customers=80,
        current_customers=90,
        expected_churners=20.0,
        high_risk=5,
        mean_probability=0.2,
    )
    lost = replace(run, manifest=replace(run.manifest, churn=churn))
    verdicts = {v.baseline: v.model_won for v in baseline_verdicts(lost.manifest)}
    assert verdicts == {"recency": False, "bgnbd": True}
    text = "\n".join(describe_run(lost))
    assert (
        "churn: the model (ROC AUC 0.712) LOST to recency only (0.745): the run ranks by recency only instead"
        in text
    )
    assert (
        "churn risk used: ranked by recency only, NOT the churn model: the model did not beat "
        "it on the backtest (ROC AUC 0.712 against 0.745); 5 of 90 current customers" in text
    )
    section = text[text.index("models against their baselines") : text.index("churn risk used")]
    assert "beats every baseline" not in section and "BG/NBD" not in section
    won = replace(
        run.manifest,
        churn=replace(churn, metrics={**churn.metrics, "recency": churn.metrics["bgnbd"]}),
    )
    text = "\n".join(describe_run(replace(run, manifest=won)))
    assert (
        "churn: the model (ROC AUC 0.712) beats every baseline: recency only 0.700 · BG/NBD" in text
    )


def test_delete_prune_and_pinned_report(home: Path, tmp_path: Path) -> None:
    h = ["--home", str(home)]
    for _ in range(3):
        assert runner.invoke(app, [*h, "run"]).exit_code == 0
    # --json never asks: without --yes it refuses, and nothing is deleted
    r = runner.invoke(app, [*h, "runs", "delete", "2", "--json"])
    assert r.exit_code == 2 and "add --yes" in _strict(r.stdout)["error"]["message"]
    # a person who answers no keeps the run: cancelled, exit code 9
    r = runner.invoke(app, [*h, "runs", "delete", "2"], input="n\n")
    assert r.exit_code == 9 and "cancelled: run 2 was kept" in r.stderr
    r = runner.invoke(app, [*h, "runs", "delete", "2"], input="y\n")
    assert r.exit_code == 0 and "deleted run 2" in r.stdout
    r = runner.invoke(app, [*h, "runs", "--json"])
    assert [x["run"] for x in _strict(r.stdout)] == [1, 3]
    r = runner.invoke(app, [*h, "runs", "delete", "2", "--yes"])
    assert r.exit_code == 3 and "no run 2" in r.stderr
    # a report and an export pinned to run 1
    out = tmp_path / "r1.html"
    assert runner.invoke(app, [*h, "report", "--run", "1", "--out", str(out)]).exit_code == 0
    assert out.stat().st_size > 10_000
    r = runner.invoke(app, [*h, "export", "rfm", "--run", "1", "--out", str(tmp_path / "x.csv")])
    assert r.exit_code == 0
    # keep the latest one; numbers are never reused
    r = runner.invoke(app, [*h, "runs", "prune", "--keep-last", "1", "--yes", "--json"])
    assert r.exit_code == 0 and _strict(r.stdout) == {"deleted": [1]}
    r = runner.invoke(app, [*h, "runs", "prune", "--keep-last", "1", "--yes"])
    assert r.exit_code == 0 and "nothing to delete" in r.stdout
    assert runner.invoke(app, [*h, "run"]).exit_code == 0
    r = runner.invoke(app, [*h, "runs", "--json"])
    assert [x["run"] for x in _strict(r.stdout)] == [3, 4]


def test_runs_of_an_older_format_are_listed_as_unreadable_and_can_be_deleted(home: Path) -> None:
    """After an upgrade, a run written in an older manifest format neither breaks the listing
    nor hides: it is named with the reason and the command that removes it."""
    h = ["--home", str(home)]
    for _ in range(2):
        assert runner.invoke(app, [*h, "run"]).exit_code == 0
    manifest = home / "runs" / "000001" / "manifest.json"
    old = json.loads(manifest.read_text("utf-8"))
    manifest.write_text(json.dumps({**old, "format_version": 1}), "utf-8")
    r = runner.invoke(app, [*h, "runs", "--json"])
    assert r.exit_code == 0
    listed = _strict(r.stdout)
    assert [x["run"] for x in listed] == [2, 1]
    assert "format version 1" in listed[1]["unreadable"]
    r = runner.invoke(app, [*h, "runs"])
    assert r.exit_code == 0 and "runs delete 1" in r.stderr
    assert runner.invoke(app, [*h, "runs", "delete", "1", "--yes"]).exit_code == 0
    r = runner.invoke(app, [*h, "runs", "--json"])
    assert [x["run"] for x in _strict(r.stdout)] == [2]


@pytest.mark.parametrize(
    "argv",
    [
        ["runs", "delete", "1", "--yes"],
        ["runs", "prune", "--keep-last", "0", "--yes"],
        ["sample", "--customers", "100"],
        ["sync"],
    ],
    ids=["runs-delete", "runs-prune", "sample", "sync"],
)
def test_writing_commands_wait_for_the_home(
    home: Path, argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A command that changes the home does not run while another holds it (exit 5, nothing
    changed): deleting runs, loading the sample and syncing survey answers wait like ingest."""
    from loyalloop.core.lock import home_lock

    assert main(["--home", str(home), "run"]) == 0
    monkeypatch.setenv("LOYALLOOP_LOCK_TIMEOUT", "0")
    runs = sorted(p.name for p in (home / "runs").iterdir())
    capsys.readouterr()
    with home_lock(home, "run"):
        code = main(["--home", str(home), *argv])
    assert code == 5, capsys.readouterr()
    assert "another command holds the project home" in capsys.readouterr().err
    assert sorted(p.name for p in (home / "runs").iterdir()) == runs
    assert not (home / "sample").exists()
