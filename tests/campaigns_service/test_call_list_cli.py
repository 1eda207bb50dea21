"""``loyalloop campaigns call-list``: the call centre's priority list as a file — ranked by
value saved, with reasons and scripts in both languages, the best hours to call learnt from
past call attempts in the warehouse (and said when there are none), restricted to a call
campaign's treated customers on request, and refused for a campaign that is not a call one."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from loyalloop.cli.main import main

pytestmark = pytest.mark.slow

EMAIL_CAMPAIGN = """\
name: mail-only
goal: win-back
channel: email
audience: {name: all, conditions: [{field: clv, op: ">", value: 0}]}
holdout_share: 0.2
arms:
  - {name: message, share: 1.0, template: plain}
budget: 100000
templates:
  plain:
    channel: email
    subject: {zh: 你好, en: Hello}
    body: {zh: 您好, en: Hello}
"""


def test_call_list_from_a_run_with_call_history(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    cli = ["--home", str(home)]
    assert main([*cli, "sample", "--customers", "300", "--json"]) == 0
    assert main([*cli, "run", "--json"]) == 0
    capsys.readouterr()

    # without past calls: the list is written and says it has no best times
    first = tmp_path / "calls.csv"
    assert main([*cli, "campaigns", "call-list", "--out", str(first)]) == 0
    said = capsys.readouterr().out
    assert "no past call attempts" in said
    plain = pd.read_csv(first, dtype={"customer_id": str})
    assert len(plain) > 0 and "best_hours" not in plain.columns

    # past calls: three customers answer in the evening and never in the morning
    who = plain["customer_id"].head(3).tolist()
    rows = []
    for cid in who:
        for day in range(1, 9):
            rows.append((cid, f"2026-05-{day:02d} 19:10:00", "call", "call_answered"))
            rows.append((cid, f"2026-05-{day:02d} 10:10:00", "call", "call_unanswered"))
    calls = tmp_path / "calls_history.csv"
    pd.DataFrame(rows, columns=["customer_id", "timestamp", "channel", "kind"]).to_csv(
        calls, index=False
    )
    assert main([*cli, "ingest", "interactions", str(calls), "--json"]) == 0
    capsys.readouterr()
    out = tmp_path / "calls.xlsx"
    assert main([*cli, "campaigns", "call-list", "--out", str(out), "--top", "40", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["call_attempts"] == len(rows) and result["customers"] == 40
    listed = pd.read_excel(out, dtype={"customer_id": str})
    assert len(listed) == 40 and listed["rank"].tolist() == list(range(1, 41))
    assert listed["value_saved"].is_monotonic_decreasing
    assert result["value_saved"] == pytest.approx(listed["value_saved"].sum())
    assert listed["value_saved"].to_numpy() == pytest.approx(
        (listed["churn_probability"] * listed["clv"] * 0.1).to_numpy()
    )
    for col in ("reasons_en", "reasons_zh", "script_en", "script_zh", "best_hours"):
        assert listed[col].notna().all(), col
    # the customers who answered in the evening are best called in the evening
    evening = listed.loc[listed["customer_id"].isin(who), "best_hours"]
    assert len(evening) and all(str(h).startswith("19:00") for h in evening)

    # a campaign that is not a call campaign: refused, naming it, nothing written
    spec = tmp_path / "mail.yaml"
    spec.write_text(EMAIL_CAMPAIGN, encoding="utf-8")
    assert main([*cli, "campaigns", "create", str(spec)]) == 0
    capsys.readouterr()
    refused = tmp_path / "refused.csv"
    code = main([*cli, "campaigns", "call-list", "--out", str(refused), "--campaign", "mail-only"])
    assert code == 2 and not refused.exists()
    assert "mail-only is an email campaign" in capsys.readouterr().err


def test_customers_who_said_do_not_call_are_left_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A withdrawal recorded in the store — under the id the customer gave, which may be
    another record of the same person than the profile the list shows — keeps them off it."""
    home = tmp_path / "home"
    cli = ["--home", str(home)]
    assert main([*cli, "sample", "--customers", "600", "--json"]) == 0
    assert main([*cli, "run", "--json"]) == 0
    capsys.readouterr()
    first = tmp_path / "calls.csv"
    assert main([*cli, "campaigns", "call-list", "--out", str(first), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["withdrawn"] == 0
    listed = set(pd.read_csv(first, dtype={"customer_id": str})["customer_id"])
    pmap = pd.read_parquet(home / "runs" / "000001" / "profile_map.parquet")
    merged = pmap[(pmap.customer_id != pmap.profile_id) & pmap.profile_id.isin(listed)]
    assert len(merged), "the sample plants duplicate customers; some are merged and listed"
    other_record, its_profile = merged.iloc[0]["customer_id"], merged.iloc[0]["profile_id"]
    plain = sorted(listed - set(pmap.profile_id[pmap.customer_id != pmap.profile_id]))[0]
    for cid, channel in ((other_record, "phone"), (plain, "all")):
        assert main([*cli, "consent", "set", cid, "--channel", channel, "--withdrawn",
                     "--source", "call"]) == 0  # fmt: skip
    capsys.readouterr()
    second = tmp_path / "calls2.csv"
    assert main([*cli, "campaigns", "call-list", "--out", str(second), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    now = set(pd.read_csv(second, dtype={"customer_id": str})["customer_id"])
    assert its_profile not in now and plain not in now
    assert result["withdrawn"] == 2 and now == listed - {its_profile, plain}
