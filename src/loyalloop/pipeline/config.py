"""Every setting of a run, in one typed object: :class:`RunConfig` and its nested configs.

A run records its ``RunConfig`` in the manifest (``config``), so a published figure can be
traced to the settings that made it. Settings come from code, or from a YAML file
(:meth:`RunConfig.from_yaml`; ``loyalloop run --config run.yaml``) whose keys mirror the fields
below — or from the project's own settings file ``<home>/run.yaml`` (:data:`PROJECT_RUN_SETTINGS`;
``loyalloop run`` reads it when no ``--config`` is given, :func:`save_run_settings` writes it:
``loyalloop demo`` saves its settings there); a key left out keeps its default, an unknown key
or a bad value is refused with the key's path (``churn.horizon_days: must be a positive
integer``). docs/configuration.md lists every key with its default.

Library defaults stay where they are defined (:class:`~loyalloop.loyalty.LoyaltyWeights`,
:class:`~loyalloop.loyalty.TierRules`, :class:`~loyalloop.loyalty.LifecycleRules`,
:data:`~loyalloop.insight.rfm.DEFAULT_SEGMENT_RULES`); the run's config holds instances of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import date
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, get_type_hints

import yaml
from pydantic import BeforeValidator

from loyalloop.data.identity.config import IdentityConfig
from loyalloop.errors import ConfigError
from loyalloop.insight.rfm import DEFAULT_SEGMENT_RULES, SegmentRule
from loyalloop.loyalty import LifecycleRules, LoyaltyWeights, TierRules

if TYPE_CHECKING:
    from pydantic import TypeAdapter

__all__ = [
    "PROJECT_RUN_SETTINGS",
    "CampaignCosts",
    "CampaignsConfig",
    "ChurnConfig",
    "ClvConfig",
    "ClvModelSetting",
    "FeedbackConfig",
    "LoyaltyConfig",
    "RunConfig",
    "project_run_settings",
    "run_config",
    "save_run_settings",
]


def _positive_int(v: object) -> object:
    if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
        raise ValueError("must be a positive integer")
    return v


def _rate(v: object) -> object:
    if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v < 1:
        raise ValueError("must be a number from 0 up to (not including) 1")
    return v


PositiveInt = Annotated[int, BeforeValidator(_positive_int)]
Rate = Annotated[float, BeforeValidator(_rate)]


# --- campaign measurement settings (measure helper) -------------------------------------------
def _share(v: object) -> object:
    if v is None:
        return v
    if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 1:
        raise ValueError("must be a number from 0 to 1")
    return v


def _money(v: object) -> object:
    if v is None:
        return v
    if isinstance(v, bool) or not isinstance(v, int | float) or not (0 <= v < float("inf")):
        raise ValueError("must be a number >= 0")
    return v


def _alpha(v: object) -> object:
    if isinstance(v, bool) or not isinstance(v, int | float) or not 0 < v < 0.5:
        raise ValueError("must be a number between 0 and 0.5")
    return v


Share = Annotated[float | None, BeforeValidator(_share)]
Money = Annotated[float | None, BeforeValidator(_money)]
Alpha = Annotated[float, BeforeValidator(_alpha)]
# --- end of campaign measurement settings ---------------------------------------------------


class ClvModelSetting(StrEnum):
    """The ``clv.model`` setting: choose by the holdout check, or always use one model."""

    AUTO = "auto"
    BG_NBD = "bg-nbd"
    MBG_NBD = "mbg-nbd"
    PARETO_NBD = "pareto-nbd"


@dataclass(frozen=True)
class ClvConfig:
    """The ``clv`` stage (a repeat-purchase model chosen by a holdout check + Gamma-Gamma)."""

    #: Months of the CLV figure (monthly discounting periods).
    horizon_months: PositiveInt = 12
    #: Monthly discount rate of future value.
    monthly_discount_rate: Rate = 0.01
    #: Horizon of ``expected_purchases`` in weeks.
    expected_purchases_weeks: PositiveInt = 52
    #: Repeat-purchase model: ``auto`` (BG/NBD, MBG/NBD or Pareto/NBD, chosen by the holdout
    #: check) or one of them by name (fitted without a check).
    model: ClvModelSetting = ClvModelSetting.AUTO
    #: Weeks before the as-of day held out to check the candidates' predictions (the check
    #: needs at least twice as many weeks of purchases, else BG/NBD is used).
    holdout_weeks: PositiveInt = 26

    def __post_init__(self) -> None:
        _check_fields(self)


@dataclass(frozen=True)
class ChurnConfig:
    """The ``churn`` stage (backtested, calibrated churn model)."""

    #: Churn = no purchase (or every account closed) within this many days.
    horizon_days: PositiveInt = 90
    #: Most training cutoffs (each one ``horizon_days`` before the next).
    max_train_cutoffs: PositiveInt = 3
    #: A training cutoff needs this many days of purchases before it.
    min_history_days: PositiveInt = 180
    #: Train and evaluate on a deterministic sample of at most this many profiles.
    max_train_customers: PositiveInt = 50_000
    #: The riskiest active customers who get reasons.
    reason_limit: PositiveInt = 2_000
    #: The model's population: customers who bought within this many days.
    active_within_days: PositiveInt = 365

    def __post_init__(self) -> None:
        _check_fields(self)


@dataclass(frozen=True)
class LoyaltyConfig:
    """The ``loyalty`` stage: index weights, tier thresholds, lifecycle rules, survival view."""

    weights: LoyaltyWeights = field(default_factory=LoyaltyWeights)
    tiers: TierRules = field(default_factory=TierRules)
    lifecycle: LifecycleRules = field(default_factory=LifecycleRules)
    #: Survival view: a customer counts as lost after this many days without a purchase.
    lapse_days: PositiveInt = 180
    #: Early-warning list: a complaint or a low NPS is a sign when given within this many days
    #: (``loyalty.priorities.SIGN_DAYS``).
    sign_days: PositiveInt = 90

    def __post_init__(self) -> None:
        _check_fields(self)


class ClauseTextSetting(StrEnum):
    """The ``feedback.clause_text`` setting: how aspect-mention clauses are stored and shown."""

    #: Phone, card and ID numbers and e-mails masked (the default; safe for every role).
    MASKED = "masked"
    #: As the customer wrote them, for deployments whose roles may all see raw text.
    RAW = "raw"


@dataclass(frozen=True)
class FeedbackConfig:
    """The ``feedback`` stage (topics; the taxonomy is :attr:`RunConfig.taxonomy`)."""

    #: Topics over all own-brand comments; the unmatched comments get up to as many.
    topics: PositiveInt = 8
    #: Fewest unmatched comments per topic for the "unmatched" topic model.
    unmatched_per_topic: PositiveInt = 15
    #: Distinct example comments kept per topic.
    examples_per_topic: PositiveInt = 3
    #: Clauses of the aspect mentions and their examples: ``masked`` (personal numbers and
    #: e-mails masked) or ``raw`` (as written; only where every role may see raw text).
    clause_text: ClauseTextSetting = ClauseTextSetting.MASKED

    def __post_init__(self) -> None:
        _check_fields(self)


class SegmentField(StrEnum):
    """The customer field campaign results are broken down by."""

    rfm_segment = "rfm_segment"
    lifecycle_stage = "lifecycle_stage"
    none = "none"


@dataclass(frozen=True)
class CampaignCosts:
    """One campaign's costs, margin and planned split (``campaigns.campaign.<id>``); a key left
    out takes the value of the ``campaigns`` section."""

    margin_rate: Share = None
    contact_cost: Money = None
    redemption_cost: Money = None
    #: Contact cost by arm or action (``offer: 0.1``).
    arm_contact_cost: dict[str, float] = field(default_factory=dict)
    #: Cost of a redemption recorded without a value, by arm or action (``offer: 300``).
    arm_redemption_cost: dict[str, float] = field(default_factory=dict)
    #: Planned share of each arm, holdout included (the sample-ratio check).
    shares: dict[str, float] = field(default_factory=dict)
    #: The campaign's budget (its currency): the quoting rule then quotes an ROI only from
    #: 10 % of it spent (docs/measurement.md "Quoting"); empty: the budget is not known.
    budget: Money = None

    def __post_init__(self) -> None:
        _check_fields(self)
        if self.budget is not None and not self.budget > 0:
            raise ConfigError("CampaignCosts.budget: must be a number > 0 (or left out)")
        for name in ("arm_contact_cost", "arm_redemption_cost", "shares"):
            for arm, value in getattr(self, name).items():
                try:
                    (_share if name == "shares" else _money)(value)
                except ValueError as exc:
                    raise ConfigError(f"CampaignCosts.{name}.{arm}: {exc}") from None


@dataclass(frozen=True)
class CampaignsConfig:
    """The ``campaign_results`` stage: costs, margin, CUPED and segments (docs/measurement.md)."""

    #: Share of revenue kept as margin; empty: margin, net value and ROI are not computed.
    margin_rate: Share = None
    #: Cost of contacting one treated customer.
    contact_cost: Money = 0.0
    #: Cost of an offer redemption recorded without a value.
    redemption_cost: Money = 0.0
    #: Days of purchases before assignment used as the CUPED covariate (0: no CUPED).
    pre_period_days: int = 90
    #: Results are also broken down by this field.
    segment_field: SegmentField = SegmentField.rfm_segment
    #: Intervals are at ``1 − alpha``.
    alpha: Alpha = 0.05
    #: Per campaign id: its own costs, margin and planned split.
    campaign: dict[str, CampaignCosts] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_fields(self)
        if isinstance(self.pre_period_days, bool) or not (
            isinstance(self.pre_period_days, int) and 0 <= self.pre_period_days <= 3650
        ):
            raise ConfigError("CampaignsConfig.pre_period_days: must be a whole number 0–3650")


@dataclass(frozen=True)
class RunConfig:
    """Every choice a run makes; recorded in its manifest.

    Examples
    --------
    >>> RunConfig.from_dict({"churn": {"horizon_days": 60}}).churn.horizon_days
    60
    >>> RunConfig.from_dict({"churn": {"horizon_days": 0}})
    Traceback (most recent call last):
    ...
    loyalloop.errors.ConfigError: run config: churn.horizon_days: must be a positive integer
    """

    #: Observation end (default: the day of the last transaction).
    as_of: date | None = None
    #: "Active" customers bought within this many days (KPIs).
    active_days: PositiveInt = 90
    #: Currency of the amounts (ISO code, e.g. CNY) when the transactions' ``currency`` column
    #: does not say; ``None``: read it from the data (unknown if they do not say either).
    currency: str | None = None
    #: RFM segment rules, first match wins.
    segment_rules: tuple[SegmentRule, ...] = DEFAULT_SEGMENT_RULES
    #: Feedback aspect taxonomy: ``default`` (chosen to fit the comments by
    #: ``feedback.aspects.choose_taxonomy``: banking for a card business, retail for a shop,
    #: both only when the comments mix them), ``banking``, ``retail`` or a YAML file.
    taxonomy: str = "default"
    clv: ClvConfig = field(default_factory=ClvConfig)
    churn: ChurnConfig = field(default_factory=ChurnConfig)
    loyalty: LoyaltyConfig = field(default_factory=LoyaltyConfig)
    feedback: FeedbackConfig = field(default_factory=FeedbackConfig)
    #: Identity resolution of the ``profiles`` stage (``loyalloop.data.identity.IdentityConfig``).
    identity: IdentityConfig = field(default_factory=IdentityConfig)
    campaigns: CampaignsConfig = field(default_factory=CampaignsConfig)

    def __post_init__(self) -> None:
        _check_fields(self)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (the manifest's ``config``; :meth:`from_dict` reads it)."""
        out: dict[str, Any] = _adapter().dump_python(self, mode="json")
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "run config") -> RunConfig:
        """Settings from plain values; keys left out keep their defaults.

        Raises
        ------
        ConfigError
            Naming the key's path and what is wrong (an unknown key, a bad value).
        """
        from pydantic import ValidationError

        if not isinstance(data, Mapping):
            raise ConfigError(f"{source}: must be a mapping of settings (key: value)")
        _refuse_unknown_keys(cls, data, source, "")
        try:
            return _adapter().validate_python(dict(data))
        except ValidationError as exc:
            err = exc.errors()[0]
            raise ConfigError(f"{source}: {_path(err['loc'])}: {_message(err)}") from None

    @classmethod
    def from_yaml(cls, path: Path | str) -> RunConfig:
        """Settings from a YAML file (see docs/configuration.md)."""
        p = Path(path)
        try:
            data = yaml.safe_load(p.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"cannot read run config {p}: {exc.strerror or exc}") from None
        except yaml.YAMLError as exc:
            raise ConfigError(f"run config {p} is not valid YAML: {exc}") from None
        except ValueError as exc:  # the YAML loader builds dates itself: 2024-13-01
            raise ConfigError(f"run config {p}: a date in it is not a valid date: {exc}") from None
        return cls.from_dict({} if data is None else data, source=str(p))


