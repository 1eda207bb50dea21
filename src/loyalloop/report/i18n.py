"""Report and CLI wording in English and Chinese."""

from __future__ import annotations

from typing import Literal

__all__ = ["CODE_PREFIXES", "LANGS", "Lang", "code_names", "t"]

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
    "active": {"en": "Bought in the last {days} days", "zh": "近 {days} 天有消费的客户"},
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
        "share; low performance: net sentiment at or below 0 (at least as many complaints as "
        "praise), so “Keep up” means customers praise it more than they complain. Intervals: "
        "90 % from 200 bootstrap resamples of the comments; a priority is clear when at least "
        "80 % of the resamples agree. Own brand only.",
        "zh": "以评论中各方面的情感（未提及为 0）对评分做回归；重要性按 Johnson 相对权重分解 "
        "R²。重要性高于平均占比为“高”，净情感不高于 0（抱怨不少于称赞）为表现“低”，"
        "因此“继续保持”表示称赞多于抱怨。区间为对评论做 200 次自助"
        "抽样得到的 90% 区间；至少 80% 的抽样结果一致时优先级判定为“明确”。仅限本品牌。",
    },
    "fb_interval": {"en": "90 % interval", "zh": "90% 区间"},
    "fb_confidence": {"en": "Certainty", "zh": "确定性"},
    "fb_conf_clear": {"en": "clear ({share})", "zh": "明确（{share}）"},
    "fb_conf_uncertain": {"en": "uncertain ({share})", "zh": "不确定（{share}）"},
    "fb_examples_title": {"en": "Examples, as written", "zh": "原话示例"},
    "fb_examples_note": {
        "en": "The clearest clauses per aspect, as customers wrote them; phone, card and ID "
        "numbers and e-mail addresses are masked. Clauses that name the aspect come first; an "
        "app-store judgement that names nothing (counted for the app) only fills in.",
        "zh": "每个方面最典型的分句，保留客户原文；电话、卡号、证件号和电子邮箱已遮蔽。优先展示"
        "点名该方面的分句；应用商店评价中未点名任何方面的褒贬（计入 App）仅在不足时补充。",
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
    "fb_staff_number": {"en": "staff no. {number}", "zh": "工号 {number}"},
    "fb_signal_branch_once": {"en": "Branches named once", "zh": "只被提到一次的网点"},
    "fb_signal_staff_once": {"en": "Staff named once", "zh": "只被提到一次的员工"},
    "fb_named_once": {"en": "{n} others, one comment each", "zh": "其他 {n} 个，各被提到一次"},
    "fb_intent_cancel": {"en": "wants to cancel", "zh": "要求销户/退卡"},
    "fb_intent_request": {"en": "request", "zh": "办理请求/建议"},
    "fb_intent_complaint": {"en": "complaint", "zh": "投诉"},
    "fb_intent_question": {"en": "question", "zh": "咨询"},
    "fb_intent_praise": {"en": "praise", "zh": "表扬"},
    "fb_intent_none": {"en": "no clear intent", "zh": "无明确诉求"},
    "fb_effort_repeat_contact": {"en": "contacted us repeatedly", "zh": "多次联系"},
    "fb_effort_long_wait": {"en": "waited long", "zh": "长时间等待"},
    "fb_effort_transferred": {"en": "passed around", "zh": "被转来转去"},
    "fb_signals_note": {
        "en": "Own-brand comments. Intent: the first of wants to cancel, request "
        "(a refund, a waiver, a change, a suggestion), complaint, question, praise that applies. "
        "Staff: a name, or a staff number where the comment says it is one (staff no., agent #); "
        "branches and staff named in only one comment are counted together, not listed. "
        "Negative comments: share of those comments that are negative. A comment's sentiment "
        "follows from its intent where the intent says it (a complaint or a cancellation is "
        "negative, praise positive, no clear intent neutral: —); a question or request is "
        "negative when it complains about an aspect.",
        "zh": "仅本品牌评论。诉求取“要求销户、办理请求/建议（退款、减免、变更、建议等）、"
        "投诉、咨询、表扬”中第一个符合的。员工为姓名，或评论中明确说是工号的编号（工号、×号客服）；"
        "只被一条评论提到的网点和员工合并计数，不逐个列出。负面评论占比为这些评论中负面评论的比例。"
        "诉求本身决定情感的不再计算（投诉和要求销户为负面，表扬为正面，无明确诉求为中性：—）；"
        "咨询和办理请求在抱怨某个方面时为负面。",
    },
    "fb_emerging": {"en": "Emerging", "zh": "新兴"},
    "fb_unassigned": {
        "en": "{share} of the comments fit no topic clearly and are left unassigned.",
        "zh": "{share} 的评论不明确属于任何话题，未归类。",
    },
    "fb_kano": {"en": "KANO", "zh": "KANO 分析"},
    "fb_kano_none": {
        "en": "Not computed: the data hold no KANO answers (functional / dysfunctional question "
        "pairs). Load them into a warehouse table {table} ({columns}).",
        "zh": "未计算：数据中没有 KANO 问卷答案（正向/反向问题对）。请将其载入数仓表 {table}"
        "（列 {columns}）。",
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
    "fb_own_in_channels": {
        "en": "Ours in the same channels",
        "zh": "本品牌（相同渠道）",
    },
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
        "'Channels'), never our surveys and calls against their public reviews; our value in "
        "those channels is shown beside each competitor ('Ours in the same channels') and the "
        "difference is taken from it, not from our overall value in the first row.",
        "zh": "95% 置信区间（NPS 用正态近似，均值用 t 分布）；每个竞品与本品牌比较（NPS 用 z "
        "检验，其余用 Welch t 检验），同一指标内做 Holm 校正，0.05 水平下显著。"
        "观测少于 2 条的品牌不列出。每个竞品只与本品牌在双方共有的渠道中比较（“渠道”列），"
        "不拿本品牌的问卷与来电去比竞品的公开评价；每个竞品旁列出本品牌在这些渠道中的数值"
        "（“本品牌（相同渠道）”），差值以它为准，而非第一行本品牌的总体数值。",
    },
    # ---- report9 (issue 9): actions, lists, churn ranking, loyalty, glossary, currency, data
    "amounts_in": {"en": "Amounts in {currency}", "zh": "金额单位：{currency}"},
    "amounts_unknown": {"en": "Currency of the amounts not known", "zh": "金额币种未知"},
    "csat_pct": {"en": "CSAT (%)", "zh": "满意度 CSAT（%）"},
    "nc_detail": {
        "en": "Not computed ({reason}): {message}",
        "zh": "未计算（{reason}）。技术细节（英文）：{message}",
    },
    "nc_no_data": {"en": "no data", "zh": "没有数据"},
    "nc_insufficient_data": {"en": "too little data", "zh": "数据不足"},
    "nc_fit_failed": {"en": "the model could not be fitted", "zh": "模型无法拟合"},
    "nc_bad_data": {"en": "the input breaks its contract", "zh": "输入数据不符合规范"},
    "nc_not_configured": {"en": "not set up", "zh": "未配置"},
    "nc_invalid_config": {"en": "a setting was refused", "zh": "设置被拒绝"},
    "nc_skipped": {"en": "skipped", "zh": "已跳过"},
    "tbl_customers": {"en": "Customers", "zh": "客户"},
    "tbl_transactions": {"en": "Transactions", "zh": "交易"},
    "tbl_accounts": {"en": "Accounts", "zh": "账户"},
    "tbl_feedback": {"en": "Feedback", "zh": "反馈"},
    "tbl_interactions": {"en": "Interactions", "zh": "互动记录"},
    "tbl_campaigns": {"en": "Campaigns", "zh": "营销活动"},
    "tbl_assignments": {"en": "Campaign assignments", "zh": "活动分组记录"},
    "tbl_outcomes": {"en": "Campaign outcomes", "zh": "活动结果"},
    "chn_survey": {"en": "Survey", "zh": "问卷"},
    "chn_review": {"en": "Review", "zh": "评论"},
    "chn_app_review": {"en": "App-store review", "zh": "应用商店评价"},
    "chn_social": {"en": "Social media", "zh": "社交媒体"},
    "chn_call": {"en": "Call", "zh": "电话"},
    "chn_chat": {"en": "Chat", "zh": "在线客服"},
    "chn_email": {"en": "E-mail", "zh": "电子邮件"},
    "sc_model": {"en": "the churn model", "zh": "流失模型"},
    "sc_recency": {"en": "days since the last purchase", "zh": "距上次消费天数"},
    "sc_bgnbd": {"en": "BG/NBD 1 − P(alive)", "zh": "BG/NBD（1 − 存活概率）"},
    "sc_logistic": {"en": "a logistic regression", "zh": "逻辑回归"},
    "sc_name_model": {"en": "Churn model", "zh": "流失模型"},
    "sc_name_recency": {"en": "Days since last purchase", "zh": "距上次消费天数"},
    "sc_name_bgnbd": {"en": "BG/NBD 1 − P(alive)", "zh": "BG/NBD（1 − 存活概率）"},
    "sc_name_logistic": {"en": "Logistic regression", "zh": "逻辑回归"},
    # what to do now (report/actions_section.py; numbers from report/actions.py)
    "ac_title": {"en": "What to do now", "zh": "现在该做什么"},
    "ac_intro": {
        "en": "The {n} most valuable actions of this run, most valuable first: whom to contact "
        "(a list of this run and how many), why, and the value at stake.",
        "zh": "本次运行价值最高的 {n} 项行动，按价值从高到低：联系谁（本次运行的名单及人数）、"
        "为什么、涉及多少价值。",
    },
    "ac_none": {
        "en": "No action with a value at stake could be computed from this run (see the notes "
        "above and the sections below).",
        "zh": "本次运行无法得出有风险价值的行动（见上方说明及下文各部分）。",
    },
    "ac_who": {"en": "Who", "zh": "对象"},
    "ac_why": {"en": "Why", "zh": "原因"},
    "ac_list": {
        "en": "{n} customers of the {list}: {group}",
        "zh": "{n} 位客户——“{list}”中的“{group}”",
    },
    "ac_fix_who": {
        "en": "{n} current customers with a negative comment on it in the last {days} days",
        "zh": "最近 {days} 天内对此有负面评价的 {n} 位现有客户",
    },
    "ac_export": {
        "en": "Get the whole list: loyalloop export {table} --run {run} --out {table}.csv",
        "zh": "导出完整名单：loyalloop export {table} --run {run} --out {table}.csv",
    },
    "ac_value_keep": {"en": "value at stake", "zh": "风险价值"},
    "ac_value_win_back": {"en": "win-back value", "zh": "挽回价值"},
    "ac_value_fix": {"en": "value at stake", "zh": "风险价值"},
    "ac_keep_closed_account": {
        "en": "Ask the {n} customers who closed an account this year why",
        "zh": "致电今年注销过账户的 {n} 位客户，了解原因",
    },
    "ac_keep_complaint": {
        "en": "Follow up the complaints of {n} customers on the early-warning list",
        "zh": "跟进预警名单中有投诉或低分评价的 {n} 位客户",
    },
    "ac_keep_overdue": {
        "en": "Contact the {n} customers who are overdue",
        "zh": "联系 {n} 位已超出平常消费间隔的客户",
    },
    "ac_keep_spend_falling": {
        "en": "Re-engage the {n} customers whose spend has halved",
        "zh": "重新激活 {n} 位消费额减半的客户",
    },
    "ac_keep_ignoring_messages": {
        "en": "Reach the {n} customers who ignore your messages another way",
        "zh": "换一种渠道联系 {n} 位不打开营销信息的客户",
    },
    "ac_keep_new": {
        "en": "Look after the {n} new customers on the early-warning list",
        "zh": "跟进预警名单中的 {n} 位新客户",
    },
    "ac_keep_none": {
        "en": "Review the {n} customers with above-average churn risk and no single warning sign",
        "zh": "逐一梳理 {n} 位流失概率高于平均、但无单一预警信号的客户",
    },
    "ac_why_closed_account": {
        "en": "They closed an account in the last year and still hold others.",
        "zh": "他们近一年注销过账户，但仍持有其他账户。",
    },
    "ac_why_complaint": {
        "en": "They complained, or gave an NPS of 6 or less, in the last year.",
        "zh": "他们近一年有投诉，或给出 6 分及以下的 NPS。",
    },
    "ac_why_complaint_recent": {
        "en": "They complained, or gave an NPS of 6 or less, in the last {sign_days} days.",
        "zh": "他们最近 {sign_days} 天内有投诉，或给出 6 分及以下的 NPS。",
    },
    "ac_part_call": {
        "en": "Call first: {n} customers on the early-warning list show a sign that says what "
        "to do now — an account closed, a recent complaint, overdue, or spend halved with no "
        "purchase for a month (value at stake {value}). The early-warning actions below group "
        "them by that sign.",
        "zh": "先联系：流失预警名单中有 {n} 位客户出现了明确的预警信号——注销账户、近期投诉、超出"
        "平常间隔，或消费减半且一个月未消费（风险价值 {value}）。下方的预警行动按信号分组。",
    },
    "ac_part_watch": {
        "en": "Watch, do not call yet: {n} more have only a weak sign or a churn probability "
        "well above the average (value at stake {value}); they are on the list as “watch” and "
        "are not among the actions below.",
        "zh": "需关注、暂不联系：另有 {n} 位客户只有较弱的信号，或流失概率远高于平均（风险价值 "
        "{value}）；他们在名单中标为“需关注”，不在下方行动之列。",
    },
    "ac_why_overdue": {
        "en": "No purchase for {days} days (median), at least twice their usual gap of {gap} days.",
        "zh": "已 {days} 天（中位数）未消费，达到其平常间隔（{gap} 天）的 2 倍及以上。",
    },
    "ac_why_spend_falling": {
        "en": "Their spend in the last 90 days is down by half or more against the 90 days before.",
        "zh": "最近 90 天消费额比之前 90 天下降一半及以上。",
    },
    "ac_why_ignoring_messages": {
        "en": "They opened none of the messages sent to them in the last 90 days.",
        "zh": "最近 90 天发给他们的营销信息一条都未打开。",
    },
    "ac_why_new": {
        "en": "Their first purchase was less than 90 days ago.",
        "zh": "首次消费在 90 天以内。",
    },
    "ac_why_none": {
        "en": "No single sign, but their history as a whole puts them above the average; the "
        "list gives each customer's reasons.",
        "zh": "没有单一预警信号，但综合消费记录使其风险高于平均；名单中列有每位客户的原因。",
    },
    "ac_why_risk": {
        "en": "Churn probability {p} on average against {avg} for all customers ({scorer}); "
        "average CLV {clv}.",
        "zh": "平均流失概率 {p}，全体客户平均为 {avg}（{scorer}）；平均客户终身价值 {clv}。",
    },
    "ac_win_back_lapsed": {
        "en": "Win back the {n} lapsed customers",
        "zh": "挽回 {n} 位沉寂客户",
    },
    "ac_win_back_lost": {
        "en": "Win back the {n} lost customers, most likely first",
        "zh": "挽回 {n} 位已流失客户，从最可能回归的开始",
    },
    "ac_win_back_closed": {
        "en": "Win back the {n} customers who closed every account",
        "zh": "挽回 {n} 位已注销全部账户的客户",
    },
    "ac_why_win_back": {
        "en": "They last bought {days} days ago (median) and spent {yearly} a year on average "
        "while buying; their return probability averages {r}.",
        "zh": "他们上次消费在 {days} 天前（中位数），活跃期间年均消费 {yearly}；平均回归概率 {r}。",
    },
    "ac_why_history": {
        "en": "Of {went} customers gone {horizon} days ago, {came} bought again within "
        "{horizon} days.",
        "zh": "{horizon} 天前已离开的 {went} 位客户中，有 {came} 位在 {horizon} 天内再次消费。",
    },
    "ac_fix": {
        "en": "Fix “{aspect}”: {n} current customers complained about it",
        "zh": "改进“{aspect}”：{n} 位现有客户对此有负面评价",
    },
    "ac_why_fix": {
        "en": "{mentions} negative mentions ({share} of the mentions of it are negative) — "
        "among the aspects customers complain about most.",
        "zh": "负面提及 {mentions} 次（占该方面提及的 {share}）——是客户抱怨最多的方面之一。",
    },
    "ac_why_fix_driver": {
        "en": "It is also a fix-first driver of the scores.",
        "zh": "它也是评分的优先改进驱动因素。",
    },
    "ac_overlap": {
        "en": "Value at stake = churn probability × CLV; win-back value = return probability × "
        "yearly spend. The customers of a fix action may also be in an early-warning group.",
        "zh": "风险价值 = 流失概率 × 客户终身价值；挽回价值 = 回归概率 × 年均消费额。"
        "“改进”类行动涉及的客户也可能出现在预警分组中。",
    },
    "cv_baseline_ranks": {
        "en": "Churn probabilities in this report come from {scorer}: the churn model did not "
        "beat it on the backtest (ROC AUC {model_roc} against {scorer_roc}, PR AUC "
        "{model_pr} against {scorer_pr}).",
        "zh": "本报告中的流失概率来自{scorer}：流失模型在回测中没有胜过它（ROC AUC "
        "{model_roc} 对 {scorer_roc}，PR AUC {model_pr} 对 {scorer_pr}）。",
    },
    "cv_early_warning_not_computed": {
        "en": "The early-warning list was not computed ({reason}); see the churn section.",
        "zh": "流失预警名单未计算（{reason}），详见流失风险部分。",
    },
    "cv_win_back_not_computed": {
        "en": "The win-back list was not computed ({reason}).",
        "zh": "挽回名单未计算（{reason}）。",
    },
    "cv_mixed_currencies": {
        "en": "The transactions mix currencies ({currencies}): every total in this report adds "
        "them up as they are.",
        "zh": "交易数据混有多种币种（{currencies}）：本报告的合计值直接相加，未做换算。",
    },
    "cv_unknown_currency": {
        "en": "The currency of the amounts is not known: the transactions do not say it. Set "
        "currency in the run settings.",
        "zh": "金额币种未知：交易数据未注明币种。请在运行参数中设置 currency。",
    },
    # whom to contact (report/lists_section.py)
    "ls_title": {"en": "Whom to contact first", "zh": "优先联系名单"},
    "ls_early": {
        "en": "Early-warning list: the first {n} of {total}, calls first, each by value at stake",
        "zh": "流失预警名单：前 {n} 位（共 {total} 位），先列需联系者，各按风险价值排序",
    },
    "ls_early_note": {
        "en": "Current customers whose churn probability ({scorer}) is at least the average, "
        "{avg}, and who show a warning sign — or, with no sign, at least twice the average's "
        "odds; customers with every account closed are never on it. Call: an account closed, "
        "a recent complaint or low NPS, overdue against their own rhythm, or spend halved with no "
        "purchase for 30 days. Watch: spend falling but still buying, messages ignored, a new "
        "customer, or only the probability. Value at stake = churn probability × CLV. "
        "{total_customers} customers ({calls} to call, {watches} to watch), total value at "
        "stake {total}.",
        "zh": "流失概率（{scorer}）不低于平均值 {avg} 且有预警信号的现有客户；无信号者须流失几率"
        "达到平均的 2 倍；已注销全部账户的客户不在其中。需联系：注销账户、近期投诉或低分、超出平常"
        "间隔，或消费减半且 30 天未消费。需关注：消费下降但仍在消费、不打开营销信息、新客户，或"
        "仅流失概率偏高。风险价值 = 流失概率 × 客户终身价值。共 {total_customers} 位（需联系 "
        "{calls} 位，需关注 {watches} 位），风险价值合计 {total}。",
    },
    "ls_spend_basis": {
        "en": "CLV was not computed in this run: spend in the last 365 days stands in for it.",
        "zh": "本次运行未计算客户终身价值，以近 365 天消费额代替。",
    },
    "ls_winback": {
        "en": "Win-back list: the first {n} of {total}, by win-back value",
        "zh": "挽回名单：按挽回价值排序的前 {n} 位（共 {total} 位）",
    },
    "ls_winback_note": {
        "en": "Lapsed, closed and lost customers. Return probability = the share of customers in "
        "the same status, with about as many days since their last purchase, on {cutoff} who "
        "bought again within {horizon} days ({came} of {went}). Win-back value = return "
        "probability × yearly spend while buying. {total_customers} customers, total win-back "
        "value {total}.",
        "zh": "沉寂、已销户和已流失的客户。回归概率 = {cutoff} 时状态相同、距上次消费天数相近的客户"
        "中，{horizon} 天内再次消费的比例（{went} 位中 {came} 位）。挽回价值 = 回归概率 × "
        "活跃期间年均消费额。共 {total_customers} 位，挽回价值合计 {total}。",
    },
    "col_customer": {"en": "Customer", "zh": "客户"},
    "col_status": {"en": "Status", "zh": "状态"},
    "col_churn_p": {"en": "Churn probability", "zh": "流失概率"},
    "col_clv": {"en": "CLV", "zh": "客户终身价值"},
    "col_value_at_stake": {"en": "Value at stake", "zh": "风险价值"},
    "col_days_since": {"en": "Days since last purchase", "zh": "距上次消费天数"},
    "col_usual_gap": {"en": "Usual gap (days)", "zh": "平常间隔（天）"},
    "col_signal": {"en": "Signal", "zh": "预警信号"},
    "col_reasons": {"en": "Why", "zh": "原因"},
    "col_return_p": {"en": "Return probability", "zh": "回归概率"},
    "col_yearly": {"en": "Yearly spend", "zh": "年均消费额"},
    "col_winback_value": {"en": "Win-back value", "zh": "挽回价值"},
    "col_purchases": {"en": "Purchases", "zh": "消费次数"},
    "col_action": {"en": "Action", "zh": "行动"},
    "act_call": {"en": "Call", "zh": "需联系"},
    "act_watch": {"en": "Watch", "zh": "需关注"},
    "sig_closed_account": {"en": "Closed an account", "zh": "注销过账户"},
    "sig_complaint": {"en": "Complaint", "zh": "投诉或低分"},
    "sig_overdue": {"en": "Overdue", "zh": "超出平常间隔"},
    "sig_spend_falling": {"en": "Spend falling", "zh": "消费下降"},
    "sig_ignoring_messages": {"en": "Ignores messages", "zh": "不打开营销信息"},
    "sig_new": {"en": "New customer", "zh": "新客户"},
    "sig_none": {"en": "No single sign", "zh": "无单一信号"},
    # churn risk (report/churn_section.py)
    "ch_title": {"en": "Churn risk", "zh": "流失风险"},
    "ch_used_model": {
        "en": "The churn model ranks customers: it beat every baseline on the backtest (ROC AUC "
        "{roc}, PR AUC {pr}; the best baseline, {best}: {best_roc} and {best_pr}).",
        "zh": "由流失模型对客户排序：它在回测中胜过所有基准方法（ROC AUC {roc}，PR AUC {pr}；"
        "最好的基准方法为{best}：{best_roc} 和 {best_pr}）。",
    },
    "ch_used_baseline": {
        "en": "{scorer} ranks customers, not the churn model: the model did not beat it on the "
        "backtest (model ROC AUC {model_roc} and PR AUC {model_pr}; {scorer}: {roc} and {pr}). "
        "Every churn probability in this report is that baseline's.",
        "zh": "由{scorer}对客户排序，而不是流失模型：模型在回测中没有胜过它（模型 ROC AUC "
        "{model_roc}、PR AUC {model_pr}；{scorer}：{roc} 和 {pr}）。本报告中的流失概率均来自"
        "该基准方法。",
    },
    "ch_rule": {
        "en": "Rule: the model is used only when it beats every baseline by {tol} in ROC AUC or PR "
        "AUC without losing more than {tol} on the other; otherwise the best baseline ranks.",
        "zh": "规则：只有当模型在 ROC AUC 或 PR AUC 上比每个基准方法高出 {tol}、且另一指标低不超过 "
        "{tol} 时才使用模型；否则使用最好的基准方法。",
    },
    "ch_scorer": {"en": "Scorer", "zh": "评分方法"},
    "ch_used": {"en": "Used", "zh": "是否采用"},
    "ch_used_mark": {"en": "✓ ranks", "zh": "✓ 采用"},
    "ch_left_out": {
        "en": "left out: could not be fitted on this data",
        "zh": "未参与比较：无法在此数据上拟合",
    },
    "ch_roc_auc": {"en": "ROC AUC", "zh": "ROC AUC"},
    "ch_pr_auc": {"en": "PR AUC", "zh": "PR AUC"},
    "ch_brier": {"en": "Brier score", "zh": "Brier 分数"},
    "ch_lift10": {"en": "Lift in top 10%", "zh": "前 10% 提升度"},
    "ch_auc_card": {"en": "ROC AUC of the ranking used", "zh": "所用排序方法的 ROC AUC"},
    "ch_capture_card": {
        "en": "Churners found in the riskiest 20%",
        "zh": "风险最高 20% 客户覆盖的流失者",
    },
    "ch_rate_card": {"en": "Churn rate, test period", "zh": "测试期流失率"},
    "ch_expected_card": {
        "en": "Expected churners among current customers, next {days} days",
        "zh": "现有客户中未来 {days} 天预计流失人数",
    },
    "ch_high_card": {
        "en": "Current customers at high churn risk (≥ {pct}%)",
        "zh": "高流失风险的现有客户（≥ {pct}%）",
    },
    "ch_current_sub": {"en": "of {n} current customers", "zh": "共 {n} 位现有客户"},
    "ch_capture_axis": {"en": "Share of churners found (%)", "zh": "已覆盖流失者占比（%）"},
    "ch_decile_axis": {"en": "Risk decile (1 = riskiest)", "zh": "风险十分位（1 = 风险最高）"},
    "ch_random": {"en": "Random order", "zh": "随机排序"},
    "ch_predicted_axis": {"en": "Predicted churn probability", "zh": "预测流失概率"},
    "ch_observed_axis": {"en": "Observed churn rate", "zh": "实际流失率"},
    "ch_perfect": {"en": "Perfect calibration", "zh": "完美校准"},
    "ch_capture_title": {
        "en": "How many churners each scorer finds, riskiest first",
        "zh": "各评分方法按风险从高到低找到的流失者",
    },
    "ch_calibration_title": {
        "en": "Predicted against observed churn (probability scorers)",
        "zh": "预测流失概率与实际流失率（概率型评分方法）",
    },
    "ch_note": {
        "en": "Churn = no purchase (or every account closed) in the next {days} days. Trained on "
        "cutoffs {train}, tested on {test}: {n_test} customers, of whom {rate} churned. The "
        "early-warning list ranks by this run's probabilities. Files: {model_file} (the churn "
        "model), {ranking_file} (the ranking used).",
        "zh": "流失 = 未来 {days} 天内无消费（或所有账户均已注销）。训练截止日 {train}，测试截止日 "
        "{test}：测试客户 {n_test} 位，其中 {rate} 流失。流失预警名单按本次运行的流失概率排序。"
        "文件：{model_file}（流失模型），{ranking_file}（采用的排序方法）。",
    },
    # loyalty and lifecycle (report/loyalty_section.py)
    "lo_title": {"en": "Loyalty and lifecycle", "zh": "忠诚度与生命周期"},
    "lo_mean_index": {"en": "Mean loyalty index (0–100)", "zh": "平均忠诚度指数（0–100）"},
    "lo_with_voice": {"en": "Customers with survey answers", "zh": "有调查回答的客户"},
    "lo_tier": {"en": "Loyalty tier", "zh": "忠诚度层级"},
    "lo_stage": {"en": "Lifecycle status", "zh": "生命周期状态"},
    "lo_tier_emotional": {"en": "Emotional loyalty", "zh": "情感忠诚"},
    "lo_tier_brand": {"en": "Brand loyalty", "zh": "品牌忠诚"},
    "lo_tier_transactional": {"en": "Transactional loyalty", "zh": "交易型忠诚"},
    "lo_tier_not_loyal": {"en": "Not loyal", "zh": "未形成忠诚"},
    "lo_tier_unscored": {"en": "Unscored", "zh": "无法评分"},
    "lo_none": {"en": "(not in run)", "zh": "（不在该次运行中）"},
    "lo_share": {"en": "Share", "zh": "占比"},
    "lo_avg_index": {"en": "Avg. index", "zh": "平均指数"},
    "lo_migration": {
        "en": "Tier migration since run {run}",
        "zh": "自第 {run} 次运行以来的层级迁移",
    },
    "lo_transitions": {
        "en": "Lifecycle transitions since run {run}",
        "zh": "自第 {run} 次运行以来的生命周期状态变化",
    },
    "lo_moves": {
        "en": "{up} moved up, {down} moved down, {same} unchanged, {new} new, {gone} gone.",
        "zh": "上升 {up} 位，下降 {down} 位，不变 {same} 位，新增 {new} 位，离开 {gone} 位。",
    },
    "lo_previous": {"en": "Previous run", "zh": "上次运行"},
    "lo_this": {"en": "This run", "zh": "本次运行"},
    "lo_survival": {"en": "How long customers keep buying", "zh": "客户持续消费多久"},
    "lo_by_stage": {
        "en": "By status on {start}, followed from that day",
        "zh": "按 {start} 时的状态分组，自该日起跟踪",
    },
    "lo_by_cohort": {"en": "By year of first purchase", "zh": "按首次消费年份分组"},
    "lo_days_since_first": {"en": "Days since the first purchase", "zh": "首次消费后天数"},
    "lo_days_since_start": {"en": "Days since {start}", "zh": "{start} 之后的天数"},
    "lo_still": {"en": "Still buying (%)", "zh": "仍在消费的比例（%）"},
    "lo_median": {"en": "Median lifetime (days)", "zh": "中位生命周期（天）"},
    "lo_not_reached": {"en": "not reached", "zh": "未达到"},
    "lo_median_zero": {
        "en": "0: half of them never bought again after that day",
        "zh": "0：其中半数此后再未消费",
    },
    "lo_group": {"en": "Group", "zh": "组别"},
    "lo_cohort_year": {"en": "First bought in {year}", "zh": "{year} 年首次消费"},
    "lo_small": {
        "en": "not drawn: fewer than {n} customers",
        "zh": "未画出：客户少于 {n} 位",
    },
    "lo_note": {
        "en": "Loyalty index = weighted mean of behaviour (frequency, recency, tenure; 50%), "
        "attitude (CSAT; 25%) and emotion (NPS; 25%) over the parts known for the customer — "
        "missing parts are left out, not scored as zero. Lapsed, closed and lost customers are "
        "never in a loyal tier. Curves: a customer has stopped after {lapse} days without a "
        "purchase, so a stop is seen {lapse} days after it happens: the curves end {lapse} "
        "days before the data do, and customers who first bought in the last {lapse} days are "
        "not in them yet; the median lifetime is when half have stopped.",
        "zh": "忠诚度指数 = 行为（频次、最近消费、在网时长；50%）、态度（CSAT；25%）与情感"
        "（NPS；25%）中该客户已知部分的加权平均——缺失部分不计入，不按零分处理。沉寂、已销户和"
        "已流失的客户不计入任何忠诚层级。曲线：客户超过 {lapse} 天无消费即视为停止消费，"
        "因此停止消费要在发生 {lapse} 天后才能看到：曲线比数据早 {lapse} 天结束，最近 {lapse} "
        "天内首次消费的客户暂不计入；中位生命周期为一半客户停止消费的时间。",
    },
    # feedback trend chart by month (report9: readable trends)
    "fb_negative_share_month_axis": {
        "en": "Negative share per month (%)",
        "zh": "每月负面占比（%）",
    },
    # glossary (report/glossary_section.py; words from loyalloop.insight.definitions)
    "gl_title": {"en": "Glossary", "zh": "术语表"},
    "gl_word": {"en": "Word", "zh": "术语"},
    "gl_meaning": {"en": "Meaning in this report", "zh": "在本报告中的含义"},
}


