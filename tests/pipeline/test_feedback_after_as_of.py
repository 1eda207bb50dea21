"""Feedback dated after the as-of day is left out of a run, and the run says how much.

The usual case: survey answers synced today into a warehouse whose transactions end earlier
(the bundled sample ends on 2026-06-30). ``loyalloop run`` takes the last transaction's day
as its as-of day, so the new answers were silently missing from its report.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import pytest
from tests.conftest import write
from tests.pipeline.test_runs import CUSTOMERS, FEEDBACK, TX

from loyalloop.core import Settings
from loyalloop.data.ingest import ingest
from loyalloop.data.schema import open_warehouse
from loyalloop.pipeline.run import feedback_after, run_pipeline

LATER = (
    "feedback_id,customer_id,timestamp,channel,score_type,score,text\n"
    "svy-1-nps,C1,2024-03-10T09:00:00,survey,nps,9,\n"  # the day after the last transaction
    "svy-2-nps,C2,2024-06-01T12:00:00,survey,nps,2,年费太贵了\n"
    "svy-3-nps,C3,2024-03-09T23:59:00,survey,nps,8,\n"  # on the as-of day: in the run
)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    s = Settings(home=tmp_path / "home", timezone="UTC")
    with open_warehouse(s) as wh:
        ingest(wh, "customers", [write(tmp_path / "c.csv", CUSTOMERS)])
        ingest(wh, "transactions", [write(tmp_path / "t.csv", TX)])
        ingest(wh, "feedback", [write(tmp_path / "f.csv", FEEDBACK)])
        ingest(wh, "feedback", [write(tmp_path / "later.csv", LATER)])
    return s


def test_feedback_after_counts_rows_after_the_day(settings: Settings) -> None:
    with open_warehouse(settings) as wh:
        assert feedback_after(wh, date(2024, 3, 9)) == 2
        assert feedback_after(wh, date(2024, 3, 10)) == 1
        assert feedback_after(wh, date(2024, 6, 1)) == 0


def test_the_run_says_what_it_leaves_out(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="loyalloop.pipeline.run"):
        run = run_pipeline(settings)
    assert run.manifest.as_of == date(2024, 3, 9)
    assert (
        "2 feedback row(s) are dated after the as-of day 2024-03-09 and are not in this run"
        in caplog.text
    )
