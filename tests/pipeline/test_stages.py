"""Declared stages: the runner checks what each stage reads before anything runs; one re-key
helper."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import ibis
import pytest
from tests.pipeline.test_runs import load

from loyalloop.core import Settings
from loyalloop.core.results import NotComputed
from loyalloop.core.runs import RunStore
from loyalloop.errors import ConfigError
from loyalloop.pipeline import run_pipeline
from loyalloop.pipeline import stages as stages_module
from loyalloop.pipeline.context import PROFILE_TX, RunContext
from loyalloop.pipeline.profile_keys import rekey_by_profile
from loyalloop.pipeline.stage import Stage, check_plan


def test_every_registered_stage_reads_only_what_is_there_before_it() -> None:
    check_plan(stages_module.STAGES, stages_module.INPUT_TABLES)  # does not raise


def test_missing_input_fails_before_any_stage_runs(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load(settings, tmp_path)
    ran: list[str] = []

    def note(ctx: RunContext) -> None:
        ran.append("first")

    stages = [
        *stages_module.STAGES[:1],
        Stage("first", note, requires=("profiles",)),
        Stage("needs_scores", note, requires=("profile_map", "clv_scores_v2")),
    ]
    monkeypatch.setattr("loyalloop.pipeline.run.STAGES", stages)
    with pytest.raises(ConfigError, match=r"stage 'needs_scores' needs 'clv_scores_v2'"):
        run_pipeline(settings)
    assert ran == []  # failed before running anything
    assert RunStore(settings.runs_dir).numbers() == []


def test_stage_whose_input_was_not_computed_is_skipped_and_says_why(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two customers cannot support a CLV model, so a stage reading ``clv`` cannot run."""
    load(settings, tmp_path)

    def never(ctx: RunContext) -> None:
        raise AssertionError("must not run")

    stages = [s for s in stages_module.STAGES if s.name in ("profiles", "rfm", "kpis", "clv")] + [
        Stage("uses_clv", never, requires=("clv",), slot="churn")
    ]
    monkeypatch.setattr("loyalloop.pipeline.run.STAGES", stages)
    run = run_pipeline(settings)
    assert run.manifest.churn == NotComputed("skipped", "needs clv, which this run did not compute")
    assert "uses_clv" not in run.manifest.stage_seconds


def test_duplicate_stage_names_are_refused() -> None:
    s = stages_module.STAGES[0]
    with pytest.raises(ConfigError, match="two pipeline stages are called 'profiles'"):
        check_plan([s, s], stages_module.INPUT_TABLES)
    assert PROFILE_TX in s.produces


def test_rekey_by_profile_one_helper_three_uses() -> None:
    con = ibis.duckdb.connect()
    id_map = ibis.memtable({"customer_id": ["C1", "C2", "C3"], "profile_id": ["C1", "C1", "C3"]})
    t = ibis.memtable(
        {"customer_id": ["C2", "C9", None, "C3"], "x": [1, 2, 3, 4]},
        schema={"customer_id": "string", "x": "int64"},
    )
    inner = con.execute(rekey_by_profile(t, id_map).order_by("x"))
    assert inner.to_dict("list") == {"customer_id": ["C1", "C3"], "x": [1, 4]}
    kept = con.execute(
        rekey_by_profile(t, id_map, keep_unknown=True, source_column="source").order_by("x")
    )
    assert list(kept.columns) == ["customer_id", "source", "x"]
    assert kept["customer_id"].tolist()[0] == "C1" and kept["source"].tolist()[0] == "C2"
    assert kept["customer_id"].isna().tolist() == [False, True, True, False]
    assert kept["x"].tolist() == [1, 2, 3, 4]


