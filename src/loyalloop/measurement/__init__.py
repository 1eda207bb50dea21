"""Measuring and learning: did a campaign work, whom to target next, and learning from each one.

* :func:`measurement_table` and :func:`campaign_results` — every campaign's arms against their
  holdouts: response and win-back rates, incremental revenue and margin, cost and ROI with
  intervals (``experiments`` statistics; ROI by the delta method), by segment;
  :func:`programme_effect` — the programme against the global control group;
* :func:`allocate` — who gets which action within a budget and contact limits (LP-hull
  greedy with a proven bound, or HiGHS), explained per customer in English and Chinese;
* :mod:`.learning` — finished campaigns become training data; champion / challenger policies
  with an exploration share; :class:`ModelRegistry` records every targeting model;
  :mod:`.selection` chooses the learnt policy, the incumbent or nobody by cross-validated
  value with a one-standard-error rule;
* :mod:`.sample_rounds` — two campaign rounds on the sample business, whose individual
  effects are known, to show the loop learning.

A pure library at layer 5 (docs/architecture.md): it reads Ibis tables and frames and returns
frozen dataclasses and frames; the pipeline stage ``campaign_results`` and the CLI
``loyalloop campaigns results`` sit on top. See docs/measurement.md.
"""

from __future__ import annotations

from loyalloop.measurement.arms import SEPARATOR, ArmName, control_for, parse_arm
from loyalloop.measurement.costs import ArmCost, CostModel
from loyalloop.measurement.programme import ProgrammeEffect, programme_effect
from loyalloop.measurement.registry import (
    ActionQini,
    ModelRegistry,
    ModelStatus,
    RegistryEntry,
    registry_dir,
)
from loyalloop.measurement.results import (
    CampaignReport,
    CampaignResult,
    Effect,
    Level,
    Metric,
    MetricEffect,
    ResultError,
    campaign_results,
)
from loyalloop.measurement.table import MeasurementData, arm_sums, measurement_table
from loyalloop.measurement.targeting import (
    Action,
    Allocation,
    AllocationMethod,
    Constraints,
    Reason,
    allocate,
    candidate_columns,
)

__all__ = [
    "SEPARATOR",
    "Action",
    "ActionQini",
    "Allocation",
    "AllocationMethod",
    "ArmCost",
    "ArmName",
    "CampaignReport",
    "CampaignResult",
    "Constraints",
    "CostModel",
    "Effect",
    "Level",
    "MeasurementData",
    "Metric",
    "MetricEffect",
    "ModelRegistry",
    "ModelStatus",
    "ProgrammeEffect",
    "Reason",
    "RegistryEntry",
    "ResultError",
    "allocate",
    "arm_sums",
    "campaign_results",
    "candidate_columns",
    "control_for",
    "measurement_table",
    "parse_arm",
    "programme_effect",
    "registry_dir",
]
