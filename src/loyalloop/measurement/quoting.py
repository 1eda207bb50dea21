"""When a campaign's lift and ROI may be quoted: one rule for every place that shows them.

The campaign results (:mod:`.results`) hold every estimate with its interval, whatever the
data can support. Before a figure reaches a person — ``loyalloop campaigns results``, the
run report's campaigns section, the dashboard, the demo's round lines — it goes through
:func:`quote_arm`, which decides how each figure may be shown and why (a :class:`Quote`: a
:class:`Verdict` and a :class:`QuoteReason` code, never text to parse):

* **not measurable** — the comparison has no holdout, no treated customers, or fewer than
  :data:`MIN_GROUP` customers on either side, or the statistics could not compute the figure
  (the result's own error code is kept in ``detail``); nothing is shown but the reason;
* **conclusive gain** / **conclusive loss** — the interval lies wholly above / below 0: the
  estimate is shown with its interval;
* **inconclusive** — the interval touches or crosses 0 (or is not finite: *not measurable*,
  ``not_finite``): the interval is shown, never the point estimate as a gain or a loss.

**ROI** (``Δmargin / Δcost − 1``) is quoted only when all of these hold, else it is *not
quoted* (or *inconclusive*) with the reason:

1. the net value is measurable and the ROI was computed (a margin rate, some incremental cost);
2. its interval is finite;
3. where the campaign's budget is known, the spend is at least :data:`ROI_MIN_SPEND_SHARE`
   (10 %) of it (``tiny_spend``) — the demo once showed ROI +38, 95 % −13 … +90, on 1,792 CNY
   spent of a 19,722 CNY budget, where the truth was a loss;
4. with or without a budget, the spend is at least the **noise of the incremental margin**,
   the half-width of its interval (``spend_below_noise``). Derivation: the ROI's variance by
   the delta method is ``var A / B² + …`` with ``A`` the incremental margin and ``B`` the
   incremental cost (:mod:`.results`); its first term alone gives the ROI's interval a
   half-width of ``z·se(A) / B`` = (margin's half-width) / spend (the treated customers'
   actual cost; a holdout costs nothing, so it is the incremental cost). A spend below the margin's
   half-width leaves the ROI uncertain by more than ±1 (±100 %) from the revenue's noise alone:
   the data cannot tell a campaign that doubled its money from one that lost all of it, so no
   ratio is printed — the net value (a difference, which stays meaningful on a small spend) is;
5. the net value and the ROI are both conclusive (ROI > 0 exactly when net value > 0, so a
   quoted ROI never contradicts the net value); otherwise the ROI is *inconclusive*.

**The minimum group**, :data:`MIN_GROUP` = :data:`~.results.MIN_ARM` = 30 customers in the
holdout and in the arm, for every figure. Money: revenue is heavy-tailed, and a 95 % interval
from a holdout of 10 covered the true effect 73 % of the time on the sample's campaign truth,
from 20 about 92 %, from 30 or more at least 94.7 % (docs/measurement.md). Response rates:
Welch's interval on a difference of proportions (arm of 1,000, response 3 points higher)
covered 88.4 % with a holdout of 10 at a 67 % base rate and 91.8 % with 20 at 20 %, and at
least 93.2 % from 30 on (base rates 5 %, 20 %, 67 %; 3,000 simulations each,
``benchmarks/quoting_min_group.py``) — and an interval from fewer than 30 is too wide to act
on.

Bad input: a budget that is not a positive finite number is refused (``ConfigError``); NaN or
infinite estimates and intervals give *not measurable* / *not quoted* with ``not_finite``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Literal

from loyalloop.core.results import CampaignArmSummary, Interval, ProgrammeSummary
from loyalloop.errors import ConfigError
from loyalloop.measurement.notes import DETAILS, NOTES
from loyalloop.measurement.programme import MIN_PROGRAMME_BUYERS, TOO_FEW_BUYERS
from loyalloop.measurement.results import MIN_ARM, Effect, Metric, ResultError

__all__ = [
    "MIN_GROUP",
    "ROI_MIN_SPEND_SHARE",
    "ArmQuotes",
    "Figure",
    "Quote",
    "QuoteReason",
    "Verdict",
    "cell",
    "explain",
    "fmt_money",
    "fmt_points",
    "fmt_ratio",
    "quote_arm",
    "quote_effect",
    "quote_figure",
    "quote_programme",
    "quote_rows",
    "quote_summary",
]

#: The fewest customers in the holdout and in the arm for any figure to be quoted (module
#: docstring: the intervals' coverage below it).
MIN_GROUP = MIN_ARM
#: Where the budget is known, the ROI is quoted only from this share of it spent.
ROI_MIN_SPEND_SHARE = 0.10

Lang = Literal["en", "zh"]


class Verdict(StrEnum):
    """How a figure may be shown (module docstring)."""

    GAIN = "conclusive_gain"
    LOSS = "conclusive_loss"
    INCONCLUSIVE = "inconclusive"
    NOT_MEASURABLE = "not_measurable"
    #: ROI only: computed, but the spend or its interval cannot support a ratio.
    NOT_QUOTED = "not_quoted"


class QuoteReason(StrEnum):
    """Why a :class:`Quote` has its verdict."""

    ABOVE_ZERO = "above_zero"
    BELOW_ZERO = "below_zero"
    CROSSES_ZERO = "crosses_zero"
    NO_HOLDOUT = "no_holdout"
    EMPTY_ARM = "empty_arm"
    SMALL_GROUP = "small_group"
    NOT_COMPUTED = "not_computed"
    NOT_FINITE = "not_finite"
    TINY_SPEND = "tiny_spend"
    SPEND_BELOW_NOISE = "spend_below_noise"
    #: The programme against the global control: too few buyers on a side for a verdict
    #: (:data:`~.programme.MIN_PROGRAMME_BUYERS`).
    TOO_FEW_BUYERS = "too_few_buyers"


def _nan(v: Any) -> float:
    return math.nan if v is None else float(v)


@dataclass(frozen=True)
class Figure:
    """An estimate with its interval as the results hold it (``nan``: undefined), and the
    results' error code and message when it was not computed."""

    estimate: float
    low: float
    high: float
    error: str | None = None
    message: str = ""

    @classmethod
    def missing(cls, error: str | None = None, message: str = "") -> Figure:
        return cls(math.nan, math.nan, math.nan, error or "not_computed", message)

    @classmethod
    def of(cls, v: Interval | None, error: str | None = None, message: str = "") -> Figure:
        """From a run manifest's :class:`~loyalloop.core.results.Interval` (``None``: not
        computed, ``error`` says why when known)."""
        if v is None or v.value is None:
            return cls.missing(error, message)
        return cls(_nan(v.value), _nan(v.low), _nan(v.high))

    @property
    def finite(self) -> bool:
        return all(math.isfinite(x) for x in (self.estimate, self.low, self.high))


