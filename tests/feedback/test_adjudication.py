"""Double annotation with adjudication (benchmarks/feedback_adjudication.py): the disputed rows
are exactly those labelled differently, the adjudicated set keeps agreed rows and takes the
decisions, and bad decisions are refused naming the file and row."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from loyalloop.feedback.evaluate import read_labelled

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "feedback_adjudication.py"
HEADER = "domain\tlang\ttext\taspects\tintent\n"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, check=False
    )


def _write(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def test_disputes_then_merge(tmp_path: Path) -> None:
    author = _write(
        tmp_path / "a.tsv",
        [
            'banking\ten\t"On hold" for 40 minutes\twaiting_time:negative\tcomplaint',
            "banking\ten\tThe app is fine\tapp_online:positive\tpraise",
            "banking\ten\tWhat is the annual fee?\tannual_fee:neutral\tquestion",
            "retail\ten\tArrived broken, refund slow\tdelivery:negative\tcomplaint",
        ],
    )
    second = _write(
        tmp_path / "b.tsv",
        [
            # same labels, other order/spacing of nothing: agreed
            'banking\ten\t"On hold" for 40 minutes\twaiting_time:negative\tcomplaint',
            "banking\ten\tThe app is fine\tapp_online:neutral\tstatement",
            "banking\ten\tWhat is the annual fee?\tannual_fee:neutral\tquestion",
            "retail\ten\tArrived broken, refund slow\t"
            "returns:negative; delivery:negative\tcomplaint",
        ],
    )
    disputes = tmp_path / "disputes.tsv"
    done = _run(
        "disputes", "--author", str(author), "--second", str(second), "--out", str(disputes)
    )
    assert done.returncode == 0, done.stderr
    shown = read_labelled(disputes)
    assert list(shown["id"]) == ["3", "5"]  # file rows 3 and 5 (header is row 1)
    assert set(shown.columns) >= {"aspects_1", "intent_1", "aspects_2", "intent_2"}

    decided = tmp_path / "decided.tsv"
    decided.write_text(
        "id\taspects\tintent\n"
        "3\tapp_online:positive\tpraise\n"
        "5\tdelivery:negative;returns:negative;waiting_time:negative\tcomplaint\n",
        encoding="utf-8",
    )
    out = tmp_path / "adj.tsv"
    merged = _run(
        "merge", "--author", str(author), "--second", str(second), "--disputes", str(disputes),
        "--decided", str(decided), "--out", str(out),
    )  # fmt: skip
    assert merged.returncode == 0, merged.stderr
    assert "4 rows, 2 agreed, 2 decided" in merged.stdout
    assert "other 1" in merged.stdout  # row 5 is neither annotator's labels
    result = read_labelled(out)
    assert result["text"].iloc[0] == '"On hold" for 40 minutes'  # read and written as written
    assert list(result["aspects"]) == [
        "waiting_time:negative",
        "app_online:positive",
        "annual_fee:neutral",
        "delivery:negative;returns:negative;waiting_time:negative",
    ]

    decided.write_text("id\taspects\tintent\n3\tapp_online:positive\tpraise\n", encoding="utf-8")
    refused = _run(
        "merge", "--author", str(author), "--second", str(second), "--disputes", str(disputes),
        "--decided", str(decided), "--out", str(out),
    )  # fmt: skip
    assert refused.returncode != 0
    assert "no decision for id 5" in refused.stderr


def test_texts_must_match(tmp_path: Path) -> None:
    author = _write(tmp_path / "a.tsv", ["banking\ten\tone\t\tstatement"])
    second = _write(tmp_path / "b.tsv", ["banking\ten\tother\t\tstatement"])
    done = _run(
        "disputes", "--author", str(author), "--second", str(second),
        "--out", str(tmp_path / "d.tsv"),
    )  # fmt: skip
    assert done.returncode != 0
    assert "row 2 field text differs" in done.stderr
