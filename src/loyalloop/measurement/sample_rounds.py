"""Two campaign rounds on the sample business, whose individual effects are known.

:func:`run_learning_rounds` is the loop the demo shows:

1. **round 1** — a **learning round**: no model exists yet, so nothing is known about which
   action works: the champion is risk-only targeting (highest churn probability first) with an
   action drawn at random per customer, plus an exploration share (at its cap); every choice
   keeps a random holdout. Its cost against the incumbent is the price of learning
   (benchmarks/results/targeting.md, ``uplift9``: on the truth mostly the random actions —
   SMS and calls to customers an offer would have kept — then the exploration, then the
   holdout);
2. outcomes are simulated from the sample's campaign truth
   (:func:`loyalloop.sample._campaign_truth.simulate_campaign_outcomes`, with a fresh draw per
   round) and measured against the holdouts (:func:`~loyalloop.measurement.campaign_results`);
3. the round's assignments and outcomes train one effect model per action
   (:func:`~loyalloop.measurement.learning.fit_effects`), registered, and promoted to
   champion if it beats risk-only targeting on held-out rows; the value of a response
   (:func:`~loyalloop.measurement.learning.monthly_value`) is calibrated on what round 1's
   responders spent (:func:`~loyalloop.measurement.learning.calibrated_value`, ``uplift16``:
   it over-stated lapsed customers who come back 1.7×);
4. **round 2** — the **incumbent** is what the business runs without a model: risk-only
   targeting with the campaign's usual action (:attr:`SampleSetup.usual_action`, the offer),
   filling the budget in risk order, so the learnt policy and the incumbent are compared at the
   same spend; the learnt model (its caution level chosen by a one-standard-error rule and
   judged cross-fitted: each fold's level chosen on the other folds; the budget it leaves
   filled by the incumbent's rule — model first, then risk-only + the usual action), the
   incumbent and
   *nobody* are compared by their doubly robust cross-validated value on round 1's rows with a
   one-standard-error rule (:func:`~loyalloop.measurement.selection.choose_policy`): the model
   leads only when it is clearly better than the incumbent — which is dropped for *nobody*
   only when it is measured as losing money with confidence; the other of model and
   incumbent is the challenger, and the registry records the model's status accordingly.
   The **challenger's and the exploration's shares are sized from that evidence**
   (:func:`~loyalloop.measurement.selection.learning_shares`, within the caps of
   :class:`~loyalloop.measurement.learning.RoundSettings`): the challenger gets its cap × the
   chance it is the better policy × 2 (probability matching), exploration its cap × how
   undecided the choice is (``4 p (1 − p)``), neither below a quarter of its cap;
5. both rounds are scored on the truth, two ways: **(a)** the **expected** incremental value
   of the round's targeting — Σ over everyone treated of (true chance to buy if treated − if
   left alone) × value × margin − cost (:func:`expected_by_customer`), no response noise,
   also per group — the figure the claim "round 2 targets better" rests on; and **(b)** the
   **realised** value — (bought if treated − bought if left alone) × value × margin − cost —
   over many fresh draws of the customers' responses, so each round's value and the
   difference between them come with a 95 % interval that also carries the luck of who
   responds. Both are set against the **reference**: the incumbent spending the whole budget
   with no holdout, exploration or challenger (:func:`incumbent_plan`) — the gap is the cost
   of learning.

The sample's actions: an SMS reminder, an SMS with the offer the card policy picks for the
customer (fee waiver, bonus points, cash-back, coupon — :data:`DEFAULT_CARD_POLICY`), and a
call from the call centre; each needs the channel's consent and a phone number.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from loyalloop.campaigns import (
    DEFAULT_CARD_CATALOGUE,
    DEFAULT_CARD_POLICY,
    OfferCatalogue,
    OfferPolicy,
    choose_offers,
)
from loyalloop.campaigns.spec import ProgrammeSpec
from loyalloop.errors import ConfigError, CurrencyMismatchError, DataValidationError
from loyalloop.experiments import Estimate
from loyalloop.measurement.costs import ArmCost, CostModel
from loyalloop.measurement.learning import (
    CHAMPION,
    GroupComparison,
    Policy,
    PolicyKind,
    RoundPlan,
    RoundSettings,
    ValueCalibration,
    calibrated_value,
    compare_groups,
    fill_by_risk,
    fit_effects,
    learning_features,
    model_policy_picks,
    monthly_value,
    plan_round,
    promote,
    training_rows,
)
from loyalloop.measurement.quoting import Verdict, explain, quote_effect
from loyalloop.measurement.registry import ModelRegistry, ModelStatus, RegistryEntry
from loyalloop.measurement.results import (
    CampaignReport,
    Effect,
    Level,
    Metric,
    campaign_results,
)
from loyalloop.measurement.selection import (
    LearningShares,
    PolicyChoice,
    Selected,
    choose_policy,
    learning_shares,
)
from loyalloop.measurement.structured import RiskScaledEffect
from loyalloop.measurement.table import measurement_table
from loyalloop.measurement.targeting import Action, Constraints
from loyalloop.sample._campaign_truth import simulate_campaign_outcomes

__all__ = [
    "SAMPLE_ACTIONS",
    "LearningRounds",
    "RoundOutcome",
    "SampleSetup",
    "expected_by_customer",
    "incumbent_plan",
    "policy_plan",
    "realised_value",
    "run_learning_rounds",
    "sample_audience",
]

SAMPLE_ACTIONS = (
    Action("message", "sms", "SMS reminder", "短信提醒"),
    Action("offer", "sms", "SMS with an offer", "短信优惠"),
    Action("call", "call", "call-centre call", "客服致电"),
)


@dataclass(frozen=True)
class SampleSetup:
    """Costs, margin and shares of the sample's rounds.

    ``budget`` ``None`` means :data:`budget_per_customer` × customers in the audience.
    ``redemption_share`` is the simulation's share of converted offer holders who redeem.
    """

    sms_cost: float = 0.05
    call_cost: float = 10.0
    margin_rate: float = 0.2
    budget: float | None = None
    budget_per_customer: float = 2.0
    call_capacity: int | None = None
    settings: RoundSettings = field(default_factory=RoundSettings)
    redemption_share: float = 0.8
    draws: int = 2000
    #: The campaign's usual action: the incumbent (what the business runs without a model)
    #: gives it to the riskiest customers until the budget is spent.
    usual_action: str = "offer"
    #: The currency the costs and budget above are stated in (the sample's amounts are CNY).
    currency: str = "CNY"


def sample_audience(
    view: ir.Table,
    as_of: date,
    *,
    setup: SampleSetup | None = None,
    catalogue: OfferCatalogue = DEFAULT_CARD_CATALOGUE,
    policy: OfferPolicy = DEFAULT_CARD_POLICY,
) -> pd.DataFrame:
    """The audience of the sample rounds: the view with each customer's policy offer and the
    expected cost of each action (``NaN`` without consent and a phone number)."""
    setup = setup or SampleSetup()
    v = choose_offers(view, policy, catalogue, as_of).to_pandas()
    kinds = {o.id: o.kind for o in catalogue.offers}
    v["offer_kind"] = v["offer_id"].map(kinds)
    sms = v["consent_sms"].fillna(False).astype(bool) & v["has_phone"].fillna(False).astype(bool)
    call = v["consent_phone"].fillna(False).astype(bool) & v["has_phone"].fillna(False).astype(bool)
    v["cost:message"] = np.where(sms, setup.sms_cost, np.nan)
    has_offer = v["offer_id"].notna()
    v["cost:offer"] = np.where(
        sms & has_offer, v["offer_expected_cost"].astype("float64") + setup.sms_cost, np.nan
    )
    v["cost:call"] = np.where(call, setup.call_cost, np.nan)
    # what the model-based objective needs to count cost as the truth does: the contact, and
    # the offer's unit cost paid by each responder who redeems it (expected_values)
    units = {o.id: o.unit_cost for o in catalogue.offers}
    for name, cost in (
        ("message", setup.sms_cost),
        ("offer", setup.sms_cost),
        ("call", setup.call_cost),
    ):
        v[f"contact:{name}"] = cost
        v[f"redeem:{name}"] = 0.0
    v["redeem:offer"] = (
        v["offer_id"].map(units).astype("float64").fillna(0.0) * setup.redemption_share
    )
    v["customer_id"] = v["customer_id"].astype(str)
    return v.reset_index(drop=True)


def _truth_columns(audience: pd.DataFrame, plan: RoundPlan) -> pd.DataFrame:
    """Treated customers with the truth's treatment name of their action."""
    tr = plan.treatments[~plan.treatments["held_out"]][["customer_id", "action"]]
    kinds = audience.set_index("customer_id")["offer_kind"]
    treatment = tr["action"].where(tr["action"] != "offer", tr["customer_id"].map(kinds))
    return pd.DataFrame(
        {"customer_id": tr["customer_id"].to_numpy(), "treatment": treatment.to_numpy()}
    )


