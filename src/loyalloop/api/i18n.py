"""Texts of the staff pages and the customers' survey pages, in Chinese and English."""

from __future__ import annotations

from loyalloop.report.i18n import code_names

__all__ = ["TEXTS", "code_name", "staff_language", "text"]

TEXTS: dict[str, tuple[str, str]] = {  # key: (en, zh)
    "app": ("Loyalloop", "Loyalloop 客户闭环"),
    "dashboard": ("Dashboard", "仪表板"),
    "runs": ("Runs", "运行记录"),
    "surveys": ("Surveys", "问卷"),
    "users": ("Users", "用户"),
    "audit": ("Audit log", "审计日志"),
    "tokens": ("API tokens", "API 令牌"),
    "logout": ("Sign out", "退出"),
    "login": ("Sign in", "登录"),
    "email": ("E-mail", "邮箱"),
    "password": ("Password", "密码"),
    "signed_in_as": ("Signed in as", "当前用户"),
    "role": ("Role", "角色"),
    "no_run": (
        "No analysis run yet: run `loyalloop run` (or `loyalloop demo`) to see figures here.",
        "还没有分析运行：执行 `loyalloop run`（或 `loyalloop demo`）后这里会显示指标。",
    ),
    "latest_run": ("Latest run", "最新运行"),
    "full_report": ("Full report", "完整报告"),
    "as_of": ("as of", "截至"),
    "run": ("Run", "运行"),
    "created": ("Created", "创建时间"),
    "customers": ("Customers", "客户数"),
    "tables": ("Tables", "数据表"),
    "new_survey": ("New survey", "新建问卷"),
    "key": ("Key", "标识"),
    "title": ("Title", "标题"),
    "status": ("Status", "状态"),
    "version": ("Version", "版本"),
    "invited": ("Invited", "已邀请"),
    "responses": ("Responses", "回复数"),
    "incoming": ("Incoming responses", "收到的回复"),
    "response_rate": ("Response rate", "回复率"),
    "not_responded": ("Not answered", "未回复"),
    "public_responses": ("Public-link responses", "公开链接回复"),
    "by_channel": ("By channel", "按渠道"),
    "by_segment": ("By segment", "按客群"),
    "ci": ("95% interval", "95% 置信区间"),
    "question": ("Question", "题目"),
    "result": ("Result", "结果"),
    "n": ("n", "样本数"),
    "edit": ("Edit", "编辑"),
    "save": ("Save", "保存"),
    "save_publish": ("Save and publish", "保存并发布"),
    "preview": ("Preview", "预览"),
    "publish": ("Publish", "发布"),
    "close": ("Close", "关闭问卷"),
    "reopen": ("Reopen", "重新开放"),
    "invite": ("Invite customers", "邀请客户"),
    "invite_help": (
        "One customer per line: customer_id, or customer_id,email,phone,consent_email,"
        "consent_sms,language (CSV with that header).",
        "每行一位客户：customer_id，或带表头的 CSV：customer_id,email,phone,consent_email,"
        "consent_sms,language。",
    ),
    "channel": ("Channel", "渠道"),
    "links": ("Personal links", "个人链接"),
    "download_links": ("Download links (CSV)", "下载链接（CSV）"),
    "public_link": ("Public link", "公开链接"),
    "skipped": ("Skipped", "跳过"),
    "created_n": ("created", "新建"),
    "existing_n": ("already invited", "已邀请过"),
    "answers": ("Answers", "答案"),
    "customer": ("Customer", "客户"),
    "contact": ("Contact", "联系方式"),
    "submitted": ("Submitted", "提交时间"),
    "language": ("Language", "语言"),
    "synced": ("In warehouse", "已同步"),
    "yes": ("yes", "是"),
    "no": ("no", "否"),
    "sync_now": ("Sync responses to the warehouse", "同步回复到数据仓库"),
    "synced_n": ("responses moved to the warehouse", "条回复已同步到数据仓库"),
    "editor_help": (
        "Define the survey in YAML: key, title, languages, questions (nps, csat, ces, rating, "
        "single_choice, multi_choice, text, kano). show_if: {question: nps, max: 6} asks a "
        "question of detractors only.",
        "用 YAML 定义问卷：key、title、languages、questions（nps、csat、ces、rating、"
        "single_choice、multi_choice、text、kano）。"
        "show_if: {question: nps, max: 6} 表示只问贬损者。",
    ),
    "errors": ("Please fix", "请修改"),
    "add_user": ("Add user", "添加用户"),
    "active": ("Active", "启用"),
    "deactivate": ("Deactivate", "停用"),
    "activate": ("Activate", "启用"),
    "when": ("When", "时间"),
    "actor": ("Who", "操作人"),
    "action": ("Action", "操作"),
    "target": ("Target", "对象"),
    "detail": ("Detail", "详情"),
    "new_token": ("New token", "新建令牌"),
    "name": ("Name", "名称"),
    "scopes": ("Scopes", "权限范围"),
    "revoke": ("Revoke", "撤销"),
    "revoked": ("revoked", "已撤销"),
    "token_once": (
        "Copy this token now; it is not shown again:",
        "请立即复制此令牌，之后不会再显示：",
    ),
    "forbidden": ("Your role may not do this.", "您的角色无权执行此操作。"),
    "not_found": ("Not found.", "未找到。"),
    "error": ("Something is wrong", "出错了"),
    "masked": ("masked for your role", "按您的角色已脱敏"),
    "nps_detail": (
        "promoters {p} · passives {pa} · detractors {d}",
        "推荐者 {p} · 中立者 {pa} · 贬损者 {d}",
    ),
    "csat_detail": ("satisfied (4–5) of {n}", "满意（4–5 分）占比，共 {n}"),
    "ces_detail": (
        "mean effort (1–7); easy (5–7): {easy}",
        "平均费力度（1–7）；容易（5–7）：{easy}",
    ),
    "too_few": ("n = {n}: too few answers for an interval", "n = {n}：样本太少，不给出区间"),
    "versions": ("Responses per version", "各版本回复数"),
    # cases (issue 13)
    "cases": ("Cases", "工单"),
    "case": ("Case", "工单"),
    "case_rules": ("Case rules", "工单规则"),
    "my_cases": ("My cases", "我的工单"),
    "team_queue": ("Team queue", "团队队列"),
    "all_open": ("All open cases", "全部未结工单"),
    "unassigned_cases": ("Unassigned", "待分配工单"),
    "no_cases": ("No open cases here.", "这里没有未结工单。"),
    "topic": ("Topic", "主题"),
    "team": ("Team", "团队"),
    "priority": ("Priority", "优先级"),
    "owner": ("Owner", "负责人"),
    "unassigned": ("unassigned", "未分配"),
    "sla_due": ("SLA due", "时限"),
    "sla_none": ("no clock running", "无计时"),
    "escalated": ("escalated", "已升级"),
    "opened": ("Opened", "创建时间"),
    "timeline": ("Timeline", "时间线"),
    "signals": ("Why this case", "立案原因"),
    "note": ("Note", "备注"),
    "add_note": ("Add note", "添加备注"),
    "vis_internal": ("internal (staff only)", "内部（仅员工可见）"),
    "vis_customer": ("to the customer (first response)", "发给客户（首次响应）"),
    "change_status": ("Change status", "更改状态"),
    "resolution_code": ("Resolution code", "解决代码"),
    "reason": ("Reason (needed to reopen)", "原因（重新打开时必填）"),
    "take_case": ("Take this case", "由我处理"),
    "assign_to": ("Assign to", "分配给"),
    "compensation": ("Compensation", "补偿"),
    "kind": ("Kind", "类型"),
    "amount": ("Amount", "金额"),
    "manager_approved": ("approved by a manager", "经理已批准"),
    "grant": ("Grant", "发放"),
    "refused": ("Refused", "已拒绝"),
    "conflict": (
        "Someone else changed this case meanwhile; nothing was saved. The page now shows the "
        "current case — check it and try again.",
        "其他人刚刚修改了此工单，您的修改未保存。页面已显示最新内容，请核对后重试。",
    ),
    "rules_version": ("Rules version", "规则版本"),
    "rules_default": ("shipped default", "内置默认"),
    "upload_rules": ("Store as new version", "保存为新版本"),
    "rules_stored": ("Rules version {v} stored.", "已保存规则版本 {v}。"),
    "rules_same": ("Unchanged: version {v} has this content.", "未变化：版本 {v} 内容相同。"),
    "preview_rules": ("Try on the latest run (store nothing)", "在最新运行结果上试用（不保存）"),
    "rules_preview_days": (
        "Try on the comments of the last N days of the latest run:",
        "试用最新运行结果中最近 N 天的评论：",
    ),
    "rules_preview_old_run": (
        "Run {run} was written before the clauses' own confidence existed: min_confidence "
        "judged it by the comments' confidence alone, which drops more right cases in long "
        "comments than it will on a new run.",
        "运行 {run} 生成时尚无分句置信度：min_confidence 只按整条评论的置信度判断，"
        "在多方面的长评论中会比新运行多去掉一些正确工单。",
    ),
    "rules_preview_no_run": (
        "There is no run to try the rules on yet: run `loyalloop run` first.",
        "还没有可用于试用规则的运行结果：请先执行 `loyalloop run`。",
    ),
    "rules_preview_title": ("Preview: nothing was stored", "试用结果：未保存任何内容"),
    "rules_preview_head": (
        "Run {run}: {n} comments from {since} to {as_of} and the run's churn scores; the rules "
        "in force (version {v_now}) against this text (version {v_new}), as if no case were "
        "open.",
        "运行 {run}：{since} 至 {as_of} 的 {n} 条评论及该运行的流失评分；现行规则（版本 {v_now}）"
        "对比本文本（版本 {v_new}），按没有未结工单计算。",
    ),
    "rules_preview_rule": ("Rule", "规则"),
    "rules_preview_now": ("In force", "现行规则"),
    "rules_preview_new": ("This text", "本文本"),
    "rules_preview_gained": ("Only this text", "仅本文本触发"),
    "rules_preview_lost": ("Only in force", "仅现行规则触发"),
    "rules_preview_off": ("off", "无"),
    "rules_preview_cases": (
        "Cases that would open: {now} with the rules in force, {new} with this text.",
        "将开立的工单：现行规则 {now} 个，本文本 {new} 个。",
    ),
    "rules_preview_gained_list": (
        "{rule}: {n} only with this text; the most severe:",
        "{rule}：{n} 条仅在本文本下触发；最严重的几条：",
    ),
    "rules_preview_lost_list": (
        "{rule}: {n} no longer; the most severe:",
        "{rule}：{n} 条不再触发；最严重的几条：",
    ),
    "tell_customer": ("Tell the customer what we did", "告知客户处理结果"),
    "we_did": ("What we did", "我们做了什么"),
    # customer 360 (issue 13 item 5)
    "customers_nav": ("Customers", "客户"),
    "c360_title": ("Customer 360", "客户全景"),
    "c360_search": ("Customer id, phone or e-mail", "客户编号、手机号或邮箱"),
    "c360_find": ("Find", "查找"),
    "c360_none": ("Nobody found for “{q}”.", "未找到“{q}”对应的客户。"),
    "c360_many": (
        "{n} customers share “{q}”: choose one.",
        "有 {n} 位客户与“{q}”匹配，请选择。",
    ),
    "c360_matched_by": ("matched by", "匹配方式"),
    "c360_profile": ("Profile", "基本信息"),
    "c360_name": ("Name", "姓名"),
    "c360_phone": ("Phone", "手机号"),
    "c360_city": ("City", "城市"),
    "c360_segment_attr": ("Customer segment", "客户类别"),
    "c360_records": ("Source records", "来源记录"),
    "c360_masked": (
        "Contact details are masked for your role.",
        "按您的角色权限，联系方式已脱敏显示。",
    ),
    "c360_value": ("Value", "价值"),
    "c360_rfm": ("RFM segment", "RFM 分群"),
    "c360_purchases": ("Purchase days", "消费天数"),
    "c360_spend": ("Total spend", "累计消费"),
    "c360_last": ("Last purchase", "最近消费"),
    "c360_days_since": ("days ago", "天前"),
    "c360_clv": ("CLV", "客户终身价值"),
    "c360_alive": ("P(alive)", "存活概率"),
    "c360_expected": ("Expected purchases", "预期购买次数"),
    "c360_churn": ("Churn risk", "流失风险"),
    "c360_probability": ("Churn probability", "流失概率"),
    "c360_decile": ("Risk decile", "风险十分位"),
    "c360_population": ("Population", "人群"),
    "c360_reasons": ("Why", "原因"),
    "c360_early_warning": ("Early-warning list, rank", "预警名单排名"),
    "c360_at_stake": ("value at stake", "涉及价值"),
    "c360_win_back": ("Win-back list, rank", "挽回名单排名"),
    "c360_loyalty": ("Loyalty and lifecycle", "忠诚度与生命周期"),
    "c360_index": ("Loyalty index", "忠诚度指数"),
    "c360_tier": ("Tier", "等级"),
    "c360_stage": ("Lifecycle stage", "生命周期阶段"),
    "c360_status": ("Status", "客户状态"),
    "c360_history": ("History across runs", "历次运行记录"),
    "c360_feedback": ("Feedback", "反馈"),
    "c360_channel": ("Channel", "渠道"),
    "c360_score": ("Score", "评分"),
    "c360_sentiment": ("Sentiment", "情感"),
    "c360_aspects": ("Aspects", "方面"),
    "c360_aspects_cover": ("What these aspects cover", "这些方面指什么"),
    "c360_text": ("Comment", "评论原文"),
    "c360_surveys": ("Survey answers", "问卷回答"),
    "c360_unknown_question": (
        "This question is not in the survey version answered: shown by its id.",
        "该题不在所答问卷版本中，按题目编号显示。",
    ),
    "c360_cases": ("Cases", "工单"),
    "c360_consent": ("Consent", "营销授权"),
    "c360_unsubscribed": ("Unsubscribed", "已退订"),
    "c360_yes": ("yes", "同意"),
    "c360_no": ("no", "拒绝"),
    "c360_unknown": ("unknown (not consent)", "未知（视为未授权）"),
    "c360_none_yet": ("None.", "无。"),
    "c360_not_computed": ("not computed in this run", "本次运行未计算"),
    # segments and campaigns (issue 14)
    "segments": ("Segments", "客群"),
    "segment": ("Segment", "客群"),
    "new_segment": ("New segment", "新建客群"),
    "segment_builder": ("Segment builder", "客群构建"),
    "segment_help": (
        "Each row is one condition on this run's fields; tick 'not' to negate it. Lists "
        "(in, not in, contains any) are comma-separated; between is 'low, high'. For nested "
        "groups write the spec in YAML below (it replaces the rows).",
        "每行一个条件（字段取自本次运行）；勾选“非”表示取反。列表（in、not in、contains any）"
        "用逗号分隔；between 写作“下限, 上限”。需要嵌套分组时在下方用 YAML 书写（将取代各行）。",
    ),
    "match_all": ("all conditions (and)", "满足全部条件（且）"),
    "match_any": ("any condition (or)", "满足任一条件（或）"),
    "not": ("not", "非"),
    "field": ("Field", "字段"),
    "operator": ("Operator", "运算"),
    "value": ("Value", "取值"),
    "description": ("Description", "说明"),
    "spec_yaml": ("Spec in YAML (optional)", "YAML 规格（可选）"),
    "segment_count": (
        "{count} of {total} customers ({share}) on run {run}",
        "运行 {run} 中 {total} 位客户里有 {count} 位（{share}）",
    ),
    "sample": ("Sample", "样例"),
    "no_segments": ("No saved segments yet.", "还没有已保存的客群。"),
    "segment_saved": (
        "Segment {name} saved (version {v}, {count} customers).",
        "已保存客群 {name}（版本 {v}，{count} 位客户）。",
    ),
    "last_count": ("Customers (when saved)", "客户数（保存时）"),
    "campaigns": ("Campaigns", "营销活动"),
    "campaign": ("Campaign", "营销活动"),
    "new_campaign": ("New campaign", "新建活动"),
    "no_campaigns": ("No campaigns yet.", "还没有营销活动。"),
    "goal": ("Goal", "目标"),
    "goal_retention": ("retention", "挽留"),
    "goal_win-back": ("win-back", "挽回"),
    "goal_cross-sell": ("cross-sell", "交叉销售"),
    "audience": ("Audience (saved segment)", "目标客群（已保存客群）"),
    "holdout_share": ("Holdout share", "对照组比例"),
    "arms": ("Arms", "实验组"),
    "arm": ("Arm", "组别"),
    "share": ("Share", "比例"),
    "offer": ("Offer", "优惠"),
    "offer_none": ("none (message only)", "无（仅发消息）"),
    "offer_policy": ("policy (per customer)", "按策略（逐客户选择）"),
    "template": ("Template", "模板"),
    "templates_yaml": ("Message templates (YAML, zh and en)", "消息模板（YAML，中英文）"),
    "offers_catalogue": ("Offer catalogue", "优惠目录"),
    "budget": ("Budget", "预算"),
    "on_budget_exceeded": ("If over budget", "超出预算时"),
    "budget_refuse": ("refuse the launch", "拒绝启动"),
    "budget_cap": ("keep the most valuable within it", "按价值保留预算内客户"),
    "contact_cost": ("Cost per contact", "每次触达成本"),
    "window_days": ("Outcome window (days)", "结果观察期（天）"),
    "default_language": ("Default language", "默认语言"),
    "create_campaign": ("Create campaign", "创建活动"),
    "campaign_help": (
        "The same rules as a campaign YAML file: the arms' shares add up to 1 after the "
        "holdout is set apart; every e-mail or SMS arm names a template defined below.",
        "规则与活动 YAML 文件相同：先划出对照组，其余按各组比例分配，比例之和为 1；"
        "每个邮件或短信组都要指定下方定义的模板。",
    ),
    "launch": ("Launch", "启动"),
    "launch_now": ("Yes, launch now", "确认启动"),
    "launch_confirm": (
        "Launching assigns every eligible customer of the audience to an arm (or the "
        "holdout) and queues their messages. Assignments never change afterwards.",
        "启动后，目标客群中所有符合条件的客户将被分配到各组（或对照组），并生成待发消息。"
        "分组一经确定不再改变。",
    ),
    "launched_n": (
        "Launched: {assigned} assigned, {queued} messages queued, {failed} failed.",
        "已启动：分配 {assigned} 人，待发消息 {queued} 条，失败 {failed} 条。",
    ),
    "pause": ("Pause", "暂停"),
    "resume": ("Resume", "恢复"),
    "preview_messages": ("Preview messages", "预览消息"),
    "preview_for": ("Customer id (optional)", "客户编号（可选）"),
    "sms_parts": ("SMS parts", "短信条数"),
    "no_preview": (
        "No message to preview (a call campaign, or no eligible customer).",
        "没有可预览的消息（电话活动，或没有符合条件的客户）。",
    ),
    "assignments": ("Assignments", "分组人数"),
    "outbox": ("Outbox", "发件箱"),
    "expected_cost": ("Expected cost", "预计成本"),
    "problems": ("Problems", "问题"),
    "launch_counts": ("Counts of the last launch", "最近一次启动的计数"),
    "row": ("row {n}", "第 {n} 行"),
    # customer pages
    "submit": ("Submit", "提交"),
    "thanks": ("Thank you! Your answer has been recorded.", "感谢您的反馈！您的回答已记录。"),
    "updated": (
        "Thank you! Your earlier answer has been updated.",
        "感谢您的反馈！您之前的回答已更新。",
    ),
    "link_expired": ("This survey link has expired.", "此问卷链接已过期。"),
    "link_invalid": ("This survey link is not valid.", "此问卷链接无效。"),
    "survey_closed": ("This survey is closed. Thank you.", "此问卷已结束，感谢关注。"),
    "unsubscribe": ("Unsubscribe", "退订"),
    # an unsubscribe link withdraws the channel its message came by, for surveys and offers
    # alike (services/consent.py: withdrawn_by_unsubscribe); a survey's and a campaign's say so
    "unsubscribe_q_email": (
        "Stop receiving e-mails from us (survey invitations and offers)? Text messages and "
        "calls are not affected.",
        "不再接收我们的邮件（包括问卷邀请和优惠信息）？短信和电话不受影响。",
    ),
    "unsubscribe_q_sms": (
        "Stop receiving text messages from us (survey invitations and offers)? E-mails and "
        "calls are not affected.",
        "不再接收我们的短信（包括问卷邀请和优惠信息）？邮件和电话不受影响。",
    ),
    "unsubscribe_q_all": (
        "Stop receiving any messages or calls from us (survey invitations and offers)?",
        "不再接收我们的任何消息和电话（包括问卷邀请和优惠信息）？",
    ),
    "unsubscribed_email": (
        "Done: we will not send you e-mails any more (survey invitations or offers). Text "
        "messages and calls are not affected.",
        "已退订：我们将不再向您发送邮件（包括问卷邀请和优惠信息）。短信和电话不受影响。",
    ),
    "unsubscribed_sms": (
        "Done: we will not send you text messages any more (survey invitations or offers). "
        "E-mails and calls are not affected.",
        "已退订：我们将不再向您发送短信（包括问卷邀请和优惠信息）。邮件和电话不受影响。",
    ),
    "unsubscribed_all": (
        "Done: we will not send you messages or call you any more (survey invitations or offers).",
        "已退订：我们将不再向您发送任何消息或致电（包括问卷邀请和优惠信息）。",
    ),
    "too_many": ("Too many requests; please try again shortly.", "请求过于频繁，请稍后再试。"),
    "too_large": ("The request is too large.", "请求内容过大。"),
    "bad_json": ("The request is not valid JSON: {detail}", "请求不是有效的 JSON：{detail}"),
    "bad_form": ("The form has expired; please reload the page.", "表单已过期，请刷新页面。"),
    "required_mark": ("required", "必答"),
    "kano_functional": ("If it has this, how do you feel?", "如果有此功能，您感觉如何？"),
    "kano_dysfunctional": (
        "If it does not have this, how do you feel?",
        "如果没有此功能，您感觉如何？",
    ),
    "kano_like": ("I like it", "喜欢"),
    "kano_must-be": ("I expect it", "理所当然"),
    "kano_neutral": ("I am neutral", "无所谓"),
    "kano_live-with": ("I can live with it", "能忍受"),
    "kano_dislike": ("I dislike it", "不喜欢"),
    "choose": ("Choose…", "请选择…"),
    "not_likely": ("Not at all likely", "完全不可能"),
    "very_likely": ("Extremely likely", "非常可能"),
    # dashboard: case sections (casedash)
    "dash_sla": ("SLA compliance", "时限达成率"),
    "dash_sla_note": (
        "Cases opened in the last {days} days. A clock is met when it stopped within its target, "
        "missed when the target was used up; open clocks are not counted yet.",
        "近 {days} 天创建的工单。在时限内停止计时为达成，用完时限为未达成；仍在计时的暂不计入。",
    ),
    "sla_target": ("Target", "目标"),
    "first_response": ("first response", "首次响应"),
    "resolution": ("resolution", "解决"),
    "met": ("Met", "达成"),
    "missed": ("Missed", "未达成"),
    "open_clocks": ("Open", "计时中"),
    "compliance": ("Compliance", "达成率"),
    "too_few_cases": ("n = {n}: too few for an interval", "n = {n}：样本太少，不给出区间"),
    "dash_recovery": ("Recovery rate", "挽回率"),
    "dash_recovery_note": (
        "A detractor is recovered when their next survey answer is 7–10; any other case when "
        "the customer buys again after resolution. No answer yet is not counted.",
        "贬损者在下一次调查中打 7–10 分即为挽回；其他工单以解决后再次购买为挽回。"
        "尚未回答的不计入。",
    ),
    "measure": ("Measure", "衡量方式"),
    "next_survey": ("next survey", "下次调查"),
    "repurchase": ("buys again", "再次购买"),
    "recovered": ("Recovered", "已挽回"),
    "not_recovered": ("Not recovered", "未挽回"),
    "no_answer": ("No answer", "未回答"),
    "pending": ("Pending", "待定"),
    "rate": ("Rate", "比率"),
    "dash_themes": ("Themes board", "主题看板"),
    "dash_themes_note": (
        "The aspects with the most negative comments in the last {days} days, the actions "
        "taken on each, and the aspect's sentiment and NPS {days} days before and after the "
        "action. Before/after is not a controlled test: the season or the mix of customers can "
        "move these figures too.",
        "近 {days} 天负面评论最多的方面、针对每个方面采取的行动，以及行动前后各 {days} 天该方面的"
        "情感与 NPS。前后对比不是对照实验：季节或客户构成的变化也会影响这些数字。",
    ),
    "theme": ("Theme", "主题"),
    "negative_mentions": ("Negative comments", "负面评论"),
    "comments": ("Comments", "评论"),
    "theme_action": ("Action taken", "采取的行动"),
    "action_date": ("Date", "日期"),
    "before": ("Before", "之前"),
    "after": ("After", "之后"),
    "change": ("Change", "变化"),
    "sentiment": ("Sentiment", "情感"),
    "no_action": (
        "no action recorded (theme_actions.yaml in the project home)",
        "尚无行动记录（项目目录下的 theme_actions.yaml）",
    ),
    "verdict_improved": ("improved", "改善"),
    "verdict_worsened": ("worsened", "变差"),
    "verdict_no_clear_change": ("no clear change", "无明显变化"),
    "verdict_too_few": ("too few comments to tell", "评论太少，无法判断"),
    "not_computed": ("Not computed: {reason}", "无法计算：{reason}"),
    "cases_note_no_warehouse": (
        "Not computed yet: no warehouse (load feedback and transactions first).",
        "暂无法计算：还没有数据仓库（请先导入反馈和交易数据）。",
    ),
    "cases_note_no_comments": (
        "No themes: the latest run analysed no customer comments (load feedback with text, "
        "then `loyalloop run`).",
        "暂无主题：最新一次运行没有可分析的客户评论（请导入带文字的反馈后执行 `loyalloop run`）。",
    ),
    "cases_note_no_run": (
        "Not computed yet: the themes come from the latest run's feedback analysis "
        "(`loyalloop run`).",
        "暂无法计算：主题来自最新一次运行的反馈分析（`loyalloop run`）。",
    ),
    "no_cases_period": ("No cases in the period.", "此期间没有工单。"),
    # erasure (admins)
    "erase": ("Erase a customer", "删除客户数据"),
    "erase_customer": ("Erase a customer's personal data", "删除客户个人数据"),
    "erase_explain": (
        "Removes the customer's name, contact details and own words from the warehouse, the "
        "store, every run and report; figures keep their rows under a random id; an audit "
        "record without personal data is kept. This cannot be undone.",
        "从数据仓库、业务库、历次运行和报告中删除该客户的姓名、联系方式和原话；统计数据以随机编号"
        "保留；保留不含个人数据的审计记录。此操作不可撤销。",
    ),
    "erase_customer_id": ("Customer id", "客户编号"),
    "erase_confirm": ("Type the customer id again to confirm", "再次输入客户编号以确认"),
    "erase_button": ("Erase for good", "永久删除"),
    "erase_done": ("Erased: {rows} rows changed.", "已删除：修改了 {rows} 行。"),
    "erase_nothing_left": (
        "Nothing left to erase: this customer was already erased.",
        "无可删除内容：该客户已被删除。",
    ),
    "erase_record": ("Audit record", "审计记录"),
    "erase_tombstone": ("Replacement id", "替代编号"),
    "erase_incomplete": (
        "NOT COMPLETE: these places are not in the PII registry and were not erased",
        "未完成：以下位置未登记，未删除",
    ),
    "erase_unmanaged": (
        "Files under the project home not managed by Loyalloop (not rewritten)",
        "项目目录下不受管理的文件（未改写）",
    ),
    "erase_place": ("Place", "位置"),
    "erase_rows": ("Rows", "行数"),
    # --- review (session 9): codes the pages showed as they are stored ----------------------
    # through code_name(prefix, code): a code without an entry (a user's own) is shown as it is
    "arm_holdout": ("holdout", "对照组"),
    "arm_global_control": ("global control", "全局对照组"),
    "chan_email": ("e-mail", "电子邮件"),
    "chan_sms": ("SMS", "短信"),
    "chan_call": ("call", "电话"),
    "ob_pending": ("pending", "待发送"),
    "ob_sending": ("sending", "发送中"),
    "ob_sent": ("sent", "已发送"),
    "ob_failed": ("failed (will not be sent)", "失败（不会发送）"),
    "ob_skipped": ("skipped at send time", "发送时跳过"),
    "ob_dead": ("dead (waits for a person)", "多次失败（待人工处理）"),
    "lc_audience": ("audience", "目标人群"),
    "lc_no_consent": ("without consent or address", "无营销授权或联系方式"),
    "lc_already_assigned": ("already assigned", "此前已分组"),
    "lc_over_budget": ("over the budget", "超出预算"),
    "lc_global_control": ("global control", "全局对照组"),
    "lc_holdout": ("holdout", "对照组"),
    "lc_arms": ("arms", "各触达组"),
    "lc_assigned": ("assigned", "已分组"),
    "lc_messages_rendered": ("messages written", "已生成消息"),
    "lc_messages_failed": ("messages that failed to render", "消息生成失败"),
    "lc_unsubscribed": ("unsubscribed", "已退订"),
    "lc_frequency_cap": ("over the frequency cap", "超出频次上限"),
    "rc_fixed": ("fixed", "已修复"),
    "rc_explained": ("explained", "已解释"),
    "rc_compensated": ("compensated", "已补偿"),
    "rc_policy_unchanged": ("policy unchanged", "政策不变"),
    "rc_no_fault_found": ("no fault found", "未发现问题"),
    "rc_customer_unreachable": ("customer unreachable", "联系不上客户"),
    "rc_duplicate": ("duplicate", "重复工单"),
    "rc_withdrawn": ("withdrawn", "客户撤回"),
    "rc_customer_erased": ("customer erased", "客户数据已删除"),
    "comp_cash_back": ("cash back", "返现"),
    "comp_fee_waiver": ("fee waiver", "费用减免"),
    "comp_gift": ("gift", "礼品"),
    "comp_points": ("points", "积分"),
    "ev_opened": ("opened", "创建"),
    "ev_signals_added": ("signals added", "新增信号"),
    "ev_status": ("status", "状态变更"),
    "ev_assigned": ("assigned", "分配"),
    "ev_note": ("note", "备注"),
    "ev_contact": ("contact", "联系客户"),
    "ev_compensation": ("compensation", "补偿"),
    "ev_notified": ("notified", "已通知"),
    "ev_erased": ("erased", "已删除"),
    "sync_read": ("read", "读取"),
    "sync_loaded": ("loaded", "已导入"),
    "sync_already_loaded": ("already loaded", "此前已导入"),
    "sync_quarantined": ("quarantined", "已隔离"),
    "pop_active": ("bought recently: ranked by the churn model", "近期有消费：由流失模型排序"),
    "pop_lapsed": (
        "no purchase in {days} days: outside the churn model's population",
        "{days} 天无消费：不在流失模型的评分范围内",
    ),
    "no_resolved_period": ("No case of the period is resolved yet.", "此期间还没有已解决的工单。"),
    # --- review (session 10): codes and English the case, survey and customer pages showed ----
    "survey_page": ("Survey", "问卷"),
    "not_computed_detail": (
        "Not computed: {reason}",
        "无法计算。技术细节（英文）：{reason}",
    ),
    "chan_link": ("personal link", "个人链接"),
    "chan_public": ("public link", "公开链接"),
    "chan_api": ("API", "API"),
    "chan_survey": ("survey", "问卷"),
    "chan_review": ("review", "点评"),
    "chan_app_review": ("app-store review", "应用商店评价"),
    "chan_social": ("social media", "社交媒体"),
    "chan_chat": ("chat", "在线客服"),
    "chan_webhook": ("webhook", "Webhook 回调"),
    "qtype_nps": ("NPS", "NPS"),
    "qtype_csat": ("CSAT", "CSAT"),
    "qtype_ces": ("CES", "CES"),
    "qtype_rating": ("rating", "评分"),
    "qtype_single_choice": ("single choice", "单选"),
    "qtype_multi_choice": ("multiple choice", "多选"),
    "qtype_text": ("free text", "文字"),
    "qtype_kano": ("KANO", "KANO"),
    "actor_rules": ("rules", "规则"),
    "actor_customer": ("customer", "客户"),
    "actor_followup": ("follow-up", "自动跟进"),
    "actor_trigger": ("trigger", "自动触发"),
    "actor_sync": ("sync", "同步"),
    "actor_round_robin": ("round robin", "轮流分配"),
    "version_short": ("v", "版本"),
    "catalogue_card": ("card (bank card offers)", "信用卡权益"),
    "catalogue_retail": ("retail", "零售优惠"),
    # ---- fixes11: links of message previews cannot act
    "preview_link": ("Preview link", "预览链接"),
    "preview_link_click": (
        "This link comes from a message preview: no click was recorded. In a sent message it "
        "leads to {url}",
        "此链接来自消息预览：未记录任何点击。在实际发出的消息中，它指向 {url}",
    ),
    "preview_link_unsub": (
        "This unsubscribe link comes from a message preview: nobody was unsubscribed and no "
        "consent changed.",
        "此退订链接来自消息预览：没有任何客户被退订，营销授权未作任何更改。",
    ),
    "comp_currency_mismatch": (
        "Compensation cannot be granted: the policy's budgets and caps are in {found} but this "
        "project's amounts are in {expected}. Set compensation.currency to {expected} (with "
        "budgets in {expected}) in the case rules, or remove it to follow the project.",
        "无法发放补偿：补偿政策的预算和上限以 {found} 计，而本项目的金额以 {expected} 计。请在"
        "工单规则中将 compensation.currency 设为 {expected}（预算也按 {expected} 填写），"
        "或删除该项以沿用项目币种。",
    ),
    "comp_currency_unknown": (
        "Compensation cannot be granted: its currency is not known. Set compensation.currency "
        "in the case rules, or publish a run whose amounts name their currency.",
        "无法发放补偿：币种未知。请在工单规则中设置 compensation.currency，或发布一次注明金额币种的"
        "分析运行。",
    ),
    "comp_currency_grants": (
        "Compensation cannot be granted: earlier grants are in {found}, not in the policy's "
        "{expected}; amounts in different currencies cannot be added to one budget.",
        "无法发放补偿：此前的补偿以 {found} 发放，而非政策的 {expected}；不同币种的金额不能计入同一"
        "预算。",
    ),
    "currency_unknown": (
        "currency not known until a run names it",
        "币种未知（待分析运行注明金额币种）",
    ),
    # fixes14: the campaign pages' money names its currency; currency errors in both languages
    "budget_in": ("Budget ({currency})", "预算（{currency}）"),
    "budget_no_currency": (
        "Budget (currency not known until a run names it)",
        "预算（币种未知，待分析运行注明金额币种）",
    ),
    "cp_currency_offers": (
        "The offer catalogue's unit costs are in {found} but this project's amounts are in "
        "{expected}: give the campaign an offers catalogue in {expected} (or one without a "
        "currency, to follow the project), with its budget and contact cost in {expected}.",
        "优惠目录的单位成本以 {found} 计，而本项目的金额以 {expected} 计：请为活动提供以 "
        "{expected} 计的优惠目录（或不注明币种以沿用项目币种），预算和触达成本也按 "
        "{expected} 填写。",
    ),
    "cp_currency_no_builtin": (
        "The built-in offer catalogue comes in {found}, not in {expected} (this project's "
        "currency): give the campaign its own offers catalogue in {expected} (docs/campaigns.md).",
        "内置优惠目录仅有 {found} 版本，没有本项目币种 {expected} 的版本：请为活动提供以 "
        "{expected} 计的自有优惠目录（见 docs/campaigns.md）。",
    ),
    "cp_currency_campaign": (
        "This campaign's budget and costs are in {found} but the project's amounts are now in "
        "{expected} (the latest run's); nothing is converted: create a new campaign in "
        "{expected}, or run over data in {found} again.",
        "该活动的预算和成本以 {found} 计，而项目金额现以 {expected} 计（最新一次运行的币种）；"
        "系统不做换算：请以 {expected} 新建活动，或重新对以 {found} 计的数据运行分析。",
    ),
    "preview_links_note": (
        "The links in these messages are preview links: following one records no click and "
        "unsubscribes nobody.",
        "这些消息中的链接均为预览链接：打开它们不会记录点击，也不会为任何客户退订。",
    ),
}

