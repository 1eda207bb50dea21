"""Experiment statistics: did the action work, and by how much?

Pure functions on per-arm aggregates (``n``, sums, sums of squares, cross-products), in the
manner of GrowthBook's gbstats, so the data leaves the engine only as a few numbers per arm:

* statistics per arm — :class:`SampleMean`, :class:`Proportion`, :class:`Ratio` (delta
  method), :class:`Adjusted` (CUPED with a pre-period covariate);
* tests of one arm against control — :func:`frequentist_test` (Welch),
  :func:`bayesian_test` (chance to beat control, expected loss, credible interval),
  :func:`sequential_test` (always-valid confidence sequence for daily peeking);
* :func:`analyze` — every arm against control, with :func:`srm_check` (sample-ratio
  mismatch) and :func:`adjust_p_values` (Holm, Benjamini–Hochberg) for several arms;
* :func:`sample_size`, :func:`power_at`, :func:`minimum_detectable_effect` — planning;
* :func:`experiment_aggregates` — the per-arm sums from any Ibis table;
  :func:`open_table` and :func:`analyze_table` — the same from a file.

Every result is a frozen dataclass with an ``error`` field: an arm or metric that cannot be
analysed says why, and the rest of the report stands.
"""

from __future__ import annotations

from loyalloop.experiments.aggregate import (
    MAX_ARMS,
    ArmAggregate,
    ExperimentData,
    MetricKind,
    MissingPolicy,
    experiment_aggregates,
)
from loyalloop.experiments.analyze import ArmResult, ExperimentReport, analyze
from loyalloop.experiments.cuped import cuped_theta
from loyalloop.experiments.inference import (
    DEFAULT_SEQUENTIAL_TUNING,
    GaussianPrior,
    bayesian_test,
    frequentist_test,
    run_test,
    sequential_halfwidth,
    sequential_rho,
    sequential_test,
)
from loyalloop.experiments.io import TableAnalysis, analyze_table, open_table
from loyalloop.experiments.moments import effect_moments, welch_dof
from loyalloop.experiments.multiple import Correction, adjust_p_values
from loyalloop.experiments.power import (
    PowerResult,
    minimum_detectable_effect,
    power_at,
    sample_size,
)
from loyalloop.experiments.results import (
    ErrorCode,
    Estimate,
    Fallback,
    Method,
    Moments,
    TestResult,
)
from loyalloop.experiments.srm import SRM_THRESHOLD, SrmResult, srm_check
from loyalloop.experiments.statistics import (
    Adjusted,
    Proportion,
    Ratio,
    SampleMean,
    Statistic,
    variance_of_ratio,
)

__all__ = [
    "DEFAULT_SEQUENTIAL_TUNING",
    "MAX_ARMS",
    "SRM_THRESHOLD",
    "Adjusted",
    "ArmAggregate",
    "ArmResult",
    "Correction",
    "ErrorCode",
    "Estimate",
    "ExperimentData",
    "ExperimentReport",
    "Fallback",
    "GaussianPrior",
    "Method",
    "MetricKind",
    "MissingPolicy",
    "Moments",
    "PowerResult",
    "Proportion",
    "Ratio",
    "SampleMean",
    "SrmResult",
    "Statistic",
    "TableAnalysis",
    "TestResult",
    "adjust_p_values",
    "analyze",
    "analyze_table",
    "bayesian_test",
    "cuped_theta",
    "effect_moments",
    "experiment_aggregates",
    "frequentist_test",
    "minimum_detectable_effect",
    "open_table",
    "power_at",
    "run_test",
    "sample_size",
    "sequential_halfwidth",
    "sequential_rho",
    "sequential_test",
    "srm_check",
    "variance_of_ratio",
    "welch_dof",
]
