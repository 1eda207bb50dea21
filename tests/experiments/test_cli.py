"""``loyalloop experiments analyze|power`` as a user runs them."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from loyalloop.cli.experiments import app
from loyalloop.experiments import Proportion, bayesian_test, frequentist_test, sample_size

runner = CliRunner()


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    rng = np.random.default_rng(42)
    n = 4000
    arm = rng.choice(["control", "offer_a", "offer_b"], n)
    pre = rng.gamma(2.0, 100.0, n)
    spend = 0.7 * pre + rng.normal(50 + 12 * (arm == "offer_a"), 80, n)
    conv = (rng.random(n) < 0.10 + 0.03 * (arm == "offer_a")).astype(int)
    df = pd.DataFrame({"group": arm, "spend": spend.round(2), "converted": conv, "pre": pre})
    df.loc[::50, "pre"] = np.nan
    path = tmp_path_factory.mktemp("exp") / "experiment.csv"
    df.to_csv(path, index=False)
    return path, df


def _json(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_analyze_json_shape_and_values(table):
    path, df = table
    out = _json(
        runner.invoke(
            app,
            [
                "analyze",
                "--table",
                str(path),
                "--arm",
                "group",
                "--control",
                "control",
                "--metric",
                "converted",
                "--json",
            ],
        )
    )
    assert out["metric_kind"] == "proportion"
    assert 0 < out["srm_p_value"] <= 1
    assert [a["arm"] for a in out["arms"]] == ["offer_a", "offer_b"]
    a = out["arms"][0]
    for key in (
        "arm",
        "n",
        "mean",
        "control_mean",
        "lift_abs",
        "lift_rel",
        "ci_low",
        "ci_high",
        "p_value",
        "chance_to_win",
    ):
        assert key in a
    c = df[df.group == "control"].converted
    t = df[df.group == "offer_a"].converted
    ref = frequentist_test(Proportion(len(c), c.sum()), Proportion(len(t), t.sum()))
    assert a["n"] == len(t)
    assert a["lift_abs"] == pytest.approx(ref.absolute.estimate)
    assert a["ci_low"] == pytest.approx(ref.absolute.low)
    assert a["p_value"] == pytest.approx(ref.p_value)
    assert a["chance_to_win"] is None  # frequentist method
    assert a["p_value_adjusted"] >= a["p_value"]


def test_analyze_bayesian_gives_chance_to_win(table):
    path, df = table
    out = _json(
        runner.invoke(
            app,
            [
                "analyze",
                "--table",
                str(path),
                "--arm",
                "group",
                "--control",
                "control",
                "--metric",
                "converted",
                "--method",
                "bayesian",
                "--json",
            ],
        )
    )
    c = df[df.group == "control"].converted
    t = df[df.group == "offer_a"].converted
    ref = bayesian_test(Proportion(len(c), c.sum()), Proportion(len(t), t.sum()))
    a = out["arms"][0]
    assert a["chance_to_win"] == pytest.approx(ref.chance_to_win)
    assert a["p_value"] is None


def test_analyze_cuped_text(table):
    path, _ = table
    r = runner.invoke(
        app,
        [
            "analyze",
            "--table",
            str(path),
            "--arm",
            "group",
            "--control",
            "control",
            "--metric",
            "spend",
            "--pre",
            "pre",
        ],
    )
    assert r.exit_code == 0, r.output
    assert "CUPED with pre" in r.stdout
    assert "variance of the lift reduced by" in r.stdout
    assert "missing values of the pre-period column pre were filled" in r.stdout
    assert "offer_a" in r.stdout and "p holm" in r.stdout


def test_analyze_sequential_interval_is_wider(table):
    path, _ = table
    args = [
        "analyze",
        "--table",
        str(path),
        "--arm",
        "group",
        "--control",
        "control",
        "--metric",
        "spend",
        "--json",
    ]
    fixed = _json(runner.invoke(app, args))["arms"][0]
    seq = _json(runner.invoke(app, [*args, "--method", "sequential"]))["arms"][0]
    assert seq["lift_abs"] == pytest.approx(fixed["lift_abs"])
    assert seq["ci_high"] - seq["ci_low"] > fixed["ci_high"] - fixed["ci_low"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--control", "ctrl"], 1, "no control arm 'ctrl' in column group"),
        (["--metric", "nope"], 1, "no metric column 'nope'"),
        (["--weights", "control=1,offer_a=1,offer_b=1,offer_c=1"], 1, "'offer_c' have no rows"),
        (["--weights", "control:1"], 2, "expected arm=share pairs"),
        (["--alpha", "2"], 2, "alpha must be between 0 and 1"),
    ],
)
def test_analyze_bad_input(table, args, code, message):
    path, _ = table
    base = {"--table": str(path), "--arm": "group", "--control": "control", "--metric": "spend"}
    for i in range(0, len(args), 2):
        base[args[i]] = args[i + 1]
    flat = [x for kv in base.items() for x in kv]
    r = runner.invoke(app, ["analyze", *flat, "--json"])
    assert r.exit_code == code, r.output
    err = json.loads(r.stdout)["error"]
    assert message in err["message"]


def test_constant_metric_reports_error_per_arm(tmp_path):
    path = tmp_path / "const.csv"
    pd.DataFrame({"arm": ["a", "b"] * 20, "y": [5] * 40}).to_csv(path, index=False)
    out = _json(
        runner.invoke(
            app,
            [
                "analyze",
                "--table",
                str(path),
                "--arm",
                "arm",
                "--control",
                "a",
                "--metric",
                "y",
                "--json",
            ],
        )
    )
    a = out["arms"][0]
    assert a["error"] == "zero_variance"
    assert a["lift_abs"] is None and a["p_value"] is None
    assert "does not vary" in a["message"]


def test_text_metric_cell_refused_with_row_values(tmp_path):
    path = tmp_path / "bad.csv"
    pd.DataFrame({"arm": ["a", "b", "a", "b"], "y": ["1", "2", "n/a?", "3"]}).to_csv(
        path, index=False
    )
    r = runner.invoke(
        app, ["analyze", "--table", str(path), "--arm", "arm", "--control", "a", "--metric", "y"]
    )
    assert r.exit_code == 1
    assert "column y has 1 values that are not numbers" in r.stderr
    assert "'n/a?'" in r.stderr


def test_power_sample_size_and_mde():
    out = _json(
        runner.invoke(app, ["power", "--baseline", "0.1", "--mde", "0.02", "--absolute", "--json"])
    )
    assert out["solved_for"] == "n_per_arm"
    assert out["n_per_arm"] == sample_size(baseline_mean=0.1, mde=0.02, relative=False).n_per_arm
    out = _json(
        runner.invoke(
            app, ["power", "--baseline", "100", "--sd", "40", "--n-per-arm", "1005", "--json"]
        )
    )
    assert out["solved_for"] == "mde"
    assert out["mde_rel"] == pytest.approx(0.05, rel=1e-3)
    r = runner.invoke(app, ["power", "--baseline", "100", "--sd", "40", "--mde", "0.05"])
    assert r.exit_code == 0
    assert "units per arm: 1,005" in r.stdout


def test_power_needs_a_question():
    r = runner.invoke(app, ["power", "--baseline", "0.1", "--json"])
    assert r.exit_code == 2
    assert "give --mde" in json.loads(r.stdout)["error"]["message"]
