"""The audience view: one row per customer profile, joining what a run found about them.

Segments, campaigns, offers, messages and call lists all read this one view, so a field means
the same thing everywhere. It is built from a run's output tables (given as Ibis tables, read
from the run's Parquet files on any backend) and, optionally, the warehouse's ``customers``
table (birth dates):

=====================  =========================  ==============================================
field                  from                       meaning
=====================  =========================  ==============================================
customer_id            ``profiles.profile_id``    the unified customer (profile) id
created_at             ``profiles``               when the relationship began
city, gender           ``profiles`` / customers   as recorded
customer_segment       ``profiles.segment``       the business's own segment (mass, premium …)
consent_email/sms/     ``profiles``               consent per channel; empty = unknown = no
phone                                             consent
has_email, has_phone   ``profiles``               an address / number is on file
name, email, phone     ``profiles``               PII, for messages and the call list
purchase_days …        ``rfm``                    ``purchase_days``, ``total_spend``,
                                                  ``first_purchase``, ``last_purchase``,
                                                  ``days_since_last``, ``r_score``, ``f_score``,
                                                  ``m_score``, ``rfm_score``, ``rfm_segment``
usual_gap_days         ``rfm``                    the customer's own usual gap between purchase
                                                  days: (last − first purchase) / repeat
                                                  purchase days; empty for one-day customers
gap_ratio              ``rfm``                    days_since_last / usual_gap_days
probability_alive,     ``clv``                    P(alive), expected purchases, CLV
expected_purchases,
clv
churn_probability,     ``churn_scores``           churn probability, risk decile, population
risk_decile,                                      (active / lapsed_365d) and the plain reasons
churn_population,
churn_reasons_en/zh
loyalty_index, tier,   ``loyalty``                loyalty index, tier and lifecycle stage
lifecycle_stage
complained_aspects     ``feedback_aspects``       aspects the customer spoke negatively about
                                                  in the last ``complaint_days`` (a list)
last_nps, nps_group    ``feedback_analysis``      the latest NPS answer and its group
                                                  (promoter / passive / detractor)
preferred_language     ``feedback_analysis``      language of the latest comment (zh / en)
birth_date             warehouse ``customers``    PII; the earliest record of the profile
=====================  =========================  ==============================================

A table that a run did not produce leaves its fields out of the view; a spec naming one of
them is refused with a message saying which table is missing (:class:`AudienceSchema`).
"""

from __future__ import annotations

import builtins
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from loyalloop.errors import ConfigError, NotFoundError
from loyalloop.insight.scales import NpsGroup, is_passive, is_promoter

__all__ = [
    "AUDIENCE_FIELDS",
    "RUN_TABLES",
    "AudienceField",
    "AudienceSchema",
    "FieldType",
    "audience_schema",
    "audience_view",
    "read_run_tables",
]


class FieldType(StrEnum):
    """The logical type of an audience field (what a condition may do with it)."""

    string = "string"
    int = "int"
    float = "float"
    bool = "bool"
    date = "date"
    timestamp = "timestamp"
    string_list = "string_list"

    @property
    def numeric(self) -> builtins.bool:
        return self in (FieldType.int, FieldType.float)

    @property
    def temporal(self) -> builtins.bool:
        return self in (FieldType.date, FieldType.timestamp)


@dataclass(frozen=True)
class AudienceField:
    """One field of the audience view."""

    name: str
    type: FieldType
    source: str  # run table it comes from
    description: str
    pii: bool = False


def _f(name: str, type_: str, source: str, description: str, pii: bool = False) -> AudienceField:
    return AudienceField(name, FieldType(type_), source, description, pii)


