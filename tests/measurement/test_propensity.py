"""Two chances, one name each: the logged ``propensity`` and the AIPW's chance to be treated.

``propensity`` (``campaign_assignments``, the warehouse's ``assignments``, ``plan_round``'s
rows) is the design's chance that the customer got the row's **arm**. The doubly robust value
(``selection``) needs another quantity: ``e``, the chance the customer was **treated rather
than held out** in the comparison the row is measured in. The two are the same number only
when an arm has its own holdout (``plan_round``); a plain campaign's arms share one holdout,
and there ``e = p_arm / (p_arm + p_holdout)``.

The logged chances are checked against what the hashing actually does, over many customers'
hashes and several campaigns' salts.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import ibis
import numpy as np
import pandas as pd

from loyalloop.campaigns import arm_propensities, assign_arms
from loyalloop.campaigns.spec import (
    GLOBAL_CONTROL,
    HOLDOUT,
    Arm,
    CampaignSpec,
    Channel,
    Goal,
    ProgrammeSpec,
)
from loyalloop.measurement.learning import Policy, PolicyKind, plan_round
from loyalloop.measurement.selection import _comparisons, _measured, _prepare
from loyalloop.measurement.targeting import Action, Constraints

sys.path.insert(0, str(Path(__file__).parent))
from test_shadow_holdout import ACTIONS, _audience


def _spec(*arms: tuple[str, float]) -> CampaignSpec:
    return CampaignSpec(
        name="winback",
        goal=Goal.win_back,
        channel=Channel.sms,
        arms=tuple(Arm(a, share) for a, share in arms),
        holdout_share=0.1,
    )


def test_the_logged_arm_chance_is_what_the_hash_split_does() -> None:
    """Over 60,000 customers' hashes: the global control is its share of everyone; outside
    it, each arm's logged chance is its frequency — the chance of the arm given the customer
    is not in the global control (the holdout is 10 % of those, 9.5 % of everyone)."""
    n = 60_000
    spec = _spec(("offer", 0.5), ("message", 0.3), ("call", 0.2))
    programme = ProgrammeSpec(global_control_share=0.05)
    audience = ibis.memtable({"customer_id": [f"C{i}" for i in range(n)]})
    got = assign_arms(audience, spec, programme, datetime(2026, 7, 1)).execute()
    freq = got["arm"].value_counts(normalize=False)
    logged = arm_propensities(spec, programme)
    se = np.sqrt(0.25 / n)
    gc = freq[GLOBAL_CONTROL] / n
    assert abs(gc - logged[GLOBAL_CONTROL]) < 4 * se
    outside = n - freq[GLOBAL_CONTROL]
    for arm in ("offer", "message", "call", HOLDOUT):
        assert abs(freq[arm] / outside - logged[arm]) < 4 * np.sqrt(0.25 / outside), arm
    # the holdout's share of everyone is (1 − 5 %) × 10 %: the logged chance is conditional
    assert abs(freq[HOLDOUT] / n - 0.95 * 0.1) < 4 * se
    # and among the customers in offer or the holdout, the chance to be in offer — the AIPW's
    # e for that comparison — is p_offer / (p_offer + p_holdout), not p_offer
    e = logged["offer"] / (logged["offer"] + logged[HOLDOUT])
    pair = freq["offer"] + freq[HOLDOUT]
    assert abs(freq["offer"] / pair - e) < 4 * np.sqrt(e * (1 - e) / pair)
    rows = got.assign(responded=0, propensity=got["arm"].map(logged))
    comp = _comparisons(rows.iloc[:5_000])
    offer = comp[(comp["_pair"] == "offer")]
    assert np.allclose(offer.loc[offer["arm"] == "offer", "_treated_chance"], e)
    assert np.allclose(offer.loc[offer["arm"] == HOLDOUT, "_treated_chance"], e)
    # each holdout customer is the control of every arm; the global control of none
    held = comp[comp["arm"] == HOLDOUT]
    assert set(held["_pair"]) == {"offer", "message", "call"}
    assert (held.groupby("customer_id").size() == 3).all()
    assert (comp.loc[comp["arm"] == GLOBAL_CONTROL, "_pair"] == "").all()


def test_a_learning_rounds_logged_chance_is_what_its_split_does() -> None:
    """A learning round (random customers, random actions, a random challenger and
    exploration) over 6 campaigns' salts: per group and action, the frequency of being held
    out among the arm's rows is the logged chance. Exploration's held part used to be a
    random action mix while the budget's fill makes the treated part SMS-heavy: on 2,000
    customers and 20 salts 14 % of its SMS and 27 % of its offers were held out where every
    row logged 20 % (here, on main: SMS 15.9 %, calls 23.4 %, offers 22.5 %); now the held
    part mirrors the treated part action by action, in every round."""
    n = 4_000
    audience = _audience(n, seed=3)
    parts = []
    for s in range(6):
        plan = plan_round(
            audience,
            campaign_id=f"R{s}",
            actions=ACTIONS,
            constraints=Constraints(2.0 * n),
            champion=Policy(PolicyKind.RANDOM),
            challenger=Policy(PolicyKind.RANDOM),
            assigned_at=datetime(2026, 7, 1),
            programme=ProgrammeSpec(global_control_share=0.05),
        )
        tr = plan.treatments[plan.treatments["group"] == "explore"]
        counts = tr.groupby(["action", "held_out"]).size().unstack(fill_value=0)
        # each action's held part is its treated part × h / (1 − h), h = 20 % (rounded)
        assert (abs(counts[True] - counts[False] * 0.25) <= 0.5).all(), counts
        parts.append(plan.treatments)
    t = pd.concat(parts, ignore_index=True)
    t["p_held"] = np.where(t["held_out"], t["propensity"], 1.0 - t["propensity"])
    for (group, action), part in t.groupby(["group", "action"]):
        p = float(part["p_held"].mean())
        se = np.sqrt(p * (1 - p) / len(part))
        assert len(part) > 300, (group, action)
        assert abs(part["held_out"].mean() - p) < 3 * se, (group, action, part["held_out"].mean())


def test_a_plain_campaign_is_valued_with_its_shared_holdout() -> None:
    """A plain campaign (offer 45 %, message 45 %, one 10 % holdout) on simulated responses
    with known effects: valued with e = p_arm / (p_arm + p_holdout) and the holdout as the
    control of each arm, the value of "offer to everyone" covers the truth; reading the logged
    arm chance as the chance to be treated (as the loop did, e = 0.45) and leaving the shared
    holdout out cannot measure the arm at all."""
    rng = np.random.default_rng(11)
    n = 20_000
    spec = _spec(("offer", 0.5), ("message", 0.5))
    logged = arm_propensities(spec, ProgrammeSpec(global_control_share=0.0))
    u = rng.random(n)
    arm = np.where(u < 0.1, HOLDOUT, np.where(u < 0.55, "offer", "message"))
    p0, tau = 0.3, {"offer": 0.06, "message": 0.02, HOLDOUT: 0.0}
    y = (rng.random(n) < p0 + pd.Series(arm).map(tau).to_numpy()).astype(float)
    ids = [f"P{i}" for i in range(n)]
    rows = pd.DataFrame(
        {
            "campaign_id": "K",
            "customer_id": ids,
            "arm": arm,
            "responded": y,
            "propensity": pd.Series(arm).map(logged).to_numpy(),
        }
    )
    audience = pd.DataFrame(
        {"customer_id": ids, "cost:offer": 1.0, "cost:message": 0.1, "churn_probability": 0.5}
    )
    vpr = pd.Series(100.0, index=ids)
    actions = (Action("offer", "sms"), Action("message", "sms"))
    r = _prepare(rows, audience, vpr, 1.0)
    offer = r.frame[r.frame["_action"] == "offer"]
    assert np.allclose(offer["_treated_chance"], 0.45 / 0.55)
    assert abs(offer["_e"].mean() - 0.45 / 0.55) < 0.01  # the recorded share in the cell
    value, psi = _measured(r, pd.Series("offer", index=ids), actions)
    truth = n * (tau["offer"] * 100.0 - 1.0)
    codes, _ = pd.factorize(r.frame["customer_id"])
    se = float(np.sqrt(np.sum(np.bincount(codes, weights=psi) ** 2)))
    assert abs(value - truth) < 3 * se
    # the holdout's customers have a row in each arm's comparison (counted once in the se)
    assert r.frame.groupby("customer_id").size().max() == 2
    # the loop before: the arm chance read as the chance to be treated (e = 0.45) and the
    # shared holdout unused — "offer to everyone" measured from the treated rows alone
    old, _ = _measured(
        _prepare(rows[rows["arm"] != HOLDOUT], audience, vpr, 1.0),
        pd.Series("offer", index=ids),
        actions,
    )
    assert abs(old - truth) > 20 * se  # 1.44 million against a truth of 100,000
