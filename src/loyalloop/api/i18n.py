"""Texts of the staff pages and the customers' survey pages, in Chinese and English."""

from __future__ import annotations

from loyalloop.surveys import pick_language

__all__ = ["TEXTS", "staff_language", "text"]

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
    "draft": ("draft", "草稿"),
    "live": ("live", "进行中"),
    "closed": ("closed", "已关闭"),
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
    "st_new": ("new", "新建"),
    "st_in_progress": ("in progress", "处理中"),
    "st_waiting_for_customer": ("waiting for customer", "等待客户"),
    "st_resolved": ("resolved", "已解决"),
    "st_closed": ("closed", "已关闭"),
    "tell_customer": ("Tell the customer what we did", "告知客户处理结果"),
    "we_did": ("What we did", "我们做了什么"),
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
    "unsubscribe_q": (
        "Stop receiving survey invitations from us?",
        "不再接收我们的问卷邀请？",
    ),
    "unsubscribed": (
        "Done: you will not receive survey invitations from us any more.",
        "已退订：您将不再收到我们的问卷邀请。",
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
}


def text(key: str, lang: str, **kw: object) -> str:
    en, zh = TEXTS[key]
    value = zh if lang == "zh" else en
    return value.format(**kw) if kw else value


def staff_language(cookie: str | None, accept_language: str | None) -> str:
    """The staff member's language: the toggle's cookie, else the browser's preference."""
    if cookie in ("zh", "en"):
        return str(cookie)
    return pick_language(accept_language, ["en", "zh"]) if accept_language else "en"
