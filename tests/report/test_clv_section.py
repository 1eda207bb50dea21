"""The report's CLV section on hand-made runs with known figures: the chosen model and why, the
candidates' table, the P(alive) caveat beside P(alive) by segment, the runs without a check —
in English and Chinese."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from tests.core.test_runs import _manifest

from loyalloop.core.results import (
    ClvAliveCaveat,
    ClvCandidate,
    ClvSelection,
    ClvSummary,
    NotComputed,
    RunManifest,
    TableInfo,
)
from loyalloop.core.runs import Run
from loyalloop.report.clv_section import clv_section
from loyalloop.report.i18n import _TEXT

EVIL = '<img src=x onerror="alert(1)">'


def _candidate(
    model: str, verdict: str, bic: float, predicted: float, flagged: int
) -> ClvCandidate:
    return ClvCandidate(
        model=model,  # type: ignore[arg-type]
        status="ok",
        verdict=verdict,  # type: ignore[arg-type]
        params={"r": 0.6, "alpha": 8.7},
        log_likelihood=-bic / 2,
        bic=bic,
        holdout_rmse=1.05,
        holdout_mae=0.5,
        predicted_total=predicted,
        actual_total=1000.0,
        mse_z=0.0,
        aggregate_z=0.0,
        alive_flagged=flagged,
    )


SELECTION = ClvSelection(
    winner="mbg-nbd",
    reason="plausibility",
    calibration_end=date(1997, 12, 30),
    holdout_weeks=26.0,
    holdout_customers=2349,
    candidates=(
        _candidate("bg-nbd", "implausible_alive", 19000.0, 1016.0, 1310),
        _candidate("mbg-nbd", "chosen", 19001.5, 983.0, 0),
        replace(
            _candidate("pareto-nbd", "fit_failed", 0.0, 0.0, 0),
            status="fit_failed",
            bic=None,
            log_likelihood=None,
            holdout_rmse=None,
            holdout_mae=None,
            predicted_total=None,
            actual_total=None,
            alive_flagged=None,
            error="did not converge",
        ),
    ),
    z_critical=2.0,
    bic_margin=2.0,
)

BG_CAVEAT = ClvAliveCaveat(
    model="bg-nbd",
    typical_gap_weeks=11.3,
    gap_multiple=3.0,
    alive_threshold=0.9,
    one_time_buyers=1210,
    long_inactive=1200,
    flagged=1190,
    mean_alive_long_inactive=0.995,
)

SUMMARY = ClvSummary(
    model="MBG/NBD + Gamma-Gamma",
    time_unit="weeks",
    transaction_params={"r": 0.618, "alpha": 8.66, "a": 0.554, "b": 1.02},
    transaction_log_likelihood=-9500.0,
    spend_params={"p": 4.68, "q": 4.19, "v": 24.4},
    customers=3,
    horizon_months=12,
    monthly_discount_rate=0.01,
    expected_purchases_weeks=52,
    total_clv=350.0,
    top_decile_share=0.5,
    mean_probability_alive=0.5,
    transaction_model="mbg-nbd",
    model_choice="selected",
    holdout_weeks=26,
    history_weeks=78.0,
    selection=SELECTION,
    alive_caveat=replace(BG_CAVEAT, model="mbg-nbd", flagged=0, mean_alive_long_inactive=0.318),
)


def _run(tmp_path: Path, clv: ClvSummary | NotComputed) -> Run:
    """A run with only the CLV tables, written as the stage writes them."""
    pd.DataFrame(
        {
            "customer_id": ["A", "B", "C"],
            "probability_alive": [0.9, 0.3, 0.31],
            "expected_purchases": [2.0, 0.1, 0.1],
            "clv": [300.0, 20.0, 30.0],
        }
    ).to_parquet(tmp_path / "clv.parquet")
    pd.DataFrame(
        {
            "segment": ["champions", EVIL, "hibernating"],
            "customers": [1, 1, 1],
            "probability_alive": [0.9, 0.31, 0.3],
            "clv": [300.0, 30.0, 20.0],
            "total_clv": [300.0, 30.0, 20.0],
            "alive_flagged": [0, 1, 1189],
        }
    ).to_parquet(tmp_path / "clv_segments.parquet")
    manifest = replace(
        _manifest(),
        as_of=date(1998, 6, 30),
        tables={n: TableInfo(f"{n}.parquet", 3) for n in ("clv", "clv_segments")},
        clv=clv,
    )
    return Run(1, tmp_path, RunManifest.from_dict(manifest.to_dict()))


def _text(run: Run, lang: str) -> str:
    section = clv_section(run, lang)  # type: ignore[arg-type]
    assert section is not None
    body = re.sub(r"<script.*?</script>", "", str(section.body), flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def _rows(run: Run, lang: str) -> list[list[str]]:
    section = clv_section(run, lang)  # type: ignore[arg-type]
    assert section is not None
    return [
        [
            html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", tr)
        ]
        for tr in re.findall(r"<tr>(.*?)</tr>", str(section.body), flags=re.S)
    ]


def test_the_chosen_model_and_why(tmp_path: Path) -> None:
    run = _run(tmp_path, SUMMARY)
    text = _text(run, "en")
    assert "MBG/NBD Purchase model chosen by a holdout check" in text
    assert "The last 26 weeks (1997-12-31 to 1998-06-30) were held out" in text
    assert "fitted on the purchases up to 1997-12-30" in text and "2,349 customers" in text
    assert (
        "MBG/NBD was chosen: BG/NBD describes the purchase history about as well (BIC within 2) "
        "but calls one-time buyers who left long ago alive" in text
    )
    rows = _rows(run, "en")
    head = next(i for i, r in enumerate(rows) if r and r[0] == "Model")
    assert rows[head][3] == "Holdout purchases predicted (actual 1,000)"
    assert rows[head + 1 : head + 4] == [
        [
            "BG/NBD",
            "passed; calls long-gone one-time buyers alive",
            "1.050",
            "1,016",
            "+1.6%",
            "0",
            "1,310",
        ],
        ["MBG/NBD", "chosen", "1.050", "983", "-1.7%", "+1.5", "0"],
        ["Pareto/NBD", "could not be fitted", "—", "—", "—", "—", "—"],
    ]
    assert "more than 2 standard errors" in text
    assert "MBG/NBD r=0.618, α=8.66, a=0.554, b=1.02; Gamma-Gamma p=4.68, q=4.19, v=24.4." in text
    # the chosen model passes the P(alive) check: said so, with its figures, no flag column
    assert (
        "the 1,200 one-time buyers whose only purchase was 33.9 weeks or more ago (3 times the "
        "typical 11.3 weeks between purchases) have a P(alive) of 32% on average" in text
    )
    assert "One-time buyers long gone" not in text


def test_the_caveat_beside_p_alive_by_segment(tmp_path: Path) -> None:
    info = replace(
        SUMMARY,
        model="BG/NBD + Gamma-Gamma",
        transaction_model="bg-nbd",
        model_choice="configured",
        selection=None,
        alive_caveat=BG_CAVEAT,
    )
    run = _run(tmp_path, info)
    rows = _rows(run, "en")
    assert rows[0][-1] == "One-time buyers long gone, P(alive) ≥ 90%"
    assert rows[1:4] == [
        ["Champions", "1", "90.0%", "300", "0"],
        [EVIL, "1", "31.0%", "30", "1"],
        ["Hibernating", "1", "30.0%", "20", "1,189"],
    ]
    text = _text(run, "en")
    assert (
        "Caution: BG/NBD gives 1,190 one-time buyers a P(alive) of at least 90% (on average "
        ">99%) although their only purchase was 33.9 weeks or more ago" in text
    )
    assert "BG/NBD assumes that nobody leaves before a second purchase" in text
    assert "BG/NBD was set in the run settings (clv.model); no holdout check was made" in text
    body = str(clv_section(run, "en").body)  # type: ignore[union-attr]
    assert EVIL not in body and "&lt;img src=x" in body
    zh = _text(run, "zh")
    assert "注意：BG/NBD 认为 1,190 位只购买过一次的客户存活概率不低于 90%" in zh
    assert "BG/NBD 由运行设置（clv.model）指定" in zh
    # another model that flags customers gives its own reason, not BG/NBD's assumption
    other = _run(tmp_path, replace(SUMMARY, alive_caveat=replace(BG_CAVEAT, model="mbg-nbd")))
    assert "MBG/NBD finds that customers of this base rarely leave" in _text(other, "en")
    assert "assumes that nobody leaves" not in _text(other, "en")


@pytest.mark.parametrize(
    ("choice", "status", "en", "zh"),
    [
        (
            "short_history",
            "insufficient_data",
            "the purchases cover 40 weeks, and a check with a 26-week holdout needs at least 52",
            "购买记录仅覆盖 40 周，而 26 周的留出期检验至少需要 52 周",
        ),
        (
            "no_holdout_purchases",
            "insufficient_data",
            "no customer bought again in the last 26 weeks",
            "最近 26 周没有客户再次购买",
        ),
        (
            "no_candidate_fitted",
            "fit_failed",
            "no model could be fitted on the weeks before the last 26",
            "最近 26 周之前的数据无法拟合任何模型",
        ),
    ],
)
def test_the_fallbacks_say_why(tmp_path: Path, choice: str, status: str, en: str, zh: str) -> None:
    info = replace(
        SUMMARY,
        transaction_model="bg-nbd",
        model_choice=choice,  # type: ignore[arg-type]
        history_weeks=40.2,
        selection=NotComputed(status, "no holdout check"),  # type: ignore[arg-type]
        alive_caveat=BG_CAVEAT,
    )
    run = _run(tmp_path, info)
    assert "BG/NBD was used without a holdout check: " + en in _text(run, "en")
    assert "no holdout check possible" in _text(run, "en")
    assert "未做留出期检验，使用 BG/NBD：" + zh in _text(run, "zh")


def test_an_older_run_and_a_failed_stage(tmp_path: Path) -> None:
    older = replace(
        SUMMARY,
        transaction_model=None,
        model_choice=None,
        holdout_weeks=None,
        history_weeks=None,
        selection=None,
        alive_caveat=None,
    )
    text = _text(_run(tmp_path, older), "en")
    assert "BG/NBD Purchase model no holdout check (older run)" in text
    assert "published before the purchase model was chosen by a holdout check" in text
    failed = _run(tmp_path, NotComputed("fit_failed", "did not converge"))
    assert "Not computed (the model could not be fitted): did not converge" in _text(failed, "en")


def test_every_clv_string_is_translated(tmp_path: Path) -> None:
    """No English text of the section's own keys appears in the Chinese section."""
    configured = replace(SUMMARY, model_choice="configured", alive_caveat=BG_CAVEAT)
    zh = " ".join(_text(_run(tmp_path, s), "zh") for s in (SUMMARY, configured))
    keys = [k for k in _TEXT if k.startswith("cv_") or k.startswith("clv")]
    for key in keys:
        english = re.split(r"\{[^}]*\}", _TEXT[key]["en"])
        for piece in english:
            words = piece.strip(" .,:;()—-")
            if len(words) > 12:  # skip fragments such as "vs." between placeholders
                assert words not in zh, (key, words)
