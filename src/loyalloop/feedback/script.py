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

__all__ = ["data_text", "to_simplified"]


def data_text(name: str) -> str:
    """Text of a file shipped in ``loyalloop/feedback/data``."""
    return resources.files("loyalloop.feedback").joinpath("data", name).read_text("utf-8")


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
