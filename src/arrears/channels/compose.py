"""The words of one action: its planned template version, rendered for its account.

An action names the template id, version and language file the plan resolved
(`template`, `template_version`, `template_language`); the send renders exactly that version,
and only while it is still approved (a template withdrawn since the plan is not sent:
`TEMPLATE-WITHDRAWN`). Amounts and dates are the account's as the data folder has them at
send time; `dpd` is the plan's.

An e-mail's first line `Subject: …` (or `主题：…`) is its subject; the rest is the body.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from arrears.channels.model import Message
from arrears.templates.library import Library, Template
from arrears.templates.render import account_context, family, render

DEFAULT_LENDER = {"zh": "示例消费金融", "en": "Example Lending"}
NO_TEMPLATE = "NO-TEMPLATE"
WITHDRAWN = "TEMPLATE-WITHDRAWN"
_SUBJECT = re.compile(r"^\s*(?:subject|主题|主題)\s*[:：]\s*(.+?)\s*$", re.IGNORECASE)


@dataclass
class Words:
    """The library and the lender's fixed texts; remembers the versions it looked up."""

    library: Library
    lender: str | None = None
    payment_link: str = "https://pay.example.com/a/{account_id}"
    _found: dict[tuple[str, str, int], Template | None] = field(default_factory=dict)

    def template(self, template_id: str, language: str, version: int) -> Template | None:
        key = (template_id, language, version)
        if key not in self._found:
            self._found[key] = self.library.get(template_id, language, version)
        return self._found[key]

    def refusal(self, row: Mapping[str, Any]) -> tuple[str, str] | None:
        """(rule, detail) when the action's words cannot be sent, else None."""
        tid, lang, version = row["template"], row["template_language"], row["template_version"]
        if tid is None or lang is None or version is None:
            return NO_TEMPLATE, "the action names no template version (planned without a library)"
        found = self.template(tid, lang, int(version))
        if found is None:
            return NO_TEMPLATE, f"template '{tid}' v{version} ({lang}) is not in the library"
        if not found.approved:
            return (
                WITHDRAWN,
                f"template '{tid}' v{version} ({lang}) is {found.state} since the plan",
            )
        return None


def split_subject(text: str) -> tuple[str, str]:
    """(subject, body): the first line when it is `Subject: …` / `主题：…`, else ''."""
    first, _, rest = text.partition("\n")
    match = _SUBJECT.match(first)
    if match is None:
        return "", text
    return match.group(1), rest.lstrip("\n")


def compose(row: Mapping[str, Any], words: Words) -> Message:
    """The message of one action row (the action's columns, the account's `overdue_amount`,
    `currency`, `due_date`, `next_due_date`, the customer's `name`, `language`, and the
    contact point's `value` as `to`). Raises RenderError when the words cannot be rendered."""
    template = words.template(
        row["template"], row["template_language"], int(row["template_version"])
    )
    assert template is not None, "refused before composing (Words.refusal)"
    language = row.get("language") or template.language
    lender = row.get("lender") or words.lender or DEFAULT_LENDER.get(family(language), "")
    run_date: date = row["run_date"]
    context = account_context(
        row,
        {"name": row.get("name"), "language": language},
        run_date,
        lender=lender,
        payment_link=row.get("payment_link")
        or words.payment_link.format(account_id=row["account_id"]),
    )
    text = render(template, context).text
    subject, body = split_subject(text) if row["channel"] in ("email", "letter") else ("", text)
    return Message(
        key=row["action_id"],
        channel=row["channel"],
        to=str(row.get("to") or ""),
        body=body,
        subject=subject,
        name=str(row.get("name") or ""),
        language=template.language,
        template=template.id,
        template_version=template.version,
        extra={"on": run_date},
    )
