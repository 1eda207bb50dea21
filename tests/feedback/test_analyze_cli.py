from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from loyalloop.cli.feedback import app
from loyalloop.core.csvsafe import escape_formula, spreadsheet_safe
from loyalloop.errors import DataValidationError, IngestError
from loyalloop.feedback import analyze_feedback, analyze_texts, read_comments
from loyalloop.feedback.analyze import distinct_texts

BAD = [
    "",
    "😀😀😀",
    "<b>年费</b>太贵<script>x()</script>",
    "额度" * 3000,
    "年费太贵".encode("gb18030"),
    "额度\x00\x1b太低",
    None,
    '=HYPERLINK("http://evil")',
]


def test_analyze_texts_columns_and_bad_input() -> None:
    out = analyze_texts(BAD)
    assert list(out.columns) == ["text", "language", "sentiment", "sentiment_score", "aspects"]
    assert len(out) == len(BAD)
    assert out["sentiment"].isin(["positive", "neutral", "negative"]).all()
    assert out["sentiment_score"].between(-1, 1).all()
    assert out.loc[0, "language"] == "und" and out.loc[0, "sentiment"] == "neutral"
    assert out.loc[1, "sentiment"] == "positive"  # emoji lexicon
    assert "<" not in out.loc[2, "text"] and out.loc[2, "aspects"].startswith("annual_fee:")
    assert len(out.loc[3, "text"]) == 5000
    assert out.loc[4, "text"] == "年费太贵"
    assert out.loc[6, "text"] == ""


def test_analyze_texts_parallel_matches_serial() -> None:
    base = ["年费太贵，积分很好", "The app crashes", "服务很好"]
    texts = [f"{t} {i}" for i in range(40) for t in base]  # 120 distinct: three chunks
    serial = analyze_texts(texts)
    parallel = analyze_texts(texts, n_jobs=2, chunk_size=50)
    pd.testing.assert_frame_equal(serial, parallel)


def test_repeated_comments_read_once_with_the_same_result() -> None:
    texts = ["年费太贵，积分很好", None, "The app crashes", "年费太贵，积分很好", None, 3]
    distinct, where = distinct_texts(texts)
    assert distinct == ["年费太贵，积分很好", None, "The app crashes", None, 3]
    assert where == [0, 1, 2, 0, 3, 4]
    together = analyze_texts(texts)
    one_by_one = pd.concat([analyze_texts([t]) for t in texts], ignore_index=True)
    pd.testing.assert_frame_equal(together, one_by_one)


def test_cli_jobs_give_the_same_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import loyalloop.cli.feedback as cli_feedback

    monkeypatch.setattr(cli_feedback, "_BATCH", 7)  # several chunks for the workers
    rows = [f"年费太贵{i % 9}，积分很好" if i % 3 else f"The app crashed {i}" for i in range(40)]
    src = tmp_path / "c.csv"
    pd.DataFrame({"text": rows}).to_csv(src, index=False)
    outs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}.csv"
        res = CliRunner().invoke(app, ["analyze", str(src), "--out", str(out), "--jobs", jobs])
        assert res.exit_code == 0, res.output
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    written = pd.read_csv(tmp_path / "out1.csv")
    assert written["text"].tolist() == analyze_texts(rows)["text"].tolist()


def test_analyze_feedback_keeps_given_language() -> None:
    fb = pd.DataFrame({"feedback_id": ["a", "b"], "text": ["很好", "good"], "language": ["zh", ""]})
    out = analyze_feedback(fb)
    assert out["language"].tolist() == ["zh", "en"]
    assert {"sentiment", "sentiment_score", "aspects"} <= set(out.columns)
    with pytest.raises(DataValidationError):
        analyze_feedback(fb, text_column="nope")


