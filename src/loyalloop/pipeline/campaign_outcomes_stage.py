"""The ``campaign_outcomes`` stage: every assignment's outcomes, in the ``outcomes`` contract.

Reads the warehouse's ``assignments``, ``campaigns`` and ``outcomes`` (rows loaded from
elsewhere: the business's own offer system, the sample's simulated outcomes) and attributes,
to every assignment — treated, holdout and global control alike — the purchases,
reactivations, survey answers, clicks and offer redemptions within its window up to the run's
as-of day (:func:`loyalloop.campaigns.attribute_outcomes`, transactions, feedback and
interactions re-keyed to profiles through the run's ``profile_map``). Loaded rows win over
attributed ones per campaign and family of kinds (:func:`loyalloop.campaigns.combine_outcomes`).
Loaded rows dated after the as-of day are left out like everything else a run reads: a campaign
whose window the data have not passed is provisional, its later outcomes counted by a later run.

Writes the run table ``campaign_outcomes``: the ``outcomes`` contract's columns (``customer_id``,
``campaign_id``, ``timestamp``, ``kind``, ``value``) and ``source`` (``loaded`` /
``attributed``). Like every run output it is computed afresh from the warehouse by each run,
so a re-run on the same data writes the same rows — nothing accumulates, nothing is counted
twice — and the ``campaign_results`` stage measures on it. Without assignments the table is
empty (the results stage records "no campaigns").
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import ibis

from loyalloop.campaigns import attribute_outcomes, combine_outcomes
from loyalloop.pipeline.context import RunContext

__all__ = ["OUTCOME_INPUTS", "OUTCOME_OUTPUTS", "stage_campaign_outcomes"]

OUTCOME_INPUTS = (
    "assignments",
    "outcomes",
    "campaigns",
    "transactions",
    "feedback",
    "interactions",
    "profile_map",
)
OUTCOME_OUTPUTS = ("campaign_outcomes",)


def stage_campaign_outcomes(ctx: RunContext) -> None:
    """Attribute and combine outcomes (module docstring)."""
    wh = ctx.wh
    cut = ibis.timestamp(datetime.combine(ctx.as_of + timedelta(days=1), time()).isoformat(sep=" "))
    tx = wh.table("transactions")
    fb = wh.table("feedback")
    it = wh.table("interactions")
    pm = ctx.output("profile_map")
    attributed = attribute_outcomes(
        wh.table("assignments"),
        wh.table("campaigns"),
        transactions=tx.filter(tx.timestamp < cut).select("customer_id", "timestamp", "amount"),
        feedback=fb.filter(fb.timestamp < cut),
        interactions=it.filter(it.timestamp < cut),
        profile_map=pm.select(customer_id=pm.customer_id, profile_id=pm.profile_id),
    )
    # loaded rows too count only up to the as-of day, as everything in a run does (a window
    # the data have not passed is provisional: its later outcomes wait for a later run)
    loaded = wh.table("outcomes")
    out = combine_outcomes(loaded.filter(loaded.timestamp < cut), attributed)
    ctx.save(
        "campaign_outcomes",
        out.order_by(["campaign_id", "customer_id", "timestamp", "kind", "source"]),
    )
