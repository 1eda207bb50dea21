"""What a new version of the case rules would do, tried on a published run before it is stored.

A manager who changes a rule (a lower ``min_severity``, a ``min_confidence`` for an aspect
rule, another phrase list) wants to know how many cases it would open, and which, on their own
customers' comments — figures measured on other people's comments do not carry over (the
reading's confidence, for one, is lower on long comments about many things than on one
sentence). :func:`preview_rules` evaluates the rules in force and the proposed ones on the same
run, as :func:`~loyalloop.services.cases.cases_from_run` would read it the first time (the
comments of the last ``days`` days before the run's as-of day, and the run's churn scores),
as if no case were open, and reports per rule how many signals each fires on, which fire only
under one of them (the most severe first), and how many cases each would open. Nothing is
stored and no case changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from loyalloop.cases import CaseConfig, RuleMatch, Signal, evaluate_rules, parse_case_config
from loyalloop.cases.reasons import Reason
from loyalloop.core.runs import RunStore
from loyalloop.errors import ConfigError
from loyalloop.feedback.names import aspect_names
from loyalloop.services.cases import FIRST_RUN_LOOKBACK_DAYS, active_config, run_signals
from loyalloop.services.store import Store

__all__ = ["RuleChange", "RuleExample", "RulesPreview", "preview_data", "preview_rules"]

#: Examples kept per rule and side (only in force, only proposed).
EXAMPLES = 3


@dataclass(frozen=True)
class RuleExample:
    """A signal a rule fires on under one of the two rule sets only; ``text`` is the comment
    as the run stores it (masked unless the home allows raw text; untrusted: escape it)."""

    signal_id: str
    customer_id: str
    severity: float
    reasons: tuple[Reason, ...]
    text: str


@dataclass(frozen=True)
class RuleChange:
    """One rule id: the signals it fires on in force and proposed (``None``: no such rule
    there, or disabled), and the most severe examples of the signals only one of them fires on
    (``gained``: proposed only; ``lost``: in force only) with their counts."""

    rule_id: str
    topic: str
    current: int | None
    proposed: int | None
    gained: int
    lost: int
    gained_examples: tuple[RuleExample, ...]
    lost_examples: tuple[RuleExample, ...]


@dataclass(frozen=True)
class RulesPreview:
    """The two rule sets on one run (see the module docstring)."""

    run: int
    since: dt.date
    as_of: dt.date
    current_version: int
    proposed_version: int
    feedback_signals: int
    rules: tuple[RuleChange, ...]
    cases_current: int
    cases_proposed: int
    #: aspect key → (English, Chinese) name, for the reasons' sentences
    aspect_names: dict[str, tuple[str, str]]
    #: A proposed rule sets ``min_confidence`` but the run's mention table has no clause
    #: confidence (a run written before it existed): the rule judges by the comment's
    #: confidence alone there, which drops more right cases in long comments than it will on
    #: a new run.
    comment_confidence_only: bool = False


def _fired(
    config: CaseConfig, signals: Sequence[Signal]
) -> tuple[dict[str, dict[str, RuleMatch]], int]:
    """rule id → signal id → match, and the number of cases the rules would open."""
    actions = evaluate_rules(config.rules, signals)
    by_rule: dict[str, dict[str, RuleMatch]] = {}
    for action in actions:
        for m in action.matches:
            by_rule.setdefault(m.rule_id, {})[m.signal_id] = m
    return by_rule, len(actions)


def _examples(
    ids: set[str], matches: dict[str, RuleMatch], signals: dict[str, Signal]
) -> tuple[RuleExample, ...]:
    top = sorted(ids, key=lambda s: (-matches[s].severity, s))[:EXAMPLES]
    return tuple(
        RuleExample(
            s, signals[s].customer_id, matches[s].severity, matches[s].reasons, signals[s].text
        )
        for s in top
    )


def preview_rules(
    store: Store, text: str, number: int | None = None, *, days: int = FIRST_RUN_LOOKBACK_DAYS
) -> RulesPreview:
    """Try the case rules ``text`` (YAML) against the rules in force on run ``number`` (the
    latest by default); nothing is stored.

    Raises
    ------
    CaseRuleError
        The rules do not parse or break the schema (the message names the line and field).
    ConfigError
        ``days`` is not a positive number of days.
    NoRunError
        There is no such run.
    """
    if days < 1:
        raise ConfigError(f"--days must be at least 1, got {days}")
    proposed = parse_case_config(text)
    run = RunStore(store.analytics.runs_dir).get(number)
    with store.session() as session:
        current = active_config(session)
        session.rollback()
    as_of = run.manifest.as_of
    after = dt.datetime.combine(as_of, dt.time(), dt.UTC) - dt.timedelta(days=days)
    sig_now = run_signals(run, current, feedback_after=after)
    sig_new = run_signals(run, proposed, feedback_after=after)
    signals = {s.signal_id: s for s in (*sig_now, *sig_new)}
    now, cases_now = _fired(current, sig_now)
    new, cases_new = _fired(proposed, sig_new)
    enabled_now = {r.id: r for r in current.rules.rules if r.enabled}
    enabled_new = {r.id: r for r in proposed.rules.rules if r.enabled}
    ids = list(dict.fromkeys([*enabled_now, *enabled_new]))
    changes = []
    for rid in ids:
        a, b = now.get(rid, {}), new.get(rid, {})
        gained, lost = set(b) - set(a), set(a) - set(b)
        rule = enabled_new.get(rid) or enabled_now[rid]
        changes.append(
            RuleChange(
                rule_id=rid,
                topic=rule.topic,
                current=len(a) if rid in enabled_now else None,
                proposed=len(b) if rid in enabled_new else None,
                gained=len(gained),
                lost=len(lost),
                gained_examples=_examples(gained, b, signals),
                lost_examples=_examples(lost, a, signals),
            )
        )
    feedback = sum(1 for s in sig_new if s.signal_id.startswith("feedback:"))
    filtered = any(r.min_confidence > 0 for r in enabled_new.values())
    has_clause = run.has_table("feedback_aspects") and (
        "clause_confidence" in run.read("feedback_aspects").column_names
    )
    return RulesPreview(
        run=run.number,
        since=after.date(),
        as_of=as_of,
        current_version=current.version,
        proposed_version=proposed.version,
        feedback_signals=feedback,
        rules=tuple(changes),
        cases_current=cases_now,
        cases_proposed=cases_new,
        aspect_names=aspect_names(run),
        comment_confidence_only=filtered and not has_clause,
    )


def preview_data(p: RulesPreview, lang: str = "en") -> dict[str, Any]:
    """``p`` as plain data (the CLI's ``--json``, the rules page): dates as ISO text, each
    example's reasons as sentences in ``lang`` (``"zh"`` or English) with the run's aspect
    names, its comment as stored (untrusted: escape it where it is shown)."""

    def examples(items: Sequence[RuleExample]) -> list[dict[str, Any]]:
        return [
            {
                "signal_id": e.signal_id,
                "customer_id": e.customer_id,
                "severity": e.severity,
                "reasons": [r.text(lang, p.aspect_names) for r in e.reasons],
                "text": e.text,
            }
            for e in items
        ]

    return {
        "run": p.run,
        "as_of": p.as_of.isoformat(),
        "since": p.since.isoformat(),
        "current_version": p.current_version,
        "proposed_version": p.proposed_version,
        "feedback_signals": p.feedback_signals,
        "cases_current": p.cases_current,
        "cases_proposed": p.cases_proposed,
        "comment_confidence_only": p.comment_confidence_only,
        "rules": [
            {
                "rule_id": c.rule_id,
                "topic": c.topic,
                "current": c.current,
                "proposed": c.proposed,
                "gained": c.gained,
                "lost": c.lost,
                "gained_examples": examples(c.gained_examples),
                "lost_examples": examples(c.lost_examples),
            }
            for c in p.rules
        ],
    }
