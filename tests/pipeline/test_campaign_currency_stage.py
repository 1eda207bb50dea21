"""The campaign_results stage does not measure a campaign whose money is in another currency
than the run's amounts (the warehouse ``campaigns.currency`` the sync exports): no effect,
cost or ROI, an error the report and ``campaigns results`` show; a campaign in the run's
currency is measured as before."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from tests.measurement.test_stage import CONFIG, _home, _run
from typer.testing import CliRunner

from loyalloop.cli.main import app
from loyalloop.core.results import CampaignResultsSummary
from loyalloop.data.schema import open_warehouse
from loyalloop.errors import NoRunError
from loyalloop.report import render_report
from loyalloop.report.i18n import t


@pytest.mark.parametrize("currency", ["CNY", "USD"])
def test_a_campaign_in_another_currency_is_not_measured(tmp_path: Path, currency: str) -> None:
    settings = _home(tmp_path, with_campaign=True)
    with open_warehouse(settings) as wh:
        wh.raw.execute("UPDATE campaigns SET currency = ?", [currency])
    r = _run(settings, replace(CONFIG, currency="USD"))  # the run's amounts are in USD
    summary = r.manifest.campaigns
    assert isinstance(summary, CampaignResultsSummary)
    (c,) = summary.campaigns
    cli = CliRunner()
    res = cli.invoke(app, ["--home", str(settings.home), "campaigns", "results", "WB-07"])
    assert res.exit_code == 0, res.output
    if currency == "USD":  # the run's: measured as before
        assert c.error is None and c.arms and "ROI" in res.output
        assert set(r.read("campaign_results").to_pandas()["campaign_id"]) == {"WB-07"}
        return
    assert c.error == "currency_mismatch" and c.arms == ()
    assert c.message.startswith(
        "its budget and costs are in CNY but this run's amounts are in USD: no cost, ROI or "
        "effect is reported"
    )
    with pytest.raises(NoRunError):  # no row of it: nothing to set against revenue in USD
        r.read("campaign_results")
    assert "not measured" in res.output and "in CNY but this run's amounts are in USD" in (
        res.output.replace("\n", " ")
    )
    assert t("cli_cr_held_out", "en") not in res.output  # no table of figures
    js = cli.invoke(app, ["--home", str(settings.home), "campaigns", "results", "WB-07", "--json"])
    assert json.loads(js.output)["error"] == "currency_mismatch"
    html = render_report(r, "en")
    assert "its budget and costs are in CNY but this run&#39;s amounts are in USD" in html
