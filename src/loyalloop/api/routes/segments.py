"""Segments for staff: the builder page (typed condition rows over the run's fields, combined
with and / or / not, or a YAML spec for nested groups), its preview (count and a sample,
masked per role) and saving, and the same under ``/api/v1/segments`` as JSON.

Validation is the library's (:func:`loyalloop.services.segments.preview`): a page, the API
and a YAML file are refused with the same message naming the same field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from loyalloop.api.access import Permission
from loyalloop.api.deps import Principal, SessionDep, StoreDep, allow, get_lang
from loyalloop.api.i18n import text
from loyalloop.api.pages import render
from loyalloop.campaigns import FieldType, Op
from loyalloop.errors import SpecError
from loyalloop.services.segments import (
    SegmentField,
    SegmentPreviewResult,
    get_segment,
    list_segments,
    mask_sample,
    open_audience,
    preview,
    save_segment,
    segment_fields,
)

__all__ = ["api_router", "router"]

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["segments"])
Edit = Annotated[Principal, allow(Permission.campaigns_edit)]
View = Annotated[Principal, allow(Permission.dashboard)]

#: Condition rows of the builder page.
ROWS = 6
_LIST_OPS = (Op.in_, Op.not_in, Op.contains_any, Op.between)
_DAY_OPS = (Op.within_last_days, Op.more_than_days_ago)
_NO_VALUE = (Op.is_null, Op.not_null)
_TRUE = {"true", "yes", "1", "y", "是", "真"}
_FALSE = {"false", "no", "0", "n", "否", "假"}


def _typed(text_value: str, ftype: FieldType | None, op: Op | None) -> Any:
    """A form value as the spec wants it, by the field's type; text that does not convert
    is passed on as is, so validation refuses it naming the field."""
    v = text_value.strip()
    if op in _DAY_OPS:
        return int(v) if v.lstrip("-").isdigit() else v
    if ftype is None:
        return v
    if ftype.numeric:
        try:
            return int(v) if ftype is FieldType.int and v.lstrip("-").isdigit() else float(v)
        except ValueError:
            return v
    if ftype is FieldType.bool:
        low = v.lower()
        return True if low in _TRUE else False if low in _FALSE else v
    return v


def _op(raw: str) -> Op | None:
    return next((o for o in Op if o.value == raw.strip().lower()), None)


def spec_from_form(
    form: Mapping[str, Any], fields: Mapping[str, SegmentField]
) -> tuple[dict[str, Any], list[int]]:
    """The segment spec of the builder form, and the form row of each condition."""
    name = str(form.get("name", "")).strip()
    description = str(form.get("description", "")).strip()
    source = str(form.get("spec_yaml", "")).strip()
    if source:
        try:
            raw = yaml.safe_load(source)
        except yaml.YAMLError as exc:
            raise SpecError(f"not valid YAML: {exc}", path="spec_yaml") from None
        if not isinstance(raw, dict):
            raise SpecError(
                "the YAML spec is a mapping (name, match, conditions)", path="spec_yaml"
            )
        raw.setdefault("name", name)
        if description:
            raw.setdefault("description", description)
        return raw, []
    conditions: list[dict[str, Any]] = []
    rows: list[int] = []
    for i in range(ROWS):
        fname = str(form.get(f"f{i}", "")).strip()
        if not fname:
            continue
        op_text = str(form.get(f"op{i}", "")).strip()
        op = _op(op_text)
        f = fields.get(fname)
        ftype = f.type if f else None
        value_text = str(form.get(f"v{i}", ""))
        cond: dict[str, Any] = {"field": fname, "op": op_text}
        if op not in _NO_VALUE:
            if op in _LIST_OPS:
                parts = [p for p in value_text.replace("，", ",").split(",") if p.strip()]
                cond["value"] = [_typed(p, ftype, op) for p in parts]
            else:
                cond["value"] = _typed(value_text, ftype, op) if value_text.strip() else None
        node: dict[str, Any] = {"not": cond} if form.get(f"not{i}") else cond
        conditions.append(node)
        rows.append(i)
    raw = {
        "name": name,
        "description": description,
        "match": str(form.get("match", "all")),
        "conditions": conditions,
    }
    return raw, rows


def _error_row(exc: SpecError, rows: list[int]) -> int | None:
    """The builder row a spec error points at (``conditions[k]…`` → the k-th filled row)."""
    path = exc.path or ""
    if path.startswith("conditions[") and rows:
        try:
            k = int(path[len("conditions[") : path.index("]")])
        except ValueError:
            return None
        return rows[k] if k < len(rows) else None
    return None


def _rows_of(spec: Mapping[str, Any]) -> tuple[list[dict[str, Any]], bool]:
    """Builder rows of a saved spec; ``False`` when it is nested (then it is shown as YAML)."""
    out: list[dict[str, Any]] = []
    for c in spec.get("conditions", []):
        neg = isinstance(c, dict) and set(c) == {"not"} and "field" in c["not"]
        inner = c["not"] if neg else c
        if not isinstance(inner, dict) or "field" not in inner:
            return [], False
        value = inner.get("value")
        shown = ", ".join(str(x) for x in value) if isinstance(value, list) else value
        out.append(
            {"field": inner["field"], "op": inner["op"], "value": "" if shown is None else shown,
             "not": neg}
        )  # fmt: skip
    return (out, True) if len(out) <= ROWS else ([], False)


def _builder(
    request: Request,
    store: Any,
    me: Principal,
    *,
    form: Mapping[str, Any] | None = None,
    result: SegmentPreviewResult | None = None,
    error: str = "",
    error_row: int | None = None,
    status_code: int = 200,
    run: int | None = None,
) -> HTMLResponse:
    with open_audience(store, run) as audience:
        fields = segment_fields(audience)
        run_no, as_of = audience.run, audience.as_of
    values = dict(form or {})
    rows = [
        {
            "field": str(values.get(f"f{i}", "")),
            "op": str(values.get(f"op{i}", "")),
            "value": str(values.get(f"v{i}", "")),
            "not": bool(values.get(f"not{i}")),
        }
        for i in range(ROWS)
    ]
    sample = result
    if result is not None and not me.can(Permission.pii_view):
        sample = mask_sample(result)
    return render(
        request,
        "segment_builder.html",
        status_code=status_code,
        fields=fields,
        field_types={f.name: f.type.value for f in fields},
        field_values={f.name: list(f.values) for f in fields},
        ops=[o.value for o in Op],
        rows=rows,
        seg_name=str(values.get("name", "")),
        description=str(values.get("description", "")),
        match=str(values.get("match", "all")),
        spec_yaml=str(values.get("spec_yaml", "")),
        result=sample,
        error=error,
        error_row=error_row,
        run=run_no,
        as_of=as_of,
        masked=not me.can(Permission.pii_view),
    )


# -- pages ------------------------------------------------------------------------------------


@router.get("/segments", response_class=HTMLResponse)
def segments_page(
    request: Request, session: SessionDep, me: View, saved: str = "", v: int = 0, n: int = 0
) -> HTMLResponse:
    rows = list_segments(session)
    session.commit()
    message = text("segment_saved", get_lang(request), name=saved, v=v, count=n) if saved else ""
    return render(
        request,
        "segments.html",
        segments=rows,
        message=message,
        can_edit=me.can(Permission.campaigns_edit),
    )


@router.get("/segments/new", response_class=HTMLResponse)
def segment_new(
    request: Request, store: StoreDep, session: SessionDep, me: Edit, edit: str = ""
) -> HTMLResponse:
    """The builder, empty or (``?edit=NAME``) with a saved segment's conditions."""
    form: dict[str, Any] = {}
    if edit:
        saved = get_segment(session, edit)
        session.commit()
        spec = saved.spec
        form = {"name": saved.name, "description": saved.description, "match": spec.get("match")}
        rows, flat = _rows_of(spec)
        if flat:
            for i, r in enumerate(rows):
                form |= {f"f{i}": r["field"], f"op{i}": r["op"], f"v{i}": r["value"]}
                if r["not"]:
                    form[f"not{i}"] = "on"
        else:
            form["spec_yaml"] = yaml.safe_dump(spec, allow_unicode=True, sort_keys=False)
    return _builder(request, store, me, form=form)


