"""Compositions of whole flows over the library (layer 8): e.g. the demo (sample → ingest →
run → report)."""

from __future__ import annotations

from loyalloop.apps.demo import DemoResult, load_sample, run_demo

__all__ = ["DemoResult", "load_sample", "run_demo"]
