from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from tests.conftest import write

from loyalloop.core import Warehouse
from loyalloop.data.ingest import IngestResult, ingest
from loyalloop.data.schema import open_warehouse
from loyalloop.errors import ConfigError, IngestError

CUSTOMERS = """customer_id,created_at,name,email,phone,consent_email
C1,2024-01-01,张三, Zhang@Example.COM ,138 0013 8000,是
C2,2024/1/2,李四,li@x.cn,+86 139-0013-9000,否
C3,20240103,王五,,,
"""


def counts(r: IngestResult) -> tuple[int, int, int, int]:
    assert r.read == r.loaded + r.already_loaded + r.quarantined
    return r.read, r.loaded, r.already_loaded, r.quarantined


def quarantine(wh: Warehouse) -> pd.DataFrame:
    return wh.table("quarantine").execute().sort_values(["table_name", "row_number"])


@pytest.fixture
def customers_loaded(wh: Warehouse, tmp_path: Path) -> Warehouse:
    r = ingest(wh, "customers", [write(tmp_path / "c.csv", CUSTOMERS)])
    assert counts(r) == (3, 3, 0, 0)
    return wh


def test_customers_typed_and_normalised(customers_loaded: Warehouse) -> None:
    df = customers_loaded.table("customers").execute().set_index("customer_id")
    assert df.loc["C1", "email_normalized"] == "zhang@example.com"
    assert df.loc["C1", "phone_e164"] == "+8613800138000"
    assert df.loc["C2", "phone_e164"] == "+8613900139000"
    assert bool(df.loc["C1", "consent_email"]) is True
    assert bool(df.loc["C2", "consent_email"]) is False
    assert pd.isna(df.loc["C3", "consent_email"])
    assert df.loc["C3", "created_at"] == pd.Timestamp("2024-01-03")


def test_reingest_adds_nothing(customers_loaded: Warehouse, tmp_path: Path) -> None:
    r = ingest(customers_loaded, "customers", [write(tmp_path / "c2.csv", CUSTOMERS)])
    assert counts(r) == (3, 0, 3, 0)
    assert customers_loaded.count("customers") == 3


def test_transactions_bad_rows_quarantined(customers_loaded: Warehouse, tmp_path: Path) -> None:
    text = (
        "transaction_id,customer_id,timestamp,amount,channel\n"
        "T1,C1,2024-01-03 10:00,12.50,app\n"  # ok
        "T2,C1,20240104,-3,app\n"  # refund: kept, flagged
        "T3,C2,2024-01-05,0,pos\n"  # zero: kept, flagged
        "T4,C9,2024-01-05,1,pos\n"  # unknown customer
        "T5,C2,2024-02-30,5,pos\n"  # impossible date
        "T6,C2,2024-01-06,abc,pos\n"  # bad amount
        "T7,,2024-01-06,5,pos\n"  # missing required
        "T1,C2,2024-01-07,9,pos\n"  # duplicate id
        "T8,C2,2024-01-07,9\n"  # wrong column count
    )
    r = ingest(customers_loaded, "transactions", [write(tmp_path / "t.csv", text)])
    assert counts(r) == (9, 3, 0, 6)
    tx = customers_loaded.table("transactions").execute().set_index("transaction_id")
    assert tx["kind"].to_dict() == {"T1": "purchase", "T2": "refund", "T3": "zero"}
    q = quarantine(customers_loaded)
    reasons = dict(zip(q["row_number"], q["reason"], strict=True))
    assert "unknown customer_id" in reasons[4] and "C9" in reasons[4]
    assert "timestamp: cannot read '2024-02-30'" in reasons[5]
    assert "amount: cannot read 'abc' as a number" in reasons[6]
    assert "customer_id: required value is missing" in reasons[7]
    assert "duplicate" in reasons[8] and "first at row 1" in reasons[8]
    assert "expected 5 columns, got 4" in reasons[9]
    assert set(q["line"]) == {5, 6, 7, 8, 9, 10}
    assert (q["source"] == str(tmp_path / "t.csv")).all()
    # the raw values are kept, so nothing is lost
    assert '"abc"' in q.set_index("row_number").loc[6, "raw"]


