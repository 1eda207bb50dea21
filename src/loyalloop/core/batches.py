"""Stream data to a model in bounded batches: the one Arrow batch iterator.

Scoring (CLV, churn) happens where data leave the engine: an Ibis expression is streamed as
Arrow record batches and each batch becomes a pandas frame, so memory grows with the batch
size, not with the number of customers.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator
from typing import Any

import pandas as pd

__all__ = ["is_ibis_table", "iter_batches"]


def is_ibis_table(data: object) -> bool:
    """Whether ``data`` is an Ibis table expression (checked without importing Ibis)."""
    return type(data).__module__.startswith("ibis.") and hasattr(data, "group_by")


def iter_batches(data: Any, batch_size: int = 250_000) -> Iterator[pd.DataFrame]:
    """Yield pandas frames of at most ``batch_size`` rows.

    Parameters
    ----------
    data
        A pandas DataFrame (sliced without copying it whole), an Ibis table (streamed from the
        engine as Arrow record batches) or any iterable of DataFrames (passed through, e.g.
        ``pandas.read_csv(..., chunksize=...)``).
    batch_size
        Most rows per batch (an iterable of frames keeps its own sizes).

    Examples
    --------
    >>> frame = pd.DataFrame({"x": range(5)})
    >>> [len(b) for b in iter_batches(frame, 2)]
    [2, 2, 1]
    """
    if batch_size <= 0:
        raise ValueError("batch_size must be positive")
    if isinstance(data, pd.DataFrame):
        for start in range(0, len(data), batch_size):
            yield data.iloc[start : start + batch_size]
        return
    if is_ibis_table(data):
        reader = iter(data.to_pyarrow_batches(chunk_size=batch_size))
        while True:
            # ibis 12 calls DuckDB's deprecated fetch_record_batch; the warning is theirs.
            with warnings.catch_warnings():
                warnings.filterwarnings(
                    "ignore", message=".*fetch_record_batch.*", category=DeprecationWarning
                )
                batch = next(reader, None)
            if batch is None:
                return
            yield batch.to_pandas()
        return
    if isinstance(data, Iterable):
        yield from data
        return
    raise TypeError(
        f"expected a pandas DataFrame, an Ibis table or an iterable of DataFrames, "
        f"not {type(data).__name__}"
    )
