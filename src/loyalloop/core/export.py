"""Write tables for people: CSV that is safe to open in a spreadsheet, or Parquet.

CSV goes through :mod:`loyalloop.core.csvsafe` (formula-like text is neutralised; customer text
is untrusted) as UTF-8 with a byte-order mark, so that Excel shows Chinese text correctly.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from loyalloop.core.csvsafe import write_safe_csv
from loyalloop.errors import ConfigError

__all__ = ["write_table"]


def write_table(data: pd.DataFrame | pa.Table, out: Path) -> Path:
    """Write ``data`` as CSV or Parquet, chosen by the file's extension."""
    suffix = out.suffix.lower()
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".parquet":
        table = (
            data if isinstance(data, pa.Table) else pa.Table.from_pandas(data, preserve_index=False)
        )
        pq.write_table(table, out)
    elif suffix == ".csv":
        write_safe_csv(data.to_pandas() if isinstance(data, pa.Table) else data, out)
    else:
        raise ConfigError(f"cannot write {out.name}: use a .csv or .parquet file name")
    return out
