"""Report and CLI wording in English and Chinese."""

from __future__ import annotations

from typing import Literal

__all__ = ["LANGS", "Lang", "t"]

Lang = Literal["en", "zh"]
LANGS: tuple[Lang, ...] = ("en", "zh")

_TEXT: dict[str, dict[str, str]] = {
    "title": {"en": "Customer loyalty report", "zh": "客户忠诚度报告"},
    "run": {"en": "Run", "zh": "运行"},
    "as_of": {"en": "Data as of", "zh": "数据截至"},
    "created": {"en": "Created", "zh": "生成时间"},
    "kpis": {"en": "Key figures", "zh": "关键指标"},
    "customers": {"en": "Customers (unified profiles)", "zh": "客户数（合并后）"},
    "purchasers": {"en": "Customers who bought", "zh": "有购买的客户"},
    "active": {"en": "Active customers (last {days} days)", "zh": "活跃客户（近 {days} 天）"},
    "repurchase_rate": {"en": "Repurchase rate", "zh": "复购率"},
    "aov": {"en": "Average order value", "zh": "客单价"},
    "revenue": {"en": "Revenue", "zh": "消费金额"},
    "refund_rate": {"en": "Refund rate", "zh": "退款率"},
    "nps": {"en": "NPS", "zh": "净推荐值 NPS"},
    "csat": {"en": "CSAT (share satisfied)", "zh": "满意度 CSAT（满意占比）"},
    "ci": {"en": "95% CI", "zh": "95% 置信区间"},
    "answers": {"en": "answers", "zh": "份回答"},
    "segments": {"en": "RFM segments", "zh": "RFM 客户分群"},
    "segment": {"en": "Segment", "zh": "分群"},
    "share": {"en": "Share of customers", "zh": "客户占比"},
    "revenue_share": {"en": "Share of revenue", "zh": "金额占比"},
    "avg_days": {"en": "Avg. days since last purchase", "zh": "平均距上次购买天数"},
    "avg_purchase_days": {"en": "Avg. purchase days", "zh": "平均购买天数"},
    "cohorts": {"en": "Monthly cohort retention", "zh": "月度同期群留存"},
    "cohort": {"en": "First-purchase month", "zh": "首购月份"},
    "months_since": {"en": "Months since first purchase", "zh": "首购后月数"},
    "retention": {"en": "Retention", "zh": "留存率"},
    "trends": {"en": "NPS and CSAT by month", "zh": "NPS 与 CSAT 月度趋势"},
    "month": {"en": "Month", "zh": "月份"},
    "data": {"en": "Data", "zh": "数据"},
    "table": {"en": "Table", "zh": "数据表"},
    "rows": {"en": "Rows", "zh": "行数"},
    "quarantined": {"en": "Quarantined rows", "zh": "隔离行数"},
    "merged": {
        "en": "{merged} duplicate customer records merged",
        "zh": "合并了 {merged} 条重复客户记录",
    },
    "no_data": {"en": "No data yet.", "zh": "暂无数据。"},
    "clv": {"en": "Customer lifetime value", "zh": "客户终身价值"},
    "not_computed": {"en": "Not computed", "zh": "未计算"},
    "clv_axis": {
        "en": "CLV, next 12 months (top 1% capped)",
        "zh": "未来 12 个月 CLV（截去最高 1%）",
    },
    "p_alive": {"en": "P(alive)", "zh": "存活概率"},
    "avg_clv": {"en": "Average CLV", "zh": "平均 CLV"},
    "total_clv": {"en": "Total CLV, next {months} months", "zh": "未来 {months} 个月总 CLV"},
    "top_decile": {"en": "Value share of the top 10% of customers", "zh": "前 10% 客户的价值占比"},
    "clv_note": {
        "en": "CLV = expected purchases ({model}) × expected spend (Gamma-Gamma) over the next "
        "{months} months, discounted at {rate:g}% a month. P(alive) = probability the customer "
        "has not silently left.",
        "zh": "CLV = 预期购买次数（{model}）× 预期客单价（Gamma-Gamma），未来 {months} 个月，"
        "按每月 {rate:g}% 折现。存活概率 = 客户尚未悄然流失的概率。",
    },
    # ---- clvwire (issue 9): the CLV section's model choice and P(alive) caveat
    "cv_model": {"en": "Purchase model", "zh": "购买模型"},
    "cv_how_selected": {"en": "chosen by a holdout check", "zh": "由留出期检验选定"},
    "cv_how_configured": {"en": "set in the run settings", "zh": "在运行设置中指定"},
    "cv_how_fallback": {"en": "no holdout check possible", "zh": "无法进行留出期检验"},
    "cv_how_unknown": {"en": "no holdout check (older run)", "zh": "未做留出期检验（旧版运行）"},
    "cv_by_segment": {"en": "P(alive) and CLV by RFM segment", "zh": "各 RFM 分群的存活概率与 CLV"},
    "cv_flagged_col": {
        "en": "One-time buyers long gone, P(alive) ≥ {threshold}",
        "zh": "早已不再购买、存活概率 ≥ {threshold} 的一次性客户",
    },
    "cv_caveat": {
        "en": "Caution: {model} gives {flagged} one-time buyers a P(alive) of at least "
        "{threshold} (on average {mean}) although their only purchase was {gap} weeks or more "
        "ago — {multiple:g} times the typical {typical} weeks between purchases.",
        "zh": "注意：{model} 认为 {flagged} 位只购买过一次的客户存活概率不低于 {threshold}"
        "（平均 {mean}），但他们唯一的一次购买已在 {gap} 周或更久以前——是常规购买间隔"
        "（{typical} 周）的 {multiple:g} 倍。",
    },
    "cv_caveat_why_bg": {
        "en": "BG/NBD assumes that nobody leaves before a second purchase, so read their "
        "P(alive), and that of the segments they are in (column above), as an upper bound, "
        "not as a sign that they are still customers.",
        "zh": "BG/NBD 假设客户在第二次购买之前不会流失，因此这些客户及其所在分群（见上表一列）"
        "的存活概率应视为上限，不能说明他们仍是客户。",
    },
    "cv_caveat_why_other": {
        "en": "{model} finds that customers of this base rarely leave and buy at very "
        "different rates, so it reads a long silence as a slow buyer rather than a departure: "
        "read their P(alive), and that of the segments they are in (column above), as an "
        "upper bound.",
        "zh": "{model} 估计该客户群很少流失、且购买频率差异很大，因此把长时间未购买解读为购买"
        "较慢而非已流失：这些客户及其所在分群（见上表一列）的存活概率应视为上限。",
    },
    "cv_caveat_ok": {
        "en": "P(alive) check: the {n} one-time buyers whose only purchase was {gap} weeks or "
        "more ago ({multiple:g} times the typical {typical} weeks between purchases) have a "
        "P(alive) of {mean} on average; {model} lets customers leave before a second "
        "purchase, so none of them is called alive merely for never having bought again.",
        "zh": "存活概率检查：唯一一次购买在 {gap} 周或更久以前（常规购买间隔 {typical} 周的 "
        "{multiple:g} 倍）的 {n} 位一次性客户，平均存活概率为 {mean}；{model} 允许客户在第二次"
        "购买前流失，不会仅因未再购买就把他们算作仍存活。",
    },
    "cv_choice": {"en": "How the purchase model was chosen", "zh": "购买模型是如何选定的"},
    "cv_selected_intro": {
        "en": "The last {weeks:g} weeks ({start} to {end}) were held out: BG/NBD, MBG/NBD and "
        "Pareto/NBD were each fitted on the purchases up to {cal_end} and predicted how many "
        "repeat purchases each of the {n} customers of that period would make in the held-out "
        "weeks; the predictions were then compared with what the customers did.",
        "zh": "最后 {weeks:g} 周（{start} 至 {end}）作为留出期：BG/NBD、MBG/NBD 和 Pareto/NBD "
        "分别用截至 {cal_end} 的购买记录拟合，预测该期间 {n} 位客户在留出期内的复购次数，"
        "再与客户的实际行为比较。",
    },
    "cv_reason_per_customer": {
        "en": "{winner} was chosen: it is the only model whose per-customer prediction error "
        "is not clearly worse than the best.",
        "zh": "选用 {winner}：只有它的单客户预测误差不明显差于最优者。",
    },
    "cv_reason_aggregate": {
        "en": "{winner} was chosen: it is the only model whose predicted total of holdout "
        "purchases is not clearly further from the actual total than the closest.",
        "zh": "选用 {winner}：只有它预测的留出期购买总量与实际总量的偏差不明显大于最接近者。",
    },
    "cv_reason_bic": {
        "en": "{winner} was chosen: the models left after the holdout check predict about "
        "equally well, and {winner} describes the purchase history best (lowest BIC).",
        "zh": "选用 {winner}：通过留出期检验的模型预测效果相近，而 {winner} 对购买历史的"
        "拟合最好（BIC 最低）。",
    },
    "cv_reason_plausibility": {
        "en": "{winner} was chosen: {best} describes the purchase history about as well (BIC "
        "within {margin:g}) but calls one-time buyers who left long ago alive; {winner} fits "
        "as well without that flaw.",
        "zh": "选用 {winner}：{best} 对购买历史的拟合与之相当（BIC 相差不超过 {margin:g}），"
        "但会把早已离开的一次性客户算作仍存活；{winner} 拟合同样好且没有这个缺陷。",
    },
    "cv_reason_only_candidate": {
        "en": "{winner} was chosen: it is the only model that could be fitted.",
        "zh": "选用 {winner}：只有它能够拟合。",
    },
    "cv_rule": {
        "en": "Rule: a model drops out when its per-customer error, or its miss of the total, is "
        "larger than the best model's by more than {z:g} standard errors; of the rest, the "
        "lowest BIC (Bayesian information criterion on the weeks before the holdout) wins, "
        "unless it calls long-gone one-time buyers alive and another is within {margin:g}. "
        "The chosen model was then fitted again on all weeks for the scores.",
        "zh": "规则：若某模型的单客户误差或总量偏差比最优模型大 {z:g} 个标准误以上，则淘汰；"
        "其余模型中 BIC（留出期之前各周的贝叶斯信息准则）最低者胜出，除非它把早已离开的"
        "一次性客户算作存活、且另一模型的 BIC 相差不超过 {margin:g}。选定的模型随后用全部"
        "周的数据重新拟合，用于打分。",
    },
    "cv_col_model": {"en": "Model", "zh": "模型"},
    "cv_col_result": {"en": "Result", "zh": "结果"},
    "cv_col_rmse": {
        "en": "Prediction error per customer (RMSE)",
        "zh": "单客户预测误差（RMSE）",
    },
    "cv_col_total": {
        "en": "Holdout purchases predicted (actual {actual})",
        "zh": "预测留出期购买次数（实际 {actual}）",
    },
    "cv_col_off": {"en": "Off by", "zh": "偏差"},
    "cv_col_bic": {"en": "BIC vs. best", "zh": "BIC 与最优之差"},
    "cv_col_flagged": {
        "en": "Long-gone one-time buyers it calls alive",
        "zh": "被算作存活的早已不再购买的一次性客户",
    },
    "cv_verdict_chosen": {"en": "chosen", "zh": "选用"},
    "cv_verdict_worse_per_customer": {
        "en": "dropped: per-customer error clearly worse",
        "zh": "淘汰：单客户误差明显更大",
    },
    "cv_verdict_worse_total": {
        "en": "dropped: total clearly further off",
        "zh": "淘汰：总量偏差明显更大",
    },
    "cv_verdict_higher_bic": {"en": "passed; higher BIC", "zh": "通过检验；BIC 较高"},
    "cv_verdict_implausible_alive": {
        "en": "passed; calls long-gone one-time buyers alive",
        "zh": "通过检验；把早已离开的一次性客户算作存活",
    },
    "cv_verdict_fit_failed": {"en": "could not be fitted", "zh": "无法拟合"},
    "cv_configured": {
        "en": "{model} was set in the run settings (clv.model); no holdout check was made. "
        "Set clv.model: auto to let the data choose.",
        "zh": "{model} 由运行设置（clv.model）指定，未做留出期检验。设为 clv.model: auto "
        "即可由数据选择模型。",
    },
    "cv_fallback_short_history": {
        "en": "BG/NBD was used without a holdout check: the purchases cover {history:.0f} "
        "weeks, and a check with a {holdout}-week holdout needs at least {need} weeks "
        "(clv.holdout_weeks sets the holdout).",
        "zh": "未做留出期检验，使用 BG/NBD：购买记录仅覆盖 {history:.0f} 周，而 {holdout} 周的"
        "留出期检验至少需要 {need} 周（留出期长度由 clv.holdout_weeks 设置）。",
    },
    "cv_fallback_no_holdout_purchases": {
        "en": "BG/NBD was used without a holdout check: no customer bought again in the last "
        "{holdout} weeks, so there is nothing to check the predictions against.",
        "zh": "未做留出期检验，使用 BG/NBD：最近 {holdout} 周没有客户再次购买，无从检验预测。",
    },
    "cv_fallback_no_candidate_fitted": {
        "en": "BG/NBD was used without a holdout check: no model could be fitted on the weeks "
        "before the last {holdout} (too few repeat purchases then).",
        "zh": "未做留出期检验，使用 BG/NBD：最近 {holdout} 周之前的数据无法拟合任何模型"
        "（当时的复购太少）。",
    },
    "cv_older_run": {
        "en": "This run was published before the purchase model was chosen by a holdout "
        "check: BG/NBD was used, and P(alive) was not checked for one-time buyers.",
        "zh": "该次运行早于按留出期检验选择购买模型的版本：使用的是 BG/NBD，且未检查一次性"
        "客户的存活概率。",
    },
    "cv_params": {
        "en": " Parameters: {model} {tp}; Gamma-Gamma {sp}.",
        "zh": "参数：{model} {tp}；Gamma-Gamma {sp}。",
    },
    "definitions": {"en": "Definitions", "zh": "指标定义"},
    "def_rfm": {
        "en": "R, F and M scores (1–5) rank customers by days since last purchase, number of "
        "purchase days and total spend; ties share the lower score.",
        "zh": "R、F、M 评分（1–5）分别按距上次购买天数、购买天数、消费总额对客户排名；"
        "并列取较低分。",
    },
    "def_nps": {
        "en": "NPS = % promoters (9–10) − % detractors (0–6), own brand only.",
        "zh": "NPS = 推荐者（9–10 分）占比 − 贬损者（0–6 分）占比，仅限本品牌。",
    },
    "def_csat": {
        "en": "CSAT = share of 4–5 answers on a 1–5 scale (Wilson interval).",
        "zh": "CSAT = 1–5 分量表中 4–5 分的占比（Wilson 区间）。",
    },
    # feedback stage (report/feedback_section.py)
    "fb_aspects": {"en": "What customers say: aspects", "zh": "客户反馈：各方面评价"},
    "fb_comments": {"en": "Comments analysed", "zh": "已分析评论"},
    "fb_comments_n": {"en": "Comments", "zh": "评论数"},
    "fb_own": {"en": "{n:,} about our brand", "zh": "其中 {n:,} 条关于本品牌"},
    "fb_share_negative": {"en": "Negative comments", "zh": "负面评论占比"},
    "fb_share_positive": {"en": "Positive comments", "zh": "正面评论占比"},
    "fb_top_negative": {"en": "Most complained-about aspect", "zh": "差评率最高的方面"},
    "fb_negative_mentions": {
        "en": "{share} of {n:,} mentions negative",
        "zh": "{n:,} 次提及中负面占 {share}",
    },
    "fb_alerts": {"en": "Alerts (weekly and monthly)", "zh": "预警（周度与月度）"},
    "fb_aspect": {"en": "Aspect", "zh": "方面"},
    "fb_mentions": {"en": "Mentions", "zh": "提及次数"},
    "fb_positive": {"en": "Positive", "zh": "正面"},
    "fb_neutral": {"en": "Neutral", "zh": "中性"},
    "fb_negative": {"en": "Negative", "zh": "负面"},
    "fb_net": {"en": "Net sentiment", "zh": "净情感"},
    "fb_mean_score": {"en": "Mean sentiment score", "zh": "平均情感分"},
    "fb_aspects_note": {
        "en": "Own-brand comments only. An aspect's sentiment is that of the clause that mentions "
        "it (score in [−1, 1]); net sentiment = (positive − negative) / mentions. The most "
        "complained-about aspect has the highest share of negative mentions (at least 30 "
        "mentions). Taxonomy: {taxonomy}.",
        "zh": "仅统计本品牌评论。方面情感取提及该方面的分句的情感（得分范围 [−1, 1]）；"
        "净情感 =（正面 − 负面）/ 提及次数。差评率最高的方面指负面提及占比最高者（至少 30 次"
        "提及）。方面词表：{taxonomy}。",
    },
    "fb_channels": {"en": "Do channels agree?", "zh": "各渠道评价是否一致？"},
    "fb_channel": {"en": "Channel", "zh": "渠道"},
    "fb_channels_none": {
        "en": "No aspect has enough mentions in two channels to compare.",
        "zh": "没有方面在两个以上渠道有足够提及，无法比较。",
    },
    "fb_channels_agree": {
        "en": "No channel differs significantly from the others on any aspect.",
        "zh": "没有渠道在任何方面与其他渠道有显著差异。",
    },
    "fb_consensus": {"en": "Consensus", "zh": "各渠道中位"},
    "fb_gap": {"en": "Gap", "zh": "差距"},
    "fb_channels_note": {
        "en": "A channel disagrees when its mean differs from the median of the channel means "
        "by at least 0.2 and a Welch test against the other channels is significant after Holm "
        "adjustment (α = 0.01); channels with at least 20 mentions. The gap is also recomputed "
        "for the same customer mix (the customers' RFM segments); a gap that disappears is "
        "explained by different customers, not by the channel.",
        "zh": "当某渠道的平均分与各渠道平均分的中位数相差至少 0.2，且与其他渠道的 Welch 检验经 "
        "Holm 校正后显著（α = 0.01）时，判定为不一致；仅比较提及至少 20 次的渠道。同时按相同客群"
        "（客户的 RFM 分群）重新计算差距；差距消失说明是客群不同，而非渠道本身。",
    },
    "fb_trends": {"en": "Feedback trends and alerts", "zh": "反馈趋势与预警"},
    "fb_alert": {"en": "Alert", "zh": "预警"},
    "fb_week": {"en": "Week", "zh": "周"},
    "fb_week_of": {"en": "week of {day}", "zh": "{day} 当周"},
    "fb_negative_count": {"en": "Negative mentions per week", "zh": "每周负面提及次数"},
    "fb_negative_share_axis": {"en": "Negative share per week (%)", "zh": "每周负面占比（%）"},
    "fb_no_alerts": {
        "en": "No significant change in any aspect's negative share.",
        "zh": "各方面的负面占比均无显著变化。",
    },
    "fb_period": {"en": "Period", "zh": "时段"},
    "fb_alert_kind": {"en": "Signal", "zh": "信号"},
    "fb_kind_share": {"en": "Negative share, this period", "zh": "本期负面占比"},
    "fb_kind_sustained": {"en": "Negative share, last periods", "zh": "近几期负面占比"},
    "fb_direction": {"en": "Direction", "zh": "方向"},
    "fb_dir_worse": {"en": "worse", "zh": "变差"},
    "fb_dir_better": {"en": "better", "zh": "改善"},
    "fb_excess": {"en": "Extra negative mentions", "zh": "多出的负面提及"},
    "fb_alert_examples": {"en": "What customers said", "zh": "客户原话"},
    "fb_observed": {"en": "Observed", "zh": "本期"},
    "fb_expected": {"en": "Expected", "zh": "基线"},
    "fb_p_value": {"en": "p-value", "zh": "p 值"},
    "fb_p_adjusted": {"en": "p (Holm)", "zh": "p 值（Holm 校正）"},
    "fb_alert_rule": {
        "en": "Alerts test the share of negative mentions, not their number, against the up to 26 "
        "periods before (beta-binomial, so ordinary swings in volume and share do not alarm): "
        "one period alone, and the last 4 periods together (shifts that last, slow drifts). An "
        "alert needs p < 0.002 (two-sided, Student's t), 10 mentions a period and a change of "
        "8 points; improvements are shown too. On simulated stable series about 1 test in 500 "
        "raises a false alarm; a 40 % → 60 % shift lasting 4 weeks at 60 mentions a week is "
        "caught about 6 times in 10. Latest period first; the latest may be incomplete.",
        "zh": "预警检验的是负面提及的占比而非次数，与之前最多 26 个时段比较（贝塔-二项模型，正常的"
        "量与占比波动不会触发）：单个时段，以及最近 4 个时段合计（持续的变化与缓慢漂移）。预警需"
        " p < 0.002（双侧，t 分布）、每期至少 10 次提及且占比变化至少 8 个百分点；改善同样列出。"
        "在模拟的平稳序列上约每 500 次检验误报一次；持续 4 周、每周约 60 次提及的 40% → 60% 变化"
        "约有六成被发现。最近时段排在最前，可能尚不完整。",
    },
    "fb_drivers": {"en": "Key drivers and priorities", "zh": "关键驱动因素与改进优先级"},
    "fb_drivers_of": {
        "en": "Drivers of {score} (R² = {r2}, {n} scored comments)",
        "zh": "{score} 的驱动因素（R² = {r2}，{n} 条有评分的评论）",
    },
    "fb_importance": {"en": "Importance (share of R²)", "zh": "重要性（R² 占比）"},
    "fb_performance": {"en": "Performance (net sentiment)", "zh": "表现（净情感）"},
    "fb_coefficient": {"en": "Coefficient", "zh": "回归系数"},
    "fb_quadrant": {"en": "Priority", "zh": "优先级"},
    "fb_q_fix": {"en": "Fix first", "zh": "优先改进"},
    "fb_q_keep": {"en": "Keep up", "zh": "继续保持"},
    "fb_q_monitor": {"en": "Monitor", "zh": "持续关注"},
    "fb_q_lower": {"en": "Lower priority", "zh": "次要"},
    "fb_drivers_note": {
        "en": "Score regressed on each aspect's sentiment in the comment (0 if not mentioned); "
        "importance splits R² by Johnson's relative weights. High importance: above the average "
        "share; low performance: at or below the median aspect. Intervals: 90 % from 200 "
        "bootstrap resamples of the comments; a priority is clear when at least 80 % of the "
        "resamples agree. Own brand only.",
        "zh": "以评论中各方面的情感（未提及为 0）对评分做回归；重要性按 Johnson 相对权重分解 "
        "R²。重要性高于平均占比为“高”，表现不高于中位方面为“低”。区间为对评论做 200 次自助"
        "抽样得到的 90% 区间；至少 80% 的抽样结果一致时优先级判定为“明确”。仅限本品牌。",
    },
    "fb_interval": {"en": "90 % interval", "zh": "90% 区间"},
    "fb_confidence": {"en": "Certainty", "zh": "确定性"},
    "fb_conf_clear": {"en": "clear ({share})", "zh": "明确（{share}）"},
    "fb_conf_uncertain": {"en": "uncertain ({share})", "zh": "不确定（{share}）"},
    "fb_examples_title": {"en": "Examples, as written", "zh": "原话示例"},
    "fb_examples_note": {
        "en": "The clearest clauses per aspect, as customers wrote them; phone, card and ID "
        "numbers and e-mail addresses are masked.",
        "zh": "每个方面最典型的分句，保留客户原文；电话、卡号、证件号和电子邮箱已遮蔽。",
    },
    "fb_adjusted_gap": {"en": "Gap, same customer mix", "zh": "同客群差距"},
    "fb_explanation": {"en": "Why", "zh": "原因"},
    "fb_expl_channel": {"en": "the channel", "zh": "渠道本身"},
    "fb_expl_customer mix": {"en": "different customers", "zh": "客群不同"},
    "fb_signals": {"en": "What customers want and what it cost them", "zh": "客户诉求与费力程度"},
    "fb_signal_kind": {"en": "Signal", "zh": "信号"},
    "fb_signal_intent": {"en": "Intent", "zh": "诉求"},
    "fb_signal_effort": {"en": "Effort", "zh": "费力"},
    "fb_signal_branch": {"en": "Branch named", "zh": "提到的网点"},
    "fb_signal_staff": {"en": "Staff named", "zh": "提到的员工"},
    "fb_intent_cancel": {"en": "wants to cancel", "zh": "要求销户/退卡"},
    "fb_intent_complaint": {"en": "complaint", "zh": "投诉"},
    "fb_intent_question": {"en": "question", "zh": "咨询"},
    "fb_intent_praise": {"en": "praise", "zh": "表扬"},
    "fb_intent_none": {"en": "no clear intent", "zh": "无明确诉求"},
    "fb_effort_repeat_contact": {"en": "contacted us repeatedly", "zh": "多次联系"},
    "fb_effort_long_wait": {"en": "waited long", "zh": "长时间等待"},
    "fb_effort_transferred": {"en": "passed around", "zh": "被转来转去"},
    "fb_signals_note": {
        "en": "Own-brand comments. Intent: the first of wants to cancel, complaint, question, "
        "praise that applies. Share negative: share of those comments that are negative.",
        "zh": "仅本品牌评论。诉求取“要求销户、投诉、咨询、表扬”中第一个符合的。负面占比为这些评论中"
        "负面评论的比例。",
    },
    "fb_emerging": {"en": "Emerging", "zh": "新兴"},
    "fb_unassigned": {
        "en": "{share} of the comments fit no topic clearly and are left unassigned.",
        "zh": "{share} 的评论不明确属于任何话题，未归类。",
    },
    "fb_kano": {"en": "KANO", "zh": "KANO 分析"},
    "fb_kano_none": {
        "en": "Not computed: the data hold no KANO answers (functional / dysfunctional question "
        "pairs). Load them into a warehouse table {table} (feature, functional, dysfunctional).",
        "zh": "未计算：数据中没有 KANO 问卷答案（正向/反向问题对）。请将其载入数仓表 {table}"
        "（feature, functional, dysfunctional）。",
    },
    "fb_kano_category": {"en": "Category", "zh": "类别"},
    "fb_kano_A": {"en": "Attractive", "zh": "魅力型"},
    "fb_kano_O": {"en": "One-dimensional", "zh": "期望型"},
    "fb_kano_M": {"en": "Must-be", "zh": "必备型"},
    "fb_kano_I": {"en": "Indifferent", "zh": "无差异型"},
    "fb_kano_R": {"en": "Reverse", "zh": "反向型"},
    "fb_kano_Q": {"en": "Questionable", "zh": "可疑结果"},
    "fb_kano_note": {
        "en": "Berger et al.'s evaluation table; better = (A+O)/(A+O+M+I), "
        "worse = −(O+M)/(A+O+M+I).",
        "zh": "采用 Berger 等人的 KANO 评价表；better =（A+O）/（A+O+M+I），"
        "worse = −（O+M）/（A+O+M+I）。",
    },
    "fb_topics": {"en": "Topics in the comments", "zh": "评论话题"},
    "fb_topics_unmatched": {
        "en": "Topics the aspect taxonomy misses",
        "zh": "方面词表未覆盖的话题",
    },
    "fb_topics_all": {"en": "Topics across all comments", "zh": "全部评论的话题"},
    "fb_share": {"en": "Share", "zh": "占比"},
    "fb_phrases": {"en": "Representative phrases", "zh": "代表性词语"},
    "fb_examples": {"en": "Example comments", "zh": "评论示例"},
    "fb_topics_note": {
        "en": "TF-IDF + NMF clustering of own-brand comments after removing boilerplate, stop "
        "words and duplicate comments; examples are the comments most typical of each topic, "
        "shown as written with personal data masked. Emerging: at least twice the share in the "
        "last 8 weeks than before (z test, p < 0.01).",
        "zh": "去除套话、停用词与重复评论后，对本品牌评论做 TF-IDF + NMF 聚类；示例为最能代表该话题"
        "的评论原文（个人信息已遮蔽）。新兴：最近 8 周的占比至少是此前的两倍（z 检验，p < 0.01）。",
    },
    "fb_competitors": {"en": "Competitor benchmark", "zh": "竞品对比"},
    "fb_metric_nps": {"en": "NPS", "zh": "净推荐值 NPS"},
    "fb_metric_csat": {"en": "CSAT (mean score, 1–5)", "zh": "满意度 CSAT（平均分，1–5）"},
    "fb_metric_sentiment": {"en": "Comment sentiment", "zh": "评论情感"},
    "fb_mean_sentiment": {"en": "Mean sentiment score", "zh": "平均情感分"},
    "fb_brand": {"en": "Brand", "zh": "品牌"},
    "fb_own_brand": {"en": "Our brand", "zh": "本品牌"},
    "fb_value": {"en": "Value", "zh": "数值"},
    "fb_diff_vs_own": {"en": "Difference vs ours", "zh": "与本品牌之差"},
    "fb_significant": {"en": "Significant", "zh": "显著"},
    "fb_channels_shared": {"en": "Channels", "zh": "渠道"},
    "fb_yes": {"en": "yes", "zh": "是"},
    "fb_own_only": {
        "en": "Only our brand has data for: {metrics}.",
        "zh": "以下指标仅有本品牌数据：{metrics}。",
    },
    "fb_competitors_note": {
        "en": "95% intervals (normal for NPS, t for means); each competitor is tested against "
        "our brand (z test for NPS, Welch t test otherwise), Holm-adjusted within a metric, "
        "significant at 0.05. Brands with fewer than 2 observations are left out. Each "
        "competitor is compared with our brand in the channels both are heard in (column "
        "'Channels'), never our surveys and calls against their public reviews.",
        "zh": "95% 置信区间（NPS 用正态近似，均值用 t 分布）；每个竞品与本品牌比较（NPS 用 z "
        "检验，其余用 Welch t 检验），同一指标内做 Holm 校正，0.05 水平下显著。"
        "观测少于 2 条的品牌不列出。每个竞品只与本品牌在双方共有的渠道中比较（“渠道”列），"
        "不拿本品牌的问卷与来电去比竞品的公开评价。",
    },
    # churn and loyalty sections (pipeline stages ``churn`` and ``loyalty``)
    "ch_title": {"en": "Churn early warning", "zh": "流失预警"},
    "ch_scorer": {"en": "Scorer", "zh": "评分方法"},
    "ch_model": {"en": "Churn model", "zh": "流失模型"},
    "ch_recency": {"en": "Recency only", "zh": "仅按最近购买"},
    "ch_bgnbd": {"en": "BG/NBD 1 − P(alive)", "zh": "BG/NBD 1 − 存活概率"},
    "ch_roc_auc": {"en": "ROC AUC", "zh": "ROC AUC"},
    "ch_pr_auc": {"en": "PR AUC", "zh": "PR AUC"},
    "ch_brier": {"en": "Brier score", "zh": "Brier 分数"},
    "ch_lift10": {"en": "Lift in top 10%", "zh": "前 10% 提升度"},
    "ch_auc_card": {"en": "Model ROC AUC", "zh": "模型 ROC AUC"},
    "ch_vs": {
        "en": "recency {recency} · BG/NBD {bgnbd}",
        "zh": "最近购买 {recency} · BG/NBD {bgnbd}",
    },
    "ch_capture_card": {
        "en": "Churners found in the riskiest 20%",
        "zh": "风险最高 20% 客户覆盖的流失者",
    },
    "ch_rate_card": {"en": "Churn rate, test period", "zh": "测试期流失率"},
    "ch_expected_card": {
        "en": "Expected churners, next {days} days",
        "zh": "未来 {days} 天预计流失人数",
    },
    "ch_high_card": {"en": "Customers with risk ≥ 50%", "zh": "流失概率 ≥ 50% 的客户"},
    "ch_capture_axis": {"en": "Share of churners found", "zh": "已覆盖流失者占比"},
    "ch_decile_axis": {"en": "Risk decile (1 = riskiest)", "zh": "风险十分位（1 = 风险最高）"},
    "ch_predicted_axis": {"en": "Predicted churn probability", "zh": "预测流失概率"},
    "ch_observed_axis": {"en": "Observed churn rate", "zh": "实际流失率"},
    "ch_perfect": {"en": "Perfect calibration", "zh": "完美校准"},
    "ch_top": {
        "en": "Top {n} customers at risk (bought within the last {days} days)",
        "zh": "流失风险最高的 {n} 位客户（近 {days} 天内有购买）",
    },
    "ch_customer": {"en": "Customer", "zh": "客户"},
    "ch_probability": {"en": "Churn probability", "zh": "流失概率"},
    "ch_days_since": {"en": "Days since last purchase", "zh": "距上次购买天数"},
    "ch_reasons": {"en": "Main reasons", "zh": "主要原因"},
    "ch_note": {
        "en": "Churn = no purchase (or every card closed) in the next {days} days. The model "
        "(gradient-boosted trees, calibrated) was trained on cutoffs {train} and tested on "
        "{test} against two baselines; {n_test} customers in the test. Model file {file}.",
        "zh": "流失 = 未来 {days} 天内无购买（或所有卡片均已销户）。模型（梯度提升树，经概率校准）"
        "在截止日 {train} 上训练，在 {test} 上与两种基准方法对比测试，测试客户 {n_test} 位。"
        "模型文件 {file}。",
    },
    "lo_title": {"en": "Loyalty and lifecycle", "zh": "忠诚度与生命周期"},
    "lo_mean_index": {"en": "Mean loyalty index (0–100)", "zh": "平均忠诚度指数（0–100）"},
    "lo_with_voice": {
        "en": "Customers with survey answers",
        "zh": "有调查回答的客户",
    },
    "lo_tier": {"en": "Loyalty tier", "zh": "忠诚度层级"},
    "lo_stage": {"en": "Lifecycle stage", "zh": "生命周期阶段"},
    "lo_tier_emotional": {"en": "Emotional loyalty", "zh": "情感忠诚"},
    "lo_tier_brand": {"en": "Brand loyalty", "zh": "品牌忠诚"},
    "lo_tier_transactional": {"en": "Transactional loyalty", "zh": "交易型忠诚"},
    "lo_tier_not_loyal": {"en": "Not loyal", "zh": "未形成忠诚"},
    "lo_tier_unscored": {"en": "Unscored", "zh": "无法评分"},
    "lo_stage_new": {"en": "New", "zh": "新客"},
    "lo_stage_active": {"en": "Active", "zh": "活跃"},
    "lo_stage_growing": {"en": "Growing", "zh": "成长"},
    "lo_stage_at_risk": {"en": "At risk", "zh": "有流失风险"},
    "lo_stage_lapsed": {"en": "Lapsed", "zh": "沉睡"},
    "lo_stage_won_back": {"en": "Won back", "zh": "已挽回"},
    "lo_stage_lost": {"en": "Lost", "zh": "已流失"},
    "lo_none": {"en": "(not in run)", "zh": "（不在该次运行中）"},
    "lo_share": {"en": "Share", "zh": "占比"},
    "lo_avg_index": {"en": "Avg. index", "zh": "平均指数"},
    "lo_migration": {
        "en": "Tier migration since run {run}",
        "zh": "自第 {run} 次运行以来的层级迁移",
    },
    "lo_transitions": {
        "en": "Lifecycle transitions since run {run}",
        "zh": "自第 {run} 次运行以来的生命周期阶段变化",
    },
    "lo_moves": {
        "en": "{up} moved up, {down} moved down, {same} unchanged, {new} new, {gone} gone.",
        "zh": "上升 {up} 位，下降 {down} 位，不变 {same} 位，新增 {new} 位，离开 {gone} 位。",
    },
    "lo_previous": {"en": "Previous run", "zh": "上次运行"},
    "lo_this": {"en": "This run", "zh": "本次运行"},
    "lo_survival": {"en": "Retention curves (Kaplan–Meier)", "zh": "留存曲线（Kaplan–Meier）"},
    "lo_by_segment": {"en": "By RFM segment", "zh": "按 RFM 分群"},
    "lo_by_cohort": {"en": "By acquisition quarter", "zh": "按首购季度"},
    "lo_days": {"en": "Days since first purchase", "zh": "首购后天数"},
    "lo_still": {"en": "Still buying", "zh": "仍在购买的比例"},
    "lo_median": {"en": "Median lifetime (days)", "zh": "中位生命周期（天）"},
    "lo_not_reached": {"en": "not reached", "zh": "未达到"},
    "lo_group": {"en": "Group", "zh": "组别"},
    "lo_note": {
        "en": "Loyalty index = weighted mean of behaviour (frequency, recency, tenure; 50%), "
        "attitude (CSAT; 25%) and emotion (NPS; 25%) over the parts known for the customer — "
        "missing parts are left out, not scored as zero. Survival: a customer counts as lost "
        "after {lapse} days without a purchase; the median lifetime is when half are lost.",
        "zh": "忠诚度指数 = 行为（频次、最近购买、在网时长；50%）、态度（CSAT；25%）与情感"
        "（NPS；25%）中该客户已知部分的加权平均——缺失部分不计入，不按零分处理。留存：客户超过 "
        "{lapse} 天无购买即视为流失；中位生命周期为一半客户流失的时间。",
    },
}


def t(key: str, lang: Lang, **kw: object) -> str:
    """The text for ``key`` in ``lang`` (formatted with ``kw``)."""
    return _TEXT[key][lang].format(**kw)
