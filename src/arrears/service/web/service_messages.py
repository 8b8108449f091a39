"""The service's own messages, said in the pages' languages.

The service raises its refusals in English (`outcomes`, `offers_now`, `queue`, `strategies` and
the API's routes); the API answers them as they are. A page shows the known ones in the page's
language: each is recognised by its HTTP status and its stable wording (a pattern whose named
groups are the message's values), and said with a catalogue key. A value that is a domain word
(a channel, an offer's status …) is said with the catalogue's word for it. A message no rule
knows is shown in its English. The pattern and the words of a message are kept together here;
`i18n.MESSAGES` takes the words in, so `t(key)` knows them too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Said:
    """How one message of the service is recognised and said."""

    status: int
    pattern: re.Pattern[str]
    key: str
    words: tuple[str, str]  # (en, zh-CN), the catalogue's entry
    labels: Mapping[str, str] = field(default_factory=dict)
    """group → the catalogue prefix its value is a word of (`channel` → `channel.sms`)."""


def _said(status: int, pattern: str, key: str, en: str, zh: str, /, **labels: str) -> Said:
    return Said(status, re.compile(pattern), f"svc.{key}", (en, zh), labels)


SAID: tuple[Said, ...] = (
    # outcomes: attempts, promises, statuses
    _said(404, r"account (?P<account>.+) is not one of customer (?P<customer>.+)'s",
          "account_not_customers", "account {account} is not one of customer {customer}'s",
          "账户 {account} 不属于客户 {customer}"),
    _said(404, r"account (?P<account>.+) is not one of case (?P<case>.+)'s",
          "account_not_cases", "account {account} is not one of case {case}'s",
          "账户 {account} 不属于案件 {case}"),
    _said(404, r"contact (?P<contact>.+) is not one of customer (?P<customer>.+)'s",
          "contact_not_customers", "contact {contact} is not one of customer {customer}'s",
          "联系方式 {contact} 不属于客户 {customer}"),
    _said(422, r"channel '(?P<channel>.*)' is not one of (?P<choices>.*)", "channel_unknown",
          "channel '{channel}' is not one of {choices}",
          "渠道“{channel}”无效，应为以下之一：{choices}"),
    _said(422, r"outcome '(?P<outcome>.*)' is not one of (?P<choices>.*)", "outcome_unknown",
          "outcome '{outcome}' is not one of {choices}",
          "联络结果“{outcome}”无效，应为以下之一：{choices}"),
    _said(422, r"channel (?P<channel>\S+) needs a (?P<needs>\S+), contact (?P<contact>.+) "
          r"is a (?P<kind>\S+)", "channel_point",
          "channel {channel} needs a {needs}, contact {contact} is a {kind}",
          "渠道“{channel}”需要{needs}类联系方式，而联系方式 {contact} 是{kind}",
          channel="channel", needs="point", kind="point"),
    _said(422, r"a promise's amount must be positive", "promise_positive",
          "a promise's amount must be positive", "承诺还款金额必须大于零"),
    _said(422, r"(?P<amount>\S+) is more than the outstanding balance (?P<balance>\S+)",
          "promise_balance", "{amount} is more than the outstanding balance {balance}",
          "{amount} 超过了剩余本息 {balance}"),
    _said(422, r"a promise is due between today and (?P<days>\d+) days on, not (?P<date>\S+)",
          "promise_due", "a promise is due between today and {days} days on, not {date}",
          "承诺还款日须在今天起 {days} 天之内，{date} 不在此范围内"),
    _said(422, r"status '(?P<status>.*)' is not one of (?P<choices>.*)", "status_unknown",
          "status '{status}' is not one of {choices}",
          "状态“{status}”无效，应为以下之一：{choices}"),
    # offers
    _said(409, r"today's strategy has no offers: block", "no_offers",
          "today's strategy has no offers: block", "今日策略没有减免/分期方案，不能提出方案"),
    _said(404, r"no offer (?P<offer>.+?)(?: for you)?", "no_offer", "no offer {offer} for you",
          "未找到方案 {offer}，或您无权查看"),
    _said(409, r"offer (?P<offer>\S+) is (?P<status>\w+), not waiting for approval",
          "offer_not_waiting", "offer {offer} is {status}, not waiting for approval",
          "方案 {offer} 的状态为“{status}”，不在待审批状态", status="offer"),
    _said(403, r"not within your authority: (?P<reason>.*)", "beyond_authority",
          "not within your authority: {reason}", "超出您的审批权限：{reason}"),
    # the queue
    _said(403, r"only an agent works the queue", "agents_only", "only an agent works the queue",
          "只有催收员可以处理队列"),
    _said(503, r"the queue is busy: try again", "queue_busy", "the queue is busy: try again",
          "队列繁忙，请重试"),
    _said(404, r"case (?P<case>.+) is not in your queue", "not_in_queue",
          "case {case} is not in your queue", "案件 {case} 不在您的队列中"),
    _said(404, r"case (?P<case>.+) is not in your teams", "not_in_teams",
          "case {case} is not in your teams", "案件 {case} 不属于您的团队"),
    _said(409, r"case (?P<case>.+) is held by another agent", "held_by_other",
          "case {case} is held by another agent", "案件 {case} 正由其他催收员处理"),
    _said(409, r"case (?P<case>.+) is (?P<state>\w+)", "case_state", "case {case} is {state}",
          "案件 {case} 的状态为“{state}”", state="state"),
    _said(404, r"you do not hold case (?P<case>.+)", "not_held", "you do not hold case {case}",
          "您当前未在处理案件 {case}"),
    _said(422, r"agent (?P<agent>.+) is not in team (?P<team>.+)", "agent_not_in_team",
          "agent {agent} is not in team {team}", "催收员 {agent} 不在团队 {team} 中"),
    _said(404, r"no case (?P<case>.+) for you", "no_case", "no case {case} for you",
          "未找到案件 {case}，或您无权查看"),
    _said(403, r"you may read case (?P<case>.+) but not change it", "read_only",
          "you may read case {case} but not change it", "您可以查看案件 {case}，但不能修改"),
    _said(403, r"this needs the role (?P<roles>.+)", "needs_role", "this needs the role {roles}",
          "此操作需要以下角色：{roles}"),
    # strategy versions
    _said(422, r"the strategy does not parse", "not_parsed", "the strategy does not parse",
          "策略文件无法解析"),
    _said(404, r"no strategy version (?P<id>\d+)", "no_version", "no strategy version {id}",
          "没有策略版本 {id}"),
    _said(409, r"version (?P<id>\d+) has (?P<errors>\d+) error\(s\): fix and upload again",
          "version_errors", "version {id} has {errors} error(s): fix and upload again",
          "版本 {id} 有 {errors} 个错误：请修正后重新上传"),
    _said(422, r"effective date (?P<date>\S+) is in the past", "date_past",
          "effective date {date} is in the past", "生效日期 {date} 已经过去"),
    _said(404, r"strategy '(?P<name>.*)' has no active version", "no_active",
          "strategy '{name}' has no active version", "策略“{name}”没有生效中的版本"),
    _said(409, r"strategy '(?P<name>.*)' has no earlier version to roll back to",
          "no_earlier", "strategy '{name}' has no earlier version to roll back to",
          "策略“{name}”没有可回滚的更早版本"),
)  # fmt: skip

SERVICE_MESSAGES: dict[str, tuple[str, str]] = {said.key: said.words for said in SAID}


def wording(status: int, message: str) -> tuple[str, dict[str, tuple[str, str]]] | None:
    """The catalogue key of a message of the service, and its values (each with the catalogue
    prefix it is a word of, or ""); None for a message no rule knows."""
    for said in SAID:
        if said.status != status:
            continue
        found = said.pattern.fullmatch(message)
        if found is not None:
            values = {name: (said.labels.get(name, ""), value)
                      for name, value in found.groupdict().items()}  # fmt: skip
            return said.key, values
    return None
