"""One time unit, one CLV total: the CLI and a run print the same figures for the same data."""

from __future__ import annotations

import json
import math
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from loyalloop.cli.clv import app
from loyalloop.clv import (
    BetaGeoModel,
    GammaGammaModel,
    clv_totals,
    customer_lifetime_value,
    periods_per_month,
    score,
)
from loyalloop.core.timeunits import DAYS_PER_MONTH, TimeUnit
from loyalloop.errors import ConfigError, DataValidationError

runner = CliRunner()


@pytest.mark.parametrize(
    ("spelling", "unit"),
    [
        ("D", TimeUnit.DAYS),
        ("days", TimeUnit.DAYS),
        ("Day", TimeUnit.DAYS),
        ("天", TimeUnit.DAYS),
        ("w", TimeUnit.WEEKS),
        ("WEEKS", TimeUnit.WEEKS),
        ("周", TimeUnit.WEEKS),
        ("M", TimeUnit.MONTHS),
        ("month", TimeUnit.MONTHS),
        (TimeUnit.MONTHS, TimeUnit.MONTHS),
    ],
)
def test_time_unit_spellings(spelling: str, unit: TimeUnit) -> None:
    assert TimeUnit.parse(spelling) is unit


def test_time_unit_lengths_and_errors() -> None:
    assert DAYS_PER_MONTH == 30.4375
    assert TimeUnit.DAYS.per(TimeUnit.WEEKS) == 7.0
    assert TimeUnit.WEEKS.per(TimeUnit.MONTHS) == pytest.approx(30.4375 / 7)
    assert TimeUnit.MONTHS.per(TimeUnit.MONTHS) == 1.0
    with pytest.raises(ConfigError, match="unknown time unit 'H'"):
        TimeUnit.parse("H")
    assert periods_per_month(30.0) == 30.0
    with pytest.raises(DataValidationError, match="positive number"):
        periods_per_month(-1.0)
    with pytest.raises(DataValidationError, match="not a boolean"):
        periods_per_month(True)


def test_clv_does_not_depend_on_the_unit_of_the_data(cdnow_spend: pd.DataFrame) -> None:
    """The same customers in weeks and in days give the same CLV: a month is one length.

    (With lifetimes' conventions, 4.345 weeks = 30.415 days but "D" = 30 days, which is why
    a run in weeks and the CLI in days once printed 67,922 and 67,093 for the same data.)
    """
    weeks = cdnow_spend
    days = cdnow_spend.assign(recency=cdnow_spend["recency"] * 7, T=cdnow_spend["T"] * 7)
    gg = GammaGammaModel().fit(weeks[weeks["frequency"] > 0])
    by_week = BetaGeoModel().fit(weeks, time_unit="weeks")
    by_day = BetaGeoModel().fit(days, time_unit="days")
    assert by_day.params_["alpha"] == pytest.approx(7 * by_week.params_["alpha"], rel=1e-7)
    clv_w = customer_lifetime_value(by_week, gg, weeks)
    clv_d = customer_lifetime_value(by_day, gg, days)
    np.testing.assert_allclose(clv_d.to_numpy(), clv_w.to_numpy(), rtol=1e-6)
    # lifetimes' two months differ by 1.4% (30.415 vs 30 days), and so do its totals
    lifetimes_w = customer_lifetime_value(by_week, gg, weeks, time_unit=4.345).sum()
    lifetimes_d = customer_lifetime_value(by_day, gg, days, time_unit=30.0).sum()
    assert 1.01 < lifetimes_w / lifetimes_d < 4.345 * 7 / 30
    # a model that does not know its unit must be told
    unknown = BetaGeoModel().fit(weeks)
    with pytest.raises(ConfigError, match="time unit is unknown"):
        customer_lifetime_value(unknown, gg, weeks)


def test_clv_totals_definition(cdnow_spend: pd.DataFrame) -> None:
    bg = BetaGeoModel().fit(cdnow_spend, time_unit="weeks")
    gg = GammaGammaModel().fit(cdnow_spend[cdnow_spend["frequency"] > 0])
    scores = pd.concat(list(score(bg, cdnow_spend, t=52.0, spend_model=gg)))
    totals = clv_totals(scores)
    values = np.sort(scores["clv"].to_numpy())[::-1]
    top = math.ceil(len(values) / 10)
    assert totals.customers == len(cdnow_spend) == 2357
    assert totals.top_decile_customers == top == 236
    assert totals.total_clv == pytest.approx(values.sum(), rel=1e-12)
    assert totals.top_decile_clv == pytest.approx(values[:top].sum(), rel=1e-12)
    assert totals.top_decile_share == pytest.approx(values[:top].sum() / values.sum())
    assert totals.mean_probability_alive == pytest.approx(scores["probability_alive"].mean())
    assert totals.total_expected_purchases == pytest.approx(scores["expected_purchases"].sum())
    # the same from an Ibis table in the engine
    table = ibis.duckdb.connect().create_table("scores", scores)
    in_engine = clv_totals(table)
    for field in ("customers", "top_decile_customers"):
        assert getattr(in_engine, field) == getattr(totals, field)
    for field in ("total_clv", "top_decile_clv", "top_decile_share", "total_expected_purchases"):
        assert getattr(in_engine, field) == pytest.approx(getattr(totals, field), rel=1e-12)
    # without a spend model there is no CLV to total
    plain = pd.concat(list(score(bg, cdnow_spend, t=52.0)))
    no_clv = clv_totals(plain)
    assert no_clv.total_clv is None and no_clv.top_decile_share is None
    assert no_clv.total_expected_purchases == pytest.approx(totals.total_expected_purchases)
    empty = clv_totals(plain.iloc[:0])
    assert empty.customers == 0 and empty.mean_probability_alive is None
    with pytest.raises(DataValidationError, match="needs column"):
        clv_totals(scores.drop(columns="probability_alive"))


def test_cli_total_equals_library_total_in_any_unit(
    cdnow_spend: pd.DataFrame, tmp_path: Path
) -> None:
    """`clv fit` in days and `clv predict` (unit from the model) print the run's total."""
    weeks = cdnow_spend[["customer_id", "frequency", "recency", "T", "monetary_value"]]
    days = weeks.assign(recency=weeks["recency"] * 7, T=weeks["T"] * 7)
    data = tmp_path / "rfm_days.csv"
    days.to_csv(data, index=False)
    model, spend = tmp_path / "bg.json", tmp_path / "gg.json"
    result = runner.invoke(
        app,
        ["fit", "--data", str(data), "--model-out", str(model), "--spend-out", str(spend)],
    )
    assert result.exit_code == 0, result.output
    out = tmp_path / "scores.csv"
    args = ["predict", "--data", str(data), "--model", str(model), "--spend-model", str(spend)]
    result = runner.invoke(app, [*args, "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed["time_unit"] == "days"
    bg = BetaGeoModel().fit(weeks, time_unit="weeks")
    gg = GammaGammaModel().fit(weeks[weeks["frequency"] > 0])
    in_weeks = clv_totals(pd.concat(list(score(bg, weeks, t=1.0, spend_model=gg))))
    assert printed["total_clv"] == pytest.approx(in_weeks.total_clv, rel=1e-6)
    assert printed["top_decile_share"] == pytest.approx(in_weeks.top_decile_share, rel=1e-6)
    # an unknown unit is a usage error naming the accepted ones
    result = runner.invoke(app, [*args, "--out", str(out), "--time-unit", "fortnights"])
    assert result.exit_code == 2
    assert "days (d), weeks (w) or months (m)" in result.output
