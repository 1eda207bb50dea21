"""The clv stage on the sample business: real fits, every profile scored, sane numbers."""

from __future__ import annotations

import json

import numpy as np
import pytest

from loyalloop.apps.demo import load_sample
from loyalloop.core import Settings
from loyalloop.core.results import ClvSummary
from loyalloop.pipeline import run_pipeline
from loyalloop.report import render_report


@pytest.mark.slow
def test_clv_stage_on_sample(settings: Settings) -> None:
    load_sample(settings, customers=1500, seed=3)
    run = run_pipeline(settings)
    info = run.manifest.clv
    assert isinstance(info, ClvSummary), info
    clv = run.read("clv").to_pandas()
    rfm = run.read("rfm").to_pandas()
    assert sorted(clv["customer_id"]) == sorted(rfm["customer_id"])
    assert clv["probability_alive"].between(0, 1).all()
    assert (clv["clv"] >= 0).all() and (clv["expected_purchases"] >= 0).all()
    assert info.total_clv == pytest.approx(clv["clv"].sum())
    top = np.sort(clv["clv"].to_numpy())[::-1][: len(clv) // 10].sum() / clv["clv"].sum()
    assert info.top_decile_share == pytest.approx(top, rel=0.02)
    # the BG/NBD fit lands near the generator's truth (weeks), as in tests/clv
    truth = json.loads((settings.home / "sample" / "truth" / "params.json").read_text())
    p = info.transaction_params
    assert p["a"] == pytest.approx(truth["a"], rel=0.5)
    assert p["r"] / p["alpha"] == pytest.approx(truth["r"] / truth["alpha"], rel=0.3)
    html = render_report(run, "zh")
    assert "客户终身价值" in html and "chart-clv" in html
