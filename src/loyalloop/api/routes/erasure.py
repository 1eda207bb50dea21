"""Erasing a customer from the service (admins only): a page with a confirmation, and
``POST /api/v1/customers/{customer_id}/erase`` with an explicit ``confirm`` field that repeats
the customer id. Both call :func:`loyalloop.services.erasure.erase_person`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from loyalloop.api.access import Permission
from loyalloop.api.deps import Principal, StoreDep, allow
from loyalloop.api.pages import render
from loyalloop.errors import ConfigError
from loyalloop.services.erasure import erase_person

if TYPE_CHECKING:
    from loyalloop.core.runs import Run
    from loyalloop.services import Store

__all__ = ["router"]

router = APIRouter()

#: How long a request waits for a `loyalloop run` holding the project home (then 503/busy).
LOCK_WAIT_SECONDS = 10.0


class EraseRequest(BaseModel):
    """The confirmation: ``confirm`` must repeat the customer id of the URL."""

    confirm: str = Field(max_length=200)


def _write_report(run: Run, lang: str, path: Path) -> object:
    from loyalloop.report.html import write_report

    return write_report(run, path, "zh" if lang == "zh" else "en")


def _erase(store: Store, customer_id: str, confirm: str, who: Principal) -> dict[str, Any]:
    if confirm.strip() != customer_id.strip():
        raise ConfigError(
            "to erase a customer, confirm by repeating their id exactly (field 'confirm'); "
            "erasing cannot be undone"
        )
    result = erase_person(
        store,
        customer_id,
        actor=who.actor,
        report_writer=_write_report,
        lock_timeout=LOCK_WAIT_SECONDS,
    )
    return result.to_dict()


@router.post("/api/v1/customers/{customer_id}/erase", tags=["api"])
async def erase_api(
    customer_id: str,
    body: EraseRequest,
    store: StoreDep,
    who: Annotated[Principal, allow(Permission.customers_erase)],
) -> dict[str, Any]:
    return await run_in_threadpool(_erase, store, customer_id, body.confirm, who)


@router.get(
    "/admin/erase",
    response_class=HTMLResponse,
    include_in_schema=False,
    dependencies=[allow(Permission.customers_erase)],
)
def erase_page(request: Request) -> HTMLResponse:
    return render(request, "erase.html", result=None, error="", customer_id="")


@router.post("/admin/erase", response_class=HTMLResponse, include_in_schema=False)
async def erase_form(
    request: Request,
    store: StoreDep,
    who: Annotated[Principal, allow(Permission.customers_erase)],
    customer_id: Annotated[str, Form(max_length=200)],
    confirm: Annotated[str, Form(max_length=200)] = "",
) -> HTMLResponse:
    try:
        result = await run_in_threadpool(_erase, store, customer_id, confirm, who)
    except ConfigError as exc:
        return render(
            request, "erase.html", status_code=422, result=None, error=str(exc),
            customer_id=customer_id,
        )  # fmt: skip
    return render(request, "erase.html", result=result, error="", customer_id="")
