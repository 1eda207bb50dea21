"""Call list ranking and export; best time to call on simulated answer patterns with known truth."""

from __future__ import annotations

from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest

from loyalloop.campaigns import (
    CALL_ANSWERED,
    CALL_UNANSWERED,
    AnswerRateModel,
    call_attempt_counts,
    call_list,
    write_call_list,
)
from loyalloop.core.csvsafe import escape_formula
from loyalloop.errors import NotFittedError

HOURS = tuple(range(9, 21))


def simulate_calls(
    seed: int = 11, customers: int = 900
) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """Three groups with different hourly answer patterns; each customer's true rate is the
    group pattern shifted on the logit scale by a personal offset; 1-12 attempts each."""
    rng = np.random.default_rng(seed)
    h = np.asarray(HOURS, dtype=float)
    patterns = {
        "office": -1.0 + 1.6 * np.exp(-((h - 19.5) ** 2) / 3),  # answers in the evening
        "retired": -0.2 + 1.2 * np.exp(-((h - 10.5) ** 2) / 4),  # mornings
        "shift": -0.6 + 1.0 * np.exp(-((h - 14.5) ** 2) / 3),  # early afternoon
    }
    names = list(patterns)
    group = rng.choice(names, customers)
    offset = rng.normal(0, 0.5, customers)
    logit = np.stack([patterns[g] for g in group]) + offset[:, None]
    truth = 1 / (1 + np.exp(-logit))
    rows = []
    ids = [f"K{i:04d}" for i in range(customers)]
    attempts = rng.integers(1, 13, customers)
    for i in range(customers):
        hours = rng.choice(len(HOURS), attempts[i])
        answered = rng.random(attempts[i]) < truth[i, hours]
        for k, a in zip(hours, answered, strict=True):
            rows.append((ids[i], HOURS[k], int(rng.integers(0, 7)), 1, int(a)))
    counts = pd.DataFrame(rows, columns=["customer_id", "hour", "weekday", "attempts", "answered"])
    counts = counts.groupby(["customer_id", "hour", "weekday"], as_index=False).sum()
    groups = pd.DataFrame({"customer_id": ids, "group": group})
    return counts, truth, groups


def test_shrinkage_beats_raw_rates_and_group_rates_against_the_truth() -> None:
    counts, truth, groups = simulate_calls()
    model = AnswerRateModel(hours=HOURS).fit(counts, groups)
    ids = groups.customer_id
    est, _ = model.rates(ids)
    raw_a = (
        counts.groupby(["customer_id", "hour"])
        .answered.sum()
        .unstack()
        .reindex(index=ids, columns=HOURS)
    )
    raw_n = (
        counts.groupby(["customer_id", "hour"])
        .attempts.sum()
        .unstack()
        .reindex(index=ids, columns=HOURS)
    )
    seen = raw_n.to_numpy() > 0
    raw = (raw_a / raw_n).to_numpy()
    group_only = model.hour_rates_.reindex(groups.group).to_numpy()
    err = lambda x: float(np.mean((x[seen] - truth[seen]) ** 2))  # noqa: E731
    assert err(est.to_numpy()) < 0.5 * err(raw)
    assert err(est.to_numpy()) < err(group_only)
    assert 1 < model.kappa_hour_ < 200
    # the best hour found lies where the group's true pattern peaks
    best = model.best_times(ids, top_hours=1)
    true_best = np.asarray(HOURS)[truth.argmax(axis=1)]
    found = best.best_hours.str[:2].astype(int).to_numpy()
    assert np.mean(np.abs(found - true_best) <= 1) > 0.9


def test_without_history_the_group_rate_is_used() -> None:
    counts, _, groups = simulate_calls(customers=300)
    model = AnswerRateModel(hours=HOURS).fit(counts, groups)
    new = pd.Series(["NEW1"])
    model.groups_ = pd.concat([model.groups_, pd.Series({"NEW1": "retired"})])
    h, w = model.rates(new)
    np.testing.assert_allclose(h.iloc[0].to_numpy(), model.hour_rates_.loc["retired"].to_numpy())
    assert w.shape == (1, 7)
    with pytest.raises(NotFittedError):
        AnswerRateModel().rates(["x"])


