"""The report's "Staff named" rows: a staff number says it is one ("工号 1664" / "staff no.
1664"), a name is shown as written, both escaped (customer text)."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from loyalloop.report.feedback_section import feedback_signals_section


class _SignalsRun:
    """What the signals section reads of a run: its ``feedback_signals`` table."""

    def __init__(self, table: pa.Table) -> None:
        self._table = table

    def has_table(self, name: str) -> bool:
        return name == "feedback_signals"

    def read(self, name: str) -> pa.Table:
        assert name == "feedback_signals"
        return self._table


@pytest.mark.parametrize(("lang", "shown"), [("en", "staff no. 1664"), ("zh", "工号 1664")])
def test_staff_numbers_are_shown_as_staff_numbers(lang: str, shown: str) -> None:
    frame = pd.DataFrame(
        [("staff", "Grace", 11, 0.01, 0.0), ("staff", "1664", 1, 0.001, 1.0),
         ("staff", "<b>王经理</b>", 1, 0.001, 0.0), ("branch", "2046", 1, 0.001, 0.0)],
        columns=["kind", "name", "comments", "share", "share_negative"],
    )  # fmt: skip
    section = feedback_signals_section(_SignalsRun(pa.Table.from_pandas(frame)), lang)  # type: ignore[arg-type]
    assert section is not None
    page = str(section.body)
    assert f"<td>{shown}</td>" in page and "<td>1664</td>" not in page
    assert "<td>Grace</td>" in page
    assert "&lt;b&gt;王经理&lt;/b&gt;" in page and "<b>" not in page
    assert ">2046</td>" in page  # only staff get the staff-number words
