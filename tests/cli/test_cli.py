from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
from tests.conftest import write
from tests.pipeline.test_runs import CUSTOMERS, FEEDBACK, TX
from typer.testing import CliRunner

from loyalloop.cli.main import app

runner = CliRunner()


def cli(home: Path, *args: str) -> tuple[int, str, str]:
    r = runner.invoke(app, ["--home", str(home), *args])
    return r.exit_code, r.stdout, r.stderr


def test_ingest_json_counts(tmp_path: Path) -> None:
    home = tmp_path / "home"
    code, out, _ = cli(
        home, "ingest", "customers", str(write(tmp_path / "c.csv", CUSTOMERS)), "--json"
    )
    assert code == 0
    data = json.loads(out)
    assert (data["read"], data["loaded"], data["quarantined"]) == (3, 3, 0)
    bad_tx = TX + "T9,C1,not-a-date,1\n"
    code, out, _ = cli(
        home, "ingest", "transactions", str(write(tmp_path / "t.csv", bad_tx)), "--json"
    )
    data = json.loads(out)
    assert code == 0 and (data["read"], data["loaded"], data["quarantined"]) == (5, 4, 1)
    code, out, _ = cli(home, "ingest", "transactions", str(tmp_path / "t.csv"))
    assert code == 0
    assert "transactions (t.csv): read 5 · loaded 0 · already loaded 4 · quarantined 1" in out
    assert "row 5 (line 6): timestamp: cannot read 'not-a-date'" in out


def test_ingest_failures_name_file_line_and_column(tmp_path: Path) -> None:
    home = tmp_path / "home"
    f = write(tmp_path / "c.csv", "customer_id,created_at\n,2024-01-01\n")
    code, _, err = cli(home, "ingest", "customers", str(f))
    assert code == 1
    assert f"file {f}, line 2, column customer_id: nothing loaded" in err and "row 1" in err
    code, _, err = cli(home, "ingest", "customers", str(tmp_path / "missing.csv"))
    assert code == 2 and "file not found" in err
    g = write(tmp_path / "g.csv", "id\n1\n")
    code, _, err = cli(home, "ingest", "transactions", str(g))
    assert code == 1 and "line 1" in err and "customer_id" in err  # transaction_id is optional
    code, _, err = cli(home, "ingest", "nonsense", str(g))
    assert code == 2 and "'nonsense' is not one of" in err


def test_run_runs_export_report(tmp_path: Path) -> None:
    home = tmp_path / "home"
    for table, text in (("customers", CUSTOMERS), ("transactions", TX), ("feedback", FEEDBACK)):
        assert cli(home, "ingest", table, str(write(tmp_path / f"{table}.csv", text)))[0] == 0
    code, out, _ = cli(home, "run", "--json")
    assert code == 0
    summary = json.loads(out)
    assert summary["run"] == 1 and summary["kpis"]["purchasers"] == 2
    code, out, _ = cli(home, "runs", "--json")
    assert [r["run"] for r in json.loads(out)] == [1]
    code, _, _ = cli(home, "export", "rfm", "--out", str(tmp_path / "rfm.csv"))
    assert code == 0
    rfm = pd.read_csv(tmp_path / "rfm.csv", encoding="utf-8-sig")
    assert set(rfm["customer_id"]) == {"C1", "C3"}
    code, out, _ = cli(
        home, "export", "transactions", "--out", str(tmp_path / "tx.parquet"), "--json"
    )
    assert code == 0 and json.loads(out)["rows"] == 4
    assert len(pd.read_parquet(tmp_path / "tx.parquet")) == 4
    code, out, _ = cli(home, "report", "--lang", "zh", "--out", str(tmp_path / "r.html"))
    assert code == 0 and "客户忠诚度报告" in (tmp_path / "r.html").read_text(encoding="utf-8")
    code, _, err = cli(home, "export", "nope", "--out", str(tmp_path / "x.csv"))
    assert code == 3 and "no table 'nope'" in err


def test_export_csv_neutralises_formulas_and_keeps_phones(tmp_path: Path) -> None:
    """The formula-injection suite, through the real export: formulas are neutralised, phone
    numbers and signed numbers written as text come out exactly as loaded."""
    home = tmp_path / "home"
    rows = (
        "customer_id,name,phone,segment\n"
        'C1,=HYPERLINK("http://x"),+8613800138000,-12.5\n'
        "C2,+1,+86 138 0013 8001,+1+cmd|' /C calc'!A0\n"
        "C3,@SUM(A1),13800138002,-1e-3\n"
    )
    assert cli(home, "ingest", "customers", str(write(tmp_path / "c.csv", rows)))[0] == 0
    out_csv = tmp_path / "c_out.csv"
    code, _, _ = cli(home, "export", "customers", "--out", str(out_csv))
    assert code == 0
    got = pd.read_csv(out_csv, encoding="utf-8-sig", dtype=str).set_index("customer_id")
    assert got["name"].tolist() == ['\'=HYPERLINK("http://x")', "+1", "'@SUM(A1)"]
    assert got["phone"].tolist() == ["+8613800138000", "+86 138 0013 8001", "13800138002"]
    assert got["segment"].tolist() == ["-12.5", "'+1+cmd|' /C calc'!A0", "-1e-3"]


