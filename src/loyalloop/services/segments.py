"""Segments on the service: the run's audience fields, a preview (count and a sample), and
named segments saved in the operational store.

The builder page and ``/api/v1/segments`` call these. A segment is validated by the library's
own :func:`~loyalloop.campaigns.validate_segment` against the audience view of a published run
(default: the latest), with the run's known values of text fields (RFM segments, tiers,
lifecycle stages, aspects …), so a page and a YAML file are refused with the same message
naming the same field (``conditions[1].value: unknown value 'vip' for tier …``).

The preview's sample leaves personal data out unless the caller may see it
(``include_pii``); even then the caller masks it for roles without ``pii.view``
(:func:`mask_sample`). Saving a segment counts it on the run it was validated against and
keeps the spec in :class:`~loyalloop.store.models.SavedSegment` (a new ``version`` when the
name exists); a campaign's ``segment: NAME`` refers to it at launch.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from loyalloop.campaigns import (
    AudienceField,
    FieldType,
    SegmentSpec,
    audience_schema,
    parse_segment,
    preview_segment,
    validate_segment,
)
from loyalloop.errors import NotFoundError, SpecError
from loyalloop.services.audit import Actor, record
from loyalloop.services.pii import mask_contact, mask_name
from loyalloop.services.store import Store
from loyalloop.store.base import utcnow
from loyalloop.store.models import SavedSegment

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = [
    "Audience",
    "SegmentField",
    "SegmentPreviewResult",
    "get_segment",
    "list_segments",
    "mask_sample",
    "open_audience",
    "preview",
    "save_segment",
    "saved_segments",
    "segment_fields",
]

log = logging.getLogger(__name__)

#: Text fields whose known values the builder offers and validation checks (at most
#: ``_MAX_VALUES`` each; a field with more accepts any text).
VALUE_FIELDS = (
    "rfm_segment",
    "tier",
    "lifecycle_stage",
    "customer_segment",
    "churn_population",
    "nps_group",
    "preferred_language",
    "complained_aspects",
    "city",
    "gender",
)
_MAX_VALUES = 200
#: Fields the builder shows first, in this order (the issue's list); the rest follow.
FEATURED = (
    "rfm_segment",
    "clv",
    "probability_alive",
    "churn_probability",
    "lifecycle_stage",
    "tier",
    "complained_aspects",
    "last_purchase",
    "days_since_last",
    "consent_email",
    "consent_sms",
    "consent_phone",
)
_SAMPLE = 10


@dataclass(frozen=True)
class Audience:
    """The audience view of one published run."""

    view: ir.Table
    as_of: date
    run: int
    values: Mapping[str, Sequence[str]]


@dataclass(frozen=True)
class SegmentField:
    """One field the builder offers: its type and, for text fields, its known values."""

    name: str
    type: FieldType
    source: str
    description: str
    values: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type.value,
            "source": self.source,
            "description": self.description,
            "values": list(self.values),
        }


@dataclass(frozen=True)
class SegmentPreviewResult:
    """A validated segment's count on a run and a few of its customers."""

    spec: SegmentSpec
    run: int
    as_of: date
    count: int
    total: int
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...] = field(compare=False)

    @property
    def share(self) -> float:
        return self.count / self.total if self.total else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.spec.name,
            "spec": self.spec.to_dict(),
            "run": self.run,
            "as_of": self.as_of.isoformat(),
            "count": self.count,
            "total": self.total,
            "share": round(self.share, 6),
            "sample": [dict(zip(self.columns, r, strict=True)) for r in self.rows],
        }


def _known_values(view: ir.Table) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for name in VALUE_FIELDS:
        if name not in view.columns:
            continue
        col = view[name]
        if name == "complained_aspects":
            col = col.unnest()
        distinct = view.select(v=col).filter(lambda t: t.v.notnull()).distinct()
        got = distinct.order_by("v").limit(_MAX_VALUES + 1).execute()["v"]
        values = tuple(str(v) for v in got)
        if len(values) <= _MAX_VALUES:
            out[name] = values
    return out


@contextlib.contextmanager
def open_audience(store: Store, run: int | None = None) -> Iterator[Audience]:
    """The audience view of a published run (default: the latest), read-only.

    Raises
    ------
    NoRunError
        When no run has been published (``loyalloop run`` first).
    """
    from loyalloop.campaigns import audience_view, read_run_tables
    from loyalloop.core.warehouse import Warehouse
    from loyalloop.pipeline import RunStore

    r = RunStore(store.analytics.runs_dir).get(run)
    as_of = r.manifest.as_of
    with Warehouse(store.analytics, read_only=True) as wh:
        tables = read_run_tables(wh.ibis, r.path)
        customers = wh.table("customers") if wh.has_table("customers") else None
        view = audience_view(tables, as_of, customers=customers)
        yield Audience(view, as_of, r.number, _known_values(view))


