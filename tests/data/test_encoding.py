"""Encodings decided on evidence from the whole file, and odd lines named."""

from __future__ import annotations

from pathlib import Path

import pytest

from loyalloop.data.encoding import ODD_LINE_MARKER, scan_text, transcode
from loyalloop.errors import IngestError

ZH = ["客户号,姓名,城市,备注"] + [
    f"C{i},王芳{i % 7},北京,信用卡还款很方便，服务态度好" for i in range(300)
]
JA = ["id,name,city,note"] + [f"C{i},山田太郎,東京,ありがとうございます" for i in range(300)]
LATIN = ["id,name,city"] + [f"C{i},Müller,São Paulo" for i in range(300)]
BIG5 = ["id,name,city"] + [f"C{i},陳大文,臺北市,謝謝您的服務" for i in range(300)]


def write(path: Path, lines: list[str], encoding: str) -> Path:
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


@pytest.mark.parametrize(
    ("lines", "written", "decided"),
    [
        (ZH, "utf-8", "utf-8"),
        (ZH, "utf-8-sig", "utf-8-sig"),
        (ZH, "gbk", "gb18030"),
        (ZH, "gb18030", "gb18030"),
        (JA, "shift_jis", "cp932"),  # not GB18030, although its bytes decode as such
        (LATIN, "cp1252", "cp1252"),
        (BIG5, "big5", "cp950"),
    ],
)
def test_whole_file_decides(tmp_path: Path, lines: list[str], written: str, decided: str) -> None:
    scan = scan_text(write(tmp_path / "f.csv", lines, written))
    assert scan.encoding == decided, scan.evidence
    assert scan.lines == len(lines)
    assert not scan.odd_lines


def test_utf8_file_with_one_gbk_line_names_it(tmp_path: Path) -> None:
    data = ("\n".join(ZH[:50]) + "\n").encode() + (ZH[50] + "\n").encode("gbk")
    data += ("\n".join(ZH[51:]) + "\n").encode()
    p = tmp_path / "f.csv"
    p.write_bytes(data)
    scan = scan_text(p)
    assert scan.encoding == "utf-8"
    assert [o.line for o in scan.odd_lines] == [51]
    assert scan.odd_lines[0].text == ZH[50]  # shown as it was meant, not as mojibake
    assert "GB18030" in scan.odd_lines[0].reason


def test_gbk_file_with_one_utf8_line_transcodes_the_rest(tmp_path: Path) -> None:
    data = ("\n".join(ZH[:50]) + "\n").encode("gbk") + (ZH[50] + "\n").encode()
    data += ("\n".join(ZH[51:]) + "\n").encode("gbk")
    p = tmp_path / "f.csv"
    p.write_bytes(data)
    scan = scan_text(p)
    assert scan.encoding == "gb18030" and scan.check_utf8_lines
    out = tmp_path / "out.csv"
    odd = transcode(p, scan, out)
    assert [o.line for o in odd] == [51] and "is UTF-8" in odd[0].reason
    lines = out.read_bytes().split(b"\n")
    assert lines[50] == ODD_LINE_MARKER  # same line number, unreadable for the engine
    assert lines[1].decode() == ZH[1]


def test_evidence_after_the_first_megabyte_counts(tmp_path: Path) -> None:
    """Plain ASCII for 2 MB, then Chinese in GBK: the file is GB18030, decided by the end."""
    lines = ["a,b"] + [f"C{i},x" for i in range(300_000)] + ["C9,王芳"]
    scan = scan_text(write(tmp_path / "f.csv", lines, "gbk"))
    assert scan.size > 2 << 20
    assert scan.encoding == "gb18030"


def test_refuses_to_guess(tmp_path: Path) -> None:
    p = write(tmp_path / "f.csv", ["id,name"] + ["C1,김민수,서울"] * 50, "euc_kr")
    with pytest.raises(IngestError, match="cannot tell the text encoding") as info:
        scan_text(p)
    assert "--encoding" in str(info.value) and info.value.file == str(p)


def test_given_encoding_is_used(tmp_path: Path) -> None:
    scan = scan_text(write(tmp_path / "f.csv", ZH, "gbk"), "gbk")
    assert scan.encoding == "gbk"
    with pytest.raises(IngestError, match="unknown encoding"):
        scan_text(tmp_path / "f.csv", "klingon")
