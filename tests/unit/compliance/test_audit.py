"""The quiet-hour audit re-checks written actions independently of the guard."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from arrears.compliance.audit import compliance_kpis, quiet_hour_violations
from arrears.compliance.presets import presets_for

TS = pl.Datetime("us", "UTC")


def actions(*windows: tuple[str, str, str, str]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "action_id": f"a{i}",
                "jurisdiction": j,
                "timezone": zone,
                "window_start": datetime.fromisoformat(s).replace(tzinfo=UTC),
                "window_end": datetime.fromisoformat(e).replace(tzinfo=UTC),
            }
            for i, (j, zone, s, e) in enumerate(windows)
        ],
        schema={
            "action_id": pl.String,
            "jurisdiction": pl.String,
            "timezone": pl.String,
            "window_start": TS,
            "window_end": TS,
        },
    )


PRESETS = presets_for(["CN", "US"], {})


def test_windows_inside_the_hours_of_every_zone_pass():
    ok = actions(
        ("CN", "Asia/Shanghai", "2026-11-30T00:00:00", "2026-11-30T13:00:00"),
        ("US", "America/New_York|America/Los_Angeles", "2026-11-30T16:00", "2026-12-01T02:00"),
    )
    assert quiet_hour_violations(ok, PRESETS) == 0


def test_each_kind_of_violation_is_counted():
    bad = actions(
        ("CN", "Asia/Shanghai", "2026-11-29T23:59:00", "2026-11-30T13:00:00"),  # 07:59
        ("CN", "Asia/Shanghai", "2026-11-30T00:00:00", "2026-11-30T13:01:00"),  # to 21:01
        # Fine in New York, but 05:00 in Los Angeles.
        ("US", "America/New_York|America/Los_Angeles", "2026-11-30T13:00", "2026-12-01T02:00"),
        ("US", "America/New_York", "2026-11-30T15:00", "2026-11-30T15:00"),  # empty
        ("GB", "Europe/London", "2026-11-30T10:00", "2026-11-30T11:00"),  # no preset here
    )
    assert quiet_hour_violations(bad, PRESETS) == 5


def test_kpis_split_cap_and_rest_hits_from_other_refusals():
    blocked = pl.DataFrame({"rule": ["US-7IN7", "US-7IN7", "OPT-OUT", "US-ABANDONED-2D"]})
    kpis = compliance_kpis(actions(), blocked, 9, PRESETS)
    assert kpis["contacts_checked"] == 9
    assert kpis["cap_hits"] == {"US-7IN7": 2}
    assert kpis["rest_hits"] == {"US-ABANDONED-2D": 1}
    assert kpis["blocked_by_rule"]["OPT-OUT"] == 1
    assert kpis["quiet_hour_violations"] == 0
