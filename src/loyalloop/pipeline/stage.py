"""A stage is a small declared object: its name, what it reads, what it writes, its function.

The runner (:func:`loyalloop.pipeline.run_pipeline`) checks the declarations instead of
stages probing for each other's tables:

* **before anything runs** (:func:`check_plan`): every name a stage ``requires`` is a warehouse
  table or is ``produced`` by an earlier stage, else the run fails at once naming the stage
  and the input;
* **before each stage runs**: an input an earlier stage declared but did not write (that stage
  recorded why in the manifest, e.g. CLV not fitted) means this stage cannot run either; its
  manifest slot then says ``skipped`` and names the missing input, and the run goes on.

A stage may also read ``optional`` inputs (:meth:`RunContext.has_output` says whether this run
wrote them): used when present (the early-warning list values customers by their CLV, or by
their spend when the CLV models could not be fitted; campaign results are split by lifecycle
stage when the loyalty stage ran), never a reason to skip. The plan check accepts an optional
input that a stage *not in this plan* would produce (``known``: the runner passes every output
of the full catalogue, :data:`loyalloop.pipeline.stages.STAGE_OUTPUTS`), so a reduced plan
runs without it; it refuses one produced only by a *later* stage (it could never be present
when read) and a name nothing produces (a misspelling).

Names in ``requires``, ``optional`` and ``produces`` are run outputs (Parquet tables of the
run), temporary warehouse tables of the run (e.g. :data:`~loyalloop.pipeline.context.PROFILE_TX`)
or canonical warehouse tables.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from loyalloop.errors import ConfigError
from loyalloop.pipeline.context import RunContext

__all__ = ["Deferred", "Stage", "check_plan"]


@dataclass(frozen=True)
class Deferred:
    """A stage function named as ``"module:function"`` and imported when first called.

    For a stage the runner usually hands to the worker process
    (:mod:`loyalloop.pipeline.parallel`): the runner then does not import that stage's
    libraries, which only the worker uses (the feedback stage's: 0.10–0.14 s of CPU at
    start-up, ``benchmarks/results/run.md``, session 9).
    """

    ref: str

    def resolve(self) -> Callable[[RunContext], None]:
        """The function itself (imported on first use; Python caches the module)."""
        module, name = self.ref.split(":")
        function: Callable[[RunContext], None] = getattr(importlib.import_module(module), name)
        return function

    def __call__(self, ctx: RunContext) -> None:
        self.resolve()(ctx)


@dataclass(frozen=True)
class Stage:
    """One step of the pipeline.

    Parameters
    ----------
    name
        Unique name (shown in progress and in ``stage_seconds``).
    function
        Does the work: reads ``requires`` through the context, saves ``produces`` (or records
        why it could not) and records its summary.
    requires
        Tables it reads.
    produces
        Tables it may write (one it does not write is simply absent from the run).
    slot
        The manifest slot its summary goes to (:data:`loyalloop.core.results.STAGE_SLOTS`), or
        ``None`` for a stage without a summary of its own.
    optional
        Tables it reads when present (:meth:`RunContext.has_output`).
    """

    name: str
    function: Callable[[RunContext], None]
    requires: tuple[str, ...] = ()
    produces: tuple[str, ...] = ()
    slot: str | None = None
    optional: tuple[str, ...] = ()

    def __call__(self, ctx: RunContext) -> None:
        self.function(ctx)


def check_plan(
    stages: Sequence[Stage], warehouse_tables: Iterable[str], *, known: Iterable[str] = ()
) -> None:
    """Refuse a plan in which a stage reads something nothing before it provides.

    Parameters
    ----------
    stages
        The plan, in running order.
    warehouse_tables
        Tables the warehouse holds.
    known
        Outputs of stages that may be left out of this plan: an *optional* input among them
        is allowed to be absent (the stage runs without it). A *required* input never is.

    Raises
    ------
    ConfigError
        Naming the first such stage and input, and what was available.
    """
    available = set(warehouse_tables)
    known_outputs = set(known)
    later: dict[str, str] = {}
    for stage in stages:
        for name in stage.produces:
            later.setdefault(name, stage.name)
    seen: set[str] = set()
    for stage in stages:
        if stage.name in seen:
            raise ConfigError(f"two pipeline stages are called {stage.name!r}")
        seen.add(stage.name)
        for name in stage.requires:
            if name not in available:
                raise ConfigError(
                    f"pipeline stage {stage.name!r} needs {name!r}, which no earlier stage "
                    f"produces and the warehouse does not hold (available: "
                    f"{', '.join(sorted(available)) or 'nothing'})"
                )
        for name in stage.optional:
            if name in available:
                continue
            if name in later:
                raise ConfigError(
                    f"pipeline stage {stage.name!r} reads {name!r} when present, but only the "
                    f"later stage {later[name]!r} produces it: it could never be there"
                )
            if name not in known_outputs:
                raise ConfigError(
                    f"pipeline stage {stage.name!r} reads {name!r} when present, but no stage "
                    "produces it and the warehouse does not hold it (misspelt?)"
                )
        available.update(stage.produces)
