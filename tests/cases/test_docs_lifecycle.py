"""docs/cases.md's lifecycle table is :data:`~loyalloop.cases.TRANSITIONS` with each status's
code and its names (``code_names``: the words the CLI and the pages print), so the page cannot
drift from the code or from the words people see."""

from __future__ import annotations

from pathlib import Path

from loyalloop.cases import TRANSITIONS, CaseStatus
from loyalloop.report.i18n import code_names

DOC = Path(__file__).parents[2] / "docs" / "cases.md"
ORDER = list(CaseStatus)


def _status(status: CaseStatus) -> str:
    en, zh = code_names()[f"case_status_{status.value}"]
    return f"`{status.value}` ({en} / {zh})"


def _reopens(frm: CaseStatus, to: CaseStatus) -> bool:
    return frm in (CaseStatus.RESOLVED, CaseStatus.CLOSED) and to is CaseStatus.IN_PROGRESS


def lifecycle_table() -> str:
    """The table as docs/cases.md shows it: forward changes in the statuses' order, then a
    reopening (marked)."""
    rows = ["| from | to |", "|---|---|"]
    for frm in ORDER:
        targets = sorted(TRANSITIONS[frm], key=lambda s: (_reopens(frm, s), ORDER.index(s)))
        cells = [_status(s) + (" — reopen 重新打开" if _reopens(frm, s) else "") for s in targets]
        rows.append(f"| {_status(frm)} | {', '.join(cells)} |")
    return "\n".join(rows)


def test_the_lifecycle_table_is_the_code_and_its_words() -> None:
    table = lifecycle_table()
    assert table in DOC.read_text(encoding="utf-8"), (
        "docs/cases.md's lifecycle table differs from TRANSITIONS and code_names(); "
        f"replace it with:\n\n{table}\n"
    )


def test_every_status_has_a_name_in_both_languages() -> None:
    names = code_names()
    for status in CaseStatus:
        en, zh = names[f"case_status_{status.value}"]
        assert en and zh and en != zh, status
