"""Choose the repeat-purchase model by how well it predicts a holdout period.

BG/NBD, MBG/NBD and Pareto/NBD describe the same data in different ways, and which one is
right is an empirical question. :func:`select_model` fits every candidate on a calibration
period, predicts each customer's repeat purchases in the holdout period that follows, and
compares the predictions with what the customers actually did.

The rule: the holdout filters out candidates that predict *demonstrably* worse, and the
likelihood decides among the rest (with a few thousand customers the holdout alone is too
noisy to separate models that predict alike, while the calibration likelihood is not):

1. **Per-customer error.** Each candidate's squared errors of predicted vs actual holdout
   repeat purchases are compared, customer by customer, with those of the candidate with
   the smallest mean squared error (a paired test, as Diebold & Mariano's); a candidate
   whose mean squared error is larger by more than ``z_critical`` (2) standard errors
   drops out.
2. **Aggregate error.** A candidate whose total predicted holdout purchases miss the actual
   total by more than the closest candidate's miss plus ``z_critical`` standard errors of the
   total (``sqrt(n)`` times the standard deviation of the closest candidate's per-customer
   errors) drops out.
3. **Likelihood.** Of those left, the lowest BIC on the calibration period wins (all three
   models have four parameters, so this is the highest log-likelihood) ...
4. **Plausibility.** ... except that when the best BIC belongs to a model whose P(alive) is
   implausible (see below) and another candidate left is within ``bic_margin`` (2, "not
   worth more than a bare mention" on Kass & Raftery's scale) of it, that other candidate
   wins: the data cannot tell the two apart, and only one of them claims that long-gone
   one-time buyers are still customers.

The winner is then refitted on the whole period (calibration + holdout) for scoring. Every
candidate's figures are kept in the result, so a report can show why the winner won.

Implausible P(alive)
    BG/NBD assumes that nobody leaves before a repeat purchase, so a one-time buyer is
    "alive" with probability 1 however long ago they bought (Fader, Hardie & Lee 2005 note
    this; MBG/NBD was made to fix it). :func:`alive_caveat` counts the one-time buyers whose
    time since their only purchase is at least ``gap_multiple`` times the typical gap between
    purchases of repeat buyers (the median of ``recency / frequency``) yet whose P(alive) is
    at least ``alive_threshold`` (0.9), and returns a caveat to show beside P(alive).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import pandas as pd

from loyalloop.clv._data import Frame, as_pandas, numeric
from loyalloop.clv.models.base import TransactionModel
from loyalloop.clv.models.beta_geo import BetaGeoModel
from loyalloop.clv.models.modified_beta_geo import ModifiedBetaGeoModel
from loyalloop.clv.models.pareto_nbd import ParetoNBDModel
from loyalloop.core.timeunits import TimeUnit
from loyalloop.errors import DataValidationError, ModelError

__all__ = [
    "AliveCaveat",
    "CandidateCheck",
    "ModelSelection",
    "TransactionModelName",
    "Verdict",
    "alive_caveat",
    "alive_caveat_flag",
    "holdout_split",
    "purchase_days",
    "select_model",
    "select_model_from_transactions",
]

log = logging.getLogger(__name__)


class TransactionModelName(StrEnum):
    """The repeat-purchase models a selection can choose from."""

    BG_NBD = "bg-nbd"
    MBG_NBD = "mbg-nbd"
    PARETO_NBD = "pareto-nbd"

    @property
    def model_class(self) -> type[TransactionModel]:
        return _CLASSES[self]

    @property
    def label(self) -> str:
        return {"bg-nbd": "BG/NBD", "mbg-nbd": "MBG/NBD", "pareto-nbd": "Pareto/NBD"}[self.value]


Reason = Literal["per_customer", "aggregate", "bic", "plausibility", "only_candidate"]

#: What the rule made of one candidate: ``chosen``; dropped at step 1 (``worse_per_customer``)
#: or step 2 (``worse_total``); left with a worse BIC (``higher_bic``); the best BIC passed over
#: at step 4 (``implausible_alive``); or not fitted (``fit_failed``).
Verdict = Literal[
    "chosen",
    "worse_per_customer",
    "worse_total",
    "higher_bic",
    "implausible_alive",
    "fit_failed",
]

_CLASSES: dict[TransactionModelName, type[TransactionModel]] = {
    TransactionModelName.BG_NBD: BetaGeoModel,
    TransactionModelName.MBG_NBD: ModifiedBetaGeoModel,
    TransactionModelName.PARETO_NBD: ParetoNBDModel,
}

DEFAULT_CANDIDATES: tuple[TransactionModelName, ...] = tuple(TransactionModelName)


@dataclass(frozen=True)
class AliveCaveat:
    """One-time buyers long gone by their own rhythm whom a model still calls alive.

    Attributes
    ----------
    model
        The model whose P(alive) was checked.
    typical_gap
        Median time between purchases of repeat buyers (``recency / frequency``), in the
        data's time unit; ``nan`` without repeat buyers.
    gap_multiple, alive_threshold
        A one-time buyer is *long inactive* when the time since their purchase is at least
        ``gap_multiple * typical_gap``; flagged when their P(alive) is still at least
        ``alive_threshold``.
    one_time_buyers, long_inactive, flagged
        How many customers have no repeat purchase, how many of them are long inactive, and
        how many of those are flagged.
    mean_alive_long_inactive
        Mean P(alive) of the long-inactive one-time buyers (``None`` if there are none).
    """

    model: str
    typical_gap: float
    gap_multiple: float
    alive_threshold: float
    one_time_buyers: int
    long_inactive: int
    flagged: int
    mean_alive_long_inactive: float | None

    @property
    def implausible(self) -> bool:
        """Whether any customer is flagged."""
        return self.flagged > 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (``nan`` as ``None``), with the messages in English and Chinese."""
        return {
            **{k: _json(v) for k, v in asdict(self).items()},
            "implausible": self.implausible,
            "message_en": self.message("en"),
            "message_zh": self.message("zh"),
        }

    def message(self, lang: Literal["en", "zh"] = "en") -> str:
        """A sentence to show beside P(alive) (empty when nothing is flagged)."""
        if not self.flagged:
            return ""
        mean = self.mean_alive_long_inactive or 0.0
        # BG/NBD cannot let a one-time buyer go; another model flags them when it finds that
        # customers rarely leave and buy at very different rates (a long silence = slow buyer).
        structural = self.model in ("BG/NBD", "BetaGeoModel")
        if lang == "zh":
            why = (
                "该模型假设客户在首次复购前不会流失"
                if structural
                else "该模型估计客户很少流失、且购买频率差异很大，把长时间未购买解读为购买较慢"
            )
            return (
                f"{self.model} 认为 {self.flagged:,} 位只购买过一次、且已超过常规购买间隔 "
                f"{self.gap_multiple:g} 倍（{self.gap_multiple * self.typical_gap:.1f}）未再购买"
                f"的客户仍有 ≥{self.alive_threshold:.0%} 的存活概率（平均 {mean:.0%}）。"
                f"{why}，这些客户的存活概率应视为上限。"
            )
        why = (
            "The model assumes nobody leaves before a repeat purchase"
            if structural
            else "The model finds that customers rarely leave and buy at very different rates, "
            "so it reads a long silence as a slow buyer"
        )
        return (
            f"{self.model} gives {self.flagged:,} one-time buyers P(alive) ≥ "
            f"{self.alive_threshold:.0%} (mean {mean:.0%}) although their only purchase was "
            f"at least {self.gap_multiple:g}× the typical gap between purchases ago "
            f"({self.gap_multiple * self.typical_gap:.1f}). {why}: read their P(alive) as an "
            "upper bound."
        )


