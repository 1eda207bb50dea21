from __future__ import annotations

from pathlib import Path

import pytest

from loyalloop.data.contracts import CONTRACTS, contract, contracts_markdown
from loyalloop.errors import ConfigError

DOCS = Path(__file__).parents[2] / "docs" / "data.md"


def test_docs_show_the_contracts_as_coded() -> None:
    assert contracts_markdown() in DOCS.read_text(encoding="utf-8")


def test_pii_marked_and_unknown_table() -> None:
    assert CONTRACTS["customers"].pii_columns == [
        "name",
        "email",
        "phone",
        "birth_date",
        "address",
        "email_normalized",
        "phone_e164",
    ]
    with pytest.raises(ConfigError, match="known tables: accounts"):
        contract("customer")
