"""The customer 360 service on a small sample home: every section, masking, search."""

from __future__ import annotations

import shutil

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from c360kit import EVIL, Home

from loyalloop.errors import NotFoundError
from loyalloop.pipeline import RunStore
from loyalloop.services import Store
from loyalloop.services.customer360 import (
    MatchKind,
    customer_index,
    customer_view,
    search_customers,
)
from loyalloop.services.pii import mask_email, mask_name, mask_phone


def test_every_section_is_filled(sample_home: Home, c360_store: Store) -> None:
    run = RunStore(sample_home.settings.runs_dir).latest()
    with c360_store.session() as s:
        v = customer_view(sample_home.settings, s, sample_home.customer, unmask=True)
    pid = v.profile.profile_id
    assert sample_home.customer in v.profile.customer_ids
    assert v.profile.name == sample_home.name
    # value and risk are the run's own figures for this profile
    clv = run.read("clv").filter(pc.equal(run.read("clv")["customer_id"], pid)).to_pylist()[0]
    assert v.value.clv == pytest.approx(clv["clv"])
    assert v.value.probability_alive == pytest.approx(clv["probability_alive"])
    rfm = run.read("rfm").filter(pc.equal(run.read("rfm")["customer_id"], pid)).to_pylist()[0]
    assert v.value.rfm_segment == rfm["segment"]
    assert v.value.total_spend == pytest.approx(rfm["total_spend"])
    scores = run.read("churn_scores")
    sc = scores.filter(pc.equal(scores["customer_id"], pid)).to_pylist()[0]
    assert v.churn.probability == pytest.approx(sc["churn_probability"])
    assert v.churn.reasons_en and v.churn.reasons_zh
    loy = run.read("loyalty").filter(pc.equal(run.read("loyalty")["customer_id"], pid)).to_pylist()
    assert (
        v.loyalty.tier == loy[0]["tier"] and v.loyalty.lifecycle_stage == loy[0]["lifecycle_stage"]
    )
    assert [h.run for h in v.loyalty.history] == [run.number]
    # feedback: the analysed comment with its aspects and its text from the warehouse
    fa = run.read("feedback_analysis")
    mine = fa.filter(pc.equal(fa["profile_id"], pid))
    assert {f.feedback_id for f in v.feedback} == set(mine.column("feedback_id").to_pylist())
    item = next(f for f in v.feedback if f.feedback_id == sample_home.feedback_id)
    assert item.text == EVIL
    aspects = run.read("feedback_aspects")
    expected = aspects.filter(pc.equal(aspects["feedback_id"], item.feedback_id)).num_rows
    assert len(item.aspects) == expected
    assert item.sentiment in {"positive", "neutral", "negative"}
    # survey answers and cases from the store
    assert [s.survey_key for s in v.surveys] == ["visit"]
    # by question text and option label in the response's language (zh), from its version;
    # a question the version does not define by its id (marked unknown)
    assert [(a.question_id, a.question, a.answer, a.known) for a in v.surveys[0].answers] == [
        ("nps", "推荐可能性？", "3", True),
        ("why", "原因？", "<b>服务</b>太慢，回电13812345678", True),
        ("served", "办理方式？", "柜台", True),
        ("used", "用了哪些？", "自动柜员机、排队取号", True),
        ("dropped", "dropped", "kept as written", False),
    ]
    assert [(c.topic, c.status) for c in v.cases] == [("detractor", "new")]
    assert v.consent.email in (True, False, None)
    assert v.notes == ()
    assert v.to_dict()["profile"]["profile_id"] == pid


def test_masked_unless_allowed(sample_home: Home, c360_store: Store) -> None:
    with c360_store.session() as s:
        full = customer_view(sample_home.settings, s, sample_home.customer, unmask=True)
        masked = customer_view(sample_home.settings, s, sample_home.customer, unmask=False)
    assert masked.profile.masked and not full.profile.masked
    assert masked.profile.name == mask_name(full.profile.name) != full.profile.name
    assert masked.profile.email == mask_email(full.profile.email) != full.profile.email
    assert masked.profile.phone == mask_phone(full.profile.phone)
    assert full.profile.phone[-4:] in masked.profile.phone
    assert full.profile.phone[:-4] not in masked.profile.phone
    found = search_customers(sample_home.settings, sample_home.customer, unmask=False)
    assert [m.name for m in found] == [mask_name(full.profile.name)]