@router.post("/segments/new", response_class=HTMLResponse)
async def segment_form(
    request: Request, store: StoreDep, session: SessionDep, me: Edit
) -> Response:
    """``action=preview`` shows the count and a sample; ``action=save`` saves the segment."""
    from starlette.concurrency import run_in_threadpool

    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    action = form.get("action", "preview")

    def work() -> Response:
        rows: list[int] = []
        try:
            with open_audience(store) as audience:
                fields = {f.name: f for f in segment_fields(audience)}
                raw, rows = spec_from_form(form, fields)
                if action == "save":
                    saved, count = save_segment(session, audience, raw, me.actor)
                    return RedirectResponse(
                        f"/segments?saved={saved.name}&v={saved.version}&n={count}",
                        status_code=303,
                    )
                result = preview(audience, raw, include_pii=True)
        except SpecError as exc:
            session.rollback()
            row = _error_row(exc, rows)
            message = str(exc)
            if row is not None:
                message += f" ({text('row', get_lang(request), n=row + 1)})"
            return _builder(request, store, me, form=form, error=message, error_row=row,
                            status_code=422)  # fmt: skip
        return _builder(request, store, me, form=form, result=result)

    return await run_in_threadpool(work)


# -- API --------------------------------------------------------------------------------------


class SegmentIn(BaseModel):
    """A segment spec (name, match, conditions …) and the run to check it on (latest)."""

    spec: dict[str, Any] = Field(default_factory=dict)
    run: int | None = None


