"""What the dashboard shows of the analytics side: published runs (read, never computed)."""

from __future__ import annotations

from dataclasses import dataclass

from loyalloop.core.config import Settings
from loyalloop.errors import NoRunError
from loyalloop.pipeline import Run, RunStore

__all__ = ["RunSummary", "get_run", "latest_run", "list_runs"]


@dataclass(frozen=True)
class RunSummary:
    number: int
    as_of: str | None
    created_at: str | None
    customers: int | None
    nps: float | None
    tables: int

    @classmethod
    def of(cls, run: Run) -> RunSummary:
        m = run.manifest
        return cls(
            run.number,
            m.as_of.isoformat(),
            m.created_at.isoformat(timespec="seconds"),
            m.kpis.customers if m.kpis is not None else None,
            m.nps.nps if m.nps is not None else None,
            len(run.tables),
        )


def list_runs(settings: Settings) -> list[RunSummary]:
    return [RunSummary.of(r) for r in reversed(RunStore(settings.runs_dir).survey()[0])]


def latest_run(settings: Settings) -> Run | None:
    try:
        return RunStore(settings.runs_dir).get(None)
    except NoRunError:
        return None


def get_run(settings: Settings, number: int) -> Run:
    return RunStore(settings.runs_dir).get(number)
