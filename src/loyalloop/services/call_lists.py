"""The call centre's priority list from a published run, as a file the call centre can use.

:func:`loyalloop.campaigns.call_list` ranks customers by expected value saved (P(churn) × CLV ×
the effect of a call), with reasons and a short call script per reason in zh and en; the best
hours and weekdays to call each customer come from past call attempts in the warehouse's
``interactions`` (``channel = call``, kinds ``call_answered`` / ``call_unanswered``), pooled
across customers of the same RFM segment (:class:`loyalloop.campaigns.AnswerRateModel`). This
module reads the run and the warehouse (read-only), optionally restricts the list to the treated
customers of a call campaign, leaves out everyone who withdrew consent to be called in the
store (``loyalloop consent set … --withdrawn``, an ``all`` withdrawal, on any record of the
profile: :func:`loyalloop.services.consent.suppressed_ids`), and writes CSV or Excel through
:func:`loyalloop.campaigns.write_call_list` (formula-safe). Call outcomes come back as
interactions through ``loyalloop ingest interactions`` (docs/campaigns.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from loyalloop.errors import ConfigError
from loyalloop.services.campaigns import get_campaign
from loyalloop.services.consent import profile_links, suppressed_ids
from loyalloop.services.store import Store
from loyalloop.store.models import CampaignAssignment

__all__ = ["CallListResult", "write_priority_call_list"]

#: Arms that are never contacted (their customers are the comparison).
_NOT_CONTACTED = ("holdout", "global_control")


@dataclass(frozen=True)
class CallListResult:
    """What was written: the file, its rows, the run, and whether best times were known."""

    path: Path
    customers: int
    value_saved: float
    run: int
    campaign: str | None
    #: Past call attempts the best times were learnt from (0: the list has no best times).
    call_attempts: int
    #: Customers left out because they withdrew consent to calls in the store.
    withdrawn: int = 0


def write_priority_call_list(
    store: Store,
    out: Path,
    *,
    campaign: str | None = None,
    run: int | None = None,
    call_effect: float = 0.1,
    limit: int | None = None,
) -> CallListResult:
    """Write the ranked call list of run ``run`` (default: the latest) to ``out``.

    Parameters
    ----------
    campaign
        A call campaign's name: only its treated customers (holdout and global control are
        never called). Default: every customer with consent to be called and a number.
    call_effect
        Share of would-be churners a call keeps (the same for everyone).
    limit
        Keep the first ``limit`` customers.
    """
    import pandas as pd

    from loyalloop.campaigns import (
        AnswerRateModel,
        audience_view,
        call_attempt_counts,
        call_list,
        read_run_tables,
        write_call_list,
    )
    from loyalloop.core.runs import RunStore
    from loyalloop.core.warehouse import Warehouse

    customers = None
    if campaign is not None:
        with store.session() as session:
            c = get_campaign(session, campaign)
            if c.channel != "call":
                raise ConfigError(
                    f"campaign {c.name} is an {c.channel} campaign; a call list is for a "
                    "campaign with channel: call (or leave --campaign out for everyone)"
                )
            ids = session.scalars(
                sa.select(CampaignAssignment.customer_id).where(
                    CampaignAssignment.campaign_id == c.id,
                    CampaignAssignment.arm.not_in(_NOT_CONTACTED),
                )
            ).all()
        customers = pd.DataFrame({"customer_id": sorted(set(ids))})
    r = RunStore(store.analytics.runs_dir).get(run)
    links = profile_links(store.analytics.runs_dir, r.number)
    with store.session() as session:
        blocked = sorted(suppressed_ids(session, ("all", "phone"), links))
    with Warehouse(store.analytics, read_only=True) as wh:
        tables = read_run_tables(wh.ibis, r.path)
        people = wh.table("customers") if wh.has_table("customers") else None
        view = audience_view(tables, r.manifest.as_of, customers=people)
        withdrawn = 0
        if blocked:
            import ibis

            said_no = ibis.memtable({"customer_id": blocked})
            # counted among those the list would have held (callable, or the campaign's)
            held = (
                view.filter(view.consent_phone & view.has_phone)
                if customers is None
                else view.semi_join(ibis.memtable(customers[["customer_id"]]), "customer_id")
            )
            withdrawn = int(held.semi_join(said_no, "customer_id").count().execute())
            view = view.anti_join(said_no, "customer_id")
        model = None
        attempts = 0
        if wh.has_table("interactions"):
            counts = call_attempt_counts(
                wh.table("interactions"), tables.get("profile_map")
            ).execute()
            attempts = int(counts["attempts"].sum()) if len(counts) else 0
            if attempts:
                groups = None
                if "rfm_segment" in view.columns:
                    groups = view.select("customer_id", group=view.rfm_segment).execute()
                model = AnswerRateModel().fit(counts, groups)
        frame = call_list(
            view, customers=customers, call_effect=call_effect, answer_model=model, limit=limit
        )
    path = write_call_list(frame, out)
    return CallListResult(
        path=path,
        customers=len(frame),
        value_saved=float(frame["value_saved"].sum()) if len(frame) else 0.0,
        run=r.number,
        campaign=campaign,
        call_attempts=attempts,
        withdrawn=withdrawn,
    )