@dataclass(frozen=True)
class Quote:
    """One figure's verdict: the figure itself, the reason code and what the reason refers
    to (group sizes, spend, budget, the spend floor; the results' error code in ``detail``)."""

    verdict: Verdict
    reason: QuoteReason
    estimate: float = math.nan
    low: float = math.nan
    high: float = math.nan
    n: int = 0
    control_n: int = 0
    spend: float | None = None
    budget: float | None = None
    #: The spend below which the ROI is not quoted (the larger of the two floors).
    floor: float | None = None
    detail: str = ""
    message: str = ""
    #: Which figure: ``response_rate``, ``revenue``, ``margin``, ``net_value`` or ``roi``.
    figure: str = ""
    #: Buyers on each side, where the rule counts them (the programme's effect).
    buyers: int | None = None
    control_buyers: int | None = None

    @property
    def quoted(self) -> bool:
        """A conclusive gain or loss: the estimate may be shown as one."""
        return self.verdict in (Verdict.GAIN, Verdict.LOSS)


@dataclass(frozen=True)
class ArmQuotes:
    """The verdicts of one comparison (an arm, a group or the campaign against its holdout):
    the response-rate lift per customer, and the incremental revenue, margin and net value
    over the arm, and the ROI."""

    response: Quote
    revenue: Quote
    margin: Quote
    net: Quote
    roi: Quote
    #: The win-back rate's lift per customer, when the results have one.
    winback: Quote | None = None

    def by_metric(self) -> dict[str, Quote]:
        """Each verdict under its metric's name in the results (``roi`` for the ROI)."""
        out = {q.figure: q for q in (self.response, self.revenue, self.margin, self.net)}
        if self.winback is not None:
            out[self.winback.figure] = self.winback
        out["roi"] = self.roi
        return out


def _sign(f: Figure, n: int, control_n: int) -> Quote:
    if f.low > 0:
        verdict, reason = Verdict.GAIN, QuoteReason.ABOVE_ZERO
    elif f.high < 0:
        verdict, reason = Verdict.LOSS, QuoteReason.BELOW_ZERO
    else:
        verdict, reason = Verdict.INCONCLUSIVE, QuoteReason.CROSSES_ZERO
    return Quote(verdict, reason, f.estimate, f.low, f.high, n, control_n, message=f.message)


