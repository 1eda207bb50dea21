"""Write a generated sample to disk the way a source system would export it.

Layout of ``directory``::

    customers.csv  transactions.csv  accounts.csv  feedback.csv  interactions.csv
    truth/customers_truth.parquet  truth/feedback_truth.parquet
    truth/feedback_comment_truth.parquet  truth/campaign_truth.parquet  truth/params.json

CSV files are UTF-8 (no BOM), comma-separated, with the contract column names as header;
timestamps are written as ``YYYY-MM-DD HH:MM:SS``, dates as ``YYYY-MM-DD``, booleans as
``true`` / ``false``, and missing values as empty fields. String values are quoted.
For ``business="retail"`` ``accounts.csv`` is written with its header and no rows, so every
sample directory has the same four files. The truth is kept apart under ``truth/`` so that
nothing ingested by accident carries the answers.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from loyalloop.core.export import write_text_atomic
from loyalloop.data.contracts import contract
from loyalloop.errors import ConfigError
from loyalloop.sample.generator import SampleData

__all__ = ["TABLE_FILES", "write_sample"]

log = logging.getLogger(__name__)

#: File name of each canonical table.
TABLE_FILES = {
    "customers": "customers.csv",
    "transactions": "transactions.csv",
    "accounts": "accounts.csv",
    "feedback": "feedback.csv",
    "interactions": "interactions.csv",
}


def _to_arrow(name: str, df: pd.DataFrame) -> pa.Table:
    """Convert a table to Arrow with CSV-friendly types per the contract."""
    arrays = []
    for col in contract(name).input_columns:
        s = df[col.name]
        if col.type == "timestamp":
            arr = pa.array(s.to_numpy(dtype="datetime64[ns]"), from_pandas=True).cast(
                pa.timestamp("s")
            )
        elif col.type == "date":
            arr = pa.array(s.to_numpy(dtype="datetime64[ns]"), from_pandas=True).cast(pa.date32())
        elif col.type == "bool":
            arr = pa.array(s.astype("boolean"), type=pa.bool_(), from_pandas=True)
        elif col.type == "float":
            arr = pa.array(s.to_numpy(dtype="float64"), from_pandas=True)
        elif isinstance(s.dtype, pd.CategoricalDtype):
            arr = pc.take(
                pa.array(s.cat.categories.astype(object), type=pa.large_string()),
                pa.array(s.cat.codes.to_numpy(), mask=s.cat.codes.to_numpy() < 0),
            )
        elif isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow":
            arr = pa.array(s, from_pandas=True)
        else:
            arr = pa.array(s.astype(object), type=pa.large_string(), from_pandas=True)
        arrays.append(arr)
    return pa.Table.from_arrays(arrays, names=[c.name for c in contract(name).input_columns])


def write_sample(sample: SampleData, directory: Path | str) -> dict[str, Path]:
    """Write the canonical tables as CSV and the truth under ``directory/truth``.

    Parameters
    ----------
    sample
        The output of :func:`loyalloop.sample.generate`.
    directory
        Target directory; created if needed. Existing files of the same names are replaced.

    Returns
    -------
    dict[str, Path]
        Path of every file written, keyed by table name (``customers`` …) and by
        ``customers_truth``, ``feedback_truth``, ``feedback_comment_truth``,
        ``campaign_truth`` (when there is one) and ``params``.

    Raises
    ------
    ConfigError
        If ``directory`` exists and is not a directory.
    """
    root = Path(directory)
    if root.exists() and not root.is_dir():
        raise ConfigError(f"{root} exists and is not a directory")
    truth_dir = root / "truth"
    truth_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    options = pacsv.WriteOptions(include_header=True, quoting_style="needed")
    frames = {
        "customers": sample.customers,
        "transactions": sample.transactions,
        "accounts": sample.accounts,
        "feedback": sample.feedback,
        "interactions": sample.interactions,
    }
    for name, df in frames.items():
        path = root / TABLE_FILES[name]
        pacsv.write_csv(_to_arrow(name, df), path, options)
        written[name] = path
        log.info("wrote %s (%d rows)", path, len(df))

    path = truth_dir / "customers_truth.parquet"
    pq.write_table(pa.Table.from_pandas(sample.truth, preserve_index=False), path)
    written["customers_truth"] = path
    path = truth_dir / "feedback_truth.parquet"
    pq.write_table(pa.Table.from_pandas(sample.feedback_truth, preserve_index=False), path)
    written["feedback_truth"] = path
    path = truth_dir / "feedback_comment_truth.parquet"
    pq.write_table(pa.Table.from_pandas(sample.feedback_comment_truth, preserve_index=False), path)
    written["feedback_comment_truth"] = path
    if not sample.campaign_truth.empty:
        path = truth_dir / "campaign_truth.parquet"
        pq.write_table(pa.Table.from_pandas(sample.campaign_truth, preserve_index=False), path)
        written["campaign_truth"] = path
    path = truth_dir / "params.json"
    write_text_atomic(path, json.dumps(sample.params, ensure_ascii=False, indent=2) + "\n")
    written["params"] = path
    return written
