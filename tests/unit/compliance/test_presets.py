"""Presets as data, layered strictest-wins: law ∧ regional overlay ∧ house."""

from __future__ import annotations

from datetime import time

import pytest

from arrears.compliance.presets import PresetError, load_preset, presets_for, with_house


def cap(preset, cap_id):
    return next(c for c in preset.caps if c.id == cap_id)


def test_a_house_may_tighten_a_cap_but_never_loosen_it():
    us = load_preset("US")
    tighter = with_house(
        us, {"caps": [{"id": "US-7IN7", "scope": "debt_person", "days": 7, "max": 5}]}
    )
    assert cap(tighter, "US-7IN7").max == 5
    looser = with_house(
        us, {"caps": [{"id": "US-7IN7", "scope": "debt_person", "days": 7, "max": 9}]}
    )
    assert cap(looser, "US-7IN7").max == 7
    added = with_house(us, {"caps": [{"id": "H", "scope": "number", "days": 1, "max": 2}]})
    assert cap(added, "H").max == 2 and len(added.caps) == len(us.caps) + 1


def test_a_house_may_lengthen_a_rest_but_never_shorten_it():
    gb = load_preset("GB")
    longer = with_house(gb, {"rests": [{"id": "GB-AMD-24H", "hours": 48}]})
    shorter = with_house(gb, {"rests": [{"id": "GB-AMD-24H", "hours": 1}]})
    hours = {r.id: r.hours for r in longer.rests}
    assert hours["GB-AMD-24H"] == 48
    assert {r.id: r.hours for r in shorter.rests}["GB-AMD-24H"] == 24


def test_house_hours_narrow_and_never_pass_the_legal_limit():
    cn = load_preset("CN")
    assert (cn.contact_start, cn.contact_end) == (time(8), time(21))
    chosen = with_house(cn, {"contact_hours": ["08:00", "22:00"]})
    assert chosen.contact_end == time(22)  # CN's legal outer limit, chosen explicitly
    wider = with_house(cn, {"contact_hours": ["06:00", "23:30"]})
    assert (wider.contact_start, wider.contact_end) == (time(8), time(22))


def test_calendar_policy_is_a_union_and_bad_words_are_refused():
    cn = with_house(load_preset("CN"), {"calendar": {"no_contact_on": ["holidays"]}})
    both = with_house(
        cn, {"calendar": {"no_contact_on": ["sundays"], "pauses": [["12:00", "13:00"]]}}
    )
    assert set(both.no_contact_on) == {"holidays", "sundays"}
    assert both.pauses == ((time(12), time(13)),)
    with pytest.raises(PresetError, match="no_contact_on"):
        with_house(cn, {"calendar": {"no_contact_on": ["full_moon"]}})
    with pytest.raises(PresetError, match="pauses"):
        with_house(cn, {"calendar": {"pauses": [["13:00", "12:00"]]}})
    with pytest.raises(PresetError, match="overrides"):
        with_house(
            cn,
            {
                "calendar": {
                    "overrides": [{"country": "CN", "date": "2026-13-01", "kind": "holiday"}]
                }
            },
        )


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ({"id": "X", "scope": "planet", "days": 1, "max": 1}, "scope"),
        ({"id": "X", "scope": "number", "days": 0, "max": 1}, "days"),
        ({"id": "X", "scope": "number", "days": 1, "max": 1, "channels": ["fax"]}, "channel"),
        ({"id": "X", "scope": "number", "days": 1}, "max"),
    ],
)
def test_a_malformed_house_cap_is_refused_with_its_reason(raw, fragment):
    with pytest.raises(PresetError, match=fragment):
        with_house(load_preset("US"), {"caps": [raw]})


def test_a_regional_overlay_layers_on_its_country_and_the_house_on_both():
    presets = presets_for(["US"], {"caps": [{"id": "H", "scope": "number", "days": 1, "max": 2}]})
    assert set(presets) == {"US", "US-MA"}
    ma = presets["US-MA"]
    assert {"US-7IN7", "US-COOL-OFF", "US-MA-2IN7", "H"} <= {c.id for c in ma.caps}
    assert "H" in {c.id for c in presets["US"].caps}
    assert (ma.contact_start, ma.contact_end) == (time(8), time(21))