def quote_figure(f: Figure, n: int, control_n: int) -> Quote:
    """The verdict of one figure from ``n`` treated (or programme) customers against
    ``control_n`` held out: *not measurable*, a conclusive gain or loss, or inconclusive."""

    def no(reason: QuoteReason) -> Quote:
        return Quote(
            Verdict.NOT_MEASURABLE,
            reason,
            n=n,
            control_n=control_n,
            detail=f.error or "",
            message=f.message,
        )

    if control_n <= 0 or f.error == ResultError.NO_CONTROL:
        return no(QuoteReason.NO_HOLDOUT)
    if n <= 0 or f.error == ResultError.NO_UNITS:
        return no(QuoteReason.EMPTY_ARM)
    if min(n, control_n) < MIN_GROUP:
        return no(QuoteReason.SMALL_GROUP)
    if f.error:  # e.g. ``small_arm`` on customers with a known revenue: its message says so
        return no(QuoteReason.NOT_COMPUTED)
    if not f.finite:
        return no(QuoteReason.NOT_FINITE)
    return _sign(f, n, control_n)


def _roi(roi: Figure, net: Quote, margin: Figure, spend: float, budget: float | None) -> Quote:
    n, control_n = net.n, net.control_n
    if net.verdict is Verdict.NOT_MEASURABLE:
        return Quote(
            Verdict.NOT_MEASURABLE,
            net.reason,
            n=n,
            control_n=control_n,
            spend=spend,
            budget=budget,
            detail=net.detail,
            message=net.message,
        )

    def made(verdict: Verdict, reason: QuoteReason, floor: float | None = None) -> Quote:
        # the ROI's numbers are kept on every verdict (JSON shows them); only a quoted one is shown
        detail = roi.error or "" if verdict is Verdict.NOT_QUOTED else ""
        message = roi.message if verdict is Verdict.NOT_QUOTED else ""
        return Quote(
            verdict,
            reason,
            roi.estimate,
            roi.low,
            roi.high,
            n,
            control_n,
            spend,
            budget,
            floor,
            detail,
            message,
        )

    if roi.error:
        return made(Verdict.NOT_QUOTED, QuoteReason.NOT_COMPUTED)
    noise = (margin.high - margin.low) / 2.0
    if not (roi.finite and math.isfinite(spend) and math.isfinite(noise)):
        return made(Verdict.NOT_QUOTED, QuoteReason.NOT_FINITE)
    share_floor = ROI_MIN_SPEND_SHARE * budget if budget is not None else 0.0
    floor = max(share_floor, noise)
    if spend < share_floor:
        return made(Verdict.NOT_QUOTED, QuoteReason.TINY_SPEND, floor)
    if spend < noise:
        return made(Verdict.NOT_QUOTED, QuoteReason.SPEND_BELOW_NOISE, floor)
    q = _sign(roi, n, control_n)
    if not (q.quoted and net.quoted):
        return made(Verdict.INCONCLUSIVE, QuoteReason.CROSSES_ZERO, floor)
    return made(q.verdict, q.reason, floor)


def quote_arm(
    *,
    n: int,
    control_n: int,
    response: Figure,
    revenue: Figure,
    margin: Figure,
    net: Figure,
    roi: Figure,
    spend: float,
    budget: float | None = None,
    winback: Figure | None = None,
) -> ArmQuotes:
    """The verdict of every figure of one comparison (module docstring).

    ``n`` / ``control_n`` are the treated and held-out customers; ``response`` is the lift per
    customer, the money figures are totals over the arm; ``spend`` what the treated customers
    cost; ``budget`` the campaign's, when known.
    """
    if budget is not None and (
        isinstance(budget, bool) or not (math.isfinite(budget) and budget > 0)
    ):
        raise ConfigError(f"budget must be a positive finite number, got {budget!r}")

    def named(q: Quote, metric: str) -> Quote:
        return replace(q, figure=metric)

    net_q = named(quote_figure(net, n, control_n), Metric.NET.value)
    return ArmQuotes(
        response=named(quote_figure(response, n, control_n), Metric.RESPONSE.value),
        revenue=named(quote_figure(revenue, n, control_n), Metric.REVENUE.value),
        margin=named(quote_figure(margin, n, control_n), Metric.MARGIN.value),
        net=net_q,
        roi=named(_roi(roi, net_q, margin, float(spend), budget), "roi"),
        winback=None
        if winback is None
        else named(quote_figure(winback, n, control_n), Metric.WINBACK.value),
    )


