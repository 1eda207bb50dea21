"""The learning loop: two campaign rounds on the sample business (a real run on 4,000
customers), scored on the sample's campaign truth; the model registry.

What the two rounds show on this sample is recorded, not assumed: the test checks the loop's
mechanics (budget, holdouts, exploration, registry, promotion rule, the truth's scoring) and
that the verdict printed is the one the interval supports. benchmarks/results/targeting.md has
the figures on 10,000 customers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pandas as pd
import pytest

from loyalloop.apps.demo import load_sample
from loyalloop.campaigns.audience import audience_view, read_run_tables
from loyalloop.core import Settings
from loyalloop.core.runs import RunStore
from loyalloop.errors import ModelError, NotFoundError
from loyalloop.measurement import ModelRegistry, ModelStatus, parse_arm
from loyalloop.measurement.learning import CHAMPION, EXPLORE, PolicyKind
from loyalloop.measurement.sample_rounds import (
    SampleSetup,
    realised_value,
    run_learning_rounds,
    sample_audience,
)
from loyalloop.measurement.selection import one_se_level
from loyalloop.pipeline import RunConfig, run_pipeline
from loyalloop.sample import generate

N = 4_000


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory, sample_homes: Any) -> Iterator[dict[str, Any]]:
    def build(home: Path) -> None:
        settings = Settings(home=home, timezone="UTC", phone_region="CN")
        load_sample(settings, customers=N, seed=0)
        run_pipeline(settings, RunConfig(taxonomy="banking"))

    # the loaded home and its run are made once per test run (this fixture is made again
    # whenever the module's tests come back to a worker) and only read here
    run = RunStore(sample_homes.built("learning-run", build) / "runs").latest()
    home = tmp_path_factory.mktemp("sample")
    view = audience_view(read_run_tables(ibis.duckdb.connect(), run.path), run.manifest.as_of)
    yield {
        "view": view.to_pandas(),
        "truth": generate(customers=N, seed=0).campaign_truth,
        "as_of": run.manifest.as_of,
        "home": home,
    }


@pytest.fixture(scope="module")
def rounds(sample: dict[str, Any]) -> Any:
    registry = ModelRegistry(sample["home"] / "registry")
    return run_learning_rounds(
        ibis.memtable(sample["view"]), sample["truth"], as_of=sample["as_of"], registry=registry
    )


def _treated_cost(audience: pd.DataFrame, treatments: pd.DataFrame) -> float:
    tr = treatments[~treatments["held_out"]]
    costs = audience.set_index("customer_id")
    total = 0.0
    for action, part in tr.groupby("action"):
        total += float(costs.loc[part["customer_id"], f"cost:{action}"].sum())
    return total


def test_both_rounds_keep_the_budget_and_a_holdout_for_every_arm(sample, rounds) -> None:  # type: ignore[no-untyped-def]
    audience = sample_audience(ibis.memtable(sample["view"]), sample["as_of"])
    for r in rounds.rounds:
        plan = r.plan
        assert _treated_cost(audience, plan.treatments) <= rounds.budget
        assert plan.spent <= rounds.budget
        arms = set(plan.assignments["arm"])
        treated = {a for a in arms if parse_arm(a).treated}
        assert treated, arms
        for a in treated:
            assert f"{a}:holdout" in arms, (a, sorted(arms))
        assert any(a.startswith(EXPLORE + ":") for a in treated)
        assert plan.assignments.groupby("customer_id").size().max() == 1
        t = plan.treatments
        assert t["explanation_en"].str.len().gt(0).all()
        assert t["explanation_zh"].str.len().gt(0).all()
        # measured against the holdouts: a total with an interval
        total = r.report.campaign(plan.campaign_id).total
        assert total is not None


def test_the_learnt_model_is_registered_and_used_in_round_2(sample, rounds) -> None:  # type: ignore[no-untyped-def]
    registry = ModelRegistry(sample["home"] / "registry")
    entry = registry.get(rounds.entry.model_id)
    assert entry.trained_on == (rounds.rounds[0].plan.campaign_id,)
    assert entry.status in (ModelStatus.CHAMPION, ModelStatus.CHALLENGER)
    assert {q.action for q in entry.qini} == set(entry.actions) == {"message", "offer", "call"}
    for q in entry.qini:
        assert q.qini_low <= q.qini <= q.qini_high and q.baseline == "risk"
    models = registry.load(entry.model_id)
    assert set(models) == set(entry.actions)
    plan2 = rounds.rounds[1].plan
    policies = [plan2.champion, plan2.challenger]
    assert any(p is not None and p.model_id == entry.model_id for p in policies)
    # the registry's status follows round 2's choice (learnt, incumbent or nobody)
    assert "round 2: the learnt policy" in rounds.decision
    if entry.status is ModelStatus.CHAMPION:
        assert plan2.champion.kind is PolicyKind.MODEL
        assert "beats the" in rounds.decision
    else:
        # the incumbent (risk-only with the usual action), or nobody when it loses
        # money with confidence; the model is the challenger
        assert plan2.champion.kind in (PolicyKind.RISK, PolicyKind.NOBODY)
        assert plan2.challenger is not None and plan2.challenger.kind is PolicyKind.MODEL
        assert "not clearly better" in rounds.decision
    # a changed model file is refused
    path = registry.root / entry.files["call"]
    data = json.loads(path.read_text("utf-8"))
    data["C"] += 1.0
    path.write_text(json.dumps(data), "utf-8")
    with pytest.raises(ModelError, match="changed after it was registered"):
        registry.load(entry.model_id)
    with pytest.raises(NotFoundError):
        registry.get("nope")


def test_round_values_are_scored_on_the_truth(sample, rounds) -> None:  # type: ignore[no-untyped-def]
    r1, r2 = rounds.rounds
    d = rounds.difference
    # the paired draws' mean agrees with the difference of the closed-form expectations
    draws = SampleSetup().draws
    assert abs(d.estimate - (r2.expected_value - r1.expected_value)) < 4 * d.se / np.sqrt(draws)
    assert d.low <= d.estimate <= d.high
    assert rounds.improved == (d.low > 0)
    # the claim rests on (a), the expected value of the targeting; (b) is shown beside it
    assert rounds.expected_gain == pytest.approx(r2.expected_value - r1.expected_value)
    assert rounds.targets_better == (rounds.expected_gain > 0)
    last = rounds.lines()[-1]
    if not rounds.targets_better:
        assert "does not target better" in last
    elif rounds.improved:
        assert "round 2 targets better (expected, and realised" in last
    else:
        assert "targets better in expectation, but not clearly better" in last
    assert f"expected {rounds.expected_gain:+,.0f}" in last
    # (a) per group adds up to the round's; the reference is the incumbent on the whole budget
    for r in (r1, r2):
        assert sum(r.expected_by_group.values()) == pytest.approx(r.expected_value)
        assert set(r.expected_by_group) == {g.group for g in r.plan.groups}
    assert np.isfinite(rounds.reference)
    assert any(line.startswith("risk-only + offer on the whole budget") for line in rounds.lines())
    # the draws' mean agrees with the closed-form expectation
    audience = sample_audience(ibis.memtable(sample["view"]), sample["as_of"])
    truth = sample["truth"].assign(customer_id=sample["truth"]["customer_id"].astype(str))
    exp, draws = realised_value(truth, audience, r1.plan, setup=SampleSetup(), seed=5)
    assert exp == pytest.approx(r1.expected_value)
    assert abs(draws.mean() - exp) < 4 * draws.std() / np.sqrt(len(draws))


def test_champion_group_is_measured_per_unit_of_budget(rounds) -> None:  # type: ignore[no-untyped-def]
    g = rounds.rounds[1].groups
    plan2 = rounds.rounds[1].plan
    assert CHAMPION in g.per_budget
    if plan2.champion.kind is PolicyKind.NOBODY:
        # contacting nobody earns exactly nothing: no interval to estimate
        assert plan2.group(CHAMPION).treated == 0
        e = g.per_budget[CHAMPION]
        assert (e.estimate, e.low, e.high) == (0.0, 0.0, 0.0)


def test_round_2_incumbent_fills_its_budget_with_the_usual_action_in_risk_order(
    sample, rounds
) -> None:  # type: ignore[no-untyped-def]
    """The incumbent of round 2 is what the business runs without a model: risk-only targeting
    with the campaign's usual action, down the risk ranking until its budget is spent — the
    same spend as the learnt policy gets, not a token one (it once spent 71 of 19,722)."""
    plan2 = rounds.rounds[1].plan
    incumbent = next(
        p for p in (plan2.champion, plan2.challenger) if p is not None and p.kind is PolicyKind.RISK
    )
    assert incumbent.action == SampleSetup().usual_action and incumbent.min_score is None
    group = CHAMPION if plan2.champion is incumbent else "challenger"
    g = plan2.group(group)
    t2 = plan2.treatments
    picked = t2[(t2["group"] == group) & ~t2["held_out"]]
    assert len(picked) > 0 and (picked["action"] == incumbent.action).all()
    audience = sample_audience(ibis.memtable(sample["view"]), sample["as_of"])
    cost = audience.set_index("customer_id")[f"cost:{incumbent.action}"]
    # the budget is spent: what is left would not pay for the next customer in line
    assert g.spent <= g.budget
    assert g.budget - g.spent < float(cost.max())
    assert g.spent > 0.5 * g.budget


def test_the_model_policy_carries_the_caution_chosen_on_round_1(rounds) -> None:  # type: ignore[no-untyped-def]
    plan2 = rounds.rounds[1].plan
    model = next(
        p
        for p in (plan2.champion, plan2.challenger)
        if p is not None and p.kind is PolicyKind.MODEL
    )
    assert model.caution in {0.0, 0.5, 1.0, 2.0}
    # the caution is the most cautious level within one standard error of the best
    # cross-validated value on round 1's rows (selection.one_se_level), and the notes give
    # every candidate's value (model levels, the cross-fitted policy, incumbent, nobody)
    note = next(n for n in rounds.notes if n.startswith("cross-validated on round 1's rows"))
    found = {
        float(k): (float(v.replace(",", "")), float(se.replace(",", "")))
        for k, v, se in re.findall(r"model ([\d.]+) ([+-][\d,]+) \(se ([\d,]+)\)", note)
    }
    levels = sorted(found)
    assert levels == [0.0, 0.5, 1.0, 2.0]
    pick = one_se_level(levels, [found[k][0] for k in levels], [found[k][1] for k in levels])
    assert model.caution == levels[pick]
    assert "model cross-fitted" in note and "incumbent" in note and "nobody +0" in note
    assert "levels chosen per fold on the other folds" in rounds.decision
    if plan2.champion is model:
        assert f"runs at {model.caution:g} SE off" in rounds.decision


def test_round_2_shares_are_sized_from_round_1s_evidence(rounds) -> None:  # type: ignore[no-untyped-def]
    """The challenger's and the exploration's shares of round 2 come from the cross-fitted
    lead measured on round 1's rows (selection.learning_shares), within their caps."""
    s = rounds.shares
    assert s is not None
    settings = SampleSetup().settings
    assert 0 < s.challenger_share <= settings.challenger_share
    assert 0 < s.exploration_share <= settings.exploration_share
    plan2 = rounds.rounds[1].plan
    assert plan2.group(EXPLORE).budget == pytest.approx(rounds.budget * s.exploration_share)
    champ, chall = plan2.group(CHAMPION).budget, plan2.group("challenger").budget
    assert chall / (champ + chall) == pytest.approx(s.challenger_share)
    assert any("sized from the evidence" in n for n in rounds.notes)
    # round 1 (no model yet) keeps the caps
    plan1 = rounds.rounds[0].plan
    assert plan1.group(EXPLORE).budget == pytest.approx(rounds.budget * settings.exploration_share)
