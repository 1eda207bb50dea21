"""The remarks campaign results carry, by code, in English and Chinese.

A remark on a campaign's results (a provisional window, a sample-ratio mismatch, CUPED, revenue
left out, the programme's caveats) is a :class:`~loyalloop.core.results.Note`: a stable code,
its English sentence (what JSON and logs show) and the values the sentence names. Every page
shows it through :func:`note_text` in the page's language, from this one catalogue, so a
Chinese report or terminal line never carries an English sentence and nobody parses English
to translate it. Runs made before the codes hold plain English remarks; they are shown as
they are.
"""

from __future__ import annotations

from typing import Literal

from loyalloop.core.results import Note

__all__ = ["DETAILS", "NOTES", "make_note", "note_text"]

Lang = Literal["en", "zh"]

#: Why a figure was not computed, by the results' and the statistics' codes
#: (:class:`~.results.ResultError`, :class:`loyalloop.experiments.ErrorCode`): the words shown
#: in a language other than the English the results' own message is written in.
DETAILS: dict[str, dict[Lang, str]] = {
    "no_control": {"en": "no holdout to compare with", "zh": "没有对照组可比较"},
    "no_units": {"en": "no customers in the comparison", "zh": "比较中没有客户"},
    "too_few_units": {"en": "too few customers to compare", "zh": "客户太少，无法比较"},
    "no_cost": {
        "en": "the treated customers cost nothing more than the holdout: ROI is undefined",
        "zh": "触达客户的成本不高于对照组：ROI 无定义",
    },
    "no_margin_rate": {
        "en": "no margin rate configured (campaigns.margin_rate); margin is not computed",
        "zh": "未设置毛利率（campaigns.margin_rate），不计算毛利",
    },
    "no_revenue": {"en": "no customer with a known revenue", "zh": "没有已知收入的客户"},
    "no_events": {
        "en": "nobody was reactivated in either group",
        "zh": "两组中都没有客户被挽回",
    },
    "small_arm": {
        "en": "too few customers with a known revenue for a money figure (at least 30 in "
        "each group)",
        "zh": "已知收入的客户太少，无法给出金额（每组至少 30 人）",
    },
    "zero_variance": {
        "en": "the figure does not vary (e.g. nobody bought)",
        "zh": "该指标没有变化（例如无人购买）",
    },
    "baseline_zero": {
        "en": "the holdout's mean is 0: no relative lift",
        "zh": "对照组均值为 0：无法计算相对提升",
    },
    "not_finite": {"en": "a figure is not finite", "zh": "数值不是有限数"},
}


#: Each remark's words; ``{…}`` are the note's ``params``.
NOTES: dict[str, dict[Lang, str]] = {
    "provisional_window": {
        "en": "the outcome window runs to {end}; outcomes are counted only up to {as_of}, so "
        "these figures are provisional",
        "zh": "活动结果窗口至 {end} 结束，结果只统计到 {as_of}，以下数字为临时结果",
    },
    "sample_ratio_mismatch": {
        "en": "sample-ratio mismatch (p = {p}): the split of customers differs from the plan; "
        "check the assignment before trusting any lift",
        "zh": "分组比例异常（p = {p}）：实际分组与计划不符；请先核查分组再采信任何提升",
    },
    "cuped": {
        "en": "revenue, margin and net value are CUPED-adjusted with pre-period revenue",
        "zh": "收入、毛利与净值已用活动前收入做 CUPED 调整",
    },
    "outcomes_unmatched": {
        "en": "{n} outcome rows belong to no assignment of their campaign and were ignored",
        "zh": "{n} 条结果记录不属于所在活动的任何分配，已忽略",
    },
    "revenue_unknown": {
        "en": "{n} assignments have a purchase without a value: their revenue is unknown and "
        "they are left out of revenue, margin, net value and ROI (still counted for the "
        "response rate)",
        "zh": "{n} 个分配有金额缺失的购买：其收入未知，不计入收入、毛利、净值与 ROI"
        "（仍计入响应率）",
    },
    "control_redeemed": {
        "en": "{n} held-out or global-control customers have an offer redemption recorded; "
        "their redemption cost is counted (check that they were not contacted)",
        "zh": "{n} 位对照组或全局对照组客户有优惠核销记录；其核销成本已计入"
        "（请核查他们是否被触达）",
    },
    "pre_filled": {
        "en": "{n} assignments have no pre-period revenue; filled with their campaign's mean "
        "(CUPED stays unbiased; the adjustment is weaker for them)",
        "zh": "{n} 个分配没有活动前收入，已用所在活动的均值填补"
        "（CUPED 仍无偏，只是对他们的调整较弱）",
    },
    "programme_audience": {
        "en": "audience-level comparison: fair when entering an audience does not depend on "
        "earlier campaigns' treatment (see docs/measurement.md)",
        "zh": "按受众比较：仅当客户是否进入受众与此前活动的触达无关时才公平"
        "（见 docs/measurement.md）",
    },
    "programme_revenue_unknown": {
        "en": "{n} customers have a purchase without a value: left out of revenue",
        "zh": "{n} 位客户有金额缺失的购买：不计入收入",
    },
    "programme_too_few_buyers": {
        "en": "too few customers in the global control to tell: {control_buyers} of "
        "{control_n} bought ({buyers} among the programme's customers); a verdict needs at "
        "least {minimum_buyers} buyers on each side",
        "zh": "全局对照组客户太少，无法判断：{control_n} 人中 {control_buyers} 人购买"
        "（计划覆盖客户中 {buyers} 人）；每组至少需要 {minimum_buyers} 位购买客户才能下结论",
    },
    "no_campaigns": {
        "en": "no campaigns: the warehouse has no assignments",
        "zh": "没有营销活动：数据仓库中没有活动分配记录",
    },
    "no_global_control": {
        "en": "no customer is in the global control group: the programme's effect cannot be "
        "measured",
        "zh": "没有客户在全局对照组中：无法衡量整体营销计划的效果",
    },
    "unstable_global_control": {
        "en": "{n} customers are in the global control in one campaign and not in another: the "
        "campaigns do not share one programme salt, so the global control is not one group",
        "zh": "{n} 位客户在一个活动中属于全局对照组、在另一个活动中却不属于：各活动没有共用同一个"
        "计划盐值，全局对照组不是同一组客户",
    },
    "programme_no_units": {
        "en": "every customer is in the global control",
        "zh": "所有客户都在全局对照组中",
    },
    "programme_statistics": {
        "en": "the programme's comparison: {detail}",
        "zh": "整体计划的比较：{detail}",
    },
}


def make_note(code: str, **params: object) -> Note:
    """The note ``code`` with its values (formatted as text) and its English sentence."""
    values = {k: str(v) for k, v in params.items()}
    return Note(code, _format(code, values, "en"), values)


def _format(code: str, values: dict[str, str], lang: Lang) -> str:
    # a ``detail`` that is a code of :data:`DETAILS` is said in the page's language
    words = {
        k: DETAILS[v][lang] if k == "detail" and v in DETAILS else v for k, v in values.items()
    }
    return NOTES[code][lang].format(**words)


def note_text(note: Note | str, lang: Lang = "en") -> str:
    """The sentence of ``note`` in ``lang``: from the catalogue by its code; a plain English
    remark (runs made before the codes, a code this version does not know) as it is."""
    if isinstance(note, str):
        return note
    if note.code not in NOTES:
        return note.message
    return _format(note.code, note.params, lang)
