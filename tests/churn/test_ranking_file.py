"""The winning ranking saved with a run scores again exactly; damaged files are refused."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from loyalloop.churn import ChurnRanking
from loyalloop.churn.calibration import Calibrator
from loyalloop.errors import ModelError

FEATURES = pd.DataFrame(
    {
        "customer_id": ["a", "b", "c", "d"],
        "recency_days": [3.0, 40.0, 120.0, 300.0],
        "tenure_days": [400.0, 500.0, 300.0, 700.0],
        "n_purchases_total": [9, 4, 2, 1],
    }
)


def test_a_baseline_ranking_round_trips(tmp_path: Path) -> None:
    cal = Calibrator("isotonic", (0.0, 30.0, 200.0), (0.1, 0.4, 0.9))
    ranking = ChurnRanking("recency", calibrator=cal)
    path = ranking.save(tmp_path / "r.json")
    back = ChurnRanking.load(path)
    assert back == ranking
    p = back.churn_probability(FEATURES)
    # the isotonic map, monotone in days since the last purchase (so the ranking is kept)
    assert np.allclose(p, np.interp(FEATURES["recency_days"], cal.x, cal.y))
    assert (np.diff(p) >= 0).all()
    # the same ranking writes the same bytes
    assert ranking.save(tmp_path / "again.json").read_bytes() == path.read_bytes()


def test_damaged_ranking_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="does not exist"):
        ChurnRanking.load(tmp_path / "none.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(ModelError, match="not JSON"):
        ChurnRanking.load(bad)
    good = ChurnRanking("recency", calibrator=Calibrator("isotonic", (0.0,), (0.5,))).to_dict()
    for change, match in (
        ({"format": "other"}, "not a Loyalloop churn ranking"),
        ({"format_version": 9}, "format version 9"),
        ({"scorer": "magic"}, "unknown scorer 'magic'"),
        ({"scorer": "model"}, "needs a model"),
    ):
        bad.write_text(json.dumps({**good, **change}), encoding="utf-8")
        with pytest.raises(ModelError, match=match):
            ChurnRanking.load(bad)