def test_reingest_replaces_quarantine(customers_loaded: Warehouse, tmp_path: Path) -> None:
    f = write(
        tmp_path / "t.csv",
        "transaction_id,customer_id,timestamp,amount\nT1,C1,x,1\nT2,C1,2024-01-01,1\n",
    )
    ingest(customers_loaded, "transactions", [f])
    r = ingest(customers_loaded, "transactions", [f])
    assert counts(r) == (2, 0, 1, 1)
    assert len(quarantine(customers_loaded)) == 1


def test_conflicting_reload_is_quarantined(customers_loaded: Warehouse, tmp_path: Path) -> None:
    ingest(
        customers_loaded,
        "transactions",
        [
            write(
                tmp_path / "a.csv",
                "transaction_id,customer_id,timestamp,amount\nT1,C1,2024-01-01,1\n",
            )
        ],
    )
    r = ingest(
        customers_loaded,
        "transactions",
        [
            write(
                tmp_path / "b.csv",
                "transaction_id,customer_id,timestamp,amount\nT1,C1,2024-01-01,2\n",
            )
        ],
    )
    assert counts(r) == (1, 0, 0, 1)
    assert "already loaded with different values" in quarantine(customers_loaded)["reason"].iloc[0]


def test_chinese_headers_gbk_with_mapping(customers_loaded: Warehouse, tmp_path: Path) -> None:
    f = write(
        tmp_path / "交易.csv",
        '交易流水号,客户号,交易日期,金额,备注\nT1,C1,2024/1/31 10:00,"1,200.00",测试\nT2,C2,20240201,88,\n',
        encoding="gbk",
    )
    m = write(
        tmp_path / "m.yaml",
        "columns:\n  交易流水号: transaction_id\n  客户号: customer_id\n  交易日期: timestamp\n  金额: amount\n",
    )
    r = ingest(customers_loaded, "transactions", [f], mapping=m)
    assert counts(r) == (2, 2, 0, 0)
    assert r.encodings[str(f)] == "gb18030"
    assert r.ignored_columns == [f"{f}:备注"]
    amounts = customers_loaded.table("transactions").execute().set_index("transaction_id")["amount"]
    assert amounts.to_dict() == {"T1": 1200.0, "T2": 88.0}


def test_encoding_override(customers_loaded: Warehouse, tmp_path: Path) -> None:
    f = write(
        tmp_path / "t.csv",
        "transaction_id,customer_id,timestamp,amount,category\nT1,C1,2024-01-01,1,餐饮\n",
        encoding="gbk",
    )
    ingest(customers_loaded, "transactions", [f], encoding="gbk")
    assert customers_loaded.table("transactions").execute()["category"].tolist() == ["餐饮"]


def test_missing_required_column_names_file_and_column(wh: Warehouse, tmp_path: Path) -> None:
    f = write(tmp_path / "t.csv", "id,amount\n1,2\n")
    with pytest.raises(IngestError) as info:
        ingest(wh, "transactions", [f])
    assert info.value.file == str(f) and info.value.line == 1
    assert info.value.column == "customer_id"  # transaction_id may be left out (derived)
    assert "--mapping" in str(info.value)


def test_bad_mapping_target(wh: Warehouse, tmp_path: Path) -> None:
    f = write(tmp_path / "t.csv", "a\n1\n")
    with pytest.raises(ConfigError, match="not columns of table customers"):
        ingest(wh, "customers", [f], mapping={"a": "nonsense"})


def test_nothing_loaded(wh: Warehouse, tmp_path: Path) -> None:
    f = write(tmp_path / "c.csv", "customer_id,created_at\n,2024-01-01\n")
    r = ingest(wh, "customers", [f])
    assert r.nothing_loaded
    assert r.first_problem is not None and r.first_problem.line == 2
    assert r.first_problem.fields == "customer_id"


def test_feedback_rules(customers_loaded: Warehouse, tmp_path: Path) -> None:
    text = (
        "feedback_id,customer_id,timestamp,channel,score_type,score,text\n"
        "F1,C1,2024-01-01,Survey,NPS,9,很好\n"
        "F2,,2024-01-01,review,,,<script>x</script>\n"  # unknown customer allowed
        "F3,C1,2024-01-01,survey,nps,11,\n"  # out of range
        "F4,C1,2024-01-01,fax,csat,3,\n"  # unknown channel
        "F5,C1,2024-01-01,survey,,4,\n"  # score without type
    )
    r = ingest(customers_loaded, "feedback", [write(tmp_path / "f.csv", text)])
    assert counts(r) == (5, 2, 0, 3)
    fb = customers_loaded.table("feedback").execute().set_index("feedback_id")
    assert fb.loc["F1", "channel"] == "survey" and fb.loc["F1", "score_type"] == "nps"
    q = quarantine(customers_loaded)
    assert q["fields"].tolist() == ["score", "channel", "score_type"]
    assert "11 is outside 0–10 for nps" in q["reason"].iloc[0] or "11.0" in q["reason"].iloc[0]


