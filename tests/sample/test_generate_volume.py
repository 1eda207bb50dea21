"""``transactions=`` / ``comments=``: about the asked volume, the same truth, the rest unchanged."""

from __future__ import annotations

import pandas as pd
import pytest

from loyalloop.errors import ConfigError
from loyalloop.sample import SampleData, generate, population

from .test_generate_truth import (
    test_churn_and_frequency_follow_bgnbd,
    test_latent_parameters_match_population,
    test_purchases_in_table_match_truth,
)

N = 5000


@pytest.fixture(scope="module")
def scaled() -> SampleData:
    return generate(customers=N, seed=5, transactions=10 * N, comments=N // 5)


@pytest.fixture(scope="module")
def default() -> SampleData:
    return generate(customers=N, seed=5)


def test_about_the_asked_volume(scaled: SampleData, default: SampleData) -> None:
    # the default card business makes ~69 rows and ~0.5 comments per customer
    assert len(default.transactions) > 50 * N
    assert abs(len(scaled.transactions) / (10 * N) - 1) < 0.03
    comments = int(scaled.feedback["text"].notna().sum())
    assert abs(comments / (N // 5) - 1) < 0.12  # Poisson noise on ~1000: sd 3 %
    assert scaled.params["transactions_target"] == 10 * N
    assert 0.05 < scaled.params["rate_scale"] < 0.2
    assert 0.2 < scaled.params["feedback_volume"] < 0.7


def test_truth_is_the_scaled_process(scaled: SampleData) -> None:
    """alpha divided and b multiplied by the factor; the BG/NBD truth checks still hold,
    including a churn share between 10 % and 50 % (dropouts move with the purchase rate)."""
    base = population("card")
    s = scaled.params["rate_scale"]
    assert scaled.params["alpha"] == pytest.approx(base.alpha / s)
    assert scaled.params["b"] == pytest.approx(base.b * s)
    assert scaled.params["r"] == base.r
    test_latent_parameters_match_population(scaled)
    test_purchases_in_table_match_truth(scaled)
    test_churn_and_frequency_follow_bgnbd(scaled)


def test_other_tables_unchanged(scaled: SampleData, default: SampleData) -> None:
    """Each step draws from its own stream: the customers do not move, and about as many
    leave as in the default business."""
    pd.testing.assert_frame_equal(scaled.customers, default.customers)
    assert (scaled.truth["nu"] == default.truth["nu"]).all()
    assert abs(scaled.truth["churned"].mean() - default.truth["churned"].mean()) < 0.05


def test_no_option_is_the_default() -> None:
    a = generate(customers=300, seed=9)
    b = generate(customers=300, seed=9, transactions=None, comments=None)
    for name, df in a.tables.items():
        pd.testing.assert_frame_equal(df, b.tables[name])
    assert "rate_scale" not in a.params


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"transactions": 300}, "too few"),
        ({"transactions": 10**12}, "more than this sample"),
        ({"comments": 10**6}, "between 0 and 4"),
        ({"transactions": 2.5}, "integer"),
        ({"comments": "many"}, "integer"),
    ],
)
def test_bad_volume_is_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        generate(customers=300, seed=1, **kwargs)  # type: ignore[arg-type]
