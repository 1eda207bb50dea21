"""The themes board on simulated comments whose true change is known."""

from __future__ import annotations

import datetime as dt

import ibis
import numpy as np
import pandas as pd
import pytest

from loyalloop.cases import ThemeAction, Verdict, theme_effect, themes_board
from loyalloop.errors import ConfigError, DataValidationError
from loyalloop.experiments import SampleMean, frequentist_test

ACTION = dt.datetime(2025, 3, 1)


def simulate(
    rng: np.random.Generator,
    *,
    n: int,
    before: tuple[float, float, float],
    after: tuple[float, float, float],
    shift: float,
) -> pd.DataFrame:
    """``n`` comments on ``annual_fee`` each side of the action (two clauses each), plus noise
    on another aspect. ``before``/``after`` are (promoter, passive, detractor) shares; the
    sentiment mean moves by ``shift``."""
    rows = []
    for side, shares, mean in (("b", before, -0.4), ("a", after, -0.4 + shift)):
        days = rng.uniform(0, 59, size=n)
        sent = np.clip(rng.normal(mean, 0.4, size=n), -1, 1)
        nps = rng.choice([10, 8, 3], p=shares, size=n).astype(float)
        nps[rng.random(n) < 0.3] = np.nan  # comments without an NPS answer
        for i in range(n):
            ts = (
                ACTION - dt.timedelta(days=60 - days[i])
                if side == "b"
                else ACTION + dt.timedelta(days=days[i])
            )
            fid = f"{side}{i}"
            # two clauses about the aspect: their mean is the comment's sentiment
            rows.append((fid, ts, "annual_fee", sent[i] + 0.1, nps[i]))
            rows.append((fid, ts, "annual_fee", sent[i] - 0.1, nps[i]))
            rows.append((fid, ts, "app", 0.9, nps[i]))
    return pd.DataFrame(rows, columns=["feedback_id", "timestamp", "aspect", "sentiment", "nps"])


def test_known_improvement_is_found_and_matches_a_hand_computation() -> None:
    rng = np.random.default_rng(5)
    frame = simulate(rng, n=400, before=(0.2, 0.3, 0.5), after=(0.4, 0.3, 0.3), shift=0.3)
    effect = theme_effect(ibis.memtable(frame), ThemeAction("annual_fee", ACTION, "fee waived"))
    assert effect.sentiment_verdict is Verdict.IMPROVED
    assert effect.nps_verdict is Verdict.IMPROVED
    assert effect.before.sentiment.n == 400 and effect.after.sentiment.n == 400
    # the change in mean sentiment is near the true 0.3, the NPS change near the true +40
    assert effect.sentiment_change.absolute.estimate == pytest.approx(0.3, abs=0.06)
    assert effect.nps_change.estimate == pytest.approx(40, abs=10)
    assert effect.nps_change.low < effect.nps_change.estimate < effect.nps_change.high
    # by hand: per comment mean of its clauses, Welch on the two samples
    a = (
        frame[frame.aspect == "annual_fee"]
        .groupby("feedback_id")
        .agg(s=("sentiment", "mean"), t=("timestamp", "first"))
    )
    b_vals = a[a.t < ACTION].s.to_numpy()
    a_vals = a[a.t >= ACTION].s.to_numpy()
    ref = frequentist_test(SampleMean.from_values(b_vals), SampleMean.from_values(a_vals))
    assert effect.sentiment_change.absolute.low == pytest.approx(ref.absolute.low, rel=1e-9)
    per = (
        frame[frame.aspect == "annual_fee"]
        .groupby("feedback_id")
        .agg(n=("nps", "max"), t=("timestamp", "first"))
    )
    before = per[(per.t < ACTION) & per.n.notna()].n
    assert effect.before.nps.n == len(before)
    assert effect.before.nps.nps == pytest.approx(
        100 * ((before >= 9).mean() - (before <= 6).mean())
    )


def test_no_change_is_not_called_a_change() -> None:
    """Under no true change, the 95 % interval should exclude zero about 5 % of the time."""
    rng = np.random.default_rng(8)
    calls = []
    for _ in range(40):
        frame = simulate(rng, n=120, before=(0.3, 0.3, 0.4), after=(0.3, 0.3, 0.4), shift=0.0)
        e = theme_effect(ibis.memtable(frame), ThemeAction("annual_fee", ACTION))
        calls.append(e.sentiment_verdict)
    wrong = sum(v is not Verdict.NO_CLEAR_CHANGE for v in calls)
    assert wrong <= 6  # 40 × 5 % = 2 expected; 6 or more has probability < 1.5 %


def test_too_few_and_bad_input() -> None:
    rng = np.random.default_rng(1)
    frame = simulate(rng, n=10, before=(0.3, 0.3, 0.4), after=(0.3, 0.3, 0.4), shift=0.5)
    (e,) = themes_board(ibis.memtable(frame), [ThemeAction("annual_fee", ACTION)])
    assert e.sentiment_verdict is Verdict.TOO_FEW and e.nps_verdict is Verdict.TOO_FEW
    with pytest.raises(DataValidationError, match="nps"):
        theme_effect(ibis.memtable(frame.drop(columns="nps")), ThemeAction("annual_fee", ACTION))
    with pytest.raises(ConfigError, match="naive"):
        theme_effect(ibis.memtable(frame), ThemeAction("annual_fee", ACTION.replace(tzinfo=dt.UTC)))
    lagged = theme_effect(ibis.memtable(frame), ThemeAction("annual_fee", ACTION), lag_days=100)
    assert lagged.after.sentiment.n == 0