def test_app_store_reviews_load_and_unknown_channels_are_quarantined(
    customers_loaded: Warehouse, tmp_path: Path
) -> None:
    text = (
        "feedback_id,customer_id,timestamp,channel,score_type,score,text\n"
        "A1,,2024-01-01,app_review,rating,5,Love it\n"
        "A2,,2024-01-01,App_Review,,,keeps logging me out\n"
        "A3,,2024-01-01,app_store,rating,1,Terrible\n"  # not a channel: quarantined
        "A4,,2024-01-01,review_app,,,Reliable\n"  # the labellers' name is not the product's
    )
    r = ingest(customers_loaded, "feedback", [write(tmp_path / "f.csv", text)])
    assert counts(r) == (4, 2, 0, 2)
    fb = customers_loaded.table("feedback").execute().set_index("feedback_id")
    assert fb["channel"].to_dict() == {"A1": "app_review", "A2": "app_review"}
    q = quarantine(customers_loaded)
    assert q["fields"].tolist() == ["channel", "channel"]
    assert "app_review" in q["reason"].iloc[0]


def test_accounts_closed_before_opened(customers_loaded: Warehouse, tmp_path: Path) -> None:
    text = "account_id,customer_id,opened_at,closed_at\nA1,C1,2024-01-05,2024-01-01\nA2,C1,2024-01-05,\n"
    r = ingest(customers_loaded, "accounts", [write(tmp_path / "a.csv", text)])
    assert counts(r) == (2, 1, 0, 1)


def test_large_file_rows_and_lines_exact(customers_loaded: Warehouse, tmp_path: Path) -> None:
    """Several read blocks and threads: every row keeps its number and line."""
    rows = "".join(
        f"T{i},C{1 + i % 3},2024-01-{1 + i % 28:02d},{i % 7 - 1}\n" for i in range(60_000)
    )
    f = write(
        tmp_path / "t.csv",
        "transaction_id,customer_id,timestamp,amount\n"
        + rows
        + "T3,C1,2024-01-01,1\nT-x,C1,2024-01-01\nT-y,C1,2024-02-30,1\n",
    )
    r = ingest(customers_loaded, "transactions", [f])
    assert counts(r) == (60_003, 60_000, 0, 3)
    q = quarantine(customers_loaded)
    assert q["row_number"].tolist() == [60_001, 60_002, 60_003]
    assert q["line"].tolist() == [60_002, 60_003, 60_004]
    assert "first at row 4" in q["reason"].iloc[0]


