"""A whole run on real retail data where a baseline beats the churn model: CDNOW's 1/10 sample
(2,357 customers of a CD retailer, lifetimes' ``CDNOW_sample.txt``, made into customers and
transactions files by ``benchmarks/cdnow_files.py``), as of 1998-06-30.

On this backtest the plain logistic regression beats the churn model (ROC AUC 0.735 against
0.719, PR AUC 0.855 against 0.841; benchmarks/results/churn_baselines.md): the run must rank
by the logistic regression, record it, and say so first in the report, in both languages.
"""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from loyalloop.churn import ChurnRanking
from loyalloop.core import Settings
from loyalloop.core.results import ChurnSummary, KpiSummary, PriorityListSummary
from loyalloop.core.runs import Run, RunStore
from loyalloop.data.ingest import ingest
from loyalloop.data.schema import open_warehouse
from loyalloop.pipeline.config import RunConfig
from loyalloop.pipeline.run import run_pipeline
from loyalloop.report import render_report
from loyalloop.report.actions import ActionKind, plan_actions

pytestmark = pytest.mark.slow

_SCRIPT = Path(__file__).parents[2] / "benchmarks" / "cdnow_files.py"


@pytest.fixture(scope="module")
def cdnow_run(sample_homes: Any) -> Run:
    pytest.importorskip("lifetimes")

    def build(home: Path) -> None:
        spec = importlib.util.spec_from_file_location("cdnow_files", _SCRIPT)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        folder = home.parent / "files"
        folder.mkdir()
        files = module.write_cdnow_files(folder)
        settings = Settings(home=home, timezone="UTC")
        with open_warehouse(settings) as wh:
            for table, path in zip(("customers", "transactions"), files, strict=True):
                ingest(wh, table, [path])
        run_pipeline(settings, RunConfig(as_of=date(1998, 6, 30)))

    # the run is made once per test run (this fixture is made again whenever the module's
    # tests come back to a worker after a worksteal split) and only read here
    return RunStore(sample_homes.built("cdnow-run", build) / "runs").latest()


def test_the_logistic_regression_ranks_and_the_run_says_so(cdnow_run: Run) -> None:
    churn = cdnow_run.manifest.churn
    assert isinstance(churn, ChurnSummary)
    assert churn.ranking.scorer == "logistic" and not churn.ranking.model_won
    model, logistic = churn.metrics["model"], churn.metrics["logistic"]
    assert model.roc_auc is not None and logistic.roc_auc is not None
    assert logistic.roc_auc - model.roc_auc >= churn.ranking.tolerance
    # every churn probability of the run is the logistic regression's
    ranking = ChurnRanking.load(cdnow_run.path / churn.ranking.file)
    assert ranking.scorer == "logistic" and ranking.model is not None
    feats = cdnow_run.read("churn_features").to_pandas()
    again = pd.Series(ranking.churn_probability(feats), index=feats["customer_id"])
    scores = cdnow_run.read("churn_scores").to_pandas().set_index("customer_id")
    assert np.allclose(again.loc[scores.index], scores["churn_probability"], atol=1e-12)
    ew = cdnow_run.manifest.early_warning
    assert isinstance(ew, PriorityListSummary) and ew.churn_scorer == "logistic"
    listed = cdnow_run.read("early_warning").to_pandas().set_index("customer_id")
    assert np.allclose(
        listed["churn_probability"], scores.loc[listed.index, "churn_probability"], atol=0
    )


def test_the_report_says_which_ranking_first(cdnow_run: Run) -> None:
    for lang, first, churn_words in (
        (
            "en",
            "Churn probabilities in this report come from a logistic regression: the churn "
            "model did not beat it",
            "Logistic regression ranks customers, not the churn model",
        ),
        (
            "zh",
            "本报告中的流失概率来自逻辑回归：流失模型在回测中没有胜过它",
            "由逻辑回归对客户排序，而不是流失模型",
        ),
    ):
        page = render_report(cdnow_run, lang)  # type: ignore[arg-type]
        assert first in page and churn_words in page
        # said before the first action, and the actions come before every other section
        assert page.index(first) < page.index('class="action"') < page.index('id="kpis"')


def test_currency_and_actions_on_cdnow(cdnow_run: Run) -> None:
    k = cdnow_run.manifest.kpis
    assert isinstance(k, KpiSummary) and k.currency == "USD" and k.currencies == {"USD": 6919}
    plan = plan_actions(cdnow_run)
    assert 3 <= len(plan.actions) <= 5
    values = [a.value for a in plan.actions]
    assert values == sorted(values, reverse=True)
    # eighteen months after the cohort's first purchases, most customers have lapsed: winning
    # back the lapsed ones is worth the most, as the data's own return rates say
    top = plan.actions[0]
    assert (top.kind, top.group) == (ActionKind.WIN_BACK, "lapsed")
    wb = cdnow_run.manifest.win_back
    assert isinstance(wb, PriorityListSummary) and wb.return_history is not None
    assert wb.return_history.returned["lapsed"] / wb.return_history.customers["lapsed"] > 0.1
