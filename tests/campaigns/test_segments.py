"""Segment specs: parsing, validation with field paths, compilation against a pandas reference."""

from __future__ import annotations

import json
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest

from loyalloop.campaigns import (
    audience_schema,
    load_segment,
    parse_segment,
    preview_segment,
    select_segment,
    validate_segment,
)
from loyalloop.errors import SpecError

from .conftest import AS_OF

SPEC = {
    "name": "fee_risk",
    "match": "all",
    "conditions": [
        {"field": "churn_probability", "op": ">=", "value": 0.4},
        {
            "any": [
                {"field": "complained_aspects", "op": "contains", "value": "annual_fee"},
                {"field": "clv", "op": ">=", "value": 8000},
            ]
        },
        {"not": {"field": "lifecycle_stage", "op": "==", "value": "lost"}},
        {"field": "last_purchase", "op": "within last days", "value": 300},
    ],
}


def _ids(view: ibis.Table, spec: dict) -> set[str]:
    return set(select_segment(parse_segment(spec), view, AS_OF).customer_id.execute())


def test_compiled_segment_matches_pandas(view: ibis.Table) -> None:
    df = view.execute()
    fee = df.complained_aspects.map(lambda a: a is not None and "annual_fee" in list(a))
    last = pd.to_datetime(df.last_purchase)
    expected = df[
        (df.churn_probability >= 0.4)
        & (fee | (df.clv >= 8000))
        & ~(df.lifecycle_stage == "lost")
        & (last >= pd.Timestamp(AS_OF) - pd.Timedelta(days=300))
    ].customer_id
    got = _ids(view, SPEC)
    assert got == set(expected)
    assert 0 < len(got) < len(df)


def test_missing_values_are_false_and_not_is_true(view: ibis.Table) -> None:
    df = view.execute()
    no_nps = set(df[df.last_nps.isna()].customer_id)
    detractor = {
        "name": "d",
        "conditions": [{"field": "nps_group", "op": "==", "value": "detractor"}],
    }
    not_detractor = {"name": "n", "conditions": [{"not": detractor["conditions"][0]}]}
    assert not (_ids(view, detractor) & no_nps)
    assert no_nps <= _ids(view, not_detractor)
    is_null = {"name": "z", "conditions": [{"field": "last_nps", "op": "is null"}]}
    assert _ids(view, is_null) == no_nps


def test_any_at_top_level_and_in_between(view: ibis.Table) -> None:
    df = view.execute()
    spec = {
        "name": "x",
        "match": "any",
        "conditions": [
            {"field": "rfm_segment", "op": "in", "value": ["lost", "hibernating"]},
            {"field": "days_since_last", "op": "between", "value": [10, 20]},
        ],
    }
    expected = df[df.rfm_segment.isin(["lost", "hibernating"]) | df.days_since_last.between(10, 20)]
    assert _ids(view, spec) == set(expected.customer_id)


@pytest.mark.parametrize(
    ("conditions", "path", "words"),
    [
        ([{"field": "clvv", "op": ">", "value": 1}], "conditions[0].field", "did you mean 'clv'"),
        (
            [
                {"field": "clv", "op": ">", "value": 1},
                {"all": [{"field": "tierr", "op": "==", "value": "x"}]},
            ],
            "conditions[1].all[0].field",
            "did you mean 'tier'",
        ),
        (
            [{"field": "clv", "op": "biggerthan", "value": 1}],
            "conditions[0].op",
            "unknown operator",
        ),
        ([{"field": "clv", "op": ">", "value": "lots"}], "conditions[0].value", "is a number"),
        (
            [{"field": "tier", "op": "<", "value": 3}],
            "conditions[0].op",
            "compares numbers or dates",
        ),
        (
            [{"field": "complained_aspects", "op": "==", "value": "x"}],
            "conditions[0].op",
            "is a list",
        ),
        ([{"field": "clv", "op": "in", "value": 3}], "conditions[0].value", "non-empty list"),
        (
            [{"field": "clv", "op": "between", "value": [5, 1]}],
            "conditions[0].value",
            "low <= high",
        ),
        (
            [{"field": "last_purchase", "op": "<", "value": "2026-13-01"}],
            "conditions[0].value",
            "YYYY-MM-DD",
        ),
        (
            [{"field": "consent_sms", "op": "==", "value": "yes"}],
            "conditions[0].value",
            "true or false",
        ),
        ([{"field": "clv", "op": "is null", "value": 3}], "conditions[0].value", "takes no value"),
        ([{"feild": "clv", "op": ">", "value": 1}], "conditions[0].feild", "did you mean 'field'"),
        ([{"not": {"field": "clv", "op": ">", "value": 1}, "any": []}], "conditions[0]", "one key"),
    ],
)
def test_errors_name_the_field_path(
    view: ibis.Table, conditions: list, path: str, words: str
) -> None:
    with pytest.raises(SpecError) as info:
        validate_segment(parse_segment({"name": "s", "conditions": conditions}), view)
    assert info.value.path == path
    assert str(info.value).startswith(f"{path}: ")
    assert words in str(info.value)


