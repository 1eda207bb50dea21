"""choose_model: the holdout check, a configured model, or BG/NBD with a reason code; the
rule's verdicts; the caveat's flags in the engine; purchases on the last day."""

from __future__ import annotations

import math
from types import MappingProxyType

import ibis
import numpy as np
import pandas as pd
import pytest

from loyalloop.clv import BetaGeoModel, alive_caveat, choose_model, select_model
from loyalloop.clv import choice as choice_module
from loyalloop.clv.selection import (
    AliveCaveat,
    CandidateCheck,
    TransactionModelName,
    _choose,
    alive_caveat_flag,
    holdout_split,
    purchase_days,
)
from loyalloop.clv.simulate import simulate_calibration_holdout, simulate_transactions
from loyalloop.errors import ConfigError, DataValidationError, ModelError

PARAMS = {"r": 1.0, "alpha": 4.0, "a": 1.0, "b": 3.0}
END = "2024-06-30"


@pytest.fixture(scope="module")
def mbg_tx() -> pd.DataFrame:
    """1,500 MBG/NBD customers over 78 weeks (acquired in the first 26)."""
    return simulate_transactions(
        "mbg-nbd", 1500, PARAMS, start="2023-01-02", end=END, acquisition_weeks=26, seed=5
    )


@pytest.mark.slow
def test_auto_chooses_by_the_check_and_refits_on_the_whole_period(mbg_tx: pd.DataFrame) -> None:
    choice = choose_model(mbg_tx, observation_end=END, holdout=26)
    assert choice.how == "selected" and not choice.fell_back and choice.note == ""
    assert choice.selection is not None and choice.name is choice.selection.winner
    assert choice.name is TransactionModelName.MBG_NBD
    assert choice.model is choice.selection.model and choice.selection.refitted
    assert choice.model.data_period_.n_customers == 1500
    assert choice.holdout == 26.0 and choice.time_unit == "weeks"
    first = mbg_tx["timestamp"].min().normalize()
    assert choice.history == pytest.approx((pd.Timestamp(END) - first).days / 7)
    assert choice.caveat == choice.selection.caveat


@pytest.mark.slow
def test_a_named_model_is_fitted_without_a_check(mbg_tx: pd.DataFrame) -> None:
    choice = choose_model(mbg_tx, observation_end=END, holdout=26, model="pareto-nbd")
    assert (choice.name, choice.how, choice.selection) == (
        TransactionModelName.PARETO_NBD,
        "configured",
        None,
    )
    assert set(choice.model.params_) == {"r", "alpha", "s", "beta"}
    assert choice.caveat.model == "Pareto/NBD"
    with pytest.raises(ConfigError, match=r"unknown CLV model 'nbd'.*auto, bg-nbd"):
        choose_model(mbg_tx, observation_end=END, holdout=26, model="nbd")
    with pytest.raises(ConfigError, match="longer than 0"):
        choose_model(mbg_tx, observation_end=END, holdout=0)


