"""Offer policy, explanations, budget (refuse / cap) and plan_campaign's counts."""

from __future__ import annotations

from datetime import datetime

import ibis
import pandas as pd
import pytest

from loyalloop.campaigns import (
    DEFAULT_CARD_CATALOGUE,
    DEFAULT_CARD_POLICY,
    GLOBAL_CONTROL,
    HOLDOUT,
    LinkSigner,
    ProgrammeSpec,
    TemplateSet,
    choose_offers,
    parse_campaign,
    parse_catalogue,
    parse_policy,
    parse_templates,
    plan_campaign,
)
from loyalloop.errors import BudgetExceededError, SpecError

from .conftest import AS_OF

NOW = datetime(2026, 7, 1, 9, 0)
TEMPLATES = TemplateSet(
    parse_templates(
        {
            "wb": {
                "channel": "sms",
                "body": {
                    "zh": "{{ customer.name }}您好！{% if offer %}{{ offer.name }}{% endif %} {{ link('o') }}",
                    "en": "Hi {{ customer.name }}! {% if offer %}{{ offer.name }}{% endif %} {{ link('o') }}",
                },
                "links": {"o": "https://example.com/o"},
            }
        }
    )
)
SIGNER = LinkSigner(b"k" * 32, "https://loop.example.com")


def _spec(**kw: object) -> dict:
    raw = {
        "name": "wb-7",
        "goal": "win-back",
        "channel": "sms",
        "audience": {"conditions": [{"field": "churn_probability", "op": ">=", "value": 0.2}]},
        "holdout_share": 0.2,
        "arms": [
            {"name": "offer", "share": 0.5, "offer": "policy", "template": "wb"},
            {"name": "plain", "share": 0.5, "template": "wb"},
        ],
        "contact_cost": 0.05,
    }
    raw.update(kw)
    return raw


def _plan(view: ibis.Table, **kw: object):
    extra = {k: kw.pop(k) for k in list(kw) if k in ("existing", "programme")}
    return plan_campaign(
        parse_campaign(_spec(**kw)),
        view,
        AS_OF,
        now=NOW,
        catalogue=DEFAULT_CARD_CATALOGUE,
        policy=DEFAULT_CARD_POLICY,
        templates=TEMPLATES,
        signer=SIGNER,
        **extra,
    )


def test_policy_picks_first_matching_rule(view: ibis.Table) -> None:
    df = choose_offers(view, DEFAULT_CARD_POLICY, DEFAULT_CARD_CATALOGUE, AS_OF).execute()
    asp = df.complained_aspects.map(lambda a: set(a) if a is not None else set())
    fee = asp.map(lambda a: "annual_fee" in a)
    pts = asp.map(lambda a: bool(a & {"rewards_points", "interest"}))
    expected = [
        "fee_waiver"
        if f
        else "bonus_points"
        if p
        else "cashback_100"
        if c >= 20000
        else "coupon_30"
        for f, p, c in zip(fee, pts, df.clv, strict=True)
    ]
    assert df.offer_id.tolist() == expected
    assert set(df.offer_id) == {"fee_waiver", "bonus_points", "cashback_100", "coupon_30"}
    waiver = df[df.offer_id == "fee_waiver"]
    assert (waiver.offer_reason_zh == "曾投诉年费").all()
    assert (waiver.offer_expected_cost == 300 * 0.7).all()


def test_plan_counts_add_up_and_only_consenting_are_assigned(view: ibis.Table) -> None:
    plan = _plan(view)
    c = plan.counts
    df = view.execute()
    aud = df[df.churn_probability >= 0.2]
    eligible = aud[aud.consent_sms & aud.has_phone]
    assert c.audience == len(aud)
    assert c.no_consent == len(aud) - len(eligible)
    assert c.assigned == len(eligible) == len(plan.assignments)
    assert set(plan.assignments.customer_id) == set(eligible.customer_id)
    assert list(plan.assignments.columns) == ["customer_id", "campaign_id", "arm", "assigned_at"]
    treated = plan.assignments[~plan.assignments.arm.isin([HOLDOUT, GLOBAL_CONTROL])]
    assert set(plan.treatments.customer_id) == set(treated.customer_id)
    assert set(plan.messages.customer_id) == set(treated.customer_id)
    assert c.messages_rendered == len(treated) and c.messages_failed == 0
    # plain arm has no offer; offer arm has one for everybody
    t = plan.treatments.set_index("customer_id")
    assert t[t.arm == "plain"].offer_id.isna().all()
    assert t[t.arm == "offer"].offer_id.notna().all()
    expected_cost = (
        t.offer_id.map({o.id: o.expected_cost for o in DEFAULT_CARD_CATALOGUE.offers}).fillna(0)
        + 0.05
    )
    assert plan.expected_cost == pytest.approx(expected_cost.sum())
    assert plan.campaign["end_at"] - plan.campaign["start_at"] == pd.Timedelta(days=30)
    row = t[t.offer_id == "fee_waiver"].iloc[0]
    assert row.explanation_en.startswith("Annual fee waiver: complained about the annual fee; CLV ")
    assert row.explanation_zh.startswith("免收一年年费：曾投诉年费；客户价值 ")


