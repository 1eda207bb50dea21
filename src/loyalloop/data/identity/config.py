"""Settings of identity resolution (one frozen dataclass, defaults visible)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from loyalloop.errors import ConfigError

__all__ = ["IdentityConfig", "MatchMode"]


class MatchMode(StrEnum):
    """How records are matched.

    ``exact``
        Exact keys only: the same normalised e-mail or E.164 phone (the first cut).
    ``probabilistic``
        Exact keys, then a Fellegi-Sunter model (splink) on names, phones, e-mails, birth
        dates, cities, addresses and gender, trained without labels.
    """

    EXACT = "exact"
    PROBABILISTIC = "probabilistic"


@dataclass(frozen=True)
class IdentityConfig:
    """How identity resolution matches and merges customer records.

    Attributes
    ----------
    mode
        :class:`MatchMode` (default ``probabilistic``).
    match_weight
        Pairs whose match weight (log2 of the Bayes factor including the prior, splink's
        ``match_weight``) is at least this are merged, unless they conflict. 10 means odds of
        about 1000 to 1 that the two records are one person.
    review_weight
        Pairs with ``review_weight <= weight < match_weight`` are not merged; they are listed
        for clerical review.
    max_key_group
        An e-mail or phone shared by more records than this is treated as a placeholder
        (``13800000000``, ``noemail@bank.cn``): it neither merges records nor blocks pairs.
    max_name_group
        A pinyin name and birth date; birth date, city and gender; or pinyin name, city and
        birth year shared by more records than this gives no block (a common name in a big
        city, a placeholder birth date): the pairs of those blocks would grow with the square
        of the records. The records are still compared through their other blocks.
    u_max_pairs
        Random record pairs sampled to estimate the u probabilities.
    seed
        Seed of the random sampling (the model is reproducible for the same data).
    em_max_iterations
        Iterations of each expectation-maximisation session.
    birth_date_tolerance
        Birth dates conflict outright when both are known and differ by more than a typo:
        more than this many edits of ``YYYYMMDD`` and not a day/month swap.
    model_path
        A trained splink model (JSON) to use instead of training on this run's data; pins the
        weights so that profiles stay the same across runs on growing data.
    keep_apart_path
        The unmerge list (:mod:`loyalloop.data.identity.keep_apart`); missing file = empty list.
    """

    mode: MatchMode = MatchMode.PROBABILISTIC
    match_weight: float = 6.0
    review_weight: float = 0.0
    max_key_group: int = 10
    max_name_group: int = 20
    u_max_pairs: int = 300_000
    seed: int = 7
    em_max_iterations: int = 25
    birth_date_tolerance: int = 1
    model_path: Path | None = None
    keep_apart_path: Path | None = None

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "mode", MatchMode(self.mode))
        except ValueError:
            choices = ", ".join(m.value for m in MatchMode)
            raise ConfigError(
                f"identity.mode must be one of {choices}, got {self.mode!r}"
            ) from None
        for name in ("match_weight", "review_weight"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise ConfigError(f"identity.{name} must be a finite number, got {v!r}")
        if self.review_weight > self.match_weight:
            raise ConfigError(
                f"identity.review_weight ({self.review_weight}) must not exceed "
                f"identity.match_weight ({self.match_weight})"
            )
        for name, lo in (
            ("max_key_group", 2),
            ("max_name_group", 2),
            ("u_max_pairs", 1000),
            ("seed", 0),
            ("em_max_iterations", 1),
            ("birth_date_tolerance", 0),
        ):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < lo:
                raise ConfigError(f"identity.{name} must be an integer >= {lo}, got {v!r}")
        for name in ("model_path", "keep_apart_path"):
            v = getattr(self, name)
            if v is not None and not isinstance(v, Path):
                object.__setattr__(self, name, Path(v))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready settings (for a run manifest)."""
        out = asdict(self)
        out["mode"] = self.mode.value
        for name in ("model_path", "keep_apart_path"):
            out[name] = None if out[name] is None else str(out[name])
        return out
