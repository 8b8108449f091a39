"""Template files for tests: front matter with defaults, written where the library reads them."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path
from typing import Any

from arrears.templates.library import Template, load_template


def front(**fields: Any) -> str:
    """A template file's text: front matter from `fields` (defaults for the rest), then body."""
    body = fields.pop("body", "{{ name }}: {{ amount_due | money }} due {{ due_date | day }}")
    meta: dict[str, Any] = {
        "id": "t1",
        "version": 1,
        "tone": "reminder",
        "stage": "{buckets: [M1]}",
        "channel": "sms",
        "audience": "debtor",
        "language": "en",
        "state": "approved",
        "approved_by": "compliance.smith",
        "approved_on": "2026-11-01",
        **fields,
    }
    lines = ["---", *(f"{k}: {v}" for k, v in meta.items() if v is not None), "---", body]
    return "\n".join(lines) + "\n"


def write_template(root: Path, **fields: Any) -> Path:
    """Write `<root>/<language>/<file or id>.j2` and return its path."""
    name = fields.pop("file", None)
    text = front(**fields)
    language = fields.get("language", "en")
    path = root / str(language) / f"{name or fields.get('id', 't1')}.j2"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def make_template(tmp_path: Path, body: str, **fields: Any) -> Template:
    return load_template(write_template(tmp_path, body=textwrap.dedent(body).strip(), **fields))


def context_en() -> dict[str, Any]:
    """The variables of one US account."""
    return {
        "name": "Steven Walker",
        "amount_due": 1234.5,
        "currency": "USD",
        "due_date": dt.date(2026, 10, 31),
        "dpd": 30,
        "lender": "Example Lending",
        "payment_link": "https://pay.example.com/a/A1",
        "agent_name": "Sam Lee",
    }