@dataclass(frozen=True)
class CandidateCheck:
    """One candidate's fit on the calibration period and its holdout check.

    ``status`` is ``"ok"`` or ``"fit_failed"`` (then ``error`` says why and the figures are
    ``nan``). ``mse_z`` is how many standard errors this candidate's per-customer mean
    squared error lies above the best candidate's (0 for the best); ``bias_z`` how many
    standard errors its total holdout prediction lies off the actual total (signed);
    ``aggregate_z`` how many standard errors of the total its miss exceeds the smallest miss
    (0 for the closest total). ``verdict`` is what the rule made of it (:data:`Verdict`).
    """

    model: TransactionModelName
    status: Literal["ok", "fit_failed"]
    params: Mapping[str, float]
    log_likelihood: float
    bic: float
    holdout_rmse: float
    holdout_mae: float
    predicted_total: float
    actual_total: float
    mse_z: float = math.nan
    bias_z: float = math.nan
    aggregate_z: float = math.nan
    caveat: AliveCaveat | None = None
    error: str | None = None
    verdict: Verdict | None = None

    @property
    def aggregate_error(self) -> float:
        """``(predicted - actual) / actual`` holdout purchases in total."""
        if not self.actual_total:
            return math.nan
        return (self.predicted_total - self.actual_total) / self.actual_total

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (``nan`` as ``None``)."""
        out = {
            k: _json(getattr(self, k))
            for k in (
                "status",
                "log_likelihood",
                "bic",
                "holdout_rmse",
                "holdout_mae",
                "predicted_total",
                "actual_total",
                "aggregate_error",
                "mse_z",
                "bias_z",
                "aggregate_z",
                "error",
                "verdict",
            )
        }
        return {
            "model": self.model.value,
            **out,
            "params": {k: _json(v) for k, v in self.params.items()},
            "caveat": None if self.caveat is None else self.caveat.to_dict(),
        }


@dataclass(frozen=True)
class ModelSelection:
    """The outcome of :func:`select_model`.

    Attributes
    ----------
    winner
        The chosen model's name.
    reason
        Which step of the rule decided (``"per_customer"``, ``"aggregate"``, ``"bic"`` or
        ``"only_candidate"``); :meth:`explain` says it in a sentence.
    candidates
        Every candidate's check, in the order given.
    model
        The winner, refitted on the whole period when ``full`` was given (else its
        calibration fit), ready for scoring.
    refitted
        Whether ``model`` was refitted on the whole period.
    caveat
        The implausible-P(alive) check of ``model`` on the data it scores.
    holdout_customers, holdout_duration
        Customers in the holdout check and the holdout length (data time units).
    time_unit
        Unit of the data's times.
    z_critical, bic_margin
        The rule's thresholds (:func:`select_model`).
    """

    winner: TransactionModelName
    reason: Reason
    candidates: tuple[CandidateCheck, ...]
    model: TransactionModel = field(repr=False)
    refitted: bool
    caveat: AliveCaveat | None
    holdout_customers: int
    holdout_duration: float
    time_unit: str
    z_critical: float = 2.0
    bic_margin: float = 2.0

    def check(self, name: TransactionModelName | str) -> CandidateCheck:
        """The check of one candidate."""
        key = TransactionModelName(name)
        for c in self.candidates:
            if c.model is key:
                return c
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary for a run manifest: every candidate, the winner and why, the
        refitted parameters and the caveat (the model itself is saved with its own
        ``save``)."""
        return {
            "winner": self.winner.value,
            "reason": self.reason,
            "explanation": self.explain(),
            "candidates": [c.to_dict() for c in self.candidates],
            "refitted": self.refitted,
            "params": {k: _json(v) for k, v in self.model.params_.items()},
            "log_likelihood": _json(self.model.log_likelihood_),
            "caveat": None if self.caveat is None else self.caveat.to_dict(),
            "holdout_customers": self.holdout_customers,
            "holdout_duration": self.holdout_duration,
            "time_unit": self.time_unit,
            "z_critical": self.z_critical,
            "bic_margin": self.bic_margin,
        }

    def explain(self) -> str:
        """One sentence: which model won and on what."""
        win = self.check(self.winner)
        label = self.winner.label
        if self.reason == "only_candidate":
            return f"{label} was the only candidate that could be fitted."
        why = {
            "per_customer": "the only per-customer holdout error not worse than the best",
            "aggregate": "the only holdout total not clearly further from the actual total than "
            "the closest",
            "bic": "the best calibration BIC among the candidates that passed the holdout check",
            "plausibility": "a calibration BIC as good as the best (within 2) without the best's "
            "implausible P(alive) for one-time buyers",
        }[self.reason]
        return (
            f"{label} chosen on {why} (holdout RMSE {win.holdout_rmse:.3f} purchases per "
            f"customer, total {win.predicted_total:,.0f} predicted vs {win.actual_total:,.0f} "
            "actual)."
        )


