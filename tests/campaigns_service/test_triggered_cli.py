"""A triggered campaign end to end through the commands a CRM analyst types: ``campaigns
create`` + ``launch`` evaluate the trigger on the latest run, and the next ``loyalloop run``
evaluates it again through its hook — customers who lapsed since enter, nobody enters twice
within the cool-down, and the run says how many entered."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from loyalloop.cli.main import main
from loyalloop.core import Settings
from loyalloop.core.service_settings import load_service_settings
from loyalloop.services import open_store
from loyalloop.store.models import Campaign, CampaignAssignment, CampaignEntry, OutboxMessage

pytestmark = pytest.mark.slow

SPEC = """\
name: lapse-e2e
goal: win-back
channel: email
holdout_share: 0.2
arms:
  - {name: message, share: 1.0, template: plain}
window_days: 30
budget: 100000
contact_cost: 0.05
cooldown_days: 365
trigger: {kind: lapse, gap_multiple: 3, min_days: 30}
templates:
  plain:
    channel: email
    subject: {zh: 好久不见, en: We miss you}
    body: {zh: "{{ customer.name }}您好", en: "Hello {{ customer.name }}"}
"""


def test_run_hook_enters_the_newly_lapsed_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    cli = ["--home", str(home)]
    assert main([*cli, "sample", "--customers", "400", "--json"]) == 0
    # run 1 is five months before the data ends: fewer customers have lapsed by then
    assert main([*cli, "run", "--as-of", "2026-01-31", "--json"]) == 0
    spec = tmp_path / "lapse.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    assert main([*cli, "campaigns", "create", str(spec)]) == 0
    assert main([*cli, "campaigns", "launch", "lapse-e2e"]) == 0
    capsys.readouterr()
    assert main([*cli, "run"]) == 0
    said = capsys.readouterr().out
    m = re.search(r"triggered campaigns on run 2: lapse-e2e (\d+) entered / (\d+) queued", said)
    assert m, said

    settings = Settings(home=home)
    store = open_store(load_service_settings(home, timezone=settings.timezone), settings)
    try:
        with store.session() as s:
            entries = s.execute(
                sa.select(CampaignEntry.customer_id, CampaignEntry.run_number, CampaignEntry.arm)
            ).all()
            assigned = s.scalar(sa.select(sa.func.count()).select_from(CampaignAssignment))
            queued = s.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
            campaign = s.scalar(sa.select(Campaign).where(Campaign.name == "lapse-e2e"))
            assert campaign is not None and campaign.status == "launched"
    finally:
        store.close()
    per_run = Counter(run for _, run, _ in entries)
    # both evaluations entered customers: at launch on run 1, by the run's hook on run 2
    assert per_run[1] > 0 and per_run[2] == int(m.group(1)) > 0
    # within the cool-down nobody enters twice, and every entry is one assignment
    assert max(Counter(c for c, _, _ in entries).values()) == 1
    assert assigned == len(entries)
    # only the treated are queued (holdout and global control are not contacted)
    treated = sum(1 for *_, arm in entries if arm not in ("holdout", "global_control"))
    assert queued == treated and int(m.group(2)) <= queued
    # a third run on the same data enters nobody: everyone who lapsed is in the cool-down
    assert main([*cli, "run", "--json"]) == 0
    store = open_store(load_service_settings(home, timezone=settings.timezone), settings)
    try:
        with store.session() as s:
            again = s.scalar(sa.select(sa.func.count()).select_from(CampaignEntry))
    finally:
        store.close()
    assert again == len(entries)
