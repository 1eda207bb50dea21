"""The analysts' commands (``experiments analyze|power``, ``uplift train|score``) and the
confirmation of ``runs delete`` speak ``--lang`` or the project's language (``LOYALLOOP_LANG``);
the library's own notes are marked as English in Chinese; ``--json`` and the JSON error codes
are the same in every language."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.uplift.simulate import retention_campaign
from typer.testing import CliRunner

from loyalloop.cli.main import app

runner = CliRunner()


def _say(*args: str, lang: str | None = None, code: int = 0, given: str | None = None) -> str:
    env = {"LOYALLOOP_LANG": lang} if lang else {}
    r = runner.invoke(app, list(args), env={**env, "COLUMNS": "200"}, input=given)
    assert r.exit_code == code, r.output
    return r.output


@pytest.fixture(scope="module")
def experiment(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = np.random.default_rng(7)
    n = 3000
    arm = rng.choice(["control", "offer"], n)
    pre = rng.gamma(2.0, 100.0, n)
    spend = 0.7 * pre + rng.normal(50 + 12 * (arm == "offer"), 80, n)
    path = tmp_path_factory.mktemp("exp") / "exp.csv"
    pd.DataFrame({"group": arm, "spend": spend.round(2), "pre": pre}).to_csv(path, index=False)
    return path


def test_experiments_analyze_in_both_languages(experiment: Path) -> None:
    cmd = ["experiments", "analyze", "--table", str(experiment), "--arm", "group",
           "--control", "control", "--metric", "spend", "--pre", "pre"]  # fmt: skip
    en = _say(*cmd)
    zh = _say(*cmd, lang="zh")
    assert "metric spend (mean, CUPED with pre) · control control · Welch t-test" in en
    assert "split check: " in en and "lift %" in en and "CUPED (offer): θ = " in en
    assert "指标 spend（均值，以 pre 做 CUPED）· 对照组 control · Welch t 检验，95% 置信区间" in zh
    assert "分流检验：" in zh and "提升 %" in zh and "95% 区间" in zh
    assert "CUPED（offer）：θ = " in zh and "提升的方差降低 " in zh
    for word in ("split check", "control control:", "lift %", "variance"):
        assert word not in zh
    assert "--lang" not in en  # the option changes nothing but the words
    assert _say(*cmd, "--lang", "en", lang="zh") == en  # --lang wins
    js = [json.loads(_say(*cmd, "--json", lang=lg)) for lg in ("en", "zh")]
    assert js[0] == js[1]


def test_experiments_power_and_its_usage_error_in_chinese() -> None:
    zh = _say("experiments", "power", "--baseline", "0.1", "--mde", "0.1", lang="zh")
    en = _say("experiments", "power", "--baseline", "0.1", "--mde", "0.1")
    assert "基线 0.1（比率）；2 组；α = 0.05；固定样本量" in zh
    n = en.split("units per arm: ")[1].split(" ")[0]
    assert f"每组需 {n} 个单位" in zh and "的功效检出 " in zh
    zh = _say("experiments", "power", "--baseline", "0.1", "--n-per-arm", "5000", lang="zh")
    assert "每组 5,000 个单位、功效 80% 时的最小可检测效应：" in zh
    r = runner.invoke(app, ["experiments", "power", "--baseline", "0.1"],
                      env={"LOYALLOOP_LANG": "zh"})  # fmt: skip
    assert r.exit_code == 2 and "请给出 --mde（求样本量）" in r.output
    r = runner.invoke(app, ["experiments", "power", "--baseline", "0.1", "--json"],
                      env={"LOYALLOOP_LANG": "zh"})  # fmt: skip
    assert json.loads(r.stdout)["error"]["code"] == "usage"


def test_uplift_train_and_score_in_chinese(tmp_path: Path) -> None:
    df = retention_campaign(1500, 3)
    table = tmp_path / "campaign.csv"
    df.drop(columns=["true_p0", "true_effect"]).to_csv(table, index=False)
    model = tmp_path / "m.json"
    zh = _say("uplift", "train", "--table", str(table), "--treatment", "offer", "--outcome",
              "retained", "--id", "customer_id", "--model-out", str(model), "--resamples", "20",
              lang="zh")  # fmt: skip
    assert "行训练了 " in zh and "-learner（其中触达 " in zh and "结果为 0/1" in zh
    assert "交叉验证 Qini 面积：" in zh and "留出数据评估：" in zh
    assert "  留出 " in zh and "：Qini 面积 " in zh and "，Qini 系数 " in zh
    assert f"模型已写入 {model}" in zh
    ours = [line for line in zh.splitlines() if "（英文）：" not in line]  # not the library's
    for word in ("trained a", "held-out", "written to", "Qini area", "outcome_high",
                 "outcome_low", "model:", " dr ", "dr +", "dr -"):  # fmt: skip
        assert not [line for line in ours if word in line], word
    # learners and baselines by their names (code_names), not their codes
    assert "  模型：Qini 面积 " in zh and "  未触达时预期结果高者优先：Qini 面积 " in zh
    assert "DR-learner（双稳健）" in zh and "未触达时预期结果低者优先" in zh
    assert any(line.startswith("说明（英文）：") for line in zh.splitlines())
    scored = tmp_path / "s.csv"
    zh = _say("uplift", "score", "--model", str(model), "--table", str(table), "--out",
              str(scored), lang="zh")  # fmt: skip
    assert "\n已为 1,500 行打分 → " in zh and "行预期增量为正（均值 " in zh


def test_uplift_held_out_lines_say_what_the_library_says(tmp_path: Path) -> None:
    """In English the command prints the evaluation as the library words it, each scorer by
    its name (code_names) instead of its code."""
    from loyalloop.cli.uplift import _holdout_lines
    from loyalloop.report.i18n import code_names
    from loyalloop.uplift import read_table, train_table

    path = tmp_path / "campaign.csv"
    retention_campaign(1500, 4).drop(columns=["true_p0", "true_effect"]).to_csv(path, index=False)
    result = train_table(
        read_table(path), treatment_column="offer", outcome_column="retained",
        id_column="customer_id", resamples=20,
    )  # fmt: skip
    names = {s.name: code_names()[f"uplift_scorer_{s.name}"][0] for s in result.holdout.scorers}
    library = result.holdout.lines()
    named = library[:1] + [
        line.replace(f"{s.name}:", f"{names[s.name]}:", 1)
        for s, line in zip(result.holdout.scorers, library[1:], strict=True)
    ]
    assert _holdout_lines(result.holdout, "en") == [f"  {x}" for x in named]
    assert names == {
        "model": "the model",
        "outcome_high": "highest untreated outcome first",
        "outcome_low": "lowest untreated outcome first",
    }


def test_confirmation_refusal_and_cancel_in_the_projects_language(tmp_path: Path) -> None:
    home = ["--home", str(tmp_path / "home")]
    _say(*home, "sample", "--customers", "300", "--json")
    _say(*home, "run", "--json")
    r = runner.invoke(app, [*home, "runs", "delete", "1", "--json"], env={"LOYALLOOP_LANG": "zh"})
    error = json.loads(r.stdout)["error"]
    assert r.exit_code == 2 and error["code"] == "config", error
    assert error["message"] == "使用 --json 时不会询问：请加 --yes 确认"
    zh = _say(*home, "runs", "delete", "1", lang="zh", code=9, given="n\n")
    assert "已取消：" in zh and "cancelled" not in zh
    en = _say(*home, "runs", "delete", "1", code=9, given="n\n")
    assert "cancelled: run 1 was kept" in en
    r = runner.invoke(app, [*home, "erase", "C1", "--json"], env={"LOYALLOOP_LANG": "zh"})
    assert json.loads(r.stdout)["error"]["message"] == "删除无法撤销：请加 --yes 确认"
