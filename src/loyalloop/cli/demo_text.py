"""What ``loyalloop demo`` prints about its campaign and its learning rounds, in the reader's
language (``--lang``): every sentence from the report's catalogue (:mod:`loyalloop.report.i18n`,
keys ``demo_*``), numbers formatted alike in both languages.

The learning rounds are rendered here, in both languages, from the fields the rounds carry —
each group's policy (named as ``code_names`` names a targeting policy: risk-only, value-only,
random …), the model decision, the value of a response's calibration, the cross-validation and
the next round's shares (``choice``, ``qini``, ``calibration``, ``shares``): one wording, the
catalogue's (``demo --json`` prints the same English lines). The measurement layer's
:meth:`~loyalloop.measurement.sample_rounds.LearningRounds.lines` stays the library's plain
summary for Python users; no command prints it. Free text without such fields (a round 1 too
small to fit a model; rounds made before the fields) is shown as written, marked as English in
Chinese (``说明（英文）``). Imports nothing heavy at import time.
"""

from __future__ import annotations

import math
import unicodedata
from typing import TYPE_CHECKING, Any

from loyalloop.cli.talk import code_name, t

if TYPE_CHECKING:
    from loyalloop.measurement.learning import Policy, RoundPlan
    from loyalloop.measurement.sample_rounds import LearningRounds
    from loyalloop.report.i18n import Lang

__all__ = ["campaign_lines", "learning_lines"]

#: Names of the demo campaign's arms that have words (others print as they are named).
_ARMS = frozenset({"offer", "message", "holdout", "global_control"})
_GROUPS = frozenset({"champion", "challenger", "explore"})


def _arm(name: str, lang: Lang) -> str:
    return t(f"demo_arm_{name}", lang) if name in _ARMS else name


