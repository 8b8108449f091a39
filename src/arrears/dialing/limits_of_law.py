"""The abandonment limit a dialer must hold, read from the compliance presets.

Each preset's `dialer` block names the highest share of live answers that may be abandoned
(`abandonment_max_rate`) and the sliding window it is measured over (`abandonment_window`,
e.g. "24h per campaign", "30d per campaign"). A campaign over several jurisdictions holds the
strictest rate and reports its worst window over the longest of the windows named.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from arrears.compliance.presets import Preset

_WINDOW = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([hd])\b")
DEFAULT_RATE = 0.03
DEFAULT_WINDOW_S = 24 * 3600.0


@dataclass(frozen=True)
class AbandonmentLimit:
    rate: float  # the highest abandoned / live answers allowed
    window_s: float  # the sliding window it is measured over
    sources: tuple[str, ...]  # the presets that set them


def window_seconds(text: str) -> float:
    """'24h per campaign' -> 86400.0; '30d per campaign' -> 2592000.0."""
    found = _WINDOW.match(str(text))
    if found is None:
        raise ValueError(f"abandonment_window: expected e.g. '24h' or '30d', got {text!r}")
    amount, unit = float(found.group(1)), found.group(2)
    return amount * (3600.0 if unit == "h" else 86400.0)


def abandonment_limit(presets: Mapping[str, Preset]) -> AbandonmentLimit:
    """The strictest rate and the longest window the presets name (defaults when silent)."""
    rates, windows, sources = [], [], []
    for preset in presets.values():
        dialer = preset.dialer
        if "abandonment_max_rate" in dialer:
            rates.append(float(dialer["abandonment_max_rate"]))
            sources.append(preset.id)
        if "abandonment_window" in dialer:
            windows.append(window_seconds(dialer["abandonment_window"]))
    return AbandonmentLimit(
        rate=min(rates, default=DEFAULT_RATE),
        window_s=max(windows, default=DEFAULT_WINDOW_S),
        sources=tuple(sources),
    )
