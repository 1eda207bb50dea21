"""The optional pretrained-encoder wrapper (an experiment; not a dependency, not in the product)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from loyalloop.errors import ConfigError
from loyalloop.feedback import encoder as enc_mod
from loyalloop.feedback.encoder import ENCODERS, TextEncoder


class _Fake:
    """Stands in for a package's model: a deterministic unit vector per text, calls counted."""

    def __init__(self, dims: int) -> None:
        self.dims, self.calls = dims, 0

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        out = np.array([[hash(t) % 97 + i for i in range(self.dims)] for t in texts], float)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def _with_fake(
    monkeypatch: pytest.MonkeyPatch, name: str = "e5-small"
) -> tuple[TextEncoder, _Fake]:
    fake = _Fake(ENCODERS[name][2])
    monkeypatch.setattr(enc_mod, "_backend", lambda n: fake)
    return TextEncoder(name), fake


def test_unknown_encoder_is_named() -> None:
    with pytest.raises(ConfigError, match="unknown encoder 'bert'"):
        TextEncoder("bert")


@pytest.mark.parametrize("name", sorted(ENCODERS))
def test_missing_package_names_the_package(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    package, module, _ = ENCODERS[name]
    monkeypatch.setitem(sys.modules, module, None)  # makes the import fail
    with pytest.raises(ConfigError, match=f"needs the package '{package}'"):
        TextEncoder(name).encode(["年费太贵"])


def test_encode_keeps_order_caches_and_zeroes_empty_text(monkeypatch: pytest.MonkeyPatch) -> None:
    encoder, fake = _with_fake(monkeypatch)
    first = encoder.encode(["b", "", "a", "b"])
    assert first.shape == (4, 384) and first.dtype == np.float32
    assert np.all(first[1] == 0)
    np.testing.assert_array_equal(first[0], first[3])
    np.testing.assert_allclose(np.linalg.norm(first[[0, 2, 3]], axis=1), 1.0, rtol=1e-6)
    calls = fake.calls
    again = encoder.encode(["a", "b"])
    assert fake.calls == calls  # served from the cache
    assert len(encoder) == 2
    np.testing.assert_array_equal(again, first[[2, 0]])


def test_wrong_dimensions_are_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(enc_mod, "_backend", lambda n: _Fake(10))
    with pytest.raises(ConfigError, match="returned 10 dimensions, expected 512"):
        TextEncoder("use-m3").encode(["x"])


def test_remember_seeds_the_cache_and_checks_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    encoder, fake = _with_fake(monkeypatch)
    vecs = np.eye(2, 384, dtype=np.float32)
    encoder.remember(["x", "y"], vecs)
    np.testing.assert_array_equal(encoder.encode(["y", "x"]), vecs[[1, 0]])
    assert fake.calls == 0
    with pytest.raises(ConfigError, match="for 1 texts"):
        encoder.remember(["z"], vecs)


@pytest.mark.parametrize("name", sorted(ENCODERS))
def test_real_encoder_puts_paraphrases_closer_than_opposites(name: str) -> None:
    pytest.importorskip(ENCODERS[name][1])
    v = TextEncoder(name).encode(
        [
            "年费太贵了",
            "年费收得太高",
            "积分兑换很方便",
            "The annual fee is too high",
            "The yearly fee costs too much",
            "Redeeming points was easy",
        ]
    )
    sim = v @ v.T
    assert sim[0, 1] > sim[0, 2]
    assert sim[3, 4] > sim[3, 5]