def _pad(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal columns (a Chinese character takes two)."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - used)


def campaign_lines(c: Any, lang: Lang, *, budget: float, window_days: int) -> list[str]:
    """The demo campaign's launch, delivery and simulated outcomes per arm
    (:class:`~loyalloop.apps.demo.CampaignDemoResult`; its spec's budget and window)."""
    launch, counts = c.launch, c.launch["counts"]
    currency = launch["currency"]
    sep = t("cli_list_sep", lang)
    arms = sep.join(f"{_arm(k, lang)} {v:,}" for k, v in counts["arms"].items())
    d = c.delivered
    lines = [
        t(
            "demo_campaign",
            lang,
            name=launch["campaign"],
            run=launch["run"],
            audience=f"{counts['audience']:,}",
            no_consent=f"{counts['no_consent']:,}",
            assigned=f"{counts['assigned']:,}",
            gc=f"{counts['global_control']:,}",
            holdout=f"{counts['holdout']:,}",
            arms=arms,
            cost=f"{launch['expected_cost']:,.2f}",
            budget=f"{budget:,.0f}",
            currency=currency,
        ),
        t(
            "demo_worker",
            lang,
            sent=f"{d['sent']:,}",
            sink=c.sink,
            dead=f"{d['dead']:,}",
            failed=f"{launch['failed']:,}",
        ),
        t("demo_outcomes", lang, days=window_days),
    ]
    for a in c.arms:
        row = t(
            "demo_outcome_row",
            lang,
            customers=f"{a['customers']:,}",
            buyers=f"{a['buyers']:,}",
            rate=f"{a['response_rate']:.1%}",
            revenue=f"{a['revenue_per_customer']:,.0f}",
            currency=currency,
        )
        lines.append(f"  {_pad(_arm(str(a['arm']), lang), 15)} {row}")
    lines.append(t("demo_next_run", lang, name=launch["campaign"]))
    return lines


def learning_lines(rounds: LearningRounds, lang: Lang) -> list[str]:
    """The two rounds: each group's plan, what the holdouts measured, the truth; the model
    decision; round 2 − round 1 on the truth."""
    currency = rounds.currency
    lines: list[str] = []
    for i, r in enumerate(rounds.rounds, start=1):
        groups = t("cli_list_sep", lang).join(
            t(
                "demo_group",
                lang,
                group=t(f"demo_group_{g.group}", lang) if g.group in _GROUPS else g.group,
                policy=_policy(r.plan, g.group, lang),
                treated=f"{g.treated:,}",
                held=f"{g.held_out:,}",
                spent=f"{g.spent:,.0f}",
                currency=currency,
            )
            for g in r.plan.groups
        )
        kind = t("demo_learning_round", lang) if i == 1 else ""
        lines.append(t("demo_round", lang, i=i, groups=kind + groups))
        total = r.report.campaign(r.plan.campaign_id).total
        if total is not None:
            spent = sum(g.spent for g in r.plan.groups)
            lines.append(_measured(total, spent, rounds.budget, currency, lang))
        tv = r.true_value
        by_group = t("cli_list_sep", lang).join(
            f"{t(f'demo_group_{g}', lang) if g in _GROUPS else g} {v:+,.0f}"
            for g, v in r.expected_by_group.items()
        )
        lines.append(
            t(
                "demo_truth",
                lang,
                expected=f"{r.expected_value:+,.0f}",
                by_group=by_group,
                estimate=f"{tv.estimate:+,.0f}",
                low=f"{tv.low:+,.0f}",
                high=f"{tv.high:+,.0f}",
                currency=currency,
            )
        )
    lines += _decision_lines(rounds, lang)
    if math.isfinite(rounds.reference):
        r1, r2 = (r.expected_value - rounds.reference for r in rounds.rounds)
        lines.append(
            t(
                "demo_reference",
                lang,
                action=_action(rounds.usual_action, lang),
                reference=f"{rounds.reference:+,.0f}",
                r1=f"{r1:+,.0f}",
                r2=f"{r2:+,.0f}",
                currency=currency,
            )
        )
    d = rounds.difference
    lines.append(
        t(
            "demo_difference",
            lang,
            gain=f"{rounds.expected_gain:+,.0f}",
            estimate=f"{d.estimate:+,.0f}",
            low=f"{d.low:+,.0f}",
            high=f"{d.high:+,.0f}",
            budget=f"{rounds.budget:,.0f}",
            currency=currency,
            verdict=t(f"demo_{rounds.verdict}", lang),
        )
    )
    return lines


def _decision_lines(rounds: LearningRounds, lang: Lang) -> list[str]:
    """The model decision and the notes behind it, from the rounds' fields."""
    choice, qini, cal, shares = rounds.choice, rounds.qini, rounds.calibration, rounds.shares
    if rounds.entry is None or choice is None or qini is None or cal is None or shares is None:
        out = [
            t("demo_model", lang, model=rounds.entry.model_id, decision=rounds.decision)
            if rounds.entry is not None
            else t("demo_no_model", lang, decision=rounds.decision)
        ]
        return out + [t("demo_note", lang, note=note) for note in rounds.notes]
    from loyalloop.measurement.selection import Selected

    sep = t("cli_list_sep", lang)
    default = "incumbent" if choice.default is Selected.INCUMBENT else "nobody"
    fill = (
        ""
        if choice.fill_action is None
        else t("demo_policy_fill", lang, action=_action(choice.fill_action, lang))
    )
    if choice.withheld:
        actions = sep.join(_action(a, lang) for a in choice.withheld)
        fill = t("demo_choice_withheld", lang, actions=actions) + fill
    labels = {c.label: c for c in choice.candidates}
    inc = labels.get("incumbent")
    if inc is None:
        why = t("demo_why_no_incumbent", lang)
    else:
        why = t(
            f"demo_why_{default}",
            lang,
            value=f"{inc.value:+,.0f}",
            se=f"{inc.se:,.0f}",
        )
    figures = {
        "lead": _figure(choice.lead, "+,.0f", lang),
        "se": _figure(choice.lead_se, ",.0f", lang),
        "rule": f"{choice.rule:g}",
        "default": t(f"demo_choice_{default}", lang),
    }
    verdict = (
        t("demo_choice_runs_model", lang, caution=f"{choice.caution:g}", **figures)
        if choice.selected is Selected.MODEL
        else t("demo_choice_runs_default", lang, **figures)
    )
    decision = t(
        "demo_decision",
        lang,
        qini=f"{qini[0]:.4g}",
        baseline=f"{qini[1]:.4g}",
        folds=sep.join(f"{k:g}" for k in choice.fold_cautions) or t("demo_na", lang),
        fill=fill,
        verdict=verdict,
        why=why,
    )
    out = [t("demo_model_decided", lang, model=rounds.entry.model_id, decision=decision)]
    if cal.responders:
        out.append(
            t(
                "demo_value_calibrated",
                lang,
                n=f"{cal.responders:,}",
                stay=f"{cal.stay_ratio:.2f}",
                lapse=f"{cal.lapse_ratio:.2f}",
                overall=f"{cal.overall:.2f}",
            )
        )
    else:
        out.append(t("demo_value_not_calibrated", lang))
    if cal.responders and cal.notes:  # too few responders: one overall ratio
        out.append(t("demo_value_overall_only", lang, n=f"{cal.responders:,}"))
    cands = sep.join(
        t(
            "demo_candidate",
            lang,
            label=_candidate(c.label, lang),
            value=f"{c.value:+,.0f}",
            se=f"{c.se:,.0f}",
        )
        if math.isfinite(c.value)
        else t("demo_candidate_na", lang, label=_candidate(c.label, lang))
        for c in choice.candidates
    )
    out.append(t("demo_cross_validated", lang, currency=rounds.currency, candidates=cands))
    out.append(
        t(
            "demo_shares",
            lang,
            challenger=f"{shares.challenger_share:.1%}",
            p_challenger=_figure(shares.p_challenger_better, ".0%", lang),
            exploration=f"{shares.exploration_share:.1%}",
            p_model=_figure(shares.p_model_better, ".0%", lang),
        )
    )
    return out


def _figure(value: float, spec: str, lang: Lang) -> str:
    """``value`` formatted with ``spec``, or "n/a" / "无法计算" when it could not be computed
    (a round 1 whose folds fitted no model leaves the lead and the chances undefined)."""
    return format(value, spec) if math.isfinite(value) else t("demo_na", lang)


def _candidate(label: str, lang: Lang) -> str:
    """A policy-choice candidate's label (``model:1``, ``model:cross-fitted``, ``incumbent``,
    ``nobody``) in ``lang``."""
    from loyalloop.measurement.selection import CROSS_FITTED

    if label == CROSS_FITTED:
        return t("demo_candidate_cross_fitted", lang)
    if label.startswith("model:"):
        return t("demo_candidate_model", lang, caution=label.removeprefix("model:"))
    if label in ("incumbent", "nobody"):
        return t(f"demo_choice_{label}", lang)
    return label


def _action(name: str | None, lang: Lang) -> str:
    from loyalloop.measurement.sample_rounds import SAMPLE_ACTIONS

    if name is None:
        return t("demo_random_actions", lang)
    labels = {a.name: (a.label_zh if lang == "zh" else a.name) for a in SAMPLE_ACTIONS}
    return labels.get(name) or name


def _policy(plan: RoundPlan, group: str, lang: Lang) -> str:
    """A group's policy in words (:meth:`~loyalloop.measurement.learning.Policy.label`)."""
    policy = {"champion": plan.champion, "challenger": plan.challenger}.get(group)
    if policy is None:  # the exploration share: random customers, random actions
        return t("demo_explore_policy", lang)
    return policy_label(policy, lang)


def policy_label(policy: Policy, lang: Lang) -> str:
    """:meth:`Policy.label <loyalloop.measurement.learning.Policy.label>` in ``lang``."""
    kind = policy.kind.value
    if kind == "model":
        text = t("demo_policy_model", lang, model=policy.model_id)
        if policy.caution is not None:
            text += t("demo_policy_caution", lang, caution=f"{policy.caution:g}")
        if policy.fill_action is not None:
            text += t("demo_policy_fill", lang, action=_action(policy.fill_action, lang))
        return text
    if kind == "nobody":
        return t("demo_policy_nobody", lang)
    depth = (
        ""
        if policy.min_score is None
        else t("demo_policy_depth", lang, score=f"{policy.min_score:.3g}")
    )
    name = code_name("targeting_", kind, lang)
    return t(
        "demo_policy_baseline", lang, name=name, action=_action(policy.action, lang), depth=depth
    )


def _measured(total: Any, spent: float, budget: float, currency: str, lang: Lang) -> str:
    """What the holdouts measured, as the shared quoting rule allows it to be shown
    (:func:`~loyalloop.measurement.quoting.quote_effect`)."""
    from loyalloop.measurement.quoting import Verdict, explain, quote_effect

    q = quote_effect(total, budget=budget if budget > 0 else None, spend=spent)
    net = q.net
    if net.verdict is Verdict.NOT_MEASURABLE:
        return t("demo_measured_none", lang, why=explain(net, lang))
    interval = t("demo_interval", lang, low=f"{net.low:,.0f}", high=f"{net.high:,.0f}")
    if net.quoted:
        figure = t(
            "demo_net", lang, estimate=f"{net.estimate:,.0f}", interval=interval, currency=currency
        )
    else:
        figure = t(
            "demo_net_inconclusive",
            lang,
            interval=interval,
            currency=currency,
            why=explain(net, lang),
        )
    roi = q.roi
    if roi.quoted:
        roi_text = t(
            "demo_roi",
            lang,
            estimate=f"{roi.estimate:+.2f}",
            interval=t("demo_interval", lang, low=f"{roi.low:+.2f}", high=f"{roi.high:+.2f}"),
        )
    elif roi.verdict is Verdict.INCONCLUSIVE:
        roi_text = t("demo_roi_inconclusive", lang)
    else:
        why = explain(roi, lang)  # the floors' reasons already say that no ROI is quoted
        said = why.startswith(("ROI", "不报告"))
        roi_text = why if said else t("demo_roi_not_quoted", lang, why=why)
    return t("demo_measured", lang, figure=figure, roi=roi_text)
