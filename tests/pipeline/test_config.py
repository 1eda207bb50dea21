"""Every run setting in RunConfig: from YAML, bad keys and values refused with their path,
recorded in the manifest."""

from __future__ import annotations

import doctest
from datetime import date
from pathlib import Path

import pytest
from tests.conftest import write
from tests.pipeline.test_runs import load

import loyalloop.core.optional
import loyalloop.core.results
import loyalloop.loyalty.summaries
import loyalloop.pipeline.config
from loyalloop.core import Settings
from loyalloop.errors import ConfigError
from loyalloop.loyalty import LoyaltyWeights
from loyalloop.pipeline import RunConfig, run_config, run_pipeline
from loyalloop.pipeline.config import ChurnConfig

YAML = """\
as_of: 2024-03-01
active_days: 60
taxonomy: banking
segment_rules:
  - {name: best, r: [4, 5], fm: [4, 5]}
  - {name: rest, r: [1, 5], fm: [1, 5]}
churn:
  horizon_days: 60
  reason_limit: 100
clv:
  horizon_months: 6
  monthly_discount_rate: 0.02
loyalty:
  weights: {behavioural: 0.6, attitudinal: 0.2, emotional: 0.2}
  tiers: {transactional_min: 45}
  lifecycle: {lapsed_days: 150, lost_days: 300}
  lapse_days: 120
feedback:
  topics: 5
"""


def test_yaml_sets_nested_settings_and_keeps_other_defaults(tmp_path: Path) -> None:
    c = RunConfig.from_yaml(write(tmp_path / "run.yaml", YAML))
    assert c.as_of == date(2024, 3, 1) and c.active_days == 60 and c.taxonomy == "banking"
    assert [r.name for r in c.segment_rules] == ["best", "rest"]
    assert c.churn == ChurnConfig(horizon_days=60, reason_limit=100)
    assert (c.clv.horizon_months, c.clv.monthly_discount_rate) == (6, 0.02)
    assert c.clv.expected_purchases_weeks == 52  # left out: default
    assert c.loyalty.weights == LoyaltyWeights(behavioural=0.6, attitudinal=0.2, emotional=0.2)
    assert c.loyalty.tiers.transactional_min == 45 and c.loyalty.tiers.emotional_min == 85
    assert c.loyalty.lifecycle.lost_days == 300 and c.loyalty.lapse_days == 120
    assert c.feedback.topics == 5
    assert RunConfig.from_dict(c.to_dict()) == c  # what the manifest records reads back
    assert RunConfig.from_yaml(write(tmp_path / "empty.yaml", "")) == RunConfig()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "churn:\n  horizon_dayz: 60\n",
            r"churn\.horizon_dayz: unknown setting \(allowed here: horizon_days,",
        ),
        (
            "chrun:\n  horizon_days: 60\n",
            r"chrun: unknown setting \(allowed here: as_of, active_days",
        ),
        ("churn:\n  horizon_days: 0\n", r"churn\.horizon_days: must be a positive integer"),
        ("churn:\n  horizon_days: ninety\n", r"churn\.horizon_days: must be a positive integer"),
        ("churn:\n  horizon_days: 1.5\n", r"churn\.horizon_days: must be a positive integer"),
        ("churn:\n  horizon_days: true\n", r"churn\.horizon_days: must be a positive integer"),
        (
            "clv:\n  monthly_discount_rate: 1.5\n",
            r"clv\.monthly_discount_rate: must be a number from 0",
        ),
        (
            "loyalty:\n  weights:\n    frequency: -1\n",
            r"loyalty\.weights: loyalty weight frequency must be a number ≥ 0",
        ),
        (
            "loyalty:\n  weights:\n    frequencyy: 1\n",
            r"loyalty\.weights\.frequencyy: unknown setting",
        ),
        (
            "loyalty:\n  tiers:\n    brand_index_min: 150\n",
            r"loyalty\.tiers: tier threshold brand_index_min must be within 0–100",
        ),
        (
            "loyalty:\n  lifecycle:\n    lapsed_days: abc\n",
            r"loyalty\.lifecycle\.lapsed_days: must be a number",
        ),
        ("as_of: 2024-13-01\n", r"not a valid date: month must be in 1\.\.12"),
        ("as_of: 1st of May\n", r"as_of: must be a date YYYY-MM-DD"),
        ("segment_rules:\n  - {name: x, r: [1], fm: [1, 5]}\n", r"segment_rules\.0\.r"),
        ("feedback: 5\n", r"feedback: "),
        ("- just a list\n", r"must be a mapping of settings"),
    ],
)
def test_bad_keys_and_values_are_refused_with_their_path(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path / "run.yaml", text)
    with pytest.raises(ConfigError, match=message) as info:
        RunConfig.from_yaml(path)
    assert str(path) in str(info.value)