def test_optional_inputs_must_exist_somewhere_but_never_skip(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = stages_module.STAGES[0]
    with pytest.raises(ConfigError, match=r"stage 'reader' reads 'clv_typo' .*misspelt"):
        check_plan(
            [first, Stage("reader", lambda ctx: None, optional=("clv_typo",))],
            stages_module.INPUT_TABLES,
            known=stages_module.STAGE_OUTPUTS,
        )
    load(settings, tmp_path)
    seen: list[bool] = []

    def reader(ctx: RunContext) -> None:
        seen.append(ctx.has_output("clv"))

    stages = [s for s in stages_module.STAGES if s.name in ("profiles", "rfm", "kpis", "clv")]
    monkeypatch.setattr(
        "loyalloop.pipeline.run.STAGES",
        [*stages, Stage("reader", reader, requires=("rfm",), optional=("clv",))],
    )
    run = run_pipeline(settings)
    # two customers cannot support a CLV model: the optional input is absent, the stage ran
    assert isinstance(run.manifest.clv, NotComputed) and seen == [False]


def test_saved_expressions_have_one_row_order(settings: Settings) -> None:
    """An engine's row order is whatever its threads make of it: a table is written in the
    order its expression asks for, else ordered by all its columns."""
    from loyalloop.data.schema import open_warehouse
    from loyalloop.pipeline.config import RunConfig

    t = ibis.memtable({"k": [3, 1, 2, 1], "v": ["c", "b", "a", "a"]})
    with open_warehouse(settings) as wh, RunStore(settings.runs_dir).writer() as writer:
        ctx = RunContext(wh=wh, writer=writer, as_of=date(2024, 1, 1), config=RunConfig())
        ctx.save("plain", t)
        ctx.save("ranked", t.order_by(ibis.desc("k"), "v"))
        plain = ctx.output("plain").to_pandas()
        ranked = ctx.output("ranked").to_pandas()
    assert list(zip(plain["k"], plain["v"], strict=True)) == [
        (1, "a"),
        (1, "b"),
        (2, "a"),
        (3, "c"),
    ]
    assert ranked["k"].tolist() == [3, 2, 1, 1] and ranked["v"].tolist() == ["c", "a", "a", "b"]


def test_optional_input_of_a_stage_left_out_of_the_plan_is_allowed_a_later_one_is_not() -> None:
    """Required vs optional: a reduced plan without the loyalty stage still measures campaigns
    (segments by lifecycle stage are optional); a required input is never optional."""
    plan = [
        s
        for s in stages_module.STAGES
        if s.name in ("profiles", "rfm", "kpis", "campaign_outcomes", "campaign_results")
    ]
    assert "loyalty" in next(s for s in plan if s.name == "campaign_results").optional
    check_plan(plan, stages_module.INPUT_TABLES, known=stages_module.STAGE_OUTPUTS)
    with pytest.raises(ConfigError, match="reads 'loyalty' when present, but no stage"):
        check_plan(plan, stages_module.INPUT_TABLES)  # without the catalogue: unknown name
    noop = Stage("late", lambda ctx: None, produces=("extra",))
    reader = Stage("reader", lambda ctx: None, optional=("extra",))
    with pytest.raises(ConfigError, match="only the later stage 'late' produces it"):
        check_plan([reader, noop], (), known={"extra"})
    with pytest.raises(ConfigError, match="stage 'needs' needs 'extra'"):
        check_plan([Stage("needs", lambda ctx: None, requires=("extra",))], (), known={"extra"})


def test_a_stage_runs_with_and_without_its_optional_input(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load(settings, tmp_path)
    seen: list[tuple[bool, int]] = []

    def write_extra(ctx: RunContext) -> None:
        ctx.save("segments_extra", ibis.memtable({"customer_id": ["C1"], "x": [1]}))

    def reader(ctx: RunContext) -> None:
        present = ctx.has_output("segments_extra")
        seen.append(
            (present, int(ctx.output("segments_extra").count().execute()) if present else 0)
        )

    base = [s for s in stages_module.STAGES if s.name in ("profiles", "rfm")]
    read = Stage("reader", reader, requires=("rfm",), optional=("segments_extra",))
    writer = Stage("writer", write_extra, produces=("segments_extra",))
    monkeypatch.setattr(
        "loyalloop.pipeline.run.STAGE_OUTPUTS", stages_module.STAGE_OUTPUTS | {"segments_extra"}
    )
    monkeypatch.setattr("loyalloop.pipeline.run.STAGES", [*base, writer, read])
    run_pipeline(settings)
    monkeypatch.setattr("loyalloop.pipeline.run.STAGES", [*base, read])  # the writer left out
    run_pipeline(settings)
    assert seen == [(True, 1), (False, 0)]