# ------------------------------------------------------------------------------------ adapters
def quote_effect(
    e: Effect, *, budget: float | None = None, spend: float | None = None
) -> ArmQuotes:
    """:func:`quote_arm` on a :class:`~.results.Effect` (``spend``: default the arm's actual
    cost)."""

    def fig(metric: Metric, *, per_customer: bool = False) -> Figure:
        try:
            m = e.metric(metric)
        except KeyError:
            return Figure.missing(e.error, e.message)
        x = m.lift if per_customer else m.total
        return Figure(x.estimate, x.low, x.high, m.error or e.error, m.message or e.message)

    roi = Figure(e.roi.estimate, e.roi.low, e.roi.high, e.roi_error or e.error, e.roi_message)
    return quote_arm(
        n=e.n,
        control_n=e.control_n,
        response=fig(Metric.RESPONSE, per_customer=True),
        revenue=fig(Metric.REVENUE),
        margin=fig(Metric.MARGIN),
        net=fig(Metric.NET),
        roi=roi,
        spend=e.cost if spend is None else spend,
        budget=budget,
        winback=fig(Metric.WINBACK, per_customer=True),
    )


def quote_summary(a: CampaignArmSummary, *, budget: float | None = None) -> ArmQuotes:
    """:func:`quote_arm` on a run manifest's :class:`~loyalloop.core.results.CampaignArmSummary`
    (a figure it does not hold was not computed: ``a.error`` says why when it is known)."""

    def fig(v: Interval | None) -> Figure:
        return Figure.of(v, a.error, a.message)

    return quote_arm(
        n=a.customers,
        control_n=a.control_customers,
        response=fig(a.response_lift),
        revenue=fig(a.incremental_revenue),
        margin=fig(a.incremental_margin),
        net=fig(a.net_value),
        roi=fig(a.roi),
        spend=a.cost,
        budget=budget,
    )


def quote_programme(p: ProgrammeSummary) -> tuple[Quote, Quote, Quote]:
    """The verdicts of the programme's response lift, revenue lift per customer and
    incremental revenue against the global control: :func:`quote_figure`, and *not
    measurable* (``too_few_buyers``) when either side has fewer than
    :data:`~.programme.MIN_PROGRAMME_BUYERS` buyers (:mod:`.programme`)."""
    figures = (
        (p.response_lift, Metric.RESPONSE.value),
        (p.revenue_lift, "revenue_lift"),
        (p.incremental_revenue, Metric.REVENUE.value),
    )
    n, control_n = p.programme_customers, p.control_customers
    few = p.error == TOO_FEW_BUYERS
    out = []
    for v, name in figures:
        q = quote_figure(Figure.of(v), n, control_n)
        if few and q.verdict is not Verdict.NOT_MEASURABLE:
            q = Quote(Verdict.NOT_MEASURABLE, QuoteReason.TOO_FEW_BUYERS, n=n, control_n=control_n)
        out.append(
            replace(q, figure=name, buyers=p.programme_buyers, control_buyers=p.control_buyers)
        )
    return out[0], out[1], out[2]


def quote_rows(rows: Mapping[str, Mapping[str, Any]], *, budget: float | None = None) -> ArmQuotes:
    """:func:`quote_arm` on one comparison's rows of :meth:`~.results.CampaignReport.to_frame`
    (the run's ``campaign_results`` table), keyed by ``metric``."""
    any_row = next(iter(rows.values()), {})

    def fig(metric: str, key: str = "total") -> Figure:
        r = rows.get(metric)
        if r is None:
            return Figure.missing(any_row.get("error"), str(any_row.get("message") or ""))
        return Figure(
            _nan(r.get(key)),
            _nan(r.get(f"{key}_low")),
            _nan(r.get(f"{key}_high")),
            r.get("error") or None,
            str(r.get("message") or ""),
        )

    roi_row = rows.get("roi", {})
    return quote_arm(
        n=int(any_row.get("n") or 0),
        control_n=int(any_row.get("control_n") or 0),
        response=fig(Metric.RESPONSE.value, "lift"),
        revenue=fig(Metric.REVENUE.value),
        margin=fig(Metric.MARGIN.value),
        net=fig(Metric.NET.value),
        roi=fig("roi", "lift"),
        spend=_nan(roi_row.get("total")) if roi_row else 0.0,
        budget=budget,
        winback=fig(Metric.WINBACK.value, "lift"),
    )


# ---------------------------------------------------------------------------------------- text
_WORDS: dict[str, dict[Lang, str]] = {
    "inconclusive": {"en": "inconclusive", "zh": "不确定"},
    "not_measurable": {"en": "not measurable", "zh": "无法衡量"},
    "not_quoted": {"en": "not quoted", "zh": "不报告"},
}