def test_the_fallbacks_and_their_codes(
    mbg_tx: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 40 weeks of purchases: 14 weeks of calibration before a 26-week holdout
    short = mbg_tx[mbg_tx["timestamp"] < "2023-10-09"]
    choice = choose_model(short, observation_end="2023-10-08", holdout=26)
    assert (choice.name, choice.how, choice.selection) == (
        TransactionModelName.BG_NBD,
        "short_history",
        None,
    )
    assert choice.fell_back and "calibration period of 14 weeks" in choice.note
    assert isinstance(choice.model, BetaGeoModel) and choice.caveat.model == "BG/NBD"
    # nobody bought in the last 26 weeks
    quiet = mbg_tx[mbg_tx["timestamp"] < "2024-01-01"]
    choice = choose_model(quiet, observation_end=END, holdout=26)
    assert choice.how == "no_holdout_purchases" and choice.name is TransactionModelName.BG_NBD
    # no candidate could be fitted on the calibration period

    def unfittable(*args: object, **kwargs: object) -> None:
        raise ModelError("no CLV model could be fitted on the calibration period (test)")

    monkeypatch.setattr(choice_module, "select_model", unfittable)
    choice = choose_model(mbg_tx, observation_end=END, holdout=26)
    assert choice.how == "no_candidate_fitted" and "(test)" in choice.note
    assert choice.name is TransactionModelName.BG_NBD


def test_purchases_on_the_last_day_count() -> None:
    """Timestamps carry times of day; the observation end is a whole day."""
    tx = pd.DataFrame(
        {
            "customer_id": ["A", "A", "A", "B", "B"],
            "timestamp": pd.to_datetime(
                [
                    "2024-01-01 09:00",
                    "2024-03-31 12:00",  # the calibration end's day: calibration
                    "2024-06-30 23:30",  # the last day: holdout
                    "2024-01-02 10:00",
                    "2024-06-30 08:00",
                ]
            ),
            "amount": [10.0, 5.0, 7.0, 3.0, -3.0],  # B's last row is a refund
        }
    )
    split = holdout_split(purchase_days(tx), observation_end="2024-06-30", holdout=13)
    a, b = split.set_index("customer_id").loc["A"], split.set_index("customer_id").loc["B"]
    assert (a["frequency_cal"], a["frequency_holdout"]) == (1.0, 1.0)
    assert a["recency_cal"] == pytest.approx(90 / 7) and a["T_cal"] == pytest.approx(90 / 7)
    assert (b["frequency_cal"], b["frequency_holdout"]) == (0.0, 0.0)
    assert split["duration_holdout"].unique().tolist() == [13.0]


def _check(name: str, mse_z: float, aggregate_z: float, bic: float, flagged: int) -> CandidateCheck:
    caveat = AliveCaveat(name, 1.0, 3.0, 0.9, 10, 10, flagged, 0.95 if flagged else 0.3)
    return CandidateCheck(
        model=TransactionModelName(name),
        status="ok",
        params=MappingProxyType({}),
        log_likelihood=-bic / 2,
        bic=bic,
        holdout_rmse=1.0 + mse_z,
        holdout_mae=1.0,
        predicted_total=100.0,
        actual_total=100.0,
        mse_z=mse_z,
        aggregate_z=aggregate_z,
        caveat=caveat,
    )


@pytest.mark.parametrize(
    ("checks", "winner", "reason", "verdicts"),
    [
        (  # step 1 leaves one
            [(0.0, 3.0, 10.0, 0), (2.5, 0.0, 5.0, 0), (4.0, 1.0, 1.0, 0)],
            "bg-nbd",
            "per_customer",
            ["chosen", "worse_per_customer", "worse_per_customer"],
        ),
        (  # step 2 leaves one
            [(0.0, 3.0, 10.0, 0), (1.0, 0.0, 5.0, 0), (2.5, 1.0, 1.0, 0)],
            "mbg-nbd",
            "aggregate",
            ["worse_total", "chosen", "worse_per_customer"],
        ),
        (  # the closest total was dropped at step 1 and step 2 would drop the rest: BIC decides
            [(0.0, 3.0, 10.0, 0), (1.0, 4.0, 5.0, 0), (2.5, 0.0, 1.0, 0)],
            "mbg-nbd",
            "bic",
            ["higher_bic", "chosen", "worse_per_customer"],
        ),
        (  # the best BIC calls long-gone one-time buyers alive; another is within 2
            [(0.0, 0.0, 10.0, 5), (1.0, 1.0, 11.5, 0), (0.5, 0.5, 30.0, 0)],
            "mbg-nbd",
            "plausibility",
            ["implausible_alive", "chosen", "higher_bic"],
        ),
        (  # ... but not when the other is further than 2 BIC away
            [(0.0, 0.0, 10.0, 5), (1.0, 1.0, 12.5, 0), (0.5, 0.5, 30.0, 0)],
            "bg-nbd",
            "bic",
            ["chosen", "higher_bic", "higher_bic"],
        ),
    ],
)
def test_the_rule_gives_every_candidate_a_verdict(
    checks: list[tuple[float, float, float, int]],
    winner: str,
    reason: str,
    verdicts: list[str],
) -> None:
    names = ["bg-nbd", "mbg-nbd", "pareto-nbd"]
    ok = [_check(n, *c) for n, c in zip(names, checks, strict=True)]
    got_winner, got_reason, got = _choose(ok, z_critical=2.0, bic_margin=2.0)
    assert (got_winner.value, got_reason) == (winner, reason)
    assert [got[TransactionModelName(n)] for n in names] == verdicts


def test_select_model_records_verdicts_and_refuses_an_empty_holdout() -> None:
    split = simulate_calibration_holdout(
        "bg-nbd", 2000, {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}, T=40.0, holdout=26.0, seed=1
    )
    selection = select_model(split)
    verdicts = [c.verdict for c in selection.candidates]
    assert verdicts.count("chosen") == 1
    assert selection.check(selection.winner).verdict == "chosen"
    assert all(v is not None for v in verdicts)
    payload = selection.to_dict()
    assert [c["verdict"] for c in payload["candidates"]] == verdicts
    assert (payload["z_critical"], payload["bic_margin"]) == (2.0, 2.0)
    with pytest.raises(DataValidationError, match="nothing to check"):
        select_model(split.assign(frequency_holdout=0.0))


def test_the_caveat_flags_in_the_engine_add_up(cdnow: pd.DataFrame) -> None:
    """alive_caveat_flag (Ibis) flags exactly the customers alive_caveat counts."""
    model = BetaGeoModel().fit(cdnow)
    caveat = alive_caveat(model, cdnow)
    scored = cdnow.assign(probability_alive=model.probability_alive(cdnow).to_numpy())
    table = ibis.memtable(scored)
    n = int(table.filter(alive_caveat_flag(table, caveat)).count().execute())
    assert n == caveat.flagged > 0 and math.isfinite(caveat.typical_gap)
    assert np.isclose(caveat.mean_alive_long_inactive or 0, 1.0)
    # without a typical gap (no repeat buyer) every one-time buyer is long inactive
    no_gap = AliveCaveat("x", math.nan, 3.0, 0.9, 0, 0, 0, None)
    all_one_time = int(table.filter(alive_caveat_flag(table, no_gap)).count().execute())
    alive = scored["probability_alive"] >= 0.9
    assert all_one_time == int(((scored["frequency"] == 0) & alive & (scored["T"] > 0)).sum())
