"""The repeat-purchase model a run scores with: chosen by the holdout check, set by the user,
or BG/NBD when the data cannot support a check.

:func:`choose_model` is what the pipeline's ``clv`` stage calls. With ``model="auto"`` the last
``holdout`` time units before the observation end are held out and :func:`select_model`
chooses among BG/NBD, MBG/NBD and Pareto/NBD (its rule is in :mod:`loyalloop.clv.selection`);
the winner is refitted on the whole period. The check is not made, and BG/NBD — the model the
run used before there was a choice — is fitted on the whole period instead, when

``short_history``
    the calibration period (from the first purchase to the start of the holdout) is shorter
    than the holdout: the models would be checked on a horizon longer than the one they were
    fitted on (Fader, Hardie & Lee's CDNOW check uses 39 + 39 weeks), so a year of purchases
    is needed for the default 26-week holdout;
``no_holdout_purchases``
    no customer of the calibration period bought again in the holdout: nothing to compare the
    predictions with;
``no_candidate_fitted``
    no candidate can be fitted on the calibration period (e.g. no repeat buyer yet).

A model named in ``model`` is fitted on the whole period without a check (``configured``).
Whichever model scores, :attr:`ModelChoice.caveat` is its implausible-P(alive) check on the
data it scores (:func:`~loyalloop.clv.selection.alive_caveat`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from loyalloop.clv._data import Frame, as_pandas, numeric
from loyalloop.clv.models.base import TransactionModel
from loyalloop.clv.selection import (
    DEFAULT_CANDIDATES,
    AliveCaveat,
    ModelSelection,
    TransactionModelName,
    alive_caveat,
    holdout_split,
    purchase_days,
    select_model,
)
from loyalloop.core.timeunits import TimeUnit
from loyalloop.errors import ConfigError, ModelError

__all__ = ["AUTO", "FALLBACK_MODEL", "ChoiceCode", "ModelChoice", "choose_model"]

log = logging.getLogger(__name__)

#: ``model`` value that asks for the holdout check.
AUTO = "auto"
#: The model fitted when the check cannot be made.
FALLBACK_MODEL = TransactionModelName.BG_NBD

#: How the scoring model was chosen: by the check (``selected``), by the user
#: (``configured``), or BG/NBD because the check could not be made (the other three; see the
#: module docstring).
ChoiceCode = Literal[
    "selected", "configured", "short_history", "no_holdout_purchases", "no_candidate_fitted"
]


@dataclass(frozen=True)
class ModelChoice:
    """The outcome of :func:`choose_model`.

    Attributes
    ----------
    name
        The model that scores.
    how
        How it was chosen (:data:`ChoiceCode`).
    model
        That model, fitted on the whole period (customers with ``T > 0``).
    caveat
        Its implausible-P(alive) check on the whole period.
    selection
        The holdout check (``how == "selected"``), else ``None``.
    holdout
        Length of the holdout asked for (in ``time_unit``).
    history
        Time from the first purchase to the observation end (in ``time_unit``).
    time_unit
        Unit of ``holdout``, ``history`` and the model's times.
    note
        Why there was no check, in a sentence (empty when there was one, or when the model was
        configured).
    """

    name: TransactionModelName
    how: ChoiceCode
    model: TransactionModel = field(repr=False)
    caveat: AliveCaveat
    selection: ModelSelection | None
    holdout: float
    history: float
    time_unit: str
    note: str = ""

    @property
    def fell_back(self) -> bool:
        """Whether BG/NBD scores because the check could not be made."""
        return self.how not in ("selected", "configured")


def choose_model(
    transactions: Frame,
    *,
    observation_end: dt.date | dt.datetime | str,
    holdout: float,
    model: TransactionModelName | str = AUTO,
    full: Frame | None = None,
    time_unit: TimeUnit | str = TimeUnit.WEEKS,
    customer_id: str = "customer_id",
    timestamp: str = "timestamp",
    amount: str | None = "amount",
    candidates: Sequence[TransactionModelName | str] = DEFAULT_CANDIDATES,
    **rule: float,
) -> ModelChoice:
    """Choose and fit the repeat-purchase model for scoring (see the module docstring).

    Parameters
    ----------
    transactions
        pandas DataFrame or Ibis table of transactions (purchases are picked as in
        :func:`~loyalloop.clv.selection.purchase_days`).
    observation_end
        Last day of the data (inclusive).
    holdout
        Length of the holdout period in ``time_unit`` (e.g. 26 weeks).
    model
        ``"auto"`` for the holdout check, or the name of the model to use
        (``bg-nbd``, ``mbg-nbd``, ``pareto-nbd``).
    full
        ``frequency, recency, T`` over the whole period in ``time_unit``, as the caller will
        score it (default: :func:`~loyalloop.clv.summary_from_transactions` of the purchases).
        The model is fitted on its rows with ``T > 0``.
    rule
        ``z_critical``, ``bic_margin``, ``gap_multiple``, ``alive_threshold`` of
        :func:`~loyalloop.clv.select_model` (the last two also of the caveat).

    Raises
    ------
    ConfigError
        For an unknown model name.
    ModelError
        When the model that scores cannot be fitted on the whole period.
    """
    from loyalloop.clv.holdout import summary_from_transactions

    unit = TimeUnit.parse(time_unit)
    if not holdout > 0:
        raise ConfigError("the holdout period must be longer than 0")
    wanted = _model_name(model)
    end = pd.Timestamp(observation_end).normalize()
    purchases = purchase_days(transactions, timestamp=timestamp, amount=amount)
    if full is None:
        full = summary_from_transactions(
            purchases,
            observation_end=end,
            customer_id=customer_id,
            timestamp=timestamp,
            freq_multiplier=unit.days,
        )
    whole = as_pandas(full, ("frequency", "recency", "T"), what="choose_model (full)")
    whole = whole[numeric(whole, "T") > 0]
    history = _history(purchases, timestamp, end, unit)
    caveat_rule = {k: rule[k] for k in ("gap_multiple", "alive_threshold") if k in rule}
    common: dict[str, Any] = {
        "holdout": float(holdout),
        "history": history,
        "time_unit": unit.value,
    }

    def fitted(name: TransactionModelName, how: Any, note: str = "") -> ModelChoice:
        fit = name.model_class().fit(whole, time_unit=unit)
        caveat = alive_caveat(fit, whole, label=name.label, **caveat_rule)
        return ModelChoice(name, how, fit, caveat, None, note=note, **common)

    if wanted is not None:
        return fitted(wanted, "configured")
    calibration = history - holdout
    if calibration < holdout:
        note = (
            f"the purchase history ({history:.0f} {unit.value}) leaves a calibration period of "
            f"{max(calibration, 0.0):.0f} {unit.value} before the {holdout:g}-{unit.value} "
            f"holdout; the check needs one at least as long as the holdout"
        )
        log.info("no holdout check: %s; %s used", note, FALLBACK_MODEL.label)
        return fitted(FALLBACK_MODEL, "short_history", note)
    split = holdout_split(
        purchases,
        observation_end=end,
        holdout=holdout,
        time_unit=unit,
        customer_id=customer_id,
        timestamp=timestamp,
    )
    observed = numeric(split, "T_cal") > 0
    if not numeric(split, "frequency_holdout")[observed].sum() > 0:
        note = (
            f"no customer of the calibration period bought again in the last {holdout:g} "
            f"{unit.value}"
        )
        log.info("no holdout check: %s; %s used", note, FALLBACK_MODEL.label)
        return fitted(FALLBACK_MODEL, "no_holdout_purchases", note)
    try:
        selection = select_model(split, whole, candidates=candidates, time_unit=unit, **rule)
    except ModelError as exc:
        log.info("no holdout check: %s; %s used", exc, FALLBACK_MODEL.label)
        return fitted(FALLBACK_MODEL, "no_candidate_fitted", str(exc))
    assert selection.caveat is not None  # refitted on `whole`, so always checked
    return ModelChoice(
        selection.winner,
        "selected",
        selection.model,
        selection.caveat,
        selection,
        **common,
    )


def _model_name(model: TransactionModelName | str) -> TransactionModelName | None:
    if model == AUTO:
        return None
    try:
        return TransactionModelName(model)
    except ValueError:
        allowed = ", ".join([AUTO, *(m.value for m in TransactionModelName)])
        raise ConfigError(f"unknown CLV model {model!r} (allowed: {allowed})") from None


def _history(purchases: Any, timestamp: str, end: pd.Timestamp, unit: TimeUnit) -> float:
    """Time from the first purchase day to ``end`` (0 without purchases)."""
    first = purchases.aggregate(first=purchases[timestamp].min()).to_pandas()["first"].iloc[0]
    if first is None or pd.isna(first):
        return 0.0
    days = (end - pd.Timestamp(first).normalize()).days
    return max(days, 0) / unit.days
