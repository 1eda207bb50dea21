"""Erased customers stay erased: ingest drops their rows, counts them, keeps none of their
values (not even in the quarantine), and the suppression list names nobody in clear."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import write

from loyalloop.core import Warehouse
from loyalloop.data.erased import ERASED_FILE, add_erased, erased_digest, load_erased
from loyalloop.data.ingest import ingest
from loyalloop.errors import DataValidationError

CUSTOMERS = """customer_id,created_at,name,email
C1,2024-01-01,张三,zhang@example.com
C2,2024-01-02,李四,li@x.cn
C3,2024-01-03,王五,
"""


def test_the_list_adds_ids_once_and_names_nobody(tmp_path: Path) -> None:
    assert load_erased(tmp_path) is None
    assert add_erased(tmp_path, ["C2", "C2", ""]) == 1
    assert add_erased(tmp_path, ["C2", "C7"]) == 1
    listed = load_erased(tmp_path)
    assert listed is not None and len(listed) == 2
    assert "C2" in listed and "C7" in listed and "C1" not in listed
    text = (tmp_path / ERASED_FILE).read_text(encoding="ascii")
    assert "C2" not in text and "C7" not in text
    assert erased_digest(listed.salt, "C2") in text
    # another home gets another salt: its digests of the same id differ
    other = tmp_path / "other"
    add_erased(other, ["C2"])
    theirs = load_erased(other)
    assert theirs is not None and theirs.salt != listed.salt
    assert theirs.digests.isdisjoint(listed.digests)


def test_a_damaged_list_is_refused_with_its_line(tmp_path: Path) -> None:
    add_erased(tmp_path, ["C2"])
    path = tmp_path / ERASED_FILE
    path.write_text(path.read_text(encoding="ascii") + "not-a-digest\n", encoding="ascii")
    with pytest.raises(DataValidationError, match=r"line 3: not a SHA-256 digest"):
        load_erased(tmp_path)
    path.write_text("C2\n", encoding="ascii")
    with pytest.raises(DataValidationError, match=r"line 1: not an erased-customers list"):
        load_erased(tmp_path)


def test_ingest_drops_erased_customers_and_their_rows(wh: Warehouse, tmp_path: Path) -> None:
    add_erased(wh.settings.home, ["C2"])
    r = ingest(wh, "customers", [write(tmp_path / "c.csv", CUSTOMERS)])
    assert (r.read, r.loaded, r.already_loaded, r.quarantined, r.erased) == (3, 2, 0, 0, 1)
    assert any("erased" in n for n in r.notes)
    assert sorted(wh.table("customers").execute()["customer_id"]) == ["C1", "C3"]

    text = (
        "transaction_id,customer_id,timestamp,amount\n"
        "T1,C1,2024-01-03,10\n"
        "T2,C2,2024-01-03,20\n"  # erased: dropped, not "unknown customer_id"
        "T3,C2,not a date,30\n"  # erased and malformed: erased wins, its values are not kept
        "T4,C9,2024-01-03,40\n"  # unknown customer: quarantined as before
    )
    t = ingest(wh, "transactions", [write(tmp_path / "t.csv", text)])
    assert (t.read, t.loaded, t.quarantined, t.erased) == (4, 1, 1, 2)
    assert t.read == t.loaded + t.already_loaded + t.quarantined + t.erased
    q = wh.table("quarantine").execute()
    assert list(q["key"]) == ["T4"]
    assert not q["raw"].fillna("").str.contains("C2").any()

    # re-running is safe: the same counts, nothing loaded twice
    again = ingest(wh, "transactions", [write(tmp_path / "t.csv", text)])
    assert (again.loaded, again.already_loaded, again.quarantined, again.erased) == (0, 1, 1, 2)


def test_without_a_list_nothing_changes(wh: Warehouse, tmp_path: Path) -> None:
    r = ingest(wh, "customers", [write(tmp_path / "c.csv", CUSTOMERS)])
    assert (r.loaded, r.erased) == (3, 0)
    assert not (wh.settings.home / ERASED_FILE).exists()
