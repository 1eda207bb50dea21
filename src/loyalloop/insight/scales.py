"""The answer scales of surveys, defined once: NPS groups, CSAT "satisfied", CES "easy".

Every package that classifies an answer imports these constants and predicates; nothing else in
``src/`` writes the thresholds (``tests/insight/test_scales.py`` checks both).

NPS (0–10)
    *promoter* 9–10, *passive* 7–8, *detractor* 0–6.
CSAT (1–5)
    *satisfied* 4–5.
CES (1–7)
    *easy* 5–7.

The predicates only compare, so one definition serves every engine: a number, a NumPy array, a
pandas Series, an Ibis expression or a SQLAlchemy column (``&`` is the element-wise / SQL AND
for all of them). A missing score is in no group.

Examples
--------
>>> [nps_group(s) for s in (10, 8, 3)]
[<NpsGroup.PROMOTER: 'promoter'>, <NpsGroup.PASSIVE: 'passive'>, <NpsGroup.DETRACTOR: 'detractor'>]
>>> import numpy as np
>>> is_passive(np.array([6, 7, 8, 9])).tolist()
[False, True, True, False]
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Any

__all__ = [
    "CES_EASY_MIN",
    "CSAT_SATISFIED_MIN",
    "NPS_DETRACTOR_MAX",
    "NPS_PASSIVE_MIN",
    "NPS_PROMOTER_MIN",
    "NpsGroup",
    "is_ces_easy",
    "is_csat_satisfied",
    "is_detractor",
    "is_passive",
    "is_promoter",
    "nps_group",
]

#: The lowest promoter answer on the 0–10 NPS scale.
NPS_PROMOTER_MIN = 9
#: The lowest passive answer (passives are 7–8).
NPS_PASSIVE_MIN = 7
#: The highest detractor answer (detractors are 0–6).
NPS_DETRACTOR_MAX = NPS_PASSIVE_MIN - 1
#: The lowest "satisfied" answer on the 1–5 CSAT scale.
CSAT_SATISFIED_MIN = 4
#: The lowest "easy" answer on the 1–7 CES scale.
CES_EASY_MIN = 5


class NpsGroup(StrEnum):
    """The three NPS groups (their values are the words stored in tables and views)."""

    PROMOTER = "promoter"
    PASSIVE = "passive"
    DETRACTOR = "detractor"


def is_promoter(score: Any) -> Any:
    """``score >= 9``, element-wise for arrays, Series and Ibis / SQLAlchemy expressions."""
    return score >= NPS_PROMOTER_MIN


def is_passive(score: Any) -> Any:
    """``7 <= score < 9``, element-wise."""
    return (score >= NPS_PASSIVE_MIN) & (score < NPS_PROMOTER_MIN)


def is_detractor(score: Any) -> Any:
    """``score <= 6``, element-wise."""
    return score <= NPS_DETRACTOR_MAX


def is_csat_satisfied(score: Any) -> Any:
    """``score >= 4`` on the 1–5 CSAT scale, element-wise."""
    return score >= CSAT_SATISFIED_MIN


def is_ces_easy(score: Any) -> Any:
    """``score >= 5`` on the 1–7 CES scale, element-wise."""
    return score >= CES_EASY_MIN


def nps_group(score: float | None) -> NpsGroup | None:
    """The group of one 0–10 answer; ``None`` for a missing answer (None or NaN)."""
    if score is None or (isinstance(score, float) and math.isnan(score)):
        return None
    if is_promoter(score):
        return NpsGroup.PROMOTER
    if is_passive(score):
        return NpsGroup.PASSIVE
    return NpsGroup.DETRACTOR
