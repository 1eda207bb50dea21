"""Written files: contract headers, formats, readable back, valid under ingest's checks."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from loyalloop.data.contracts import contract
from loyalloop.data.validate import validate_chunk
from loyalloop.errors import ConfigError
from loyalloop.sample import SampleData, generate, write_sample

TS_PATTERN = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"
TS_COLUMNS = {
    "customers": ["created_at"],
    "transactions": ["timestamp"],
    "accounts": ["opened_at", "closed_at"],
    "feedback": ["timestamp"],
    "interactions": ["timestamp"],
}


@pytest.fixture(scope="module", params=["card", "retail"])
def written(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[SampleData, dict[str, Path]]:
    sample = generate(customers=1200, seed=5, business=request.param)
    out = tmp_path_factory.mktemp(f"sample-{request.param}")
    return sample, write_sample(sample, out)


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def test_files_and_layout(written: tuple[SampleData, dict[str, Path]]) -> None:
    _, paths = written
    root = paths["customers"].parent
    for name in ("customers", "transactions", "accounts", "feedback", "interactions"):
        assert paths[name] == root / f"{name}.csv"
    assert paths["customers_truth"] == root / "truth" / "customers_truth.parquet"
    assert paths["params"] == root / "truth" / "params.json"
    assert not paths["customers"].read_bytes().startswith(b"\xef\xbb\xbf")  # no BOM


@pytest.mark.parametrize(
    "name", ["customers", "transactions", "accounts", "feedback", "interactions"]
)
def test_csv_round_trip(written: tuple[SampleData, dict[str, Path]], name: str) -> None:
    sample, paths = written
    df = _read(paths[name])
    original = getattr(sample, name)
    assert list(df.columns) == [c.name for c in contract(name).input_columns]
    assert len(df) == len(original)
    for col in TS_COLUMNS[name]:
        present = df[col][df[col] != ""]
        assert present.str.match(TS_PATTERN).all(), col
        assert (present.index == original[col].dropna().index).all()
    if name == "transactions":
        assert pd.to_numeric(df["amount"]).sum() == pytest.approx(original["amount"].sum())
    if name == "feedback":
        expected = [v if isinstance(v, str) else "" for v in original["text"]]
        assert df["text"].tolist() == expected
    if name == "customers":
        assert set(df["consent_email"]) == {"true", "false", ""}
        assert df["birth_date"][df["birth_date"] != ""].str.match(r"^\d{4}-\d{2}-\d{2}$").all()


@pytest.mark.parametrize(
    "name", ["customers", "transactions", "accounts", "feedback", "interactions"]
)
def test_written_files_pass_ingest_validation(
    written: tuple[SampleData, dict[str, Path]], name: str
) -> None:
    _, paths = written
    df = _read(paths[name])
    checked = validate_chunk(
        df,
        contract(name),
        rows=pd.Series(range(len(df))),
        lines=None,
        timezone="UTC",
        phone_region="CN",
    )
    assert checked.bad.empty, checked.bad.head().to_dict()
    assert len(checked.good) == len(df)


def test_truth_files(written: tuple[SampleData, dict[str, Path]]) -> None:
    sample, paths = written
    truth = pd.read_parquet(paths["customers_truth"])
    assert len(truth) == len(sample.customers)
    assert {"lambda", "p", "nu", "churned", "dropout_at", "satisfaction"} <= set(truth.columns)
    ft = pd.read_parquet(paths["feedback_truth"])
    assert len(ft) == len(sample.feedback_truth)
    params = json.loads(paths["params"].read_text("utf-8"))
    assert params["time_unit"] == "week"
    assert params["r"] == sample.params["r"]


def test_write_to_a_file_path_fails(tmp_path: Path) -> None:
    target = tmp_path / "not-a-dir"
    target.write_text("x")
    with pytest.raises(ConfigError):
        write_sample(generate(customers=10, seed=1), target)
