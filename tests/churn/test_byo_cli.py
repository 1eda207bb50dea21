from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from loyalloop.churn import ChurnModel, evaluate_table, score_table, train_table
from loyalloop.cli.churn import app
from loyalloop.errors import DataValidationError, ModelError

runner = CliRunner()


def messy_table(n: int = 1500, seed: int = 3) -> pd.DataFrame:
    """Card accounts as a team would export them: text numbers, blanks, mixed case."""
    rng = np.random.default_rng(seed)
    spend = rng.gamma(2.0, 800.0, n)
    plan = rng.choice(["Gold", "Classic", "Platinum"], n, p=[0.3, 0.5, 0.2])
    logit = 0.5 - 0.0008 * spend + 1.2 * (plan == "Classic")
    y = rng.random(n) < 1 / (1 + np.exp(-logit))
    spend_text = [f" {v:,.2f} " for v in spend]
    for i in range(0, n, 37):
        spend_text[i] = ""
    plan_text = [p.upper() if i % 3 == 0 else f" {p.lower()}" for i, p in enumerate(plan)]
    return pd.DataFrame(
        {
            "card_id": [f"K{i:05d}" for i in range(n)],
            "monthly_spend": spend_text,
            "plan": plan_text,
            "closed": np.where(y, "Yes", "no"),
            "recency_rule": (-spend).round(2).astype(str),
        }
    )


@pytest.fixture(scope="module")
def trained():
    return train_table(messy_table(), id_column="card_id", label_column="closed")


def test_train_reports_coercions_and_holdout(trained):
    r = trained
    assert r.rows == r.labelled == 1500
    assert r.model.spec_.names == ["monthly_spend", "plan", "recency_rule"]
    rows = r.coercion.to_frame().set_index("column")
    assert rows.loc["monthly_spend", "blank"] == len(range(0, 1500, 37))
    assert rows.loc["plan", "merged_case_or_space"] == 1500
    assert r.holdout.get("model").roc_auc > 0.7
    assert r.to_dict()["holdout"]["metrics"][0]["scorer"] == "model"


def test_score_handles_unseen_categories_and_returns_ids(trained):
    new = messy_table(20, seed=9).drop(columns=["closed"])
    new.loc[0, "plan"] = "Diamond"
    res = score_table(trained.model, new)
    assert list(res.scores.columns) == ["card_id", "churn_probability"]
    assert set(res.scores["card_id"]) == set(new["card_id"])
    assert res.scores["churn_probability"].is_monotonic_decreasing
    plan = next(c for c in res.coercion.columns if c.column == "plan")
    assert plan.rare_or_unseen == 1 and plan.examples == ("diamond",)


def test_evaluate_with_baseline_column(trained):
    r = evaluate_table(
        trained.model,
        messy_table(seed=4),
        label_column="closed",
        baseline_columns=("recency_rule",),
    )
    assert {m.name for m in r.metrics} == {"model", "recency_rule"}


def test_duplicate_ids_and_wrong_model_kind(trained):
    t = messy_table(30)
    t.loc[1, "card_id"] = t.loc[0, "card_id"]
    with pytest.raises(DataValidationError, match="column card_id has 1 duplicate values: K00000"):
        score_table(trained.model, t)
    other = ChurnModel()
    other.__dict__.update(trained.model.__dict__)
    other.metadata_ = {"kind": "warehouse"}
    with pytest.raises(ModelError, match="trained on warehouse features"):
        score_table(other, messy_table(5))


def test_cli_train_score_evaluate(tmp_path):
    table = tmp_path / "cards.csv"
    messy_table().to_csv(table, index=False)
    model = tmp_path / "model.json"
    res = runner.invoke(
        app,
        [
            "train",
            "--table",
            str(table),
            "--id",
            "card_id",
            "--label",
            "closed",
            "--model-out",
            str(model),
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["labelled"] == 1500 and out["holdout"]["metrics"][0]["roc_auc"] > 0.7
    assert any("monthly_spend" in line for line in out["coercion_notes"])
    scores = tmp_path / "scores.csv"
    res = runner.invoke(
        app, ["score", "--model", str(model), "--table", str(table), "--out", str(scores)]
    )
    assert res.exit_code == 0, res.output
    s = pd.read_csv(scores, encoding="utf-8-sig")
    assert list(s.columns) == ["card_id", "churn_probability"] and len(s) == 1500
    res = runner.invoke(
        app,
        [
            "score",
            "--model",
            str(model),
            "--table",
            str(table),
            "--out",
            str(scores),
            "--reasons",
            "5",
        ],
    )
    assert res.exit_code == 0, res.output
    s = pd.read_csv(scores, encoding="utf-8-sig", keep_default_na=False)
    assert s["reasons_en"].head(5).str.len().gt(0).all()
    assert (s["reasons_en"].iloc[5:] == "").all()
    assert "monthly_spend" in s["reasons_zh"].iloc[0] or "plan" in s["reasons_zh"].iloc[0]
    res = runner.invoke(
        app, ["evaluate", "--model", str(model), "--table", str(table), "--label", "closed"]
    )
    assert res.exit_code == 0, res.output
    assert "ROC AUC" in res.output and "capture" in res.output and "calibration" in res.output


def test_cli_errors_are_one_clear_line(tmp_path):
    table = tmp_path / "t.csv"
    messy_table(50).to_csv(table, index=False)
    res = runner.invoke(
        app, ["score", "--model", str(table), "--table", str(table), "--out", str(tmp_path / "s")]
    )
    assert res.exit_code == 4  # ModelError: a file that is not a usable model
    assert "not a Loyalloop churn model" in res.output
    res = runner.invoke(
        app,
        [
            "train",
            "--table",
            str(table),
            "--id",
            "card_id",
            "--label",
            "nope",
            "--model-out",
            str(tmp_path / "m.json"),
        ],
    )
    assert res.exit_code == 1 and "no label column 'nope'" in res.output