def _json(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, np.floating | np.integer):
        return _json(value.item())
    return value


def alive_caveat(
    model: TransactionModel,
    data: Frame,
    *,
    gap_multiple: float = 3.0,
    alive_threshold: float = 0.9,
    label: str | None = None,
) -> AliveCaveat:
    """Count one-time buyers long inactive by their base's rhythm whom ``model`` calls alive.

    Parameters
    ----------
    model
        A fitted transaction model.
    data
        ``frequency, recency, T`` of the customers it scores.
    gap_multiple, alive_threshold
        See :class:`AliveCaveat`.
    label
        The model's name in messages (default: its class name).
    """
    frame = as_pandas(data, ("frequency", "recency", "T"), what="alive_caveat")
    x, tx, T = (numeric(frame, c) for c in ("frequency", "recency", "T"))
    repeat = x > 0
    typical_gap = float(np.median(tx[repeat] / x[repeat])) if repeat.any() else math.nan
    one_time = x == 0
    long_inactive = one_time & (gap_multiple * typical_gap <= T) if repeat.any() else one_time
    alive = model._probability_alive(x[long_inactive], tx[long_inactive], T[long_inactive])
    return AliveCaveat(
        model=label or type(model).__name__,
        typical_gap=typical_gap,
        gap_multiple=gap_multiple,
        alive_threshold=alive_threshold,
        one_time_buyers=int(one_time.sum()),
        long_inactive=int(long_inactive.sum()),
        flagged=int((alive >= alive_threshold).sum()),
        mean_alive_long_inactive=float(alive.mean()) if len(alive) else None,
    )