def test_fast_path_gives_the_rows_the_full_checks_give(
    customers_loaded: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows found certainly clean at staging skip the slow checks: the same rows result."""
    import loyalloop.data.ingest as ingest_module

    text = (
        "customer_id,created_at,name,email,phone,birth_date,gender,consent_email,consent_sms\n"
        "C7,2024-01-01 10:00:00,A,a@x.cn,13800138000,1990-01-01,f,yes,0\n"
        "C8,2024/1/2,B, B@X.CN ,,1990-02-30,m,maybe,\n"
        "C9,20240103,C,,+86 139 0013 9000,,,是,否\n"
        "Ｃ10,2024-01-04T05:06:07,D,,,,,,\n"
    )
    tables = []
    for fast in (True, False):
        monkeypatch.setattr(ingest_module, "_FAST_PATH", fast)
        home = tmp_path / f"h{fast}"
        with open_warehouse(customers_loaded.settings.with_home(home)) as wh:
            ingest(wh, "customers", [write(tmp_path / f"c{fast}.csv", text)])
            df = wh.table("customers").execute().drop(columns=["_source", "_loaded_at"])
            tables.append(df.sort_values("customer_id").reset_index(drop=True))
    pd.testing.assert_frame_equal(tables[0], tables[1])
    assert len(tables[0]) == 4


def test_parquet_and_jsonl_inputs(customers_loaded: Warehouse, tmp_path: Path) -> None:
    df = pd.DataFrame(
        {
            "transaction_id": ["P1", "P2"],
            "customer_id": ["C1", "C2"],
            "timestamp": pd.to_datetime(["2024-01-01 10:00", "2024-01-02 00:00"]),
            "amount": [1.5, 2.0],
        }
    )
    df.to_parquet(tmp_path / "t.parquet")
    r = ingest(customers_loaded, "transactions", [tmp_path / "t.parquet"])
    assert counts(r) == (2, 2, 0, 0)
    (tmp_path / "t.jsonl").write_text(
        '{"transaction_id": "J1", "customer_id": "C1", "timestamp": "2024-01-03", "amount": 3}\n{bad\n'
    )
    r = ingest(customers_loaded, "transactions", [tmp_path / "t.jsonl"])
    assert counts(r) == (2, 1, 0, 1)
    ts = customers_loaded.table("transactions").execute().set_index("transaction_id")["timestamp"]
    assert ts["P1"] == pd.Timestamp("2024-01-01 10:00")


def test_composite_keys_with_empty_parts_reingest_cleanly(
    customers_loaded: Warehouse, tmp_path: Path
) -> None:
    text = (
        "customer_id,timestamp,channel,kind,campaign_id\n"
        "C1,2024-01-01 10:00,email,sent,\nC1,2024-01-01 10:00,email,sent,K1\n"
    )
    f = write(tmp_path / "i.csv", text)
    assert counts(ingest(customers_loaded, "interactions", [f])) == (2, 2, 0, 0)
    assert counts(ingest(customers_loaded, "interactions", [f])) == (2, 0, 2, 0)
    assert customers_loaded.count("interactions") == 2


def test_load_retries_with_the_larger_cap_when_out_of_memory(
    customers_loaded: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import duckdb

    import loyalloop.data.ingest as ingest_module

    real = ingest_module._finalize
    calls: list[str] = []

    def flaky(wh: Warehouse, *args: object) -> object:
        limit = wh.raw.execute("SELECT current_setting('memory_limit')").fetchone()
        calls.append(str(limit[0] if limit else ""))
        if len(calls) == 1:
            raise duckdb.OutOfMemoryException("simulated: failed to pin block")
        return real(wh, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(ingest_module, "_finalize", flaky)
    f = write(
        tmp_path / "t.csv", "transaction_id,customer_id,timestamp,amount\nT1,C1,2024-01-01,1\n"
    )
    r = ingest(customers_loaded, "transactions", [f])
    assert counts(r) == (1, 1, 0, 0)
    assert len(calls) == 2 and calls[0] != calls[1]  # second try under the general cap
    assert customers_loaded.count("transactions") == 1


def test_copies_left_by_a_killed_ingest_are_removed_by_the_next(
    wh: Warehouse, tmp_path: Path
) -> None:
    import os
    import subprocess
    import sys

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    tmp = wh.settings.home / "tmp"
    left = tmp / f"ingest-{int(dead.stdout)}-abc"
    mine = tmp / f"ingest-{os.getppid()}-def"  # a live process's copy stays
    for d in (left, mine):
        d.mkdir(parents=True)
        (d / "copy.csv").write_text("x", encoding="utf-8")
    ingest(wh, "customers", [write(tmp_path / "c.csv", CUSTOMERS)])
    assert not left.exists()
    assert (mine / "copy.csv").exists()


def test_a_table_with_nothing_to_repair_loads(customers_loaded: Warehouse, tmp_path: Path) -> None:
    """``assignments`` has only required columns (nothing optional to repair): it loads, its
    references are checked, and loading it again adds nothing."""
    campaigns = write(tmp_path / "k.csv", "campaign_id,name\nK1,Win back\n")
    assert counts(ingest(customers_loaded, "campaigns", [campaigns])) == (1, 1, 0, 0)
    text = (
        "customer_id,campaign_id,arm,assigned_at\n"
        "C1,K1,offer,2026-01-01T00:00:00\n"
        "C2,K1,holdout,2026-01-01T00:00:00\n"
        "C9,K1,offer,2026-01-01T00:00:00\n"
    )
    path = write(tmp_path / "a.csv", text)
    assert counts(ingest(customers_loaded, "assignments", [path])) == (3, 2, 0, 1)
    assert "unknown customer_id" in quarantine(customers_loaded)["reason"].iloc[0]
    assert counts(ingest(customers_loaded, "assignments", [path])) == (3, 0, 2, 1)
