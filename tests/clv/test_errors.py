"""Degenerate data fail with clear errors, never nonsense numbers."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from loyalloop.clv import (
    BetaGeoModel,
    GammaGammaModel,
    ParetoNBDModel,
    ShiftedBetaGeoModel,
)
from loyalloop.clv._optimize import maximize_likelihood
from loyalloop.core.modelfile import CHECKSUM_KEY, content_checksum
from loyalloop.errors import DataValidationError, ModelError, NotFittedError


def _rfm(**cols: list[float]) -> pd.DataFrame:
    base = {"frequency": [0, 2, 3], "recency": [0.0, 5.0, 9.0], "T": [10.0, 10.0, 12.0]}
    base.update(cols)
    return pd.DataFrame(base)


@pytest.mark.parametrize("model", [BetaGeoModel, ParetoNBDModel])
def test_no_repeat_buyers(model: type) -> None:
    data = _rfm(frequency=[0, 0, 0], recency=[0.0, 0.0, 0.0])
    with pytest.raises(ModelError, match="no customer has a repeat purchase"):
        model().fit(data)


def test_T_zero() -> None:
    with pytest.raises(DataValidationError, match="1 row\\(s\\) have T = 0"):
        BetaGeoModel().fit(_rfm(T=[0.0, 10.0, 12.0]))


@pytest.mark.parametrize(
    ("cols", "message"),
    [
        ({"recency": [0.0, 11.0, 9.0]}, "recency greater than T"),
        ({"frequency": [0, -1, 3]}, "negative frequency"),
        ({"frequency": [0, 1.5, 3]}, "not a whole number"),
        ({"recency": [2.0, 5.0, 9.0]}, "recency > 0 but frequency = 0"),
        ({"T": [np.nan, 10.0, 12.0]}, "column T has missing values"),
    ],
)
def test_invalid_rfm_values(cols: dict[str, list[float]], message: str) -> None:
    with pytest.raises(DataValidationError, match=message):
        BetaGeoModel().fit(_rfm(**cols))


def test_missing_column_and_duplicate_ids() -> None:
    with pytest.raises(DataValidationError, match="needs column\\(s\\) T"):
        BetaGeoModel().fit(_rfm().drop(columns="T"))
    data = _rfm().assign(customer_id=["a", "b", "a"])
    with pytest.raises(DataValidationError, match="column customer_id has 1 duplicate values: a"):
        BetaGeoModel().fit(data)


def test_spend_model_errors() -> None:
    data = pd.DataFrame({"frequency": [0, 2, 3], "monetary_value": [0.0, 5.0, 9.0]})
    with pytest.raises(DataValidationError, match="1 row\\(s\\) have frequency = 0"):
        GammaGammaModel().fit(data)
    data = pd.DataFrame({"frequency": [1, 2, 3], "monetary_value": [-1.0, 5.0, 9.0]})
    with pytest.raises(DataValidationError, match="negative monetary_value"):
        GammaGammaModel().fit(data)


def test_sbg_errors() -> None:
    with pytest.raises(DataValidationError, match="non-increasing"):
        ShiftedBetaGeoModel().fit_cohort([100, 120, 80])
    with pytest.raises(ModelError, match="no customer churned"):
        ShiftedBetaGeoModel().fit_cohort([100, 100, 100])


def test_not_fitted() -> None:
    with pytest.raises(NotFittedError, match="call fit\\(\\) first"):
        BetaGeoModel().probability_alive(_rfm())
    with pytest.raises(NotFittedError):
        ShiftedBetaGeoModel().survival(3)


def test_non_convergence_is_an_error() -> None:
    def unbounded(theta: np.ndarray) -> tuple[float, np.ndarray]:
        # likelihood keeps increasing as the parameter grows: no maximum
        return -float(theta[0]), np.array([-1.0])

    with pytest.raises(ModelError, match="did not converge"):
        maximize_likelihood(unbounded, [[1.0]], ["k"], 100.0, model="Toy")


def test_unidentified_model_is_an_error() -> None:
    # a single distinct customer history cannot identify four parameters
    data = pd.DataFrame({"frequency": [2] * 50, "recency": [5.0] * 50, "T": [10.0] * 50})
    with pytest.raises(ModelError, match="did not converge"):
        BetaGeoModel().fit(data)


def test_saved_model_mismatch(tmp_path: object, cdnow: pd.DataFrame) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "bg.json"
    BetaGeoModel().fit(cdnow).save(path)
    with pytest.raises(ModelError, match="is a BetaGeoModel, not a ParetoNBDModel"):
        ParetoNBDModel.load(path)
    payload = json.loads(path.read_text())
    good = dict(payload)
    # a damaged file (one digit changed) is refused by its checksum, naming the file
    payload["params"] = {**payload["params"], "r": payload["params"]["r"] + 1e-9}
    path.write_text(json.dumps(payload))
    with pytest.raises(ModelError, match=r"bg\.json"):
        BetaGeoModel.load(path)
    # a file from another release (checksum intact) is refused by its version
    other = {**good, "library_version": "9.9.0"}
    path.write_text(json.dumps({**other, CHECKSUM_KEY: content_checksum(other)}))
    with pytest.raises(ModelError, match=r"saved by loyalloop 9\.9\.0"):
        BetaGeoModel.load(path)
    path.write_text("{not json")
    with pytest.raises(ModelError, match="not a Loyalloop CLV model"):
        BetaGeoModel.load(path)
    path.unlink()
    with pytest.raises(ModelError, match="does not exist"):
        BetaGeoModel.load(path)