def test_budget_refuses_with_a_message_and_assigns_nothing(view: ibis.Table) -> None:
    full = _plan(view)
    with pytest.raises(BudgetExceededError) as info:
        _plan(view, budget=full.expected_cost / 2)
    msg = str(info.value)
    assert "exceeds the budget" in msg and "nothing was assigned" in msg
    assert info.value.exit_code == 2


def test_budget_cap_keeps_most_value_at_stake_within_budget(view: ibis.Table) -> None:
    full = _plan(view)
    budget = full.expected_cost / 3
    capped = _plan(view, budget=budget, on_budget_exceeded="cap")
    assert capped.expected_cost <= budget
    assert capped.counts.over_budget == len(full.assignments) - len(capped.assignments) > 0
    # the customers kept are those with the most value at stake (a prefix of the ranking)
    stake = (
        view.select("customer_id", s=(view.churn_probability * view.clv))
        .execute()
        .set_index("customer_id")
        .s
    )
    kept = stake.loc[capped.assignments.customer_id]
    dropped = stake.loc[
        sorted(set(full.assignments.customer_id) - set(capped.assignments.customer_id))
    ]
    assert kept.min() >= dropped.max()
    # holdout customers are cut at the same line as treated ones
    assert capped.counts.holdout > 0
    # and the arms keep the same assignment as without the cap
    merged = capped.assignments.merge(full.assignments, on="customer_id")
    assert (merged.arm_x == merged.arm_y).all()


def test_rerun_with_existing_assignments_adds_nobody_twice(view: ibis.Table) -> None:
    first = _plan(view)
    again = _plan(view, existing=first.assignments)
    assert again.counts.already_assigned == len(first.assignments)
    assert again.assignments.empty and again.messages.empty


def test_unknown_offer_and_template_are_named(view: ibis.Table) -> None:
    with pytest.raises(SpecError) as info:
        _plan(view, arms=[{"name": "a", "share": 1.0, "offer": "fee_waivr", "template": "wb"}])
    assert info.value.path == "arms[0].offer" and "did you mean 'fee_waiver'" in str(info.value)
    with pytest.raises(SpecError, match="unknown template 'nope'"):
        _plan(view, arms=[{"name": "a", "share": 1.0, "template": "nope"}])


def test_catalogue_and_policy_errors() -> None:
    with pytest.raises(SpecError) as info:
        parse_catalogue({"offers": [{"id": "a", "kind": "coupon", "name": "A", "unit_cost": -1}]})
    assert info.value.path == "offers[0].unit_cost"
    with pytest.raises(SpecError) as info:
        parse_catalogue([{"id": "a", "name": "A", "unit_cost": 1, "redemption_rate": 2}])
    assert info.value.path == "offers[0].redemption_rate"
    with pytest.raises(SpecError) as info:
        parse_policy([{"offer": "a", "reason": {"en": "x"}}])
    assert info.value.path == "rules[0].reason"
    with pytest.raises(SpecError) as info:
        parse_policy(
            [{"offer": "a", "reason": "x", "when": {"field": "clv", "op": "~", "value": 1}}]
        )
    assert info.value.path == "rules[0].when.op"


def test_global_control_never_gets_messages(view: ibis.Table) -> None:
    plan = _plan(view, programme=ProgrammeSpec("p", 0.3))
    gc = set(plan.assignments[plan.assignments.arm == GLOBAL_CONTROL].customer_id)
    assert gc and not gc & set(plan.messages.customer_id)
    assert plan.counts.global_control == len(gc)