def test_unreadable_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read run config"):
        RunConfig.from_yaml(tmp_path / "missing.yaml")
    with pytest.raises(ConfigError, match="not valid YAML"):
        RunConfig.from_yaml(write(tmp_path / "bad.yaml", "churn: [\n"))


def test_settings_made_in_code_are_checked_too() -> None:
    with pytest.raises(ConfigError, match=r"ChurnConfig\.horizon_days: must be a positive integer"):
        ChurnConfig(horizon_days=-3)


def test_command_options_override_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "run.yaml", YAML)
    c = run_config(path, as_of="2024-02-01", taxonomy="retail")
    assert c.as_of == date(2024, 2, 1) and c.taxonomy == "retail" and c.churn.horizon_days == 60
    with pytest.raises(ConfigError, match="not a date"):
        run_config(None, as_of="yesterday")
    with pytest.raises(ConfigError, match="taxonomy"):
        run_config(None, taxonomy=str(tmp_path / "no-such-taxonomy.yaml"))


def test_the_run_records_its_settings(settings: Settings, tmp_path: Path) -> None:
    load(settings, tmp_path)
    config = RunConfig(active_days=30, taxonomy="banking")
    run = run_pipeline(settings, config)
    assert RunConfig.from_dict(run.manifest.config) == config
    assert run.manifest.kpis is not None and run.manifest.kpis.active_days == 30


def test_docstring_examples_run() -> None:
    for module in (
        loyalloop.pipeline.config,
        loyalloop.core.results,
        loyalloop.core.optional,
        loyalloop.loyalty.summaries,
    ):
        failed, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert tried > 0 and failed == 0, module.__name__


def _keys(d: dict[str, object], prefix: str = "") -> list[str]:
    out = []
    for k, v in d.items():
        out += _keys(v, f"{prefix}{k}.") if isinstance(v, dict) else [f"{prefix}{k}"]
    return out


def test_every_setting_is_documented_with_its_default() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "configuration.md").read_text(encoding="utf-8")
    defaults = RunConfig().to_dict()
    for key in _keys(defaults):
        leaf = key.rsplit(".", 1)[-1]
        assert f"`{key}`" in doc or f"`{leaf}`" in doc or leaf in doc, key
    for rule in defaults["segment_rules"]:
        assert f"| {rule['name']} |" in doc, rule
    for section in ("clv", "churn", "feedback"):
        for leaf, value in defaults[section].items():
            assert f"| `{section}.{leaf}` | `{value}` |" in doc, (section, leaf, value)


def test_project_run_settings_are_saved_read_back_and_used_when_no_file_is_given(
    tmp_path: Path,
) -> None:
    from loyalloop.pipeline.config import (
        CampaignCosts,
        CampaignsConfig,
        project_run_settings,
        save_run_settings,
    )

    home = tmp_path / "home"
    home.mkdir()
    chosen = RunConfig(
        taxonomy="banking",
        campaigns=CampaignsConfig(
            margin_rate=0.2,
            campaign={
                "w": CampaignCosts(contact_cost=0.05, budget=10_000, shares={"holdout": 0.2})
            },
        ),
    )
    path = project_run_settings(home)
    text = save_run_settings(chosen, path)
    # only what was chosen is written (a key left out keeps its default), and reads back the same
    assert "churn" not in text and "segment_rules" not in text and "budget: 10000" in text
    assert RunConfig.from_yaml(path) == chosen
    # a run without --config uses the project's file; a file given replaces it; options win
    assert run_config(home=home) == chosen
    assert run_config(home=home, taxonomy="retail").campaigns == chosen.campaigns
    other = write(tmp_path / "other.yaml", "active_days: 30\n")
    assert run_config(other, home=home) == RunConfig(active_days=30)
    assert run_config(home=tmp_path / "no-settings") == RunConfig()
    # a broken project file is named, not skipped
    write(path, "churn:\n  horizon_days: 0\n")
    with pytest.raises(ConfigError, match=r"run\.yaml: churn\.horizon_days: must be a positive"):
        run_config(home=home)