def alive_caveat_flag(table: Any, caveat: AliveCaveat) -> Any:
    """Which rows of ``table`` the caveat counts, as an Ibis boolean expression.

    ``table`` has ``frequency``, ``T`` (in the caveat's time unit) and ``probability_alive``;
    a row is flagged when it is a one-time buyer (``T > 0``) long inactive by the caveat's
    rhythm with P(alive) at least the caveat's threshold — the condition
    :func:`alive_caveat` counts, so the flags of the customers it checked add up to
    ``caveat.flagged``.
    """
    long_inactive = table["T"] > 0
    if math.isfinite(caveat.typical_gap):
        long_inactive = long_inactive & (table["T"] >= caveat.gap_multiple * caveat.typical_gap)
    return (
        (table["frequency"] == 0)
        & long_inactive
        & (table["probability_alive"] >= caveat.alive_threshold)
    )


_SPLIT_COLUMNS = ("frequency_cal", "recency_cal", "T_cal", "frequency_holdout", "duration_holdout")


def select_model(
    split: Frame,
    full: Frame | None = None,
    *,
    candidates: Sequence[TransactionModelName | str] = DEFAULT_CANDIDATES,
    time_unit: TimeUnit | str | None = None,
    z_critical: float = 2.0,
    bic_margin: float = 2.0,
    gap_multiple: float = 3.0,
    alive_threshold: float = 0.9,
) -> ModelSelection:
    """Fit the candidates on a calibration period and choose one by the holdout check.

    Parameters
    ----------
    split
        Output of :func:`~loyalloop.clv.calibration_and_holdout` (pandas or Ibis):
        ``frequency_cal, recency_cal, T_cal, frequency_holdout, duration_holdout``.
        Customers with ``T_cal = 0`` are left out of the fit and the check.
    full
        ``frequency, recency, T`` over the whole period (calibration + holdout), on which
        the winner is refitted for scoring; without it the calibration fit is returned.
        Customers with ``T = 0`` are left out of the refit.
    candidates
        Models to compare (default: BG/NBD, MBG/NBD, Pareto/NBD).
    time_unit
        Unit of the data's times, stored with the models.
    z_critical
        How many standard errors make a holdout difference real (steps 1 and 2 of the rule
        in the module docstring).
    bic_margin
        BIC difference within which a plausible candidate beats an implausible one (step 4).
    gap_multiple, alive_threshold
        Of the implausible-P(alive) check (:func:`alive_caveat`).

    Raises
    ------
    ModelError
        When no candidate can be fitted.
    DataValidationError
        On a split without holdout columns, with holdouts of different lengths, or without
        a repeat purchase in the holdout period.
    """
    names = [TransactionModelName(c) for c in candidates]
    if not names:
        raise DataValidationError("select_model needs at least one candidate")
    frame = as_pandas(split, _SPLIT_COLUMNS, what="select_model")
    durations = np.unique(numeric(frame, "duration_holdout"))
    if len(durations) != 1:
        raise DataValidationError("duration_holdout must be the same for all customers")
    duration = float(durations[0])
    cal = pd.DataFrame(
        {
            "frequency": numeric(frame, "frequency_cal"),
            "recency": numeric(frame, "recency_cal"),
            "T": numeric(frame, "T_cal"),
        }
    )
    actual = numeric(frame, "frequency_holdout")
    observed = cal["T"].to_numpy() > 0
    cal, actual = cal[observed].reset_index(drop=True), actual[observed]
    if not actual.sum() > 0:
        raise DataValidationError(
            "no customer of the calibration period bought in the holdout period: there is "
            "nothing to check the models' predictions against"
        )
    n = len(cal)
    checks: list[CandidateCheck] = []
    fitted: dict[TransactionModelName, TransactionModel] = {}
    errors: dict[TransactionModelName, np.ndarray] = {}
    for name in names:
        try:
            model = name.model_class().fit(cal, time_unit=time_unit)
        except ModelError as exc:
            log.info("%s could not be fitted on the calibration period: %s", name.label, exc)
            checks.append(_failed(name, str(exc)))
            continue
        fitted[name] = model
        predicted = model.expected_purchases(duration, cal).to_numpy()
        diff = predicted - actual
        errors[name] = diff
        k = len(model.param_names)
        checks.append(
            CandidateCheck(
                model=name,
                status="ok",
                params=MappingProxyType(dict(model.params_)),
                log_likelihood=model.log_likelihood_,
                bic=k * math.log(n) - 2.0 * model.log_likelihood_,
                holdout_rmse=float(np.sqrt(np.mean(diff**2))),
                holdout_mae=float(np.mean(np.abs(diff))),
                predicted_total=float(predicted.sum()),
                actual_total=float(actual.sum()),
                bias_z=_z(diff),
                caveat=alive_caveat(
                    model,
                    cal,
                    gap_multiple=gap_multiple,
                    alive_threshold=alive_threshold,
                    label=name.label,
                ),
            )
        )
    ok = [c for c in checks if c.status == "ok"]
    if not ok:
        raise ModelError(
            "no CLV model could be fitted on the calibration period: "
            + "; ".join(f"{c.model.label}: {c.error}" for c in checks)
        )
    ok = _with_mse_z(ok, errors)
    checks = [next((o for o in ok if o.model is c.model), c) for c in checks]
    winner, reason, verdicts = _choose(ok, z_critical, bic_margin)
    checks = [replace(c, verdict=verdicts[c.model]) if c.model in verdicts else c for c in checks]
    model = fitted[winner]
    refitted = False
    scored: Frame = cal
    if full is not None:
        whole = as_pandas(full, ("frequency", "recency", "T"), what="select_model (full)")
        whole = whole[numeric(whole, "T") > 0]
        model = winner.model_class().fit(whole, time_unit=time_unit)
        refitted, scored = True, whole
    caveat = alive_caveat(
        model,
        scored,
        gap_multiple=gap_multiple,
        alive_threshold=alive_threshold,
        label=winner.label,
    )
    return ModelSelection(
        winner=winner,
        reason=reason,
        candidates=tuple(checks),
        model=model,
        refitted=refitted,
        caveat=caveat,
        holdout_customers=n,
        holdout_duration=duration,
        time_unit=model.data_period_.time_unit,
        z_critical=z_critical,
        bic_margin=bic_margin,
    )


