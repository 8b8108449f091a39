"""Which inbound replies are an opt-out: `STOP`, `退订`, `TD`, `T`, `unsubscribe`.

A reply opts out when, once normalized, it is one of the words and nothing else: NFKC (so a
full-width `ＴＤ` is `TD`), case folded, whitespace and closing punctuation trimmed
(`" stop! "`, `退订。`). A sentence that merely contains a word (`don't stop`, `T恤`) is not
an opt-out here; it goes to a person, who may record one.
"""

from __future__ import annotations

import unicodedata

OPT_OUT_WORDS: tuple[str, ...] = ("stop", "退订", "td", "t", "unsubscribe")
"""Normalized (`normalize`) forms of the replies that opt a contact point out."""

_TRIM = " \t\r\n\u3000.。!！?？,，;；:：'\"“”‘’()（）[]【】"


def normalize(text: str) -> str:
    """The reply as compared: NFKC, case folded, trimmed of spaces and punctuation."""
    return unicodedata.normalize("NFKC", text).casefold().strip(_TRIM)


def is_opt_out(text: str | None) -> bool:
    """True when the whole reply is an opt-out word."""
    return text is not None and normalize(text) in OPT_OUT_WORDS
