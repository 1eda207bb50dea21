"""Deterministic assignment to arms, the holdout and the global control group.

For customer *c* of campaign *k* (salt ``s_k``, by default the campaign id) and the
programme (salt ``s_p``):

1. ``g = u(s_p, c)`` (:mod:`loyalloop.campaigns.hashing`); ``g < global_control_share``
   puts *c* in the **global control** group — for every campaign, since ``g`` does not depend
   on the campaign. Such customers are recorded (arm ``global_control``) and never contacted.
2. Otherwise ``u = u(s_k, c)``; ``u < holdout_share`` is the campaign's **holdout**;
3. otherwise ``v = (u - holdout_share) / (1 - holdout_share)`` is uniform on [0, 1) and the
   arms take consecutive slices of it by their shares.

Nothing is random at run time: re-running gives the same arm for every customer, on DuckDB or
Spark, and a customer joining the audience later gets the arm the hash gives, without moving
anyone else. The split is computed in the engine.
"""

from __future__ import annotations

from datetime import datetime

import ibis
import ibis.expr.types as ir

from loyalloop.campaigns.hashing import stable_uniform, stable_uniform_expr
from loyalloop.campaigns.spec import GLOBAL_CONTROL, HOLDOUT, CampaignSpec, ProgrammeSpec

__all__ = ["arm_of", "arm_propensities", "assign_arms", "global_control_expr"]


def global_control_expr(customer_id: ir.StringValue, programme: ProgrammeSpec) -> ir.BooleanValue:
    """Whether a customer is in the programme's global control group (engine expression)."""
    if programme.global_control_share <= 0:
        return ibis.literal(False)
    return stable_uniform_expr(programme.salt, customer_id) < programme.global_control_share


def assign_arms(
    audience: ir.Table,
    spec: CampaignSpec,
    programme: ProgrammeSpec,
    assigned_at: datetime,
) -> ir.Table:
    """``audience`` (one row per ``customer_id``) with the columns of the ``assignments``
    contract added: ``campaign_id``, ``arm`` and ``assigned_at`` (module docstring)."""
    cid = audience.customer_id
    u = stable_uniform_expr(spec.assignment_salt, cid)
    h = spec.holdout_share
    v = (u - h) / (1.0 - h)
    branches: list[tuple[ir.BooleanValue, str]] = [
        (global_control_expr(cid, programme), GLOBAL_CONTROL),
        (u < h, HOLDOUT),
    ]
    edge = 0.0
    for arm in spec.arms[:-1]:
        edge += arm.share
        branches.append((v < edge, arm.name))
    arm_expr = ibis.cases(*branches, else_=spec.arms[-1].name)
    return audience.mutate(
        campaign_id=ibis.literal(spec.id),
        arm=arm_expr,
        assigned_at=ibis.timestamp(assigned_at.replace(tzinfo=None).isoformat(sep=" ")),
    )


def arm_of(customer_id: str, spec: CampaignSpec, programme: ProgrammeSpec) -> str:
    """The arm of one customer, computed in Python (the reference for the engine version)."""
    if (
        programme.global_control_share > 0
        and stable_uniform(programme.salt, customer_id) < programme.global_control_share
    ):
        return GLOBAL_CONTROL
    u = stable_uniform(spec.assignment_salt, customer_id)
    h = spec.holdout_share
    if u < h:
        return HOLDOUT
    v = (u - h) / (1.0 - h)
    edge = 0.0
    for arm in spec.arms[:-1]:
        edge += arm.share
        if v < edge:
            return arm.name
    return spec.arms[-1].name


def arm_propensities(spec: CampaignSpec, programme: ProgrammeSpec) -> dict[str, float]:
    """The design chance of each arm, logged with every assignment (``propensity``): the
    global control its share of everyone; outside it, the holdout ``holdout_share`` and each
    arm ``(1 − holdout_share) × share`` (step 3 of the module docstring). The hash makes the
    arm a deterministic function of the customer, uniform over customers, so this is the
    chance of the arm for a customer drawn from the audience outside the global control (of
    everyone, the holdout's is ``(1 − global_control_share) × holdout_share``;
    tests/measurement/test_propensity.py). It is the chance of the *arm*: the chance to be
    treated rather than held out that an inverse-propensity estimate of one arm against the
    holdout weights by is ``p_arm / (p_arm + p_holdout)``
    (:func:`loyalloop.measurement.selection.aipw_scores`' ``e``)."""
    h = spec.holdout_share
    out = {arm.name: (1.0 - h) * arm.share for arm in spec.arms}
    out[HOLDOUT] = h
    out[GLOBAL_CONTROL] = programme.global_control_share
    return out
