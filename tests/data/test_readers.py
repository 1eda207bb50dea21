from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from loyalloop.data.readers import detect_encoding, read_chunks
from loyalloop.errors import IngestError

TEXT = "客户号,金额\nC1,12.5\nC2,数字\n"


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030")],
)
def test_encoding_detection(tmp_path: Path, encoding: str, expected: str) -> None:
    p = tmp_path / "f.csv"
    p.write_bytes(TEXT.encode(encoding))
    assert detect_encoding(p) == expected
    frame = next(read_chunks(p)).frame
    assert list(frame.columns) == ["客户号", "金额"]
    assert frame["金额"].tolist() == ["12.5", "数字"]


def test_chunks_number_rows_and_lines(tmp_path: Path) -> None:
    p = tmp_path / "f.csv"
    p.write_text("a,b\n" + "".join(f"{i},{i}\n" for i in range(10)), encoding="utf-8")
    chunks = list(read_chunks(p, chunk_rows=4))
    assert [len(c.frame) for c in chunks] == [4, 4, 2]
    assert chunks[1].rows.tolist() == [5, 6, 7, 8]
    assert chunks[1].lines is not None and chunks[1].lines.tolist() == [6, 7, 8, 9]


def test_wrong_column_count_is_rejected_with_line(tmp_path: Path) -> None:
    p = tmp_path / "f.csv"
    p.write_text("a,b\n1,2\n3,4,5\n6,7\n", encoding="utf-8")
    chunks = list(read_chunks(p))
    rejected = [r for c in chunks for r in c.rejected]
    assert [(r.line, r.row_number) for r in rejected] == [(3, 2)]
    assert "expected 2 columns, got 3" in rejected[0].reason
    good = pd.concat([c.frame for c in chunks])
    lines = pd.concat([c.lines for c in chunks if c.lines is not None])
    assert good["a"].tolist() == ["1", "6"]
    assert lines.tolist() == [2, 4]


def test_other_formats(tmp_path: Path) -> None:
    df = pd.DataFrame({"a": ["x", "y"], "n": [1, 2]})
    df.to_parquet(tmp_path / "f.parquet")
    df.to_excel(tmp_path / "f.xlsx", index=False)
    (tmp_path / "f.jsonl").write_text('{"a": "x", "n": 1}\nnot json\n{"a": "y", "n": 2}\n')
    for name in ("f.parquet", "f.xlsx", "f.jsonl"):
        chunks = list(read_chunks(tmp_path / name))
        frame = pd.concat([c.frame for c in chunks])
        assert frame["a"].tolist() == ["x", "y"], name
        assert frame["n"].tolist() == ["1", "2"], name
    bad = [r for c in read_chunks(tmp_path / "f.jsonl") for r in c.rejected]
    assert bad[0].line == 2 and "invalid JSON" in bad[0].reason


def test_unreadable_files_fail_clearly(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="file not found"):
        list(read_chunks(tmp_path / "missing.csv"))
    (tmp_path / "x.doc").write_text("hello")
    with pytest.raises(IngestError, match="unsupported file type"):
        list(read_chunks(tmp_path / "x.doc"))
    (tmp_path / "e.csv").write_text("")
    with pytest.raises(IngestError, match="empty or has no header"):
        list(read_chunks(tmp_path / "e.csv"))
    (tmp_path / "p.parquet").write_text("not parquet")
    with pytest.raises(IngestError, match="cannot read as Parquet"):
        list(read_chunks(tmp_path / "p.parquet"))


def test_null_words_are_data_and_quoted_fields_may_span_lines(tmp_path: Path) -> None:
    p = tmp_path / "f.csv"
    rows = "".join(f'{i},"line one\nline two",NA\n' for i in range(30_000))  # over 1 MB
    p.write_text("a,b,c\n" + rows + "30000,,N/A\n", encoding="utf-8")
    frame = pd.concat([c.frame for c in read_chunks(p)])
    assert len(frame) == 30_001
    assert frame["b"].iloc[0] == "line one\nline two"
    assert frame["c"].iloc[0] == "NA" and frame["c"].iloc[-1] == "N/A"
    assert frame["b"].iloc[-1] is None
