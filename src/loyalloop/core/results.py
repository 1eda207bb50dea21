"""Typed results of a pipeline run: one frozen dataclass per stage summary, and the manifest.

A run's ``manifest.json`` is written and read only through :class:`RunManifest` (after
GrowthBook gbstats' ``models/results.py``: results between layers are types, never dicts read
with ``.get`` or messages matched by their wording).

Every stage has a slot in the manifest. A slot holds one of

* the stage's summary (``status == "ok"``), e.g. :class:`ClvSummary`;
* :class:`NotComputed` — a :data:`Reason` code saying why the stage (or a part of it) produced
  nothing, and a message for people beside it. The code is for programs (the report shows the
  KANO hint when the code is ``not_configured``), the message is for people;
* ``None`` — the stage did not run in this run (e.g. a pipeline without it).

Parts of a stage can be not computed while the rest is (the feedback stage's KANO table, topics,
key drivers): those fields hold ``X | NotComputed`` themselves.
:meth:`RunManifest.not_computed` lists every :class:`NotComputed` in a manifest with its path
(``"clv"``, ``"feedback.kano_features"`` …).

The file carries ``format`` and ``format_version``; :meth:`RunManifest.from_dict` refuses any
other version with a :class:`~loyalloop.errors.RunFormatError` naming both versions, instead of
misreading it. Numbers that are not finite are never written: stages record ``None``
("not available") instead.

Serialisation is pydantic's (``TypeAdapter`` over these standard-library dataclasses): dates
become ISO strings, tuples lists, and reading validates every field's type.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date, datetime
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from loyalloop.errors import RunFormatError

if TYPE_CHECKING:
    from pydantic import TypeAdapter

__all__ = [
    "MANIFEST_FORMAT",
    "MANIFEST_FORMAT_VERSION",
    "OPTIONAL_SLOTS",
    "STAGE_SLOTS",
    "CampaignArmSummary",
    "CampaignResultsSummary",
    "CampaignSummary",
    "ChurnModelInfo",
    "ChurnRankingInfo",
    "ChurnSummary",
    "ClvAliveCaveat",
    "ClvCandidate",
    "ClvModelChoice",
    "ClvModelName",
    "ClvSelection",
    "ClvSummary",
    "CsatSummary",
    "DriverSummary",
    "FeatureGain",
    "FeedbackSummary",
    "Interval",
    "KpiSummary",
    "LoyaltySummary",
    "NegativeAspect",
    "NotComputed",
    "Note",
    "NpsSummary",
    "PriorityListSummary",
    "ProfilesSummary",
    "ProgrammeSummary",
    "Reason",
    "ReturnHistory",
    "RunManifest",
    "ScorerMetrics",
    "TableInfo",
    "TargetingModelInfo",
]

#: Identifies a run manifest file.
MANIFEST_FORMAT = "loyalloop.run-manifest"
#: Version of the manifest layout this code writes and reads. Bump it when a field changes
#: meaning or type, or is removed; readers refuse other versions (they would misread them).
MANIFEST_FORMAT_VERSION = 2

#: Why something was not computed.
#:
#: ``no_data``            nothing to compute on (no purchases, no comments …)
#: ``insufficient_data``  data exist but too little for the method (history too short …)
#: ``fit_failed``         a model could not be fitted or evaluated on these data
#: ``bad_data``           an optional input exists but breaks its contract
#: ``not_configured``     an optional input or option was not provided (e.g. no KANO answers)
#: ``invalid_config``     a setting was refused and a default used instead
#: ``skipped``            left out on purpose (by configuration)
Reason = Literal[
    "no_data",
    "insufficient_data",
    "fit_failed",
    "bad_data",
    "not_configured",
    "invalid_config",
    "skipped",
]


@dataclass(frozen=True)
class NotComputed:
    """Why a stage, or a part of one, produced nothing: a code for programs, a message for people.

    Examples
    --------
    >>> NotComputed("insufficient_data", "purchase history too short").status
    'insufficient_data'
    """

    status: Reason
    message: str
    #: The message as a coded :class:`Note`, where the stage has one: pages in another
    #: language say it in their words instead of showing the English.
    note: Note | None = None


@dataclass(frozen=True)
class Note:
    """A remark the library made on a result: a stable ``code`` (its words in each language
    are in the catalogue of the package that wrote it, e.g. ``loyalloop.measurement.notes``),
    the English sentence, and the values the sentence names (as text), so that a page in
    another language says the same thing without parsing the English.

    Examples
    --------
    >>> Note("cuped", "revenue is CUPED-adjusted").code
    'cuped'
    """

    code: str
    message: str
    params: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message


# ------------------------------------------------------------------------------------ stages
@dataclass(frozen=True)
class ProfilesSummary:
    """Customer records unified into profiles (``profiles`` stage; identity resolution,
    :mod:`loyalloop.data.identity`).

    ``merged_records = customer_records - profiles = merged_by_exact_keys + merged_by_model``:
    records merged by a shared e-mail or phone, and by the probabilistic model on top of them.
    ``merged_pairs_by_rule`` counts the explained merges (the ``profile_merges`` table) by rule;
    ``review_pairs`` the pairs listed for clerical review (``identity_review``), of which
    ``refused_pairs`` would have merged but conflict (birth dates, names, the unmerge list).
    """

    customer_records: int
    profiles: int
    merged_records: int
    mode: str = "exact"
    merged_by_exact_keys: int = 0
    merged_by_model: int = 0
    merged_pairs_by_rule: dict[str, int] = field(default_factory=dict)
    compared_pairs: int = 0
    review_pairs: int = 0
    refused_pairs: int = 0
    placeholder_values: int = 0
    keep_apart_rows: int = 0
    match_weight: float | None = None
    review_weight: float | None = None
    #: Why the probabilistic model was not used although configured (too little data).
    note: str | None = None
    status: Literal["ok"] = "ok"


@dataclass(frozen=True)
class KpiSummary:
    """Purchase KPIs at the as-of day (``kpis`` stage; :func:`loyalloop.insight.purchase_kpis`)."""

    customers: int
    purchasers: int
    active_customers: int
    repurchase_rate: float | None
    average_order_value: float | None
    revenue: float
    refunds: float
    refund_rate: float | None
    orders: int
    observation_end: date
    active_days: int
    #: The currency of every amount in the run (ISO code): the transactions' ``currency``
    #: column when it holds one currency, else ``RunConfig.currency``; ``None`` when neither
    #: says (or the data mix currencies: see ``currencies``).
    currency: str | None = None
    #: Transactions by the currency their row names (rows with none are not counted).
    currencies: dict[str, int] = field(default_factory=dict)
    status: Literal["ok"] = "ok"


@dataclass(frozen=True)
class NpsSummary:
    """Net Promoter Score with its 95% interval (``None`` values when nobody answered)."""

    n: int
    promoters: int
    passives: int
    detractors: int
    nps: float | None
    ci_low: float | None
    ci_high: float | None
    status: Literal["ok"] = "ok"


@dataclass(frozen=True)
class CsatSummary:
    """CSAT (percent of 4–5 answers) with its 95% interval and the mean answer."""

    n: int
    satisfied: int
    csat: float | None
    ci_low: float | None
    ci_high: float | None
    mean: float | None
    status: Literal["ok"] = "ok"


#: A repeat-purchase model of the ``clv`` stage.
ClvModelName = Literal["bg-nbd", "mbg-nbd", "pareto-nbd"]
#: How the ``clv`` stage chose its model (:data:`loyalloop.clv.choice.ChoiceCode`):
#: ``selected`` by the holdout check; ``configured`` in the run settings (``clv.model``); or
#: BG/NBD because the check could not be made — ``short_history`` (calibration period shorter
#: than the holdout), ``no_holdout_purchases``, ``no_candidate_fitted``.
ClvModelChoice = Literal[
    "selected", "configured", "short_history", "no_holdout_purchases", "no_candidate_fitted"
]


@dataclass(frozen=True)
class ClvAliveCaveat:
    """One-time buyers long gone by the base's rhythm whom the scoring model calls alive
    (:class:`loyalloop.clv.AliveCaveat`, on the customers scored).

    A one-time buyer is *long inactive* when their only purchase lies at least
    ``gap_multiple × typical_gap_weeks`` in the past (``typical_gap_weeks``: median time between
    purchases of repeat buyers; ``None`` without repeat buyers, then every one-time buyer is);
    ``flagged`` are those whose P(alive) is still at least ``alive_threshold``.
    """

    model: ClvModelName
    typical_gap_weeks: float | None
    gap_multiple: float
    alive_threshold: float
    one_time_buyers: int
    long_inactive: int
    flagged: int
    mean_alive_long_inactive: float | None

    @property
    def implausible(self) -> bool:
        """Whether the model calls any long-inactive one-time buyer alive."""
        return self.flagged > 0


@dataclass(frozen=True)
class ClvCandidate:
    """One candidate of the holdout check (:class:`loyalloop.clv.CandidateCheck`).

    Figures are ``None`` when the candidate could not be fitted (``status == "fit_failed"``,
    ``error`` says why) or are not finite. ``holdout_rmse``: root mean squared error of the
    predicted holdout purchases per customer; ``predicted_total`` / ``actual_total``: holdout
    repeat purchases (days with a purchase) of all customers; ``mse_z``, ``aggregate_z``: how
    many standard errors its per-customer error and its miss of the total lie beyond the best
    candidate's; ``alive_flagged``: one-time buyers of the calibration period it calls alive
    though long inactive; ``verdict``: what the rule made of it
    (:data:`loyalloop.clv.selection.Verdict`).
    """

    model: ClvModelName
    status: Literal["ok", "fit_failed"]
    verdict: Literal[
        "chosen",
        "worse_per_customer",
        "worse_total",
        "higher_bic",
        "implausible_alive",
        "fit_failed",
    ]
    params: dict[str, float]
    log_likelihood: float | None
    bic: float | None
    holdout_rmse: float | None
    holdout_mae: float | None
    predicted_total: float | None
    actual_total: float | None
    mse_z: float | None
    aggregate_z: float | None
    alive_flagged: int | None
    error: str | None = None


@dataclass(frozen=True)
class ClvSelection:
    """The holdout check that chose the ``clv`` stage's model
    (:class:`loyalloop.clv.ModelSelection`).

    The last ``holdout_weeks`` before the run's as-of day were held out; every candidate was
    fitted on the weeks up to ``calibration_end`` and predicted each customer's holdout
    purchases. ``reason`` is the step of the rule that decided (``per_customer``,
    ``aggregate``, ``bic``, ``plausibility``, ``only_candidate``); ``z_critical`` and
    ``bic_margin`` are the rule's thresholds. The winner was then refitted on the whole period.
    """

    winner: ClvModelName
    reason: Literal["per_customer", "aggregate", "bic", "plausibility", "only_candidate"]
    calibration_end: date
    holdout_weeks: float
    holdout_customers: int
    candidates: tuple[ClvCandidate, ...]
    z_critical: float
    bic_margin: float


@dataclass(frozen=True)
class ClvSummary:
    """Customer lifetime value (``clv`` stage): the fitted models and the headline figures.

    ``transaction_params`` and ``transaction_log_likelihood`` are those of the model that
    scored (``transaction_model``), fitted on the whole period. The fields from
    ``transaction_model`` on are ``None`` in runs published before the stage chose its model
    (those runs used BG/NBD without a check).
    """

    model: str
    time_unit: str
    transaction_params: dict[str, float]
    transaction_log_likelihood: float
    spend_params: dict[str, float]
    customers: int
    horizon_months: int
    monthly_discount_rate: float
    expected_purchases_weeks: int
    total_clv: float
    top_decile_share: float | None
    mean_probability_alive: float | None
    #: The repeat-purchase model that scored.
    transaction_model: ClvModelName | None = None
    #: How it was chosen (:data:`ClvModelChoice`).
    model_choice: ClvModelChoice | None = None
    #: The holdout length asked for (``RunConfig.clv.holdout_weeks``) and the weeks from the
    #: first purchase to the as-of day.
    holdout_weeks: int | None = None
    history_weeks: float | None = None
    #: The holdout check; ``NotComputed`` when BG/NBD was used because the check could not be
    #: made (``insufficient_data``: ``short_history`` / ``no_holdout_purchases``;
    #: ``fit_failed``: ``no_candidate_fitted``); ``None`` when the model was configured.
    selection: ClvSelection | NotComputed | None = None
    #: The implausible-P(alive) check of the model that scored.
    alive_caveat: ClvAliveCaveat | None = None
    status: Literal["ok"] = "ok"


@dataclass(frozen=True)
class ChurnModelInfo:
    """The churn model file saved in the run directory."""

    file: str
    sha256: str
    format: str
    format_version: int
    features: tuple[str, ...]
    calibration: str | None


@dataclass(frozen=True)
class ScorerMetrics:
    """Backtest metrics of one scorer (the model or a baseline); ``error`` when not computable."""

    roc_auc: float | None
    pr_auc: float | None
    brier: float | None
    top_decile_lift: float | None
    error: str | None = None


@dataclass(frozen=True)
class FeatureGain:
    feature: str
    gain: float


@dataclass(frozen=True)
class ChurnRankingInfo:
    """Which scorer ranks the customers, and why (:class:`loyalloop.churn.ChurnComparison`).

    The churn model ranks only when it beats every baseline on the backtest by ``tolerance``
    in ROC AUC or PR AUC without losing more than ``tolerance`` on the other (``rule``);
    otherwise the best baseline does, and every churn probability of the run is that
    baseline's. The figures of every scorer are in :attr:`ChurnSummary.metrics`.
    """

    #: The scorer whose probabilities the run's scores, lists and report use: ``model``,
    #: ``recency``, ``bgnbd`` or ``logistic``.
    scorer: str
    model_won: bool
    #: The best baseline by the rule (``None`` when no baseline could be evaluated).
    best_baseline: str | None
    tolerance: float
    #: ``own``: the scorer's own calibrated probabilities (the model, the logistic
    #: regression); ``isotonic``: a baseline score mapped to probabilities by an isotonic fit on
    #: the backtest outcomes (recency, BG/NBD), which keeps its ranking.
    probability: Literal["own", "isotonic"]
    #: The file in the run directory that reproduces the scores
    #: (:meth:`loyalloop.churn.ChurnRanking.load`), and its SHA-256.
    file: str
    sha256: str
    rule: Literal["model_beats_every_baseline"] = "model_beats_every_baseline"


@dataclass(frozen=True)
class ChurnSummary:
    """Churn risk (``churn`` stage): backtest, the ranking that won it, model file, population
    figures.

    ``model`` is the trained churn model's file, whether or not it won; the run's
    probabilities come from ``ranking.scorer``. ``customers_scored`` counts everyone who ever
    bought; ``active_customers`` those in the model's population (a purchase within
    ``RunConfig.churn.active_within_days``); ``current_customers`` those with a current status
    (:data:`loyalloop.insight.definitions.CURRENT_STATUSES`). ``expected_churners``,
    ``high_risk`` (probability ≥ 50 %) and ``mean_probability`` are over the current customers
    — the population of the early-warning list — so "high churn risk" means one thing.
    """

    model: ChurnModelInfo
    ranking: ChurnRankingInfo
    horizon_days: int
    train_cutoffs: tuple[date, ...]
    test_cutoff: date
    sample_fraction: float
    n_train: int
    n_test: int
    test_churn_rate: float | None
    #: Backtest metrics by scorer name (``model``, ``recency``, ``bgnbd`` …).
    metrics: dict[str, ScorerMetrics]
    calibration_error: float | None
    capture_top_20pct: float | None
    top_features: tuple[FeatureGain, ...]
    customers_scored: int
    active_customers: int
    current_customers: int
    expected_churners: float
    high_risk: int
    mean_probability: float | None
    status: Literal["ok"] = "ok"


@dataclass(frozen=True)
class LoyaltySummary:
    """Loyalty index, tiers and lifecycle stages (``loyalty`` stage)."""

    customers: int
    indexed: int
    mean_index: float | None
    median_index: float | None
    with_attitude_or_emotion: int
    tiers: dict[str, int]
    lifecycle: dict[str, int]
    #: The run compared with for migrations (``None``: no earlier run to compare with).
    compared_with_run: int | None = None
    tier_migration: dict[str, int] | None = None
    lifecycle_transitions: dict[str, int] | None = None
    #: Median lifetime in days by dimension (``cohort``: year of the first purchase; ``stage``:
    #: status on ``survival_stage_start``) and group; ``None`` inside when the curve never
    #: reaches one half.
    median_lifetime_days: dict[str, dict[str, float | None]] | NotComputed | None = None
    survival_lapse_days: int | None = None
    #: The day the curves by status follow customers from (their status that day).
    survival_stage_start: date | None = None
    status: Literal["ok"] = "ok"


@dataclass(frozen=True)
class ReturnHistory:
    """Customers gone at an earlier cutoff, and how many bought again within the horizon
    (the win-back list's return probabilities are estimated from them)."""

    cutoff: date
    horizon_days: int
    #: By status then (``lapsed``, ``closed``, ``lost``; ``*`` = all of them).
    customers: dict[str, int]
    returned: dict[str, int]


@dataclass(frozen=True)
class PriorityListSummary:
    """One of the two ranked lists of a run (``early_warning`` / ``win_back`` stages).

    The list's rows are the run table of the same name (:mod:`loyalloop.loyalty.priorities`).
    """

    kind: Literal["early_warning", "win_back"]
    #: Customers on the list.
    customers: int
    #: Customers in the statuses the list is drawn from (current / lapsed, closed and lost).
    population: int
    #: Customers on the list by status.
    by_stage: dict[str, int]
    #: What the value is built on: ``clv``, ``spend_365d`` (early warning without CLV) or
    #: ``yearly_value`` (win-back).
    value_basis: Literal["clv", "spend_365d", "yearly_value"]
    #: Sum of the ranking value (value at stake / win-back value) over the list.
    total_value: float
    #: Early warning: the churn probability a customer needs to be on it (the backtest's
    #: average churn rate) and the scorer the probabilities come from.
    min_probability: float | None = None
    churn_scorer: str | None = None
    #: Win-back: the history the return probabilities were estimated from.
    return_history: ReturnHistory | None = None
    status: Literal["ok"] = "ok"


@dataclass(frozen=True)
class NegativeAspect:
    aspect: str
    negative: int
    share_negative: float
    net_sentiment: float | None = None


@dataclass(frozen=True)
class DriverSummary:
    """Key-driver regression of one score type."""

    r_squared: float
    n: int
    fix_first: tuple[str, ...]
    #: ``clear`` or ``uncertain`` per fix-first aspect (bootstrap agreement on its quadrant).
    fix_first_confidence: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FeedbackSummary:
    """Text analytics of the comments (``feedback`` stage)."""

    taxonomy: str
    comments: int
    own_comments: int
    rows_without_text: int
    languages: dict[str, int]
    share_negative: float | None
    share_positive: float | None
    mean_sentiment: float | None
    aspect_mentions: int
    top_negative_aspects: tuple[NegativeAspect, ...]
    alerts: int
    #: Alerts in the latest period, by frequency (``W``, ``M``).
    alerts_latest_period: dict[str, int]
    #: Per score type (``nps``, ``csat``), or why no score type could be analysed.
    key_drivers: dict[str, DriverSummary | NotComputed] | NotComputed
    #: Number of topics saved, or why none were formed.
    topics: int | NotComputed
    #: KANO features classified, or why not (``not_configured``: no KANO answers table).
    kano_features: int | NotComputed
    channel_disagreements: int
    #: Set when the project's own taxonomy file was refused and the shipped one used instead.
    project_taxonomy: NotComputed | None = None
    #: Why this taxonomy (run setting, project file, or chosen to fit the comments).
    taxonomy_reason: str = ""
    #: Alerts by direction (the negative share got worse / better).
    alerts_worse: int = 0
    alerts_better: int = 0
    emerging_topics: int = 0
    #: Own-brand comments by main intent, and by effort signal.
    intents: dict[str, int] = field(default_factory=dict)
    effort: dict[str, int] = field(default_factory=dict)
    #: Channel gaps that vanish for the same customer mix (different customers, not the channel).
    channel_gaps_from_customer_mix: int = 0
    status: Literal["ok"] = "ok"


# ------------------------------------------------------------------- campaign results (measure)
@dataclass(frozen=True)
class Interval:
    """A value with its interval (``None`` where not defined)."""

    value: float | None
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class CampaignArmSummary:
    """One treated arm (``level`` ``arm``), a group of arms (``group``) or the whole campaign
    (``campaign``) against its holdout: per-customer response rates, incremental totals over
    the treated customers, the actual cost and the ROI (docs/measurement.md)."""

    level: Literal["arm", "group", "campaign"]
    arm: str
    control: str
    customers: int
    control_customers: int
    response_rate: float | None
    control_response_rate: float | None
    #: Response-rate lift (share points as a fraction: 0.02 = +2 points).
    response_lift: Interval | None
    incremental_responses: Interval | None
    incremental_revenue: Interval | None
    incremental_margin: Interval | None
    cost: float
    net_value: Interval | None
    roi: Interval | None
    #: Revenue lift's p-value (Holm-adjusted over a campaign's arms).
    p_value: float | None
    cuped: bool
    error: str | None = None
    message: str = ""


@dataclass(frozen=True)
class CampaignSummary:
    """One campaign's results (``campaign_results`` stage)."""

    campaign_id: str
    name: str
    start_at: datetime | None
    end_at: datetime | None
    #: Whether the outcome window had ended at the run's as-of day (``None``: no window).
    window_complete: bool | None
    #: ``outcomes``: the warehouse's outcome rows; ``attributed``: purchases and redemptions
    #: attributed by this run (no outcome rows were loaded for the campaign).
    outcome_source: Literal["outcomes", "attributed"]
    assigned: dict[str, int]
    margin_rate: float | None
    arms: tuple[CampaignArmSummary, ...]
    srm_p_value: float | None
    error: str | None = None
    message: str = ""
    #: Remarks: :class:`Note` (coded; plain text in runs made before codes).
    notes: tuple[Note | str, ...] = ()
    #: The campaign's budget from the run settings (``campaigns.campaign.<id>.budget``);
    #: ``None``: not known (the ROI's 10 %-of-budget rule does not apply).
    budget: float | None = None


@dataclass(frozen=True)
class ProgrammeSummary:
    """Every programme customer against the global control group."""

    customers: int
    programme_customers: int
    control_customers: int
    campaigns: int
    response_rate: float | None
    control_response_rate: float | None
    response_lift: Interval | None
    revenue_lift: Interval | None
    incremental_revenue: Interval | None
    #: Remarks: :class:`Note` (coded; plain text in runs made before codes).
    notes: tuple[Note | str, ...] = ()
    #: Customers who bought in the global control and among the programme's customers
    #: (``None``: runs made before they were recorded).
    control_buyers: int | None = None
    programme_buyers: int | None = None
    #: ``too_few_buyers``: too few buyers on a side for a verdict (the intervals are kept).
    error: str | None = None


@dataclass(frozen=True)
class TargetingModelInfo:
    """A targeting model of the registry at the time of the run."""

    model_id: str
    status: str
    trained_on: tuple[str, ...]
    created_at: str
    #: Held-out Qini area per action (``None`` where not available).
    qini: dict[str, float | None]


@dataclass(frozen=True)
class CampaignResultsSummary:
    """Campaign results (``campaign_results`` stage): every campaign and the programme."""

    campaigns: tuple[CampaignSummary, ...]
    programme: ProgrammeSummary | NotComputed
    alpha: float
    models: tuple[TargetingModelInfo, ...] = ()
    #: Remarks: :class:`Note` (coded; plain text in runs made before codes).
    notes: tuple[Note | str, ...] = ()
    status: Literal["ok"] = "ok"


# ------------------------------------------------------------------------------------ manifest
@dataclass(frozen=True)
class TableInfo:
    """One output table of a run (a Parquet file in the run directory)."""

    file: str
    rows: int


#: Manifest fields that hold a stage's result, in pipeline order.
STAGE_SLOTS = (
    "profiles",
    "kpis",
    "nps",
    "csat",
    "clv",
    "churn",
    "loyalty",
    "early_warning",
    "win_back",
    "feedback",
    "campaigns",
)
#: Slots that may hold :class:`NotComputed` (the others are always computed when their stage
#: runs).
OPTIONAL_SLOTS = ("clv", "churn", "loyalty", "early_warning", "win_back", "feedback", "campaigns")


@dataclass(frozen=True)
class RunManifest:
    """Everything a published run records besides its tables' data.

    ``run`` and ``tables`` are filled in by :meth:`loyalloop.core.runs.RunStore.publish`.
    """

    created_at: datetime
    as_of: date
    version: str
    timezone: str
    #: The run's settings (``loyalloop.pipeline.RunConfig.to_dict``; read back with
    #: ``RunConfig.from_dict``).
    config: dict[str, Any]
    #: Rows of each canonical input table when the run started.
    inputs: dict[str, int]
    #: Quarantined rows by canonical table.
    quarantined: dict[str, int]
    #: Wall-clock seconds of each stage, in the order they ran.
    stage_seconds: dict[str, float]
    seconds: float
    run: int = 0
    #: The engine the warehouse work ran on (``duckdb`` or ``spark``; docs/scale-out.md).
    engine: str = "duckdb"
    tables: dict[str, TableInfo] = field(default_factory=dict)
    profiles: ProfilesSummary | None = None
    kpis: KpiSummary | None = None
    nps: NpsSummary | None = None
    csat: CsatSummary | None = None
    clv: ClvSummary | NotComputed | None = None
    churn: ChurnSummary | NotComputed | None = None
    loyalty: LoyaltySummary | NotComputed | None = None
    early_warning: PriorityListSummary | NotComputed | None = None
    win_back: PriorityListSummary | NotComputed | None = None
    feedback: FeedbackSummary | NotComputed | None = None
    campaigns: CampaignResultsSummary | NotComputed | None = None
    format: str = MANIFEST_FORMAT
    format_version: int = MANIFEST_FORMAT_VERSION

    def not_computed(self) -> list[tuple[str, NotComputed]]:
        """Every :class:`NotComputed` in the manifest with its dotted path, in field order."""
        return list(_find_not_computed("", self))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (dates as ISO strings; non-finite numbers refused)."""
        data: dict[str, Any] = _adapter().dump_python(self, mode="json")
        _check_finite("", data)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "manifest") -> RunManifest:
        """Read a manifest written by :meth:`to_dict`.

        Raises
        ------
        RunFormatError
            When ``data`` is not a run manifest of :data:`MANIFEST_FORMAT_VERSION`, or a field
            does not have its type (the field's path is named).
        """
        from pydantic import ValidationError

        if not isinstance(data, dict) or data.get("format", MANIFEST_FORMAT) != MANIFEST_FORMAT:
            raise RunFormatError(f"{source} is not a Loyalloop run manifest")
        version = data.get("format_version", 0)
        if version != MANIFEST_FORMAT_VERSION:
            written = (
                "before manifests were versioned" if version == 0 else f"format version {version}"
            )
            raise RunFormatError(
                f"{source} has manifest format version {version} ({written}); this Loyalloop "
                f"reads format version {MANIFEST_FORMAT_VERSION} only. Run `loyalloop run` again "
                "to publish a run in the current format (and delete the old run)."
            )
        try:
            return _adapter().validate_python(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise RunFormatError(f"{source}: field {where}: {first['msg']}") from None


def _find_not_computed(prefix: str, value: object) -> Any:
    if isinstance(value, NotComputed):
        yield prefix, value
    elif is_dataclass(value) and not isinstance(value, type):
        for f in fields(value):
            yield from _find_not_computed(_join(prefix, f.name), getattr(value, f.name))
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _find_not_computed(_join(prefix, str(k)), v)


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _check_finite(path: str, value: object) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"manifest field {path or '(root)'} is {value}: record None instead")
    if isinstance(value, dict):
        for k, v in value.items():
            _check_finite(_join(path, str(k)), v)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_finite(f"{path}[{i}]", v)


@cache
def _adapter() -> TypeAdapter[RunManifest]:
    from pydantic import TypeAdapter

    return TypeAdapter(RunManifest)
