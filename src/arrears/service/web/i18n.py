"""The pages' words in English and Simplified Chinese, and which of the two a request gets.

One table: each key has both languages, so a page never shows half a translation. Messages the
service itself raises (a refused promise, a strategy that does not parse) stay in its English:
they are shown as they are, under a translated heading.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

LANGUAGES: tuple[str, ...] = ("en", "zh-CN")
DEFAULT = "en"
NAMES = {"en": "English", "zh-CN": "中文"}

# key: (en, zh-CN)
MESSAGES: dict[str, tuple[str, str]] = {
    "app.title": ("Collection workbench", "催收工作台"),
    "nav.main": ("Main", "主导航"),
    "nav.queue": ("My queue", "我的队列"),
    "nav.team": ("Team", "团队"),
    "nav.strategies": ("Strategies", "策略"),
    "nav.lookup": ("Find a case", "查找案件"),
    "nav.logout": ("Log out", "退出登录"),
    "nav.language": ("Language", "语言"),
    "nav.skip": ("Skip to the main content", "跳到主要内容"),
    "nav.user": ("Signed in as {name}", "当前用户：{name}"),
    # login
    "login.title": ("Log in", "登录"),
    "login.user": ("User name", "用户名"),
    "login.password": ("Password", "密码"),
    "login.submit": ("Log in", "登录"),
    "login.401": ("Wrong user name or password.", "用户名或密码错误。"),
    "login.429": (
        "Too many failed logins: wait a few minutes and try again.",
        "登录失败次数过多，请几分钟后再试。",
    ),
    "login.422": ("Enter your user name and password.", "请输入用户名和密码。"),
    "login.403": (
        "The login form had expired: it has been renewed, log in again.",
        "登录表单已过期，已刷新，请重新登录。",
    ),
    # errors
    "error.title": ("Something went wrong", "出错了"),
    "error.401": ("Log in first.", "请先登录。"),
    "error.403": ("You may not do this.", "您无权执行此操作。"),
    "error.404": ("Not found, or not yours to see.", "未找到，或您无权查看。"),
    "error.409": ("This cannot be done now.", "当前无法执行此操作。"),
    "error.422": ("Some of what was sent is not valid.", "提交的内容有误。"),
    "error.429": ("Too many requests: wait and try again.", "请求过多，请稍后再试。"),
    "error.503": ("Busy: try again.", "系统繁忙，请重试。"),
    "error.other": ("The request could not be completed.", "请求未能完成。"),
    "error.detail": ("Details", "详情"),
    "error.back": ("Back to the start page", "返回首页"),
    "error.csrf": (
        "The form's security token is missing or wrong: reload the page and try again.",
        "表单安全令牌缺失或错误：请刷新页面后重试。",
    ),
    # the queue
    "queue.title": ("My queue", "我的队列"),
    "queue.next": ("Get Next", "获取下一个案件"),
    "queue.next_help": (
        "Claims the next case: callable now first, then by the plan's priority and value.",
        "领取下一个案件：优先当前可拨打的，再按计划优先级和金额排序。",
    ),
    "queue.empty": ("Your queue is empty.", "您的队列为空。"),
    "queue.count": ("{n} cases", "{n} 个案件"),
    "queue.held": ("You hold case {cid}.", "您正在处理案件 {cid}。"),
    "queue.continue": ("Continue", "继续处理"),
    "queue.customer": ("Customer", "客户"),
    "queue.mode": ("Mode", "分案方式"),
    "queue.priority": ("Priority", "优先级"),
    "queue.value": ("Value", "金额"),
    "queue.window": ("Call window (UTC)", "可拨打时段（UTC）"),
    "queue.state": ("State", "状态"),
    "queue.action": ("Action", "操作"),
    "queue.open": ("Open", "打开"),
    "queue.claim": ("Claim", "领取"),
    "queue.yours": ("held by you until {until}", "由您处理，至 {until}"),
    "queue.free": ("free", "待领取"),
    "mode.dispatch": ("dispatched", "派案"),
    "mode.pool": ("team pool", "团队抢案"),
    # the case
    "case.title": ("Case {cid}", "案件 {cid}"),
    "case.customer": ("Customer", "客户"),
    "case.name": ("Name", "姓名"),
    "case.country": ("Country", "国家/地区"),
    "case.timezone": ("Time zone", "时区"),
    "case.language": ("Language", "语言"),
    "case.owner": ("Owner", "归属"),
    "case.team": ("Team", "团队"),
    "case.claimed": ("Claimed by", "处理人"),
    "case.claimed_until": ("until {until}", "至 {until}"),
    "case.state": ("Case state", "案件状态"),
    "case.accounts": ("Accounts", "账户"),
    "case.account": ("Account", "账户"),
    "case.product": ("Product", "产品"),
    "case.overdue": ("Overdue", "逾期金额"),
    "case.outstanding": ("Outstanding", "剩余本息"),
    "case.due": ("Due date", "到期日"),
    "case.dpd": ("Days past due", "逾期天数"),
    "case.status": ("Status", "状态"),
    "case.contacts": ("Contact points", "联系方式"),
    "case.contact": ("Contact point", "联系方式"),
    "case.role": ("Role", "对象"),
    "case.relation": ("Relation", "关系"),
    "case.kind": ("Kind", "类型"),
    "case.value": ("Value", "号码/地址"),
    "case.now": ("May I contact now?", "现在可以联系吗？"),
    "case.now_yes": ("Yes", "可以"),
    "case.now_until": ("until {until}", "至 {until}"),
    "case.now_no": ("No", "不可以"),
    "case.now_next": ("next at {at}", "下次可联系：{at}"),
    "case.now_never": ("not today", "今日不可"),
    "case.now_unknown": ("unknown: do not call", "未知：请勿拨打"),
    "case.ledger": ("Contact ledger", "联络记录"),
    "case.ledger_empty": ("No attempt yet.", "暂无联络记录。"),
    "case.at": ("Time", "时间"),
    "case.channel": ("Channel", "渠道"),
    "case.outcome": ("Outcome", "结果"),
    "case.agent": ("Agent", "催收员"),
    "case.promises": ("Promises to pay", "承诺还款"),
    "case.promises_empty": ("No promise.", "暂无承诺还款。"),
    "case.made_at": ("Made", "登记时间"),
    "case.amount": ("Amount", "金额"),
    "case.payments": ("Payments", "还款"),
    "case.payments_empty": ("No payment.", "暂无还款。"),
    "case.paid_at": ("Paid", "还款时间"),
    "case.offers": ("Offers", "减免/分期方案"),
    "case.offers_empty": ("No offer.", "暂无方案。"),
    "case.made_by": ("Made by", "提出人"),
    "case.summary": ("Decision", "审批结果"),
    "case.plan": ("Today's plan", "今日计划"),
    "case.plan_empty": ("Nothing planned today.", "今日无计划联络。"),
    "case.step": ("Step", "步骤"),
    "case.segment": ("Segment", "客群"),
    "case.template": ("Template", "话术模板"),
    "case.reason": ("Why", "原因"),
    "case.cancelled": ("cancelled: {reason}", "已取消：{reason}"),
    "case.suggested": (
        "The plan suggests step {step} (segment {segment}) on account {account}.",
        "今日计划建议：账户 {account}，步骤 {step}（客群 {segment}）。",
    ),
    "case.suggested_template": ("Template: {template}.", "话术模板：{template}。"),
    "case.read_only": (
        "You may read this case but not record on it.",
        "您可以查看此案件，但不能登记处理结果。",
    ),
    # the script panel
    "script.title": ("Call script", "通话话术"),
    "script.tone": ("Tone", "语气"),
    "script.show": ("Show the script", "显示话术"),
    "script.none": ("No approved script: {reason}", "没有可用的审批话术：{reason}"),
    "script.meta": (
        "Template {template} v{version}, bucket {bucket}, {dpd} days past due.",
        "模板 {template} 第 {version} 版，账龄 {bucket}，逾期 {dpd} 天。",
    ),
    "tone.reminder": ("reminder", "提醒"),
    "tone.negotiation": ("negotiation", "协商"),
    "tone.warning": ("warning", "警示"),
    "tone.pressure": ("pressure", "施压"),
    # forms on the case
    "form.attempt": ("Record an attempt", "登记联络结果"),
    "form.attempt_submit": ("Record the attempt", "登记联络"),
    "form.promise": ("Record a promise to pay", "登记承诺还款"),
    "form.promise_submit": ("Record the promise", "登记承诺"),
    "form.due_date": ("Due date", "承诺还款日"),
    "form.amount": ("Amount", "金额"),
    "form.offer": ("Make an offer", "提出方案"),
    "form.offer_submit": ("Make the offer", "提交方案"),
    "form.offer_kind": ("Kind", "方案类型"),
    "form.discount": ("Discount (%)", "减免比例（%）"),
    "form.offer_amount": ("Amount to pay (optional)", "还款金额（可选）"),
    "form.instalments": ("Instalments", "分期期数"),
    "form.first_due": ("First due date (optional)", "首期还款日（可选）"),
    "form.every_days": ("Days between instalments (optional)", "每期间隔天数（可选）"),
    "form.status": ("Dispute or hold", "争议/暂停催收"),
    "form.status_submit": ("Set the status", "设置状态"),
    "form.note": ("Note", "备注"),
    "form.finish": ("Finish", "结束处理"),
    "form.release": ("Give back to the queue", "退回队列"),
    "form.done": ("Finish for today", "今日处理完毕"),
    "form.optional": ("optional", "可选"),
    # results of a write
    "ok.attempt": ("The attempt was recorded.", "联络结果已登记。"),
    "ok.attempt_refused": (
        "The attempt was recorded, but the compliance guard would have refused it ({rule}): "
        "it is flagged in the audit log.",
        "联络结果已登记，但合规检查本应拒绝此次联络（{rule}），已在审计日志中标记。",
    ),
    "ok.promise": ("The promise was recorded.", "承诺还款已登记。"),
    "ok.offer": ("The offer was recorded: see its decision below.", "方案已提交，审批结果见下方。"),
    "ok.status": ("The status was set.", "状态已更新。"),
    "ok.logged_out": ("You have logged out.", "您已退出登录。"),
    "ok.empty": ("No case is left in your queue.", "您的队列中已没有案件。"),
    "ok.released": ("The case went back to the queue.", "案件已退回队列。"),
    "ok.finished": ("The case is finished for today.", "案件今日处理完毕。"),
    "ok.reassigned": ("Case {cid} was reassigned.", "案件 {cid} 已重新分配。"),
    "ok.uploaded": ("The version was stored.", "新版本已保存。"),
    "ok.known": (
        "The same text was uploaded before: this is that version.",
        "相同内容此前已上传，即此版本。",
    ),
    "ok.activated": ("Version {id} is active from {date}.", "版本 {id} 自 {date} 起生效。"),
    "ok.rolled_back": (
        "Rolled back: version {id} is active again from today.",
        "已回滚：版本 {id} 自今日起重新生效。",
    ),
    # lookup
    "lookup.title": ("Find a case", "查找案件"),
    "lookup.customer": ("Customer ID", "客户编号"),
    "lookup.submit": ("Open the case", "打开案件"),
    # the team
    "team.title": ("My teams today", "我的团队（今日）"),
    "team.day": ("Figures of {day} (UTC day).", "{day} 的数据（UTC 日）。"),
    "team.kpis": ("Today's figures", "今日指标"),
    "team.team": ("Team", "团队"),
    "team.attempts": ("Attempts", "拨打次数"),
    "team.rpc": ("Right-party contacts", "本人接通"),
    "team.promises": ("Promises", "承诺还款数"),
    "team.promised": ("Amount promised", "承诺金额"),
    "team.payments": ("Payments", "还款笔数"),
    "team.paid": ("Amount paid", "还款金额"),
    "team.blocks": ("Compliance blocks", "合规拦截"),
    "team.open": ("Open cases", "未结案件"),
    "team.worked": ("Worked cases", "已处理案件"),
    "team.none": ("You look after no team.", "您没有负责的团队。"),
    "team.agents": ("Agents of {team}", "{team} 的催收员"),
    "team.agent": ("Agent", "催收员"),
    "team.agent_name": ("Name", "姓名"),
    "team.dispatched": ("Open cases dispatched", "派给的未结案件"),
    "team.holding": ("Holding now", "正在处理"),
    "team.reassign": ("Reassign a case", "重新分配案件"),
    "team.reassign_help": (
        "Dispatches the case to an agent of its team; a claim on it is dropped.",
        "将案件派给同团队的催收员；原有领取将被取消。",
    ),
    "team.customer": ("Customer ID", "客户编号"),
    "team.to_agent": ("To agent", "分配给"),
    "team.reassign_submit": ("Reassign", "重新分配"),
    # strategies
    "strategies.title": ("Strategy versions", "策略版本"),
    "strategies.versions": ("Versions", "版本列表"),
    "strategies.id": ("ID", "编号"),
    "strategies.name": ("Strategy", "策略"),
    "strategies.version": ("Version", "版本"),
    "strategies.hash": ("Content hash", "内容哈希"),
    "strategies.created": ("Uploaded", "上传时间"),
    "strategies.by": ("By", "上传人"),
    "strategies.errors": ("Errors", "错误"),
    "strategies.active": ("Active today", "今日生效"),
    "strategies.from": ("Activations", "生效日期"),
    "strategies.active_yes": ("active", "生效中"),
    "strategies.from_date": ("from {date}", "自 {date}"),
    "strategies.scheduled": ("scheduled", "待生效"),
    "strategies.none": ("No version stored yet.", "尚无策略版本。"),
    "strategies.history": ("Activation history", "生效记录"),
    "strategies.effective": ("Effective from", "生效日期"),
    "strategies.kind": ("Kind", "类型"),
    "strategies.at": ("When", "操作时间"),
    "kind.activate": ("activation", "激活"),
    "kind.rollback": ("rollback", "回滚"),
    "strategies.compare": ("Compare two versions", "比较两个版本"),
    "strategies.compare_from": ("From", "原版本"),
    "strategies.compare_to": ("To", "新版本"),
    "strategies.compare_submit": ("Show the differences", "显示差异"),
    "strategies.upload": ("Upload a version", "上传新版本"),
    "strategies.upload_text": ("Strategy file (YAML)", "策略文件（YAML）"),
    "strategies.upload_file": ("or choose a file", "或选择文件"),
    "strategies.upload_filename": ("File name", "文件名"),
    "strategies.upload_submit": ("Upload and check", "上传并校验"),
    "strategies.rollback": ("Roll back", "回滚"),
    "strategies.rollback_help": (
        "Makes the version active before today's active again, from today.",
        "使今日生效版本之前的版本自今日起重新生效。",
    ),
    "strategies.rollback_submit": ("Roll back {name}", "回滚 {name}"),
    "strategies.view": ("View", "查看"),
    "strategies.not_parsed": ("The strategy does not parse.", "策略文件无法解析。"),
    "plan.title": ("The latest plan", "最新计划"),
    "plan.none": ("No plan has been imported.", "尚未导入计划。"),
    "plan.run_date": ("Run date", "计划日期"),
    "plan.strategy": ("Strategy", "策略"),
    "plan.imported": ("Imported", "导入时间"),
    "plan.accounts": ("Accounts", "账户数"),
    "plan.actions": ("Planned contacts", "计划联络数"),
    "plan.blocked": ("Blocked by compliance", "合规拦截数"),
    "plan.by_channel": ("Contacts by channel", "各渠道联络数"),
    "plan.by_rule": ("Blocks by rule", "各规则拦截数"),
    "plan.by_segment": ("Accounts by segment", "各客群账户数"),
    "plan.count": ("Count", "数量"),
    "plan.rule": ("Rule", "规则"),
    # one version
    "version.title": ("Version {id}: {name} {version}", "版本 {id}：{name} {version}"),
    "version.validate": ("Validation", "校验结果"),
    "version.valid": ("No problem found.", "未发现问题。"),
    "version.problems": ("{errors} errors, {n} findings.", "{errors} 个错误，共 {n} 项发现。"),
    "version.severity": ("Severity", "级别"),
    "version.line": ("Line", "行"),
    "version.column": ("Column", "列"),
    "version.code": ("Code", "代码"),
    "version.message": ("Message", "说明"),
    "version.activate": ("Activate", "激活"),
    "version.activate_date": ("Effective from", "生效日期"),
    "version.activate_submit": ("Activate this version", "激活此版本"),
    "version.activate_blocked": (
        "This version has errors: fix them and upload again.",
        "此版本有错误：请修正后重新上传。",
    ),
    "version.body": ("The file", "策略文件"),
    "version.changes": ("Changes from version {id}", "相对版本 {id} 的变化"),
    # the diff
    "diff.title": ("From version {a} to version {b}", "版本 {a} → 版本 {b}"),
    "diff.changed": ("Changed settings", "修改的设置"),
    "diff.added": ("Added settings", "新增的设置"),
    "diff.removed": ("Removed settings", "删除的设置"),
    "diff.path": ("Setting", "设置项"),
    "diff.from": ("Was", "原值"),
    "diff.to": ("Now", "新值"),
    "diff.value": ("Value", "值"),
    "diff.none": ("None.", "无。"),
    "diff.text": ("The text", "文本差异"),
    "diff.same": ("The two versions are the same.", "两个版本相同。"),
    # words of the domain
    "yes": ("yes", "是"),
    "no": ("no", "否"),
    "outcome.no_connect": ("no connection", "未接通"),
    "outcome.no_answer": ("no answer", "无人接听"),
    "outcome.voicemail": ("voicemail", "语音信箱"),
    "outcome.machine": ("answering machine", "自动应答"),
    "outcome.abandoned": ("abandoned", "放弃"),
    "outcome.rpc": ("right-party contact", "本人接通"),
    "outcome.third_party": ("third party", "第三方接听"),
    "outcome.wrong_party": ("wrong party", "号码错误"),
    "outcome.sent": ("sent", "已发送"),
    "outcome.delivered": ("delivered", "已送达"),
    "outcome.failed": ("failed", "失败"),
    "channel.sms": ("SMS", "短信"),
    "channel.ivr": ("IVR", "语音通知"),
    "channel.robot_call": ("robot call", "机器人外呼"),
    "channel.human_call": ("call by an agent", "人工外呼"),
    "channel.email": ("e-mail", "电子邮件"),
    "channel.letter": ("letter", "信函"),
    "channel.visit": ("visit", "上门"),
    "point.phone": ("phone", "电话"),
    "point.email": ("e-mail", "电子邮件"),
    "point.address": ("address", "地址"),
    "audience.debtor": ("debtor", "债务人"),
    "audience.co_borrower": ("co-borrower", "共同借款人"),
    "audience.guarantor": ("guarantor", "担保人"),
    "audience.emergency": ("emergency contact", "紧急联系人"),
    "audience.third_party": ("third party", "第三方"),
    "relation.self": ("self", "本人"),
    "relation.spouse": ("spouse", "配偶"),
    "relation.parent": ("parent", "父母"),
    "relation.sibling": ("sibling", "兄弟姐妹"),
    "relation.friend": ("friend", "朋友"),
    "relation.colleague": ("colleague", "同事"),
    "relation.other": ("other", "其他"),
    "status.active": ("active", "正常"),
    "status.dispute": ("dispute", "争议"),
    "status.legal_hold": ("legal hold", "法律暂停"),
    "status.cease_contact": ("cease contact", "停止联络"),
    "status.bankruptcy": ("bankruptcy", "破产"),
    "status.deceased": ("deceased", "已故"),
    "status.attorney": ("represented by an attorney", "已委托律师"),
    "status.settled": ("settled", "已结清"),
    "status.written_off": ("written off", "已核销"),
    "state.open": ("open", "未结"),
    "state.done": ("done", "已处理"),
    "promise.open": ("open", "待履约"),
    "promise.kept": ("kept", "已履约"),
    "promise.broken": ("broken", "已违约"),
    "offer.allowed": ("allowed", "已批准"),
    "offer.needs_approval": ("needs approval", "待审批"),
    "offer.refused": ("refused", "已拒绝"),
    "offerkind.instalments": ("instalments", "分期"),
    "offerkind.settlement": ("settlement", "一次性结清"),
    "offerkind.fee_waiver": ("fee waiver", "减免费用"),
    "offerkind.interest_waiver": ("interest waiver", "减免利息"),
    "severity.error": ("error", "错误"),
    "severity.warning": ("warning", "警告"),
    "severity.info": ("note", "提示"),
}


def normalize(tag: str | None) -> str | None:
    """One of LANGUAGES for a language tag (zh, zh-Hans, zh-CN → zh-CN; en-GB → en), else None."""
    if not tag:
        return None
    tag = tag.strip().lower().replace("_", "-")
    if tag == "zh" or tag.startswith(("zh-cn", "zh-hans", "zh-sg")):
        return "zh-CN"
    if tag == "en" or tag.startswith("en-"):
        return "en"
    return None


def from_accept_language(header: str | None) -> str | None:
    """The best of LANGUAGES the browser accepts, by its q-values."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        found = normalize(tag)
        if found is not None and q > 0:
            ranked.append((-q, i, found))
    return min(ranked)[2] if ranked else None


def choose(candidates: Iterable[str | None], accept_language: str | None) -> str:
    """The first candidate that is one of LANGUAGES (the query's `lang`, the switcher's
    cookie, the user's own language), else the browser's, else English."""
    for candidate in candidates:
        found = normalize(candidate)
        if found is not None:
            return found
    return from_accept_language(accept_language) or DEFAULT


def translator(lang: str) -> Callable[..., str]:
    column = LANGUAGES.index(lang) if lang in LANGUAGES else 0

    def t(key: str, **values: object) -> str:
        entry = MESSAGES.get(key)
        if entry is None:
            return key
        return entry[column].format(**values)

    return t


def label(lang: str, prefix: str, value: object) -> str:
    """A domain word (`outcome`, `rpc`) in the language, or the value itself when the
    catalogue does not know it."""
    entry = MESSAGES.get(f"{prefix}.{value}")
    if entry is None:
        return "" if value is None else str(value)
    return entry[LANGUAGES.index(lang) if lang in LANGUAGES else 0]
