"""``loyalloop uplift train|score`` on campaign tables as teams export them."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from tests.uplift.simulate import retention_campaign
from typer.testing import CliRunner

from loyalloop.cli.uplift import app
from loyalloop.errors import DataValidationError
from loyalloop.uplift import UpliftModel, coerce_outcome, coerce_treatment, score_table, train_table

runner = CliRunner()
FAST = UpliftModel(n_estimators=60, learning_rate=0.1, cv=2)


def messy(n: int = 3000, seed: int = 5) -> pd.DataFrame:
    df = retention_campaign(n, seed).drop(columns=["true_p0", "true_effect"])
    out = pd.DataFrame(
        {
            "customer_id": df.customer_id,
            "days_inactive": [f" {v:,.1f}" for v in df.days_inactive],
            "visits": df.visits.astype(int).astype(str),
            "spend": [f"¥{v:,.2f}" for v in df.spend],
            "plan": [p.upper() if i % 4 == 0 else p for i, p in enumerate(df.plan)],
            "got_offer": np.where(df.offer == 1, "yes", "no"),
            "retained": df.retained.astype(str),
        }
    )
    out.loc[7, "got_offer"] = ""
    out.loc[11, "retained"] = ""
    out.loc[13, "retained"] = "NaN"
    return out


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    path = tmp_path_factory.mktemp("uplift") / "campaign.csv"
    messy().to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def trained(table, tmp_path_factory):
    model = tmp_path_factory.mktemp("m") / "uplift.json"
    r = runner.invoke(
        app,
        [
            "train",
            "--table",
            str(table),
            "--treatment",
            "got_offer",
            "--outcome",
            "retained",
            "--id",
            "customer_id",
            "--model-out",
            str(model),
            "--resamples",
            "50",
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    return model, json.loads(r.stdout)


def test_train_reports_exclusions_coercions_and_holdout(trained):
    model, out = trained
    assert out["rows"] == 3000
    assert out["excluded"] == {"missing_treatment": 1, "missing_outcome": 2}
    assert out["used"] == 2997
    assert out["learner"] in ("t", "x", "dr")
    assert set(out["cv_qini_area"]) == {"t", "x", "dr", "outcome_high", "outcome_low"}
    names = [s["name"] for s in out["holdout"]["scorers"]]
    assert names == ["model", "outcome_high", "outcome_low"]
    coerced = {c["column"]: c for c in out["coercion"]["columns"]}
    assert coerced["plan"]["merged_case_or_space"] == 3000  # case-folded: GOLD, Gold -> gold
    assert coerced["spend"]["action"] == "numeric"
    assert any("rows have no got_offer value" in n for n in out["notes"])
    assert model.exists()


def test_score_writes_id_and_uplift(trained, tmp_path):
    model, _ = trained
    df = retention_campaign(500, 9).drop(columns=["offer", "retained", "true_p0", "true_effect"])
    df.loc[0, "customer_id"] = "=HYPERLINK(1)"
    src = tmp_path / "next.csv"
    df.to_csv(src, index=False)
    dst = tmp_path / "scores.csv"
    r = runner.invoke(
        app, ["score", "--model", str(model), "--table", str(src), "--out", str(dst), "--json"]
    )
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["rows"] == 500
    scores = pd.read_csv(dst, encoding="utf-8-sig")
    assert list(scores.columns) == ["customer_id", "uplift"]
    assert scores.uplift.is_monotonic_decreasing
    assert "'=HYPERLINK(1)" in set(scores.customer_id)  # neutralised for spreadsheets
    # same numbers as the library
    lib = score_table(UpliftModel.load(model), df)
    assert np.allclose(np.sort(lib.scores.uplift.to_numpy()), np.sort(scores.uplift.to_numpy()))


def test_text_output(tmp_path):
    table = tmp_path / "small.csv"
    messy(800).to_csv(table, index=False)
    r = runner.invoke(
        app,
        [
            "train",
            "--table",
            str(table),
            "--treatment",
            "got_offer",
            "--outcome",
            "retained",
            "--model-out",
            str(tmp_path / "m.json"),
            "--resamples",
            "20",
        ],
    )
    assert r.exit_code == 0, r.output
    assert "cross-validated Qini area" in r.stdout
    assert "held-out evaluation" in r.stdout
    assert "coerced: column 'plan'" in r.stdout
    src = tmp_path / "t.csv"
    pd.read_csv(table, dtype=str).head(50).to_csv(src, index=False)
    r = runner.invoke(
        app,
        [
            "score",
            "--model",
            str(tmp_path / "m.json"),
            "--table",
            str(src),
            "--out",
            str(tmp_path / "s.csv"),
        ],
    )
    assert r.exit_code == 0, r.output
    assert list(pd.read_csv(tmp_path / "s.csv").columns) == ["row", "uplift"]


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("got_offer", "maybe", "column got_offer has 1 values that are not a treatment flag"),
        ("got_offer", "2", "not a treatment flag"),
        ("retained", "inf", "column retained has 1 values that are not finite numbers"),
        ("retained", "lots", "not finite numbers: 'lots' (data rows 4)"),
    ],
)
def test_bad_treatment_or_outcome_refused_with_rows(tmp_path, column, value, message):
    df = messy(300)
    df.loc[3, column] = value
    path = tmp_path / "bad.csv"
    df.to_csv(path, index=False)
    r = runner.invoke(
        app,
        [
            "train",
            "--table",
            str(path),
            "--treatment",
            "got_offer",
            "--outcome",
            "retained",
            "--model-out",
            str(tmp_path / "m.json"),
            "--json",
        ],
    )
    assert r.exit_code == 1, r.output
    assert message in json.loads(r.stdout)["error"]["message"]
    assert not (tmp_path / "m.json").exists()


def test_missing_columns_and_model_file(tmp_path, table):
    r = runner.invoke(
        app,
        [
            "train",
            "--table",
            str(table),
            "--treatment",
            "treat",
            "--outcome",
            "retained",
            "--model-out",
            str(tmp_path / "m.json"),
        ],
    )
    assert r.exit_code == 1
    assert "no treatment column 'treat'" in r.stderr
    r = runner.invoke(
        app,
        [
            "score",
            "--model",
            str(tmp_path / "none.json"),
            "--table",
            str(table),
            "--out",
            str(tmp_path / "s.csv"),
        ],
    )
    assert r.exit_code == 2  # a file name that names nothing: usage (as for every command)
    assert "model file not found" in r.stderr


def test_numeric_outcome_and_yes_no_flags():
    t, has = coerce_treatment(pd.Series(["Yes", " no", "是", "否", "", "TRUE"]), "t")
    assert t.tolist() == [1, 0, 1, 0, 0, 1] and has.tolist() == [1, 1, 1, 1, 0, 1]
    y, has = coerce_outcome(pd.Series(["12.5", "¥1,000", "", "nan", "(3)"]), "rev")
    assert y[has].tolist() == [12.5, 1000.0, -3.0]
    y, _ = coerce_outcome(pd.Series(["yes", "no", "yes"]), "bought")
    assert y.tolist() == [1, 0, 1]
    with pytest.raises(DataValidationError, match="not finite"):
        coerce_outcome(pd.Series([1.0, np.inf]), "rev")


def test_library_train_on_revenue():
    df = retention_campaign(2000, 3)
    df["revenue"] = df.retained * 100.0 + df.spend * 0.01
    r = train_table(
        df.drop(columns=["retained", "true_p0", "true_effect"]),
        treatment_column="offer",
        outcome_column="revenue",
        id_column="customer_id",
        model=FAST,
        resamples=20,
    )
    assert not r.model.binary_outcome_
    assert r.holdout.scorer("model").qini_coefficient is None
    assert r.model.metadata_["outcome_column"] == "revenue"
