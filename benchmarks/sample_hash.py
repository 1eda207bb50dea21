"""SHA-256 of every file of the default 10k samples (card and retail, seed 0).

The published figures of the demo and the tests depend on the default sample; a change to the
generator must leave these hashes as they were unless it means to change the data. Run before
and after a change and compare:

    python benchmarks/sample_hash.py /tmp/before > before.txt   # on the old commit
    python benchmarks/sample_hash.py /tmp/after > after.txt     # on the new one
    diff before.txt after.txt
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from loyalloop.sample import generate
from loyalloop.sample.io import write_sample


def main(out: Path) -> int:
    for business in ("card", "retail"):
        write_sample(generate(customers=10_000, seed=0, business=business), out / business)
    for path in sorted(out.rglob("*")):
        if path.is_file():
            print(hashlib.sha256(path.read_bytes()).hexdigest()[:16], path.relative_to(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
