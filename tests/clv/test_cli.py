"""``loyalloop clv fit|predict`` (the sub-app, invoked directly)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from loyalloop.cli.clv import app
from loyalloop.clv import BetaGeoModel

runner = CliRunner()


def test_fit_and_predict_json(cdnow_spend: pd.DataFrame, tmp_path: Path) -> None:
    data = tmp_path / "rfm.csv"
    cdnow_spend[["customer_id", "frequency", "recency", "T", "monetary_value"]].to_csv(
        data, index=False
    )
    model, spend = tmp_path / "bg.json", tmp_path / "gg.json"
    result = runner.invoke(
        app,
        [
            "fit",
            "--data",
            str(data),
            "--model-out",
            str(model),
            "--spend-out",
            str(spend),
            "--time-unit",
            "weeks",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["model"]["params"]["r"] == pytest.approx(0.2426, abs=1e-4)
    assert payload["spend_model"]["params"]["p"] == pytest.approx(6.25, abs=5e-3)
    assert payload["model"]["data_period"]["n_customers"] == len(cdnow_spend)

    out = tmp_path / "scores.parquet"
    result = runner.invoke(
        app,
        [
            "predict",
            "--data",
            str(data),
            "--model",
            str(model),
            "--spend-model",
            str(spend),
            "--out",
            str(out),
            "--t",
            "52",
            "--time-unit",
            "weeks",
            "--batch-size",
            "1000",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["customers"] == len(cdnow_spend)
    scores = pd.read_parquet(out)
    expected = BetaGeoModel.load(model).expected_purchases(52.0, cdnow_spend)
    assert scores["expected_purchases"].sum() == pytest.approx(expected.sum(), rel=1e-9)
    assert summary["total_clv"] == pytest.approx(scores["clv"].sum(), rel=1e-9)


def test_text_output_and_errors(cdnow: pd.DataFrame, tmp_path: Path) -> None:
    data = tmp_path / "rfm.parquet"
    cdnow.to_parquet(data)
    model = tmp_path / "p.json"
    result = runner.invoke(
        app, ["fit", "--data", str(data), "--model", "pareto-nbd", "--model-out", str(model)]
    )
    assert result.exit_code == 0, result.output
    assert "ParetoNBDModel: n=2357" in result.output
    result = runner.invoke(
        app,
        ["predict", "--data", str(data), "--model", str(model), "--out", str(tmp_path / "s.csv")],
    )
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(tmp_path / "s.csv")) == len(cdnow)
    assert "scored 2,357 customers with ParetoNBDModel" in result.output
    # in the project's language (LOYALLOOP_LANG), the same figures
    zh = runner.invoke(
        app,
        ["predict", "--data", str(data), "--model", str(model), "--out", str(tmp_path / "z.csv")],
        env={"LOYALLOOP_LANG": "zh"},
    )
    assert zh.exit_code == 0, zh.output
    assert "已用 ParetoNBDModel 为 2,357 位客户打分" in zh.output and "平均存活概率" in zh.output
    assert "scored" not in zh.output and "expected purchases" not in zh.output
    bad = tmp_path / "bad.csv"
    cdnow.assign(frequency=0, recency=0.0, T=0.0).to_csv(bad, index=False)
    result = runner.invoke(app, ["fit", "--data", str(bad), "--model-out", str(model)])
    assert result.exit_code == 1
    assert "T = 0" in result.output
