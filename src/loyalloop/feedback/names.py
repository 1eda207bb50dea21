"""The names a run gives its feedback aspects, in English and Chinese.

A run's ``aspect_summary`` table carries each aspect's key with its label in both languages
(``label``, ``label_zh``), taken from the taxonomy the run used. Every page, list and report
that shows an aspect reads its name here, so all of them say "Annual fee" / "年费" the way the
report does, not the key ``annual_fee``. Runs since session 16 also carry what each aspect
covers (``definition``, ``definition_zh``; empty when the taxonomy gives none).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from loyalloop.core.runs import Run

__all__ = ["aspect_definitions", "aspect_label", "aspect_names"]


def aspect_names(run: Run) -> dict[str, tuple[str, str]]:
    """Aspect key → (English name, Chinese name) from the run's ``aspect_summary``.

    Empty when the run has no such table (no feedback) or the table predates the labels; a
    missing name is ``""``.
    """
    if "aspect_summary" not in run.tables:
        return {}
    table = run.read("aspect_summary")
    if not {"aspect", "label", "label_zh"} <= set(table.column_names):
        return {}
    keys = table.column("aspect").to_pylist()
    en = table.column("label").to_pylist()
    zh = table.column("label_zh").to_pylist()
    return {str(k): (str(e or ""), str(z or "")) for k, e, z in zip(keys, en, zh, strict=True) if k}


def aspect_label(names: dict[str, tuple[str, str]], aspect: str, lang: str) -> str:
    """The aspect's name in ``lang`` (``"zh"`` or English), or its key made readable."""
    en, zh = names.get(aspect, ("", ""))
    label = zh if lang == "zh" else en
    return label or aspect.replace("_", " ")


def aspect_definitions(run: Run) -> dict[str, tuple[str, str]]:
    """Aspect key → (English, Chinese) definition from the run's ``aspect_summary``.

    Only aspects the taxonomy defines; empty for a run without feedback, a run from before
    the definitions, or a user's taxonomy without them.
    """
    if "aspect_summary" not in run.tables:
        return {}
    table = run.read("aspect_summary")
    if not {"aspect", "definition", "definition_zh"} <= set(table.column_names):
        return {}
    keys = table.column("aspect").to_pylist()
    en = table.column("definition").to_pylist()
    zh = table.column("definition_zh").to_pylist()
    return {
        str(k): (str(e or ""), str(z or ""))
        for k, e, z in zip(keys, en, zh, strict=True)
        if k and (e or z)
    }
