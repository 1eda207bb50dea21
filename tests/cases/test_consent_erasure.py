"""Consent records and their merge; the erasure plan and its registry."""

from __future__ import annotations

import datetime as dt

import pytest

from loyalloop.cases import (
    ConsentChange,
    ConsentChannel,
    ConsentRecord,
    ConsentSource,
    ConsentState,
    DataLocation,
    ErasureAction,
    ErasureSubject,
    IdKind,
    current_consent,
    default_pii_registry,
    load_pii_registry,
    merge_consent,
    plan_erasure,
)
from loyalloop.data.contracts import CONTRACTS
from loyalloop.errors import CaseRuleError, ConfigError, DataValidationError

E, SMS, PHONE = ConsentChannel.EMAIL, ConsentChannel.SMS, ConsentChannel.PHONE
G, R, U = ConsentState.GRANTED, ConsentState.REFUSED, ConsentState.UNKNOWN


def t(day: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(2025, 1, day, hour, tzinfo=dt.UTC)


def ch(
    channel: ConsentChannel, state: ConsentState, when: dt.datetime, source: ConsentSource
) -> ConsentChange:
    return ConsentChange("c1", channel, state, when, source)


def test_latest_change_wins_but_imports_cannot_undo_a_customers_no() -> None:
    changes = [
        ch(E, G, t(1), ConsentSource.IMPORT),
        ch(E, R, t(2), ConsentSource.UNSUBSCRIBE),
        ch(E, G, t(3), ConsentSource.IMPORT),  # ignored: the customer said no
        ch(SMS, R, t(1), ConsentSource.IMPORT),
        ch(SMS, G, t(2), ConsentSource.CUSTOMER),  # the customer's own yes undoes it
        ch(PHONE, G, t(5), ConsentSource.AGENT),
        ch(PHONE, R, t(5), ConsentSource.IMPORT),  # same instant: the refusal wins
    ]
    r = current_consent("c1", list(reversed(changes)))
    assert (r.state(E), r.state(SMS), r.state(PHONE)) == (R, G, R)
    assert r.channels[E].since == t(2) and r.channels[E].source is ConsentSource.UNSUBSCRIBE
    assert r.may_contact(SMS) and not r.may_contact(E)
    assert r.as_columns() == {"consent_email": False, "consent_sms": True, "consent_phone": False}
    # a later direct grant does undo the unsubscribe
    r2 = current_consent("c1", [*changes, ch(E, G, t(9), ConsentSource.CUSTOMER)])
    assert r2.state(E) is G


def test_unknown_is_not_consent_and_erasure_is_final() -> None:
    r = current_consent("c1", [])
    assert r.state(E) is U and not r.may_contact(E)
    erased = current_consent(
        "c1",
        [ch(E, G, t(1), ConsentSource.CUSTOMER), ch(E, R, t(2), ConsentSource.ERASURE),
         ch(E, G, t(3), ConsentSource.CUSTOMER)],
    )  # fmt: skip
    assert erased.state(E) is R and erased.channels[E].final
    with pytest.raises(DataValidationError, match="grants or refuses"):
        ConsentChange("c1", E, U, t(1), ConsentSource.AGENT)
    with pytest.raises(ConfigError, match="no time zone"):
        ConsentChange("c1", E, G, dt.datetime(2025, 1, 1), ConsentSource.AGENT)


def test_merge_keeps_the_most_restrictive() -> None:
    a = current_consent("a", [ConsentChange("a", E, G, t(5), ConsentSource.CUSTOMER),
                              ConsentChange("a", SMS, G, t(5), ConsentSource.CUSTOMER)])  # fmt: skip
    b = current_consent("b", [ConsentChange("b", E, R, t(1), ConsentSource.IMPORT)])
    m = merge_consent("p1", [a, b])
    assert m.state(E) is R  # refused beats granted, even an older refusal
    assert m.state(SMS) is U  # unknown on one record beats granted on the other
    assert m.state(PHONE) is U
    assert merge_consent("p1", []) == ConsentRecord("p1", {})


SUBJECT = ErasureSubject(
    customer_ids=frozenset({"C001", "C001-dup"}),
    profile_ids=frozenset({"P42"}),
    feedback_ids=frozenset({"F9"}),
    emails=frozenset({"wang.fang@example.com"}),
    phones=frozenset({"+8613800138000"}),
    names=frozenset({"王芳"}),
    texts=("年费太贵了，我要销卡",),
)


def test_registry_covers_every_pii_column_of_the_contracts() -> None:
    reg = default_pii_registry()
    for contract in CONTRACTS.values():
        entry = reg.find(DataLocation.WAREHOUSE, contract.name)
        assert entry is not None, f"{contract.name} is not in the PII registry"
        missing = set(contract.pii_columns) - set(entry.pii)
        assert not missing, f"{contract.name}: {missing} not redacted"
        if "customer_id" in contract.column_names:
            assert entry.key == "customer_id" or entry.action is ErasureAction.DELETE
    feedback = reg.find(DataLocation.WAREHOUSE, "feedback")
    assert feedback is not None and feedback.free_text == ("text",)


def test_plan_orders_steps_and_lists_what_it_cannot_classify() -> None:
    plan = plan_erasure(
        SUBJECT,
        default_pii_registry(),
        warehouse_tables=[
            "customers",
            "feedback",
            "transactions",
            "campaigns",
            "quarantine",
            "scratch",
        ],
        store_tables=["invitations", "responses", "surveys"],
        run_files={
            "000002": [
                "profiles.parquet",
                "profile_map.parquet",
                "feedback_analysis.parquet",
                "rfm.parquet",
            ],
            "000001": ["profiles.parquet", "mystery.parquet"],
        },
        report_files=["report-run000002-zh.html"],
        erasure_id="er-1",
        tombstone_id="erased-5b1e",
    )
    targets = [(s.location.value, s.target, s.action.value) for s in plan.steps]
    assert targets == [
        ("warehouse", "customers", "redact"),
        ("warehouse", "feedback", "redact"),
        ("warehouse", "quarantine", "delete"),
        ("warehouse", "transactions", "redact"),
        ("store", "invitations", "redact"),
        ("store", "responses", "redact"),
        ("run", "000001/profiles.parquet", "redact"),
        ("run", "000002/feedback_analysis.parquet", "redact"),
        ("run", "000002/profile_map.parquet", "delete"),
        ("run", "000002/profiles.parquet", "redact"),
        ("run", "000002/rfm.parquet", "redact"),  # the row stays, under the tombstone
        ("report", "report-run000002-zh.html", "regenerate"),
    ]
    assert plan.unclassified == ("warehouse:scratch", "run:000001/mystery.parquet")
    assert not plan.complete
    customers = plan.steps[0]
    assert customers.ids == SUBJECT.customer_ids and customers.replace_key_with == "erased-5b1e"
    assert "email" in customers.null_columns and "phone_e164" in customers.null_columns
    quarantine = plan.steps[2]
    assert quarantine.contains == ("raw", "fields") and "wang.fang@example.com" in quarantine.values
    profiles = plan.steps[6]
    # the profile id is the surviving customer id in practice: it becomes the tombstone too
    assert profiles.ids == {"P42"} and profiles.replace_key_with == "erased-5b1e"
    assert set(plan.search_terms) >= {"王芳", "+8613800138000", "年费太贵了，我要销卡"}
    audit = plan.audit()
    text = repr(audit)
    for secret in ("C001", "P42", "王芳", "wang.fang", "13800138000", "年费"):
        assert secret not in text
    assert audit.complete is False and len(audit.steps) == 12


def test_registry_file_errors() -> None:
    with pytest.raises(CaseRuleError, match="not one of") as info:
        load_pii_registry("warehouse:\n  customers: {action: scrub, key: customer_id}\n")
    assert info.value.line == 2
    with pytest.raises(CaseRuleError, match="needs a key column"):
        load_pii_registry("store:\n  notes: {action: redact, pii: [text]}\n")
    with pytest.raises(CaseRuleError, match="unknown field 'locations'"):
        load_pii_registry("locations: {}\n")
    reg = load_pii_registry(
        "store:\n  case_notes: {action: redact, key: case_customer, free_text: [text]}\n"
    )
    merged = default_pii_registry().extended(reg.entries)
    assert merged.find(DataLocation.STORE, "case_notes") is not None
    assert reg.entries[0].id_kind is IdKind.CUSTOMER
    with pytest.raises(ConfigError, match="tombstone"):
        plan_erasure(SUBJECT, reg, warehouse_tables=[], erasure_id="e", tombstone_id="C001")
    with pytest.raises(ConfigError, match="at least one customer id"):
        ErasureSubject(frozenset())
