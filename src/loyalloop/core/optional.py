"""Optional parts: import a library that only one capability needs, or say which extra to install.

Loyalloop's extras (``pyproject.toml``, ``[project.optional-dependencies]``) hold what only one
capability needs; today ``spark`` (the Spark backend of the warehouse). A module that needs one
imports it through :func:`require` inside the function that uses it (never at module import),
so the rest of Loyalloop works without it and the user learns exactly what to install.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from loyalloop.errors import ConfigError

__all__ = ["install_hint", "require"]


def install_hint(extra: str) -> str:
    """The command that installs an extra."""
    return f"pip install 'loyalloop[{extra}]'"


def require(module: str, *, extra: str, feature: str) -> ModuleType:
    """Import ``module``, or fail naming the extra that provides it.

    Raises
    ------
    ConfigError
        ``"<feature> needs the <extra> extra: pip install 'loyalloop[<extra>]'"``.

    Examples
    --------
    >>> require("json", extra="none", feature="JSON").__name__
    'json'
    >>> try:
    ...     require("no_such_module_xyz", extra="spark", feature="the Spark backend")
    ... except ConfigError as exc:
    ...     print(exc)
    the Spark backend needs the spark extra: pip install 'loyalloop[spark]' (no module named ...)
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        missing = exc.name or module
        raise ConfigError(
            f"{feature} needs the {extra} extra: {install_hint(extra)} "
            f"(no module named {missing!r})"
        ) from None
