"""The cyclic garbage collector paused while a batch command works.

A batch command such as ``loyalloop feedback analyze`` imports pandas, loads models and
dictionaries (hundreds of thousands of objects) and then makes millions of small short-lived
objects; nearly none of them are in reference cycles, which are all the collector exists to
free (reference counting frees the rest). With the collector on, its passes — each older
generation pass scanning every model object again — took 1.0–1.4 of 7.3–7.8 CPU s of that
command on 10,000 comments (two pairs at load 25); paused, the command found 1,300 more cyclic
objects at its end (of millions made) and its peak memory did not change
(``benchmarks/results/feedback.md``, round 11b).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused", "skip_final_collection"]


@contextmanager
def collector_paused() -> Iterator[None]:
    """Switch automatic collection off inside the block and back to what it was after it
    (forked worker processes inherit the pause). Explicit :func:`gc.collect` calls still work.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def skip_final_collection() -> None:
    """Freeze every object alive (:func:`gc.freeze`), so that the full collection the
    interpreter makes as it exits has nothing to scan (0.3 CPU s after ``feedback analyze``
    on 10,000 comments). Only for a process about to exit: frozen objects are never
    collected."""
    gc.freeze()