def _refuse_unknown_keys(cls: type, data: Mapping[str, Any], source: str, prefix: str) -> None:
    """Unknown keys are refused before validation, with the keys allowed there."""
    names = [f.name for f in fields(cls)]
    for key, value in data.items():
        where = f"{prefix}{key}"
        if key not in names:
            raise ConfigError(
                f"{source}: {where}: unknown setting (allowed here: {', '.join(names)})"
            )
        sub = next(f for f in fields(cls) if f.name == key).default_factory
        if callable(sub) and is_dataclass(sub) and isinstance(value, Mapping):
            _refuse_unknown_keys(sub, value, source, f"{where}.")  # type: ignore[arg-type]
        # a mapping of named sections (campaigns.campaign.<id>): each one checked too
        hint = get_type_hints(cls).get(key)
        args: tuple[Any, ...] = tuple(getattr(hint, "__args__", ()))
        section_cls = args[1] if len(args) == 2 else None
        if (
            getattr(hint, "__origin__", None) is dict
            and isinstance(section_cls, type)
            and is_dataclass(section_cls)
            and isinstance(value, Mapping)
        ):
            for name, section in value.items():
                if isinstance(section, Mapping):
                    _refuse_unknown_keys(section_cls, section, source, f"{where}.{name}.")


def _path(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc if not str(p).startswith("function-")]
    return ".".join(parts).replace(".[", "[") or "(root)"