#: Every field the audience view can hold, in view order.
AUDIENCE_FIELDS: tuple[AudienceField, ...] = (
    _f("customer_id", "string", "profiles", "unified customer (profile) id"),
    _f("created_at", "timestamp", "profiles", "when the relationship began"),
    _f("city", "string", "profiles", "city"),
    _f("customer_segment", "string", "profiles", "the business's own customer segment"),
    _f("consent_email", "bool", "profiles", "may be e-mailed (unknown = no)"),
    _f("consent_sms", "bool", "profiles", "may be sent SMS (unknown = no)"),
    _f("consent_phone", "bool", "profiles", "may be called (unknown = no)"),
    _f("has_email", "bool", "profiles", "an e-mail address is on file"),
    _f("has_phone", "bool", "profiles", "a phone number is on file"),
    _f("name", "string", "profiles", "name", pii=True),
    _f("email", "string", "profiles", "e-mail address", pii=True),
    _f("phone", "string", "profiles", "phone number", pii=True),
    _f("purchase_days", "int", "rfm", "days with a purchase"),
    _f("total_spend", "float", "rfm", "total spend"),
    _f("first_purchase", "date", "rfm", "day of the first purchase"),
    _f("last_purchase", "date", "rfm", "day of the last purchase"),
    _f("days_since_last", "int", "rfm", "days since the last purchase (at the run's as-of day)"),
    _f("r_score", "int", "rfm", "recency score 1-5"),
    _f("f_score", "int", "rfm", "frequency score 1-5"),
    _f("m_score", "int", "rfm", "monetary score 1-5"),
    _f("rfm_score", "string", "rfm", "RFM code, e.g. 545"),
    _f("rfm_segment", "string", "rfm", "RFM segment"),
    _f("usual_gap_days", "float", "rfm", "the customer's own usual gap between purchase days"),
    _f("gap_ratio", "float", "rfm", "days since the last purchase / usual gap"),
    _f("probability_alive", "float", "clv", "P(alive) from the CLV model"),
    _f("expected_purchases", "float", "clv", "expected purchases over the CLV horizon"),
    _f("clv", "float", "clv", "customer lifetime value over the CLV horizon"),
    _f("churn_probability", "float", "churn_scores", "churn probability"),
    _f("risk_decile", "int", "churn_scores", "churn risk decile (1 = highest)"),
    _f("churn_population", "string", "churn_scores", "active or lapsed_365d"),
    _f("churn_reasons_en", "string", "churn_scores", "why at risk (English)"),
    _f("churn_reasons_zh", "string", "churn_scores", "why at risk (Chinese)"),
    _f("loyalty_index", "float", "loyalty", "loyalty index 0-100"),
    _f("tier", "string", "loyalty", "loyalty tier"),
    _f("lifecycle_stage", "string", "loyalty", "lifecycle stage"),
    _f("complained_aspects", "string_list", "feedback_aspects", "aspects complained about"),
    _f("last_nps", "float", "feedback_analysis", "latest NPS answer 0-10"),
    _f("nps_group", "string", "feedback_analysis", "promoter, passive or detractor"),
    _f("preferred_language", "string", "feedback_analysis", "language of the latest comment"),
    _f("gender", "string", "customers", "gender"),
    _f("birth_date", "date", "customers", "birth date", pii=True),
)

#: Run output tables the view reads (``profiles`` and ``rfm`` are required).
RUN_TABLES = (
    "profiles",
    "rfm",
    "clv",
    "churn_scores",
    "loyalty",
    "feedback_aspects",
    "feedback_analysis",
    "profile_map",
)

_BY_NAME = {f.name: f for f in AUDIENCE_FIELDS}


@dataclass(frozen=True)
class AudienceSchema:
    """The fields a particular audience view holds, and those its run could not provide."""

    fields: tuple[AudienceField, ...]
    missing: tuple[AudienceField, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> AudienceField | None:
        for f in self.fields:
            if f.name == name:
                return f
        return None

    def missing_source(self, name: str) -> str | None:
        """The run table that would have provided ``name``, if the field is a known one."""
        for f in self.missing:
            if f.name == name:
                return f.source
        return None


def audience_schema(view: ir.Table) -> AudienceSchema:
    """The schema of an audience view: its known fields, and the known fields it lacks."""
    cols = set(view.columns)
    present = tuple(f for f in AUDIENCE_FIELDS if f.name in cols)
    missing = tuple(f for f in AUDIENCE_FIELDS if f.name not in cols)
    return AudienceSchema(present, missing)


def read_run_tables(con: ibis.BaseBackend, run_dir: Path | str) -> dict[str, ir.Table]:
    """The run outputs the audience view reads, as tables of ``con`` (DuckDB or Spark).

    Only files that exist are returned; ``profiles`` and ``rfm`` must.
    """
    root = Path(run_dir)
    tag = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:10]
    out: dict[str, ir.Table] = {}
    for name in RUN_TABLES:
        path = root / f"{name}.parquet"
        if path.exists():
            out[name] = con.read_parquet(path, table_name=f"_aud_{name}_{tag}")
    for name in ("profiles", "rfm"):
        if name not in out:
            raise NotFoundError(f"{root} has no {name}.parquet; is it a complete run directory?")
    return out


