"""The profiles stage with identity resolution: what a run publishes (merges, review pairs, the
trained model, the counts in the manifest), and the two ways a user steers it — the unmerge
list in the home folder and a pinned model."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from loyalloop.apps.demo import load_sample
from loyalloop.core import Settings
from loyalloop.core.results import ProfilesSummary
from loyalloop.core.runs import Run, RunStore
from loyalloop.data.identity import IdentityConfig
from loyalloop.data.identity.clusters import REASON_KEEP_APART
from loyalloop.pipeline import RunConfig, run_pipeline
from loyalloop.pipeline import stages as stages_module


def _run(settings: Settings, config: RunConfig) -> Run:
    stages = [s for s in stages_module.STAGES if s.name == "profiles"]
    with pytest.MonkeyPatch.context() as m:
        m.setattr("loyalloop.pipeline.run.STAGES", stages)
        return run_pipeline(settings, config)


@pytest.fixture(scope="module")
def first(
    tmp_path_factory: pytest.TempPathFactory, sample_homes: Any
) -> Iterator[tuple[Settings, Run]]:
    def build(home: Path) -> None:
        settings = Settings(home=home, timezone="UTC", phone_region="CN")
        load_sample(settings, customers=4000, seed=5)
        _run(settings, RunConfig())

    # the home with its run is made once per test run and copied here (this fixture is made
    # again whenever the module's tests come back to a worker)
    home = tmp_path_factory.mktemp("profiles") / "home"
    shutil.copytree(sample_homes.built("profiles_stage-run", build), home)
    settings = Settings(home=home, timezone="UTC", phone_region="CN")
    yield settings, RunStore(settings.runs_dir).latest()


def _summary(run: Run) -> ProfilesSummary:
    s = run.manifest.profiles
    assert isinstance(s, ProfilesSummary), s
    return s


def test_run_publishes_merges_review_and_model(first: tuple[Settings, Run]) -> None:
    _, run = first
    s = _summary(run)
    assert s.mode == "probabilistic" and s.note is None
    assert s.merged_by_model > 0 and s.merged_by_exact_keys > 0
    assert s.merged_records == s.merged_by_exact_keys + s.merged_by_model
    merges = run.read("profile_merges").to_pandas()
    review = run.read("identity_review").to_pandas()
    assert sum(s.merged_pairs_by_rule.values()) == len(merges)
    assert s.review_pairs == len(review)
    id_map = run.read("profile_map").to_pandas()
    assert id_map["profile_id"].nunique() == s.profiles
    assert set(merges["profile_id"]) <= set(id_map["profile_id"])
    model = json.loads((run.path / stages_module.IDENTITY_MODEL_FILE).read_text("utf-8"))
    assert [c["output_column_name"] for c in model["comparisons"]][:2] == ["name", "birth_date"]


def test_unmerge_list_in_home_and_pinned_model(first: tuple[Settings, Run]) -> None:
    settings, run = first
    merges = run.read("profile_merges").to_pandas()
    prob = merges[merges["rule"] == "probabilistic"].iloc[0]
    a, b = prob["customer_id_l"], prob["customer_id_r"]
    path = settings.home / stages_module.KEEP_APART_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"customer_id,other_customer_id,note\n{a},{b},two people\n", "utf-8")
    model_path = run.path / stages_module.IDENTITY_MODEL_FILE
    second = _run(settings, RunConfig(identity=replace(IdentityConfig(), model_path=model_path)))
    s = _summary(second)
    assert s.keep_apart_rows == 1
    before = run.read("profile_map").to_pandas().set_index("customer_id")["profile_id"]
    after = second.read("profile_map").to_pandas().set_index("customer_id")["profile_id"]
    assert after[a] != after[b]
    review = second.read("identity_review").to_pandas()
    kept = review[(review["customer_id_l"] == a) & (review["customer_id_r"] == b)]
    assert list(kept["reason"]) == [REASON_KEEP_APART]
    # with the model pinned, only the profile that held the pair can change
    touched = list(before[before == before[a]].index)
    pd.testing.assert_series_equal(
        before.drop(touched).sort_index(), after.drop(touched).sort_index()
    )
