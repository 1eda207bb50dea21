"""Identity resolution on the sample with planted duplicates (known truth), and its rules:
conflicts never merge, every merge is explained, the unmerge list is respected."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import ibis
import pandas as pd
import pytest
from tests.conftest import write

from loyalloop.core import Settings, Warehouse
from loyalloop.data.identity import (
    IdentityConfig,
    IdentityResult,
    KeepApart,
    MatchMode,
    pair_metrics,
    read_keep_apart,
    resolve_identities,
)
from loyalloop.data.identity.clusters import REASON_BIRTH_DATE, REASON_KEEP_APART
from loyalloop.data.ingest import ingest
from loyalloop.data.schema import open_warehouse
from loyalloop.data.unify import build_profiles, profiles_from_map
from loyalloop.errors import ConfigError, IngestError
from loyalloop.sample import SampleData, generate, write_sample


@dataclass
class Resolved:
    sample: SampleData
    wh: Warehouse
    result: IdentityResult
    model_path: Path
    splink_warnings: list[str]


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture(scope="module", params=["card", "retail"])
def resolved(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Resolved]:
    business = request.param
    root = tmp_path_factory.mktemp(f"identity_{business}")
    sample = generate(customers=12_000, seed=21, business=business)
    files = write_sample(sample, root / "sample")
    settings = Settings(home=root / "home", timezone="UTC", phone_region="CN")
    with open_warehouse(settings) as wh:
        ingest(wh, "customers", [files["customers"]])
        records = _Records()
        splink_log = logging.getLogger("splink")
        splink_log.addHandler(records)
        try:
            result = resolve_identities(wh.ibis, wh.table("customers"))
        finally:
            splink_log.removeHandler(records)
        model_path = root / "model.json"
        model_path.write_text(json.dumps(result.model), encoding="utf-8")
        yield Resolved(sample, wh, result, model_path, records.messages)


def test_training_does_not_flood_the_user_with_per_session_warnings(resolved: Resolved) -> None:
    # each EM session sees only its block's pairs; splink's "level not observed" warnings for
    # that are held back (the levels no session trained are logged once, at INFO)
    assert not [m for m in resolved.splink_warnings if "not observed in dataset" in m]


def _truth(r: Resolved) -> ibis.Table:
    return ibis.memtable(r.sample.truth[["customer_id", "person_id"]])


def test_precision_and_recall_of_pairs_meet_the_targets(resolved: Resolved) -> None:
    m = pair_metrics(resolved.result.id_map, _truth(resolved))
    assert m.true_pairs > 150
    assert m.precision is not None and m.precision >= 0.98, m
    assert m.recall is not None and m.recall >= 0.90, m
    # the exact-key pass alone misses the duplicates without a shared key and merges households
    exact_map, _ = build_profiles(resolved.wh.ibis, resolved.wh.table("customers"))
    base = pair_metrics(exact_map, _truth(resolved))
    assert base.recall is not None and base.recall < m.recall - 0.08, (base, m)
    assert base.precision is not None and base.precision < m.precision, (base, m)


def test_every_variation_kind_is_mostly_found(resolved: Resolved) -> None:
    t = resolved.sample.truth.set_index("customer_id")
    profile = resolved.result.id_map.to_pandas().set_index("customer_id")["profile_id"]
    dups = t[t["duplicate_of"].notna()]
    found = profile.loc[dups.index].to_numpy() == profile.loc[dups["duplicate_of"]].to_numpy()
    kinds = dups["duplicate_variation"].str.split(";").explode()
    rate = pd.Series(found, index=dups.index).reindex(kinds.index).groupby(kinds.to_numpy()).mean()
    for kind in ("name:pinyin", "name:homophone", "phone:new", "address:moved", "email:new"):
        if kind in rate.index:
            assert rate[kind] >= 0.8, rate


def test_households_sharing_a_phone_stay_apart(resolved: Resolved) -> None:
    t = resolved.sample.truth
    c = resolved.sample.customers.set_index("customer_id")
    members = t[t["household_of"].notna()]
    profile = resolved.result.id_map.to_pandas().set_index("customer_id")["profile_id"]
    both_dob = c.loc[members["customer_id"], "birth_date"].notna().to_numpy() & (
        c.loc[members["household_of"], "birth_date"].notna().to_numpy()
    )
    assert both_dob.sum() > 20
    same = profile.loc[members["customer_id"]].to_numpy() == profile.loc[members["household_of"]]
    assert not same[both_dob].any()
    review = resolved.result.review.to_pandas()
    assert (review["reason"] == REASON_BIRTH_DATE).sum() > 0
    conflict = review[review["reason"] == REASON_BIRTH_DATE]
    scored = conflict[conflict["match_weight"].notna()]  # exact-key pairs below 0 are unscored
    assert len(scored) and (scored["birth_date"] == "different").all()
    assert conflict["explanation"].str.contains("exact key|disagreed birth_date").all()


def test_every_merge_is_explained(resolved: Resolved) -> None:
    r = resolved.result
    merges = r.merges.to_pandas()
    id_map = r.id_map.to_pandas()
    sizes = id_map.groupby("profile_id").size()
    per_profile = merges.groupby("profile_id").size()
    # a profile of k records holds at least k - 1 explained merges (they connect it)
    multi = sizes[sizes > 1]
    assert (per_profile.reindex(multi.index, fill_value=0) >= multi - 1).all()
    prob = merges[merges["rule"] == "probabilistic"]
    assert len(prob) > 20
    assert (prob["match_weight"] >= IdentityConfig().match_weight).all()
    assert prob["explanation"].str.contains(r"^weight \d+\.\d \(p = .*\): agreed ").all()
    exact = merges[merges["rule"] != "probabilistic"]
    assert exact["explanation"].str.startswith("same ").all()
    assert set(merges["rule"]) <= {"email", "phone", "email+phone", "probabilistic"}
    s = r.summary
    assert s.records - s.profiles == s.merged_by_exact_keys + s.merged_by_model
    assert s.merged_by_model > 0 and s.compared_pairs > s.review_pairs
    assert sum(s.merged_pairs_by_rule.values()) == len(merges)


def test_review_band_pairs_are_not_merged(resolved: Resolved) -> None:
    review = resolved.result.review.to_pandas()
    assert (review["profile_id_l"] != review["profile_id_r"]).all()
    band = review[review["reason"] == "review band"]
    cfg = IdentityConfig()
    assert band["match_weight"].between(cfg.review_weight, cfg.match_weight).all()
    assert review["consent_refused"].dtype == bool


def test_merged_profiles_keep_the_most_restrictive_consent(resolved: Resolved) -> None:
    wh = resolved.wh
    profiles = profiles_from_map(wh.table("customers"), resolved.result.id_map).to_pandas()
    c = wh.table("customers").to_pandas().merge(resolved.result.id_map.to_pandas())
    multi = profiles[profiles["records"] > 1].set_index("profile_id")
    for ch in ("consent_email", "consent_sms"):
        refused = c.groupby("profile_id")[ch].apply(lambda s: (s == False).any())  # noqa: E712
        assert (multi.loc[refused.reindex(multi.index).fillna(False), ch] == False).all()  # noqa: E712


def test_unmerge_list_is_respected_and_reruns_are_stable(
    resolved: Resolved, tmp_path: Path
) -> None:
    wh = resolved.wh
    cfg = IdentityConfig(model_path=resolved.model_path)
    again = resolve_identities(wh.ibis, wh.table("customers"), cfg)
    first = resolved.result.id_map.to_pandas().sort_values("customer_id").reset_index(drop=True)
    second = again.id_map.to_pandas().sort_values("customer_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(first, second)  # same model, same data: same profiles

    prob = resolved.result.merges.to_pandas()
    prob = prob[prob["rule"] == "probabilistic"].iloc[0]
    exact = resolved.result.merges.to_pandas()
    exact = exact[exact["rule"] == "phone"].iloc[0]
    path = write(
        tmp_path / "keep_apart.csv",
        "customer_id,other_customer_id,note\n"
        f"{prob.customer_id_r},{prob.customer_id_l},checked: two people\n"
        f"{exact.customer_id_l},,staff test account\n",
    )
    keep = read_keep_apart(path)
    assert keep == KeepApart.of([(prob.customer_id_l, prob.customer_id_r)], [exact.customer_id_l])
    undone = resolve_identities(
        wh.ibis,
        wh.table("customers"),
        IdentityConfig(model_path=resolved.model_path, keep_apart_path=path),
    )
    m = undone.id_map.to_pandas().set_index("customer_id")["profile_id"]
    assert m[prob.customer_id_l] != m[prob.customer_id_r]
    assert (m == m[exact.customer_id_l]).sum() == 1  # alone
    review = undone.review.to_pandas()
    pair = review[
        (review["customer_id_l"] == prob.customer_id_l)
        & (review["customer_id_r"] == prob.customer_id_r)
    ]
    assert list(pair["reason"]) == [REASON_KEEP_APART]
    assert undone.summary.keep_apart_rows == 2
    # everything else is as before
    changed = (m.sort_index() != second.set_index("customer_id")["profile_id"].sort_index()).sum()
    assert changed <= 2 + int(
        (second.set_index("customer_id")["profile_id"] == m[exact.customer_id_r]).sum()
    )


def test_exact_mode_ignores_placeholder_keys(wh: Warehouse, tmp_path: Path) -> None:
    rows = ["customer_id,created_at,name,email,phone,birth_date"]
    for k in range(12):  # one placeholder phone on 12 unrelated records
        rows.append(f"P{k:02d},2024-01-01,客户{k},,13800000000,19{70 + k}-01-01")
    rows.append("A1,2024-01-02,王芳,wf@x.cn,13900139000,1990-05-06")
    rows.append("A2,2024-02-02,Wang Fang,WF@X.CN,,1990-05-06")
    rows.append("H1,2024-01-03,李明,,13700137000,1960-01-01")
    rows.append("H2,2024-01-04,李小红,,13700137000,1988-03-04")  # household: same phone
    ingest(wh, "customers", [write(tmp_path / "c.csv", "\n".join(rows) + "\n")])
    r = resolve_identities(wh.ibis, wh.table("customers"), IdentityConfig(mode=MatchMode.EXACT))
    m = r.id_map.to_pandas().set_index("customer_id")["profile_id"]
    assert m["A1"] == m["A2"] == "A1"
    assert m["H1"] != m["H2"]
    assert m[[f"P{k:02d}" for k in range(12)]].nunique() == 12
    assert r.summary.placeholder_values == 1
    assert r.summary.merged_pairs_by_rule == {"email": 1}
    review = r.review.to_pandas()
    assert list(review["reason"]) == [REASON_BIRTH_DATE]
    assert r.model is None and r.summary.compared_pairs == 0


def test_config_and_unmerge_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="review_weight"):
        IdentityConfig(match_weight=3, review_weight=5)
    with pytest.raises(ConfigError, match=r"identity\.mode must be one of exact, probabilistic"):
        IdentityConfig(mode="fuzzy")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="max_key_group"):
        IdentityConfig(max_key_group=1)
    bad = write(tmp_path / "k.csv", "customer_id,other\nC1,C2\n")
    with pytest.raises(IngestError, match=r"k\.csv, line 1: .*missing other_customer_id"):
        read_keep_apart(bad)
    bad = write(tmp_path / "k2.csv", "customer_id,other_customer_id\nC1,C2\n,C3\n")
    with pytest.raises(IngestError, match=r"line 3, column customer_id: customer_id is empty"):
        read_keep_apart(bad)
    assert read_keep_apart(tmp_path / "missing.csv").empty


def test_name_birth_date_and_city_blocks_are_capped_and_selective() -> None:
    """A crowded name-city-and-birth-year block (a common name in a big city) gives no pairs,
    so the pairs grow linearly with the records; a small block of the same rule still does,
    and the crowded records keep their other blocks. The city rules are selective: the same
    pinyin name and city in another birth year, or the same birth date and city with another
    or an unknown gender, is another block (or none)."""
    from loyalloop.data.identity.features import FEATURE_COLUMNS, with_blocks

    crowd = 6  # records sharing "wang fang" in Shanghai, born 1980, each its own birth date
    rows = [
        {"name_key": "fang wang", "city_key": "shanghai", "dob": f"198001{d:02d}", "gender": "F"}
        for d in range(1, crowd + 1)
    ]
    rows += [
        # C6, C7: name, city and birth year shared; C8: same name and city, another year
        {"name_key": "li si", "city_key": "beijing", "dob": "19900101", "gender": "M"},
        {"name_key": "li si", "city_key": "beijing", "dob": "19900102", "gender": "M"},
        {"name_key": "li si", "city_key": "beijing", "dob": "19910101", "gender": "M"},
        # C9: name and birth date of C0, in another city
        {"name_key": "fang wang", "city_key": "shenzhen", "dob": "19800101", "gender": "F"},
        # C10: birth date and city of C6, gender unknown; C11: the same with the other gender
        {"name_key": "zhang san", "city_key": "beijing", "dob": "19900101", "gender": None},
        {"name_key": "zhao wu", "city_key": "beijing", "dob": "19900101", "gender": "F"},
        {"name_key": "qian liu", "city_key": "beijing", "dob": "19900101", "gender": "M"},
    ]
    keyed = pd.DataFrame(rows).assign(
        customer_id=[f"C{i}" for i in range(len(rows))],
        name_clean=None,
        name_han=None,
        phone=None,
        email=None,
        email_user=None,
        address_key=None,
        name_key_bits=None,
        name_han_bits=None,
        address_key_bits=None,
    )
    schema = {c: "int64" if c.endswith("_bits") else "string" for c in keyed.columns}
    t = with_blocks(ibis.memtable(keyed, schema=schema), max_key_group=10, max_name_group=5)
    out = ibis.duckdb.connect().execute(t).set_index("customer_id")
    assert list(out.columns) == list(FEATURE_COLUMNS[1:])
    crowded = out.loc[[f"C{i}" for i in range(crowd)]]
    assert crowded["name_city_year_block"].isna().all()  # 6 > 5 records: no block
    assert crowded["dob_city_gender_block"].notna().all()  # each birth date alone in the city
    assert out.loc["C6", "name_city_year_block"] == "li si|beijing|1990"
    assert out.loc["C7", "name_city_year_block"] == "li si|beijing|1990"
    assert out.loc["C8", "name_city_year_block"] == "li si|beijing|1991"
    # the crowded "fang wang" born 1980-01-01 still shares a name-and-birth-date block
    assert out.loc["C0", "name_dob_block"] == out.loc["C9", "name_dob_block"]
    assert out.loc["C0", "name_dob_block"] == "fang wang|19800101"
    # birth date and city: only records of the same known gender share the block
    assert out.loc["C6", "dob_city_gender_block"] == "19900101|beijing|M"
    assert out.loc["C12", "dob_city_gender_block"] == "19900101|beijing|M"
    assert out.loc["C11", "dob_city_gender_block"] == "19900101|beijing|F"
    assert pd.isna(out.loc["C10", "dob_city_gender_block"])
    uncapped = with_blocks(ibis.memtable(keyed, schema=schema), 10, max_name_group=6)
    wide = ibis.duckdb.connect().execute(uncapped).set_index("customer_id")
    assert (wide.loc[crowded.index, "name_city_year_block"] == "fang wang|shanghai|1980").all()
    with pytest.raises(ConfigError, match="max_name_group"):
        IdentityConfig(max_name_group=1)
