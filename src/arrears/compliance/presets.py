"""Compliance presets: the law of each jurisdiction as data, layered with house policy.

A preset file says what the law (or, where marked, a house default) allows. A strategy's
`house:` block may only narrow it — strictest wins — except where a preset names an explicit
outer limit that a lender may choose (CN: 22:00 instead of the default 21:00).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, time
from functools import cache
from importlib import resources
from typing import Any

import polars as pl
import yaml

from arrears.compliance.calendar import DAY_KINDS
from arrears.compliance.caps import (
    Cap,
    CapError,
    Rest,
    caps_of,
    rests_of,
    stricter_caps,
    stricter_rests,
)
from arrears.compliance.hours import NO_CONTACT_DAYS
from arrears.contract.tables import CHANNELS, ROLES, STATUSES

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
    holds: Mapping[str, tuple[str, ...]]  # status -> the channels it stops
    third_party_requires_unreachable: bool
    third_party_roles: tuple[str, ...]  # the non-debtor roles that may be contacted at all
    reach: Reachability
    caps: tuple[Cap, ...]
    rests: tuple[Rest, ...]
    sources: Mapping[str, str]
    third_party_safe_required: bool = True  # a third party's template must disclose nothing
    opt_out_notice_channels: tuple[str, ...] = ()  # channels whose templates must offer opt-out
    no_pressure_while_promised: bool = True  # no pressure / warning tone while a promise is open
    dialer: Mapping[str, Any] = field(default_factory=dict)  # pacing limits the dialer reads
    no_contact_on: tuple[str, ...] = ()  # hours.NO_CONTACT_DAYS words
    pauses: tuple[tuple[time, time], ...] = ()  # local pauses inside the hours (lunch)
    day_overrides: tuple[Mapping[str, Any], ...] = ()  # calendar rows: country, date, kind …


def _holds(raw: Any) -> dict[str, tuple[str, ...]]:
    statuses = raw.get("statuses", {})
    if isinstance(statuses, list):  # a plain list: each status stops every channel
        statuses = {s: {"stops": "all"} for s in statuses}
    holds: dict[str, tuple[str, ...]] = {}
    for status, spec in statuses.items():
        if status not in STATUSES:
            raise PresetError(f"holds: unknown status '{status}'")
        stops = (spec or {}).get("stops", "all")
        channels = tuple(CHANNELS) if stops == "all" else tuple(stops)
        unknown = [c for c in channels if c not in CHANNELS]
        if unknown:
            raise PresetError(f"holds.{status}: unknown channel(s) {', '.join(unknown)}")
        holds[status] = channels
    return holds


def _calendar(raw: Mapping[str, Any] | None, where: str) -> dict[str, Any]:
    """`no_contact_on`, `pauses` and `day_overrides` of a `calendar:` block."""
    raw = raw or {}
    words = tuple(raw.get("no_contact_on") or ())
    unknown = [w for w in words if w not in NO_CONTACT_DAYS]
    if unknown:
        raise PresetError(
            f"{where} calendar.no_contact_on: unknown {', '.join(map(str, unknown))} "
            f"(known: {', '.join(NO_CONTACT_DAYS)})"
        )
    pauses = []
    for pair in raw.get("pauses") or ():
        try:
            start, end = _hhmm(pair[0]), _hhmm(pair[1])
        except (TypeError, ValueError, IndexError) as exc:
            raise PresetError(f"{where} calendar.pauses: {pair!r} is not [HH:MM, HH:MM]") from exc
        if start >= end:
            raise PresetError(f"{where} calendar.pauses: {pair[0]}-{pair[1]} ends before it starts")
        pauses.append((start, end))
    overrides = []
    for row in raw.get("overrides") or ():
        if not isinstance(row, Mapping) or not {"country", "date", "kind"} <= set(row):
            raise PresetError(f"{where} calendar.overrides: {row!r} needs country, date, kind")
        if row["kind"] not in DAY_KINDS:
            raise PresetError(
                f"{where} calendar.overrides: kind {row['kind']!r} (known: {', '.join(DAY_KINDS)})"
            )
        try:
            date.fromisoformat(str(row["date"]))
        except ValueError as exc:
            raise PresetError(
                f"{where} calendar.overrides: date {row['date']!r} is not YYYY-MM-DD"
            ) from exc
        overrides.append(dict(row))
    return {
        "no_contact_on": words,
        "pauses": tuple(pauses),
        "day_overrides": tuple(overrides),
    }


def _source(raw: Any) -> str:
    return " ".join(str(raw.get("source", "")).split())


def preset_of(raw: Mapping[str, Any]) -> Preset:
    """A preset from its parsed file (or any mapping of the same shape)."""
    where = f"preset {raw.get('id')}"
    hours = raw["contact_hours"]
    third = raw.get("third_party", {})
    roles = tuple(third.get("roles", [r for r in ROLES if r != "debtor"]))
    try:
        caps = caps_of(raw.get("caps"), where)
        rests = rests_of(raw.get("rests"), where)
    except CapError as exc:
        raise PresetError(str(exc)) from exc
    templates = raw.get("templates", {})
    promise = raw.get("promise", {})
    sources: dict[str, str] = {
        key: _source(raw[key])
        for key in ("contact_hours", "holds", "third_party", "templates", "promise", "dialer")
        if key in raw and "source" in raw[key]
    }
    sources |= {c.id: c.source for c in caps} | {r.id: r.source for r in rests}
    return Preset(
        **_calendar(raw.get("calendar"), where),
        id=raw["id"],
        name=raw["name"],
        contact_start=_hhmm(hours["default"][0]),
        contact_end=_hhmm(hours["default"][1]),
        legal_start=_hhmm(hours["legal"][0]),
        legal_end=_hhmm(hours["legal"][1]),
        holds=_holds(raw.get("holds", {})),
        third_party_requires_unreachable=bool(third.get("requires_unreachable", True)),
        third_party_roles=roles,
        third_party_safe_required=bool(third.get("safe_template_required", True)),
        opt_out_notice_channels=tuple(templates.get("opt_out_notice_required", ())),
        no_pressure_while_promised=bool(promise.get("no_pressure_while_open", True)),
        dialer={k: v for k, v in (raw.get("dialer") or {}).items() if k != "source"},
        reach=Reachability(**third.get("unreachable", {})),
        caps=caps,
        rests=rests,
        sources=sources,
    )


@cache
def load_preset(preset_id: str) -> Preset:
    if preset_id not in KNOWN_PRESETS:
        raise PresetError(
            f"unknown compliance preset '{preset_id}' (known: {', '.join(KNOWN_PRESETS)})"
        )
    text = resources.files("arrears.compliance").joinpath(f"presets/{preset_id}.yaml").read_text()
    return preset_of(yaml.safe_load(text))


def with_house(preset: Preset, house: Mapping[str, Any]) -> Preset:
    """Apply the strategy's house policy: strictest wins, never wider than the law.

    `contact_hours` narrows the hours (up to the preset's legal limit); `caps` and `rests`
    add house caps and rests, or tighten the preset's own of the same id.
    """
    narrowed = preset
    hours = house.get("contact_hours")
    if hours:
        start, end = _hhmm(hours[0]), _hhmm(hours[1])
        if start >= end:
            raise PresetError(
                f"house contact_hours {hours[0]}-{hours[1]}: start must be before end"
            )
        narrowed = replace(
            narrowed,
            contact_start=max(start, preset.legal_start),
            contact_end=min(end, preset.legal_end),
        )
    if house.get("calendar"):
        extra = _calendar(house["calendar"], "house")
        narrowed = replace(
            narrowed,
            no_contact_on=tuple(dict.fromkeys((*narrowed.no_contact_on, *extra["no_contact_on"]))),
            pauses=tuple(dict.fromkeys((*narrowed.pauses, *extra["pauses"]))),
            day_overrides=(*narrowed.day_overrides, *extra["day_overrides"]),
        )
    if house.get("caps") or house.get("rests"):
        try:
            caps = caps_of(house.get("caps"), "house")
            rests = rests_of(house.get("rests"), "house")
        except CapError as exc:
            raise PresetError(str(exc)) from exc
        narrowed = replace(
            narrowed,
            caps=stricter_caps(narrowed.caps, caps),
            rests=stricter_rests(narrowed.rests, rests),
            sources={
                **narrowed.sources,
                **{c.id: c.source for c in caps},
                **{r.id: r.source for r in rests},
            },
        )
    return narrowed


@cache
def overlays_of(base_id: str) -> tuple[Preset, ...]:
    """The regional overlays of a preset (`presets/overlays/<REGION>.yaml` with `base: <id>`),
    each already layered on its base, strictest wins; its id is the ISO 3166-2 region."""
    folder = resources.files("arrears.compliance").joinpath("presets/overlays")
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        raw: dict[str, Any] = yaml.safe_load(entry.read_text())
        if raw.get("base") != base_id:
            continue
        layered = with_house(load_preset(base_id), raw)
        found.append(
            replace(
                layered,
                id=str(raw["id"]),
                name=str(raw.get("name", raw["id"])),
                sources={**layered.sources, "overlay": f"{raw['id']} on {base_id}"},
            )
        )
    return tuple(found)


def presets_for(jurisdictions: Sequence[str], house: Mapping[str, Any]) -> dict[str, Preset]:
    """The presets of a strategy with their regional overlays, each under the house policy.
    Keyed by id: a country code, or an ISO 3166-2 region for an overlay."""
    chosen: dict[str, Preset] = {}
    for j in jurisdictions:
        chosen[j] = with_house(load_preset(j), house)
        for overlay in overlays_of(j):
            chosen[overlay.id] = with_house(overlay, house)
    return chosen


def strictest_reach(presets: Mapping[str, Preset]) -> Reachability:
    """Several presets in one run: the debtor counts as unreachable only under all of them."""
    reaches = [p.reach for p in presets.values()] or [Reachability()]
    return Reachability(
        failed_per_number=max(r.failed_per_number for r in reaches),
        days=min(r.days for r in reaches),
    )


PRESET_SCHEMA: dict[str, pl.DataType] = {
    "_preset_key": pl.String(),
    "_preset": pl.String(),
    "_start_min": pl.Int32(),
    "_end_min": pl.Int32(),
    "_tp_gate": pl.Boolean(),
    "_tp_roles": pl.List(pl.String()),
    "_no_contact": pl.String(),
    "_pauses": pl.String(),
    "_tp_safe": pl.Boolean(),
    "_opt_out_notice": pl.List(pl.String()),
    "_promise_calm": pl.Boolean(),
}


def preset_frame(presets: Mapping[str, Preset]) -> pl.DataFrame:
    """One row per preset with the rule parameters as columns, for vectorized rules.

    A preset applies to the customers of its own country (`_preset_key` is the country code),
    an overlay to those of its region (the ISO 3166-2 code); see `preset_key`.
    """
    rows = [
        {
            "_preset_key": p.id,
            "_preset": p.id,
            "_start_min": p.contact_start.hour * 60 + p.contact_start.minute,
            "_end_min": p.contact_end.hour * 60 + p.contact_end.minute,
            "_tp_gate": p.third_party_requires_unreachable,
            "_tp_roles": list(p.third_party_roles),
            "_no_contact": ",".join(sorted(p.no_contact_on)),
            "_pauses": ";".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in p.pauses),
            "_tp_safe": p.third_party_safe_required,
            "_opt_out_notice": list(p.opt_out_notice_channels),
            "_promise_calm": p.no_pressure_while_promised,
        }
        for p in presets.values()
    ]
    return pl.DataFrame(rows, schema=PRESET_SCHEMA)


def preset_key(presets: Mapping[str, Preset]) -> pl.Expr:
    """Which preset a row falls under: its region's overlay when the strategy has one, else
    its country's preset."""
    regions = [key for key in presets if "-" in key]
    region = pl.col("customer_region").str.strip_chars().str.to_uppercase()
    return (
        pl.when(region.is_in(regions))
        .then(region)
        .otherwise(pl.col("customer_country"))
        .alias("_preset_key")
    )


def day_overrides(presets: Mapping[str, Preset]) -> pl.DataFrame | None:
    """Every preset's calendar overrides as one frame (each row names its country), or None."""
    rows = [
        {
            "country": str(r["country"]),
            "region": r.get("region"),
            "date": str(r["date"]),
            "kind": r["kind"],
            "name": r.get("name"),
        }
        for p in presets.values()
        for r in p.day_overrides
    ]
    if not rows:
        return None
    frame = pl.DataFrame(
        rows,
        schema={
            "country": pl.String,
            "region": pl.String,
            "date": pl.String,
            "kind": pl.String,
            "name": pl.String,
        },
    )
    return frame.with_columns(pl.col("date").str.to_date("%Y-%m-%d", strict=False))