def _failed(name: TransactionModelName, error: str) -> CandidateCheck:
    nan = math.nan
    return CandidateCheck(
        model=name,
        status="fit_failed",
        params=MappingProxyType({}),
        log_likelihood=nan,
        bic=nan,
        holdout_rmse=nan,
        holdout_mae=nan,
        predicted_total=nan,
        actual_total=nan,
        error=error,
        verdict="fit_failed",
    )


def _z(values: np.ndarray) -> float:
    """Mean over its standard error (0 when the values do not vary)."""
    sd = float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
    mean = float(np.mean(values)) if len(values) else 0.0
    if sd == 0.0:
        return 0.0 if mean == 0.0 else math.copysign(math.inf, mean)
    return mean / (sd / math.sqrt(len(values)))


def _with_mse_z(
    ok: list[CandidateCheck], errors: Mapping[TransactionModelName, np.ndarray]
) -> list[CandidateCheck]:
    """Each candidate's paired z of squared errors against the best candidate's, and how far
    its total misses beyond the closest total, in standard errors of the total."""
    best = min(ok, key=lambda c: c.holdout_rmse)
    base = errors[best.model] ** 2
    closest = min(ok, key=lambda c: abs(float(errors[c.model].sum())))
    e = errors[closest.model]
    se_total = float(np.std(e, ddof=1)) * math.sqrt(len(e)) if len(e) > 1 else 0.0
    miss = abs(float(e.sum()))

    def gap(c: CandidateCheck) -> float:
        extra = abs(float(errors[c.model].sum())) - miss
        if se_total == 0.0:
            return 0.0 if extra == 0.0 else math.inf
        return extra / se_total

    return [replace(c, mse_z=_z(errors[c.model] ** 2 - base), aggregate_z=gap(c)) for c in ok]


