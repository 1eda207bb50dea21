"""The campaign_results stage on a warehouse holding a simulated campaign whose effects are
known: the typed summary, the run tables, the report section (en, zh) and
``loyalloop campaigns results``; and "not computed: no campaigns" without assignments."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.measurement.simulate import simulate_campaign, true_effects
from typer.testing import CliRunner

from loyalloop.cli.main import app
from loyalloop.core import Settings
from loyalloop.core.results import CampaignResultsSummary, NotComputed
from loyalloop.core.runs import Run
from loyalloop.data.ingest import ingest
from loyalloop.data.schema import open_warehouse
from loyalloop.pipeline import RunConfig, run_pipeline
from loyalloop.pipeline import stages as stages_module
from loyalloop.pipeline.config import CampaignCosts, CampaignsConfig
from loyalloop.report import render_report

STAGES = ("profiles", "rfm", "kpis", "campaign_outcomes", "campaign_results")
AS_OF = date(2026, 7, 30)
MARGIN = 0.5


def _write(folder: Path, name: str, frame: pd.DataFrame) -> Path:
    path = folder / f"{name}.csv"
    out = frame.copy()
    for c in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[c]):
            out[c] = out[c].dt.strftime("%Y-%m-%d %H:%M:%S")
    out.to_csv(path, index=False)
    return path


def _home(tmp: Path, *, with_campaign: bool) -> Settings:
    a, o, pre = simulate_campaign(8_000, seed=21)
    a = a.assign(campaign_id="WB-07")
    o = o.assign(campaign_id="WB-07")
    ids = a["customer_id"]
    customers = pd.DataFrame({"customer_id": ids, "created_at": "2025-01-01"})
    # pre-period purchases (one a customer, 30 days before the campaign) and the window's
    has_pre = pre["pre_revenue"] > 0
    tx = pd.concat(
        [
            pd.DataFrame(
                {
                    "transaction_id": [f"T{i}" for i in range(int(has_pre.sum()))],
                    "customer_id": pre["customer_id"][has_pre].to_numpy(),
                    "timestamp": pd.Timestamp("2026-06-01"),
                    "amount": pre["pre_revenue"][has_pre].round(2).to_numpy(),
                }
            ),
            o[o["kind"] == "purchase"]
            .reset_index(drop=True)
            .pipe(
                lambda p: pd.DataFrame(
                    {
                        "transaction_id": [f"W{i}" for i in range(len(p))],
                        "customer_id": p["customer_id"],
                        "timestamp": p["timestamp"],
                        "amount": p["value"],
                    }
                )
            ),
        ],
        ignore_index=True,
    )
    folder = tmp / "files"
    folder.mkdir()
    settings = Settings(home=tmp / "home", timezone="UTC", phone_region="CN")
    files = {"customers": customers, "transactions": tx}
    if with_campaign:
        files["campaigns"] = pd.DataFrame(
            {
                "campaign_id": ["WB-07"],
                "name": ["July <win-back>"],
                "start_at": [pd.Timestamp("2026-07-01")],
                "end_at": [pd.Timestamp("2026-07-31")],
            }
        )
        files["assignments"] = a
        files["outcomes"] = o
    # every table through ingest, as a user loads them (the campaign fact tables were once
    # inserted directly, while ingest failed on the assignments contract; it no longer does)
    with open_warehouse(settings) as wh:
        for name, frame in files.items():
            path = _write(folder, name, frame)
            r = ingest(wh, name, [path])
            assert r.quarantined == 0, (name, r)
    return settings


def _run(settings: Settings, config: RunConfig) -> Run:
    stages = [s for s in stages_module.STAGES if s.name in STAGES]
    with pytest.MonkeyPatch.context() as m:
        m.setattr("loyalloop.pipeline.run.STAGES", stages)
        return run_pipeline(settings, config)


CONFIG = RunConfig(
    as_of=AS_OF,
    campaigns=CampaignsConfig(
        margin_rate=MARGIN,
        contact_cost=0.1,
        campaign={
            "WB-07": CampaignCosts(
                arm_redemption_cost={"offer": 30.0},
                shares={"holdout": 0.2, "offer": 0.4, "message": 0.4},
            )
        },
    ),
)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, Run]]:
    settings = _home(tmp_path_factory.mktemp("campaign"), with_campaign=True)
    yield settings, _run(settings, CONFIG)


def test_stage_records_every_arm_with_intervals_that_cover_the_truth(run) -> None:  # type: ignore[no-untyped-def]
    _, r = run
    s = r.manifest.campaigns
    assert isinstance(s, CampaignResultsSummary)
    (c,) = s.campaigns
    assert c.campaign_id == "WB-07" and c.name == "July <win-back>"
    assert c.outcome_source == "outcomes" and c.window_complete is True
    assert c.srm_p_value is not None and c.srm_p_value > 0.001
    arms = {a.arm: a for a in c.arms if a.level == "arm"}
    assert set(arms) == {"offer", "message"}
    for name, a in arms.items():
        truth = true_effects(name, margin_rate=MARGIN)
        assert a.response_lift is not None and a.response_lift.low is not None
        assert a.response_lift.low <= truth["response"] <= a.response_lift.high  # type: ignore[operator]
        assert a.net_value is not None and a.roi is not None
        assert a.cuped  # the pre-period purchases were used
    assert any(a.level == "campaign" for a in c.arms)
    # the manifest round-trips through JSON
    assert r.manifest == type(r.manifest).from_dict(json.loads(json.dumps(r.manifest.to_dict())))


def test_stage_tables(run) -> None:  # type: ignore[no-untyped-def]
    _, r = run
    results = r.read("campaign_results").to_pandas()
    assert {"campaign_id", "arm", "metric", "lift_low", "lift_high", "total"} <= set(
        results.columns
    )
    customers = r.read("campaign_customers").to_pandas()
    assert len(customers) == 8_000
    assert set(customers.columns) >= {"customer_id", "arm", "responded", "revenue", "cost"}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_section(run, lang: str) -> None:  # type: ignore[no-untyped-def]
    _, r = run
    html = render_report(r, lang)  # type: ignore[arg-type]
    title = "Campaigns" if lang == "en" else "营销活动效果"
    assert title in html
    assert "July &lt;win-back&gt;" in html and "July <win-back>" not in html
    assert ("global control" if lang == "en" else "全局对照组") in html.lower()


def _dashboard_html(settings: Settings, lang: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The service's dashboard page (TestClient, signed in as an admin) in ``lang``."""
    from argon2 import PasswordHasher
    from fastapi.testclient import TestClient

    import loyalloop.services.users as users
    from loyalloop.api import create_app
    from loyalloop.api.deps import LANG_COOKIE, SESSION_COOKIE
    from loyalloop.core.service_settings import ServiceSettings
    from loyalloop.services import Actor, open_store
    from loyalloop.services.users import add_user, create_session
    from loyalloop.store.models import Role

    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))
    db = settings.home / f"dashboard-{lang}-{uuid.uuid4().hex[:8]}.sqlite3"
    service = ServiceSettings(
        home=settings.home,
        database_url=f"sqlite:///{db}",
        secret_key="test-secret-" + "x" * 40,  # type: ignore[arg-type]
        env="production",  # type: ignore[arg-type]
    )
    store = open_store(service, settings)
    try:
        with store.session() as s:
            user = add_user(
                s, "analyst@bank.example", Role.admin, "a long enough password", Actor.cli()
            )
            login = create_session(s, service, user)
        client = TestClient(create_app(service, settings, store=store))
        client.cookies.set(SESSION_COOKIE, login.session_token)
        client.cookies.set(LANG_COOKIE, lang)
        page = client.get("/")
    finally:
        store.close()
    assert page.status_code == 200, page.text[:500]
    return page.text


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_dashboard_shows_campaign_results(run, lang: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The service's dashboard (TestClient, signed in) shows the latest run's campaign results:
    every arm against its holdout with intervals and ROI, and the programme against the
    global control, in the asked language, with the campaign's name escaped."""
    settings, r = run
    html = _dashboard_html(settings, lang, monkeypatch)
    from markupsafe import escape

    from loyalloop.report.i18n import t

    for key in ("cp_title", "cp_programme", "cp_response_lift", "cp_roi"):
        assert str(escape(t(key, lang))) in html, key  # type: ignore[arg-type]
    assert "July &lt;win-back&gt;" in html and "July <win-back>" not in html
    offer = next(
        a for a in r.manifest.campaigns.campaigns[0].arms if a.level == "arm" and a.arm == "offer"
    )
    lift = offer.response_lift
    # the offer arm's response lift with its interval, as the report formats it (pt)
    shown = f"{100 * lift.value:+.1f} pt ({100 * lift.low:+.1f} pt … {100 * lift.high:+.1f} pt)"
    assert shown in html


def test_cli_campaigns_results(run) -> None:  # type: ignore[no-untyped-def]
    settings, r = run
    cli = CliRunner()
    res = cli.invoke(app, ["--home", str(settings.home), "campaigns", "results", "WB-07", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["run"] == r.number and data["campaign_id"] == "WB-07"
    offer = [x for x in data["rows"] if x["arm"] == "offer" and x["metric"] == "response_rate"]
    assert len(offer) == 1 and offer[0]["lift_low"] < 0.05 < offer[0]["lift_high"]
    res = cli.invoke(app, ["--home", str(settings.home), "campaigns", "results", "July <win-back>"])
    assert res.exit_code == 0, res.output
    assert "offer" in res.output and "ROI" in res.output
    res = cli.invoke(app, ["--home", str(settings.home), "campaigns", "results", "nope", "--json"])
    assert res.exit_code == 3
    assert "no campaign 'nope'" in json.loads(res.output)["error"]["message"]


def test_no_assignments_is_not_computed(tmp_path: Path) -> None:
    settings = _home(tmp_path, with_campaign=False)
    r = _run(settings, RunConfig(as_of=AS_OF))
    s = r.manifest.campaigns
    assert isinstance(s, NotComputed) and "no campaigns" in s.message
    assert "no campaigns" in render_report(r, "en")


def test_campaign_settings_refuse_bad_values(tmp_path: Path) -> None:
    from loyalloop.errors import ConfigError
    from loyalloop.pipeline.config import run_config

    path = tmp_path / "run.yaml"
    path.write_text("campaigns:\n  margin_rate: 1.5\n", "utf-8")
    with pytest.raises(ConfigError, match="margin_rate"):
        run_config(path)
    path.write_text("campaigns:\n  campaign:\n    A:\n      margn_rate: 0.2\n", "utf-8")
    with pytest.raises(ConfigError, match="margn_rate"):
        run_config(path)
    assert np.isclose(CONFIG.campaigns.margin_rate or 0, MARGIN)


def test_report_section_shows_errors_and_a_missing_programme() -> None:
    from types import SimpleNamespace

    from loyalloop.core.results import CampaignArmSummary, CampaignSummary
    from loyalloop.report.campaigns_section import campaigns_section

    bad_arm = CampaignArmSummary(
        level="arm",
        arm="call",
        control="",
        customers=12,
        control_customers=0,
        response_rate=None,
        control_response_rate=None,
        response_lift=None,
        incremental_responses=None,
        incremental_revenue=None,
        incremental_margin=None,
        cost=120.0,
        net_value=None,
        roi=None,
        p_value=None,
        cuped=False,
        error="no_control",
        message="arm 'call' has no holdout to compare with",
    )
    summary = CampaignResultsSummary(
        campaigns=(
            CampaignSummary(
                campaign_id="C9",
                name="C9",
                start_at=None,
                end_at=None,
                window_complete=False,
                outcome_source="attributed",
                assigned={"call": 12},
                margin_rate=None,
                arms=(bad_arm,),
                srm_p_value=None,
            ),
        ),
        programme=NotComputed("no_data", "no customer is in the global control group"),
        alpha=0.05,
    )
    for lang in ("en", "zh"):
        run = SimpleNamespace(manifest=SimpleNamespace(campaigns=summary, kpis=None))
        s = campaigns_section(run, lang)  # type: ignore[arg-type]
        assert s is not None
        body = str(s.body)
        # the shared rule's reason, in the report's language
        assert ("no holdout to compare with" if lang == "en" else "没有对照组可比较") in body
        assert "no customer is in the global control group" in body
        # every row has as many cells as the header
        table = body[body.index("<table>") : body.index("</table>")]
        heads = table.count("<th>")
        rows = table.split("<tr>")[2:]
        assert rows and all(r.count("<td") == heads for r in rows)
        assert ("provisional" if lang == "en" else "临时结果") in body


# --- the quoting rule on every surface (measurement.quoting) ----------------------------------
def _shown_effect(arm: str, n: int, control_n: int, resp, net, roi, cost: float):  # type: ignore[no-untyped-def]
    from loyalloop.experiments import Estimate
    from loyalloop.measurement.results import Effect, Level, Metric, MetricEffect

    def est(v: float, lo: float, hi: float) -> Estimate:
        return Estimate(v, (hi - lo) / 3.92, lo, hi)

    margin = est(net[0] + cost, net[1] + cost, net[2] + cost)
    metrics = tuple(
        MetricEffect(m, 0.1, 0.1, x, 0.1, x, p_value=0.5, p_value_adjusted=0.5)
        for m, x in (
            (Metric.RESPONSE, est(*resp)),
            (Metric.REVENUE, est(margin.estimate * 2, margin.low * 2, margin.high * 2)),
            (Metric.MARGIN, margin),
            (Metric.NET, est(*net)),
            (Metric.COST, est(cost, cost, cost)),
        )
    )
    level = Level.CAMPAIGN if arm == "*" else Level.ARM
    return Effect("Q-1", level, arm, "holdout", None, n, control_n, metrics, cost, est(*roi))


#: An inconclusive arm (net value −2,000 … +12,000; ROI +50 over 100 spent), a conclusive gain
#: whose ROI (+200, interval above 0) rests on 100 spent against a margin noise of ±6,000, and a
#: "gain" measured against 12 held-out customers.
SHOWN = (
    ("sms", 2_000, 500, (0.01, -0.005, 0.025), (5_000, -2_000, 12_000), (50, -10, 110)),
    ("call", 1_000, 250, (0.05, 0.03, 0.07), (20_000, 14_000, 26_000), (200, 140, 260)),
    ("tiny", 500, 12, (0.2, 0.1, 0.3), (9_000, 1_000, 17_000), (90, 10, 170)),
)
#: What must never appear: the inconclusive and the small arm's point estimates, and any ROI.
NEVER = ("+5,000", "+9,000", "+5000%", "+20000%", "+9000%")


class _Shown:
    """A published run whose campaign results are :data:`SHOWN` (its other tables as they are)."""

    def __init__(self, run: Run, budget: float | None = None) -> None:
        from dataclasses import replace

        from loyalloop.measurement.results import CampaignReport, CampaignResult
        from loyalloop.pipeline.campaign_results_stage import _arm_summary

        effects = tuple(_shown_effect(*x, cost=100.0) for x in SHOWN)
        assigned = (("holdout", 762), ("sms", 2_000), ("call", 1_000), ("tiny", 500))
        result = CampaignResult("Q-1", "Quoting", None, None, None, assigned, 0.2, effects)
        self._run = run
        self._frame = CampaignReport((result,), 0.05).to_frame()
        campaign = replace(
            run.manifest.campaigns.campaigns[0],  # type: ignore[union-attr]
            campaign_id="Q-1",
            name="Quoting",
            arms=tuple(_arm_summary(e) for e in effects),
            budget=budget,
        )
        summary = replace(run.manifest.campaigns, campaigns=(campaign,))  # type: ignore[arg-type]
        self.manifest = replace(run.manifest, campaigns=summary)

    def read(self, name: str):  # type: ignore[no-untyped-def]
        import pyarrow as pa

        if name == "campaign_results":
            return pa.Table.from_pandas(self._frame, preserve_index=False)
        return self._run.read(name)

    def __getattr__(self, key: str):  # type: ignore[no-untyped-def]
        return getattr(self._run, key)


def _assert_quoted_by_the_rule(text: str, lang: str) -> None:
    inconclusive, not_quoted, gain = (
        ("inconclusive", "not quoted", "not measurable")
        if lang == "en"
        else ("不确定", "不报告", "无法衡量")
    )
    for never in NEVER:
        assert never not in text, never
    assert f"{inconclusive} (-2,000 … +12,000)" in text  # the interval, not the estimate
    assert "+20,000 (+14,000 … +26,000)" in text  # a conclusive gain is shown
    assert not_quoted in text and gain in text


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_shows_no_inconclusive_gain_and_no_roi_over_a_tiny_spend(run, lang: str) -> None:  # type: ignore[no-untyped-def]
    from loyalloop.report.campaigns_section import campaigns_section

    s = campaigns_section(_Shown(run[1]), lang)  # type: ignore[arg-type]
    assert s is not None
    _assert_quoted_by_the_rule(str(s.body), lang)
    # the call arm: 100 spent against a margin noise of ±6,000
    assert ("noise (±6,000)" if lang == "en" else "波动（±6,000）") in str(s.body)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_dashboard_shows_no_inconclusive_gain_and_no_roi_over_a_tiny_spend(  # type: ignore[no-untyped-def]
    run, lang: str, monkeypatch
) -> None:
    settings, r = run
    monkeypatch.setattr("loyalloop.api.routes.staff.latest_run", lambda _s: _Shown(r))
    html = _dashboard_html(settings, lang, monkeypatch)
    assert "Quoting" in html
    _assert_quoted_by_the_rule(html, lang)


def test_cli_shows_no_inconclusive_gain_and_no_roi_over_a_tiny_spend(run, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from loyalloop.cli.output import out

    settings, r = run
    monkeypatch.setattr("loyalloop.core.runs.RunStore.get", lambda _self, _n=None: _Shown(r))
    monkeypatch.setattr(out, "_width", 400)  # a wide terminal: no cell is cut
    cli = CliRunner()
    res = cli.invoke(app, ["--home", str(settings.home), "campaigns", "results", "Q-1"])
    assert res.exit_code == 0, res.output
    _assert_quoted_by_the_rule(res.output, "en")
    res = cli.invoke(app, ["--home", str(settings.home), "campaigns", "results", "Q-1", "--json"])
    assert res.exit_code == 0, res.output
    rows = {(x["arm"], x["metric"]): x for x in json.loads(res.output)["rows"]}
    sms, call, tiny = rows[("sms", "net_value")], rows[("call", "roi")], rows[("tiny", "net_value")]
    assert sms["verdict"] == "inconclusive" and sms["reason"] == "crosses_zero"
    assert sms["total"] == 5_000  # the raw numbers are kept
    assert call["verdict"] == "not_quoted" and call["reason"] == "spend_below_noise"
    assert call["lift"] == 200 and "noise" in call["explanation"]
    assert tiny["verdict"] == "not_measurable" and tiny["reason"] == "small_group"
    assert rows[("call", "net_value")]["verdict"] == "conclusive_gain"
    assert rows[("call", "cost")]["verdict"] is None  # counted, not estimated


def test_a_campaign_budget_in_the_run_settings_applies_the_ten_percent_spend_rule(  # type: ignore[no-untyped-def]
    run, tmp_path: Path, monkeypatch
) -> None:
    from loyalloop.cli.output import out
    from loyalloop.errors import ConfigError
    from loyalloop.pipeline.config import run_config
    from loyalloop.report.campaigns_section import campaigns_section

    path = tmp_path / "run.yaml"
    path.write_text("campaigns:\n  campaign:\n    Q-1:\n      budget: 20000\n", "utf-8")
    assert run_config(path).campaigns.campaign["Q-1"].budget == 20_000
    for bad in ("0", "-5", "'a lot'"):
        path.write_text(f"campaigns:\n  campaign:\n    Q-1:\n      budget: {bad}\n", "utf-8")
        with pytest.raises(ConfigError, match="budget"):
            run_config(path)
    # the stage carries the setting into the run's summary (None where it is not set)
    _, r = run
    assert r.manifest.campaigns.campaigns[0].budget is None  # type: ignore[union-attr]
    # with a budget of 20,000 the call arm's 100 spent is under 10 % of it: tiny_spend, where
    # without a budget only the margin's noise (±6,000) kept its ROI from being quoted
    settings, r = run
    shown = _Shown(r, budget=20_000.0)
    monkeypatch.setattr("loyalloop.core.runs.RunStore.get", lambda _self, _n=None: shown)
    monkeypatch.setattr(out, "_width", 400)
    res = CliRunner().invoke(
        app, ["--home", str(settings.home), "campaigns", "results", "Q-1", "--json"]
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["budget"] == 20_000.0
    rows = {(x["arm"], x["metric"]): x for x in data["rows"]}
    assert rows[("call", "roi")]["reason"] == "tiny_spend"
    assert "10%" in rows[("call", "roi")]["explanation"]
    for lang, words in (("en", "under 10% of the budget"), ("zh", "不足预算")):
        s = campaigns_section(shown, lang)  # type: ignore[arg-type]
        assert s is not None and words in str(s.body)
        s0 = campaigns_section(_Shown(r), lang)  # type: ignore[arg-type]
        assert s0 is not None and words not in str(s0.body)


def test_cli_results_are_readable_at_80_columns(run, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from loyalloop.cli.output import out

    settings, r = run
    monkeypatch.setattr("loyalloop.core.runs.RunStore.get", lambda _self, _n=None: _Shown(r))
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setattr(out, "_width", 80)
    res = CliRunner().invoke(app, ["--home", str(settings.home), "campaigns", "results", "Q-1"])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    # one block per comparison, every figure on its own line, whole (never cut with "…")
    _assert_quoted_by_the_rule(res.output, "en")
    block = lines[lines.index("call") :]
    # without --lang the project's language (en by default), one language per line
    assert any("net value" in x and "+20,000 (+14,000 … +26,000)" in x for x in block)
    assert any("held out" in x and "250" in x for x in block)
    assert not any("净值" in x for x in lines)
    assert not any(x.rstrip().endswith("…") for x in lines)
    # --lang zh: the same figures in Chinese
    res = CliRunner().invoke(
        app, ["--home", str(settings.home), "campaigns", "results", "Q-1", "--lang", "zh"]
    )
    assert res.exit_code == 0, res.output
    assert any("净值" in x and "+20,000 (+14,000 … +26,000)" in x for x in res.output.splitlines())


def test_chinese_output_has_no_english_sentence(tmp_path: Path) -> None:
    """Campaign notes (a provisional window, a sample-ratio mismatch, CUPED, the programme's
    reason) carry a code and are said in the page's language: the Chinese campaigns section
    holds no English sentence, the terminal gives each note in English and Chinese, and JSON
    keeps the English text with the codes beside it."""
    from tests.report.test_zh_report import english_runs

    from loyalloop.report.campaigns_section import campaigns_section

    settings = _home(tmp_path, with_campaign=True)
    config = RunConfig(
        as_of=date(2026, 7, 20),  # before the window's end (07-31): provisional
        campaigns=CampaignsConfig(
            margin_rate=MARGIN,
            contact_cost=0.1,
            campaign={
                "WB-07": CampaignCosts(shares={"holdout": 0.5, "offer": 0.25, "message": 0.25})
            },
        ),
    )
    r = _run(settings, config)
    s = r.manifest.campaigns
    assert isinstance(s, CampaignResultsSummary)
    (c,) = s.campaigns
    assert c.window_complete is False
    # what the note says is true: no outcome after the as-of day is counted, loaded or not
    counted = r.read("campaign_outcomes").to_pandas()
    assert len(counted) and counted["timestamp"].max() < pd.Timestamp("2026-07-21")
    codes = [n.code for n in c.notes]  # type: ignore[union-attr]
    assert {"provisional_window", "sample_ratio_mismatch"} <= set(codes)
    assert any(getattr(n, "code", None) == "cuped" for n in s.notes)
    assert isinstance(s.programme, NotComputed) and s.programme.note is not None
    zh = campaigns_section(r, "zh")
    assert zh is not None
    body = str(zh.body)
    assert 'lang="en"' not in body and english_runs(body) == []
    assert "临时结果" in body and "分组比例异常" in body and "没有客户在全局对照组中" in body
    en = campaigns_section(r, "en")
    assert en is not None and "provisional" in str(en.body)  # the check can fail
    assert len(english_runs(str(en.body))) > 5

    cli = CliRunner()
    res = cli.invoke(app, ["--home", str(settings.home), "campaigns", "results", "WB-07", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert any("provisional" in n for n in data["notes"])  # the English text, as before
    assert [x["code"] for x in data["note_codes"]] == codes
    res = cli.invoke(app, ["--home", str(settings.home), "campaigns", "results", "WB-07"])
    assert res.exit_code == 0, res.output
    assert "provisional" in res.output and "临时结果" not in res.output  # the project's: en
    res = cli.invoke(
        app, ["--home", str(settings.home), "campaigns", "results", "WB-07", "--lang", "zh"]
    )
    assert res.exit_code == 0, res.output
    assert "临时结果" in res.output and "分组比例异常" in res.output
    assert "provisional" not in res.output
