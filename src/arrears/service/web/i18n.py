"""Which language a request gets (English or Simplified Chinese), and saying a catalogue key
or a domain word in it. The words themselves are in `words` (`MESSAGES`, re-exported here).

The service's own messages (a refused promise, a strategy that does not parse) are raised in
English; the known ones are recognised and worded in `service_messages`, and any other is shown
as it is, under a translated heading.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from arrears.service.web.words import MESSAGES

__all__ = [
    "DEFAULT", "LANGUAGES", "MESSAGES", "NAMES",
    "choose", "from_accept_language", "label", "normalize", "translator",
]  # fmt: skip

LANGUAGES: tuple[str, ...] = ("en", "zh-CN")
DEFAULT = "en"
NAMES = {"en": "English", "zh-CN": "中文"}


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
