"""Case, campaign and survey statuses are named in one table (report/i18n ``code_names``): the
commands and the staff pages show the same words for every status, in both languages."""

from __future__ import annotations

from enum import StrEnum

import pytest

from loyalloop.api.i18n import code_name as page_name
from loyalloop.cases import CaseStatus
from loyalloop.cli.talk import code_name as command_name
from loyalloop.report.i18n import code_names
from loyalloop.store.models.campaigns import CampaignStatus
from loyalloop.store.models.surveys import SurveyStatus

STATUSES: list[tuple[str, type[StrEnum]]] = [
    ("case_status_", CaseStatus),
    ("campaign_status_", CampaignStatus),
    ("survey_status_", SurveyStatus),
]


@pytest.mark.parametrize(("prefix", "enum"), STATUSES)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_status_has_one_name_shared_by_commands_and_pages(
    prefix: str, enum: type[StrEnum], lang: str
) -> None:
    names = code_names()
    for status in enum:
        key = f"{prefix}{status.value}"
        assert key in names, f"no name for {key}"
        word = names[key][1 if lang == "zh" else 0]
        assert page_name(prefix, status.value, lang) == word
        assert command_name(prefix, status.value, lang) == word  # type: ignore[arg-type]
        assert word != status.value or lang == "en"
    # no name for a status that does not exist
    extra = {k for k in names if k.startswith(prefix)} - {f"{prefix}{s.value}" for s in enum}
    assert not extra


def test_the_old_second_tables_are_gone() -> None:
    from loyalloop.api.i18n import TEXTS
    from loyalloop.report import i18n

    assert not [k for k in TEXTS if k.startswith("st_")]
    assert not [k for k in i18n._TEXT if k.startswith(("cli_cs_status_", "cli_cp_status_"))]
    assert not [k for k in i18n._TEXT if k.startswith("cli_sv_status_")]
