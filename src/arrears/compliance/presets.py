"""Compliance presets: the law of each jurisdiction as data, layered with house policy.

A preset file says what the law (or, where marked, a house default) allows. A strategy's
`house:` block may only narrow it — strictest wins — except where a preset names an explicit
outer limit that a lender may choose (CN: 22:00 instead of the default 21:00).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import time
from functools import cache
from importlib import resources
from typing import Any

import polars as pl
import yaml

KNOWN_PRESETS: tuple[str, ...] = ("CN", "US", "GB")


class PresetError(ValueError):
    pass


def _hhmm(text: str) -> time:
    hours, minutes = str(text).split(":")
    return time(int(hours), int(minutes))


@dataclass(frozen=True)
class Reachability:
    """When the debtor counts as unreachable, so third parties may be tried.

    The debtor is unreachable when every debtor phone has at least `failed_per_number`
    failed voice attempts in the last `days` days and nobody had a conversation with the
    debtor in that time. Each preset supplies its figures (`third_party.unreachable`).
    """

    failed_per_number: int = 3
    days: int = 14


@dataclass(frozen=True)
class Preset:
    id: str
    name: str
    contact_start: time
    contact_end: time
    legal_start: time
    legal_end: time
    holds: tuple[str, ...]
    third_party_requires_unreachable: bool
    reach: Reachability
    calls_per_7_days: int | None
    cool_off_days: int | None
    sources: Mapping[str, str]


@cache
def load_preset(preset_id: str) -> Preset:
    if preset_id not in KNOWN_PRESETS:
        raise PresetError(
            f"unknown compliance preset '{preset_id}' (known: {', '.join(KNOWN_PRESETS)})"
        )
    text = resources.files("arrears.compliance").joinpath(f"presets/{preset_id}.yaml").read_text()
    raw: dict[str, Any] = yaml.safe_load(text)
    hours = raw["contact_hours"]
    third = raw.get("third_party", {})
    freq = raw.get("call_frequency", {})
    sources: dict[str, str] = {
        key: " ".join(str(raw[key]["source"]).split())
        for key in ("contact_hours", "holds", "third_party", "call_frequency")
        if key in raw and "source" in raw[key]
    }
    return Preset(
        id=raw["id"],
        name=raw["name"],
        contact_start=_hhmm(hours["default"][0]),
        contact_end=_hhmm(hours["default"][1]),
        legal_start=_hhmm(hours["legal"][0]),
        legal_end=_hhmm(hours["legal"][1]),
        holds=tuple(raw["holds"]["statuses"]),
        third_party_requires_unreachable=bool(third.get("requires_unreachable", True)),
        reach=Reachability(**third.get("unreachable", {})),
        calls_per_7_days=freq.get("calls_per_7_days"),
        cool_off_days=freq.get("cool_off_days_after_conversation"),
        sources=sources,
    )


def with_house(preset: Preset, house: Mapping[str, Any]) -> Preset:
    """Apply the strategy's house policy: it may narrow the hours, never widen past the law."""
    hours = house.get("contact_hours")
    if not hours:
        return preset
    start, end = _hhmm(hours[0]), _hhmm(hours[1])
    if start >= end:
        raise PresetError(f"house contact_hours {hours[0]}-{hours[1]}: start must be before end")
    return Preset(
        **{
            **preset.__dict__,
            "contact_start": max(start, preset.legal_start),
            "contact_end": min(end, preset.legal_end),
        }
    )


def presets_for(jurisdictions: Sequence[str], house: Mapping[str, Any]) -> dict[str, Preset]:
    return {j: with_house(load_preset(j), house) for j in jurisdictions}


def preset_frame(presets: Mapping[str, Preset]) -> pl.DataFrame:
    """One row per country with the rule parameters as columns, for vectorized rules.

    A preset applies to the customers of its own country; a mixed strategy lists several.
    """
    rows = [
        {
            "country": p.id,
            "_preset": p.id,
            "_start_min": p.contact_start.hour * 60 + p.contact_start.minute,
            "_end_min": p.contact_end.hour * 60 + p.contact_end.minute,
            "_holds": list(p.holds),
            "_tp_gate": p.third_party_requires_unreachable,
            "_cap_calls_7d": p.calls_per_7_days,
            "_cool_off_days": p.cool_off_days,
        }
        for p in presets.values()
    ]
    return pl.DataFrame(
        rows,
        schema={
            "country": pl.String,
            "_preset": pl.String,
            "_start_min": pl.Int32,
            "_end_min": pl.Int32,
            "_holds": pl.List(pl.String),
            "_tp_gate": pl.Boolean,
            "_cap_calls_7d": pl.Int32,
            "_cool_off_days": pl.Int32,
        },
    )
