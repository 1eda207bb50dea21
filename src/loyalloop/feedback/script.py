"""Chinese script handling shared by cleaning and tokenisation: traditional → simplified.

Traditional Chinese is mapped to simplified character by character with the table
``data/t2s.txt`` (derived from the MIT-licensed ``snownlp`` conversion table by
:mod:`loyalloop.feedback.train`), so one dictionary, one lexicon and one taxonomy serve both
scripts. This module sits below :mod:`~loyalloop.feedback.clean` and
:mod:`~loyalloop.feedback.tokenize` (both import it; it imports neither).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

__all__ = ["data_text", "load_shipped_yaml", "to_simplified"]


def data_text(name: str) -> str:
    """Text of a file shipped in ``loyalloop/feedback/data``."""
    return resources.files("loyalloop.feedback").joinpath("data", name).read_text("utf-8")


def load_shipped_yaml(text: str) -> Any:
    """``yaml.safe_load`` of a YAML file shipped in the package, by libyaml's ``CSafeLoader``
    where PyYAML was built with it (the pure-Python loader otherwise).

    The same objects (``tests/feedback/test_speed_identity.py`` compares both loaders on every
    shipped file, types included) at a sixth of the CPU: 0.10 → 0.015 s of every process for
    the lexicon and the two taxonomies. Only for the shipped files; user files keep
    ``yaml.safe_load``.
    """
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@lru_cache(maxsize=1)
def _t2s_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for line in data_text("t2s.txt").splitlines():
        if line and not line.startswith("#"):
            trad, simp = line.split("\t")
            table[ord(trad)] = simp
    return table


def to_simplified(text: str) -> str:
    """Map traditional Chinese characters to simplified ones (other characters unchanged).

    Examples
    --------
    >>> to_simplified("年費太貴，服務態度很差")
    '年费太贵，服务态度很差'
    """
    return text.translate(_t2s_table())
