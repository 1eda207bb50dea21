"""Pipeline runs: declared stages over the warehouse, published as numbered immutable runs."""

from __future__ import annotations

from loyalloop.core.runs import Run, RunStore
from loyalloop.pipeline.config import (
    ChurnConfig,
    ClvConfig,
    ClvModelSetting,
    FeedbackConfig,
    LoyaltyConfig,
    RunConfig,
    run_config,
)
from loyalloop.pipeline.context import RunContext
from loyalloop.pipeline.run import default_as_of, run_pipeline
from loyalloop.pipeline.stage import Stage

__all__ = [
    "ChurnConfig",
    "ClvConfig",
    "ClvModelSetting",
    "FeedbackConfig",
    "LoyaltyConfig",
    "Run",
    "RunConfig",
    "RunContext",
    "RunStore",
    "Stage",
    "default_as_of",
    "run_config",
    "run_pipeline",
]