def test_field_of_a_missing_run_table_says_which(con: ibis.BaseBackend, frames: dict) -> None:
    from loyalloop.campaigns import audience_view

    from .conftest import tables_on

    tables = tables_on(con, {k: v for k, v in frames.items() if k != "clv"})
    view = audience_view(tables, AS_OF)
    with pytest.raises(SpecError, match="no 'clv' table"):
        validate_segment(
            parse_segment({"name": "s", "conditions": [{"field": "clv", "op": ">", "value": 1}]}),
            audience_schema(view),
        )


def test_known_values_are_checked(view: ibis.Table) -> None:
    spec = parse_segment(
        {"name": "s", "conditions": [{"field": "rfm_segment", "op": "==", "value": "hibernatin"}]}
    )
    with pytest.raises(SpecError, match="did you mean 'hibernating'"):
        validate_segment(spec, view, values={"rfm_segment": ["hibernating", "lost"]})


def test_top_level_errors() -> None:
    with pytest.raises(SpecError, match="name"):
        parse_segment({"conditions": [{"field": "clv", "op": ">", "value": 1}]})
    with pytest.raises(SpecError) as info:
        parse_segment({"name": "s", "conditions": []})
    assert info.value.path == "conditions"
    with pytest.raises(SpecError) as info:
        parse_segment({"name": "s", "conditons": []})
    assert "did you mean 'conditions'" in str(info.value)


def test_yaml_and_json_files_round_trip(tmp_path: Path, view: ibis.Table) -> None:
    import yaml

    spec = parse_segment(SPEC)
    y = tmp_path / "s.yaml"
    y.write_text(yaml.safe_dump(spec.to_dict(), allow_unicode=True), "utf-8")
    j = tmp_path / "s.json"
    j.write_text(json.dumps(SPEC), "utf-8")
    assert load_segment(y) == spec == load_segment(j)
    bad = tmp_path / "b.yaml"
    bad.write_text("name: s\nconditions:\n  - {field: clvv, op: '>', value: 1}\n", "utf-8")
    with pytest.raises(SpecError) as info:
        validate_segment(load_segment(bad), view)
    assert info.value.path == "conditions[0].field"
    broken = tmp_path / "c.yaml"
    broken.write_text("name: [unclosed\n", "utf-8")
    with pytest.raises(SpecError, match=r"c\.yaml"):
        load_segment(broken)


def test_preview_counts_and_hides_pii(view: ibis.Table) -> None:
    p = preview_segment(parse_segment(SPEC), view, AS_OF, n=5)
    assert p.count == len(_ids(view, SPEC))
    assert p.total == 400
    assert len(p.sample) == min(5, p.count)
    assert "name" not in p.sample.columns and "phone" not in p.sample.columns
    clv = p.sample.clv.to_numpy()
    assert np.all(np.diff(clv) <= 0)  # highest value first
    with_pii = preview_segment(
        parse_segment(SPEC), view, AS_OF, n=2, columns=["customer_id", "name"], include_pii=True
    )
    assert list(with_pii.sample.columns) == ["customer_id", "name"]
