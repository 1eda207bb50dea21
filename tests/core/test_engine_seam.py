"""One engine seam (issue 8): services reach DuckDB only through ``core.warehouse`` — the
in-memory cache of the customer 360 index, engine failures as ``EngineError``, erasure's
compaction of the warehouse file — and only ``core`` and ``data`` import ``duckdb``
(the import-linter contract "One engine seam" in pyproject.toml, run by ``make lint``)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import ibis
import pytest

from loyalloop.core.warehouse import Warehouse, compact_file, engine_errors
from loyalloop.errors import EngineError

ROOT = Path(__file__).resolve().parents[2]


def test_in_memory_warehouse_runs_sql_and_gives_thread_cursors() -> None:
    wh = Warehouse.in_memory()
    try:
        wh.execute("CREATE TABLE t AS SELECT * FROM range(3) r(x)")
        cur = wh.cursor()
        try:
            assert cur.execute("SELECT sum(x) FROM t").fetchone() == (3,)
        finally:
            cur.close()
        with pytest.raises(EngineError) as info:
            wh.execute("SELECT * FROM no_such_table")
        assert info.value.sql == "SELECT * FROM no_such_table"
        with (
            pytest.raises(EngineError, match=r"^reading t: .*no_such_column"),
            wh.guard("reading t"),
        ):
            wh.ibis.raw_sql("SELECT no_such_column FROM t")
    finally:
        wh.close()


def test_engine_errors_are_the_engines_own() -> None:
    con = ibis.duckdb.connect()
    with pytest.raises(engine_errors()):
        con.raw_sql("SELECT * FROM nowhere")


def test_compact_file_rewrites_the_file_and_keeps_every_live_row(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    con = ibis.duckdb.connect(str(path))
    con.raw_sql(
        "CREATE TABLE c AS SELECT 'C' || i AS id, 'name ' || i AS name FROM range(500) r(i)"
    )
    con.raw_sql("UPDATE c SET name = 'erased' WHERE id < 'C2'")
    con.disconnect()
    before = path.stat().st_ino
    compact_file(path)
    assert path.stat().st_ino != before  # a fresh file renamed into place
    assert sorted(p.name for p in tmp_path.iterdir()) == ["warehouse.duckdb"]  # no temp, no wal
    con = ibis.duckdb.connect(str(path), read_only=True)
    names = con.table("c").execute()
    con.disconnect()
    assert len(names) == 500 and (names["name"] == "erased").sum() == sum(
        f"C{i}" < "C2" for i in range(500)
    )


def test_the_contract_forbids_duckdb_above_core_and_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["importlinter"]
    assert config["include_external_packages"] is True
    (seam,) = [c for c in config["contracts"] if c["name"].startswith("One engine seam")]
    assert seam["type"] == "forbidden" and seam["forbidden_modules"] == ["duckdb"]
    packages = {
        p.name
        for p in (ROOT / "src" / "loyalloop").iterdir()
        if p.is_dir() and (p / "__init__.py").exists()
    }
    covered = {m.removeprefix("loyalloop.") for m in seam["source_modules"]}
    assert covered == packages - {"core", "data"}  # a new package is covered when it is added
    # and nothing above core/data imports it today (what lint-imports checks, without running it)
    pattern = re.compile(r"^\s*(import duckdb|from duckdb)", re.MULTILINE)
    offenders = [
        str(p.relative_to(ROOT))
        for pkg in covered
        for p in (ROOT / "src" / "loyalloop" / pkg).rglob("*.py")
        if pattern.search(p.read_text("utf-8"))
    ]
    assert offenders == []
