"""``assignments.propensity`` in the warehouse (DuckDB): optional, a chance above 0 and at most
1 (anything else quarantined with its reason), and added on open to the table of a home made
before the column existed — its rows keep their values, empty propensity, and later loads
land in the right columns."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from loyalloop.core.config import Settings
from loyalloop.core.export import write_text_atomic
from loyalloop.data.ingest import ingest
from loyalloop.data.schema import open_warehouse


def _files(tmp_path: Path) -> tuple[Path, Path, Path]:
    customers = tmp_path / "customers.csv"
    write_text_atomic(customers, "customer_id\nC1\nC2\nC3\nC4\nC5\n")
    campaigns = tmp_path / "campaigns.csv"
    write_text_atomic(campaigns, "campaign_id,name\nK,win-back\n")
    assignments = tmp_path / "assignments.csv"
    write_text_atomic(
        assignments,
        "customer_id,campaign_id,arm,assigned_at,propensity\n"
        "C1,K,offer,2026-06-01 09:00,0.4\n"
        "C2,K,holdout,2026-06-01 09:00,0.2\n"
        "C3,K,offer,2026-06-01 09:00,\n"
        "C4,K,offer,2026-06-01 09:00,1.5\n"
        "C5,K,offer,2026-06-01 09:00,0\n",
    )
    return customers, campaigns, assignments


def test_propensity_is_loaded_and_a_value_that_is_no_chance_is_quarantined(
    tmp_path: Path,
) -> None:
    settings = Settings(home=tmp_path / "home")
    customers, campaigns, assignments = _files(tmp_path)
    with open_warehouse(settings) as wh:
        ingest(wh, "customers", [customers])
        ingest(wh, "campaigns", [campaigns])
        r = ingest(wh, "assignments", [assignments])
        got = wh.table("assignments").execute().set_index("customer_id")["propensity"]
        q = wh.table("quarantine").execute()
    assert (r.loaded, r.quarantined) == (3, 2)
    assert got["C1"] == 0.4 and got["C2"] == 0.2 and pd.isna(got["C3"])
    reasons = sorted(q[q["table_name"] == "assignments"]["reason"])
    assert reasons == [
        "propensity: 0 is not a chance above 0 and at most 1",
        "propensity: 1.5 is not a chance above 0 and at most 1",
    ]


def test_a_home_made_before_the_column_gets_it_and_later_loads_line_up(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    customers, campaigns, _ = _files(tmp_path)
    with open_warehouse(settings) as wh:
        ingest(wh, "customers", [customers])
        ingest(wh, "campaigns", [campaigns])
    # the table as an older version made it: no propensity column, one row loaded
    con = duckdb.connect(str(settings.warehouse_path))
    con.execute("DROP TABLE assignments")
    con.execute(
        "CREATE TABLE assignments (customer_id VARCHAR, campaign_id VARCHAR, arm VARCHAR, "
        "assigned_at TIMESTAMP, _source VARCHAR, _loaded_at TIMESTAMP)"
    )
    con.execute(
        "INSERT INTO assignments VALUES ('C1', 'K', 'offer', '2026-06-01 09:00', 'old.csv', "
        "'2026-06-02 00:00')"
    )
    con.close()
    newer = tmp_path / "newer.csv"
    write_text_atomic(
        newer,
        "customer_id,campaign_id,arm,assigned_at,propensity\nC2,K,holdout,2026-06-01 09:00,0.2\n",
    )
    with open_warehouse(settings) as wh:
        assert "propensity" in wh.table("assignments").columns
        r = ingest(wh, "assignments", [newer])
        rows = wh.table("assignments").execute().set_index("customer_id")
    assert r.loaded == 1
    assert rows.loc["C1", "arm"] == "offer" and pd.isna(rows.loc["C1", "propensity"])
    assert rows.loc["C1", "_source"] == "old.csv"
    assert rows.loc["C2", "propensity"] == 0.2 and rows.loc["C2", "arm"] == "holdout"
    assert str(rows.loc["C2", "_source"]).endswith("newer.csv")
