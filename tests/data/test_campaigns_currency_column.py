"""``campaigns.currency`` in the warehouse: a three-letter upper-case ISO 4217 code or empty;
anything else is quarantined with its row and field named (rows read = loaded +
quarantined), whether the file comes from a user's ingest or from the service's sync."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from loyalloop.core.config import Settings
from loyalloop.core.export import write_text_atomic
from loyalloop.data.ingest import ingest
from loyalloop.data.schema import open_warehouse


def test_a_campaign_currency_that_is_no_iso_code_is_quarantined_with_its_row(
    tmp_path: Path,
) -> None:
    campaigns = tmp_path / "campaigns.csv"
    write_text_atomic(
        campaigns,
        "campaign_id,name,currency\n"
        "K1,ok,CNY\n"
        "K2,empty,\n"
        "K3,lower,cny\n"
        "K4,word,dollars\n"
        "K5,symbol,¥\n"
        "K6,padded, USD \n",
    )
    with open_warehouse(Settings(home=tmp_path / "home")) as wh:
        r = ingest(wh, "campaigns", [campaigns])
        got = wh.table("campaigns").execute().set_index("campaign_id")["currency"]
        q = wh.table("quarantine").execute()
    assert (r.read, r.loaded, r.quarantined) == (6, 3, 3)
    assert got["K1"] == "CNY" and pd.isna(got["K2"]) and got["K6"] == "USD"  # cells are trimmed
    bad = q[q["table_name"] == "campaigns"].sort_values("row_number")
    assert list(bad["row_number"]) == [3, 4, 5]
    suffix = "is not a three-letter upper-case ISO 4217 code (e.g. CNY, USD)"
    assert list(bad["reason"]) == [
        f"currency: 'cny' {suffix}",
        f"currency: 'dollars' {suffix}",
        f"currency: '¥' {suffix}",
    ]
    first = r.first_problem  # what `loyalloop ingest` prints: file, row and field
    assert first is not None and (first.file, first.row) == (str(campaigns), 3)
    assert first.reason == f"currency: 'cny' {suffix}"