def _offer_unit_cost(audience: pd.DataFrame, catalogue: OfferCatalogue) -> pd.Series:
    units = {o.id: o.unit_cost for o in catalogue.offers}
    return audience.set_index("customer_id")["offer_id"].map(units)


def simulate_round(
    truth: pd.DataFrame,
    audience: pd.DataFrame,
    plan: RoundPlan,
    *,
    seed: int,
    catalogue: OfferCatalogue = DEFAULT_CARD_CATALOGUE,
    redemption_share: float = 0.8,
) -> pd.DataFrame:
    """The round's outcomes from the truth with a fresh response draw (seeded); redemptions
    carry their offer's unit cost as value."""
    rng = np.random.default_rng(seed)
    fresh = truth.assign(u=rng.random(len(truth)))
    treatments = _truth_columns(audience, plan)
    out = simulate_campaign_outcomes(
        fresh,
        plan.assignments,
        treatments,
        seed=seed + 1,
        redemption_share=redemption_share,
    )
    red = out["kind"] == "redeemed"
    if red.any():  # none at all in a small round: nothing to value
        out.loc[red, "value"] = (
            out.loc[red, "customer_id"].map(_offer_unit_cost(audience, catalogue)).to_numpy()
        )
    return out


def _treated_terms(
    truth: pd.DataFrame,
    audience: pd.DataFrame,
    plan: RoundPlan,
    *,
    setup: SampleSetup,
    catalogue: OfferCatalogue,
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """The treated customers (``customer_id``, ``treatment``) and, per customer, what the truth
    says of them: their position in the truth, response chance if treated / left alone, value
    of a response × margin, contact cost and the offer's unit cost (0 without an offer)."""
    tr = _truth_columns(audience, plan)
    by = truth.set_index("customer_id")
    pos = by.index.get_indexer(pd.Index(tr["customer_id"]))
    if (pos < 0).any():
        raise DataValidationError(f"{int((pos < 0).sum())} treated customers are not in the truth")
    treatments = tr["treatment"].astype(str).to_numpy()
    names = sorted(set(treatments))
    columns = [f"p_{k}" for k in names]
    missing = [c for c in columns if c not in by.columns]
    if missing:
        raise DataValidationError(f"the truth has no column {', '.join(missing)}")
    p_matrix = by[columns].to_numpy(dtype="float64")[pos] if len(tr) else np.empty((0, 0))
    code = np.searchsorted(np.array(names, dtype=object), treatments) if len(tr) else pos
    p1 = p_matrix[np.arange(len(tr)), code] if len(tr) else np.empty(0)
    p0 = by["p_control"].to_numpy(dtype="float64")[pos]
    value = by["value_if_converted"].to_numpy(dtype="float64")[pos] * setup.margin_rate
    action = plan.treatments.set_index("customer_id").loc[tr["customer_id"], "action"].to_numpy()
    contact = np.where(action == "call", setup.call_cost, setup.sms_cost)
    unit = np.where(
        action == "offer",
        _offer_unit_cost(audience, catalogue).reindex(tr["customer_id"]).fillna(0.0).to_numpy(),
        0.0,
    )
    terms = {"pos": pos, "p1": p1, "p0": p0, "value": value, "contact": contact, "unit": unit}
    return tr, terms


def _expected(t: dict[str, np.ndarray], setup: SampleSetup) -> np.ndarray:
    return np.asarray(
        (t["p1"] - t["p0"]) * t["value"]
        - t["contact"]
        - t["unit"] * setup.redemption_share * t["p1"],
        dtype="float64",
    )


def expected_by_customer(
    truth: pd.DataFrame,
    audience: pd.DataFrame,
    plan: RoundPlan,
    *,
    setup: SampleSetup,
    catalogue: OfferCatalogue = DEFAULT_CARD_CATALOGUE,
) -> pd.Series:
    """**(a)** The expected incremental net value on the truth of each treated customer — (true
    chance to buy if treated − if left alone) × value × margin − contact − the offer's unit
    cost × the redemption share × the chance to buy if treated: what the targeting is worth,
    without the luck of who responds. Indexed by customer id; summed, the round's expected
    value."""
    tr, t = _treated_terms(truth, audience, plan, setup=setup, catalogue=catalogue)
    return pd.Series(
        _expected(t, setup), index=pd.Index(tr["customer_id"], name="customer_id"), dtype="float64"
    )


def realised_value(
    truth: pd.DataFrame,
    audience: pd.DataFrame,
    plan: RoundPlan,
    *,
    setup: SampleSetup,
    catalogue: OfferCatalogue = DEFAULT_CARD_CATALOGUE,
    seed: int = 0,
) -> tuple[float, np.ndarray]:
    """The round's true incremental net value: its expectation (**(a)**,
    :func:`expected_by_customer` summed), and ``setup.draws`` draws of the **realised** value
    (**(b)**: fresh responses and redemptions) — module docstring.

    The draws use **common random numbers**: draw *k* gives every customer of the truth the
    same uniform number whatever the plan (as the truth's one ``u`` per customer does), so two
    plans scored with the same ``seed`` differ only by whom they treat and how — their
    difference, draw by draw, is the paired comparison at the same responses."""
    _, t = _treated_terms(truth, audience, plan, setup=setup, catalogue=catalogue)
    pos, p1, p0, value = t["pos"], t["p1"], t["p0"], t["value"]
    contact, unit = t["contact"], t["unit"]
    expected = float(np.sum(_expected(t, setup)))
    rng = np.random.default_rng(seed)
    draws = np.empty(setup.draws)
    n_all = len(truth)
    chunk = max(1, 2_000_000 // max(n_all, 1))
    for start in range(0, setup.draws, chunk):
        k = min(chunk, setup.draws - start)
        u = rng.random((k, n_all))[:, pos]
        r = rng.random((k, n_all))[:, pos]
        y1, y0 = u < p1, u < p0
        cost = contact + unit * (y1 & (r < setup.redemption_share))
        draws[start : start + k] = ((y1.astype(float) - y0) * value - cost).sum(axis=1)
    return expected, draws


def _interval(draws: np.ndarray) -> Estimate:
    lo, hi = np.quantile(draws, [0.025, 0.975])
    return Estimate(float(draws.mean()), float(draws.std(ddof=1)), float(lo), float(hi))


@dataclass(frozen=True)
class RoundOutcome:
    """One simulated round: the plan, the measured results and the truth."""

    plan: RoundPlan
    outcomes: pd.DataFrame = field(compare=False)
    report: CampaignReport
    groups: GroupComparison
    #: **(a)** True expected incremental net value of the round's targeting (no response
    #: noise, :func:`expected_by_customer` summed) …
    expected_value: float
    #: … **(b)** the realised value: mean and 95 % range over fresh response draws.
    true_value: Estimate
    #: (a) per group of the round (champion, challenger, explore).
    expected_by_group: Mapping[str, float] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class LearningRounds:
    """Both rounds, the model learnt in between, and the difference on the truth."""

    rounds: tuple[RoundOutcome, RoundOutcome]
    #: The learnt model's registry entry; ``None`` when round 1 gave too few rows to fit an
    #: effect model for every action (``decision`` says which).
    entry: RegistryEntry | None
    decision: str
    #: Round 2 minus round 1, **(b)** realised true incremental net value (95 % range over
    #: fresh response draws, paired by common random numbers).
    difference: Estimate
    budget: float
    #: The project's currency, which every amount above is in.
    currency: str = "CNY"
    notes: tuple[str, ...] = ()
    #: **(a)** of the incumbent spending the whole budget (risk-only + the usual action, no
    #: holdout, no exploration, no challenger): what the business would get without learning.
    reference: float = math.nan
    #: The usual action (the incumbent's).
    usual_action: str = ""
    #: Round 2's challenger and exploration shares, sized from round 1's evidence
    #: (:func:`~loyalloop.measurement.selection.learning_shares`); ``None`` without a model.
    shares: LearningShares | None = None
    #: The fields behind ``notes`` and ``decision`` (so that a page in another language says
    #: the same without parsing the English): the value of a response's calibration, the
    #: policy choice on round 1's rows and the model's out-of-fold Qini against risk-only
    #: targeting's (``None`` without a model).
    calibration: ValueCalibration | None = None
    choice: PolicyChoice | None = None
    qini: tuple[float, float] | None = None

    @property
    def expected_gain(self) -> float:
        """**(a)** Round 2 − round 1: the difference of their targeting's true expected value."""
        return self.rounds[1].expected_value - self.rounds[0].expected_value

    @property
    def targets_better(self) -> bool:
        """Round 2's targeting is worth more than round 1's on the truth (a) — the claim."""
        return self.expected_gain > 0

    @property
    def verdict(self) -> str:
        """Round 2 against round 1: ``not_better`` (not better in expectation), ``better``
        (better in expectation and realised above 0 in 95 % of draws) or
        ``better_in_expectation`` (the realised range crosses 0)."""
        if not self.targets_better:
            return "not_better"
        return "better" if self.improved else "better_in_expectation"

    @property
    def improved(self) -> bool:
        """Round 2 realised more than round 1 (b), with a 95 % range above zero."""
        return self.difference.low > 0

    def lines(self) -> list[str]:
        """A plain summary (English) for the demo and the docs."""
        out = []
        cur = self.currency
        for i, r in enumerate(self.rounds, start=1):
            c = r.report.campaign(r.plan.campaign_id)
            total = c.total
            groups = ", ".join(
                f"{g.group} ({g.policy}): {g.treated:,} treated, {g.held_out:,} held out, spent "
                f"{g.spent:,.0f}"
                for g in r.plan.groups
            )
            kind = "a learning round (no model yet, actions drawn at random) — " if i == 1 else ""
            out.append(f"round {i}: {kind}{groups}")
            if total is not None:
                spent = sum(g.spent for g in r.plan.groups)
                out.append("  " + _measured_line(total, spent, self.budget, cur))
            tv = r.true_value
            by_group = ", ".join(f"{g} {v:+,.0f}" for g, v in r.expected_by_group.items())
            out.append(
                f"  on the sample's truth: expected {r.expected_value:+,.0f} {cur} ({by_group}); "
                f"realised {tv.estimate:+,.0f} (95% of response draws {tv.low:+,.0f} … "
                f"{tv.high:+,.0f})"
            )
        out.append(
            f"model {self.entry.model_id}: {self.decision}"
            if self.entry is not None
            else f"no model: {self.decision}"
        )
        out.extend(self.notes)
        if math.isfinite(self.reference):
            r1, r2 = (r.expected_value - self.reference for r in self.rounds)
            out.append(
                f"risk-only + {self.usual_action} on the whole budget, no learning: expected "
                f"{self.reference:+,.0f} {cur} on the truth; round 1 {r1:+,.0f}, round 2 "
                f"{r2:+,.0f} against it (the cost of learning)"
            )
        d = self.difference
        verdict = {
            "not_better": "round 2 does not target better than round 1",
            "better": "round 2 targets better (expected, and realised above 0 in 95% of draws)",
            "better_in_expectation": "round 2 targets better in expectation, but not clearly "
            "better once the luck of who responds is counted (the realised range crosses 0)",
        }[self.verdict]
        out.append(
            f"round 2 − round 1 on the truth: expected {self.expected_gain:+,.0f} {cur} (the "
            f"targeting's value, no response noise); realised {d.estimate:+,.0f} (95% of "
            f"response draws {d.low:+,.0f} … {d.high:+,.0f}) at the same budget "
            f"{self.budget:,.0f}: {verdict}"
        )
        return out


def _measured_line(total: Effect, spent: float, budget: float, currency: str) -> str:
    """What the holdouts measured, as the shared rule (:mod:`.quoting`) allows it to be shown:
    the net value with its interval when conclusive, its interval alone and "inconclusive" when
    it crosses 0; the ROI only when :func:`~.quoting.quote_effect` quotes it, else the reason
    (a spend under :data:`~.quoting.ROI_MIN_SPEND_SHARE` of the budget or below the margin's
    noise, an inconclusive result …)."""
    q = quote_effect(total, budget=budget if budget > 0 else None, spend=spent)
    net = q.net
    if net.verdict is Verdict.NOT_MEASURABLE:
        return f"measured against the holdouts: net value not measurable — {explain(net)}"
    interval = f"95% {net.low:,.0f} … {net.high:,.0f}"
    if net.quoted:
        figure = f"incremental net value {net.estimate:,.0f} ({interval}) {currency}"
    else:
        figure = f"inconclusive — incremental net value {interval} {currency} ({explain(net)})"
    roi = q.roi
    if roi.quoted:
        roi_text = f"ROI {roi.estimate:+.2f} (95% {roi.low:+.2f} … {roi.high:+.2f})"
    elif roi.verdict is Verdict.INCONCLUSIVE:
        roi_text = "ROI not quoted (inconclusive)"
    else:
        roi_text = explain(roi)
        if not roi_text.startswith("ROI"):
            roi_text = f"ROI not quoted: {roi_text}"
    return f"measured against the holdouts: {figure}; {roi_text}"


def _costs(setup: SampleSetup) -> CostModel:
    contact = {"message": setup.sms_cost, "offer": setup.sms_cost, "call": setup.call_cost}
    return CostModel(
        margin_rate=setup.margin_rate,
        arms={a: ArmCost(contact_cost=c) for a, c in contact.items()},
    )


def _measure(
    plan: RoundPlan, outcomes: pd.DataFrame, setup: SampleSetup
) -> tuple[CampaignReport, pd.DataFrame]:
    import ibis

    cm = _costs(setup)
    data = measurement_table(
        ibis.memtable(plan.assignments),
        ibis.memtable(outcomes.astype({"value": "float64"})),
        default_cost=cm,
    )
    report = campaign_results(data, default_cost=cm, by_segment=False)
    return report, data.table.to_pandas()


def _best_action(report: CampaignReport, campaign_id: str, group: str) -> str | None:
    """The action whose arm measured the highest net value per treated customer."""
    best, best_v = None, -math.inf
    for e in report.campaign(campaign_id).effects:
        if e.level is not Level.ARM or not e.arm.startswith(group + ":"):
            continue
        net = e.metric(Metric.NET)
        if net.error is None and net.lift.estimate > best_v:
            best, best_v = e.arm.split(":")[-1], net.lift.estimate
    return best


def run_learning_rounds(
    view: ir.Table,
    truth: pd.DataFrame,
    *,
    as_of: date,
    registry: ModelRegistry,
    setup: SampleSetup | None = None,
    seed: int = 0,
    start: datetime | None = None,
    actions: Sequence[Action] = SAMPLE_ACTIONS,
    run: int | None = None,
    programme: ProgrammeSpec | None = None,
    currency: str | None = None,
) -> LearningRounds:
    """Run the two rounds (module docstring) and score them on the truth.

    ``currency``: the project's currency (the run's amounts; ``None``: not known, the
    setup's). The rounds' plans, notes and summary are in it; a project in another currency
    than the one the setup's costs are stated in (``SampleSetup.currency``) is refused
    (:class:`~loyalloop.errors.CurrencyMismatchError`), never converted.

    Parameters
    ----------
    view
        The audience view of a run on the sample (``campaigns.audience_view``).
    truth
        The sample's campaign truth (``SampleData.campaign_truth`` or
        ``truth/campaign_truth.parquet``).
    registry
        Where the learnt model is registered.
    """
    setup = setup or SampleSetup()
    currency = currency or setup.currency
    if currency != setup.currency:
        raise CurrencyMismatchError(
            f"the sample rounds' costs and budget are stated in {setup.currency} but this "
            f"project's amounts are in {currency}: give SampleSetup(currency={currency!r}) with "
            f"its costs in {currency}",
            expected=currency,
            found=setup.currency,
        )
    if setup.usual_action not in {a.name for a in actions}:
        raise ConfigError(
            f"the usual action {setup.usual_action!r} is not one of "
            f"{sorted(a.name for a in actions)}"
        )
    start = start or datetime.combine(as_of + timedelta(days=1), datetime.min.time())
    audience = sample_audience(view, as_of, setup=setup)
    missing = ~audience["customer_id"].isin(truth["customer_id"].astype(str))
    if missing.any():
        raise DataValidationError(
            f"{int(missing.sum())} customers of the view are not in the truth (e.g. "
            f"{audience.loc[missing, 'customer_id'].iloc[0]}): is it a run on this sample?"
        )
    features = learning_features(audience)
    vpr = monthly_value(audience)
    budget = setup.budget if setup.budget is not None else setup.budget_per_customer * len(audience)
    limits = {"call": setup.call_capacity} if setup.call_capacity is not None else {}
    constraints = Constraints(budget, channel_limits=limits)
    truth = truth.assign(customer_id=truth["customer_id"].astype(str))
    notes: list[str] = []

    def one_round(k: int, plan: RoundPlan) -> RoundOutcome:
        outcomes = simulate_round(
            truth, audience, plan, seed=seed * 100 + k, redemption_share=setup.redemption_share
        )
        report, _ = _measure(plan, outcomes, setup)
        expected, draws = realised_value(
            truth, audience, plan, setup=setup, seed=seed * 100 + 50 + k
        )
        return RoundOutcome(
            plan,
            outcomes,
            report,
            compare_groups(report, plan),
            expected,
            _interval(draws),
            _by_group(truth, audience, plan, setup),
        )

    # round 1: risk-only with random actions (learning), exploration
    champion = Policy(PolicyKind.RISK)
    plan1 = plan_round(
        audience,
        campaign_id=f"sample-round-1-s{seed}",
        actions=actions,
        constraints=constraints,
        champion=champion,
        settings=setup.settings,
        assigned_at=start,
        programme=programme,
        currency=currency,
    )
    r1 = one_round(1, plan1)
    # learn
    _, customers1 = _measure(plan1, r1.outcomes, setup)
    # the value of a response round 2 uses: calibrated on what round 1's responders spent
    calibration = calibrated_value(vpr, customers1, audience)
    vpr = calibration.value
    notes.append(calibration.line())
    rows = training_rows(customers1, features)
    fit = fit_effects(rows, seed=seed)
    model_id = f"sample-s{seed}-r1-{len(registry.entries()) + 1}"
    no_model = [a.name for a in actions if a.name not in fit.models]
    entry: RegistryEntry | None = None
    chall2: Policy | None
    if no_model:  # a model policy needs an effect for every action: the baseline goes on alone
        champ2, chall2 = champion, None
        decision = (
            f"round 1 gave too few treated and held-out customers to fit an effect for "
            f"{', '.join(no_model)} ({'; '.join(fit.notes)}); round 2 runs the incumbent "
            f"(risk-only, {setup.usual_action}) without a model"
        )
    else:
        entry, champ2, chall2, decision = promote(
            registry, model_id, fit, trained_on=[plan1.campaign_id], run=run, current=champion
        )
    # the incumbent: what the business runs without a model — risk-only targeting with the
    # campaign's usual action, filling the budget in risk order (learnt and incumbent are
    # compared at the same spend)
    incumbent = Policy(PolicyKind.RISK, action=setup.usual_action)
    settings2 = setup.settings
    shares: LearningShares | None = None
    picked: PolicyChoice | None = None
    qini: tuple[float, float] | None = None
    if entry is not None:
        # learnt, incumbent or nobody: cross-validated on round 1's own rows with a
        # one-standard-error rule (never on the truth)
        picked = choose_policy(
            RiskScaledEffect,
            customers1,
            audience=audience,
            actions=actions,
            features=features,
            value_per_response=vpr,
            margin_rate=setup.settings.margin_rate,
            budget_per_customer=budget / max(len(audience), 1),
            incumbent_action=incumbent.action,
            seed=seed,
        )
        measured = ", ".join(
            f"{c.label.replace('model:', 'model ')} {c.value:+,.0f} (se {c.se:,.0f})"
            if math.isfinite(c.value)
            else f"{c.label} n/a"
            for c in picked.candidates
        )
        notes.append(f"cross-validated on round 1's rows ({currency}): {measured}")
        tuned = Policy(
            PolicyKind.MODEL,
            model_id=entry.model_id,
            caution=picked.caution,
            fill_action=picked.fill_action,
            withheld=picked.withheld,
        )
        if picked.selected is Selected.MODEL:
            champ2, chall2 = tuned, incumbent
            entry = registry.set_status(entry.model_id, ModelStatus.CHAMPION)
        else:
            if picked.selected is Selected.INCUMBENT:
                champ2 = incumbent
            else:
                champ2 = Policy(PolicyKind.NOBODY)
            chall2 = tuned
            entry = registry.set_status(entry.model_id, ModelStatus.CHALLENGER)
        shares = learning_shares(
            picked.lead,
            picked.lead_se,
            model_leads=picked.selected is Selected.MODEL,
            challenger_cap=setup.settings.challenger_share,
            exploration_cap=setup.settings.exploration_share,
        )
        settings2 = dataclasses.replace(
            setup.settings,
            challenger_share=shares.challenger_share,
            exploration_share=shares.exploration_share,
        )
        notes.append(shares.line())
        m, b = qini = fit.score()
        decision = (
            f"out-of-fold Qini {m:.4g} (risk-only targeting {b:.4g} on the same rows); "
            f"round 2: {picked.reason}"
        )
    else:
        champ2, chall2 = incumbent, None
    models = {entry.model_id: registry.load(entry.model_id)} if entry is not None else None
    plan2 = plan_round(
        audience,
        campaign_id=f"sample-round-2-s{seed}",
        actions=actions,
        constraints=constraints,
        champion=champ2,
        challenger=chall2,
        models=models,
        features=features,
        value_per_response=vpr,
        settings=settings2,
        assigned_at=start + timedelta(days=31),
        programme=programme,
        currency=currency,
    )
    r2 = one_round(2, plan2)
    # common random numbers: the same responses, so the difference is paired
    _, draws1 = realised_value(truth, audience, plan1, setup=setup, seed=seed * 100 + 51)
    _, draws2 = realised_value(truth, audience, plan2, setup=setup, seed=seed * 100 + 51)
    diff = _interval(draws2 - draws1)
    reference, _ = realised_value(
        truth,
        audience,
        incumbent_plan(audience, setup.usual_action, budget, actions=actions),
        setup=dataclasses.replace(setup, draws=1),
    )
    return LearningRounds(
        rounds=(r1, r2),
        entry=entry,
        decision=decision,
        difference=diff,
        budget=budget,
        currency=currency,
        notes=tuple(notes),
        reference=reference,
        usual_action=setup.usual_action,
        shares=shares,
        calibration=calibration,
        choice=picked,
        qini=qini,
    )


def _by_group(
    truth: pd.DataFrame, audience: pd.DataFrame, plan: RoundPlan, setup: SampleSetup
) -> dict[str, float]:
    ev = expected_by_customer(truth, audience, plan, setup=setup)
    treated = plan.treatments[~plan.treatments["held_out"]]
    group = treated.set_index("customer_id")["group"].reindex(ev.index)
    return {g: float(ev[(group == g).to_numpy()].sum()) for g in (x.group for x in plan.groups)}


def incumbent_plan(
    audience: pd.DataFrame, action: str, budget: float, *, actions: Sequence[Action]
) -> RoundPlan:
    """The reference without learning: ``action`` to the riskiest customers of the whole
    audience until ``budget`` is spent (no holdout, exploration or challenger) — a plan to
    score on the truth, not to run (it keeps no holdout)."""
    by_name = {a.name: a for a in actions}
    if action not in by_name:
        raise ConfigError(f"the usual action {action!r} is not one of {sorted(by_name)}")
    cost = audience[f"cost:{action}"].to_numpy(dtype="float64")
    picked = fill_by_risk(
        audience, np.zeros(len(audience), dtype=bool), cost, by_name[action].channel, budget
    )
    ids = audience["customer_id"].astype(str).to_numpy()[picked]
    treatments = pd.DataFrame(
        {
            "customer_id": ids,
            "arm": f"{CHAMPION}:{action}",
            "group": CHAMPION,
            "action": action,
            "held_out": False,
        }
    )
    spent = float(cost[picked].sum())
    policy = Policy(PolicyKind.RISK, action=action)
    return RoundPlan("reference", pd.DataFrame(), treatments, (), budget, spent, policy, None)


def policy_plan(
    audience: pd.DataFrame,
    policy: Policy,
    budget: float,
    *,
    actions: Sequence[Action],
    effects: Mapping[str, Any] | None = None,
    features: pd.DataFrame | None = None,
    value_per_response: pd.Series | None = None,
    margin_rate: float = RoundSettings().margin_rate,
) -> RoundPlan:
    """What ``policy`` runs on the whole audience within ``budget`` (no holdout, exploration
    or challenger): a plan to score on the truth, not to run. A ``model`` policy is built as
    :func:`~loyalloop.measurement.learning.plan_round` builds it
    (:func:`~loyalloop.measurement.learning.model_policy_picks`: the allocation at its
    caution, then — with a ``fill_action`` — the budget it leaves to risk-only targeting with
    that action), from ``effects`` (one effect model per action); ``risk`` with an action is
    :func:`incumbent_plan`; ``nobody`` contacts no one."""
    if policy.kind is PolicyKind.RISK and policy.action is not None and policy.min_score is None:
        return incumbent_plan(audience, policy.action, budget, actions=actions)
    df = audience.reset_index(drop=True)
    ids = df["customer_id"].astype(str).to_numpy()
    cost = np.column_stack([df[f"cost:{a.name}"].to_numpy(dtype="float64") for a in actions])
    if policy.kind is PolicyKind.NOBODY:
        rows, acts = np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    elif policy.kind is PolicyKind.MODEL:
        if effects is None:
            raise ConfigError("a model policy's plan needs its effect models")
        got = model_policy_picks(
            df,
            np.arange(len(df)),
            policy,
            effects,
            actions=actions,
            cost=cost,
            budget=budget,
            features=features,
            value_per_response=value_per_response,
            margin_rate=margin_rate,
        )
        rows, acts = got.rows, got.actions
    else:
        raise ConfigError(
            f"policy_plan builds model, risk-only (one action) and nobody plans, not {policy.label}"
        )
    names = np.array([a.name for a in actions], dtype=object)
    spent = float(cost[rows, acts].sum())
    treatments = pd.DataFrame(
        {
            "customer_id": ids[rows],
            "arm": [f"{CHAMPION}:{a}" for a in names[acts]],
            "group": CHAMPION,
            "action": names[acts],
            "held_out": False,
        }
    )
    return RoundPlan("reference", pd.DataFrame(), treatments, (), budget, spent, policy, None)
