"""Assignment: deterministic, equal to the Python reference, balanced, stable under re-runs."""

from __future__ import annotations

from datetime import datetime

import ibis
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from loyalloop.campaigns import (
    GLOBAL_CONTROL,
    HOLDOUT,
    ProgrammeSpec,
    arm_of,
    assign_arms,
    parse_campaign,
    stable_uniform,
    stable_uniform_expr,
)
from loyalloop.errors import SpecError

NOW = datetime(2026, 7, 1, 9, 0)
SPEC = parse_campaign(
    {
        "name": "wb-1",
        "goal": "win-back",
        "channel": "call",
        "audience": {"conditions": [{"field": "clv", "op": ">", "value": 0}]},
        "holdout_share": 0.2,
        "arms": [
            {"name": "a", "share": 0.5},
            {"name": "b", "share": 0.3},
            {"name": "c", "share": 0.2},
        ],
    }
)
PROGRAMME = ProgrammeSpec(salt="prog-1", global_control_share=0.05)


def _audience(n: int, start: int = 0) -> ibis.Table:
    return ibis.memtable({"customer_id": [f"C{i:07d}" for i in range(start, start + n)]})


def _assign(con: ibis.BaseBackend, audience: ibis.Table, spec=SPEC) -> pd.DataFrame:
    return con.execute(assign_arms(audience, spec, PROGRAMME, NOW)).set_index("customer_id")


def test_engine_hash_equals_sha256_reference() -> None:
    ids = ["C0000001", "客户-甲", "x" * 50, "a:b"]
    t = ibis.memtable({"customer_id": ids})
    got = t.mutate(u=stable_uniform_expr("s1", t.customer_id)).execute().u.tolist()
    assert got == [stable_uniform("s1", c) for c in ids]
    assert stable_uniform("s1", "C0000001") != stable_uniform("s2", "C0000001")


def test_arms_balanced_chi_square_and_equal_to_reference() -> None:
    con = ibis.duckdb.connect()
    n = 20_000
    df = _assign(con, _audience(n))
    assert len(df) == n
    assert set(df.campaign_id) == {"wb-1"}
    assert (df.assigned_at == pd.Timestamp(NOW)).all()
    # engine result equals the Python reference customer by customer
    sample = df.sample(500, random_state=1)
    assert [arm_of(c, SPEC, PROGRAMME) for c in sample.index] == sample.arm.tolist()
    counts = df.arm.value_counts()
    g = 0.05
    planned = {GLOBAL_CONTROL: g, HOLDOUT: (1 - g) * 0.2}
    for arm in SPEC.arms:
        planned[arm.name] = (1 - g) * 0.8 * arm.share
    observed = [counts.get(a, 0) for a in planned]
    expected = [n * s for s in planned.values()]
    assert stats.chisquare(observed, expected).pvalue > 0.001
    # and a deliberately wrong plan is rejected by the same test (the check can fail)
    wrong = [n * s for s in (0.05, 0.19, 0.4, 0.25, 0.11)]
    assert stats.chisquare(observed, wrong).pvalue < 1e-6


def test_rerun_and_growing_audience_do_not_move_anyone() -> None:
    con = ibis.duckdb.connect()
    first = _assign(con, _audience(3000))
    again = _assign(con, _audience(3000))
    pd.testing.assert_series_equal(first.arm, again.arm)
    grown = _assign(con, _audience(5000))
    pd.testing.assert_series_equal(first.arm, grown.arm.loc[first.index])
    shuffled = ibis.memtable(pd.DataFrame({"customer_id": list(reversed(first.index))}))
    pd.testing.assert_series_equal(first.arm, _assign(con, shuffled).arm.loc[first.index])


def test_global_control_is_the_same_for_every_campaign() -> None:
    con = ibis.duckdb.connect()
    other = parse_campaign({**SPEC_RAW, "name": "retention-9", "goal": "retention"})
    a = _assign(con, _audience(10_000))
    b = _assign(con, _audience(10_000), other)
    ga, gb = a.arm == GLOBAL_CONTROL, b.arm == GLOBAL_CONTROL
    assert (ga == gb).all()
    share = ga.mean()
    assert abs(share - 0.05) < 4 * np.sqrt(0.05 * 0.95 / 10_000)
    # the campaign split differs between campaigns (different salts) ...
    rest = ~ga
    assert (a.arm[rest] != b.arm[rest]).mean() > 0.3
    # ... and the holdout is independent of the global control
    assert abs((a.arm[rest] == HOLDOUT).mean() - 0.2) < 0.02


SPEC_RAW = {
    "name": "wb-1",
    "goal": "win-back",
    "channel": "call",
    "audience": {"conditions": [{"field": "clv", "op": ">", "value": 0}]},
    "holdout_share": 0.2,
    "arms": [{"name": "a", "share": 0.5}, {"name": "b", "share": 0.3}, {"name": "c", "share": 0.2}],
}


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        (
            {"arms": [{"name": "a", "share": 0.5}, {"name": "b", "share": 0.4}]},
            "arms",
            "add up to 0.9",
        ),
        ({"arms": [{"name": "holdout", "share": 1.0}]}, "arms[0].name", "reserved"),
        ({"goal": "winback!"}, "goal", "one of retention, win-back, cross-sell"),
        ({"channel": "fax"}, "channel", "one of email, sms, call"),
        ({"holdout_share": 1.5}, "holdout_share", "between 0 and 0.9"),
        ({"budget": -3}, "budget", "between"),
        ({"channel": "sms"}, "arms[0].template", "needs a message template"),
        (
            {"audience": {"conditions": [{"field": "clv", "op": "≥", "value": 1}]}},
            "audience.conditions[0].op",
            "unknown operator",
        ),
        ({"trigger": {"kind": "lapse", "treshold": 0.3}}, "trigger.treshold", "takes"),
        ({"holdut_share": 0.1}, "holdut_share", "did you mean 'holdout_share'"),
    ],
)
def test_campaign_spec_errors_name_the_field(change: dict, path: str, words: str) -> None:
    with pytest.raises(SpecError) as info:
        parse_campaign({**SPEC_RAW, **change})
    assert info.value.path == path
    assert words in str(info.value)


def test_programme_share_is_checked() -> None:
    with pytest.raises(SpecError, match="global_control_share"):
        ProgrammeSpec(global_control_share=0.7)
