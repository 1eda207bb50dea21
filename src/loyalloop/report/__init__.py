"""Self-contained HTML report of a run (English and Chinese).

Names are imported on first use (as in :mod:`loyalloop.core`): the commands and the web app
read the wording catalogue, :mod:`loyalloop.report.i18n`, without loading the report's charts
and sections (pandas, plotly, scikit-learn), which ``render_report`` needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from loyalloop.core.lazy import lazy_exports

if TYPE_CHECKING:
    from loyalloop.report.html import Section, render_report, write_report

__all__ = ["Section", "render_report", "write_report"]

_WHERE = {name: "loyalloop.report.html" for name in __all__}

__getattr__, __dir__ = lazy_exports(globals(), _WHERE)
