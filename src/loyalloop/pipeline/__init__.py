"""Pipeline runs: declared stages over the warehouse, published as numbered immutable runs.

The names below are imported on first use (PEP 562): importing one module of the package
(e.g. :mod:`loyalloop.pipeline.parallel`, which a run's worker process starts with) does not
import every stage's libraries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from loyalloop.core.lazy import lazy_exports

if TYPE_CHECKING:
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

_HOME = {
    "Run": "loyalloop.core.runs",
    "RunStore": "loyalloop.core.runs",
    "ChurnConfig": "loyalloop.pipeline.config",
    "ClvConfig": "loyalloop.pipeline.config",
    "ClvModelSetting": "loyalloop.pipeline.config",
    "FeedbackConfig": "loyalloop.pipeline.config",
    "LoyaltyConfig": "loyalloop.pipeline.config",
    "RunConfig": "loyalloop.pipeline.config",
    "run_config": "loyalloop.pipeline.config",
    "RunContext": "loyalloop.pipeline.context",
    "default_as_of": "loyalloop.pipeline.run",
    "run_pipeline": "loyalloop.pipeline.run",
    "Stage": "loyalloop.pipeline.stage",
}


__getattr__, __dir__ = lazy_exports(globals(), _HOME)
