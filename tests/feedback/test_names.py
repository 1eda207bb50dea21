"""Aspect names from a run's ``aspect_summary``: the one lookup every page and report uses."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from loyalloop.feedback.names import aspect_label, aspect_names


@dataclass
class _Run:
    table: pa.Table | None

    @property
    def tables(self) -> list[str]:
        return [] if self.table is None else ["aspect_summary"]

    def read(self, name: str) -> pa.Table:
        assert self.table is not None
        return self.table


def test_names_in_both_languages_and_readable_fallbacks() -> None:
    table = pa.table(
        {
            "aspect": ["annual_fee", "interest", None],
            "label": ["Annual fee", None, "x"],
            "label_zh": ["年费", "利息", "y"],
            "mentions": [3, 2, 1],
        }
    )
    names = aspect_names(_Run(table))  # type: ignore[arg-type]
    assert names == {"annual_fee": ("Annual fee", "年费"), "interest": ("", "利息")}
    assert aspect_label(names, "annual_fee", "zh") == "年费"
    assert aspect_label(names, "annual_fee", "en") == "Annual fee"
    # a missing English name and an unknown aspect fall back to the key, made readable
    assert aspect_label(names, "interest", "en") == "interest"
    assert aspect_label(names, "waiting_time", "zh") == "waiting time"


def test_no_table_or_old_table_gives_no_names() -> None:
    assert aspect_names(_Run(None)) == {}  # type: ignore[arg-type]
    old = pa.table({"aspect": ["fees"], "mentions": [1]})
    assert aspect_names(_Run(old)) == {}  # type: ignore[arg-type]
