"""Staff pages of the analytics side: the dashboard, the runs and their reports."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from loyalloop.api.access import Permission
from loyalloop.api.deps import LangDep, Principal, SessionDep, StoreDep, allow
from loyalloop.api.pages import nonce_scripts, render
from loyalloop.services.dashboard import case_dashboard, get_run, latest_run, list_runs
from loyalloop.services.surveys import list_surveys, survey_stats

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
DASHBOARD = [allow(Permission.dashboard)]


def _run_sections(run: Any, lang: str, nonce: str) -> list[tuple[str, Markup]]:
    """The report's own sections (same figures, same charts) for the dashboard: what to do now
    first (whom to call, whom to watch, the most valuable actions), then the figures; campaign
    results (arms against holdouts with intervals and ROI, the programme against the global
    control) when the run measured campaigns."""
    from loyalloop.report.actions_section import actions_section
    from loyalloop.report.campaigns_section import campaigns_section
    from loyalloop.report.html import kpi_section, segments_section, trends_section

    out = []
    builds = (actions_section, kpi_section, trends_section, segments_section, campaigns_section)
    for build in builds:
        section = build(run, lang)  # type: ignore[arg-type]
        if section is not None:
            out.append((section.title, nonce_scripts(section.body, nonce)))
    return out


def _files_state(path: Path) -> tuple[tuple[str, int, int], ...]:
    """The run's files as they are now (name, modification time, size). An erasure rewrites
    the files that held the person (a new file renamed into place), so a report rendered
    before it is never served after it, whichever process erased."""
    state = []
    for p in path.iterdir():
        st = p.stat()
        state.append((p.name, st.st_mtime_ns, st.st_size))
    return tuple(sorted(state))


@router.get("/", response_class=HTMLResponse, dependencies=DASHBOARD)
def dashboard(
    request: Request, session: SessionDep, store: StoreDep, lang: LangDep
) -> HTMLResponse:
    run = latest_run(store.analytics)
    sections = _run_sections(run, lang, request.state.nonce) if run is not None else []
    surveys = list_surveys(session)
    live = {s.id: survey_stats(session, s.id) for s in surveys[:20] if s.status == "live"}
    cases = case_dashboard(session, store.analytics)
    return render(
        request,
        "dashboard.html",
        run=run,
        sections=sections,
        surveys=surveys,
        live=live,
        cases=cases,
    )


@router.get("/runs", response_class=HTMLResponse, dependencies=DASHBOARD)
def runs_page(request: Request, store: StoreDep) -> HTMLResponse:
    return render(request, "runs.html", runs=list_runs(store.analytics))


@router.get("/runs/{number}/report", response_class=HTMLResponse)
async def run_report(
    request: Request,
    number: int,
    store: StoreDep,
    lang: LangDep,
    me: Annotated[Principal, allow(Permission.dashboard)],
) -> HTMLResponse:
    """The run's full HTML report (self-contained: plotly.js inline, so scripts run inline), in
    the reader's language (``?lang=zh|en``, else the toggle's cookie, else the browser's); its
    header links to the report in the other language through the toggle (remembered)."""
    from loyalloop.report.html import render_report

    cache: dict[tuple[int, str], tuple[Any, str]] = request.app.state.report_cache
    run = get_run(store.analytics, number)
    key, state = (number, lang), _files_state(run.path)
    if key not in cache or cache[key][0] != state:
        cache.pop(key, None)  # a report of files since rewritten is not kept either
        other = "en" if lang == "zh" else "zh"
        switch = f"/lang/{other}?next={quote(request.url.path, safe='/')}"
        html = await run_in_threadpool(
            partial(render_report, switch_href=switch),
            run,
            lang,  # type: ignore[arg-type]
        )
        cache[key] = (state, html)
        while len(cache) > 4:
            cache.pop(next(iter(cache)))
    return HTMLResponse(
        cache[key][1],
        headers={
            "Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-inline' "
            "'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
            "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
        },
    )
