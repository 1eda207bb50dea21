"""Report section: the glossary — every status and value word of the report, defined once
(:func:`loyalloop.insight.definitions.glossary`) with the thresholds of this run's settings."""

from __future__ import annotations

from typing import Any

from loyalloop.core.runs import Run
from loyalloop.insight.definitions import StatusRules, glossary
from loyalloop.report.i18n import Lang, t
from loyalloop.report.parts import Section, html_table

__all__ = ["glossary_section"]


def _setting(config: dict[str, Any], *path: str, default: Any) -> Any:
    value: Any = config
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return default
        value = value[key]
    return value


def run_rules(config: dict[str, Any]) -> StatusRules:
    """The status rules a run used (its recorded settings; defaults where absent)."""
    given = _setting(config, "loyalty", "lifecycle", default={})
    known = set(StatusRules.__dataclass_fields__)
    return StatusRules(**{k: v for k, v in given.items() if k in known})


def glossary_section(run: Run, lang: Lang) -> Section:
    """One row per word: its name and its definition, in ``lang``."""
    config = run.manifest.config
    entries = glossary(
        run_rules(config),
        horizon_days=int(_setting(config, "churn", "horizon_days", default=90)),
        clv_months=int(_setting(config, "clv", "horizon_months", default=12)),
        recent_days=int(_setting(config, "active_days", default=90)),
    )
    body = html_table(
        [t("gl_word", lang), t("gl_meaning", lang)],
        [(e.name(lang), e.definition(lang)) for e in entries],
    )
    return Section("glossary", t("gl_title", lang), body)