# --- campaign results (measure helper: report/campaigns_section.py) ---------------------------
_TEXT.update(
    {
        "cp_title": {"en": "Campaigns", "zh": "营销活动效果"},
        "cp_intro": {
            "en": "Each treated arm against its holdout (customers picked alike and left "
            "alone), per assigned customer; figures in brackets are {level} intervals. "
            "Incremental revenue, margin and net value are totals over the arm's customers; "
            "net value = margin − cost; ROI = net value / incremental cost. A figure whose "
            "interval crosses 0 is shown as inconclusive with its interval only — neither a "
            "gain nor a loss; nothing is shown for a holdout or arm of fewer than 30 customers; "
            "ROI is quoted only when the spend is material (at least the incremental margin's "
            "uncertainty, and 10% of the budget where it is known) and the net value is "
            "conclusive. The remark says why.",
            "zh": "每个触达组与其对照组（同样选出但不触达的客户）比较，按分配的客户计；括号内为 "
            "{level} 置信区间。增量收入、毛利和净值为该组全部客户的合计；净值 = 毛利 − 成本；"
            "ROI = 净值 / 增量成本。置信区间跨越 0 的数字显示为「不确定」并只给出区间，"
            "既不算增益也不算损失；对照组或触达组少于 30 人时不显示任何数字；只有花费足够大"
            "（不低于增量毛利的波动，已知预算时不低于预算的 10%）且净值结论明确时才报告 ROI。"
            "「说明」一栏给出原因。",
        },
        "cp_all_arms": {"en": "All treated arms", "zh": "全部触达组"},
        "cp_group": {"en": "Group {group}", "zh": "组 {group}"},
        "cp_error": {"en": "Not measured: {message}", "zh": "无法衡量：{message}"},
        "cp_window": {"en": "Window {start} to {end}.", "zh": "活动窗口 {start} 至 {end}。"},
        "cp_assigned": {"en": "Customers per arm: {arms}.", "zh": "各组客户数：{arms}。"},
        "cp_source_outcomes": {
            "en": "Outcomes: the loaded outcome records.",
            "zh": "结果：已导入的活动结果记录。",
        },
        "cp_source_attributed": {
            "en": "Outcomes: purchases and redemptions in the window, attributed by this run.",
            "zh": "结果：本次运行归因的活动窗口内购买与核销。",
        },
        "cp_margin": {"en": "Margin rate {rate}.", "zh": "毛利率 {rate}。"},
        "cp_no_margin": {
            "en": "No margin rate configured (campaigns.margin_rate): margin, net value and "
            "ROI are not computed.",
            "zh": "未配置毛利率（campaigns.margin_rate）：不计算毛利、净值与 ROI。",
        },
        "cp_provisional": {
            "en": "The outcome window is not over yet: these figures are provisional.",
            "zh": "活动结果窗口尚未结束：以下数字为临时结果。",
        },
        "cp_arm": {"en": "Arm", "zh": "组"},
        "cp_customers": {"en": "Customers", "zh": "客户数"},
        "cp_control": {"en": "Holdout", "zh": "对照组"},
        "cp_response": {"en": "Response (treated / holdout)", "zh": "响应率（触达 / 对照）"},
        "cp_response_lift": {"en": "Response lift", "zh": "响应率提升"},
        "cp_inc_revenue": {"en": "Incremental revenue", "zh": "增量收入"},
        "cp_inc_margin": {"en": "Incremental margin", "zh": "增量毛利"},
        "cp_cost": {"en": "Cost", "zh": "成本"},
        "cp_net": {"en": "Net value", "zh": "净值"},
        "cp_roi": {"en": "ROI", "zh": "ROI"},
        "cp_remark": {"en": "Remark", "zh": "说明"},
        "cp_srm": {
            "en": "Sample-ratio mismatch (p = {p}): the split differs from the plan; check the "
            "assignment before trusting these figures.",
            "zh": "分组比例异常（p = {p}）：实际分组与计划不符；请先核查分组再采信这些数字。",
        },
        "cp_programme": {
            "en": "The programme against the global control group",
            "zh": "整体营销计划与全局对照组比较",
        },
        "cp_programme_customers": {"en": "Programme customers", "zh": "计划覆盖客户"},
        "cp_global_control": {"en": "Global control", "zh": "全局对照组"},
        "cp_revenue_lift": {"en": "Revenue lift per customer", "zh": "人均收入提升"},
        "cp_programme_note": {
            "en": "Everyone the {campaigns} campaigns could reach, treated or held out, against "
            "the customers no campaign contacts.",
            "zh": "{campaigns} 个活动可触达的全部客户（含各活动的对照组）"
            "与不参与任何活动的客户比较。",
        },
        "cp_models": {"en": "Targeting models", "zh": "目标客户模型"},
        "cp_model": {"en": "Model", "zh": "模型"},
        "cp_status": {"en": "Status", "zh": "状态"},
        "cp_status_champion": {"en": "champion", "zh": "冠军模型"},
        "cp_status_challenger": {"en": "challenger", "zh": "挑战者模型"},
        "cp_status_retired": {"en": "retired", "zh": "已退役"},
        "cp_trained_on": {"en": "Trained on campaigns", "zh": "训练所用活动"},
        "cp_qini": {"en": "Held-out Qini by action", "zh": "各触达方式的验证 Qini"},
        # results10: a coded reason (loyalloop.measurement.notes) said in the page's language
        "cp_sentence": {"en": "{text}.", "zh": "{text}。"},
        "cp_programme_note_one": {
            "en": "Everyone the campaign could reach, treated or held out, against the "
            "customers no campaign contacts.",
            "zh": "该活动可触达的全部客户（含对照组）与不参与任何活动的客户比较。",
        },
        "cp_not_computed": {
            "en": "Not computed ({reason}): {message}.",
            "zh": "未计算（{reason}）：{message}。",
        },
    }
)
# --- end of campaign results ------------------------------------------------------------------

