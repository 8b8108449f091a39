"""Every word the report shows, in zh-CN and en, in one place."""

from __future__ import annotations

LANGS: tuple[str, ...] = ("zh-CN", "en")

TEXT: dict[str, tuple[str, str]] = {
    # key: (zh-CN, en)
    "title": ("贷后催收分析报告", "Collection analytics report"),
    "as_of": ("数据日期", "Data as of"),
    "data": ("数据目录", "Input folder"),
    "accounts": ("账户数", "Accounts"),
    "episodes": ("逾期段数", "Delinquency episodes"),
    "runs": ("运行批次", "Runs"),
    "generated_in": ("生成耗时", "Built in"),
    "segments_from": ("分群来源", "Segments from"),
    "from_strategy": ("策略分群（入催时）", "strategy segment at entry into arrears"),
    "from_product": ("产品线（无运行目录）", "product line (no runs given)"),
    "from_segment": ("账户表 segment 列", "the accounts' segment column"),
    "source_ledger": (
        "未提供账户快照（account_snapshots）：逾期段由今日账户与还款流水重建，"
        "较长逾期后才结清的治愈不可见，迁徙矩阵为近似。",
        "No account_snapshots: episodes are reconstructed from today's accounts and the "
        "payments ledger; cures after a longer stay in arrears are invisible and the "
        "migration matrix is an approximation.",
    ),
    "source_snapshots": (
        "逾期段与迁徙矩阵来自账户快照（account_snapshots）。",
        "Episodes and the migration matrix come from account_snapshots.",
    ),
    "toc": ("目录", "Contents"),
    # curves
    "sec_curves": ("自然治愈与回收曲线", "Natural-cure and recovery curves"),
    "curves_intro": (
        "按逾期天数（DPD）累计的治愈账户占比与回收金额占比，分群、分实验组。"
        "留白组（不催收）给出自然曲线；无留白组时，以尚未触达的账户估计自然曲线。",
        "Cumulative share of accounts cured and of amount repaid by days past due, per "
        "segment and arm. A holdout arm (no contact) gives the natural curve; without one, "
        "it is estimated from accounts not yet contacted.",
    ),
    "fig_cured": ("累计治愈账户占比", "Cumulative share of accounts cured"),
    "fig_repaid": ("累计回收金额占比", "Cumulative share of amount repaid"),
    "fig_daily": ("日治愈率与拐点", "Daily cure rate and knee"),
    "dpd": ("逾期天数（DPD）", "Days past due (DPD)"),
    "share": ("占比", "Share"),
    "daily_rate": ("日治愈率", "Daily cure rate"),
    "natural": ("自然曲线（留白组）", "natural (holdout arm)"),
    "observed": ("实际曲线（已催收）", "observed (worked)"),
    "uncontacted-estimate": ("估计自然曲线（未触达）", "estimated natural (not yet contacted)"),
    "knee": ("拐点", "knee"),
    "label": ("曲线类型", "Curve"),
    "band": ("置信区间", "band"),
    # knee
    "sec_knee": ("拐点与建议入催时点", "Knee and suggested start of collection"),
    "knee_intro": (
        "拐点：日治愈率（{width} 日平滑）降到峰值的 {share:.0%} 以下并持续之前的最后一天；"
        "区间为自助法 {level:.0%} 置信区间。建议在拐点当天开始催收（分案 from_dpd）。",
        "Knee: the last DPD before the daily cure rate ({width}-day smoothed) falls below "
        "{share:.0%} of its peak and stays there; the band is a {level:.0%} bootstrap "
        "interval. "
        "Collection is suggested to start on the knee (the assign step's from_dpd).",
    ),
    "segment": ("分群", "Segment"),
    "arm": ("实验组", "Arm"),
    "basis": ("依据", "Basis"),
    "knee_dpd": ("拐点 DPD", "Knee DPD"),
    "from_dpd": ("建议 from_dpd", "Suggested from_dpd"),
    "bucket": ("账龄段", "Bucket"),
    "cured": ("治愈数", "Cured"),
    "contacted_share": ("已触达占比", "Contacted share"),
    "no_knee": ("未找到", "none"),
    # migration
    "sec_migration": ("迁徙率矩阵", "Migration matrix"),
    "migration_intro": (
        "月末账龄段之间的迁移：行为起始账龄段，列为次月所在状态，数值为账户占比。",
        "Moves between buckets from one month end to the next: rows are the bucket at the "
        "month end, columns the state a month later, values the share of accounts.",
    ),
    "migration_approx": (
        "近似：无账户快照，上月状态由今日账户推算，上月逾期而本月已结清的账户不可见，"
        "故治愈率偏低、滚动率偏高。",
        "Approximate: without snapshots last month is inferred from today's accounts; accounts "
        "overdue then and cured since are invisible, so cure rates read low and roll rates "
        "high.",
    ),
    "fig_migration": ("迁徙矩阵（账户占比）", "Migration matrix (share of accounts)"),
    "from_state": ("起始账龄段", "From"),
    "to_state": ("次月状态", "To"),
    "month": ("月份", "Month"),
    "cure_rate": ("治愈率", "Cure rate"),
    "stay_rate": ("保持率", "Stay rate"),
    "roll_rate": ("滚动率", "Roll rate"),
    "flow_rate": ("迁移率（户数）", "Flow rate (accounts)"),
    "flow_rate_amount": ("迁移率（金额）", "Flow rate (amount)"),
    # recovery
    "sec_recovery": ("回收率", "Recovery rate"),
    "recovery_intro": (
        "回收率 = 在该账龄段内的还款 ÷ 进入该账龄段时的欠款（观察期内），按币种分列；"
        "账龄批次为逾期开始的月份。",
        "Recovery rate = paid while in the bucket ÷ owed on entering it (within the observed "
        "window), per currency; the vintage is the month the episode went overdue.",
    ),
    "fig_recovery_bucket": ("各账龄段回收率", "Recovery rate by bucket"),
    "fig_recovery_vintage": ("各账龄批次回收率", "Recovery rate by vintage"),
    "vintage": ("账龄批次", "Vintage"),
    "currency": ("币种", "Currency"),
    "exposure": ("入段欠款", "Exposure"),
    "recovered": ("回收金额", "Recovered"),
    "recovery_rate": ("回收率", "Recovery rate"),
    # contact
    "sec_contact": ("触达与承诺还款", "Contact and promises to pay"),
    "connect_rate": ("接通率", "Connect rate"),
    "connect_rate_def": ("接通 ÷ 拨打（语音渠道）", "connected ÷ dialled (voice channels)"),
    "rpc_rate": ("可联率", "Right-party contact rate"),
    "rpc_rate_def": (
        "联系上本人的客户 ÷ 尝试联系的客户",
        "customers reached ÷ customers attempted",
    ),
    "promise_rate": ("承诺率", "Promise rate"),
    "promise_rate_def": ("承诺还款 ÷ 本人接通", "promises ÷ right-party contacts"),
    "kept_rate": ("履约率", "Kept rate"),
    "kept_rate_def": ("已履约 ÷（已履约 + 已违约）", "kept ÷ (kept + broken)"),
    "fig_connect_channel": ("各渠道接通率", "Connect rate by channel"),
    "channel": ("渠道", "Channel"),
    "dialled": ("拨打数", "Dialled"),
    "connected": ("接通数", "Connected"),
    "rpc": ("本人接通", "Right-party contacts"),
    "promises": ("承诺数", "Promises"),
    "kept": ("已履约", "Kept"),
    "broken": ("已违约", "Broken"),
    "open": ("未到期", "Open"),
    "amount_promised": ("承诺金额", "Amount promised"),
    "amount_paid": ("承诺期内还款", "Amount paid on promises"),
    # cost
    "sec_cost": ("单位回收成本", "Cost per unit recovered"),
    "cost_intro": (
        "成本 = 触达成本（团队单次成本，缺省按渠道单价）+ 委外佣金；回收 = 逾期期间的还款。",
        "Cost = contact costs (the team's cost per contact, else a channel unit cost) + "
        "agency commissions; recovered = payments made while in arrears.",
    ),
    "contacts": ("触达次数", "Contacts"),
    "contact_cost": ("触达成本", "Contact cost"),
    "commission": ("委外佣金", "Commission"),
    "cost": ("总成本", "Cost"),
    "cost_per_unit": ("单位回收成本", "Cost per unit recovered"),
    # performance
    "sec_performance": ("团队与催收员绩效", "Team and agent performance"),
    "fig_agents": ("催收员：接通率与履约率", "Agents: connect rate and kept rate"),
    "team_id": ("团队", "Team"),
    "agent_id": ("催收员", "Agent"),
    "name": ("名称", "Name"),
    "kind": ("类型", "Kind"),
    "agents": ("人数", "Agents"),
    "calls": ("呼叫数", "Calls"),
    "rpc_per_call": ("单呼本人接通率", "RPC per call"),
    "cases": ("在手案件", "Cases held"),
    # compliance
    "sec_compliance": ("合规", "Compliance"),
    "quiet_hour_violations": ("静默时段违规", "Quiet-hour violations"),
    "must_be_zero": ("必须为 0", "must be 0"),
    "cap_hits": ("频次上限拦截", "Cap hits"),
    "rest_hits": ("间隔规则拦截", "Rest hits"),
    "blocked": ("拦截数", "Blocked"),
    "fig_blocks": ("按规则拦截", "Blocks per rule"),
    "rule": ("规则", "Rule"),
    "run_date": ("运行日期", "Run date"),
    "contacts_checked": ("检查的触达", "Contacts checked"),
    "actions": ("计划触达", "Planned contacts"),
    "no_runs": (
        "未提供运行目录（--runs）：没有计划与拦截记录，合规指标不可用。",
        "No run folders given (--runs): no planned or blocked contacts to check.",
    ),
    "none": ("无数据", "no data"),
    "kind_cap": ("频次上限", "cap"),
    "kind_rest": ("间隔", "rest"),
    "kind_rule": ("其他规则", "other rule"),
    "team_human": ("人工", "human"),
    "team_robot": ("机器人", "robot"),
    "team_agency": ("委外", "agency"),
}


def text(key: str, lang: str) -> str:
    """The word for `key` in `lang` (zh-CN or en); an unknown key is shown as itself."""
    pair = TEXT.get(key)
    if pair is None:
        return key
    return pair[0] if lang == "zh-CN" else pair[1]
