"""The call-centre priority list, and when each customer is most likely to answer.

Priority
--------
Customers are ranked by the **expected value saved** by a call::

    value_saved = P(churn) × CLV × effect of a call

where the effect is the share of would-be churners a call keeps (a number from the campaign,
or a column such as an uplift model's estimate). Each entry says why it is there in plain
Chinese and English (the churn model's reasons and the aspects the customer complained about)
and carries a short call script per reason.

Best time to call
-----------------
Past call attempts (interactions on channel ``call`` of kind ``call_answered`` or
``call_unanswered``) give each customer's answer rate by hour of day and by weekday. Most
customers have few attempts, so raw rates are noise. :class:`AnswerRateModel` shrinks them
(empirical Bayes, beta-binomial): in each group of similar customers (e.g. the same lifecycle
stage or segment) the answer rate for a slot ``m_gs`` is the pooled rate of the group (itself
pulled towards the all-customer rate for that slot with ``group_prior`` pseudo-attempts); a
customer's rate is the posterior mean ``(answered + κ m_gs) / (attempts + κ)``. The prior
strength ``κ`` is estimated from the data by the method of moments: the intra-class
correlation ``ρ = 1 / (κ + 1)`` solves ``E[(p̂ − m)²] = m(1 − m)(1/n + (1 − 1/n) ρ)`` over all
customer × slot cells, weighted by attempts. Hours and weekdays are modelled separately.
The counting runs in the engine; the model sees counts per customer and slot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import ibis
import ibis.expr.types as ir
import numpy as np
import numpy.typing as npt
import pandas as pd

from loyalloop.core.csvsafe import spreadsheet_safe, write_safe_csv
from loyalloop.errors import ConfigError, NotFittedError

__all__ = [
    "CALL_ANSWERED",
    "CALL_CHANNEL",
    "CALL_UNANSWERED",
    "AnswerRateModel",
    "ScriptLine",
    "call_attempt_counts",
    "call_list",
    "write_call_list",
]

CALL_CHANNEL = "call"
CALL_ANSWERED = "call_answered"
CALL_UNANSWERED = "call_unanswered"
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


def call_attempt_counts(interactions: ir.Table, profile_map: ir.Table | None = None) -> ir.Table:
    """Attempts and answers per customer, hour (0-23) and weekday (0 = Monday), in the engine."""
    it = interactions.filter(
        (interactions.channel == CALL_CHANNEL)
        & interactions.kind.isin([CALL_ANSWERED, CALL_UNANSWERED])
    )
    if profile_map is not None:
        pm = profile_map.select(_src=profile_map.customer_id, _prof=profile_map.profile_id)
        it = it.left_join(pm, it.customer_id == pm._src)
        it = it.mutate(customer_id=it._prof.fill_null(it.customer_id)).drop("_src", "_prof")
    it = it.mutate(hour=it.timestamp.hour(), weekday=it.timestamp.day_of_week.index())
    return it.group_by(["customer_id", "hour", "weekday"]).aggregate(
        attempts=it.count(),
        answered=(it.kind == CALL_ANSWERED).cast("int64").sum(),
    )


def _icc(
    a: npt.NDArray[np.float64], n: npt.NDArray[np.float64], m: npt.NDArray[np.float64]
) -> float:
    """Method-of-moments intra-class correlation of beta-binomial cells (module docstring)."""
    ok = (n >= 2) & (m > 0) & (m < 1)
    if not ok.any():
        return 0.5
    a, n, m = a[ok], n[ok], m[ok]
    z2 = (a / n - m) ** 2 / (m * (1 - m))
    rho = float(np.sum(n * (z2 - 1 / n)) / np.sum(n * (1 - 1 / n)))
    return float(np.clip(rho, 1e-4, 0.999))


@dataclass(frozen=True)
class _Dimension:
    slots: tuple[int, ...]
    kappa: float
    group_rates: pd.DataFrame  # index group, columns slots
    answered: pd.DataFrame  # index customer, columns slots
    attempts: pd.DataFrame


class AnswerRateModel:
    """Empirical-Bayes answer rates by hour and weekday (module docstring).

    Parameters
    ----------
    hours
        Hours at which the call centre calls (best hours are chosen among them).
    group_prior
        Pseudo-attempts pulling a group's slot rate towards the all-customer rate.

    Attributes
    ----------
    kappa_hour_, kappa_weekday_
        Estimated prior strengths (pseudo-attempts) of a customer's own rates.
    hour_rates_, weekday_rates_
        Group × slot answer rates (the priors).
    """

    def __init__(self, hours: Sequence[int] = tuple(range(9, 21)), group_prior: float = 20.0):
        if not hours or any(h not in range(24) for h in hours):
            raise ConfigError("hours are whole hours 0-23")
        self.hours = tuple(sorted(set(hours)))
        self.group_prior = group_prior

    def fit(self, counts: pd.DataFrame, groups: pd.DataFrame | None = None) -> AnswerRateModel:
        """Fit on attempt counts (``customer_id``, ``hour``, ``weekday``, ``attempts``,
        ``answered``) and the customers' groups (``customer_id``, ``group``; optional)."""
        need = {"customer_id", "hour", "weekday", "attempts", "answered"}
        if not need <= set(counts.columns):
            raise ConfigError(f"counts need columns {sorted(need)}")
        c = counts.copy()
        if groups is not None:
            g = groups.set_index("customer_id")["group"].astype(object)
            c["group"] = c["customer_id"].map(g).fillna("(none)")
            self.groups_ = g.fillna("(none)")
        else:
            c["group"] = "(all)"
            self.groups_ = pd.Series(dtype=object)
        self.hour_ = self._dimension(c, "hour", self.hours)
        self.weekday_ = self._dimension(c, "weekday", tuple(range(7)))
        self.kappa_hour_ = self.hour_.kappa
        self.kappa_weekday_ = self.weekday_.kappa
        self.hour_rates_ = self.hour_.group_rates
        self.weekday_rates_ = self.weekday_.group_rates
        return self

    def _dimension(self, c: pd.DataFrame, col: str, slots: tuple[int, ...]) -> _Dimension:
        c = c[c[col].isin(slots)]
        overall = c.groupby(col)[["answered", "attempts"]].sum().reindex(slots, fill_value=0)
        base = (overall.answered.sum() + 1) / (overall.attempts.sum() + 2)
        m_all = (overall.answered + base) / (overall.attempts + 1)
        grp = c.groupby(["group", col])[["answered", "attempts"]].sum()
        ga = grp["answered"].unstack(col).reindex(columns=slots, fill_value=0).fillna(0)
        gn = grp["attempts"].unstack(col).reindex(columns=slots, fill_value=0).fillna(0)
        k0 = self.group_prior
        group_rates = (ga + k0 * m_all.to_numpy()) / (gn + k0)
        cust = c.groupby(["customer_id", col])[["answered", "attempts"]].sum()
        ca = cust["answered"].unstack(col).reindex(columns=slots, fill_value=0).fillna(0)
        cn = cust["attempts"].unstack(col).reindex(columns=slots, fill_value=0).fillna(0)
        cg = c.groupby("customer_id")["group"].first().reindex(ca.index)
        prior = group_rates.reindex(cg.to_numpy()).to_numpy()
        rho = _icc(ca.to_numpy(float).ravel(), cn.to_numpy(float).ravel(), prior.ravel())
        return _Dimension(slots, 1 / rho - 1, group_rates, ca, cn)

    def _posterior(
        self, d: _Dimension, ids: pd.Series, groups: pd.Series
    ) -> npt.NDArray[np.float64]:
        fallback = d.group_rates.mean(axis=0)
        prior = d.group_rates.reindex(groups.to_numpy()).fillna(fallback).to_numpy()
        a = d.answered.reindex(ids.to_numpy()).fillna(0).to_numpy()
        n = d.attempts.reindex(ids.to_numpy()).fillna(0).to_numpy()
        return (a + d.kappa * prior) / (n + d.kappa)

    def rates(self, customer_ids: Sequence[str] | pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Shrunken answer rates per customer: (customers × hours, customers × weekdays)."""
        if not hasattr(self, "hour_"):
            raise NotFittedError("AnswerRateModel is not fitted; call fit first")
        ids = pd.Series(list(customer_ids), dtype=object)
        groups = ids.map(self.groups_) if len(self.groups_) else pd.Series("(all)", index=ids.index)
        groups = groups.fillna("(none)")
        h = self._posterior(self.hour_, ids, groups)
        w = self._posterior(self.weekday_, ids, groups)
        return (
            pd.DataFrame(h, index=ids.to_numpy(), columns=list(self.hour_.slots)),
            pd.DataFrame(w, index=ids.to_numpy(), columns=list(self.weekday_.slots)),
        )

    def best_times(
        self, customer_ids: Sequence[str] | pd.Series, *, top_hours: int = 3, top_weekdays: int = 2
    ) -> pd.DataFrame:
        """Best hours and weekdays per customer (``best_hours`` like ``"19:00, 20:00"``,
        ``best_weekdays_en`` / ``_zh``, ``answer_rate`` at the best hour, ``call_attempts``)."""
        hr, wr = self.rates(customer_ids)
        h_idx = np.argsort(-hr.to_numpy(), axis=1, kind="stable")[:, :top_hours]
        w_idx = np.argsort(-wr.to_numpy(), axis=1, kind="stable")[:, :top_weekdays]
        hours = np.asarray(self.hour_.slots)[h_idx]
        attempts = self.hour_.attempts.reindex(hr.index).fillna(0).sum(axis=1).to_numpy()
        return pd.DataFrame(
            {
                "customer_id": hr.index,
                "best_hours": [", ".join(f"{h:02d}:00" for h in row) for row in hours],
                "best_weekdays_en": [", ".join(WEEKDAYS_EN[i] for i in row) for row in w_idx],
                "best_weekdays_zh": ["、".join(WEEKDAYS_ZH[i] for i in row) for row in w_idx],
                "answer_rate": hr.to_numpy()[np.arange(len(hr)), h_idx[:, 0]],
                "call_attempts": attempts.astype(int),
            }
        )


@dataclass(frozen=True)
class ScriptLine:
    """What to say about one reason, in both languages."""

    reason_en: str
    reason_zh: str
    script_en: str
    script_zh: str


#: Scripts per complained-about aspect (banking and retail taxonomies).
ASPECT_SCRIPTS: dict[str, ScriptLine] = {
    "annual_fee": ScriptLine(
        "complained about the annual fee",
        "曾投诉年费",
        "Acknowledge the fee concern; offer this year's fee waiver and say how to keep it waived.",
        "先认可客户对年费的顾虑；告知可为其减免本年年费，并说明后续免年费的条件。",
    ),
    "interest": ScriptLine(
        "complained about interest",
        "曾对利息不满",
        "Explain the current rate and cheaper instalment options; offer a rate review.",
        "说明当前利率及更优惠的分期方案；可为其申请利率复核。",
    ),
    "credit_limit": ScriptLine(
        "complained about the credit limit",
        "曾对额度不满",
        "Offer a credit-limit review; say when the result will be known.",
        "主动提出额度复评，并告知结果反馈时间。",
    ),
    "rewards_points": ScriptLine(
        "complained about rewards points",
        "曾对积分不满",
        "Apologise, explain how points are earned and offer bonus points.",
        "致歉并说明积分规则，赠送额外积分。",
    ),
    "service_attitude": ScriptLine(
        "unhappy with how staff treated them",
        "曾对服务态度不满",
        "Apologise sincerely for the earlier experience; ask what went wrong and note it.",
        "为此前的服务体验真诚致歉；询问具体情况并记录。",
    ),
    "waiting_time": ScriptLine(
        "complained about waiting times",
        "曾抱怨等待时间长",
        "Apologise for the wait; give a direct number or callback option.",
        "为等待时间过长致歉；提供专属热线或回拨服务。",
    ),
    "app_online": ScriptLine(
        "had problems with the app",
        "曾遇到APP问题",
        "Ask which app problem they met; offer to walk them through it now.",
        "询问遇到的APP问题，并可现场指导操作。",
    ),
    "fraud_security": ScriptLine(
        "worried about fraud or security",
        "担心盗刷或安全问题",
        "Reassure: explain the protections on the card and how to lock it in the app.",
        "说明卡片的安全保障措施，以及如何在APP中锁卡。",
    ),
    "billing": ScriptLine(
        "complained about billing",
        "曾对账单有疑问",
        "Go through the last statement with them; correct any error at once.",
        "与客户核对最近账单；如有错误立即更正。",
    ),
    "price": ScriptLine(
        "complained about prices",
        "曾嫌价格高",
        "Mention member prices and the current coupon.",
        "介绍会员价和当前可用的优惠券。",
    ),
    "quality": ScriptLine(
        "complained about product quality",
        "曾对商品质量不满",
        "Apologise; offer an exchange and a coupon for the next purchase.",
        "致歉；提供换货并赠送下次购物优惠券。",
    ),
    "delivery": ScriptLine(
        "complained about delivery",
        "曾投诉物流",
        "Apologise for the delivery; offer free delivery on the next orders.",
        "为配送问题致歉；提供后续订单免运费。",
    ),
    "returns": ScriptLine(
        "had trouble with a return",
        "退换货遇到问题",
        "Explain the simplified return process; offer to handle it for them.",
        "说明简化后的退换货流程，并可代为办理。",
    ),
    "staff": ScriptLine(
        "unhappy with store staff",
        "曾对店员不满",
        "Apologise for the experience in store; ask which store and note it.",
        "为门店体验致歉；询问具体门店并记录。",
    ),
    "stock": ScriptLine(
        "could not find items in stock",
        "曾遇到缺货",
        "Offer to reserve the item or deliver it when back in stock.",
        "可为其预留商品或到货后配送。",
    ),
}
LAPSE_SCRIPT = ScriptLine(
    "has stopped buying",
    "近期未再消费",
    "Ask whether anything changed; mention what is new and the offer for them.",
    "询问近况是否有变化；介绍新权益及为其准备的优惠。",
)
GENERIC_SCRIPT = ScriptLine(
    "high value at risk",
    "高价值客户存在流失风险",
    "Thank them for being a customer; ask how satisfied they are and what would help.",
    "感谢客户一直以来的支持；询问满意度及可改进之处。",
)


def call_list(
    view: ir.Table,
    *,
    customers: pd.DataFrame | None = None,
    call_effect: float | str = 0.1,
    answer_model: AnswerRateModel | None = None,
    limit: int | None = None,
    lapse_gap_ratio: float = 3.0,
) -> pd.DataFrame:
    """The ranked call list (module docstring).

    Parameters
    ----------
    view
        The audience view (needs ``churn_probability`` and ``clv``).
    customers
        Customers to call (``customer_id``; e.g. the treated rows of a call campaign's plan);
        default: everyone in the view with consent to be called and a number.
    call_effect
        Share of would-be churners a call keeps, or the name of a column of ``customers`` or
        of the view holding it per customer.
    answer_model
        A fitted :class:`AnswerRateModel` for the best times.
    limit
        Keep the first ``limit`` entries.
    """
    for col in ("churn_probability", "clv"):
        if col not in view.columns:
            raise ConfigError(f"the call list needs {col!r} in the audience view")
    v = view
    if customers is not None:
        ids = ibis.memtable(customers[["customer_id"]].rename(columns={"customer_id": "_cid"}))
        v = v.join(ids, v.customer_id == ids._cid).drop("_cid")
    else:
        v = v.filter(v.consent_phone & v.has_phone)
    if isinstance(call_effect, str) and call_effect in v.columns:
        effect = v[call_effect].cast("float64")
    elif isinstance(call_effect, str):
        if customers is None or call_effect not in customers.columns:
            raise ConfigError(f"no column {call_effect!r} for the effect of a call")
        effect = None
    else:
        if not 0 <= call_effect <= 1:
            raise ConfigError(f"call_effect is a share between 0 and 1, got {call_effect}")
        effect = ibis.literal(float(call_effect))
    cols = ["customer_id", "name", "phone", "churn_probability", "clv"]
    extra = [
        c
        for c in (
            "churn_reasons_en",
            "churn_reasons_zh",
            "complained_aspects",
            "gap_ratio",
            "days_since_last",
        )
        if c in v.columns
    ]
    sel = v.select(*cols, *extra, **({"call_effect": effect} if effect is not None else {}))
    df = sel.execute()
    if effect is None:
        assert customers is not None and isinstance(call_effect, str)
        df = df.merge(
            customers[["customer_id", call_effect]].rename(columns={call_effect: "call_effect"}),
            on="customer_id",
            how="left",
        )
    df["value_saved"] = (
        df["churn_probability"].fillna(0) * df["clv"].fillna(0) * df["call_effect"].fillna(0)
    )
    df = df.sort_values(["value_saved", "customer_id"], ascending=[False, True], kind="mergesort")
    if limit is not None:
        df = df.head(limit)
    df = df.reset_index(drop=True)
    df.insert(0, "rank", np.arange(1, len(df) + 1))
    r_en, r_zh, s_en, s_zh = [], [], [], []
    for row in df.to_dict("records"):
        lines: list[ScriptLine] = []
        aspects = row.get("complained_aspects")
        if aspects is not None and not isinstance(aspects, float):
            lines += [ASPECT_SCRIPTS[a] for a in sorted(aspects) if a in ASPECT_SCRIPTS]
        gap = row.get("gap_ratio")
        if gap is not None and gap == gap and gap > lapse_gap_ratio:
            lines.append(LAPSE_SCRIPT)
        if not lines:
            lines.append(GENERIC_SCRIPT)
        model_en = row.get("churn_reasons_en")
        model_zh = row.get("churn_reasons_zh")
        r_en.append(
            "; ".join(
                [*(x.reason_en for x in lines), *([model_en] if isinstance(model_en, str) else [])]
            )
        )
        r_zh.append(
            "；".join(
                [*(x.reason_zh for x in lines), *([model_zh] if isinstance(model_zh, str) else [])]
            )
        )
        s_en.append(" ".join(f"({i}) {x.script_en}" for i, x in enumerate(lines, 1)))
        s_zh.append(" ".join(f"（{i}）{x.script_zh}" for i, x in enumerate(lines, 1)))
    df["reasons_en"], df["reasons_zh"] = r_en, r_zh
    df["script_en"], df["script_zh"] = s_en, s_zh
    out_cols = [
        "rank", "customer_id", "name", "phone", "value_saved", "churn_probability", "clv",
        "call_effect", "reasons_en", "reasons_zh", "script_en", "script_zh",
    ]  # fmt: skip
    out = df[out_cols]
    if answer_model is not None:
        times = answer_model.best_times(out["customer_id"])
        out = out.merge(times, on="customer_id", how="left")
    return out


def write_call_list(frame: pd.DataFrame, path: Path | str) -> Path:
    """Write the call list as CSV (``.csv``) or Excel (``.xlsx``), formula-safe."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".csv":
        write_safe_csv(frame, p)
    elif suffix == ".xlsx":
        safe = spreadsheet_safe(frame)
        with pd.ExcelWriter(p, engine="openpyxl") as xw:
            safe.to_excel(xw, index=False, sheet_name="call list")
    else:
        raise ConfigError(f"{p}: the call list is written as .csv or .xlsx")
    return p