def test_demo_end_to_end(tmp_path: Path) -> None:
    """The real entry point, in a fresh directory, at a small size."""
    home = tmp_path / "project"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "loyalloop",
            "--home",
            str(home),
            "demo",
            "--customers",
            "600",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    report = Path(data["report"])
    assert report.exists() and report.stat().st_size > 1_000_000
    assert data["run"] == 2 and data["acted_on_run"] == 1  # run 2 measures the campaign
    k = data["kpis"]
    assert 0 < k["purchasers"] <= k["customers"] <= 600
    assert data["tables"]["rfm"]["rows"] == k["purchasers"]
    html = report.read_text(encoding="utf-8")
    assert f"{k['customers']:,}" in html
    assert (home / "sample" / "customers.csv").exists()
    # the two targeting rounds on the sample's truth (the card sample)
    learning = data["learning"]
    assert learning["lines"][-1].startswith("round 2 − round 1 on the truth")
    d = learning["round_2_minus_round_1"]
    assert d["low"] <= d["estimate"] <= d["high"] and learning["improved"] == (d["low"] > 0)
    # the run's RFM table feeds the CLV command as it is (T = 0 customers are left out of fits)
    rfm = tmp_path / "rfm.csv"
    assert cli(home, "export", "rfm", "--out", str(rfm))[0] == 0
    model = tmp_path / "bg.json"
    r = runner.invoke(app, ["clv", "fit", "--data", str(rfm), "--model-out", str(model), "--json"])
    assert r.exit_code == 0, r.output
    fitted = json.loads(r.stdout)
    assert fitted["model"]["data_period"]["n_customers"] + fitted["excluded_T0"] == len(
        pd.read_csv(rfm, encoding="utf-8-sig")
    )
    scores = tmp_path / "scores.csv"
    r = runner.invoke(
        app, ["clv", "predict", "--data", str(rfm), "--model", str(model), "--out", str(scores)]
    )
    assert r.exit_code == 0, r.output
    assert pd.read_csv(scores)["probability_alive"].between(0, 1).all()


def test_churn_scores_csv_neutralises_formula_ids(tmp_path: Path) -> None:
    import numpy as np

    rng = np.random.default_rng(0)
    n = 400
    spend = rng.gamma(2.0, 50.0, n)
    table = pd.DataFrame(
        {
            "id": [f"=cmd|{i}" if i == 0 else f"K{i}" for i in range(n)],
            "spend": spend,
            "plan": rng.choice(["gold", "basic"], n),
            "left": np.where(rng.random(n) < 1 / (1 + spend / 60), "yes", "no"),
        }
    )
    table.to_csv(tmp_path / "t.csv", index=False)
    model = tmp_path / "m.json"
    args = ["churn", "train", "--table", str(tmp_path / "t.csv"), "--id", "id", "--label", "left"]
    assert runner.invoke(app, [*args, "--model-out", str(model)]).exit_code == 0
    out = tmp_path / "scores.csv"
    r = runner.invoke(
        app,
        [
            "churn",
            "score",
            "--model",
            str(model),
            "--table",
            str(tmp_path / "t.csv"),
            "--out",
            str(out),
        ],
    )
    assert r.exit_code == 0, r.output
    ids = pd.read_csv(out, encoding="utf-8-sig")["id"].tolist()
    assert "'=cmd|0" in ids and "=cmd|0" not in ids


def test_run_rejects_unknown_taxonomy_before_running(tmp_path: Path) -> None:
    code, _, err = cli(tmp_path / "home", "run", "--taxonomy", "nonsense")
    assert code == 2 and "neither a shipped taxonomy" in err
    assert not (tmp_path / "home" / "runs").exists()


def test_sample_volume_options(tmp_path: Path) -> None:
    """``sample --transactions N --comments N`` loads about that many; a bad target is a
    clear error with the config exit code, in JSON too."""
    home = tmp_path / "home"
    code, out, err = cli(
        home,
        *("sample", "--customers", "400", "--transactions", "4000", "--comments", "80", "--json"),
    )
    assert code == 0, err
    data = json.loads(out)
    loaded = data["transactions"]["loaded"] + data["branch transactions"]["loaded"]
    assert abs(loaded / 4000 - 1) < 0.1
    comments = pd.read_csv(home / "sample" / "feedback.csv")["text"].notna().sum()
    assert abs(comments / 80 - 1) < 0.35  # Poisson noise on ~80 comments: sd 11 %
    code, out, _ = cli(
        tmp_path / "h2", "sample", "--customers", "400", "--transactions", "300", "--json"
    )
    assert code != 0
    assert "too few" in json.loads(out)["error"]["message"]
