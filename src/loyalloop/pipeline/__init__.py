"""Pipeline runs: stages over the warehouse, published as numbered immutable runs."""

from __future__ import annotations

from loyalloop.pipeline.context import RunConfig, RunContext
from loyalloop.pipeline.run import default_as_of, run_pipeline
from loyalloop.pipeline.runs import Run, RunStore

__all__ = ["Run", "RunConfig", "RunContext", "RunStore", "default_as_of", "run_pipeline"]