# --- review (session 9): names shown in the report that were left in English -------------------
_TEXT.update(
    {
        "fb_taxonomy_banking": {"en": "banking", "zh": "银行业"},
        "fb_taxonomy_retail": {"en": "retail", "zh": "零售业"},
        "fb_taxonomy_default": {"en": "default (banking and retail)", "zh": "通用（银行与零售）"},
        "created_at": {"en": "{day} {time} UTC", "zh": "{day} {time}（UTC）"},
        # a column or axis counting customers ("customers" is the key figure's own label)
        "n_customers": {"en": "Customers", "zh": "客户数"},
        "lo_scored": {"en": "Customers scored (buyers)", "zh": "参与评分的客户（有购买）"},
        "library_note": {"en": "{message}", "zh": "说明（英文）：{message}"},
        "fb_kano_better": {"en": "better", "zh": "Better 系数"},
        "fb_kano_worse": {"en": "worse", "zh": "Worse 系数"},
    }
)
# --- end of review ------------------------------------------------------------------------------


# --- demo11: what `loyalloop demo` and `loyalloop run` print, in the reader's language -------
# (cli/talk.py, cli/demo_text.py; library messages, which are English, go through library_note)
_TEXT.update(
    {
        "cli_run_published": {
            "en": "run {n} published: as of {day}, {seconds:.1f} s",
            "zh": "第 {n} 次运行已发布：数据截至 {day}，用时 {seconds:.1f} 秒",
        },
        "cli_computed": {"en": "computed:", "zh": "已计算："},
        "cli_not_computed": {"en": "not computed:", "zh": "未计算："},
        "cli_seconds": {"en": "{seconds:6.1f} s", "zh": "{seconds:6.1f} 秒"},
        "cli_stage_not_computed": {"en": "not computed ({status})", "zh": "未计算（{status}）"},
        "cli_profiles": {
            "en": "{records} customer records → {profiles} profiles ({merged} merged",
            "zh": "{records} 条客户记录 → {profiles} 个客户档案（合并 {merged} 条",
        },
        "cli_profiles_how": {
            "en": ": {exact} by e-mail/phone, {model} by the matching model; {review} pairs to "
            "review",
            "zh": "：{exact} 条按邮箱/手机号，{model} 条由匹配模型；{review} 对待人工复核",
        },
        "cli_profiles_end": {"en": ")", "zh": "）"},
        "cli_profiles_exact_only": {
            "en": "; exact keys only: too little data to train the matching model",
            "zh": "；仅按精确键合并：数据太少，无法训练匹配模型",
        },
        "cli_campaigns_measured": {
            "en": "{n} {noun} measured against their holdouts: {names} "
            "(`loyalloop campaigns results NAME`)",
            "zh": "{n} 个营销活动已与各自对照组比较：{names}（`loyalloop campaigns results 名称`）",
        },
        "cli_rfm": {
            "en": "{rows} buyers scored R, F, M and segmented",
            "zh": "{rows} 位购买客户完成 R、F、M 评分与分群",
        },
        "cli_kpis": {
            "en": "{customers} customers, {active} bought in the last {days} days, repurchase "
            "rate {repurchase}",
            "zh": "客户 {customers} 位，近 {days} 天有消费 {active} 位，复购率 {repurchase}",
        },
        "cli_nps": {
            "en": "; NPS {nps:.1f} ({ci}{n} answers)",
            "zh": "；NPS {nps:.1f}（{ci}{n} 份回答）",
        },
        "cli_nps_ci": {
            "en": "95% CI {low:.1f} – {high:.1f}, ",
            "zh": "95% 置信区间 {low:.1f} – {high:.1f}，",
        },
        "cli_csat": {"en": "; CSAT {csat:.1f}%", "zh": "；CSAT {csat:.1f}%"},
        "cli_clv": {
            "en": "{model}: CLV next {months} months {total}, top 10% of customers hold "
            "{top}, mean P(alive) {alive}",
            "zh": "{model}：未来 {months} 个月 CLV {total}，前 10% 客户占 {top}，"
            "平均存活概率 {alive}",
        },
        "cli_churn_features": {"en": "features of {rows} customers", "zh": "{rows} 位客户的特征"},
        "cli_churn": {
            "en": "backtest ROC AUC {aucs}; {high} customers at 50% risk or more, {expected} "
            "expected to churn in {days} days",
            "zh": "回测 ROC AUC {aucs}；流失风险 50% 及以上的客户 {high} 位，预计 {days} 天内"
            "流失 {expected} 位",
        },
        "cli_loyalty": {
            "en": "mean loyalty index {mean} of {n} customers; tiers: {tiers}",
            "zh": "{n} 位客户的平均忠诚度指数 {mean}；等级：{tiers}",
        },
        "cli_feedback": {
            "en": "{comments} comments, {negative} negative",
            "zh": "评论 {comments} 条，负面 {negative}",
        },
        "cli_feedback_top": {
            "en": "; most complained about (largest negative share): {aspect} ({share} of its "
            "mentions negative, {n})",
            "zh": "；最受抱怨（负面占比最高）：{aspect}（其提及中 {share} 为负面，{n} 条）",
        },
        "cli_feedback_alerts": {"en": "; {n} alerts", "zh": "；预警 {n} 条"},
        "cli_baselines_head": {
            "en": "models against their baselines (same backtest):",
            "zh": "模型与基准对比（同一回测）：",
        },
        "cli_model_head": {
            "en": "{analysis}: the model ({metric} {value:.3f})",
            "zh": "{analysis}：模型（{metric} {value:.3f}）",
        },
        "cli_model_beats": {
            "en": " beats every baseline: {others}",
            "zh": "优于所有基准：{others}",
        },
        "cli_model_lost": {
            "en": " LOST to {name} ({value:.3f}): {instead}",
            "zh": "不及 {name}（{value:.3f}）：{instead}",
        },
        "cli_ranks_instead": {
            "en": "the run ranks by {name} instead",
            "zh": "本次运行改用 {name} 排序",
        },
        "cli_rank_instead": {
            "en": "rank by {name} instead, or bring more history",
            "zh": "请改用 {name} 排序，或提供更长的历史数据",
        },
        "cli_churn_used_model": {
            "en": "the churn model ranks (ROC AUC {auc:.3f}, beat every baseline)",
            "zh": "由流失模型排序（ROC AUC {auc:.3f}，优于所有基准）",
        },
        "cli_churn_used_baseline": {
            "en": "ranked by {name}, NOT the churn model: the model did not beat it on the "
            "backtest (ROC AUC {model:.3f} against {used:.3f})",
            "zh": "按 {name} 排序，而非流失模型：回测中模型未胜过它（ROC AUC {model:.3f}，"
            "对比 {used:.3f}）",
        },
        "cli_churn_used_plain": {"en": "ranked by {name}", "zh": "按 {name} 排序"},
        "cli_churn_used": {
            "en": "churn risk used: {how}; {high} of {current} current customers at 50% or more",
            "zh": "使用的流失风险：{how}；{current} 位当前客户中 {high} 位风险在 50% 及以上",
        },
        "cli_list_early_warning": {
            "en": "early-warning list: {n} customers, value at stake {value}{currency} "
            "(table early_warning)",
            "zh": "预警名单：{n} 位客户，涉及价值 {value}{currency}（数据表 early_warning）",
        },
        "cli_list_win_back": {
            "en": "win-back list: {n} customers, win-back value {value}{currency} (table win_back)",
            "zh": "挽回名单：{n} 位客户，可挽回价值 {value}{currency}（数据表 win_back）",
        },
        "cli_quarantined": {
            "en": "quarantined at ingest, not in these figures: {listed} "
            "(`loyalloop export quarantine --out q.csv`)",
            "zh": "导入时被隔离、未计入以上数字：{listed}"
            "（`loyalloop export quarantine --out q.csv`）",
        },
        "cli_scorer_model": {"en": "model", "zh": "模型"},
        "cli_scorer_recency": {"en": "recency only", "zh": "仅按最近购买"},
        "cli_scorer_bgnbd": {"en": "BG/NBD 1 − P(alive)", "zh": "BG/NBD 1 − 存活概率"},
        "cli_scorer_logistic": {"en": "logistic regression", "zh": "逻辑回归"},
        "cli_analysis_churn": {"en": "churn", "zh": "流失"},
        "cli_list_sep": {"en": ", ", "zh": "，"},
        # ingest
        "cli_ingest": {
            "en": "{table} ({files}): read {read} · loaded {loaded}{repaired} · already loaded "
            "{already} · quarantined {quarantined}{erased}",
            "zh": "{table}（{files}）：读取 {read} · 载入 {loaded}{repaired} · 此前已载入 "
            "{already} · 隔离 {quarantined}{erased}",
        },
        "cli_ingest_repaired": {"en": " (repaired {n})", "zh": "（其中修复 {n}）"},
        "cli_ingest_erased": {"en": " · erased {n}", "zh": " · 已按删除请求剔除 {n}"},
        "cli_ingest_note": {"en": "  note: {note}", "zh": "  说明（英文）：{note}"},
        "cli_ingest_first": {
            "en": "  first quarantined row: {file}, row {row}{line}: {reason}",
            "zh": "  第一条被隔离的行：{file}，第 {row} 行{line}，原因（英文）：{reason}",
        },
        "cli_ingest_line": {"en": " (line {line})", "zh": "（文件第 {line} 行）"},
        "cli_ingest_ignored": {"en": "  ignored column {name}", "zh": "  已忽略的列：{name}"},
        # the demo
        "demo_run_acted": {
            "en": "run {n} published: as of {day}; the campaign below acts on its findings",
            "zh": "第 {n} 次运行已发布：数据截至 {day}；下面的营销活动据此选择客户",
        },
        "demo_campaign": {
            "en": "campaign {name} (win-back, e-mail) on run {run}: audience {audience}, without "
            "consent or address {no_consent}; assigned {assigned} = global control {gc} + "
            "holdout {holdout} + {arms}; expected cost {cost} of a budget of {budget} {currency}",
            "zh": "营销活动 {name}（挽回，电子邮件），基于第 {run} 次运行：目标客户 {audience} 位，"
            "无授权或无联系地址 {no_consent} 位；分配 {assigned} 位 = 全局对照组 {gc} + 对照组 "
            "{holdout} + {arms}；预计成本 {cost} {currency}（预算 {budget} {currency}）",
        },
        "demo_worker": {
            "en": "worker: {sent} e-mails written to {sink} (no network), {dead} dead, {failed} "
            "failed to render",
            "zh": "发送进程：{sent} 封邮件写入 {sink}（未联网），{dead} 封放弃投递，{failed} 封"
            "模板渲染失败",
        },
        "demo_outcomes": {
            "en": "simulated outcomes over {days} days (sample truth):",
            "zh": "{days} 天的模拟结果（依据示例数据的已知真相）：",
        },
        "demo_outcome_row": {
            "en": "{customers:>6} customers  {buyers:>5} bought  response {rate:>6}  revenue per "
            "customer {revenue} {currency}",
            "zh": "{customers:>6} 位客户  {buyers:>5} 位购买  响应率 {rate:>6}  人均消费 "
            "{revenue} {currency}",
        },
        "demo_next_run": {
            "en": "  the next run measures each arm against the holdout (the report's campaigns "
            "section; `loyalloop campaigns results {name}`)",
            "zh": "  下一次运行将各组与对照组比较（报告的“营销活动”部分；"
            "`loyalloop campaigns results {name}`）",
        },
        "demo_arm_offer": {"en": "offer", "zh": "优惠组"},
        "demo_arm_message": {"en": "message", "zh": "普通消息组"},
        "demo_arm_holdout": {"en": "holdout", "zh": "对照组"},
        "demo_arm_global_control": {"en": "global_control", "zh": "全局对照组"},
        "demo_learning_head": {
            "en": "learning: two targeting rounds on the sample's campaign truth",
            "zh": "学习闭环：在示例数据的已知真相上做两轮定向，第二轮使用第一轮的结果",
        },
        "demo_campaign_skipped": {
            "en": "win-back campaign not run: {why}",
            "zh": "未运行挽回营销活动。说明（英文）：{why}",
        },
        "demo_learning_skipped": {
            "en": "learning rounds not run: {why}",
            "zh": "未运行学习轮次。说明（英文）：{why}",
        },
        "demo_round": {"en": "round {i}: {groups}", "zh": "第 {i} 轮：{groups}"},
        "demo_group": {
            "en": "{group} ({policy}): {treated} treated, {held} held out, spent {spent} "
            "{currency}",
            "zh": "{group}（{policy}）：触达 {treated} 位，留作对照 {held} 位，花费 {spent} "
            "{currency}",
        },
        "demo_group_champion": {"en": "champion", "zh": "主策略"},
        "demo_group_challenger": {"en": "challenger", "zh": "挑战策略"},
        "demo_group_explore": {"en": "explore", "zh": "探索"},
        "demo_policy_model": {"en": "model {model}", "zh": "模型 {model}"},
        "demo_policy_caution": {"en": ", {caution} SE off", "zh": "，扣除 {caution} 个标准误"},
        "demo_policy_fill": {
            "en": ", then risk-only ({action})",
            "zh": "，余下预算按风险（{action}）",
        },
        "demo_policy_nobody": {
            "en": "nobody (no action is sure to pay)",
            "zh": "不触达任何人（没有确定能回本的动作）",
        },
        "demo_policy_baseline": {
            "en": "{name} ({action}{depth})",
            "zh": "{name}（{action}{depth}）",
        },
        "demo_policy_depth": {"en": ", score ≥ {score}", "zh": "，得分 ≥ {score}"},
        "demo_random_actions": {"en": "random actions", "zh": "随机动作"},
        "demo_explore_policy": {
            "en": "random customers, random actions",
            "zh": "随机客户、随机动作",
        },
        "demo_measured": {
            "en": "  measured against the holdouts: {figure}; {roi}",
            "zh": "  与对照组比较：{figure}；{roi}",
        },
        "demo_measured_none": {
            "en": "  measured against the holdouts: net value not measurable — {why}",
            "zh": "  与对照组比较：净价值无法衡量——{why}",
        },
        "demo_net": {
            "en": "incremental net value {estimate} ({interval}) {currency}",
            "zh": "增量净价值 {estimate}（{interval}）{currency}",
        },
        "demo_net_inconclusive": {
            "en": "inconclusive — incremental net value {interval} {currency} ({why})",
            "zh": "不确定——增量净价值 {interval} {currency}（{why}）",
        },
        "demo_interval": {"en": "95% {low} … {high}", "zh": "95% 区间 {low} … {high}"},
        "demo_roi": {"en": "ROI {estimate} ({interval})", "zh": "ROI {estimate}（{interval}）"},
        "demo_roi_inconclusive": {
            "en": "ROI not quoted (inconclusive)",
            "zh": "不报告 ROI（不确定）",
        },
        "demo_roi_not_quoted": {"en": "ROI not quoted: {why}", "zh": "不报告 ROI：{why}"},
        "demo_truth": {
            "en": "  on the sample's truth: expected {expected} {currency} ({by_group}); realised "
            "{estimate} (95% of response draws {low} … {high})",
            "zh": "  按示例数据的真相：期望 {expected} {currency}（{by_group}）；实际 {estimate}"
            "（响应抽样的 95% 区间 {low} … {high}）",
        },
        "demo_learning_round": {
            "en": "a learning round (no model yet, actions drawn at random) — ",
            "zh": "学习轮（尚无模型，动作随机抽取）—— ",
        },
        "demo_reference": {
            "en": "risk-only + {action} on the whole budget, no learning: expected {reference} "
            "{currency} on the truth; round 1 {r1}, round 2 {r2} against it (the cost of learning)",
            "zh": "只按风险定向 + {action}、用满预算、不学习：按真相期望 {reference} {currency}；"
            "第 1 轮相差 {r1}，第 2 轮相差 {r2}（学习的代价）",
        },
        "demo_better_in_expectation": {
            "en": "round 2 targets better in expectation, but not clearly better once the luck of "
            "who responds is counted (the realised range crosses 0)",
            "zh": "按期望第 2 轮定向更好，但计入谁会响应的运气后并不明显更好（实际区间跨过 0）",
        },
        "demo_model": {
            "en": "model {model}: {decision}",
            "zh": "模型 {model}。说明（英文）：{decision}",
        },
        "demo_no_model": {"en": "no model: {decision}", "zh": "没有模型。说明（英文）：{decision}"},
        "demo_note": {"en": "{note}", "zh": "说明（英文）：{note}"},
        # the decision and its notes, from the rounds' fields (cli/demo_text._decision_lines)
        "demo_model_decided": {"en": "model {model}: {decision}", "zh": "模型 {model}：{decision}"},
        "demo_decision": {
            "en": "out-of-fold Qini {qini} (risk-only targeting {baseline} on the same rows); "
            "round 2: the learnt policy (levels chosen per fold on the other folds: {folds} SE "
            "off{fill}) {verdict} — {why}",
            "zh": "样本外 Qini {qini}（同一数据上仅按风险为 {baseline}）；第 2 轮：学习策略"
            "（各折在其余折上选定的扣除标准误数：{folds}{fill}）{verdict}——{why}",
        },
        "demo_choice_withheld": {
            "en": " without {actions} (not shown to pay)",
            "zh": "，不发{actions}（未证明划算）",
        },
        "demo_choice_incumbent": {"en": "the incumbent", "zh": "现行策略"},
        "demo_choice_nobody": {"en": "nobody", "zh": "不触达"},
        "demo_choice_runs_model": {
            "en": "beats {default} by {lead} (se {se}) when cross-validated on the campaigns' "
            "rows: more than {rule} SE; it runs at {caution} SE off",
            "zh": "在活动数据上交叉验证领先{default} {lead}（标准误 {se}），超过 {rule} 个标准误；"
            "按扣除 {caution} 个标准误运行",
        },
        "demo_choice_runs_default": {
            "en": "is not clearly better than {default}: its lead {lead} (se {se}) is not more "
            "than {rule} SE above 0, so {default} runs",
            "zh": "并不明显优于{default}：领先 {lead}（标准误 {se}）未超过 0 以上 {rule} 个标准误，"
            "因此运行{default}",
        },
        "demo_why_incumbent": {
            "en": "the incumbent is not measured as losing money ({value} ± {se})",
            "zh": "现行策略未被测出亏损（{value} ± {se}）",
        },
        "demo_why_nobody": {
            "en": "the incumbent loses money with confidence ({value} ± {se})",
            "zh": "现行策略确定亏损（{value} ± {se}）",
        },
        "demo_why_no_incumbent": {
            "en": "no incumbent policy was given",
            "zh": "未给出现行策略",
        },
        "demo_value_calibrated": {
            "en": "value of a response calibrated on {n} responders' spend: × {stay} at churn "
            "probability 0, × {lapse} at 1 (overall {overall})",
            "zh": "响应价值按 {n} 位响应客户的实际消费校准：流失概率为 0 时 × {stay}，为 1 时 × "
            "{lapse}（总体 {overall}）",
        },
        "demo_value_not_calibrated": {
            "en": "no responder with a known spend: the value of a response is not calibrated",
            "zh": "没有已知消费的响应客户：响应价值未校准",
        },
        "demo_value_overall_only": {
            "en": "only {n} responders with a known spend, or one churn probability for all: "
            "one overall ratio",
            "zh": "已知消费的响应客户只有 {n} 位，或所有客户流失概率相同：只用一个总体比例",
        },
        "demo_candidate": {
            "en": "{label} {value} (se {se})",
            "zh": "{label} {value}（标准误 {se}）",
        },
        "demo_candidate_na": {"en": "{label} n/a", "zh": "{label} 无法计算"},
        "demo_na": {"en": "n/a", "zh": "无法计算"},
        "demo_candidate_model": {"en": "model {caution}", "zh": "模型（扣除 {caution} 个标准误）"},
        "demo_candidate_cross_fitted": {"en": "model cross-fitted", "zh": "模型（交叉拟合）"},
        "demo_cross_validated": {
            "en": "cross-validated on round 1's rows ({currency}): {candidates}",
            "zh": "在第 1 轮数据上交叉验证（{currency}）：{candidates}",
        },
        "demo_shares": {
            "en": "next round's shares, sized from the evidence: challenger {challenger} (chance "
            "it is the better policy {p_challenger}), exploration {exploration} (chance the "
            "learnt policy is better {p_model})",
            "zh": "下一轮的比例按证据确定：挑战策略 {challenger}（其为更优策略的概率 "
            "{p_challenger}），探索 {exploration}（学习策略更优的概率 {p_model}）",
        },
        "demo_difference": {
            "en": "round 2 − round 1 on the truth: expected {gain} {currency}; realised "
            "{estimate} (95% of response draws {low} … {high}) at the same budget {budget}: "
            "{verdict}",
            "zh": "按真相，第 2 轮 − 第 1 轮：期望 {gain} {currency}；实际 {estimate}（响应抽样的 "
            "95% 区间 {low} … {high}），预算相同（{budget} {currency}）：{verdict}",
        },
        "demo_better": {
            "en": "round 2 targets better (expected, and realised above 0 in 95% of draws)",
            "zh": "第 2 轮定向更好（期望如此，且 95% 的抽样中实际值高于 0）",
        },
        "demo_not_better": {
            "en": "round 2 does not target better than round 1",
            "zh": "第 2 轮的定向并不比第 1 轮好",
        },
        "demo_settings_saved": {
            "en": "run settings saved to {path}: a later `loyalloop run` counts the campaign's "
            "costs and margin as these runs did",
            "zh": "运行参数已保存到 {path}：之后的 `loyalloop run` 会像本次一样计入"
            "活动的成本与毛利",
        },
        "demo_settings_kept": {
            "en": "this project's own run settings {path} were kept (the demo's runs used the "
            "demo's settings; a later `loyalloop run` uses that file)",
            "zh": "保留了本项目已有的运行参数 {path}（演示的运行使用演示参数；之后的 "
            "`loyalloop run` 使用该文件）",
        },
        "demo_report": {"en": "report: {path}", "zh": "报告：{path}"},
        "cp_currency": {
            "en": "Amounts (revenue, margin, cost, net value) in {currency}.",
            "zh": "金额（收入、毛利、成本、净值）单位：{currency}。",
        },
    }
)
# --- end of demo11 ------------------------------------------------------------------------------

