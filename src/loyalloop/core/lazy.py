"""A package's names imported on first use (:pep:`562`), so importing one module of a package
does not import what its other modules need (fast CLI start-up, a light worker process)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    namespace: dict[str, Any], where: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module-level ``__getattr__`` and ``__dir__`` of a package with lazy names.

    Parameters
    ----------
    namespace
        The package's ``globals()``; a name, once imported, is kept there (later look-ups are
        plain attribute reads). Its ``__all__`` is read by ``__dir__``.
    where
        Each lazy name and the module that defines it.

    Examples
    --------
    >>> __getattr__, __dir__ = lazy_exports(globals(), {"Settings": "loyalloop.core.config"})
    """

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {namespace['__name__']!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *namespace.get("__all__", ())})

    return __getattr__, __dir__