def test_formula_injection_escaped() -> None:
    for bad in ("=1+1", "+1+1", "-1+cmd|' /C calc'!A0", "@SUM(A1)", "\tx", "\rx"):
        assert escape_formula(bad) == "'" + bad
    for inert in ("+1", "-1", "+8613800138000"):  # numbers and phones: exported as written
        assert escape_formula(inert) == inert
    frame = pd.DataFrame({"text": ["=cmd|' /C calc'!A0", "ok"], "score": [-0.5, 0.5]})
    safe = spreadsheet_safe(frame)
    assert safe["text"].tolist() == ["'=cmd|' /C calc'!A0", "ok"]
    assert safe["score"].tolist() == [-0.5, 0.5]


def _write_inputs(tmp_path: Path) -> dict[str, Path]:
    rows = ["年费太贵，但是积分很划算", "The app keeps crashing", "=1+2 客服很好"]
    frame = pd.DataFrame({"id": [1, 2, 3], "comment": rows})
    paths = {
        "csv": tmp_path / "in.csv",
        "parquet": tmp_path / "in.parquet",
        "jsonl": tmp_path / "in.jsonl",
        "xlsx": tmp_path / "in.xlsx",
        "txt": tmp_path / "in.txt",
    }
    frame.to_csv(paths["csv"], index=False)
    frame.to_parquet(paths["parquet"])
    paths["jsonl"].write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in frame.to_dict("records")) + "\n",
        encoding="utf-8",
    )
    frame.to_excel(paths["xlsx"], index=False)
    # one comment per line, each line in a different encoding
    paths["txt"].write_bytes(
        rows[0].encode("utf-8") + b"\n" + rows[1].encode("ascii") + b"\r\n"
        + rows[2].encode("gb18030") + b"\n"
    )  # fmt: skip
    return paths


@pytest.mark.parametrize("kind", ["csv", "parquet", "jsonl", "xlsx", "txt"])
def test_cli_analyze_every_format(tmp_path: Path, kind: str) -> None:
    src = _write_inputs(tmp_path)[kind]
    out = tmp_path / "out.csv"
    args = ["analyze", str(src), "--out", str(out)]
    if kind != "txt":
        args += ["--text-column", "comment"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out, encoding="utf-8-sig", keep_default_na=False)
    assert list(written.columns) == [
        "text",
        "language",
        "sentiment",
        "sentiment_score",
        "aspects",
    ]
    assert len(written) == 3
    assert written.loc[0, "aspects"] == "annual_fee:negative; rewards_points:positive"
    assert written.loc[1, "language"] == "en" and written.loc[1, "sentiment"] == "negative"
    if kind != "xlsx":  # Excel itself stores "=..." as a formula, so it cannot round-trip
        assert written.loc[2, "text"].startswith("'=")  # formula injection neutralised
    assert "3 comments" in result.output


