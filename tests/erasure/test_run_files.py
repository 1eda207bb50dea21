"""Rewriting one run file: the person's rows redacted, their ids replaced, other customers'
rows and examples untouched, the file replaced whole."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from loyalloop.cases.erasure import DataLocation, ErasureSubject, default_pii_registry
from loyalloop.core.runs import Run
from loyalloop.services.erasure import _rewrite_run_file, _text_matches

SUBJECT = ErasureSubject(
    customer_ids=frozenset({"C7"}),
    profile_ids=frozenset({"C7"}),
    feedback_ids=frozenset({"F70"}),
    emails=frozenset({"li.na@example.com"}),
    phones=frozenset({"13812345678", "+8613812345678"}),
    names=frozenset({"李娜"}),
    texts=("客户致电称：信用卡APP指纹登录很方便。我的电话是13812345678，谢谢",),
)
STONE = "erased-0123abcd"


def _step(name: str) -> Any:
    from loyalloop.cases.erasure import plan_erasure

    plan = plan_erasure(
        SUBJECT,
        default_pii_registry(),
        warehouse_tables=[],
        run_files={"000001": [name]},
        erasure_id="e",
        tombstone_id=STONE,
    )
    (step,) = [s for s in plan.steps if s.location is DataLocation.RUN]
    return step


def test_text_as_the_analysis_keeps_it_is_recognised() -> None:
    texts = list(SUBJECT.texts)
    assert _text_matches("信用卡 app 指纹登录很方便。我的电话是[phone]，谢谢", [], texts)
    assert _text_matches("写信给 li.na@example.com", ["li.na@example.com"], texts)
    assert not _text_matches("很方便", [], texts)  # too short to say whose it is
    assert not _text_matches("年费太贵了，我要销卡", [], texts)


def test_topics_examples_lose_only_the_persons(tmp_path: Path) -> None:
    run = Run(1, tmp_path, None)  # type: ignore[arg-type]
    table = pa.table(
        {
            "topic": [0, 1],
            "examples": [
                ["信用卡app指纹登录很方便。我的电话是[phone]，谢谢", "积分兑换太慢"],
                ["年费太贵了"],
            ],
        }
    )
    pq.write_table(table, tmp_path / "topics.parquet")
    touched, rows = _rewrite_run_file(
        run, "topics.parquet", _step("topics.parquet"), SUBJECT, STONE
    )
    out = pq.read_table(tmp_path / "topics.parquet")
    assert touched == 1 and rows is None
    assert out["examples"].to_pylist() == [["积分兑换太慢"], ["年费太贵了"]]
    assert out.schema == table.schema


def test_profile_rows_stay_under_the_tombstone(tmp_path: Path) -> None:
    run = Run(1, tmp_path, None)  # type: ignore[arg-type]
    table = pa.table(
        {
            "profile_id": ["C6", "C7"],
            "name": ["王芳", "李娜"],
            "email": [None, "li.na@example.com"],
            "phone": ["139", "13812345678"],
            "city": ["北京", "上海"],
            "records": [1, 2],
        }
    )
    pq.write_table(table, tmp_path / "profiles.parquet")
    touched, rows = _rewrite_run_file(
        run, "profiles.parquet", _step("profiles.parquet"), SUBJECT, STONE
    )
    out = pq.read_table(tmp_path / "profiles.parquet").to_pylist()
    assert touched == 1 and rows is None
    assert out[0] == table.to_pylist()[0]
    assert out[1] == {
        "profile_id": STONE,
        "name": None,
        "email": None,
        "phone": None,
        "city": None,
        "records": 2,
    }
    assert not list(tmp_path.glob(".*"))  # no temporary file left


def test_profile_map_link_is_deleted(tmp_path: Path) -> None:
    run = Run(1, tmp_path, None)  # type: ignore[arg-type]
    pq.write_table(
        pa.table({"customer_id": ["C6", "C7"], "profile_id": ["C6", "C7"]}),
        tmp_path / "profile_map.parquet",
    )
    touched, rows = _rewrite_run_file(
        run, "profile_map.parquet", _step("profile_map.parquet"), SUBJECT, STONE
    )
    assert (touched, rows) == (1, 1)
    assert pq.read_table(tmp_path / "profile_map.parquet").to_pylist() == [
        {"customer_id": "C6", "profile_id": "C6"}
    ]