def _choose(
    ok: list[CandidateCheck], z_critical: float, bic_margin: float
) -> tuple[TransactionModelName, Reason, dict[TransactionModelName, Verdict]]:
    """The winner, the step that decided, and what the rule made of every fitted candidate."""
    verdicts: dict[TransactionModelName, Verdict] = {}
    if len(ok) == 1:
        return ok[0].model, "only_candidate", {ok[0].model: "chosen"}
    stay = [c for c in ok if c.mse_z <= z_critical]
    verdicts.update({c.model: "worse_per_customer" for c in ok if c.mse_z > z_critical})
    if len(stay) == 1:
        return stay[0].model, "per_customer", {**verdicts, stay[0].model: "chosen"}
    # The closest total may belong to a candidate dropped at step 1; when every candidate
    # left then misses by more, step 2 cannot separate them and the likelihood decides.
    close = [c for c in stay if c.aggregate_z <= z_critical] or stay
    kept = {c.model for c in close}
    verdicts.update({c.model: "worse_total" for c in stay if c.model not in kept})
    if len(close) == 1:
        return close[0].model, "aggregate", {**verdicts, close[0].model: "chosen"}
    pool = sorted(close, key=lambda c: c.bic)
    verdicts.update({c.model: "higher_bic" for c in pool})
    best = pool[0]
    if best.caveat is not None and best.caveat.implausible:
        plausible = [
            c
            for c in pool[1:]
            if c.bic - best.bic <= bic_margin and not (c.caveat and c.caveat.implausible)
        ]
        if plausible:
            verdicts[best.model] = "implausible_alive"
            return plausible[0].model, "plausibility", {**verdicts, plausible[0].model: "chosen"}
    return best.model, "bic", {**verdicts, best.model: "chosen"}