def _is_blank(col: ir.StringValue) -> ir.BooleanValue:
    return col.isnull() | (col.strip() == "")


def audience_view(
    tables: Mapping[str, ir.Table],
    as_of: date,
    *,
    customers: ir.Table | None = None,
    complaint_days: int = 365,
) -> ir.Table:
    """One row per profile with every field the run provides (module docstring).

    Parameters
    ----------
    tables
        Run outputs by name (see :data:`RUN_TABLES`); ``profiles`` and ``rfm`` are required.
    as_of
        The run's as-of day (complaints are counted over ``complaint_days`` before it).
    customers
        The warehouse's ``customers`` table, for birth dates and gender (optional).
    complaint_days
        Look-back of ``complained_aspects``.

    Raises
    ------
    NotFoundError
        If ``profiles`` or ``rfm`` is missing.
    """
    for name in ("profiles", "rfm"):
        if name not in tables:
            raise NotFoundError(f"the audience view needs the run table {name!r}")
    if complaint_days <= 0:
        raise ConfigError(f"complaint_days must be positive, got {complaint_days}")
    p = tables["profiles"]
    view = p.select(
        customer_id=p.profile_id,
        created_at=p.created_at,
        city=p.city,
        customer_segment=p.segment,
        consent_email=p.consent_email.fill_null(False),
        consent_sms=p.consent_sms.fill_null(False),
        consent_phone=p.consent_phone.fill_null(False),
        has_email=~_is_blank(p.email),
        has_phone=~_is_blank(p.phone),
        name=p.name,
        email=p.email,
        phone=p.phone,
    )

    r = tables["rfm"]
    gap = ibis.ifelse(r.frequency > 0, r.recency / r.frequency, ibis.null(dt.float64))
    rfm = r.select(
        _rid=r.customer_id,
        purchase_days=r.purchase_days.cast("int64"),
        total_spend=r.total_spend.cast("float64"),
        first_purchase=r.first_purchase.cast("date"),
        last_purchase=r.last_purchase.cast("date"),
        days_since_last=r.days_since_last.cast("int64"),
        r_score=r.r_score.cast("int64"),
        f_score=r.f_score.cast("int64"),
        m_score=r.m_score.cast("int64"),
        rfm_score=r.rfm_score,
        rfm_segment=r.segment,
        usual_gap_days=gap.cast("float64"),
    )
    rfm = rfm.mutate(
        gap_ratio=ibis.ifelse(
            rfm.usual_gap_days > 0,
            rfm.days_since_last.cast("float64") / rfm.usual_gap_days,
            ibis.null(dt.float64),
        )
    )
    view = _left(view, rfm, "_rid")

    if "clv" in tables:
        c = tables["clv"]
        view = _left(
            view,
            c.select(
                _rid=c.customer_id,
                probability_alive=c.probability_alive.cast("float64"),
                expected_purchases=c.expected_purchases.cast("float64"),
                clv=c.clv.cast("float64"),
            ),
            "_rid",
        )
    if "churn_scores" in tables:
        s = tables["churn_scores"]
        view = _left(
            view,
            s.select(
                _rid=s.customer_id,
                churn_probability=s.churn_probability.cast("float64"),
                risk_decile=s.risk_decile.cast("int64"),
                churn_population=s.population,
                churn_reasons_en=s.reasons_en.cast("string"),
                churn_reasons_zh=s.reasons_zh.cast("string"),
            ),
            "_rid",
        )
    if "loyalty" in tables:
        lo = tables["loyalty"]
        view = _left(
            view,
            lo.select(
                _rid=lo.customer_id,
                loyalty_index=lo.loyalty_index.cast("float64"),
                tier=lo.tier,
                lifecycle_stage=lo.lifecycle_stage,
            ),
            "_rid",
        )
    if "feedback_aspects" in tables:
        view = _left(view, _complaints(tables, as_of, complaint_days), "_rid")
    if "feedback_analysis" in tables:
        view = _left(view, _latest_feedback(tables), "_rid")
    if customers is not None:
        view = _left(view, _birth_dates(tables, customers), "_rid")
    order = [f.name for f in AUDIENCE_FIELDS if f.name in view.columns]
    return view.select(*order)


