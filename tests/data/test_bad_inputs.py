"""Every way a file can be loaded wrong, table-driven: the bytes of the input, what must be
loaded, quarantined and repaired (and why), or the error that refuses it (class, message, file,
line, column).

Each case starts from a home holding customers C1, C2, C3 (see ``CUSTOMERS``) unless it says
otherwise. Counts are ``(read, loaded, already_loaded, quarantined, repaired)``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from loyalloop.core import Settings, Warehouse
from loyalloop.data.ingest import IngestResult, ingest
from loyalloop.data.schema import open_warehouse
from loyalloop.errors import ConfigError, IngestError, LoyalloopError

CUSTOMERS = "customer_id,name\nC1,张三\nC2,李四\nC3,王五\n"
TX = "transaction_id,customer_id,timestamp,amount\n"

Check = Callable[[Warehouse, IngestResult], None]


@dataclass(frozen=True)
class Case:
    id: str
    table: str
    files: dict[str, bytes]
    counts: tuple[int, int, int, int, int] | None = None  # read, loaded, already, quar., repaired
    reasons: tuple[str, ...] = ()  # each in some quarantine reason
    repairs: tuple[str, ...] = ()  # each in some repair reason
    options: dict[str, Any] = field(default_factory=dict)
    error: type[LoyalloopError] | None = None
    message: tuple[str, ...] = ()  # each in the error message
    where: tuple[str | None, int | None, str | None] | None = None  # file name, line, column
    check: Check | None = None
    customers: str | None = CUSTOMERS


def values(wh: Warehouse, table: str, column: str, key: str) -> dict[str, Any]:
    df = wh.table(table).execute()
    return dict(zip(df[key], df[column], strict=True))


def amounts(expected: dict[str, float]) -> Check:
    def check(wh: Warehouse, _: IngestResult) -> None:
        assert values(wh, "transactions", "amount", "transaction_id") == pytest.approx(expected)

    return check


def names(expected: dict[str, str | None]) -> Check:
    def check(wh: Warehouse, _: IngestResult) -> None:
        got = values(wh, "customers", "name", "customer_id")
        for k, v in expected.items():
            assert (None if pd.isna(got[k]) else got[k]) == v, (k, got[k])

    return check


def _xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    import io

    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        for name, rows in sheets.items():
            pd.DataFrame(rows[1:], columns=rows[0]).to_excel(writer, sheet_name=name, index=False)
    return buf.getvalue()


def _parquet(table: pa.Table) -> bytes:
    import io

    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


BIG_FEEDBACK = (
    "feedback_id,customer_id,timestamp,channel,text\n"
    + "".join(
        f'F{i},C{1 + i % 3},2024-01-01,survey,"第{i}条：\n服务很好，\n""推荐""给朋友"\n'
        for i in range(40_000)
    )
    + "F-bad,C1,2024-13-01,survey,ok\n"
).encode("utf-8")
MIXED_ENCODING = (
    "transaction_id,customer_id,timestamp,amount,category\n"
    + "".join(f"T{i},C1,2024-01-01,{i},餐饮\n" for i in range(40_000))
).encode("utf-8") + "T-gbk,C1,2024-01-02,5,王芳\n".encode("gbk")


CASES = [
    # --- decimal commas and thousands separators ------------------------------------------
    Case(
        "decimal-comma-detected",
        "transactions",
        {
            "t.csv": (
                TX + 'T1,C1,2024-01-01,"1,50"\nT2,C1,2024-01-01,"12,00"\nT3,C1,2024-01-01,7\n'
            ).encode()
        },
        (3, 3, 0, 0, 0),
        check=amounts({"T1": 1.5, "T2": 12.0, "T3": 7.0}),
    ),
    Case(
        "decimal-comma-euro-thousands",
        "transactions",
        {"t.csv": (TX + 'T1,C1,2024-01-01,"€1.234,56"\nT2,C1,2024-01-01,"1,50"\n').encode()},
        (2, 2, 0, 0, 0),
        check=amounts({"T1": 1234.56, "T2": 1.5}),
    ),
    Case(
        "decimal-comma-mixed-with-point-refused",
        "transactions",
        {"t.csv": (TX + 'T1,C1,2024-01-01,"1,50"\nT2,C1,2024-01-01,12.50\n').encode()},
        error=IngestError,
        message=("numbers are written two ways", "'1,50'", "'12.50'", 'decimal: ","'),
        where=("t.csv", None, "amount"),
    ),
    Case(
        "decimal-comma-ambiguous-refused",
        "transactions",
        {"t.csv": (TX + 'T1,C1,2024-01-01,"1,50"\nT2,C1,2024-01-01,"1,500"\n').encode()},
        error=IngestError,
        message=("'1,500'", "a thousand or a fraction"),
        where=("t.csv", None, "amount"),
    ),
    Case(
        "thousands-separator-with-point",
        "transactions",
        {"t.csv": (TX + 'T1,C1,2024-01-01,"1,234.50"\nT2,C1,2024-01-01,"¥1,500"\n').encode()},
        (2, 2, 0, 0, 0),
        check=amounts({"T1": 1234.5, "T2": 1500.0}),
    ),
    Case(
        "decimal-point-declared-comma-quarantined",
        "transactions",
        {"t.csv": (TX + 'T1,C1,2024-01-01,"1,50"\nT2,C1,2024-01-01,3.5\n').encode()},
        (2, 1, 0, 1, 0),
        reasons=("amount: cannot read '1,50'", "decimal comma", 'decimal: ","'),
        options={"decimal": "."},
    ),
    Case(
        "decimal-comma-declared",
        "transactions",
        {"t.csv": (TX + 'T1,C1,2024-01-01,"1.234,56"\nT2,C1,2024-01-01,12.50\n').encode()},
        (2, 1, 0, 1, 0),
        reasons=("amount: cannot read '12.50' as a number",),
        options={"decimal": ","},
        check=amounts({"T1": 1234.56}),
    ),
    # --- money beyond a sane range ----------------------------------------------------------
    Case(
        "money-out-of-range",
        "transactions",
        {
            "t.csv": (
                TX
                + "T1,C1,2024-01-01,1e308\nT2,C1,2024-01-01,123456789012345678901234567890\n"
                + "T3,C1,2024-01-01,inf\nT4,C1,2024-01-01,-5\nT5,C1,2024-01-01,nan\n"
            ).encode()
        },
        (5, 1, 0, 4, 0),
        reasons=(
            "amount: '1e308' is beyond the sane range for money",
            "amount: '123456789012345678901234567890' is beyond",
            "amount: 'inf' is beyond",
            "amount: cannot read 'nan' as a number",
        ),
    ),
    # --- encodings --------------------------------------------------------------------------
    Case(
        "utf8-with-one-gbk-line",
        "customers",
        {
            "c.csv": "customer_id,name\nC7,王芳\nC8,李雷\n".encode()
            + "C9,韩梅梅\n".encode("gbk")
            + "C10,张伟\n".encode()
        },
        (4, 3, 0, 1, 0),
        reasons=("line 4 is not UTF-8 like the rest of the file; it is probably GB18030",),
        check=names({"C7": "王芳", "C10": "张伟"}),
        customers=None,
    ),
    Case(
        "utf8-with-one-gbk-line-after-the-first-megabyte",
        "transactions",
        {"t.csv": MIXED_ENCODING},
        (40_001, 40_000, 0, 1, 0),
        reasons=("line 40002 is not UTF-8 like the rest of the file",),
        check=lambda wh, r: (
            (r.first_problem is not None and r.first_problem.line == 40_002)
            or pytest.fail(str(r.first_problem))
        ),
    ),
    Case(
        "shift-jis-is-not-gb18030",
        "customers",
        {"c.csv": "customer_id,name\nC7,山田太郎\nC8,ありがとう\n".encode("shift_jis")},
        (2, 2, 0, 0, 0),
        check=lambda wh, r: (
            names({"C7": "山田太郎", "C8": "ありがとう"})(wh, r),
            r.encodings[next(iter(r.encodings))] == "cp932" or pytest.fail(str(r.encodings)),
        ),
        customers=None,
    ),
    Case(
        "gbk-file",
        "customers",
        {"c.csv": "customer_id,name,city\nC7,王芳,北京\n".encode("gbk")},
        (1, 1, 0, 0, 0),
        check=names({"C7": "王芳"}),
        customers=None,
    ),
    Case(
        "encoding-that-cannot-be-told-is-refused",
        "customers",
        {"c.csv": "customer_id,name\nC7,김민수\nC8,서울특별시\n".encode("euc_kr")},
        error=IngestError,
        message=("cannot tell the text encoding", "--encoding"),
        where=("c.csv", None, None),
        customers=None,
    ),
    Case(
        "multi-line-quoted-fields-over-1mb",
        "feedback",
        {"f.csv": BIG_FEEDBACK},
        (40_001, 40_000, 0, 1, 0),
        reasons=("timestamp: cannot read '2024-13-01' as a date/time",),
        check=lambda wh, r: (
            (
                r.first_problem is not None
                and r.first_problem.row == 40_001
                and r.first_problem.line == 1 + 3 * 40_000 + 1
            )
            or pytest.fail(str(r.first_problem)),
        ),
    ),
    # --- null-like words ----------------------------------------------------------------------
    Case(
        "null-like-words-are-data",
        "customers",
        {"c.csv": b"customer_id,name\nNA,NA\nNULL,N/A\nnan,#N/A\n"},
        (3, 3, 0, 0, 0),
        check=names({"NA": "NA", "NULL": "N/A", "nan": "#N/A"}),
        customers=None,
    ),
    Case(
        "null-words-from-the-mapping",
        "customers",
        {"c.csv": b"customer_id,name\nC7,NA\nNA,x\nC8,-\n"},
        (3, 2, 0, 1, 0),
        reasons=("customer_id: required value is missing",),
        options={"nulls": ["NA", "-"]},
        check=names({"C7": None, "C8": None}),
        customers=None,
    ),
    # --- workbooks ----------------------------------------------------------------------------
    Case(
        "workbook-with-two-sheets-asks-which",
        "customers",
        {"c.xlsx": _xlsx({"Jan": [["customer_id"], ["C7"]], "Feb": [["customer_id"], ["C8"]]})},
        error=IngestError,
        message=("2 sheets with data (Jan, Feb)", "--sheet"),
        where=("c.xlsx", None, None),
        customers=None,
    ),
    Case(
        "workbook-one-sheet-chosen",
        "customers",
        {"c.xlsx": _xlsx({"Jan": [["customer_id"], ["C7"]], "Feb": [["customer_id"], ["C8"]]})},
        (1, 1, 0, 0, 0),
        options={"sheet": "Feb"},
        check=names({"C8": None}),
        customers=None,
    ),
    Case(
        "workbook-every-sheet",
        "customers",
        {
            "c.xlsx": _xlsx(
                {"Jan": [["customer_id"], ["C7"]], "Feb": [["customer_id"], ["C8"], ["C7"]]}
            )
        },
        (3, 2, 0, 1, 0),
        reasons=('customer_id: duplicate "C7"',),
        options={"sheet": "*"},
        customers=None,
    ),
    # --- identifiers ---------------------------------------------------------------------------
    Case(
        "ids-nfkc-and-invisible-characters",
        "transactions",
        {
            "t.csv": (
                TX + "T1,Ｃ１,2024-01-01,1\nT2,C\u200b2,2024-01-01,2\nT3, C3 ,2024-01-01,3\n"
            ).encode()
        },
        (3, 3, 0, 0, 3),
        repairs=(
            "customer_id: 'Ｃ１' normalised to 'C1'",
            "customer_id: ' C3 ' normalised to 'C3'",
        ),
        check=lambda wh, r: (
            values(wh, "transactions", "customer_id", "transaction_id")
            == {"T1": "C1", "T2": "C2", "T3": "C3"}
            or pytest.fail("ids not normalised")
        ),
    ),
    Case(
        "ids-nfd-equals-nfc",
        "customers",
        {"c.csv": "customer_id\nZoe\u0301\nZo\u00e9\n".encode()},
        (2, 1, 0, 1, 1),
        reasons=('customer_id: duplicate "Zoé"',),
        customers=None,
    ),
    Case(
        "lookalike-id-refused",
        "customers",
        {"c.csv": "customer_id,name\nС1,Cyrillic\n".encode()},
        (1, 0, 0, 1, 0),
        reasons=(
            "'С1' differs from 'C1' (already loaded) only by look-alike characters",
            "U+0421 CYRILLIC CAPITAL LETTER ES",
        ),
    ),
    Case(
        "lookalike-reference-explained",
        "transactions",
        {"t.csv": (TX + "T1,С1,2024-01-01,1\n").encode()},
        (1, 0, 0, 1, 0),
        reasons=("unknown customer_id", "looks like the known 'C1'", "CYRILLIC CAPITAL LETTER ES"),
    ),
    # --- dates, times and offsets ------------------------------------------------------------
    Case(
        "impossible-offset",
        "transactions",
        {
            "t.csv": (
                TX + "T1,C1,2024-01-01 10:00+99:99,1\nT2,C1,2024-01-01T10:00:00+08:00,2\n"
            ).encode()
        },
        (2, 1, 0, 1, 0),
        reasons=("timestamp: '2024-01-01 10:00+99:99' has an impossible UTC offset",),
        check=lambda wh, r: (
            values(wh, "transactions", "timestamp", "transaction_id")
            == {"T2": pd.Timestamp("2024-01-01 02:00")}
            or pytest.fail("offset not converted")
        ),
    ),
    Case(
        "sentinel-date-in-optional-field-repaired",
        "customers",
        {
            "c.csv": b"customer_id,created_at,birth_date,consent_email\nC7,9999-12-31,1990-02-30,maybe\nC8,2024-01-01,1990-01-01,yes\n"
        },
        (2, 2, 0, 0, 1),
        repairs=(
            "created_at: '9999-12-31' is outside the dates that can be held",
            "birth_date: cannot read '1990-02-30' as a date; set to missing",
            "consent_email: cannot read 'maybe' as yes/no; set to missing",
        ),
        customers=None,
    ),
    Case(
        "words-that-strptime-reads-as-1900",
        "transactions",
        {"t.csv": (TX + "T1,C1,epoch,1\nT2,C1,infinity,1\nT3,C1, 2024-01-01 ,1\n").encode()},
        (3, 1, 0, 2, 0),
        reasons=("timestamp: cannot read 'epoch'", "timestamp: cannot read 'infinity'"),
    ),
    Case(
        "sentinel-date-in-required-field-quarantined",
        "transactions",
        {"t.csv": (TX + "T1,C1,9999-12-31,1\nT2,C1,1600-01-01,1\n").encode()},
        (2, 0, 0, 2, 0),
        reasons=("timestamp: '9999-12-31' is outside the dates that can be held", "'1600-01-01'"),
    ),
    # --- transaction ids ---------------------------------------------------------------------
    Case(
        "no-transaction-id-column",
        "transactions",
        {
            "t.csv": b"customer_id,timestamp,amount\nC1,2024-01-01,5\nC1,2024-01-02,5\nC1,2024-01-01,5\n"
        },
        (3, 2, 0, 1, 0),
        reasons=("duplicate", "no transaction_id in the source", "(first at row 1)"),
        check=lambda wh, r: (
            all(
                str(t).startswith("h") and len(str(t)) == 21
                for t in values(wh, "transactions", "amount", "transaction_id")
            )
            or pytest.fail("ids not derived")
        ),
    ),
    Case(
        "empty-transaction-id-derived-and-logged",
        "transactions",
        {"t.csv": (TX + "T1,C1,2024-01-01,1\n,C1,2024-01-01,2\n").encode()},
        (2, 2, 0, 0, 1),
        repairs=("transaction_id: missing; derived from the row's content as h",),
    ),
    # --- file types that must not hang or crash ----------------------------------------------
    Case(
        "parquet-struct-column-mapped-refused",
        "customers",
        {
            "c.parquet": _parquet(
                pa.table({"customer_id": ["C7"], "name": [{"first": "A", "last": "B"}]})
            )
        },
        error=IngestError,
        message=("nested column (struct)", "name takes one value per row"),
        where=("c.parquet", None, "name"),
        customers=None,
    ),
    Case(
        "parquet-struct-column-unmapped-ignored",
        "customers",
        {"c.parquet": _parquet(pa.table({"customer_id": ["C7"], "extra": [{"a": 1}]}))},
        (1, 1, 0, 0, 0),
        customers=None,
    ),
    Case(
        "jsonl-keys-that-appear-later-are-read",
        "transactions",
        {
            "t.jsonl": (
                '{"transaction_id": "T1", "customer_id": "C1", "timestamp": "2024-01-01", "amount": 1}\n'
                "{not json\n\n"
                '{"transaction_id": "T2", "customer_id": "C1", "timestamp": "2024-01-02", '
                '"amount": 2.5, "category": "餐饮"}\n'
            ).encode()
        },
        (3, 2, 0, 1, 0),
        reasons=("invalid JSON",),
        check=lambda wh, r: (
            (
                values(wh, "transactions", "category", "transaction_id")["T2"] == "餐饮"
                and r.first_problem is not None
                and (r.first_problem.row, r.first_problem.line) == (2, 2)
            )
            or pytest.fail(str(r))
        ),
    ),
    Case(
        "empty-file",
        "customers",
        {"c.csv": b""},
        error=IngestError,
        message=("the file is empty",),
        where=("c.csv", 1, None),
        customers=None,
    ),
    Case(
        "header-only-file-reads-nothing",
        "customers",
        {"c.csv": b"customer_id,name\n"},
        (0, 0, 0, 0, 0),
        customers=None,
    ),
    Case(
        "wrong-column-count",
        "transactions",
        {"t.csv": (TX + "T1,C1,2024-01-01,1\nT2,C1,2024-01-01\nT3,C1,2024-01-01,3,4\n").encode()},
        (3, 1, 0, 2, 0),
        reasons=("expected 4 columns, got 3", "expected 4 columns, got 5"),
    ),
    # --- the quarantine cascade -----------------------------------------------------------------
    Case(
        "customer-in-quarantine-says-so",
        "transactions",
        {"t.csv": (TX + "T1,С1,2024-01-01,1\n").encode()},
        (1, 0, 0, 1, 0),
        reasons=('customer_id: customer_id "С1" is in quarantine (c.csv, row 4)', "look-alike"),
        customers=CUSTOMERS + "С1,Cyrillic\n",
    ),
]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "it's home"  # an apostrophe in the path must not break anything


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, home: Path, tmp_path: Path) -> None:
    settings = Settings(home=home, timezone="UTC", phone_region="CN")
    with open_warehouse(settings) as wh:
        if case.customers is not None:
            ingest(wh, "customers", [_write(tmp_path / "c.csv", case.customers.encode())])
        paths = [_write(tmp_path / "in" / name, data) for name, data in case.files.items()]
        if case.error is not None:
            with pytest.raises(case.error) as info:
                ingest(wh, case.table, paths, **case.options)
            text = str(info.value)
            for m in case.message:
                assert m in text, text
            if case.where is not None and isinstance(info.value, IngestError):
                file, line, column = case.where
                assert file is None or Path(info.value.file or "").name == file, text
                assert info.value.line == line, text
                assert info.value.column == column, text
            assert wh.count(case.table) == (
                3 if case.table == "customers" and case.customers else 0
            )
            return
        r = ingest(wh, case.table, paths, **case.options)
        assert r.read == r.loaded + r.already_loaded + r.quarantined
        if case.counts is not None:
            got = (r.read, r.loaded, r.already_loaded, r.quarantined, r.repaired)
            assert got == case.counts, r
        q = wh.table("quarantine").filter(lambda t: t.table_name == case.table).execute()
        for reason in case.reasons:
            assert q["reason"].str.contains(reason, regex=False).any(), (
                reason,
                q["reason"].tolist(),
            )
        rep = wh.table("repairs").filter(lambda t: t.table_name == case.table).execute()
        for reason in case.repairs:
            assert rep["reason"].str.contains(reason, regex=False).any(), (
                reason,
                rep["reason"].tolist(),
            )
        if case.check is not None:
            case.check(wh, r)
        # Re-running is safe: nothing new is loaded, the quarantine and repairs are replaced.
        again = ingest(wh, case.table, paths, **case.options)
        assert again.loaded == 0
        assert again.already_loaded == r.loaded + r.already_loaded
        assert again.quarantined == r.quarantined
        q2 = wh.table("quarantine").filter(lambda t: t.table_name == case.table).execute()
        assert len(q2) == len(q)


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_named_pipe_is_refused_without_waiting(wh: Warehouse, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(IngestError, match="named pipe") as info:
        ingest(wh, "customers", [fifo])
    assert info.value.file == str(fifo)


def test_directory_is_refused(wh: Warehouse, tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="is a directory") as info:
        ingest(wh, "customers", [tmp_path])
    assert info.value.file == str(tmp_path)


def test_one_mapping_file_with_a_section_per_table(wh: Warehouse, tmp_path: Path) -> None:
    mapping = _write(
        tmp_path / "m.yaml",
        (
            "customers:\n  columns:\n    客户号: customer_id\n    姓名: name\n"
            "transactions:\n  columns:\n    客户号: customer_id\n    日期: timestamp\n"
            '    金额: amount\n  decimal: ","\n'
        ).encode(),
    )
    c = _write(tmp_path / "c.csv", "客户号,姓名\nC1,张三\n".encode())
    t = _write(tmp_path / "t.csv", '客户号,日期,金额\nC1,2024-01-01,"1,5"\n'.encode())
    assert ingest(wh, "customers", [c], mapping=mapping).loaded == 1
    assert ingest(wh, "transactions", [t], mapping=mapping).loaded == 1
    assert values(wh, "transactions", "amount", "customer_id") == {"C1": 1.5}
    with pytest.raises(ConfigError, match="no section for accounts"):
        ingest(wh, "accounts", [c], mapping=mapping)
