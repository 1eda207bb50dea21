from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
sys.path.insert(0, str(Path(__file__).parents[1] / "_service"))

from svc_fixtures import backend, cheap_argon2, pg_database, store, store_url  # noqa: F401
