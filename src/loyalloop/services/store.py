"""The open operational store: engine, session factory and the settings that go with them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from loyalloop.core.config import Settings
from loyalloop.core.service_settings import ServiceSettings
from loyalloop.errors import ConfigError, RunFormatError
from loyalloop.store import current, head, make_engine, make_session_factory, upgrade

__all__ = ["Store", "open_store"]

log = logging.getLogger(__name__)


@dataclass
class Store:
    """What every service function needs: sessions on the store and the settings."""

    settings: ServiceSettings
    analytics: Settings
    engine: sa.Engine
    sessions: sessionmaker[Session]
    #: Called by :meth:`close` before the engine goes (a web app's case worker finishes).
    on_close: list[Callable[[], None]] = field(default_factory=list, repr=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session; write use cases commit it themselves (one transaction each)."""
        with self.sessions() as s:
            yield s

    def close(self) -> None:
        while self.on_close:
            self.on_close.pop()()
        self.engine.dispose()


def _project_currency(analytics: Settings) -> str | None:
    """The project's currency for a migration; a latest run this version cannot read (another
    manifest format) leaves it unknown (``NULL``, set at the campaign's next launch) rather than
    keeping the store from opening."""
    from loyalloop.services.cases import project_currency

    try:
        return project_currency(analytics)
    except RunFormatError as exc:
        log.warning("project currency not known for the store's migration: %s", exc)
        return None


def open_store(
    settings: ServiceSettings, analytics: Settings | None = None, *, migrate: bool = True
) -> Store:
    """Open the store; with ``migrate`` bring it to the newest schema first, otherwise
    refuse a store that is not at the newest schema (``loyalloop db upgrade``)."""
    engine = make_engine(settings.store_url)
    analytics = analytics or Settings(home=settings.home, timezone=settings.timezone)
    try:
        if migrate:
            if current(engine) != head():  # 0011 gives older campaigns the project's currency
                upgrade(engine, project_currency=_project_currency(analytics))
        elif current(engine) != head():
            raise ConfigError(
                f"the operational store is at revision {current(engine)}, this version needs "
                f"{head()}: run `loyalloop db upgrade`"
            )
    except sa.exc.OperationalError as exc:
        engine.dispose()
        raise ConfigError(f"cannot open the operational store: {exc.orig}") from None
    return Store(settings, analytics, engine, make_session_factory(engine))