def test_cli_default_text_column_and_errors(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    pd.DataFrame({"text": ["很好"]}).to_csv(src, index=False)
    out = tmp_path / "o.csv"
    assert CliRunner().invoke(app, ["analyze", str(src), "--out", str(out)]).exit_code == 0
    bad = CliRunner().invoke(app, ["analyze", str(src), "--out", str(out), "--text-column", "x"])
    assert bad.exit_code == 1 and "column 'x' not found" in bad.output
    missing = CliRunner().invoke(app, ["analyze", str(tmp_path / "nope.csv"), "--out", str(out)])
    assert missing.exit_code == 2 and "no such file" in missing.output


def test_read_comments_errors(tmp_path: Path) -> None:
    with pytest.raises(IngestError):
        read_comments(tmp_path / "missing.csv")
    src = tmp_path / "x.csv"
    pd.DataFrame({"a": [1]}).to_csv(src, index=False)
    with pytest.raises(DataValidationError, match="no text column"):
        read_comments(src)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert read_comments(empty).empty


def test_analyze_command_loads_no_warehouse_or_model_library(tmp_path: Path) -> None:
    """``feedback analyze`` start-up: the text analytics need none of scipy, scikit-learn, the
    warehouse engines or LightGBM (importing them cost ~3 s of a 10k-comment run)."""
    import subprocess
    import sys

    src = tmp_path / "c.csv"
    src.write_text("text\n年费太贵了，客服态度很好\nThe app is slow\n", encoding="utf-8")
    probe = (
        "import json, sys\n"
        "from loyalloop.cli.main import main\n"
        "code = main(['feedback', 'analyze', sys.argv[1], '--out', sys.argv[2], '--json'])\n"
        "print(json.dumps({'code': code, 'modules': sorted({m.split('.')[0] for m in sys.modules})}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(src), str(tmp_path / "out.csv")],
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["code"] == 0
    assert (tmp_path / "out.csv").exists()
    heavy = {"scipy", "sklearn", "ibis", "duckdb", "lightgbm", "sqlalchemy", "pyspark", "sqlglot"}
    assert heavy.isdisjoint(report["modules"]), heavy & set(report["modules"])
    assert "rjieba" in report["modules"]  # the Chinese comment was really analysed
    assert "jieba" not in report["modules"]  # its dictionary file only; rjieba segments


def test_chunks_are_even_and_a_multiple_of_the_workers() -> None:
    from loyalloop.feedback.analyze import _chunks

    texts: list[object] = list(range(7494))
    for workers, size in ((1, 2000), (2, 2000), (2, 5000), (3, 100), (2, 7)):
        chunks = _chunks(texts, workers, size)
        assert [t for c in chunks for t in c] == texts
        assert max(map(len, chunks)) <= size
        if workers > 1:
            assert len(chunks) % workers == 0
            assert max(map(len, chunks)) - min(map(len, chunks)) <= 1
    assert _chunks(list(range(13)), 2, 3) == [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9], [10, 11, 12]]
    assert _chunks(list(range(3)), 2, 2000) == [[0], [1, 2]]
    assert _chunks(list(range(1)), 2, 2000) == [[0]]
    assert _chunks([], 2, 2000) == []


def test_auto_jobs_from_the_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    import loyalloop.feedback.analyze as analyze

    monkeypatch.setattr(analyze, "available_cpus", lambda: 4)
    assert analyze.auto_jobs(analyze.AUTO_JOBS_FROM - 1) == 1
    assert analyze.auto_jobs(analyze.AUTO_JOBS_FROM) == 4


def test_cli_default_jobs_use_the_cpus_with_the_same_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import loyalloop.cli.feedback as cli_feedback
    import loyalloop.feedback.analyze as analyze

    monkeypatch.setattr(cli_feedback, "_BATCH", 7)
    monkeypatch.setattr(analyze, "AUTO_JOBS_FROM", 20)
    monkeypatch.setattr(analyze, "available_cpus", lambda: 2)
    used: list[int] = []
    real = analyze.iter_readings

    def spy(*args: Any, **kwargs: Any) -> Any:
        used.append(kwargs["n_jobs"])
        return real(*args, **kwargs)

    monkeypatch.setattr(analyze, "iter_readings", spy)
    rows = [f"年费太贵{i % 9}，积分很好" if i % 3 else f"The app crashed {i}" for i in range(40)]
    src = tmp_path / "c.csv"
    pd.DataFrame({"text": rows}).to_csv(src, index=False)
    outs = []
    for extra in ([], ["--jobs", "1"]):
        out = tmp_path / f"out{len(extra)}.csv"
        res = CliRunner().invoke(app, ["analyze", str(src), "--out", str(out), *extra])
        assert res.exit_code == 0, res.output
        outs.append(out.read_bytes())
    assert used == [2, 1]
    assert outs[0] == outs[1]
    small = tmp_path / "small.csv"
    pd.DataFrame({"text": rows[:10]}).to_csv(small, index=False)
    res = CliRunner().invoke(app, ["analyze", str(small), "--out", str(tmp_path / "s.csv")])
    assert res.exit_code == 0, res.output
    assert used[-1] == 1  # under the threshold: this process only
