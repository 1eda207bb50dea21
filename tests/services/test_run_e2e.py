"""The loop end to end from the command line: sample → survey (NPS + KANO) → personal links →
answers → `loyalloop run` syncs them and the report shows them."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from loyalloop.api import create_app
from loyalloop.core.config import Settings
from loyalloop.core.service_settings import load_service_settings
from loyalloop.pipeline import RunStore
from loyalloop.report.html import render_report

SURVEY = """\
key: card-q4
title: {zh: 信用卡季度调查, en: Card survey}
questions:
  - id: nps
    type: nps
    text: {zh: 您有多大可能推荐我们的信用卡？, en: "How likely are you to recommend our card?"}
  - id: why
    type: text
    about: nps
    text: {zh: 主要原因？, en: "Main reason?"}
  - id: lounge
    type: kano
    text: {zh: 权益, en: Benefits}
    features:
      - {id: airport, text: {zh: 机场贵宾厅, en: Airport lounge}}
"""


def cli(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LOYALLOOP_HOME": str(home), "LOYALLOOP_ENV": "local"}
    proc = subprocess.run(
        [sys.executable, "-m", "loyalloop", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


@pytest.mark.slow
def test_answers_reach_the_next_runs_report(tmp_path: Path) -> None:
    home = tmp_path / "home"
    cli(home, "sample", "--customers", "300", "--json")
    spec = tmp_path / "survey.yaml"
    spec.write_text(SURVEY, encoding="utf-8")
    created = json.loads(cli(home, "surveys", "create", str(spec), "--publish", "--json").stdout)
    ids = tmp_path / "customers.csv"
    ids.write_text("customer_id\n" + "".join(f"C{i:07d}\n" for i in range(1, 13)), encoding="utf-8")
    cli(
        home,
        "surveys",
        "invite",
        str(created["id"]),
        "--customers",
        str(ids),
        "--out",
        str(tmp_path / "links.csv"),
    )
    with (tmp_path / "links.csv").open(encoding="utf-8") as fh:
        links = [row["link"].split("/r/")[1] for row in csv.DictReader(fh)]
    assert len(links) == 12

    # customers answer through their links (the server the browser test drives)
    app = create_app(load_service_settings(home, env="local"), Settings(home=home))
    client = TestClient(app)
    comment = "年费太贵了，<b>希望减免</b>"
    for i, token in enumerate(links):
        answers = {
            "nps": i % 11,
            "why": comment if i % 11 <= 6 else "服务很好",
            "lounge": {
                "airport": {
                    "functional": "like",
                    "dysfunctional": "neutral" if i % 2 else "dislike",
                }
            },
        }
        assert client.post(f"/r/{token}", json={"answers": answers}).status_code == 201
    assert app.state.response_hooks.wait_idle(30)  # the case worker is done with them

    # the data feed is current: a purchase today, so a run up to today is within the data
    # (a run after the last transaction is refused: every customer would look lapsed)
    today = datetime.now(UTC).date().isoformat()
    fresh = tmp_path / "today.csv"
    fresh.write_text(
        f"transaction_id,customer_id,timestamp,amount\nT-today-1,C0000001,{today}T10:00:00,88.00\n",
        encoding="utf-8",
    )
    cli(home, "ingest", "transactions", str(fresh))
    ran = cli(home, "run", "--as-of", today)
    assert "sync: 12 responses" in ran.stdout and "feedback 12 loaded" in ran.stdout
    assert "kano_answers 12 loaded" in ran.stdout
    run = RunStore(home / "runs").get(None)
    kano = run.read("kano").to_pandas().set_index("feature")
    assert kano.loc["机场贵宾厅", "n"] == 12
    analysed = run.read("feedback_analysis").to_pandas()
    survey_rows = analysed[analysed["feedback_id"].str.startswith("svy-")]
    assert len(survey_rows) == 12
    detractors = survey_rows[survey_rows["score"] <= 6]
    assert len(detractors) == 8 and set(detractors["sentiment"]) == {"negative"}
    html = render_report(run, "zh")
    assert "机场贵宾厅" in html
    again = cli(home, "sync")
    assert "sync: 0 responses" in again.stdout  # exactly once
