"""Issue 11: a column whose comma numbers all read two ways ('1,234': a thousand, or 1.234?)
and in which no value decides is refused in ``decimal: auto``, not read as thousands."""

from __future__ import annotations

from pathlib import Path

import pytest

from loyalloop.core import Settings
from loyalloop.data.ingest import ingest
from loyalloop.data.schema import open_warehouse
from loyalloop.errors import IngestError

H = "transaction_id,customer_id,timestamp,amount\n"


def _load(tmp_path: Path, body: str, decimal: str | None = None) -> list[float]:
    tmp_path.mkdir(exist_ok=True)
    settings = Settings(home=tmp_path / "home")
    (tmp_path / "c.csv").write_text("customer_id\nC1\n", encoding="utf-8")
    (tmp_path / "t.csv").write_text(H + body, encoding="utf-8")
    with open_warehouse(settings) as wh:
        ingest(wh, "customers", [tmp_path / "c.csv"])
        ingest(wh, "transactions", [tmp_path / "t.csv"], decimal=decimal)
        t = wh.table("transactions")
        return sorted(float(x) for x in t.order_by("transaction_id").amount.execute())


def test_only_ambiguous_commas_are_refused_naming_the_column(tmp_path: Path) -> None:
    body = 'T1,C1,2024-01-01,"1,234"\nT2,C1,2024-01-02,"5,678"\n'
    with pytest.raises(
        IngestError, match=r"column amount.*'1,234'.*no value in the column decides"
    ):
        _load(tmp_path, body)
    assert _load(tmp_path / "dot", body, decimal=".") == [1234.0, 5678.0]
    assert _load(tmp_path / "comma", body, decimal=",") == [1.234, 5.678]


@pytest.mark.parametrize(
    ("body", "want"),
    [
        ('T1,C1,2024-01-01,"1,234"\nT2,C1,2024-01-02,12.50\n', [12.5, 1234.0]),
        ('T1,C1,2024-01-01,"1,234"\nT2,C1,2024-01-02,"1,234,567"\n', [1234.0, 1234567.0]),
        ("T1,C1,2024-01-01,1234\nT2,C1,2024-01-02,12\n", [12.0, 1234.0]),
    ],
)
def test_a_deciding_value_or_no_comma_loads(tmp_path: Path, body: str, want: list[float]) -> None:
    assert _load(tmp_path, body) == want
