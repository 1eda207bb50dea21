"""The same data and settings give byte-identical churn outputs (issue 9, item 4).

Rows reach the model in whatever order the engine returns them, so the tests load the same
rows in a different order into a fresh warehouse and train again.
"""

from __future__ import annotations

import json

import ibis
import pandas as pd
import pytest

from loyalloop.churn import ChurnTables, backtest, train_table


def _tables(shop: dict[str, pd.DataFrame], seed: int | None) -> ChurnTables:
    con = ibis.duckdb.connect()
    tx, fb = shop["transactions"], shop["feedback"]
    if seed is not None:
        tx = tx.sample(frac=1.0, random_state=seed)
        fb = fb.sample(frac=1.0, random_state=seed)
    return ChurnTables(
        transactions=con.create_table("transactions", tx),
        feedback=con.create_table("feedback", fb),
    )


def _run(tables: ChurnTables, tmp: object) -> tuple[bytes, bytes, bytes, str]:
    r = backtest(
        tables,
        train_cutoffs=["2024-02-01", "2024-04-01"],
        test_cutoff="2024-07-01",
        horizon_days=90,
    )
    path = r.model.save(f"{tmp}/model.json")
    scores = r.scores.to_csv(index=False).encode()
    metrics = r.evaluation.metrics_frame().to_csv(index=False).encode()
    return path.read_bytes(), scores, metrics, json.dumps(r.comparison.to_dict())


def test_backtest_twice_byte_identical(shop, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = _run(_tables(shop, None), tmp_path / "a")
    second = _run(_tables(shop, 11), tmp_path / "b")
    assert first[0] == second[0], "model files differ"
    assert first[1] == second[1], "test scores differ"
    assert first[2] == second[2], "metrics differ"
    assert first[3] == second[3], "comparison differs"


@pytest.mark.parametrize("algorithm", ["auto", "lightgbm"])
def test_byo_training_twice_byte_identical(tmp_path, algorithm):
    from test_byo_selection import interaction_table

    t = interaction_table(1500, seed=5)
    a = train_table(t, id_column="id", label_column="churned", algorithm=algorithm)
    b = train_table(t, id_column="id", label_column="churned", algorithm=algorithm)
    pa, pb = a.model.save(tmp_path / "a.json"), b.model.save(tmp_path / "b.json")
    assert pa.read_bytes() == pb.read_bytes()
    assert json.dumps(a.to_dict()) == json.dumps(b.to_dict())