@pytest.mark.parametrize(
    "fmt",
    [
        lambda p: p,  # +8613812345678
        lambda p: p[3:],  # 13812345678 (region CN)
        lambda p: f"{p[:3]} {p[3:6]}-{p[6:10]}-{p[10:]}",  # +86 138-1234-5678
        lambda p: f"({p[:3]}) {p[3:6]} {p[6:10]} {p[10:]}",  # (+86) 138 1234 5678
        lambda p: "0086" + p[3:],  # international prefix dialled from China
    ],
)
def test_phone_search_any_formatting(sample_home: Home, fmt) -> None:  # type: ignore[no-untyped-def]
    found = search_customers(sample_home.settings, fmt(sample_home.phone), unmask=True)
    ids = {m.profile_id for m in found}
    index = customer_index(sample_home.settings)
    mine = {
        r["profile_id"] for r in index.rows("profile_map", "customer_id", [sample_home.customer])
    }
    theirs = {
        r["profile_id"] for r in index.rows("profile_map", "customer_id", [sample_home.sharing])
    }
    # the phone is shared with a second profile (changed after the run): both are listed
    assert ids == mine | theirs and len(ids) == 2
    assert {m.matched_by for m in found} == {MatchKind.phone}


def test_email_search_normalised(sample_home: Home) -> None:
    query = "  " + sample_home.email.upper() + " "
    found = search_customers(sample_home.settings, query, unmask=False)
    assert [m.matched_by for m in found] == [MatchKind.email]
    assert sample_home.customer in found[0].customer_ids


def test_unknown_and_invalid(sample_home: Home, c360_store: Store) -> None:
    assert search_customers(sample_home.settings, "nobody@nowhere.example", unmask=False) == []
    assert search_customers(sample_home.settings, "13900000000", unmask=False) == []
    with pytest.raises(NotFoundError, match="not a valid phone number"):
        search_customers(sample_home.settings, "X-NOT-AN-ID", unmask=False)
    with (
        pytest.raises(NotFoundError, match="no customer 'X-NOT-AN-ID' in run"),
        c360_store.session() as s,
    ):
        customer_view(sample_home.settings, s, "X-NOT-AN-ID", unmask=False)


def test_index_follows_rewritten_and_new_runs(sample_home: Home, c360_store: Store) -> None:
    """A rewritten run file (as erasure rewrites them) and a newer run are seen at once."""
    runs = RunStore(sample_home.settings.runs_dir)
    first = runs.latest()
    copy = runs.dir / f"{first.number + 1:06d}"
    shutil.copytree(first.path, copy)
    try:
        with c360_store.session() as s:
            before = customer_view(sample_home.settings, s, sample_home.customer, unmask=True)
        pid = before.profile.profile_id
        # in the copy (the newer run) the person's tier changes and their name is erased
        for name, column, value in (("loyalty", "tier", "brand"), ("profiles", "name", None)):
            path = copy / f"{name}.parquet"
            table = pq.read_table(path)
            key = "profile_id" if name == "profiles" else "customer_id"
            hit = pc.equal(table[key], pid)
            col = table[column]
            new = pc.if_else(hit, pa.scalar(value, col.type), col)
            pq.write_table(
                table.set_column(table.schema.get_field_index(column), column, new), path
            )
        with c360_store.session() as s:
            after = customer_view(sample_home.settings, s, sample_home.customer, unmask=True)
        assert after.run == first.number + 1
        assert after.profile.name == ""
        assert [h.run for h in after.loyalty.history] == [first.number + 1, first.number]
        assert after.loyalty.history[0].tier == "brand"
        assert after.loyalty.history[1].tier == before.loyalty.tier
    finally:
        shutil.rmtree(copy)
