"""Are two saved sets of feedback outputs identical? (``feedback_stage.py --save`` folders.)

    python benchmarks/feedback_compare.py BEFORE_DIR AFTER_DIR

Every Parquet file of ``BEFORE_DIR`` must exist in ``AFTER_DIR`` with the same columns, dtypes
and values — exactly, floats included (no tolerance): a speed change must not move a result.
Exits 1 and names the first difference of each file otherwise. ``feedback analyze`` CSV files
can be compared the same way (``--csv A.csv B.csv``).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import pandas as pd

log = logging.getLogger("feedback_compare")


def _same(a: pd.DataFrame, b: pd.DataFrame, name: str) -> bool:
    try:
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    except AssertionError as exc:
        log.error("%s differs: %s", name, str(exc).splitlines()[:6])
        return False
    log.info("%s: identical (%d rows, %d columns)", name, len(a), a.shape[1])
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--csv", action="store_true", help="compare two CSV files")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.csv:
        read = {"keep_default_na": False, "dtype": str}
        ok = _same(pd.read_csv(args.before, **read), pd.read_csv(args.after, **read), "csv")
        sys.exit(0 if ok else 1)
    files = sorted(args.before.glob("*.parquet"))
    if not files:
        log.error("no Parquet files in %s", args.before)
        sys.exit(1)
    ok = True
    for f in files:
        other = args.after / f.name
        if not other.exists():
            log.error("%s missing in %s", f.name, args.after)
            ok = False
            continue
        ok &= _same(pd.read_parquet(f), pd.read_parquet(other), f.stem)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