@api_router.get("/segments/fields", dependencies=[allow(Permission.dashboard)])
def api_fields(store: StoreDep, run: int | None = None) -> dict[str, Any]:
    """The fields a segment may use on a run, with types and known values."""
    with open_audience(store, run) as audience:
        return {
            "run": audience.run,
            "as_of": audience.as_of.isoformat(),
            "operators": [o.value for o in Op],
            "fields": [f.to_dict() for f in segment_fields(audience)],
        }


@api_router.post("/segments/preview")
def api_preview(body: SegmentIn, store: StoreDep, me: Edit) -> dict[str, Any]:
    """Validate and count a segment on a run, with a sample (masked for roles without
    ``pii.view``). A spec that does not validate: 422 naming the field."""
    with open_audience(store, body.run) as audience:
        result = preview(audience, body.spec, include_pii=True)
    if not me.can(Permission.pii_view):
        result = mask_sample(result)
    return result.to_dict()


def _saved_dict(s: Any) -> dict[str, Any]:
    return {
        "name": s.name,
        "description": s.description,
        "version": s.version,
        "spec": s.spec,
        "last_count": s.last_count,
        "last_run": s.last_run,
        "created_by": s.created_by,
        "updated_at": s.updated_at.isoformat(),
    }


@api_router.get("/segments", dependencies=[allow(Permission.dashboard)])
def api_segments(session: SessionDep) -> list[dict[str, Any]]:
    return [_saved_dict(s) for s in list_segments(session)]


@api_router.get("/segments/{name}", dependencies=[allow(Permission.dashboard)])
def api_segment(name: str, session: SessionDep) -> dict[str, Any]:
    return _saved_dict(get_segment(session, name))


@api_router.post("/segments", status_code=201)
def api_segment_save(
    body: SegmentIn, store: StoreDep, session: SessionDep, me: Edit
) -> dict[str, Any]:
    """Validate, count and save a segment (a new version when the name exists)."""
    with open_audience(store, body.run) as audience:
        saved, _count = save_segment(session, audience, body.spec, me.actor)
    return _saved_dict(saved)
