"""How long an SMS is and how many messages it is sent as (GSM 03.38 / 3GPP TS 23.038).

A text made only of the GSM-7 alphabet travels in 7-bit septets: 160 in one message, 153 in
each part of a concatenated one (the user data header takes the rest). The extension table
(`^ { } \\ [ ~ ] | €` and form feed) costs two septets, an escape and the character, and a
part never ends between the two. Any other character (Chinese, emoji, a curly quote) sends the
whole text as UCS-2: 70 UTF-16 code units in one message, 67 per part, and a character outside
the Basic Multilingual Plane (most emoji) takes two units that are never split either.

Lenders pay per part, and a reminder that grows from one part to two doubles its cost: the
renderer reports this for every SMS it renders.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

GSM7_BASIC: frozenset[str] = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
"""The GSM 03.38 default alphabet: one septet each (the escape code itself is not a character)."""

GSM7_EXTENSION: frozenset[str] = frozenset("^{}\\[~]|€\f")
"""Reached through the escape code: two septets each."""

Encoding = Literal["GSM-7", "UCS-2"]

SINGLE: dict[Encoding, int] = {"GSM-7": 160, "UCS-2": 70}
PART: dict[Encoding, int] = {"GSM-7": 153, "UCS-2": 67}


@dataclass(frozen=True)
class SmsInfo:
    """`length` is in septets for GSM-7 and in UTF-16 code units for UCS-2 (what the network
    counts); `per_segment` is the capacity of each part as sent (160/70 for one message,
    153/67 for concatenated ones); `non_gsm` lists the characters that forced UCS-2."""

    encoding: Encoding
    length: int
    segments: int
    per_segment: int
    characters: int
    non_gsm: tuple[str, ...] = ()

    @property
    def unit(self) -> str:
        return "septets" if self.encoding == "GSM-7" else "UTF-16 units"

    def __str__(self) -> str:
        text = (
            f"{self.encoding}, {self.length} {self.unit}, {self.segments} segment"
            f"{'s' if self.segments != 1 else ''} ({self.per_segment} each)"
        )
        if self.non_gsm:
            text += f"; UCS-2 because of {' '.join(repr(c) for c in self.non_gsm)}"
        return text


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def _units(text: str, encoding: Encoding) -> list[int]:
    """The cost of each character: septets (GSM-7) or UTF-16 code units (UCS-2)."""
    if encoding == "GSM-7":
        return [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def _parts(units: list[int], capacity: int) -> int:
    """Parts needed when no character may be split between two of them."""
    parts, used = 1, 0
    for cost in units:
        if used + cost > capacity:
            parts, used = parts + 1, 0
        used += cost
    return parts


def sms_info(text: str) -> SmsInfo:
    """Encoding, length and number of parts of `text` sent as one SMS."""
    encoding: Encoding = "GSM-7" if is_gsm7(text) else "UCS-2"
    units = _units(text, encoding)
    length = sum(units)
    if length <= SINGLE[encoding]:
        segments, per_segment = 1, SINGLE[encoding]
    else:
        segments, per_segment = _parts(units, PART[encoding]), PART[encoding]
    non_gsm: tuple[str, ...] = ()
    if encoding == "UCS-2":
        seen = dict.fromkeys(ch for ch in text if ch not in GSM7_BASIC and ch not in GSM7_EXTENSION)
        non_gsm = tuple(list(seen)[:5])
    return SmsInfo(encoding, length, segments, per_segment, len(text), non_gsm)