# --- fixes12: `loyalloop campaigns results --lang` (cli/campaigns.py; without --lang the
# terminal shows the English and the Chinese side by side, "cost 成本") ----------------------
_TEXT.update(
    {
        "cli_cr_head": {"en": "{title} — run {n}", "zh": "{title} — 第 {n} 次运行"},
        "cli_cr_not_measured": {"en": "not measured: {message}", "zh": "无法衡量：{message}"},
        "cli_cr_arm": {"en": "arm", "zh": "组"},
        "cli_cr_segment": {"en": "segment", "zh": "分群"},
        "cli_cr_n": {"en": "n", "zh": "人数"},
        "cli_cr_held_out": {"en": "held out", "zh": "对照"},
        "cli_cr_response_lift": {"en": "response lift", "zh": "响应提升"},
        "cli_cr_inc_revenue": {"en": "incr. revenue", "zh": "增量收入"},
        "cli_cr_inc_margin": {"en": "incr. margin", "zh": "增量毛利"},
        "cli_cr_cost": {"en": "cost", "zh": "成本"},
        "cli_cr_net": {"en": "net value", "zh": "净值"},
        "cli_cr_roi": {"en": "ROI", "zh": "ROI"},
        "cli_cr_note": {"en": "note", "zh": "说明"},
        "cli_cr_all": {"en": "all treated", "zh": "全部"},
        "cli_cr_group": {"en": "group {arm}", "zh": "组 {arm}"},
        "cli_cr_intervals": {
            "en": "{level} intervals; totals over the arm's customers",
            "zh": "区间为 {level} 置信区间，合计为各组全部客户。",
        },
    }
)
# --- end of fixes12 -----------------------------------------------------------------------------


