"""The abandonment limit a dialer holds comes from the presets: strictest rate, longest window."""

from __future__ import annotations

import pytest

from arrears.compliance.presets import load_preset
from arrears.dialing.limits_of_law import abandonment_limit, window_seconds


def test_window_text_reads_hours_and_days() -> None:
    assert window_seconds("24h per campaign") == 24 * 3600
    assert window_seconds("30d per campaign") == 30 * 86400
    assert window_seconds("1.5h") == 5400
    with pytest.raises(ValueError, match="abandonment_window"):
        window_seconds("a day")


def test_the_strictest_rate_and_the_longest_window_of_the_presets() -> None:
    gb, us, cn = (load_preset(p) for p in ("GB", "US", "CN"))
    assert abandonment_limit({"GB": gb}).window_s == 24 * 3600
    mixed = abandonment_limit({"GB": gb, "US": us, "CN": cn})
    assert mixed.window_s == 30 * 86400 and mixed.rate == 0.03
    assert set(mixed.sources) == {"GB", "US", "CN"}
    stricter = gb.__class__(**{**gb.__dict__, "id": "X", "dialer": {"abandonment_max_rate": 0.01}})
    assert abandonment_limit({"GB": gb, "X": stricter}).rate == 0.01
    assert abandonment_limit({}).rate == 0.03  # silent presets: the common 3 %