_REASONS: dict[QuoteReason, dict[Lang, str]] = {
    QuoteReason.ABOVE_ZERO: {
        "en": "the interval lies above 0: a gain",
        "zh": "置信区间在 0 以上：确有增益",
    },
    QuoteReason.BELOW_ZERO: {
        "en": "the interval lies below 0: a loss",
        "zh": "置信区间在 0 以下：确有损失",
    },
    QuoteReason.CROSSES_ZERO: {
        "en": "the interval crosses 0: neither a gain nor a loss is shown",
        "zh": "置信区间跨越 0：既不能算增益也不能算损失",
    },
    QuoteReason.NO_HOLDOUT: {
        "en": "no holdout to compare with: the effect cannot be measured",
        "zh": "没有对照组可比较：无法衡量效果",
    },
    QuoteReason.EMPTY_ARM: {
        "en": "the arm has no customers",
        "zh": "该组没有客户",
    },
    QuoteReason.SMALL_GROUP: {
        "en": "{n} treated and {control_n} held out: at least {minimum} in each are needed for "
        "an interval that can be trusted",
        "zh": "触达 {n} 人、对照 {control_n} 人：每组至少需要 {minimum} 人，区间才可信",
    },
    QuoteReason.NOT_COMPUTED: {
        "en": "not computed{colon}{message}",
        "zh": "未计算{colon}{message}",
    },
    QuoteReason.NOT_FINITE: {
        "en": "the estimate or its interval is not finite",
        "zh": "估计值或其区间不是有限数",
    },
    QuoteReason.TINY_SPEND: {
        "en": "ROI not quoted: {spend} spent is under {share} of the budget {budget}",
        "zh": "不报告 ROI：花费 {spend} 不足预算 {budget} 的 {share}",
    },
    QuoteReason.TOO_FEW_BUYERS: NOTES["programme_too_few_buyers"],  # the programme's note
    QuoteReason.SPEND_BELOW_NOISE: {
        "en": "ROI not quoted: {spend} spent is below the incremental margin's noise (±{floor})",
        "zh": "不报告 ROI：花费 {spend} 低于增量毛利的波动（±{floor}）",
    },
}


def _money(x: float | None) -> str:
    return "—" if x is None or not math.isfinite(x) else f"{x:,.0f}"


def explain(q: Quote, lang: Lang = "en") -> str:
    """The reason of ``q`` as a sentence in ``lang``."""
    message = q.message or q.detail
    words = DETAILS.get(q.detail)
    if words is not None and (lang != "en" or not q.message):
        message = words[lang]  # the results' message is English: its code's words instead
    return _REASONS[q.reason][lang].format(
        n=f"{q.n:,}",
        control_n=f"{q.control_n:,}",
        minimum=MIN_GROUP,
        spend=_money(q.spend),
        budget=_money(q.budget),
        floor=_money(q.floor),
        share=f"{ROI_MIN_SPEND_SHARE:.0%}",
        colon=("：" if lang == "zh" else ": ") if message else "",
        message=message,
        buyers=_count(q.buyers),
        control_buyers=_count(q.control_buyers),
        minimum_buyers=MIN_PROGRAMME_BUYERS,
    )


def _count(n: int | None) -> str:
    return "—" if n is None else f"{n:,}"


def fmt_money(x: float) -> str:
    """A money total, signed: ``+12,345``."""
    return f"{x:+,.0f}"


def fmt_points(x: float) -> str:
    """A difference of rates in percentage points: ``+2.5 pt``."""
    return f"{100 * x:+.1f} pt"


def fmt_ratio(x: float) -> str:
    """An ROI as a percentage: ``+150%``."""
    return f"{100 * x:+.0f}%"


def cell(q: Quote, fmt: Callable[[float], str], lang: Lang = "en") -> str:
    """How ``q`` is shown in a table cell: a conclusive figure with its interval; an
    inconclusive one as the word and its interval (never its point estimate; an inconclusive
    ROI as the word alone); otherwise the word (the reason goes in a remark: :func:`explain`).
    """
    if q.quoted:
        return f"{fmt(q.estimate)} ({fmt(q.low)} … {fmt(q.high)})"
    if q.verdict is Verdict.INCONCLUSIVE:
        word = _WORDS["inconclusive"][lang]
        if q.figure == "roi":
            return word
        return f"{word} ({fmt(q.low)} … {fmt(q.high)})"
    return _WORDS[q.verdict.value][lang]