def t(key: str, lang: Lang, **kw: object) -> str:
    """The text for ``key`` in ``lang`` (formatted with ``kw``)."""
    return _TEXT[key][lang].format(**kw)


# --- fixes14: what the manager's commands print, in --lang or the project's language
# (LOYALLOOP_LANG; cli/common.lang_of). Stored codes a manager reads (statuses) have names;
# messages the library writes (English) go through library_note / "（英文）". ------------------
_TEXT.update(
    {
        # campaigns (cli/campaigns.py)
        "cli_cp_created": {
            "en": "campaign {name} created ({status}{money})",
            "zh": "活动 {name} 已创建（{status}{money}）",
        },
        "cli_cp_updated": {
            "en": "campaign {name} updated to version {version} ({status}{money})",
            "zh": "活动 {name} 已更新为第 {version} 版（{status}{money}）",
        },
        "cli_cp_money": {"en": "; its money in {currency}", "zh": "；金额单位：{currency}"},
        "cli_cp_launched": {
            "en": "campaign {name} (run {run}{clock}): audience {audience}; skipped: no consent "
            "or address {no_consent}, unsubscribed {unsubscribed}, frequency cap {cap}, already "
            "assigned {already}, over budget {over_budget}",
            "zh": "活动 {name}（第 {run} 次运行{clock}）：目标人群 {audience}；跳过：无营销授权或"
            "联系方式 {no_consent}，已退订 {unsubscribed}，频次上限 {cap}，此前已分组 {already}，"
            "超出预算 {over_budget}",
        },
        "cli_cp_clock": {"en": ", on the clock {at}", "zh": "，执行时间 {at}"},
        "cli_cp_assigned": {
            "en": "assigned {assigned}: global control {global_control}, holdout {holdout}, {arms}",
            "zh": "已分组 {assigned}：全局对照组 {global_control}，对照组 {holdout}，{arms}",
        },
        "cli_cp_queued": {
            "en": "messages queued {queued}, failed to render {failed}; expected cost {cost} "
            "{currency}{budget}",
            "zh": "已写入发件箱 {queued} 条，生成失败 {failed} 条；预计成本 {cost} "
            "{currency}{budget}",
        },
        "cli_cp_of_budget": {"en": " of budget {budget}", "zh": "（预算 {budget}）"},
        "cli_cp_triggered": {
            "en": "trigger fired for {triggered}; within the cool-down {cooldown}; re-entered "
            "after it {re_entered} (evaluated again after every `loyalloop run`)",
            "zh": "触发 {triggered} 位；处于冷却期 {cooldown} 位；冷却期后再次进入 {re_entered} 位"
            "（每次 `loyalloop run` 后重新评估）",
        },
        "cli_cp_failed": {
            "en": "  failed: {customer}: {error}",
            "zh": "  失败：{customer}，原因（英文）：{error}",
        },
        "cli_cp_deliver": {
            "en": "deliver with `loyalloop worker`",
            "zh": "用 `loyalloop worker` 投递",
        },
        "cli_cp_after_run": {
            "en": "triggered campaigns on run {number}: {parts}",
            "zh": "第 {number} 次运行上的触发式活动：{parts}",
        },
        "cli_cp_after_run_one": {
            "en": "{name} {entered} entered / {queued} queued",
            "zh": "{name} 进入 {entered} 位 / 写入发件箱 {queued} 条",
        },
        "cli_cp_after_run_failed": {
            "en": "warning: triggered campaigns on run {number} failed ({error}); the run is "
            "published — evaluate again: loyalloop campaigns launch NAME",
            "zh": "警告：第 {number} 次运行上的触发式活动评估失败（原因（英文）：{error}）；运行已"
            "发布——请重新评估：loyalloop campaigns launch NAME",
        },
        "cli_cp_after_run_warning": {
            "en": "warning: triggered campaign {name}: {why}",
            "zh": "警告：触发式活动 {name}：{why}（英文）",
        },
        "cli_cp_head": {
            "en": "{name} ({goal}, {channel}): {status}, version {version}, run {run}, ends {ends}",
            "zh": "{name}（{goal}，{channel}）：{status}，第 {version} 版，第 {run} 次运行，"
            "结束于 {ends}",
        },
        "cli_cp_assignments": {"en": "assignments: {items}", "zh": "分组：{items}"},
        "cli_cp_expected_cost": {
            "en": "expected cost {cost} {currency}",
            "zh": "预计成本 {cost} {currency}",
        },
        "cli_cp_currency_unknown": {
            "en": "(currency not known until a run names it)",
            "zh": "（币种未知，待分析运行注明金额币种）",
        },
        "cli_cp_outbox": {"en": "outbox: {items}", "zh": "发件箱：{items}"},
        "cli_cp_events": {"en": "events: {items}", "zh": "投递事件：{items}"},
        "cli_cp_problem": {"en": "  {n} × {reason}", "zh": "  {n} × {reason}（英文）"},
        "cli_cp_none": {
            "en": "no campaigns yet (`loyalloop campaigns create FILE`)",
            "zh": "还没有活动（`loyalloop campaigns create FILE`）",
        },
        "cli_cp_set": {"en": "campaign {name}: {status}", "zh": "活动 {name}：{status}"},
        "cli_cp_goal_win-back": {"en": "win-back", "zh": "挽回"},
        "cli_cp_goal_retention": {"en": "retention", "zh": "挽留"},
        "cli_cp_goal_cross-sell": {"en": "cross-sell", "zh": "交叉销售"},
        "cli_cp_channel_email": {"en": "email", "zh": "电子邮件"},
        "cli_cp_channel_sms": {"en": "sms", "zh": "短信"},
        "cli_cp_channel_call": {"en": "call", "zh": "电话"},
        "cli_cp_arm_holdout": {"en": "holdout", "zh": "对照组"},
        "cli_cp_arm_global_control": {"en": "global_control", "zh": "全局对照组"},
        "cli_cp_outbox_pending": {"en": "pending", "zh": "待发送"},
        "cli_cp_outbox_sending": {"en": "sending", "zh": "发送中"},
        "cli_cp_outbox_sent": {"en": "sent", "zh": "已发送"},
        "cli_cp_outbox_failed": {"en": "failed", "zh": "失败"},
        "cli_cp_outbox_skipped": {"en": "skipped", "zh": "已跳过"},
        "cli_cp_outbox_dead": {"en": "dead", "zh": "已放弃"},
        "cli_cp_event_sent": {"en": "sent", "zh": "已发送"},
        "cli_cp_event_clicked": {"en": "clicked", "zh": "已点击"},
        "cli_cp_event_bounced": {"en": "bounced", "zh": "被退回"},
        "cli_cp_event_failed": {"en": "failed", "zh": "失败"},
        "cli_cp_event_unsubscribed": {"en": "unsubscribed", "zh": "已退订"},
        "cli_cp_event_skipped": {"en": "skipped", "zh": "已跳过"},
        "cli_cp_call_list": {
            "en": "call list of run {run} ({who}): {n} customers, expected value saved {value} "
            "→ {path}",
            "zh": "第 {run} 次运行的外呼名单（{who}）：{n} 位客户，预计可挽回价值 {value} → {path}",
        },
        "cli_cp_call_who_campaign": {
            "en": "campaign {name}'s treated customers",
            "zh": "活动 {name} 的实验组客户",
        },
        "cli_cp_call_who_all": {"en": "customers who may be called", "zh": "可致电的客户"},
        "cli_cp_call_withdrawn": {
            "en": "left out {n} customer(s) who withdrew consent to be called "
            "(loyalloop consent set)",
            "zh": "已排除 {n} 位撤回电话联系同意的客户（loyalloop consent set）",
        },
        "cli_cp_call_learnt": {
            "en": "best hours and weekdays learnt from {n} past call attempts",
            "zh": "最佳致电时段与星期几由 {n} 次历史外呼得出",
        },
        "cli_cp_call_none": {
            "en": "no past call attempts in the warehouse (interactions with channel 'call'): "
            "the list has no best times to call; load call outcomes with `loyalloop ingest "
            "interactions` and they will",
            "zh": "数据仓库中没有历史外呼记录（渠道为 call 的互动）：名单没有最佳致电时段；用 "
            "`loyalloop ingest interactions` 导入外呼结果后即可给出",
        },
        "cli_sample_files": {"en": "files in {path}", "zh": "示例文件位于 {path}"},
        # churn on the user's own table (cli/churn.py); the metric lines are the library's
        "cli_ch_trained": {
            "en": "trained on {labelled} labelled rows of {rows} ({churned} churned); "
            "{features} features",
            "zh": "已用 {rows} 行中带标签的 {labelled} 行训练（其中流失 {churned} 行）；特征 "
            "{features} 个",
        },
        "cli_ch_coerced": {"en": "  coerced: {line}", "zh": "  已转换（说明为英文）：{line}"},
        "cli_ch_holdout": {"en": "holdout evaluation:", "zh": "留出集评估："},
        "cli_ch_model_written": {"en": "model written to {path}", "zh": "模型已写入 {path}"},
        "cli_ch_scored": {"en": "scored {n} rows → {path}", "zh": "已为 {n} 行打分 → {path}"},
        "cli_ch_deciles": {
            "en": "lift and capture by decile:",
            "zh": "按十分位的提升度与捕获率：",
        },
        "cli_ch_calibration": {"en": "calibration:", "zh": "校准："},
        # runs (cli/runs.py)
        "cli_run_settings_file": {"en": "run settings: {path}", "zh": "运行参数文件：{path}"},
        # cases (cli/cases.py)
        "cli_cs_rules_stored": {
            "en": "case rules version {v} stored",
            "zh": "已保存工单规则版本 {v}",
        },
        "cli_cs_rules_same": {
            "en": "case rules unchanged (version {v} has this content)",
            "zh": "工单规则未变化（版本 {v} 内容相同）",
        },
        "cli_cs_team_saved": {"en": "team {name} saved", "zh": "团队 {name} 已保存"},
        "cli_cs_preview_head": {
            "en": "Preview on run {run}: {n} comments from {since} to {as_of} and the run's churn "
            "scores; rules in force (version {v_now}) against this file (version {v_new}), as "
            "if no case were open.",
            "zh": "在运行 {run} 上试用：{since} 至 {as_of} 的 {n} 条评论及该运行的流失评分；"
            "现行规则（版本 {v_now}）对比本文件（版本 {v_new}），按没有未结工单计算。",
        },
        "cli_cs_preview_cols": {
            "en": "{rule}  in force  this file  only this file / only in force",
            "zh": "{rule}  现行规则  本文件  仅本文件触发 / 仅现行规则触发",
        },
        "cli_cs_preview_off": {"en": "off", "zh": "无"},
        "cli_cs_preview_cases": {
            "en": "cases that would open: {now} with the rules in force, {new} with this file",
            "zh": "将开立的工单：现行规则 {now} 个，本文件 {new} 个",
        },
        "cli_cs_preview_gained": {
            "en": "{rule}: {n} only with this file; the {k} most severe:",
            "zh": "{rule}：{n} 条仅在本文件下触发；最严重的 {k} 条：",
        },
        "cli_cs_preview_lost": {
            "en": "{rule}: {n} no longer; the {k} most severe:",
            "zh": "{rule}：{n} 条不再触发；最严重的 {k} 条：",
        },
        "cli_cs_preview_old_run": {
            "en": "Run {run} was written before the clauses' own confidence existed: "
            "min_confidence judged it by the comments' confidence alone, which drops more "
            "right cases in long comments than it will on a new run.",
            "zh": "运行 {run} 生成时尚无分句置信度：min_confidence 只按整条评论的置信度判断，"
            "在多方面的长评论中会比新运行多去掉一些正确工单。",
        },
        "cli_cs_preview_nothing_stored": {
            "en": "Nothing was stored: run `loyalloop cases rules FILE` without --preview to "
            "store these rules.",
            "zh": "未保存任何内容：去掉 --preview 运行 `loyalloop cases rules FILE` "
            "即可保存这些规则。",
        },
        "cli_cs_none": {"en": "no open cases", "zh": "没有未结工单"},
        "cli_cs_row": {
            "en": "due {due}  {owner}{escalated}",
            "zh": "时限 {due}  {owner}{escalated}",
        },
        "cli_cs_unassigned": {"en": "(unassigned)", "zh": "（未分配）"},
        "cli_cs_escalated": {"en": "  ESCALATED", "zh": "  已升级"},
        "cli_cs_tick": {
            "en": "tick: {checked} cases checked, {warnings} warnings, {breaches} escalations, "
            "{sent} e-mails sent, {failed} failed (retried next tick), {pending} pending",
            "zh": "调度：检查工单 {checked} 个，预警 {warnings} 次，升级 {breaches} 次，发出邮件 "
            "{sent} 封，失败 {failed} 封（下次调度重试），待发 {pending} 封",
        },
        "cli_cs_followups": {
            "en": "follow-up surveys: {invited} invited, {sent} sent",
            "zh": "回访问卷：已邀请 {invited} 位，已发送 {sent} 份",
        },
        "cli_cs_followup_error": {
            "en": "warning: follow-up surveys: {error}",
            "zh": "警告：回访问卷（原因为英文）：{error}",
        },
        "cli_cs_after_run_failed": {
            "en": "warning: case rules on run {number} failed ({error}); the run is published "
            "— try again: loyalloop cases from-run {number}",
            "zh": "警告：第 {number} 次运行上的工单规则执行失败（原因（英文）：{error}）；运行已"
            "发布——请重试：loyalloop cases from-run {number}",
        },
        "cli_cs_after_run": {
            "en": "cases: {opened} opened, {updated} updated from run {number}'s signals "
            "({signals} looked at)",
            "zh": "工单：根据第 {number} 次运行的信号新建 {opened} 个、更新 {updated} 个"
            "（共查看 {signals} 条信号）",
        },
        "cli_cs_from_run": {
            "en": "cases: {opened} opened, {updated} updated ({signals} signals)",
            "zh": "工单：新建 {opened} 个，更新 {updated} 个（信号 {signals} 条）",
        },
        # consent (cli/consent.py)
        "cli_cn_already": {
            "en": "{customer}: {channel} was already withdrawn; nothing changed.",
            "zh": "{customer}：{channel}渠道此前已撤回同意，无变更。",
        },
        "cli_cn_recorded": {
            "en": "{customer}: {channel} {what} (source {source}, {at}); recorded and in force.",
            "zh": "{customer}：{channel}渠道{what}（来源 {source}，{at}），已记录并生效。",
        },
        "cli_cn_granted": {"en": "granted", "zh": "同意"},
        "cli_cn_withdrawn": {"en": "withdrawn", "zh": "撤回同意"},
        "cli_cn_none": {
            "en": "{customer}: no consent changes recorded.",
            "zh": "{customer}：无同意变更记录。",
        },
        "cli_cn_row": {
            "en": "{at}  {channel}  {state}  source {source}  by {actor}",
            "zh": "{at}  {channel}  {state}  来源 {source}  操作人 {actor}",
        },
        "cli_cn_channel_email": {"en": "email", "zh": "邮件"},
        "cli_cn_channel_sms": {"en": "sms", "zh": "短信"},
        "cli_cn_channel_phone": {"en": "phone", "zh": "电话"},
        # sync (cli/sync.py)
        "cli_sync": {
            "en": "sync: {responses} responses ({edited} edited since last sync) → feedback "
            "{fb_loaded} loaded, {fb_already} already there, {fb_quarantined} quarantined; "
            "kano_answers {k_loaded} loaded, {k_quarantined} quarantined",
            "zh": "同步：问卷回复 {responses} 份（上次同步后修改 {edited} 份）→ feedback 表载入 "
            "{fb_loaded}、已存在 {fb_already}、隔离 {fb_quarantined}；kano_answers 表载入 "
            "{k_loaded}、隔离 {k_quarantined}",
        },
        "cli_sync_campaigns": {
            "en": "sync: {campaigns} campaigns → assignments {a_loaded} loaded, "
            "{a_quarantined} quarantined; interactions (sent, clicked) {i_loaded} loaded, "
            "{i_quarantined} quarantined",
            "zh": "同步：活动 {campaigns} 个 → 分组记录载入 {a_loaded}、隔离 {a_quarantined}；"
            "互动（发送、点击）载入 {i_loaded}、隔离 {i_quarantined}",
        },
        "cli_sync_late": {
            "en": "note: {late} survey answers are dated after {day} (the run's as-of day) and "
            "are not in this run; a run includes them once transactions up to their day are "
            "loaded and its as-of day reaches them (`loyalloop run --as-of YYYY-MM-DD`)",
            "zh": "说明：{late} 份问卷回答的日期晚于本次运行的截止日 {day}，未计入本次运行；待导入"
            "截至其日期的交易、且运行截止日覆盖到它们时即会计入（`loyalloop run --as-of "
            "YYYY-MM-DD`）",
        },
        # surveys (cli/surveys.py)
        "cli_sv_updated": {
            "en": "survey {id} ({survey}) now at version {version}",
            "zh": "问卷 {id}（{survey}）已更新为第 {version} 版",
        },
        "cli_sv_status": {
            "en": "survey {id} ({survey}): {status}",
            "zh": "问卷 {id}（{survey}）：{status}",
        },
        "cli_sv_none": {
            "en": "no surveys yet; `loyalloop surveys create survey.yaml`",
            "zh": "还没有问卷；`loyalloop surveys create survey.yaml`",
        },
        "cli_sv_row": {
            "en": "{id}  {survey}  {status}  v{version}  invited {invited}  responses {responses}",
            "zh": "{id}  {survey}  {status}  v{version}  已邀请 {invited}  回复 {responses}",
        },
        "cli_sv_invited": {
            "en": "survey {id}: {created} new links, {existing} already invited, skipped: "
            "{skipped} → {path}",
            "zh": "问卷 {id}：新链接 {created} 个，此前已邀请 {existing} 位，跳过：{skipped} → "
            "{path}",
        },
        "cli_sv_sent": {
            "en": "sent {sent}, reminded {reminded}, failed {failed}, unsubscribed since "
            "{suppressed}",
            "zh": "已发送 {sent}，已提醒 {reminded}，失败 {failed}，期间退订 {suppressed}",
        },
        "cli_sv_responses": {
            "en": "{total} responses; personal links: {responded} of {invited} invited answered "
            "({rate}), {not_responded} not yet; public link: {public}",
            "zh": "回复 {total} 份；专属链接：已邀请 {invited} 位中 {responded} 位已回答"
            "（{rate}），{not_responded} 位尚未回答；公开链接：{public} 份",
        },
        "cli_sv_trigger": {
            "en": "trigger {id}: after {kind}, invite within {hours} h",
            "zh": "触发规则 {id}：{kind} 之后 {hours} 小时内邀请",
        },
        "cli_sv_trigger_run": {
            "en": "trigger {id}: {customers} customers, {created} invited, skipped {skipped}",
            "zh": "触发规则 {id}：客户 {customers} 位，已邀请 {created} 位，跳过 {skipped}",
        },
    }
)
# --- end of fixes14 -----------------------------------------------------------------------------


