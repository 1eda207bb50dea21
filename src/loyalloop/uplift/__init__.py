"""Uplift models: whom does a contact change, rather than who is at risk?

* :class:`TLearner`, :class:`XLearner`, :class:`DRLearner` — meta-learners of the individual
  treatment effect on LightGBM;
* :class:`UpliftModel` — table in, learner chosen by cross-validated Qini, saved with its
  config and a version;
* :func:`qini_curve`, :func:`uplift_curve`, :func:`qini_area`, :func:`auuc_area`,
  :func:`qini_coefficient`, :func:`bootstrap_interval`, :func:`evaluate_uplift` — evaluation
  on held-out data against random and outcome-only targeting;
* :func:`train_table` / :func:`score_table` — bring your own campaign table.
"""

from __future__ import annotations

from loyalloop.uplift.byo import (
    ROW_ID,
    ScoreResult,
    TrainResult,
    coerce_outcome,
    coerce_treatment,
    read_table,
    score_table,
    train_table,
)
from loyalloop.uplift.evaluation import ScorerEvaluation, UpliftEvaluation, evaluate_uplift
from loyalloop.uplift.learners import (
    LEARNERS,
    BoosterParams,
    DRLearner,
    Learner,
    TLearner,
    XLearner,
)
from loyalloop.uplift.metrics import (
    Curve,
    Interval,
    auuc_area,
    auuc_coefficient,
    bootstrap_interval,
    qini_area,
    qini_coefficient,
    qini_curve,
    uplift_at,
    uplift_curve,
)
from loyalloop.uplift.model import BASELINES, MODEL_FORMAT, MODEL_FORMAT_VERSION, UpliftModel

__all__ = [
    "BASELINES",
    "LEARNERS",
    "MODEL_FORMAT",
    "MODEL_FORMAT_VERSION",
    "ROW_ID",
    "BoosterParams",
    "Curve",
    "DRLearner",
    "Interval",
    "Learner",
    "ScoreResult",
    "ScorerEvaluation",
    "TLearner",
    "TrainResult",
    "UpliftEvaluation",
    "UpliftModel",
    "XLearner",
    "auuc_area",
    "auuc_coefficient",
    "bootstrap_interval",
    "coerce_outcome",
    "coerce_treatment",
    "evaluate_uplift",
    "qini_area",
    "qini_coefficient",
    "qini_curve",
    "read_table",
    "score_table",
    "train_table",
    "uplift_at",
    "uplift_curve",
]
