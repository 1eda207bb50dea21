"""Command-line interface (thin: parse, call the library, format)."""

from __future__ import annotations

__all__: list[str] = []
