"""Settings from the environment, in one place.

=====================  ====================  ==================================================
setting                environment variable  default
=====================  ====================  ==================================================
home                   ``LOYALLOOP_HOME``    ``./loyalloop-data`` (CLI: ``--home`` overrides)
timezone               ``LOYALLOOP_TIMEZONE`` ``UTC`` — the business time zone timestamps are
                                             stored in (values with an offset are converted)
phone_region           ``LOYALLOOP_PHONE_REGION`` ``CN`` — region assumed for phone numbers
                                             written without a country code
lang                   ``LOYALLOOP_LANG``    ``en`` — the project's language: what the
                                             commands print for a manager (and the report)
                                             when no ``--lang`` is given: ``en`` or ``zh``
memory_limit           ``LOYALLOOP_MEMORY_LIMIT`` ``1GB`` — DuckDB's memory cap; it spills to
                                             disk beyond it
ingest_memory_limit    ``LOYALLOOP_INGEST_MEMORY_LIMIT`` ``256MB`` — DuckDB's cap while loading
                                             files (a 10M-row CSV: 0.67 GB peak instead of
                                             1.5 GB with 1GB; 128MB runs out of memory when
                                             re-checking 10M rows against 10M loaded ones).
                                             A load that still runs out retries once with
                                             ``memory_limit``.
lock_timeout           ``LOYALLOOP_LOCK_TIMEOUT`` ``60`` — seconds a command waits for another
                                             one that holds the project home (see
                                             :mod:`loyalloop.core.lock`)
engine                 ``LOYALLOOP_ENGINE``  ``duckdb`` — the engine a run's warehouse work runs
                                             on: ``duckdb`` or ``spark`` (``loyalloop run
                                             --engine`` overrides; docs/scale-out.md)
spark_master           ``LOYALLOOP_SPARK_MASTER`` ``local[*]`` — the Spark master URL
                                             (``spark://host:7077``, ``yarn``, ``k8s://…``)
spark_database         ``LOYALLOOP_SPARK_DATABASE`` empty — read the run's canonical tables
                                             from this Spark database (tables that already
                                             exist there) instead of copying them from the
                                             DuckDB warehouse
spark_conf             ``LOYALLOOP_SPARK_CONF`` empty — Spark settings for the run's session,
                                             ``key=value`` pairs separated by ``;`` or new
                                             lines (they override Loyalloop's local-mode
                                             defaults; docs/scale-out.md)
=====================  ====================  ==================================================
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

from loyalloop.errors import ConfigError

__all__ = ["Engine", "Settings"]


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:
        raise ConfigError(f"LOYALLOOP_LOCK_TIMEOUT={value!r} is not a number of seconds")
    return seconds


#: The languages the project speaks (the CLI's and the report's).
LANGS = ("en", "zh")


def _lang(value: str) -> str:
    lang = value.strip().lower()
    if lang not in LANGS:
        raise ConfigError(
            f"LOYALLOOP_LANG={value!r} is not a language of the project (choose {', '.join(LANGS)})"
        )
    return lang


class Engine(StrEnum):
    """The engine a run's warehouse work runs on."""

    DUCKDB = "duckdb"
    SPARK = "spark"


def _engine(value: str) -> Engine:
    try:
        return Engine(value.strip().lower())
    except ValueError:
        choices = ", ".join(e.value for e in Engine)
        msg = f"LOYALLOOP_ENGINE={value!r} is not an engine (choose {choices})"
        raise ConfigError(msg) from None


@dataclass(frozen=True)
class Settings:
    """Where the project lives and how its data is interpreted."""

    home: Path = field(default_factory=lambda: Path(_env("LOYALLOOP_HOME", "loyalloop-data")))
    timezone: str = field(default_factory=lambda: _env("LOYALLOOP_TIMEZONE", "UTC"))
    phone_region: str = field(default_factory=lambda: _env("LOYALLOOP_PHONE_REGION", "CN"))
    #: The project's language (``en`` or ``zh``): the one commands print in without ``--lang``.
    lang: str = field(default_factory=lambda: _env("LOYALLOOP_LANG", "en"))
    memory_limit: str = field(default_factory=lambda: _env("LOYALLOOP_MEMORY_LIMIT", "1GB"))
    ingest_memory_limit: str = field(
        default_factory=lambda: _env("LOYALLOOP_INGEST_MEMORY_LIMIT", "256MB")
    )
    lock_timeout: float = field(
        default_factory=lambda: _seconds(_env("LOYALLOOP_LOCK_TIMEOUT", "60"))
    )
    engine: Engine = field(default_factory=lambda: _engine(_env("LOYALLOOP_ENGINE", "duckdb")))
    spark_master: str = field(default_factory=lambda: _env("LOYALLOOP_SPARK_MASTER", "local[*]"))
    spark_database: str = field(default_factory=lambda: _env("LOYALLOOP_SPARK_DATABASE", ""))
    spark_conf: str = field(default_factory=lambda: _env("LOYALLOOP_SPARK_CONF", ""))

    def __post_init__(self) -> None:
        if not isinstance(self.engine, Engine):
            object.__setattr__(self, "engine", _engine(str(self.engine)))
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                f"LOYALLOOP_TIMEZONE={self.timezone!r} is not a known IANA time zone "
                "(e.g. UTC, Asia/Shanghai)"
            ) from None
        object.__setattr__(self, "lang", _lang(self.lang))
        if self.phone_region.upper() not in phonenumbers.SUPPORTED_REGIONS:
            raise ConfigError(
                f"LOYALLOOP_PHONE_REGION={self.phone_region!r} is not a known region code "
                "(e.g. CN, US, GB)"
            )

    def with_home(self, home: Path | str | None) -> Settings:
        """Return these settings with another home (``None`` keeps the current one)."""
        return self if home is None else replace(self, home=Path(home))

    @property
    def warehouse_path(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def runs_dir(self) -> Path:
        return self.home / "runs"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"