# --- fixes15: stored codes a person reads (survey invitations' skip reasons, a case's priority,
# topic and team, a staff member's role), named once here for the commands (cli/talk.code_name)
# and the staff pages (api/i18n.TEXTS takes them with code_names); JSON and CSV keep the codes.
# Then the last English-only commands (runs list/delete/prune, db, users, worker, erase,
# export, feedback analyze, clv fit / predict). ------------------------------------------------
_TEXT.update(
    {
        "skip_suppressed": {"en": "unsubscribed", "zh": "已退订"},
        "skip_no_consent": {"en": "no consent for the channel", "zh": "未获该渠道授权"},
        "skip_no_contact": {"en": "no address or number", "zh": "无联系地址或号码"},
        "skip_frequency_cap": {
            "en": "invited recently (frequency cap)",
            "zh": "近期已邀请（频次上限）",
        },
        "skip_duplicate": {"en": "listed twice", "zh": "重复列出"},
        "priority_P1": {"en": "P1 urgent", "zh": "P1 紧急"},
        "priority_P2": {"en": "P2 high", "zh": "P2 高"},
        "priority_P3": {"en": "P3 normal", "zh": "P3 普通"},
        "priority_P4": {"en": "P4 low", "zh": "P4 低"},
        "topic_complaint": {"en": "complaint", "zh": "投诉"},
        "topic_retention": {"en": "retention", "zh": "挽留"},
        "topic_detractor": {"en": "detractor follow-up", "zh": "贬损者回访"},
        "topic_negative_comment": {"en": "negative comment", "zh": "负面评论"},
        "topic_winback_review": {"en": "win-back review", "zh": "挽回复核"},
        "team_complaints": {"en": "complaints", "zh": "投诉组"},
        "team_retention": {"en": "retention", "zh": "挽留组"},
        "team_cx_callback": {"en": "CX call-back", "zh": "体验回访组"},
        "team_cx_quality": {"en": "CX quality", "zh": "体验质量组"},
        # runs (cli/runs.py): list, delete, prune
        "cli_runs_unreadable": {
            "en": "run {n} cannot be read by this version ({why}); `loyalloop runs delete {n}` "
            "removes it",
            "zh": "第 {n} 次运行无法被当前版本读取（原因（英文）：{why}）；`loyalloop runs delete "
            "{n}` 可将其删除",
        },
        "cli_runs_none": {
            "en": "no runs yet; use `loyalloop run`",
            "zh": "还没有运行；请执行 `loyalloop run`",
        },
        "cli_runs_col_run": {"en": "run", "zh": "运行"},
        "cli_runs_col_as_of": {"en": "as of", "zh": "数据截至"},
        "cli_runs_col_created": {"en": "created", "zh": "生成时间"},
        "cli_runs_col_customers": {"en": "customers", "zh": "客户数"},
        "cli_runs_col_active": {"en": "active", "zh": "活跃客户"},
        "cli_runs_col_nps": {"en": "NPS", "zh": "NPS"},
        "cli_runs_col_not_computed": {"en": "not computed", "zh": "未计算项"},
        "cli_runs_what": {
            "en": "as of {day}, {tables} tables",
            "zh": "数据截至 {day}，{tables} 张表",
        },
        "cli_runs_old_format": {
            "en": "written in an older manifest format",
            "zh": "以旧版清单格式写入",
        },
        "cli_runs_delete_q": {
            "en": "delete run {n} ({what})?",
            "zh": "删除第 {n} 次运行（{what}）？",
        },
        "cli_runs_kept": {"en": "run {n} was kept", "zh": "第 {n} 次运行已保留"},
        "cli_runs_deleted": {"en": "deleted run {n}", "zh": "已删除第 {n} 次运行"},
        "cli_runs_prune_nothing": {
            "en": "nothing to delete ({n} run(s), keeping {keep})",
            "zh": "没有可删除的运行（共 {n} 次，保留 {keep} 次）",
        },
        "cli_runs_prune_q": {"en": "delete run(s) {listed}?", "zh": "删除第 {listed} 次运行？"},
        "cli_runs_all_kept": {"en": "every run was kept", "zh": "所有运行均已保留"},
        "cli_runs_pruned": {"en": "deleted run(s) {listed}", "zh": "已删除第 {listed} 次运行"},
        # db (cli/db.py)
        "cli_db_at": {
            "en": "store at revision {rev} ({url})",
            "zh": "运营数据库版本 {rev}（{url}）",
        },
        "cli_db_status": {
            "en": "store at revision {rev}, newest {newest}: {state} ({url})",
            "zh": "运营数据库版本 {rev}，最新版本 {newest}：{state}（{url}）",
        },
        "cli_db_up_to_date": {"en": "up to date", "zh": "已是最新"},
        "cli_db_needs_upgrade": {
            "en": "needs `loyalloop db upgrade`",
            "zh": "需要执行 `loyalloop db upgrade`",
        },
        # users (cli/users.py); role names as the staff pages name them
        "cli_us_user": {"en": "user {id}: {email} ({role})", "zh": "用户 {id}：{email}（{role}）"},
        "cli_us_inactive": {"en": "  (inactive)", "zh": "  （已停用）"},
        "cli_us_none": {
            "en": "no staff accounts yet (`loyalloop users add EMAIL --role admin`)",
            "zh": "还没有员工账号（`loyalloop users add EMAIL --role admin`）",
        },
        "role_admin": {"en": "admin", "zh": "管理员"},
        "role_analyst": {"en": "analyst", "zh": "分析师"},
        "role_agent": {"en": "agent", "zh": "坐席"},
        "role_viewer": {"en": "viewer", "zh": "只读"},
        # worker (cli/worker.py)
        "cli_wk_round": {
            "en": "worker: sent {sent}, retried {retried}, dead {dead}, skipped {skipped}, "
            "deferred {deferred}",
            "zh": "投递：已发送 {sent}，待重试 {retried}，已放弃 {dead}，已跳过 {skipped}，"
            "已推迟 {deferred}",
        },
        "cli_wk_stopped": {
            "en": "worker stopped: {sent} sent, {retried} to retry, {dead} dead, {skipped} "
            "skipped (unsubscribed / frequency cap), {deferred} deferred (quiet hours)",
            "zh": "投递已停止：已发送 {sent}，待重试 {retried}，已放弃 {dead}，已跳过 {skipped}"
            "（已退订 / 频次上限），已推迟 {deferred}（免打扰时段）",
        },
        # erase and export-person (cli/erase.py)
        "cli_er_confirm": {
            "en": "Erase customer {customer} everywhere? This cannot be undone.",
            "zh": "确认删除客户 {customer} 在各处的全部个人数据？此操作不可撤销。",
        },
        "cli_er_declined": {"en": "nothing erased", "zh": "未删除任何数据"},
        "cli_er_nothing_left": {
            "en": "nothing left to erase: this customer was already erased (audit record {id}).",
            "zh": "无可删除内容：该客户此前已被删除（审计记录 {id}）。",
        },
        "cli_er_erased": {
            "en": "erased: {rows} rows in {places} places; tombstone id {tombstone}; audit "
            "record {id}.",
            "zh": "已删除：{places} 处共 {rows} 行；替代编号 {tombstone}；审计记录 {id}。",
        },
        "cli_er_unclassified": {
            "en": "NOT COMPLETE: these places are not in the PII registry and were not erased: "
            "{places}",
            "zh": "未完成：以下位置未在个人数据登记表中登记，未删除：{places}",
        },
        "cli_er_unmanaged": {
            "en": "{n} file(s) under the project home are not managed by Loyalloop and were not "
            "rewritten (check them yourself): {files}",
            "zh": "项目目录下有 {n} 个文件不受 Loyalloop 管理，未改写（请自行检查）：{files}",
        },
        "cli_er_wrote": {"en": "wrote {path}", "zh": "已写入 {path}"},
        "cli_er_loc_warehouse": {"en": "warehouse", "zh": "数据仓库"},
        "cli_er_loc_store": {"en": "store", "zh": "运营库"},
        "cli_er_loc_run": {"en": "run", "zh": "运行结果"},
        "cli_er_loc_report": {"en": "report", "zh": "报告"},
        "cli_er_loc_sync": {"en": "sync", "zh": "同步文件"},
        "cli_er_act_redact": {"en": "redacted", "zh": "已脱敏"},
        "cli_er_act_delete": {"en": "deleted", "zh": "已删除"},
        "cli_er_act_regenerate": {"en": "regenerated", "zh": "已重新生成"},
        "cli_er_act_keep": {"en": "kept", "zh": "保留"},
        # export (cli/data.py) and feedback analyze (cli/feedback.py)
        "cli_export_wrote": {
            "en": "wrote {rows} rows to {path}",
            "zh": "已将 {rows} 行写入 {path}",
        },
        "cli_fb_analyzed": {
            "en": "{n} comments → {path} (positive {positive}, neutral {neutral}, negative "
            "{negative})",
            "zh": "{n} 条评论 → {path}（正面 {positive}，中性 {neutral}，负面 {negative}）",
        },
        # clv fit / predict (cli/clv.py); model and parameter names are the papers'
        "cli_clv_fit": {
            "en": "{model}: n={n} ({distinct} distinct rows, {unit}), log-likelihood {ll}",
            "zh": "{model}：n={n}（不同行 {distinct} 个，时间单位 {unit}），对数似然 {ll}",
        },
        "cli_clv_left_out": {
            "en": "left out {n} customer(s) with T = 0 (first seen at the end)",
            "zh": "已排除 {n} 位 T = 0 的客户（在观察期末才首次出现）",
        },
        "cli_clv_model_written": {"en": "model written to {path}", "zh": "模型已写入 {path}"},
        "cli_clv_spend_written": {
            "en": "spend model written to {path}",
            "zh": "消费金额模型已写入 {path}",
        },
        "cli_clv_scored": {
            "en": "scored {n} customers with {model} → {path}",
            "zh": "已用 {model} 为 {n} 位客户打分 → {path}",
        },
        "cli_clv_alive": {"en": "  mean P(alive): {p}", "zh": "  平均存活概率：{p}"},
        "cli_clv_purchases": {
            "en": "  expected purchases in the next {t} {unit}: {n}",
            "zh": "  未来 {t} {unit}的预期购买次数：{n}",
        },
        "cli_clv_total": {
            "en": "  total CLV over {months} months: {total}",
            "zh": "  未来 {months} 个月总 CLV：{total}",
        },
        "cli_clv_top": {
            "en": "  top 10% of customers hold {share}%",
            "zh": "  前 10% 客户占总价值的 {share}%",
        },
        "unit_days": {"en": "days", "zh": "天"},
        "unit_weeks": {"en": "weeks", "zh": "周"},
        "unit_months": {"en": "months", "zh": "个月"},
    }
)
#: The prefixes of the stored codes named above.
CODE_PREFIXES = (
    "skip_",
    "priority_",
    "topic_",
    "team_",
    "role_",
    "case_status_",
    "campaign_status_",
    "survey_status_",
    "targeting_",
    "uplift_scorer_",
)


