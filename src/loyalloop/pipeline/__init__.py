"""Pipeline runs: stages over the warehouse, published as numbered immutable runs."""

from __future__ import annotations

from loyalloop.core.runs import Run, RunStore
from loyalloop.pipeline.context import RunConfig, RunContext
from loyalloop.pipeline.run import default_as_of, run_pipeline

__all__ = ["Run", "RunConfig", "RunContext", "RunStore", "default_as_of", "run_pipeline"]
