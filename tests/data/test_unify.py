from __future__ import annotations

from pathlib import Path

from tests.conftest import write

from loyalloop.core import Warehouse
from loyalloop.data.ingest import ingest
from loyalloop.data.normalize import normalize_email, normalize_phone
from loyalloop.data.unify import build_profiles


def test_normalisers() -> None:
    assert normalize_email("  Li.Si@Example.COM ") == "li.si@example.com"
    assert normalize_email("not-an-email") is None
    assert normalize_phone("138 0013 8000", "CN") == "+8613800138000"
    assert normalize_phone("+86 138-0013-8000", "CN") == "+8613800138000"
    assert normalize_phone("(415) 555-2671", "US") == "+14155552671"
    assert normalize_phone("12345", "CN") is None


def test_profiles_transitive_with_most_restrictive_consent(wh: Warehouse, tmp_path: Path) -> None:
    text = (
        "customer_id,created_at,name,email,phone,consent_email,consent_sms,consent_phone\n"
        "C3,2024-01-03,Li,li@x.cn,,yes,yes,yes\n"
        "C1,2024-01-05,Li Si,LI@X.CN ,13800138000,yes,no,yes\n"  # same e-mail as C3
        "C7,2024-01-01,Si,,+86 138 0013 8000,,yes,yes\n"  # same phone as C1 → same person
        "C2,2024-01-02,Wang,wang@x.cn,13900139000,yes,yes,yes\n"  # alone
        "C9,2024-01-09,Zhao,,,no,no,no\n"  # no keys: alone
    )
    ingest(wh, "customers", [write(tmp_path / "c.csv", text)])
    id_map, profiles = build_profiles(wh.ibis, wh.table("customers"))
    mapping = dict(id_map.execute().values)
    assert mapping == {"C1": "C1", "C3": "C1", "C7": "C1", "C2": "C2", "C9": "C9"}
    p = profiles.execute().set_index("profile_id")
    assert p.loc["C1", "records"] == 3
    # attributes from the earliest record (C7, created 2024-01-01)
    assert p.loc["C1", "name"] == "Si"
    # consent: e-mail unknown on C7 → unknown; sms refused on C1 → refused; phone all yes
    assert p.loc["C1", "consent_email"] is None
    assert bool(p.loc["C1", "consent_sms"]) is False
    assert bool(p.loc["C1", "consent_phone"]) is True
    assert bool(p.loc["C9", "consent_email"]) is False
    assert len(p) == 3
