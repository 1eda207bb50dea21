from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from loyalloop.churn.table import apply_spec, clean_column_names, coerce_labels, infer_spec
from loyalloop.errors import DataValidationError


def messy(n: int = 40) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "spend": [" 1,200.50", "", "n/a", *[str(i) for i in range(n - 3)]],
            "plan": ["Gold", " gold ", "GOLD", *(["basic", "Silver  plus"] * n)[: n - 3]],
            "tenure": np.arange(n, dtype="int64"),
            "vip": [True, False] * (n // 2),
            "email": [f"p{i}@x.cn" for i in range(n)],
            "joined": pd.date_range("2024-01-01", periods=n),
            "const": 1,
        }
    )


def test_infer_spec_kinds_and_dropped_reasons():
    spec, dropped = infer_spec(messy())
    kinds = {f.name: f.kind for f in spec.features}
    assert kinds == {
        "spend": "numeric",
        "plan": "categorical",
        "tenure": "numeric",
        "vip": "numeric",
    }
    cats = dict((f.name, f.categories) for f in spec.features)["plan"]
    assert cats == ("basic", "silver plus")  # "gold" appears 3 times only: below 5
    assert set(dropped) == {"email", "joined", "const"}
    assert "identifier" in dropped["email"] and "date" in dropped["joined"]
    assert dropped["const"] == "constant"


def test_apply_spec_counts_every_coercion():
    df = messy()
    spec, _ = infer_spec(df, min_category_count=3)
    matrix, report = apply_spec(df, spec)
    rows = report.to_frame().set_index("column")
    assert rows.loc["spend", "blank"] == 1
    assert rows.loc["spend", "unparseable"] == 1
    assert "n/a" in rows.loc["spend", "examples"]
    spend = matrix[:, spec.names.index("spend")]
    assert spend[0] == 1200.5 and np.isnan(spend[1]) and np.isnan(spend[2])
    # " gold " and "GOLD" merge with "Gold"; "Silver  plus" collapses its spaces.
    assert rows.loc["plan", "merged_case_or_space"] >= 3
    plan = matrix[:, spec.names.index("plan")]
    assert plan[0] == plan[1] == plan[2]
    assert rows.loc["vip", "unparseable"] == 0
    assert set(report.ignored_columns) == {"email", "joined", "const"}


def test_unseen_categories_become_missing_and_are_reported():
    spec, _ = infer_spec(messy(), min_category_count=3)
    new = messy().head(3).assign(plan=["Platinum", "gold", None])
    matrix, report = apply_spec(new, spec)
    plan = matrix[:, spec.names.index("plan")]
    assert np.isnan(plan[0]) and not np.isnan(plan[1]) and np.isnan(plan[2])
    col = next(c for c in report.columns if c.column == "plan")
    assert col.rare_or_unseen == 1 and col.examples == ("platinum",)
    assert any("platinum" in line for line in report.lines())


def test_missing_columns_fail_clearly():
    spec, _ = infer_spec(messy())
    with pytest.raises(DataValidationError, match=r"missing 2 column\(s\).*'spend', 'plan'"):
        apply_spec(messy().drop(columns=["spend", "plan"]), spec)


def test_column_names_are_stripped_and_collisions_refused():
    df, renamed = clean_column_names(pd.DataFrame({" a ": [1], "b": [2]}))
    assert list(df.columns) == ["a", "b"] and renamed == ((" a ", "a"),)
    with pytest.raises(DataValidationError, match="duplicate column names"):
        clean_column_names(pd.DataFrame([[1, 2]], columns=["a", "a "]))


@pytest.mark.parametrize(
    "values",
    [
        [True, False, None],
        [1, 0, None],
        [1.0, 0.0, np.nan],
        ["yes", " NO ", ""],
        ["TRUE", "false", None],
        ["Y", "n", "  "],
        ["1", "0", ""],
    ],
)
def test_labels_accept_common_spellings(values):
    y, present = coerce_labels(pd.Series(values, dtype=object), "churned")
    assert y.tolist()[:2] == [1, 0]
    assert present.tolist() == [True, True, False]


def test_bad_labels_are_named():
    with pytest.raises(DataValidationError, match=r"2 values that are not a churn label.*'maybe'"):
        coerce_labels(pd.Series(["yes", "maybe", "later"]), "churned")
    with pytest.raises(DataValidationError, match="column churned has 1 values"):
        coerce_labels(pd.Series([0, 1, 2]), "churned")
