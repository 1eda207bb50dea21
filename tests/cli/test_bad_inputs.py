"""Every bad input answered cleanly, table-driven: the exit code, the message, the JSON shape.

Each case runs the real entry point (:func:`loyalloop.cli.main.main`) twice, as text and with
``--json``. As text: the documented exit code, the message on standard error, no traceback.
With ``--json``: the same exit code and exactly one strict JSON object on standard output,
``{"error": {"code": …, "message": …}}``. Exit codes are those of :mod:`loyalloop.errors`
(1 bad input data, 2 usage or configuration, 3 not found, 4 model, 70 internal error).

Cases inside ingest's readers (decimal commas, encodings, null words, sheets, ids, dates,
pipes, multi-line quoted fields) are tested with ingest (tests/data).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from tests.conftest import write
from tests.pipeline.test_runs import CUSTOMERS, FEEDBACK, TX

from loyalloop.cli.main import main
from loyalloop.clv.simulate import simulate_beta_geo, simulate_gamma_gamma


@dataclass(frozen=True)
class Project:
    """A project home with one published run, and a folder of input files."""

    home: Path
    files: Path

    def path(self, text: str) -> str:
        return text.format(home=self.home, files=self.files, run=self.home / "runs" / "000001")


def _files(d: Path) -> None:
    d.mkdir()
    (d / "adir").mkdir()
    write(d / "empty.csv", "")
    write(d / "header.csv", "customer_id,name\n")
    write(d / "customers.csv", CUSTOMERS)
    write(d / "tx.csv", TX)
    rfm = simulate_beta_geo(300, r=0.8, alpha=20.0, a=0.6, b=2.5, T=200.0, seed=1)
    repeat = rfm["frequency"] > 0
    spend = simulate_gamma_gamma(rfm.loc[repeat, "frequency"], p=6.0, q=4.0, v=15.0, seed=2)
    rfm["monetary_value"] = 0.0
    rfm.loc[repeat, "monetary_value"] = spend["monetary_value"].to_numpy()
    rfm.to_csv(d / "rfm.csv", index=False)
    write(d / "rfm_text.csv", "customer_id,frequency,recency,T\nA,two,1,3\n")
    write(d / "rfm_t0.csv", "customer_id,frequency,recency,T\nA,0,0,0\nB,0,0,0\n")
    write(d / "no_id.csv", "name,city\nWang,Shanghai\n")
    write(d / "bad_rows.csv", "customer_id,created_at\n,2024-01-01\n,2024-01-02\n")
    write(d / "gbk.csv", "id,left,spend\n", "utf-8")
    with (d / "gbk.csv").open("ab") as fh:
        fh.write("王芳,yes,1\n".encode("gbk") * 3)
    (d / "program.csv").write_bytes(b"\x7fELF\x02\x01\x01" + bytes(range(1, 200)))
    (d / "nul.csv").write_bytes(b"customer_id,name\nC1,\x00\x00\x00\n")
    (d / "workbook.csv").write_bytes(b"PK\x03\x04" + b"\x14" * 100)
    (d / "garbage.json").write_bytes(b"\x9d\xfe\xaa garbage that is not JSON")
    write(d / "notmodel.json", '{"not": "a model"}')
    os.mkfifo(d / "pipe.csv")
    write(d / "comments.csv", "text\n很好\n年费太贵\n")
    churn = "id,left,spend\n" + "".join(f"K{i},{'yes' if i % 3 else 'no'},{i}\n" for i in range(60))
    write(d / "churn.csv", churn)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    root = tmp_path_factory.mktemp("bad_inputs")
    p = Project(home=root / "home", files=root / "files")
    _files(p.files)
    for table, name in (("customers", "customers"), ("transactions", "tx")):
        assert main(["--home", str(p.home), "ingest", table, str(p.files / f"{name}.csv")]) == 0
    write(p.files / "fb.csv", FEEDBACK)
    assert main(["--home", str(p.home), "ingest", "feedback", str(p.files / "fb.csv")]) == 0
    assert main(["--home", str(p.home), "run"]) == 0
    rfm = str(p.files / "rfm.csv")
    assert main(["clv", "fit", "--data", rfm, "--model-out", str(p.files / "bg.json")]) == 0
    gg = ["--spend-out", str(p.files / "gg.json")]
    assert main(["clv", "fit", "--data", rfm, "--model-out", str(p.files / "bg2.json"), *gg]) == 0
    return p


@dataclass(frozen=True)
class Case:
    name: str
    args: str  # split on spaces; {home}, {files}, {run} as in Project.path
    code: int
    message: str  # text the error message contains (placeholders as in Project.path)
    json_code: str | None = None  # the error's code in --json (None: not checked)
    env: dict[str, str] = field(default_factory=dict)


CASES = [
    Case("ingest a directory", "ingest customers {files}/adir", 2, "is a directory", "config"),
    Case("ingest a missing file", "ingest customers {files}/nope.csv", 2, "file not found"),
    Case("ingest a named pipe", "ingest customers {files}/pipe.csv", 2, "not a regular file"),
    Case("ingest an empty file", "ingest customers {files}/empty.csv", 1, "file is empty"),
    Case(
        "ingest a header-only file",
        "ingest customers {files}/header.csv",
        1,
        "file {files}/header.csv, line 1: no data rows",
        "bad_input",
    ),
    Case("ingest a program", "ingest customers {files}/program.csv", 1, "this is a program"),
    Case("ingest binary text", "ingest customers {files}/nul.csv", 1, "line 2: looks like a"),
    Case("ingest a zip as csv", "ingest customers {files}/workbook.csv", 1, "a ZIP archive"),
    Case(
        "ingest every row bad",
        "ingest customers {files}/bad_rows.csv",
        1,
        "file {files}/bad_rows.csv, line 2, column customer_id: nothing loaded",
    ),
    Case(
        "ingest without the id column",
        "ingest customers {files}/no_id.csv",
        1,
        "required column(s) customer_id",
    ),
    Case("ingest an unknown table", "ingest shops {files}/customers.csv", 2, "'shops'", "usage"),
    Case(
        "ingest with a missing mapping",
        "ingest customers {files}/customers.csv --mapping {files}/nope.yaml",
        2,
        "mapping file not found",
    ),
    Case(
        "clv fit on transactions",
        "clv fit --data {files}/tx.csv --model-out {files}/m.json",
        1,
        "is not an RFM summary: column(s) frequency, recency, T missing",
        "bad_data",
    ),
    Case(
        "clv fit on an empty file",
        "clv fit --data {files}/empty.csv --model-out {files}/m.json",
        1,
        "file is empty",
    ),
    Case(
        "clv fit on a header-only file",
        "clv fit --data {files}/header.csv --model-out {files}/m.json",
        1,
        "no data rows",
    ),
    Case(
        "clv fit on a directory",
        "clv fit --data {files}/adir --model-out {files}/m.json",
        2,
        "is a directory",
    ),
    Case(
        "clv fit on text counts",
        "clv fit --data {files}/rfm_text.csv --model-out {files}/m.json",
        1,
        "frequency (string) must be numeric",
    ),
    Case(
        "clv fit when every T is 0",
        "clv fit --data {files}/rfm_t0.csv --model-out {files}/m.json",
        1,
        "T = 0",
    ),
    Case(
        "clv fit into a missing directory",
        "clv fit --data {files}/rfm.csv --model-out {files}/no/dir/m.json",
        2,
        "does not exist",
    ),
    Case(
        "clv fit into a run",
        "clv fit --data {files}/rfm.csv --model-out {run}/clv_model.json",
        2,
        "refusing to write --model-out",
    ),
    Case(
        "clv fit with an unknown model",
        "clv fit --data {files}/rfm.csv --model-out {files}/m.json --model x",
        2,
        "'x' is not one of",
        "usage",
    ),
    Case(
        "clv fit with an unknown time unit",
        "clv fit --data {files}/rfm.csv --model-out {files}/m.json --time-unit fortnights",
        2,
        "unknown time unit 'fortnights': use days (d), weeks (w) or months (m)",
        "usage",
    ),
    Case(
        "clv predict with a file that is no model",
        "clv predict --data {files}/rfm.csv --model {files}/notmodel.json --out {files}/s.csv",
        4,
        "model file {files}/notmodel.json: not a saved Loyalloop CLV model",
        "model",
    ),
    Case(
        "clv predict with a damaged model",
        "clv predict --data {files}/rfm.csv --model {files}/garbage.json --out {files}/s.csv",
        4,
        "garbage.json is not a Loyalloop CLV model (not a JSON model file)",
    ),
    Case(
        "clv predict with the spend model as --model",
        "clv predict --data {files}/rfm.csv --model {files}/gg.json --out {files}/s.csv",
        4,
        "holds a GammaGammaModel, not a transaction model",
    ),
    Case(
        "clv predict in another unit than the fit",
        "clv predict --data {files}/rfm.csv --model {files}/bg.json --out {files}/s.csv --time-unit weeks",
        2,
        "--time-unit weeks disagrees with",
    ),
    Case(
        "clv predict onto a device",
        "clv predict --data {files}/rfm.csv --model {files}/bg.json --out /dev/null",
        2,
        "is not a regular file",
    ),
    Case(
        "clv predict to a text file",
        "clv predict --data {files}/rfm.csv --model {files}/bg.json --out {files}/s.txt",
        2,
        "use a .csv or .parquet file name",
    ),
    Case(
        "churn train on an empty file",
        "churn train --table {files}/empty.csv --id id --label left --model-out {files}/cm.json",
        1,
        "file is empty",
    ),
    Case(
        "churn train on a header-only file",
        "churn train --table {files}/header.csv --id id --label left --model-out {files}/cm.json",
        1,
        "no data rows",
    ),
    Case(
        "churn train on a directory",
        "churn train --table {files}/adir --id id --label left --model-out {files}/cm.json",
        2,
        "is a directory",
    ),
    Case(
        "churn train on GBK text",
        "churn train --table {files}/gbk.csv --id id --label left --model-out {files}/cm.json",
        1,
        "line 2: cannot decode as UTF-8",
    ),
    Case(
        "churn train with a missing label column",
        "churn train --table {files}/churn.csv --id id --label gone --model-out {files}/cm.json",
        1,
        "no label column 'gone'",
    ),
    Case(
        "churn score with a file that is no model",
        "churn score --model {files}/notmodel.json --table {files}/churn.csv --out {files}/cs.csv",
        4,
        "not a Loyalloop churn model",
    ),
    Case(
        "feedback analyze a directory",
        "feedback analyze {files}/adir --out {files}/fo.csv",
        2,
        "is a directory",
    ),
    Case(
        "feedback analyze an empty file",
        "feedback analyze {files}/empty.csv --out {files}/fo.csv",
        1,
        "file is empty",
    ),
    Case(
        "feedback analyze a missing file",
        "feedback analyze {files}/nope.csv --out {files}/fo.csv",
        2,
        "file not found",
    ),
    Case(
        "feedback analyze without the column",
        "feedback analyze {files}/comments.csv --out {files}/fo.csv --text-column comment",
        1,
        "column 'comment' not found",
    ),
    Case(
        "export into a missing directory",
        "export rfm --out {files}/missing/dir/x.csv",
        2,
        "directory {files}/missing/dir does not exist",
    ),
    Case(
        "export onto the warehouse",
        "export rfm --out {home}/warehouse.duckdb",
        2,
        "it is the project's warehouse",
    ),
    Case(
        "export onto the write-ahead log",
        "export rfm --out {home}/warehouse.duckdb.wal",
        2,
        "a file of the project's warehouse",
    ),
    Case(
        "export onto a published table",
        "export rfm --out {run}/rfm.parquet",
        2,
        "published runs are never modified",
    ),
    Case(
        "export through a link into the runs",
        "export rfm --out {files}/runs-link/000001/rfm.csv",
        2,
        "inside the project's runs directory",
    ),
    Case("export an unknown table", "export nope --out {files}/x.csv", 3, "no table 'nope'"),
    Case("export from a missing run", "export rfm --out {files}/x.csv --run 9", 3, "no run 9"),
    Case(
        "export a warehouse table from a run",
        "export customers --out {files}/x.csv --run 1",
        2,
        "leave out --run",
    ),
    Case(
        "report onto a manifest", "report --out {run}/manifest.json", 2, "refusing to write --out"
    ),
    Case(
        "surveys invite onto a run's manifest",
        "surveys invite 1 --customers {files}/customers.csv --out {run}/manifest.json",
        2,
        "refusing to write --out",
        "config",
    ),
    Case(
        "surveys invite into a missing directory",
        "surveys invite 1 --customers {files}/customers.csv --out {files}/no/dir/links.csv",
        2,
        "does not exist",
    ),
    Case("report in another language", "report --lang fr", 2, "'fr' is not one of", "usage"),
    Case("report of a missing run", "report --run 9", 3, "no run 9", "no_run"),
    Case("run on a day that is no date", "run --as-of 30/06/2024", 2, "is not a date"),
    Case(
        "run with missing segment rules",
        "run --segments {files}/nope.yaml",
        2,
        "segment rules file not found",
    ),
    Case("run with an unknown taxonomy", "run --taxonomy nonsense", 2, "neither a shipped"),
    Case("show a missing run", "runs show 9", 3, "no run 9"),
    Case("an unknown command", "frobnicate", 2, "No such command", "usage"),
    Case("a missing required option", "export rfm", 2, "Missing option '--out'", "usage"),
    Case(
        "a bad setting in the environment",
        "runs",
        2,
        "LOYALLOOP_TIMEZONE='Mars/Base' is not a known IANA time zone",
        "config",
        env={"LOYALLOOP_TIMEZONE": "Mars/Base"},
    ),
]


def _invoke(
    project: Project, case: Case, *, as_json: bool, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    args = [project.path(a) for a in case.args.split()]
    code = main(["--home", str(project.home), *args, *(["--json"] if as_json else [])])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_bad_input(
    case: Case,
    project: Project,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    link = project.files / "runs-link"
    if not link.exists():
        link.symlink_to(project.home / "runs")
    for key, value in case.env.items():
        monkeypatch.setenv(key, value)
    message = project.path(case.message)
    before = _fingerprint(project.home)

    code, out, err = _invoke(project, case, as_json=False, capsys=capsys)
    assert code == case.code, err
    assert "Traceback" not in err and "Traceback" not in out
    if case.json_code != "usage":  # usage errors are Typer's box, wrapped to the terminal
        assert message in " ".join(err.split()), err

    code, out, err = _invoke(project, case, as_json=True, capsys=capsys)
    assert code == case.code, out + err
    payload = json.loads(out, parse_constant=lambda c: pytest.fail(f"non-strict JSON: {c}"))
    assert set(payload) == {"error"} and set(payload["error"]) == {"code", "message"}
    assert message in payload["error"]["message"]
    if case.json_code is not None:
        assert payload["error"]["code"] == case.json_code
    assert "Traceback" not in err

    after = _fingerprint(project.home)
    if case.args.startswith("ingest"):  # a refused ingest still records its quarantined rows
        before.pop("warehouse.duckdb"), after.pop("warehouse.duckdb")
    assert after == before, "the project home changed"
    assert not (project.files / "missing").exists(), "a directory was created for an output"


def _fingerprint(home: Path) -> dict[str, str]:
    """Content hashes of everything in the home (a refused command changes nothing)."""
    return {
        str(p.relative_to(home)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(home.rglob("*"))
        if p.is_file() and p.name != ".lock" and p.suffix != ".wal"
    }


def test_internal_error_is_one_line_and_debug_shows_the_traceback(
    project: Project, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from loyalloop.core.runs import RunStore

    def broken(self: RunStore) -> tuple[list[object], list[object]]:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(RunStore, "survey", broken)
    code = main(["--home", str(project.home), "runs"])
    err = capsys.readouterr().err
    assert code == 70
    assert "internal error: RuntimeError: disk on fire (run with --debug" in err
    assert "Traceback" not in err
    code = main(["--home", str(project.home), "--debug", "runs", "--json"])
    captured = capsys.readouterr()
    assert code == 70
    assert "Traceback" in captured.err and "disk on fire" in captured.err
    assert json.loads(captured.out)["error"]["code"] == "internal"


def test_a_failed_write_leaves_the_old_file(
    project: Project,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """An existing output is replaced only whole: a failure half-way keeps the old file."""
    import loyalloop.core.csvsafe as csvsafe

    target = write(tmp_path / "rfm.csv", "old contents\n")
    real = csvsafe.write_safe_csv

    def half_then_fail(frame: object, path: object, **kw: object) -> None:
        real(frame.head(1), path)  # type: ignore[attr-defined,arg-type]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(csvsafe, "write_safe_csv", half_then_fail)
    code = main(["--home", str(project.home), "export", "rfm", "--out", str(target)])
    assert code == 74 and "No space left on device" in capsys.readouterr().err
    assert target.read_text() == "old contents\n"
    assert [p.name for p in tmp_path.iterdir()] == ["rfm.csv"]  # no temporary file left
    monkeypatch.setattr(csvsafe, "write_safe_csv", real)
    assert main(["--home", str(project.home), "export", "rfm", "--out", str(target)]) == 0
    assert target.read_text(encoding="utf-8-sig").startswith("customer_id,")


def test_usage_errors_with_json_are_json(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["clv", "fit", "--bogus", "--json"])
    payload = json.loads(capsys.readouterr().out)
    assert code == 2
    assert payload == {"error": {"code": "usage", "message": "No such option: --bogus"}}
