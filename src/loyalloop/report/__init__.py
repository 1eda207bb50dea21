"""Self-contained HTML report of a run (English and Chinese)."""

from __future__ import annotations

from loyalloop.report.html import Section, render_report, write_report

__all__ = ["Section", "render_report", "write_report"]