def _left(view: ir.Table, other: ir.Table, key: str) -> ir.Table:
    joined = view.left_join(other, view.customer_id == other[key])
    return joined.drop(key)


def _to_profile(tables: Mapping[str, ir.Table], t: ir.Table, col: str) -> ir.Table:
    """``t`` with ``col`` replaced by the profile id (through ``profile_map`` when present)."""
    if "profile_map" not in tables:
        return t.mutate(_pid=t[col])
    pm = tables["profile_map"]
    j = t.left_join(pm.select(_src=pm.customer_id, _prof=pm.profile_id), t[col] == pm.customer_id)
    return j.mutate(_pid=j._prof.fill_null(j[col])).drop("_src", "_prof")


def _complaints(tables: Mapping[str, ir.Table], as_of: date, days: int) -> ir.Table:
    fa = tables["feedback_aspects"]
    end = ibis.date(as_of) + ibis.interval(days=1)
    start = ibis.date(as_of) - ibis.interval(days=days - 1)
    fa = fa.filter(
        (fa.sentiment == "negative")
        & fa.customer_id.notnull()
        & (fa.brand.isnull() | (fa.brand == "") | (fa.brand == "own"))
        & (fa.timestamp >= start.cast("timestamp"))
        & (fa.timestamp < end.cast("timestamp"))
    )
    fa = _to_profile(tables, fa, "customer_id")
    return fa.group_by(_rid=fa._pid).aggregate(complained_aspects=fa.aspect.collect(distinct=True))


def _latest_feedback(tables: Mapping[str, ir.Table]) -> ir.Table:
    fb = tables["feedback_analysis"]
    fb = fb.filter(fb.customer_id.notnull())
    pid = fb.profile_id.fill_null(fb.customer_id) if "profile_id" in fb.columns else fb.customer_id
    fb = fb.mutate(_pid=pid)
    nps = fb.filter((fb.score_type == "nps") & fb.score.notnull())
    last_nps = nps.group_by(_rid=nps._pid).aggregate(
        last_nps=nps.score.cast("float64").argmax(nps.timestamp)
    )
    last_nps = last_nps.mutate(
        nps_group=ibis.cases(
            (is_promoter(last_nps.last_nps), NpsGroup.PROMOTER.value),
            (is_passive(last_nps.last_nps), NpsGroup.PASSIVE.value),
            else_=NpsGroup.DETRACTOR.value,
        )
    )
    lang = fb.filter(fb.language.isin(["zh", "en"]))
    langs = lang.group_by(_lid=lang._pid).aggregate(
        preferred_language=lang.language.argmax(lang.timestamp)
    )
    j = last_nps.outer_join(langs, last_nps._rid == langs._lid)
    return j.select(
        _rid=j._rid.fill_null(j._lid),
        last_nps=j.last_nps,
        nps_group=j.nps_group,
        preferred_language=j.preferred_language,
    )


def _birth_dates(tables: Mapping[str, ir.Table], customers: ir.Table) -> ir.Table:
    c = _to_profile(tables, customers, "customer_id")
    return c.group_by(_rid=c._pid).aggregate(
        birth_date=c.birth_date.cast("date").min(),
        gender=c.gender.min(),
    )