# skip reasons, priorities, topics, teams, roles and the statuses of cases, campaigns and surveys:
# named once, in the report's catalogue (the commands name them from there too)
TEXTS.update(code_names())


def text(key: str, lang: str, **kw: object) -> str:
    en, zh = TEXTS[key]
    value = zh if lang == "zh" else en
    return value.format(**kw) if kw else value


def code_name(prefix: str, code: object, lang: str) -> str:
    """A stored code (an outbox status, a resolution code …) by its name in ``lang``:
    ``TEXTS[prefix + code]`` when there is one, else the code itself (a user's own code)."""
    key = f"{prefix}{code}"
    return text(key, lang) if key in TEXTS else str(code)


def staff_language(cookie: str | None, query: str | None = None, project: str = "en") -> str:
    """The staff member's language, in one order: the page address's ``?lang=zh|en`` (a link
    in a stated language, e.g. the dashboard's to the run report), else the zh/en toggle's
    cookie (the person's own choice, kept for a year), else the project's language
    (``LOYALLOOP_LANG``, :attr:`loyalloop.core.config.Settings.lang`), else ``en``. Any other
    value is ignored. The browser's ``Accept-Language`` is not consulted on staff pages: every
    browser sends one, so the project's choice would never apply (customer pages follow it,
    :func:`loyalloop.surveys.pick_language`).

    >>> staff_language("en", "zh"), staff_language("zh", "fr"), staff_language(None, None, "zh")
    ('zh', 'zh', 'zh')
    >>> staff_language("fr", None, "de")
    'en'
    """
    for chosen in (query, cookie, project):
        if chosen in ("zh", "en"):
            return str(chosen)
    return "en"