def test_attempt_counts_in_the_engine() -> None:
    it = ibis.memtable(
        pd.DataFrame(
            {
                "customer_id": ["a", "a", "a", "b", "a"],
                "timestamp": pd.to_datetime(
                    [
                        "2026-06-01 19:10",
                        "2026-06-01 19:50",
                        "2026-06-02 10:00",
                        "2026-06-03 19:00",
                        "2026-06-04 19:00",
                    ]
                ),
                "channel": ["call", "call", "call", "call", "sms"],
                "kind": [CALL_ANSWERED, CALL_UNANSWERED, CALL_ANSWERED, CALL_UNANSWERED, "clicked"],
                "campaign_id": None,
            }
        )
    )
    c = (
        call_attempt_counts(it)
        .execute()
        .sort_values(["customer_id", "hour"])
        .reset_index(drop=True)
    )
    assert c[["customer_id", "hour", "weekday", "attempts", "answered"]].values.tolist() == [
        ["a", 10, 1, 1, 1],
        ["a", 19, 0, 2, 1],
        ["b", 19, 2, 1, 0],
    ]


def _view() -> ibis.Table:
    return ibis.memtable(
        pd.DataFrame(
            {
                "customer_id": ["A", "B", "C", "D"],
                "name": ['=HYPERLINK("http://x")', "李四", "王五", "赵六"],
                "phone": ["+8613800000001", "13800000002", None, "13800000004"],
                "consent_phone": [True, True, True, False],
                "has_phone": [True, True, False, True],
                "churn_probability": [0.5, 0.9, 0.9, 0.99],
                "clv": [10000.0, 4000.0, 50000.0, 90000.0],
                "churn_reasons_en": ["long gap", None, None, None],
                "churn_reasons_zh": ["间隔长", None, None, None],
                "complained_aspects": [["annual_fee"], None, None, None],
                "gap_ratio": [1.0, 6.0, 1.0, 1.0],
            }
        )
    )


def test_call_list_ranked_by_value_saved_with_reasons_and_scripts(tmp_path: Path) -> None:
    df = call_list(_view(), call_effect=0.2)
    # C has no phone and D no consent: only A (0.5*10000*0.2=1000) and B (720)
    assert df.customer_id.tolist() == ["A", "B"]
    assert df.value_saved.tolist() == pytest.approx([1000.0, 720.0])
    assert df["rank"].tolist() == [1, 2]
    a, b = df.iloc[0], df.iloc[1]
    assert a.reasons_zh.startswith("曾投诉年费") and "间隔长" in a.reasons_zh
    assert "fee waiver" in a.script_en
    assert b.reasons_en == "has stopped buying"
    csv = write_call_list(df, tmp_path / "calls.csv")
    text = csv.read_text("utf-8-sig")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text
    xlsx = write_call_list(df, tmp_path / "calls.xlsx")
    back = pd.read_excel(xlsx, dtype={"phone": str})  # as stored: text, not a parsed number
    assert back.name.iloc[0].startswith("'=")
    # phone numbers follow the project's one formula rule (core/csvsafe), as in the CSV
    assert back.phone.astype(str).iloc[0] == escape_formula("+8613800000001")


def test_call_list_with_per_customer_effect_and_best_times() -> None:
    counts, _, _ = simulate_calls(customers=50)
    model = AnswerRateModel(hours=HOURS).fit(counts)
    who = pd.DataFrame({"customer_id": ["C", "D"], "uplift": [0.01, 0.05]})
    df = call_list(_view(), customers=who, call_effect="uplift", answer_model=model)
    assert df.customer_id.tolist() == ["D", "C"]
    assert df.value_saved.tolist() == pytest.approx([0.99 * 90000 * 0.05, 0.9 * 50000 * 0.01])
    assert df.best_hours.str.match(r"^\d\d:00, \d\d:00, \d\d:00$").all()
