"""The demo composes sample → ingest → run → report; its counts add up."""

from __future__ import annotations

import pytest

from loyalloop.apps import run_demo
from loyalloop.core import Settings
from loyalloop.core.runs import RunStore


@pytest.mark.slow
def test_demo_runs_the_whole_loop(settings: Settings) -> None:
    result = run_demo(settings, customers=400, seed=2, lang="zh")
    branch = result.ingested["branch transactions"]
    assert branch.quarantined == 5  # the five broken rows of the GBK branch export
    for r in result.ingested.values():
        assert r.read == r.loaded + r.already_loaded + r.quarantined
    assert RunStore(settings.runs_dir).latest().number == result.run.number == 1
    html = result.report.read_text(encoding="utf-8")
    assert "客户忠诚度报告" in html and result.run.manifest.kpis is not None
