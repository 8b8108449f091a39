"""Contact points and identifiers masked for those who may not see them."""

from __future__ import annotations

import re

_DIGIT = re.compile(r"\d")


def mask_phone(value: str) -> str:
    """Keep the country code's '+', the first two and the last two digits: +86 13*******21."""
    digits = _DIGIT.findall(value)
    if len(digits) <= 4:
        return "*" * len(value)
    keep_head, keep_tail = 2, 2
    out = []
    seen = 0
    for ch in value:
        if ch.isdigit():
            hidden = keep_head <= seen < len(digits) - keep_tail
            out.append("*" if hidden else ch)
            seen += 1
        else:
            out.append(ch)
    return "".join(out)


def mask_email(value: str) -> str:
    """j***@example.com"""
    local, at, domain = value.partition("@")
    if not at:
        return "*" * len(value)
    return (local[:1] + "***" if local else "***") + "@" + domain


def mask_address(value: str) -> str:
    """Only the last part (city or postcode) of an address stays."""
    parts = [p.strip() for p in value.split(",") if p.strip()]
    return ("***, " + parts[-1]) if len(parts) > 1 else "***"


def mask_point(kind: str, value: str) -> str:
    if kind == "phone":
        return mask_phone(value)
    if kind == "email":
        return mask_email(value)
    return mask_address(value)


def mask_name(value: str) -> str:
    """The first character and the rest as stars (王** / J***)."""
    return value[:1] + "*" * max(len(value) - 1, 2) if value else value