def code_names() -> dict[str, tuple[str, str]]:
    """The names of the stored codes (:data:`CODE_PREFIXES`) as ``{key: (en, zh)}``, the
    shape of the staff pages' table (:data:`loyalloop.api.i18n.TEXTS`)."""
    return {
        key: (words["en"], words["zh"])
        for key, words in _TEXT.items()
        if key.startswith(CODE_PREFIXES)
    }


# --- end of fixes15 -----------------------------------------------------------------------------


# --- fixes16: status names (one table), what each feedback aspect covers, the last commands ----
_TEXT.update(
    {
        # the statuses of cases, campaigns and surveys: one table for the commands and the
        # staff pages (code_names; CODE_PREFIXES)
        "case_status_new": {"en": "new", "zh": "新建"},
        "case_status_in_progress": {"en": "in progress", "zh": "处理中"},
        "case_status_waiting_for_customer": {"en": "waiting for customer", "zh": "等待客户"},
        "case_status_resolved": {"en": "resolved", "zh": "已解决"},
        "case_status_closed": {"en": "closed", "zh": "已关闭"},
        "campaign_status_draft": {"en": "draft", "zh": "草稿"},
        "campaign_status_launched": {"en": "launched", "zh": "已启动"},
        "campaign_status_paused": {"en": "paused", "zh": "已暂停"},
        "campaign_status_completed": {"en": "completed", "zh": "已结束"},
        "survey_status_draft": {"en": "draft", "zh": "草稿"},
        "survey_status_live": {"en": "live", "zh": "进行中"},
        "survey_status_closed": {"en": "closed", "zh": "已关闭"},
        # targeting policies (measurement.learning.PolicyKind): the demo's learning rounds
        "targeting_model": {"en": "model", "zh": "模型"},
        "targeting_risk": {"en": "risk-only", "zh": "仅按风险"},
        "targeting_value": {"en": "value-only", "zh": "仅按价值"},
        "targeting_random": {"en": "random", "zh": "随机"},
        "targeting_nobody": {"en": "nobody", "zh": "不触达"},
        # uplift's learners and baselines (uplift.LEARNERS, uplift.BASELINES; `uplift train`)
        "uplift_scorer_model": {"en": "the model", "zh": "模型"},
        "uplift_scorer_t": {"en": "T-learner", "zh": "T-learner（双模型）"},
        "uplift_scorer_x": {"en": "X-learner", "zh": "X-learner（交叉估计）"},
        "uplift_scorer_dr": {"en": "DR-learner", "zh": "DR-learner（双稳健）"},
        "uplift_scorer_outcome_high": {
            "en": "highest untreated outcome first",
            "zh": "未触达时预期结果高者优先",
        },
        "uplift_scorer_outcome_low": {
            "en": "lowest untreated outcome first",
            "zh": "未触达时预期结果低者优先",
        },
        # errors (cli/output.handle_errors): the line's prefix and the CLI's own messages, in
        # the project's language; the JSON error codes are never translated
        "cli_error_prefix": {"en": "error: ", "zh": "错误："},
        # a library message is English: in Chinese the line names its kind and says so
        # (cli/output.handle_errors), by the error's code or the nearest parent class's
        "cli_error_english": {"en": "error ({kind}): ", "zh": "错误（{kind}；说明为英文）："},
        "cli_error_kind_error": {"en": "error", "zh": "出错"},
        "cli_error_kind_config": {"en": "setting or option", "zh": "配置或参数有误"},
        "cli_error_kind_currency_mismatch": {"en": "currency mismatch", "zh": "币种不一致"},
        "cli_error_kind_bad_spec": {"en": "specification", "zh": "规格文件有误"},
        "cli_error_kind_budget_exceeded": {"en": "over budget", "zh": "超出预算"},
        "cli_error_kind_bad_data": {"en": "data check", "zh": "数据校验未通过"},
        "cli_error_kind_run_format": {"en": "run format", "zh": "运行结果格式有误"},
        "cli_error_kind_bad_input": {"en": "input file", "zh": "输入文件有误"},
        "cli_error_kind_not_found": {"en": "not found", "zh": "找不到"},
        "cli_error_kind_no_run": {"en": "no run", "zh": "还没有运行结果"},
        "cli_error_kind_model": {"en": "model", "zh": "模型出错"},
        "cli_error_kind_not_fitted": {"en": "model not fitted", "zh": "模型尚未拟合"},
        "cli_error_kind_busy": {"en": "busy", "zh": "正被占用"},
        "cli_error_kind_engine": {"en": "database engine", "zh": "数据库引擎出错"},
        "cli_error_kind_permission_denied": {"en": "permission", "zh": "没有权限"},
        "cli_error_kind_bad_signature": {"en": "signature", "zh": "签名无效"},
        "cli_error_kind_bad_case_rules": {"en": "case rules", "zh": "工单规则有误"},
        "cli_error_kind_case_transition": {"en": "case status", "zh": "工单状态不允许此操作"},
        "cli_error_kind_conflict": {"en": "conflict", "zh": "冲突"},
        "cli_error_kind_cancelled": {"en": "cancelled", "zh": "已取消"},
        "cli_error_interrupted": {"en": "interrupted", "zh": "已中断"},
        "cli_error_permission": {"en": "permission denied: {text}", "zh": "没有权限：{text}"},
        "cli_error_os": {"en": "the system refused: {text}", "zh": "系统拒绝了操作：{text}"},
        "cli_error_internal": {
            "en": "internal error: {kind}: {exc}",
            "zh": "内部错误：{kind}: {exc}",
        },
        "cli_error_debug_hint": {
            "en": " (run with --debug for the traceback; please report it)",
            "zh": "（加 --debug 重新运行可看到调用栈；请报告此问题）",
        },
        # confirmations (cli/output.confirm)
        "cli_cancelled": {"en": "cancelled: {what}", "zh": "已取消：{what}"},
        "cli_json_needs_yes": {
            "en": "with --json nothing is asked: add --yes to confirm",
            "zh": "使用 --json 时不会询问：请加 --yes 确认",
        },
        "cli_er_needs_yes": {
            "en": "erasing cannot be undone: add --yes to confirm",
            "zh": "删除无法撤销：请加 --yes 确认",
        },
        # a note the library wrote (English), one per line
        "cli_note": {"en": "note: {message}", "zh": "说明（英文）：{message}"},
        # experiments analyze (cli/experiments.py)
        "cli_ex_method_frequentist": {
            "en": "Welch t-test, {level} confidence intervals",
            "zh": "Welch t 检验，{level} 置信区间",
        },
        "cli_ex_method_bayesian": {
            "en": "Bayesian, {level} credible intervals",
            "zh": "贝叶斯方法，{level} 可信区间",
        },
        "cli_ex_method_sequential": {
            "en": "sequential (always valid under daily looks), {level} intervals",
            "zh": "序贯检验（每天查看结果也有效），{level} 区间",
        },
        "cli_ex_kind_mean": {"en": "mean", "zh": "均值"},
        "cli_ex_kind_proportion": {"en": "proportion", "zh": "比例"},
        "cli_ex_cuped": {"en": ", CUPED with {pre}", "zh": "，以 {pre} 做 CUPED"},
        "cli_ex_header": {
            "en": "metric {metric} ({kind}{cuped}) · control {control} · {method}",
            "zh": "指标 {metric}（{kind}{cuped}）· 对照组 {control} · {method}",
        },
        "cli_ex_split": {
            "en": "split check: {split}; p = {p} {verdict}",
            "zh": "分流检验：{split}；p = {p} {verdict}",
        },
        "cli_ex_split_mismatch": {"en": "MISMATCH", "zh": "分流比例不符"},
        "cli_ex_split_ok": {"en": "ok", "zh": "正常"},
        "cli_ex_control": {
            "en": "control {control}: {n} units, mean {mean}{points}",
            "zh": "对照组 {control}：{n} 个单位，均值 {mean}{points}",
        },
        "cli_ex_points": {"en": " (lifts in percentage points)", "zh": "（提升以百分点计）"},
        "cli_ex_col_arm": {"en": "arm", "zh": "组"},
        "cli_ex_col_n": {"en": "n", "zh": "单位数"},
        "cli_ex_col_mean": {"en": "mean", "zh": "均值"},
        "cli_ex_col_lift": {"en": "lift", "zh": "提升"},
        "cli_ex_col_lift_pct": {"en": "lift %", "zh": "提升 %"},
        "cli_ex_col_interval": {"en": "{level} interval", "zh": "{level} 区间"},
        "cli_ex_col_win": {"en": "P(win)", "zh": "胜出概率"},
        "cli_ex_col_risk": {"en": "risk", "zh": "预期损失"},
        "cli_ex_col_p": {"en": "p", "zh": "p 值"},
        "cli_ex_col_p_adjusted": {"en": "p {correction}", "zh": "p 值（{correction} 校正）"},
        "cli_ex_arm_not_computed": {
            "en": "arm {arm}: not computed ({error}): {message}",
            "zh": "组 {arm}：未计算（{error}）：{message}",
        },
        "cli_ex_arm_message": {"en": "arm {arm}: {message}", "zh": "组 {arm}：{message}"},
        "cli_ex_cuped_line": {
            "en": "CUPED ({arm}): θ = {theta}, variance of the lift reduced by {pct}%{weak}",
            "zh": "CUPED（{arm}）：θ = {theta}，提升的方差降低 {pct}%{weak}",
        },
        "cli_ex_cuped_weak": {
            "en": " (the pre-period column hardly predicts the metric)",
            "zh": "（实验前的列几乎预测不了指标）",
        },
        "cli_ex_bad_weights": {
            "en": "--weights {text}: expected arm=share pairs, e.g. control=1,offer=1",
            "zh": "--weights {text}：应为 组=比例 的列表，如 control=1,offer=1",
        },
        # experiments power
        "cli_pw_need": {
            "en": "give --mde (for a sample size), --n-per-arm (for the MDE), or both",
            "zh": "请给出 --mde（求样本量）、--n-per-arm（求最小可检测效应）或两者",
        },
        "cli_pw_rate": {"en": "rate", "zh": "比率"},
        "cli_pw_mean": {"en": "mean (sd {sd})", "zh": "均值（标准差 {sd}）"},
        "cli_pw_per_comparison": {
            "en": " ({alpha} per comparison)",
            "zh": "（每次比较 {alpha}）",
        },
        "cli_pw_sequential": {
            "en": "sequential (final look; a lower bound)",
            "zh": "序贯检验（按最后一次查看；为下限）",
        },
        "cli_pw_fixed": {"en": "fixed horizon", "zh": "固定样本量"},
        "cli_pw_header": {
            "en": "baseline {baseline} {kind}; {arms} arms; α = {alpha}{per}; {method}",
            "zh": "基线 {baseline}（{kind}）；{arms} 组；α = {alpha}{per}；{method}",
        },
        "cli_pw_n_per_arm": {
            "en": "units per arm: {n} (total {total}) to detect {mde} ({rel}) with power {power}",
            "zh": "每组需 {n} 个单位（共 {total}），才能以 {power} 的功效检出 {mde}（{rel}）",
        },
        "cli_pw_power": {
            "en": "power: {power} to detect {mde} ({rel}) with {n} units per arm",
            "zh": "每组 {n} 个单位时，检出 {mde}（{rel}）的功效为 {power}",
        },
        "cli_pw_mde": {
            "en": "minimum detectable effect: {mde} ({rel}) with {n} units per arm and power "
            "{power}",
            "zh": "每组 {n} 个单位、功效 {power} 时的最小可检测效应：{mde}（{rel}）",
        },
        # uplift train / score (cli/uplift.py)
        "cli_up_trained": {
            "en": "trained a {learner}-learner on {used} of {rows} rows ({treated} treated); "
            "{features} features; outcome {outcome}",
            "zh": "用 {rows} 行中的 {used} 行训练了 {learner}-learner（其中触达 {treated} 行）；"
            "{features} 个特征；结果为{outcome}",
        },
        "cli_up_binary": {"en": "0/1", "zh": " 0/1"},
        "cli_up_numeric": {"en": "numeric", "zh": "数值"},
        "cli_up_cv": {
            "en": "cross-validated Qini area: {scores}",
            "zh": "交叉验证 Qini 面积：{scores}",
        },
        "cli_up_coerced": {"en": "  coerced: {line}", "zh": "  已转换（英文）：{line}"},
        "cli_up_holdout": {"en": "held-out evaluation:", "zh": "留出数据评估："},
        "cli_up_holdout_rows": {
            "en": "  {n} held-out rows ({treated} treated); overall effect {effect}",
            "zh": "  留出 {n} 行（其中触达 {treated} 行）；总体效应 {effect}",
        },
        "cli_up_scorer": {
            "en": "  {name}: Qini area {value} (95% {low} … {high}){coef}{top}",
            "zh": "  {name}：Qini 面积 {value}（95% {low} … {high}）{coef}{top}",
        },
        "cli_up_coef": {"en": ", Qini coefficient {value}", "zh": "，Qini 系数 {value}"},
        "cli_up_top": {
            "en": ", effect in its top 30% {value}",
            "zh": "，其得分最高 30% 中的效应 {value}",
        },
        "cli_up_written": {"en": "model written to {path}", "zh": "模型已写入 {path}"},
        "cli_up_scored": {
            "en": "scored {n} rows → {path}; {positive} with a positive expected uplift "
            "(mean {mean})",
            "zh": "已为 {n} 行打分 → {path}；其中 {positive} 行预期增量为正（均值 {mean}）",
        },
        # sample simulate-outcomes (cli/data.py)
        "cli_so_done": {
            "en": "campaign {campaign}: {assigned} assigned, {contacted} contacted; outcomes "
            "{kinds}; outcomes table: {loaded} loaded, {already} already there, "
            "{quarantined} quarantined",
            "zh": "活动 {campaign}：分组 {assigned} 人，触达 {contacted} 人；结果 {kinds}；"
            "结果表：新载入 {loaded} 行，已存在 {already} 行，隔离 {quarantined} 行",
        },
        "cli_so_none": {"en": "none", "zh": "无"},
        "cli_so_kind_purchase": {"en": "purchase", "zh": "购买"},
        "cli_so_kind_reactivated": {"en": "reactivated", "zh": "重新活跃"},
        "cli_so_kind_survey_answer": {"en": "survey_answer", "zh": "问卷回答"},
        "cli_so_kind_clicked": {"en": "clicked", "zh": "点击"},
        "cli_so_kind_redeemed": {"en": "redeemed", "zh": "核销"},
        # the churn capture chart's hover (it said "lift" in Chinese too)
        "ch_hover_lift": {"en": "lift", "zh": "提升度"},
        "fb_definitions_title": {"en": "What each aspect covers", "zh": "各方面指什么"},
        "fb_definition": {"en": "Covers", "zh": "包括"},
        "fb_definition_missing": {
            "en": "not defined in the taxonomy",
            "zh": "方面词表未给出定义",
        },
        "fb_definitions_none": {
            "en": "The taxonomy of this run ({taxonomy}) does not say what its aspects cover "
            "(no definition lines, or a run made before definitions were recorded): the "
            "aspects are shown by name only.",
            "zh": "本次运行的方面词表（{taxonomy}）没有说明各方面指什么（词表没有定义，或运行早于"
            "定义的记录）：各方面只显示名称。",
        },
    }
)
# --- end of fixes16 -----------------------------------------------------------------------------