def purchase_days(
    transactions: Frame,
    *,
    timestamp: str = "timestamp",
    amount: str | None = "amount",
) -> Any:
    """Purchases only, each timestamp truncated to its day (an Ibis table).

    Purchases are the rows with ``kind == "purchase"`` when the table has ``kind``, else with
    ``amount > 0``. Truncating to the day makes every comparison with a calibration or
    observation end a comparison of days: a purchase at noon of the last day is in the data.
    """
    from loyalloop.clv.holdout import _as_table

    table = _as_table(transactions)
    if "kind" in table.columns:
        table = table.filter(table["kind"] == "purchase")
    elif amount is not None:
        table = table.filter(table[amount] > 0)
    return table.mutate(**{timestamp: table[timestamp].cast("date").cast("timestamp")})


def holdout_split(
    purchases: Frame,
    *,
    observation_end: dt.date | dt.datetime | str,
    holdout: float,
    time_unit: TimeUnit | str = TimeUnit.WEEKS,
    customer_id: str = "customer_id",
    timestamp: str = "timestamp",
) -> pd.DataFrame:
    """The calibration/holdout split of :func:`select_model`: the last ``holdout`` time units
    up to ``observation_end`` (a day, inclusive) are the holdout.

    ``purchases`` as :func:`purchase_days` returns them; purchases merge by day, recency and
    ``T`` in ``time_unit``.
    """
    from loyalloop.clv.holdout import calibration_and_holdout

    unit = TimeUnit.parse(time_unit)
    if not holdout > 0:
        raise DataValidationError("the holdout period must be longer than 0")
    end = pd.Timestamp(observation_end).normalize()
    calibration_end = end - pd.Timedelta(days=round(holdout * unit.days))
    return calibration_and_holdout(
        purchases,
        calibration_end,
        end,
        customer_id=customer_id,
        timestamp=timestamp,
        freq_multiplier=unit.days,
    )


def select_model_from_transactions(
    transactions: Frame,
    *,
    observation_end: dt.date | dt.datetime | str,
    holdout: float,
    time_unit: TimeUnit | str = TimeUnit.WEEKS,
    customer_id: str = "customer_id",
    timestamp: str = "timestamp",
    amount: str | None = "amount",
    candidates: Sequence[TransactionModelName | str] = DEFAULT_CANDIDATES,
    **rule: float,
) -> ModelSelection:
    """:func:`select_model` on transactions: the last ``holdout`` time units are the holdout.

    Purchases only (:func:`purchase_days`), merged by day as in
    :func:`~loyalloop.insight.rfm.rfm_summary`; recency and ``T`` in ``time_unit``. The winner
    is refitted on the whole period up to ``observation_end``.

    Parameters
    ----------
    transactions
        pandas DataFrame or Ibis table.
    observation_end
        Last day of the data (inclusive).
    holdout
        Length of the holdout period in ``time_unit`` (e.g. 26 weeks).
    rule
        ``z_critical``, ``bic_margin``, ``gap_multiple``, ``alive_threshold`` of
        :func:`select_model`.
    """
    from loyalloop.clv.holdout import summary_from_transactions

    unit = TimeUnit.parse(time_unit)
    table = purchase_days(transactions, timestamp=timestamp, amount=amount)
    split = holdout_split(
        table,
        observation_end=observation_end,
        holdout=holdout,
        time_unit=unit,
        customer_id=customer_id,
        timestamp=timestamp,
    )
    full = summary_from_transactions(
        table,
        observation_end=pd.Timestamp(observation_end).normalize(),
        customer_id=customer_id,
        timestamp=timestamp,
        freq_multiplier=unit.days,
    )
    return select_model(split, full, candidates=candidates, time_unit=unit, **rule)