def _message(err: Any) -> str:
    msg = str(err["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            return msg[len(prefix) :]
    kind = err["type"]
    if kind in ("float_parsing", "float_type"):
        return "must be a number"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "must be an integer"
    if kind in ("date_parsing", "date_from_datetime_parsing", "date_type"):
        return "must be a date YYYY-MM-DD"
    if kind == "string_type":
        return "must be text"
    return msg[0].lower() + msg[1:] if msg else kind


@cache
def _adapter() -> TypeAdapter[RunConfig]:
    from pydantic import TypeAdapter

    return TypeAdapter(RunConfig)


def _check_fields(obj: object) -> None:
    """The same checks for settings made in code as for settings read from a file."""
    hints = get_type_hints(type(obj), include_extras=True)
    for f in fields(obj):  # type: ignore[arg-type]
        for check in getattr(hints[f.name], "__metadata__", ()):
            func = getattr(check, "func", None)
            if func in (_positive_int, _rate, _share, _money, _alpha):
                try:
                    func(getattr(obj, f.name))
                except ValueError as exc:
                    raise ConfigError(f"{type(obj).__name__}.{f.name}: {exc}") from None


#: The project's run settings file, in the project home: ``loyalloop run`` reads it when no
#: ``--config`` is given (a file given with ``--config`` replaces it, it is not merged).
PROJECT_RUN_SETTINGS = "run.yaml"

_SETTINGS_HEADER = (
    "# Run settings of this project (docs/configuration.md): `loyalloop run` reads this file\n"
    "# when no --config is given. Keys left out keep their defaults.\n"
)


def project_run_settings(home: Path) -> Path:
    """Where a project keeps its run settings (:data:`PROJECT_RUN_SETTINGS`)."""
    return Path(home) / PROJECT_RUN_SETTINGS


def _changed(value: Any, default: Any) -> Any:
    """The parts of ``value`` (plain values) that differ from ``default``; in a section the
    default has not (``campaigns.campaign.<id>``), empty keys are left out."""
    if isinstance(value, dict) and isinstance(default, dict):
        return {
            k: _changed(v, default[k]) if k in default else _changed(v, None)
            for k, v in value.items()
            if k not in default or v != default[k]
        }
    if isinstance(value, dict):
        return {k: _changed(v, None) for k, v in value.items() if v not in (None, {}, [])}
    return value


def save_run_settings(config: RunConfig, path: Path) -> str:
    """Write ``config`` as a run settings file (the keys that differ from the defaults, so the
    file reads as what was chosen) and return its text; :meth:`RunConfig.from_yaml` reads back
    the same settings."""
    from loyalloop.core.export import write_text_atomic

    chosen = _changed(config.to_dict(), RunConfig().to_dict())
    body = yaml.safe_dump(chosen, allow_unicode=True, sort_keys=False) if chosen else ""
    text = _SETTINGS_HEADER + body
    write_text_atomic(path, text)
    return text


def run_config(
    path: Path | str | None = None,
    *,
    as_of: date | str | None = None,
    segments: Path | str | None = None,
    taxonomy: str | None = None,
    home: Path | None = None,
) -> RunConfig:
    """The settings of a run as a command gives them: a YAML file — ``path``, else the
    project's ``<home>/run.yaml`` when ``home`` is given and the file exists, else the
    defaults — then the options given on the command line on top (``None`` = not given).
    Everything is checked now, not in the middle of a run (the taxonomy is loaded once).

    Raises
    ------
    ConfigError
        A bad file, key or value, named.
    """
    from loyalloop.feedback.aspects import load_taxonomy
    from loyalloop.insight.rfm import load_segment_rules

    if path is None and home is not None and project_run_settings(home).is_file():
        path = project_run_settings(home)
    config = RunConfig.from_yaml(path) if path is not None else RunConfig()
    changes: dict[str, Any] = {}
    if as_of is not None:
        try:
            changes["as_of"] = as_of if isinstance(as_of, date) else date.fromisoformat(as_of)
        except ValueError:
            raise ConfigError(f"as-of day {as_of!r} is not a date YYYY-MM-DD") from None
    if segments is not None:
        changes["segment_rules"] = load_segment_rules(segments)
    if taxonomy is not None:
        changes["taxonomy"] = taxonomy
    config = replace(config, **changes)
    try:
        load_taxonomy(config.taxonomy)
    except ValueError as exc:  # ConfigError and the YAML loader's own errors
        raise ConfigError(f"taxonomy: {exc}") from None
    return config
