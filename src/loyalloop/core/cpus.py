"""How many CPUs this process may use (its affinity mask where the platform has one)."""

from __future__ import annotations

import os

__all__ = ["available_cpus"]


def available_cpus() -> int:
    """CPUs this process may run on: its affinity mask on Linux (a container or ``taskset``
    may allow fewer than the machine has), else :func:`os.cpu_count`; at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
