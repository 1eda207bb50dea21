"""Case rules: which signals open a follow-up case, with which topic, priority, team and SLA.

Signals
    A :class:`Signal` is something that happened to one customer: a feedback answer or comment
    (its score, text and aspect sentiments), a churn score from a run (with the customer's CLV
    percentile), or a win-back outcome. Its ``signal_id`` is its idempotency key: a signal
    already attached to a case is never attached again, so rules can run after every response
    and every ``loyalloop run`` over overlapping data.

Rules (:class:`Rule`, one of :class:`RuleKind`)
    ``detractor``       an NPS answer of at most ``max_score`` (default 6);
    ``negative_aspect`` a comment whose clause about an aspect (or any aspect) has a severity
                        (``−sentiment``) of at least ``min_severity`` and, when the rule sets
                        ``min_confidence``, whose reading is at least that confident that the
                        comment, or one of the clauses the aspect was found in read alone, is
                        about the aspect (an aspect without a confidence — implied by the
                        channel, or of a custom taxonomy — is kept, and the case says so); of
                        several such aspects the case names the comment's main
                        complaint (:func:`~loyalloop.feedback.complaints.main_complaint`:
                        severity weighed by the reading's confidence that the comment is
                        about it);
    ``phrase``          a comment containing a phrase of the named lists (投诉, 销卡, "cancel my
                        card" …; see :mod:`loyalloop.cases.phrases`);

                        phrase and aspect rules may skip comments more positive than
                        ``max_sentiment`` or answers scored above ``max_nps`` ("someone called
                        back the same day after my complaint", NPS 10, is praise, not a
                        complaint);
    ``churn_risk``      a churn probability of at least ``min_probability`` for a customer in the
                        top ``top_clv_share`` of CLV (0.1 = the top CLV decile);
    ``failed_winback``  a win-back contact that did not bring the customer back.

    Each rule names the case's ``topic``, ``team`` and ``sla_class``; the priority comes from
    :class:`~loyalloop.cases.priority.PriorityFormula` (with the rule's ``min_priority``).

Evaluation (:func:`evaluate_rules`)
    Pure: signals and the customers' open cases in, :class:`CaseAction` decisions out. One open
    case per customer and topic: signals for a customer and topic that already has an open case
    become one ``add`` action on that case (raising its priority if the new signals are more
    urgent, never lowering it); otherwise they become one ``open`` action. A rule's
    ``supersedes`` lists topics it replaces for the same signal: with ``complaint`` superseding
    ``detractor``, a detractor who writes 投诉 gets one complaint case, not two.

Versioning
    A :class:`RuleSet` carries the author's ``version`` number and a ``content_hash`` (SHA-256
    of its canonical JSON, so comments and formatting do not change it). Every action records
    both; :func:`check_new_version` refuses a changed rule set that keeps an old number.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from loyalloop.cases.phrases import PhraseList, PhraseMatch, normalize
from loyalloop.cases.priority import Priority, PriorityFormula
from loyalloop.cases.reasons import Reason
from loyalloop.errors import CaseRuleError, DataValidationError
from loyalloop.feedback.complaints import main_complaint
from loyalloop.insight.scales import NPS_DETRACTOR_MAX

__all__ = [
    "ActionKind",
    "CaseAction",
    "OpenCase",
    "Rule",
    "RuleKind",
    "RuleMatch",
    "RuleSet",
    "Signal",
    "SignalKind",
    "WinbackOutcome",
    "check_new_version",
    "evaluate_rules",
]


class SignalKind(StrEnum):
    FEEDBACK = "feedback"
    CHURN_RISK = "churn_risk"
    WINBACK = "winback"


class WinbackOutcome(StrEnum):
    RETURNED = "returned"
    FAILED = "failed"
    PENDING = "pending"


class RuleKind(StrEnum):
    DETRACTOR = "detractor"
    NEGATIVE_ASPECT = "negative_aspect"
    PHRASE = "phrase"
    CHURN_RISK = "churn_risk"
    FAILED_WINBACK = "failed_winback"


_SIGNAL_OF_RULE = {
    RuleKind.DETRACTOR: SignalKind.FEEDBACK,
    RuleKind.NEGATIVE_ASPECT: SignalKind.FEEDBACK,
    RuleKind.PHRASE: SignalKind.FEEDBACK,
    RuleKind.CHURN_RISK: SignalKind.CHURN_RISK,
    RuleKind.FAILED_WINBACK: SignalKind.WINBACK,
}


@dataclass(frozen=True)
class Signal:
    """One thing that happened to one customer (see the module docstring).

    ``clv_percentile`` (share of customers with a lower CLV, in [0, 1]) and
    ``churn_probability`` describe the customer as the latest run saw them and feed the
    priority; ``None`` when unknown. ``sentiment`` is the whole comment's sentiment in [−1, 1]
    and ``aspects`` maps an aspect to its most negative clause sentiment; ``aspect_confidence``
    maps an aspect to the reading's confidence that the comment is about it (the mention
    table's ``confidence``; an aspect without one is ranked by severity alone), and
    ``aspect_clause_confidence`` to its largest confidence for one of the clauses it was found
    in, read alone (``clause_confidence``). A rule's ``min_confidence`` keeps an aspect when
    either is high enough.
    """

    signal_id: str
    customer_id: str
    kind: SignalKind
    at: dt.datetime
    score_type: str | None = None
    score: float | None = None
    text: str = ""
    sentiment: float | None = None
    aspects: Mapping[str, float] = field(default_factory=dict)
    aspect_confidence: Mapping[str, float] = field(default_factory=dict)
    aspect_clause_confidence: Mapping[str, float] = field(default_factory=dict)
    churn_probability: float | None = None
    clv_percentile: float | None = None
    winback_outcome: WinbackOutcome | None = None
    campaign_id: str | None = None

    def __post_init__(self) -> None:
        if not self.signal_id or not self.customer_id:
            raise DataValidationError("a signal needs a signal_id and a customer_id")
        for name in ("churn_probability", "clv_percentile"):
            x = getattr(self, name)
            if x is not None and not (math.isfinite(x) and 0 <= x <= 1):
                raise DataValidationError(
                    f"signal {self.signal_id}: {name} must be in [0, 1], got {x}"
                )


@dataclass(frozen=True)
class Rule:
    """One case rule (see the module docstring for the kinds and their parameters)."""

    id: str
    kind: RuleKind
    topic: str
    team: str
    sla_class: str
    max_score: float = float(NPS_DETRACTOR_MAX)
    aspects: tuple[str, ...] = ()  # empty = any aspect
    min_severity: float = 0.5
    min_confidence: float = 0.0  # aspect rules: 0 = any confidence
    max_sentiment: float | None = None  # phrase / aspect rules: skip more positive comments
    max_nps: float | None = None  # phrase / aspect rules: skip answers scored above this
    phrase_lists: tuple[str, ...] = ()
    min_probability: float = 0.5
    top_clv_share: float = 0.1
    severity: float | None = None  # fixed severity (churn, win-back) or an override
    min_priority: Priority | None = None
    supersedes: tuple[str, ...] = ()
    enabled: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind.value,
            "topic": self.topic,
            "team": self.team,
            "sla_class": self.sla_class,
            "max_score": self.max_score,
            "aspects": list(self.aspects),
            "min_severity": self.min_severity,
            "min_confidence": self.min_confidence,
            "max_sentiment": self.max_sentiment,
            "max_nps": self.max_nps,
            "phrase_lists": list(self.phrase_lists),
            "min_probability": self.min_probability,
            "top_clv_share": self.top_clv_share,
            "severity": self.severity,
            "min_priority": self.min_priority.value if self.min_priority else None,
            "supersedes": list(self.supersedes),
            "enabled": self.enabled,
        }


@dataclass(frozen=True)
class RuleMatch:
    """One rule that fired on one signal: severity, priority and the reasons (codes with
    params, :class:`~loyalloop.cases.reasons.Reason`)."""

    rule_id: str
    signal_id: str
    topic: str
    team: str
    sla_class: str
    severity: float
    priority: Priority
    priority_score: float
    reasons: tuple[Reason, ...]
    phrases: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleSet:
    """A validated, versioned set of rules with its phrase lists and priority formula."""

    version: int
    rules: tuple[Rule, ...]
    phrase_lists: Mapping[str, PhraseList] = field(default_factory=dict)
    priority: PriorityFormula = field(default_factory=PriorityFormula)

    def __post_init__(self) -> None:
        ids = [r.id for r in self.rules]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise CaseRuleError(f"rule ids must be unique; repeated: {', '.join(dup)}")
        for r in self.rules:
            missing = [n for n in r.phrase_lists if n not in self.phrase_lists]
            if missing:
                raise CaseRuleError(f"rule {r.id} names unknown phrase lists: {missing}")

    def canonical(self) -> dict[str, Any]:
        """The rule set as plain data, in a fixed order (what the hash is computed over)."""
        return {
            "version": self.version,
            "rules": [r.to_dict() for r in self.rules],
            "phrase_lists": {
                name: {
                    "phrases": list(pl.phrases),
                    "severity": pl.severity,
                    "exclusions": list(pl.exclusions),
                }
                for name, pl in sorted(self.phrase_lists.items())
            },
            "priority": {
                k: getattr(self.priority, k)
                for k in ("w_value", "w_risk", "w_severity", "p1", "p2", "p3", "unknown_as")
            },
        }

    @property
    def content_hash(self) -> str:
        """SHA-256 (hex) of :meth:`canonical` without the version number."""
        data = self.canonical()
        data.pop("version")
        raw = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()

    @property
    def topics(self) -> frozenset[str]:
        return frozenset(r.topic for r in self.rules)


def check_new_version(previous: RuleSet | None, new: RuleSet) -> bool:
    """Whether ``new`` is a new version to store (``False``: same content as ``previous``).

    Raises
    ------
    CaseRuleError
        When the content changed but the version number did not go up.
    """
    if previous is None:
        return True
    if previous.content_hash == new.content_hash:
        return False
    if new.version <= previous.version:
        raise CaseRuleError(
            f"the rules changed but their version is {new.version}; the current version is "
            f"{previous.version} — give the new rules version {previous.version + 1} or higher",
            field="version",
        )
    return True


@dataclass(frozen=True)
class OpenCase:
    """What the rules need to know about an open case: who, which topic, how urgent, and the
    signals already attached."""

    case_id: str
    customer_id: str
    topic: str
    priority: Priority
    signal_ids: frozenset[str] = field(default_factory=frozenset)


class ActionKind(StrEnum):
    OPEN = "open"
    ADD = "add"


@dataclass(frozen=True)
class CaseAction:
    """A decision for the service: open a case, or add signals to an open one.

    ``priority`` is the most urgent of the matches (for ``add``: of the matches and the open
    case; ``raises_priority`` says whether that is more urgent than the case was). ``team`` and
    ``sla_class`` come from the most urgent match (for ``add`` the case keeps its own).
    """

    kind: ActionKind
    customer_id: str
    topic: str
    team: str
    sla_class: str
    priority: Priority
    matches: tuple[RuleMatch, ...]
    rules_version: int
    rules_hash: str
    case_id: str | None = None
    raises_priority: bool = False

    @property
    def signal_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(m.signal_id for m in self.matches))


# -- matching ---------------------------------------------------------------------------------


def _known(values: Mapping[str, float]) -> dict[str, float]:
    """The finite values of ``values`` (``None`` and NaN: unknown)."""
    return {k: float(v) for k, v in values.items() if v is not None and math.isfinite(v)}


def _match_rule(
    rule: Rule,
    signal: Signal,
    rules: RuleSet,
    norm_text: str | None,
) -> tuple[float, list[Reason], tuple[str, ...]] | None:
    """(severity, reasons, phrases) if ``rule`` fires on ``signal``, else ``None``."""
    if _SIGNAL_OF_RULE[rule.kind] is not signal.kind:
        return None
    if rule.kind in (RuleKind.PHRASE, RuleKind.NEGATIVE_ASPECT):
        s = signal.sentiment
        if rule.max_sentiment is not None and s is not None and s > rule.max_sentiment:
            return None
        is_nps = (signal.score_type or "").lower() == "nps" and signal.score is not None
        if rule.max_nps is not None and is_nps and signal.score > rule.max_nps:  # type: ignore[operator]
            return None
    if rule.kind is RuleKind.DETRACTOR:
        if (signal.score_type or "").lower() != "nps" or signal.score is None:
            return None
        if not (math.isfinite(signal.score) and signal.score <= rule.max_score):
            return None
        sev = 1.0 - min(max(signal.score, 0.0), 10.0) / 10.0
        why = Reason("nps_detractor", {"score": signal.score, "max_score": rule.max_score})
        return sev, [why], ()
    if rule.kind is RuleKind.NEGATIVE_ASPECT:
        sure = _known(signal.aspect_confidence)
        either = _known(signal.aspect_clause_confidence)
        for a, c in sure.items():  # the comment's or the clause's, whichever is larger
            either[a] = max(c, either.get(a, c))
        hits = [
            (a, -s)
            for a, s in signal.aspects.items()
            if (not rule.aspects or a in rule.aspects) and math.isfinite(s)
            if -s >= rule.min_severity and either.get(a, 1.0) >= rule.min_confidence
        ]
        if not hits:
            return None
        severity = dict(hits)
        aspect = main_complaint({a: -v for a, v in severity.items()}, sure)
        if aspect is None:  # hits is not empty: never
            return None
        sev = severity[aspect]
        reasons = [
            Reason(
                "negative_aspect",
                {"aspect": aspect, "severity": sev, "min_severity": rule.min_severity},
            )
        ]
        if rule.min_confidence > 0:
            reasons.append(
                Reason(
                    "aspect_confidence",
                    {
                        "aspect": aspect,
                        "confidence": either[aspect],
                        "min_confidence": rule.min_confidence,
                    },
                )
                if aspect in either
                else Reason("aspect_confidence_unknown", {"aspect": aspect})
            )
        return sev, reasons, ()
    if rule.kind is RuleKind.PHRASE:
        if not norm_text:
            return None
        found: list[PhraseMatch] = []
        for name in rule.phrase_lists:
            found.extend(rules.phrase_lists[name].find(norm_text))
        if not found:
            return None
        sev = max(rules.phrase_lists[m.list_name].severity for m in found)
        phrases = tuple(dict.fromkeys(m.phrase for m in found))
        lists = list(dict.fromkeys(m.list_name for m in found))
        return sev, [Reason("phrase", {"lists": lists, "phrases": list(phrases)})], phrases
    if rule.kind is RuleKind.CHURN_RISK:
        p, v = signal.churn_probability, signal.clv_percentile
        if p is None or v is None or p < rule.min_probability:
            return None
        if v < 1.0 - rule.top_clv_share:
            return None
        sev = rule.severity if rule.severity is not None else 0.5
        why = Reason(
            "churn_high",
            {
                "p": p,
                "min_p": rule.min_probability,
                "top_share": rule.top_clv_share,
                "percentile": v,
            },
        )
        return sev, [why], ()
    # failed win-back
    if signal.winback_outcome is not WinbackOutcome.FAILED:
        return None
    sev = rule.severity if rule.severity is not None else 0.5
    return sev, [Reason("winback_failed", {"campaign": signal.campaign_id or ""})], ()


def _matches_for(signal: Signal, rules: RuleSet) -> list[tuple[Rule, RuleMatch]]:
    norm = normalize(signal.text) if signal.kind is SignalKind.FEEDBACK and signal.text else None
    fired: list[tuple[Rule, RuleMatch]] = []
    for rule in rules.rules:
        if not rule.enabled:
            continue
        hit = _match_rule(rule, signal, rules, norm)
        if hit is None:
            continue
        sev, reasons, phrases = hit
        if rule.severity is not None and rule.kind not in (
            RuleKind.CHURN_RISK,
            RuleKind.FAILED_WINBACK,
        ):
            sev = rule.severity
        ps = rules.priority.score(
            clv_percentile=signal.clv_percentile,
            churn_probability=signal.churn_probability,
            severity=sev,
            min_priority=rule.min_priority,
        )
        fired.append(
            (
                rule,
                RuleMatch(
                    rule.id,
                    signal.signal_id,
                    rule.topic,
                    rule.team,
                    rule.sla_class,
                    ps.severity,
                    ps.priority,
                    ps.score,
                    (*reasons, *ps.reasons),
                    phrases,
                ),
            )
        )
    dropped = {t for rule, _ in fired for t in rule.supersedes}
    kept = [(r, m) for r, m in fired if r.topic not in dropped]
    # one match per topic and signal: the most urgent (then the first rule)
    best: dict[str, tuple[Rule, RuleMatch]] = {}
    for r, m in kept:
        cur = best.get(m.topic)
        if cur is None or (m.priority.rank, -m.priority_score) < (
            cur[1].priority.rank,
            -cur[1].priority_score,
        ):
            best[m.topic] = (r, m)
    return list(best.values())


def _most_urgent(matches: Sequence[RuleMatch]) -> RuleMatch:
    return min(matches, key=lambda m: (m.priority.rank, -m.priority_score))


def evaluate_rules(
    rules: RuleSet,
    signals: Iterable[Signal],
    open_cases: Iterable[OpenCase] = (),
    *,
    handled_signals: Iterable[str] = (),
) -> list[CaseAction]:
    """Decide which cases to open and which open cases get new signals.

    Parameters
    ----------
    rules
        The rule set in force.
    signals
        New signals (any order; signals already attached to a case are skipped).
    open_cases
        The open (not closed) cases of the signals' customers.
    handled_signals
        Ids of signals already attached to any case, open or closed (so a closed case's
        signals do not open a new case when the rules run again over the same data).

    Returns
    -------
    list[CaseAction]
        One action per customer and topic, in order of first signal time; ``add`` actions for
        customers with an open case on the topic, ``open`` actions otherwise.
    """
    handled = set(handled_signals)
    by_key: dict[tuple[str, str], OpenCase] = {}
    for case in open_cases:
        key = (case.customer_id, case.topic)
        if key in by_key:
            raise CaseRuleError(
                f"customer {case.customer_id} has two open cases on topic {case.topic} "
                f"({by_key[key].case_id}, {case.case_id}); close one first"
            )
        by_key[key] = case
        handled |= case.signal_ids
    grouped: dict[tuple[str, str], list[tuple[dt.datetime, RuleMatch]]] = {}
    seen: set[str] = set()
    for signal in sorted(signals, key=lambda s: (s.at, s.signal_id)):
        if signal.signal_id in handled or signal.signal_id in seen:
            continue
        seen.add(signal.signal_id)
        for _rule, match in _matches_for(signal, rules):
            grouped.setdefault((signal.customer_id, match.topic), []).append((signal.at, match))
    actions: list[CaseAction] = []
    version, digest = rules.version, rules.content_hash
    for (customer, topic), items in sorted(grouped.items(), key=lambda kv: kv[1][0][0]):
        matches = tuple(m for _, m in items)
        top = _most_urgent(matches)
        open_case = by_key.get((customer, topic))
        if open_case is None:
            actions.append(
                CaseAction(
                    ActionKind.OPEN,
                    customer,
                    topic,
                    top.team,
                    top.sla_class,
                    top.priority,
                    matches,
                    version,
                    digest,
                )
            )
        else:
            new = open_case.priority.at_least(top.priority)
            actions.append(
                CaseAction(
                    ActionKind.ADD,
                    customer,
                    topic,
                    top.team,
                    top.sla_class,
                    new,
                    matches,
                    version,
                    digest,
                    case_id=open_case.case_id,
                    raises_priority=new is not open_case.priority,
                )
            )
    return actions
