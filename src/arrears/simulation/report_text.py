"""The simulation report's words, in zh-CN and en; any other word is the analytics report's
(`arrears.analytics.report.i18n`), so a label both pages show reads the same on both."""

from __future__ import annotations

from arrears.analytics.report.i18n import text as report_text
from arrears.contract.tables import CHANNEL_LABELS

SIM_TEXT: dict[str, tuple[str, str]] = {
    # key: (zh-CN, en)
    "title": ("策略模拟报告", "Strategy simulation report"),
    "days": ("模拟天数", "Days simulated"),
    "seed": ("随机种子", "Seed"),
    "country": ("国家/地区", "Country"),
    "start": ("起始日期", "Start date"),
    "seconds": ("运行耗时", "Run time"),
    "verify": ("合规复核", "Guard re-check"),
    "on": ("开", "on"),
    "off": ("关", "off"),
    "champion": ("冠军策略", "Champion"),
    "challenger": ("挑战者策略", "Challenger"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "all": ("全部", "All"),
    "date": ("日期", "Date"),
    "amount": ("金额", "Amount"),
    "count": ("数量", "Count"),
    # compliance line at the top
    "violations_warn": (
        "合规违规 {n:,} 次（必须为 0）：有触达在违反规则的情况下被执行。{arms}",
        "{n:,} compliance violation(s) — must be 0: contacts were made that break a rule. {arms}",
    ),
    "compliance_ok": (
        "合规：0 次违规；{verified:,} 次已执行触达均经合规守卫复核，{blocked:,} 次计划触达被拦截。",
        "Compliance: 0 violations; all {verified:,} contacts made were re-checked by the "
        "guard, and {blocked:,} planned contacts were blocked.",
    ),
    "compliance_unverified": (
        "合规：0 次违规（未开启复核：已执行的触达没有再次检查）；{blocked:,} 次计划触达被拦截。",
        "Compliance: 0 violations (verify was off: contacts made were not re-checked); "
        "{blocked:,} planned contacts were blocked.",
    ),
    # comparison
    "sec_comparison": ("挑战者与冠军对比", "Challenger against champion"),
    "comparison_intro": (
        "差值 = 挑战者 − 冠军。两组在同一批模拟客户上运行（共同随机数），"
        "95% 置信区间由按客户的自助法（bootstrap）得到；区间不含 0 即差异显著。",
        "Difference = challenger − champion. Both arms ran on the same simulated customers "
        "(common random numbers); the 95 % confidence interval is a bootstrap over customers. "
        "An interval that excludes 0 is a clear difference.",
    ),
    "one_arm": (
        "只运行了一个策略：没有对比与置信区间。",
        "One strategy ran: there is no comparison and no confidence interval.",
    ),
    "more": ("多", "more"),
    "less": ("少", "less"),
    "verdict_clear": (
        "挑战者{more}回收 {rel}（95% 置信区间 {lo} 至 {hi}，不含 0）：{diff}；"
        "成本 {cost}；净回收 {net}。",
        "The challenger recovers {rel} {more} (95 % CI {lo} to {hi}, excludes 0): {diff}, "
        "at {cost} cost; net {net}.",
    ),
    "verdict_unclear": (
        "挑战者{more}回收 {rel}，但 95% 置信区间（{lo} 至 {hi}）含 0，差异不显著；"
        "成本 {cost}；净回收 {net}。",
        "The challenger recovers {rel} {more}, but the 95 % CI ({lo} to {hi}) includes 0: no "
        "clear difference; at {cost} cost; net {net}.",
    ),
    "verdict_marginal": (
        "每多花 1 单位成本，多回收 {ratio}。",
        "Each extra unit of cost brought {ratio} more recovered.",
    ),
    "verdict_complaints": (
        "投诉 {diff}（95% 置信区间 {lo} 至 {hi}）。",
        "Complaints {diff} (95 % CI {lo} to {hi}).",
    ),
    "metric": ("指标", "Metric"),
    "difference": ("差值", "Difference"),
    "relative": ("相对差值", "Relative"),
    "ci_low": ("置信区间下限", "CI low"),
    "ci_high": ("置信区间上限", "CI high"),
    "excludes_zero": ("区间不含 0", "CI excludes 0"),
    "net": ("净回收（回收 − 成本）", "Net (recovered − cost)"),
    "complaints": ("投诉数", "Complaints"),
    # arms
    "sec_arms": ("各组结果", "Results per arm"),
    "arms_intro": (
        "回收率 = 期初逾期账户的回收 ÷ 其期初逾期金额；治愈率 = 期初逾期账户中期末已结清的占比；"
        "单位成本回收 = 回收金额 ÷ 成本。",
        "Recovery rate = recovered from the accounts overdue on the first day ÷ their overdue "
        "amount then; cure rate = the share of those accounts current at the end; recovered "
        "per unit cost = recovered ÷ cost.",
    ),
    "overdue_start": ("期初逾期金额", "Overdue at start"),
    "recovered_from_start_book": ("期初逾期账户回收", "Recovered from accounts overdue at start"),
    "recovered_per_cost": ("单位成本回收", "Recovered per unit cost"),
    "promises_made": ("承诺数", "Promises made"),
    "promises_kept": ("已履约", "Promises kept"),
    "promises_broken": ("已违约", "Promises broken"),
    "violations": ("合规违规", "Compliance violations"),
    "verified": ("复核的触达", "Contacts re-checked"),
    "overdue_accounts": ("期初逾期账户", "Accounts overdue at start"),
    "planned": ("计划触达", "Planned contacts"),
    # daily
    "sec_daily": ("每日回收", "Recovery day by day"),
    "fig_cum_recovered": ("累计回收金额", "Cumulative recovered"),
    "fig_daily_recovered": ("每日回收金额", "Recovered per day"),
    # buckets
    "sec_buckets": ("分账龄段", "By bucket"),
    "buckets_intro": (
        "账龄段为账户在第一天的逾期账龄段（每 30 天一段）。滚动率 = 该段期初逾期账户中期末逾期天数"
        "超过该段上限的占比（最后一段无滚动率）；治愈率 = 期末已结清的占比；"
        "回收率 = 回收 ÷ 期初逾期金额。",
        "Buckets are each account's 30-day bucket on the first day. Roll rate = the share of the "
        "bucket's overdue accounts whose dpd went past the bucket's last day by the end (the "
        "last, open bucket has none); cure rate = the share current at the end; recovery rate "
        "= recovered ÷ overdue at start.",
    ),
    "fig_bucket_rates": (
        "各账龄段滚动率、回收率与治愈率",
        "Roll, recovery and cure rate by bucket",
    ),
    # contacts
    "sec_contacts": ("触达量：渠道与当地时刻", "Contacts by channel and local hour"),
    "contacts_intro": (
        "每个渠道在客户当地时刻的触达次数（整个模拟期间）。",
        "Contacts made per channel at the customer's local hour, over the whole run.",
    ),
    "fig_hours": ("各渠道按当地时刻的触达量", "Contacts per channel by local hour"),
    "fig_channels": ("各渠道触达量", "Contacts per channel"),
    "local_hour": ("当地时刻", "Local hour"),
    # cost
    "sec_cost": ("成本与回收", "Cost and recovery"),
    "cost_intro_sim": (
        "成本 = 按参数单价计算的触达成本 + 委外佣金；曲线上每个点为一天（累计）。"
        "回收包含客户未经触达也会支付的还款（自然治愈），因此成本很低的账龄段单位成本回收偏高。",
        "Cost = contacts at the knobs' prices + agency commission; each point of the curve is "
        "a day (cumulative). Recovered includes what customers would have paid without any "
        "contact (self-cure), so a bucket that cost little reads high per unit of cost.",
    ),
    "fig_cost_curve": ("累计成本与累计回收", "Cumulative cost against cumulative recovered"),
    "fig_per_cost": ("各账龄段单位成本回收", "Recovered per unit cost by bucket"),
    "cum_cost": ("累计成本", "Cumulative cost"),
    "cum_recovered": ("累计回收", "Cumulative recovered"),
    # promises
    "sec_promises": ("承诺还款", "Promises to pay"),
    "promises_intro": (
        "模拟期间做出的承诺，到最后一天已履约、已违约或尚未到期。",
        "Promises made during the run, kept, broken or not yet due by the last day.",
    ),
    "fig_promises": ("承诺、履约与违约", "Promises made, kept and broken"),
    "fig_daily_promises": ("每日承诺数与本人接通数", "Promises and right-party contacts per day"),
    # compliance
    "compliance_intro": (
        "每个触达执行前都经过真实的合规守卫；开启复核时，已执行的触达会再次检查。"
        "违规 = 违反规则却被执行的触达，必须为 0。",
        "Every contact goes through the real compliance guard before it is made; with verify "
        "on, each contact made is checked again. A violation is a contact made that breaks a "
        "rule: it must be 0.",
    ),
    "fig_compliance": ("每日拦截与违规", "Blocked and violations per day"),
    # settings
    "sec_settings": ("模拟参数", "Settings"),
    "settings_intro": (
        "世界模型的校准参数（knobs）与各阶段耗时，用于复现本次模拟。",
        "The world model's calibration knobs and the time per stage, to reproduce the run.",
    ),
    "setting": ("参数", "Setting"),
    "value": ("取值", "Value"),
    "stage": ("阶段", "Stage"),
}


def sim_text(key: str, lang: str) -> str:
    """The word for `key` in `lang` (zh-CN or en): the simulation's, else the report's."""
    pair = SIM_TEXT.get(key)
    if pair is None:
        return report_text(key, lang)
    return pair[0] if lang == "zh-CN" else pair[1]


def channel_name(channel: str, lang: str) -> str:
    """The channel's name on pages (`CHANNEL_LABELS`); an unknown one as it is."""
    label = CHANNEL_LABELS.get(channel)
    if label is None:
        return channel
    return label[1] if lang == "zh-CN" else label[0]


def arm_name(arm: str, lang: str) -> str:
    """champion / challenger translated; any other arm's name as it is."""
    return sim_text(arm, lang) if arm in ("champion", "challenger") else arm


def column_header(column: str, lang: str) -> str:
    if column.startswith("contacts_"):
        return (
            f"{sim_text('contacts', lang)} · {channel_name(column.removeprefix('contacts_'), lang)}"
        )
    if column.startswith("seconds_"):
        return column.removeprefix("seconds_")
    return sim_text(column, lang)