def segment_fields(audience: Audience) -> list[SegmentField]:
    """The fields a segment may use on this run (personal data left out), featured first."""
    schema = audience_schema(audience.view)
    usable = [f for f in schema.fields if not f.pii and f.name != "customer_id"]
    order = {name: i for i, name in enumerate(FEATURED)}
    usable.sort(key=lambda f: order.get(f.name, len(order)))

    def one(f: AudienceField) -> SegmentField:
        return SegmentField(
            f.name, f.type, f.source, f.description, tuple(audience.values.get(f.name, ()))
        )

    return [one(f) for f in usable]


def preview(
    audience: Audience,
    raw: Mapping[str, Any] | SegmentSpec,
    *,
    include_pii: bool = False,
    n: int = _SAMPLE,
) -> SegmentPreviewResult:
    """Validate ``raw`` against the run (errors name the field) and count it, with a sample.

    The sample holds the customer id, the fields the spec uses, CLV and churn probability;
    with ``include_pii`` also the name and phone (mask them with :func:`mask_sample` for roles
    that may not see them).
    """
    spec = parse_segment(raw)
    schema = audience_schema(audience.view)
    validate_segment(spec, schema, values=audience.values)
    columns = ["customer_id"]
    if include_pii:
        columns += [c for c in ("name", "phone") if c in audience.view.columns]
    columns += sorted(spec.fields())
    columns += [c for c in ("clv", "churn_probability") if c not in columns]
    p = preview_segment(
        spec, audience.view, audience.as_of, n=n, columns=columns, include_pii=include_pii
    )
    return SegmentPreviewResult(
        spec,
        audience.run,
        audience.as_of,
        p.count,
        p.total,
        tuple(str(c) for c in p.sample.columns),
        tuple(tuple(_plain(v) for v in row) for row in p.sample.itertuples(index=False)),
    )


def _plain(v: Any) -> Any:
    """A JSON- and template-friendly value (lists for arrays, ISO text for dates)."""
    import numpy as np
    import pandas as pd

    if isinstance(v, np.ndarray | list | tuple):
        return [str(x) for x in v]
    if v is None or (isinstance(v, float) and v != v):
        return None
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(v, pd.Timestamp | date):
        return v.isoformat()[:10] if isinstance(v, date) else v.date().isoformat()
    if isinstance(v, np.generic):
        return v.item()
    return v


def mask_sample(result: SegmentPreviewResult) -> SegmentPreviewResult:
    """The preview with names and phone numbers masked (roles without ``pii.view``)."""
    masks = {"name": mask_name, "phone": mask_contact, "email": mask_contact}
    idx = {i: masks[c] for i, c in enumerate(result.columns) if c in masks}
    if not idx:
        return result
    rows = tuple(
        tuple(idx[i](str(v)) if i in idx and v is not None else v for i, v in enumerate(row))
        for row in result.rows
    )
    return SegmentPreviewResult(
        result.spec, result.run, result.as_of, result.count, result.total, result.columns, rows
    )


def save_segment(
    session: Session, audience: Audience, raw: Mapping[str, Any], actor: Actor
) -> tuple[SavedSegment, int]:
    """Validate ``raw`` on the run, count it, and save it under its name (a new version when
    the name exists). Returns the saved row and the count."""
    import re

    spec = parse_segment(raw)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}", spec.name):
        raise SpecError(
            "a saved segment's name is letters, digits, '_', '-', '.' or ':' (at most 80)",
            path="name",
        )
    result = preview(audience, spec, n=0)
    row = session.scalar(sa.select(SavedSegment).where(SavedSegment.name == spec.name))
    now = utcnow()
    if row is None:
        row = SavedSegment(name=spec.name, version=1, created_by=actor.name, created_at=now)
        session.add(row)
    else:
        row.version += 1
    row.spec = spec.to_dict()
    row.description = spec.description[:500]
    row.last_count = result.count
    row.last_run = audience.run
    row.updated_at = now
    session.flush()
    record(
        session,
        actor,
        "segment.save",
        f"segment:{row.id}",
        {"name": spec.name, "version": row.version, "count": result.count, "run": audience.run},
    )
    session.commit()
    return row, result.count


def list_segments(session: Session) -> Sequence[SavedSegment]:
    return session.scalars(sa.select(SavedSegment).order_by(SavedSegment.name)).all()


def get_segment(session: Session, name: str) -> SavedSegment:
    row = session.scalar(sa.select(SavedSegment).where(SavedSegment.name == name))
    if row is None:
        names = [s.name for s in list_segments(session)]
        raise NotFoundError(
            f"no saved segment {name!r}" + (f"; saved: {', '.join(names)}" if names else "")
        )
    return row


def saved_segments(session: Session) -> dict[str, SegmentSpec]:
    """Every saved segment as a spec, by name (for ``segment: NAME`` campaigns)."""
    return {s.name: parse_segment(s.spec) for s in list_segments(session)}
