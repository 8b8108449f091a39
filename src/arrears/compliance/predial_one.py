"""One pre-dial question, answered without the batch's fixed cost.

`predial.check` runs the daily plan's guard over a frame of questions: some 300 small Polars
operations whatever the number of rows, tens of milliseconds for one question. A dialer or the
service asks one question per dial, so `predial.check_one` comes here instead: the steps of
`guard.guard`, in its order and with its functions — `with_customer_hours`, `with_zones`,
`hours.day_table`, `ledger.cap_count` / `rest_end`, `reach.debtor_unreachable`,
`refusal.with_refusals` over the rules' own verdicts, `refusal.with_ends`,
`hours.with_next_allowed` — on the few rows of the one customer asked about, and:

* the customer's rows cut out of the state's frames by binary search;
* what no question or ledger changes remembered on the state (`OneCache`): each contact
  point's candidate zones, each account's preset and own hours, and each (hours key, day)
  row of `day_table` (all points and accounts at once with `PreDial.warm`, and then every
  hours key of the portfolio for a day on the first question of that day; else as asked);
* a step whose answer the customer's few ledger rows settle skipped with that answer, on a
  condition the step itself needs: no event in a cap's span → a count of 0; no event on the
  point since the rest's horizon → no rest; fewer events in the look-back than failed calls
  per number → reachable;
* the refusal's fields built only from the rules that refuse (`refusals`).

The ledger's steps are in `predial_ledger`. A refusal's next time is settled as the batch
settles it (`settle.settle`): the question asked again at each candidate, by these steps.
The answers are the batch's, row for row (tests/integration/test_predial_one.py checks it on
random portfolios and questions).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import polars as pl

from arrears.compliance.guard import (
    OPTIONAL_COLUMNS,
    _ledger_columns,
    _narrow_by_rests,
    with_customer_hours,
    with_zones,
)
from arrears.compliance.hours import (
    HOURS_KEY,
    PAUSES,
    day_table,
    hours_keys,
    with_next_allowed,
    with_pause_ends,
)
from arrears.compliance.ledger import cap_applies, person
from arrears.compliance.predial_ledger import unreachable_one, with_ledger_one
from arrears.compliance.presets import day_overrides, preset_frame, preset_key
from arrears.compliance.refusal import REFUSAL_FIELDS, is_timed, with_ends, with_refusals
from arrears.compliance.rules import CapRule, RestRule, Rule
from arrears.compliance.settle import settle
from arrears.contract.tables import NOT_COLLECTED

if TYPE_CHECKING:
    from arrears.compliance.predial import PreDial

UTC_TS = pl.Datetime("us", "UTC")
ZONE_COLUMNS = ("zones", "timezone", "zone_sources")
WINDOW_COLUMNS = ("window_start", "window_end", "window_pauses", "_rest_day")
"""What `hours.with_windows` adds to a check row."""
ANSWER_COLUMNS = (
    "question",
    "contact_id",
    "account_id",
    "at",
    "channel",
    "allowed",
    "rule",
    "detail",
    "next_allowed_at",
    "window_start",
    "window_end",
    "timezone",
)
"""What a pre-dial answer keeps of the guard's rows (`predial.check`'s columns)."""
DAY_MEMO = 200_000
"""At most this many (hours key, day) rows remembered per state, then forgotten at once."""

Key = tuple[Any, ...]


@dataclass
class OneCache:
    """What the one-question path remembers on a state: facts of the contact points, the
    accounts and the calendar, never of the ledger (which `replace` may swap)."""

    zoned: pl.DataFrame | None = None
    """With `PreDial.warm`: contact_id and ZONE_COLUMNS of every point, by contact_id."""
    zoned_by_contact: dict[str, pl.DataFrame] = field(default_factory=dict)
    """Else: ZONE_COLUMNS of the points asked about so far."""
    prepared: pl.DataFrame | None = None
    """With `PreDial.warm`: every account with its preset columns and own hours."""
    hours: pl.DataFrame | None = None
    """With `PreDial.warm`: every distinct hours key (with its zones) of points × accounts."""
    days: dict[Key, pl.DataFrame | None] = field(default_factory=dict)
    """(*HOURS_KEY, day) -> the one-row WINDOW_COLUMNS of `day_table`, or None (no row)."""
    warm_days: set[date] = field(default_factory=set)
    """With `PreDial.warm`: the days whose every hours key is in `days`."""
    policy: dict[str, Any] = field(default_factory=dict)
    """Built once per state: see `_policy`."""
    nulls: dict[tuple[str, int], pl.DataFrame] = field(default_factory=dict)
    """(schema name in `policy`, n) -> n null rows of it (`DataFrame.clear(n)` is slow)."""
    source: tuple[int, ...] = ()
    """The identity of the points, accounts, presets and rules all this was worked out from."""


def cache_of(state: PreDial) -> OneCache:
    """The state's cache, emptied first when the state's points, accounts, presets or rules
    are not the ones it was filled from (a state `replace`d with others shares the object;
    one with another ledger keeps it, since nothing in it comes from the ledger)."""
    cache = state.one
    source = (id(state.points), id(state.accounts), id(state.presets), id(state.rules))
    if cache.source != source:
        cache.__dict__.update(OneCache(source=source).__dict__)
    return cache


class NotOne(Exception):
    """A question this path does not take (a contact id on several rows of the points):
    the caller asks the batch check, whose joins answer it as they always have."""


def _slice(frame: pl.DataFrame, column: str, value: str) -> pl.DataFrame:
    """The rows of a frame sorted by `column` whose value is `value` (binary search)."""
    # One search for both ends: the first value after `value` is the first at or after
    # `value` + "\x00", the least string that sorts after it.
    lo, hi = frame.get_column(column).search_sorted(
        pl.Series([value, value + "\x00"], dtype=pl.String), side="left"
    )
    return frame.slice(lo, hi - lo)


def customer_of(state: PreDial, contact_id: str) -> str | None:
    found = _slice(state.by_contact, "contact_id", contact_id).get_column("customer_id")
    return str(found[0]) if found.len() and found[0] is not None else None


def known_point(state: PreDial, contact_id: str) -> bool:
    """Is `contact_id` one of the state's contact points?"""
    customer = customer_of(state, contact_id)
    if customer is None:
        return False
    points = _slice(state.points, "customer_id", customer).get_column("contact_id")
    return bool((points == contact_id).any())


def _policy(state: PreDial, cache: OneCache) -> dict[str, Any]:
    """Per state, built once: the preset frame and calendar overrides the guard joins, the
    ledger columns' types and a null row of them, the caps' `applies`."""
    if not cache.policy:
        columns = {
            name: dtype for rule in state.rules for name, dtype in _ledger_columns(rule).items()
        }
        cache.policy.update(
            frame=preset_frame(state.presets),
            overrides=day_overrides(state.presets),
            ledger_columns=columns,
            no_ledger=pl.DataFrame(schema=columns),
            no_window=pl.DataFrame(
                schema={
                    "window_start": UTC_TS,
                    "window_end": UTC_TS,
                    "window_pauses": PAUSES,
                    "_rest_day": pl.String(),
                }
            ),
            no_refusal=pl.DataFrame(
                schema={name: dtype for name, (_, dtype) in REFUSAL_FIELDS.items()}
            ),
            presets=list(state.presets.values()),
            applies=[
                (p, cap, cap_applies(cap, p.id).alias(f"{p.id}|{cap.id}"))
                for p in state.presets.values()
                for cap in p.caps
            ],
        )
    return cache.policy


def zones_of_points(points: pl.DataFrame, accounts: pl.DataFrame) -> pl.DataFrame:
    """`guard.with_zones` of contact points, by contact_id: the zones depend only on the
    point and its customer's zone and country."""
    customers = accounts.select("customer_id", "customer_timezone", "customer_country").unique(
        "customer_id", keep="first", maintain_order=True
    )
    framed = points.select("contact_id", "customer_id", "kind", "value", "contact_timezone").join(
        customers, on="customer_id", how="left", maintain_order="left"
    )
    return with_zones(framed).select("contact_id", *ZONE_COLUMNS).sort("contact_id")


def prepared_accounts(state: PreDial, accounts: pl.DataFrame) -> pl.DataFrame:
    """The guard's first steps on open accounts alone (they read no column of the point or
    the question): the optional columns no input has, the preset's columns, the own hours,
    the calendar's place (`hours_keys`)."""
    policy = _policy(state, cache_of(state))
    keyed = (
        accounts.filter(~pl.col("status").is_in(NOT_COLLECTED))
        .with_columns(
            *(
                pl.lit(None, dtype=dtype).alias(name)
                for name, dtype in OPTIONAL_COLUMNS.items()
                if name not in accounts.columns and name not in _FIXED
            ),
            preset_key(state.presets),
        )
        .join(policy["frame"], on="_preset_key", how="left", maintain_order="left")
    )
    return hours_keys(with_customer_hours(keyed))


def warm(state: PreDial) -> None:
    """Every point's zones, every account's preset and hours, and every hours key."""
    cache = cache_of(state)
    cache.zoned = zones_of_points(state.points, state.accounts)
    cache.prepared = prepared_accounts(state, state.accounts)
    customers = cache.prepared.select(
        "customer_id",
        "_start_min",
        "_end_min",
        "_no_contact",
        "_pauses",
        "_place",
        "_region",
    ).unique()
    # Distinct (customer, zone set) first: the zone lists (slow to compare) join last.
    pairs = (
        state.points.select("contact_id", "customer_id")
        .join(cache.zoned.select("contact_id", "timezone"), on="contact_id", how="inner")
        .select("customer_id", "timezone")
        .unique()
    )
    zone_lists = cache.zoned.select("timezone", "zones").unique("timezone", keep="first")
    cache.hours = (
        pairs.join(customers, on="customer_id", how="inner")
        .select(HOURS_KEY)
        .unique()
        .join(zone_lists, on="timezone", how="left")
    )


_FIXED = ("contact_id", "at", "channel", "agent_reserved", "question", "debtor_unreachable")
"""Columns of the question and the point beside the accounts (`prepared_accounts` must not
fill them)."""


def _zone_row(state: PreDial, cache: OneCache, point: pl.DataFrame) -> pl.DataFrame:
    """ZONE_COLUMNS of the one point asked about (`point`, its row of `state.points`)."""
    contact: str = point.get_column("contact_id")[0]
    if cache.zoned is not None:
        return _slice(cache.zoned, "contact_id", contact).drop("contact_id")
    if contact not in cache.zoned_by_contact:
        if len(cache.zoned_by_contact) > DAY_MEMO:
            cache.zoned_by_contact.clear()
        customer: str = point.get_column("customer_id")[0]
        cache.zoned_by_contact[contact] = zones_of_points(
            point, _slice(state.accounts, "customer_id", customer)
        ).drop("contact_id")
    return cache.zoned_by_contact[contact]


def with_day_rows(checks: pl.DataFrame, cache: OneCache, overrides: Any) -> pl.DataFrame:
    """`hours.with_windows`: each (hours key, day) asked of `day_table` once per state —
    with a warm state, every hours key of the portfolio at once on a day's first question."""
    keys = checks.select(*HOURS_KEY, "_day").rows()
    missing = [k for k in dict.fromkeys(keys) if k not in cache.days]
    if missing:
        if len(cache.days) > DAY_MEMO:
            cache.days.clear()
            cache.warm_days.clear()
        asked = checks.select(*HOURS_KEY, "zones", "_day")
        new_days = {k[-1] for k in missing} - cache.warm_days
        if cache.hours is not None and new_days and None not in new_days:
            every = [
                cache.hours.with_columns(pl.lit(d, dtype=pl.Date).alias("_day")) for d in new_days
            ]
            asked = pl.concat([asked, *every], how="vertical_relaxed")
            cache.warm_days |= new_days
        table = day_table(asked, overrides)
        windows = table.select(WINDOW_COLUMNS)
        for i, key in enumerate(table.select(*HOURS_KEY, "_day").rows()):
            cache.days[key] = windows.slice(i, 1)
        for key in missing:
            cache.days.setdefault(key, None)  # no row: no zones, or no day
    rows = [cache.days[k] for k in keys]
    parts = [row if row is not None else _null_rows(cache, "no_window", 1) for row in rows]
    return checks.hstack(pl.concat(parts).get_columns())


def _may_pause(checks: pl.DataFrame, at: datetime) -> bool:
    """Can `at` fall in a pause of a row's window? A day's pauses lie inside its window
    (`hours.day_table`), so not when `at` is outside every row's window."""
    starts = checks.get_column("window_start").to_list()
    ends = checks.get_column("window_end").to_list()
    pauses = checks.get_column("window_pauses").to_list()
    return any(
        s is not None and e is not None and s <= at < e and p
        for s, e, p in zip(starts, ends, pauses, strict=True)
    )


def _no_pause(checks: pl.DataFrame) -> pl.DataFrame:
    """`hours.with_pause_ends` where no row's instant is in a pause: `_pause_until` null."""
    return checks.with_columns(pl.lit(None, dtype=UTC_TS).alias("_pause_until"))


def _null_rows(cache: OneCache, name: str, n: int) -> pl.DataFrame:
    """`n` null rows of the schema `cache.policy[name]`, made once per n."""
    if (name, n) not in cache.nulls:
        cache.nulls[(name, n)] = cache.policy[name].clear(n)
    return cache.nulls[(name, n)]


def refusals(checks: pl.DataFrame, state: PreDial, ledger: pl.DataFrame) -> pl.DataFrame:
    """`refusal.with_refusals` and `with_ends` for a few rows: which rule refuses each row is
    found over the rules that can refuse here (a cap or rest rule whose ledger columns are
    all null never refuses), then the refusal's fields are built from the refusing rules
    alone (the first refusing rule of a row is the first of those), its next time from
    those that can refuse. Turning the whole rule list's fields into a query costs
    milliseconds; these few rules, a fraction."""
    active = tuple(
        r
        for r in state.rules
        if not (
            isinstance(r, CapRule | RestRule)
            and all(checks.get_column(c).null_count() == checks.height for c in _ledger_columns(r))
        )
    )
    flags = checks.select(_blocked(active)).rows()
    refused_by = {next((i for i, f in enumerate(row) if f), None) for row in flags} - {None}
    if not refused_by:  # allowed: the refusal's columns, null
        nulls = _null_rows(cache_of(state), "no_refusal", checks.height)
        return checks.hstack(nulls.get_columns())
    refused = with_refusals(checks, tuple(r for i, r in enumerate(active) if i in refused_by))
    blocking = tuple(r for i, r in enumerate(active) if is_timed(r) and any(f[i] for f in flags))
    return with_ends(refused, active, ledger, state.presets, blocking)


@functools.lru_cache(maxsize=64)
def _blocked(rules: tuple[Rule, ...]) -> tuple[pl.Expr, ...]:
    """Whether each rule refuses a row (`refusal._compiled`'s first refusing rule is the
    first of them)."""
    return tuple(r.verdict().blocked.fill_null(False).alias(str(i)) for i, r in enumerate(rules))


def answer(state: PreDial, asked: pl.DataFrame) -> pl.DataFrame | None:
    """The rows `guard.guard` gives `predial.check` for one question (`asked`: one numbered
    question), with `allowed`; None when the guard cannot look at it (an unknown point, no
    open debt: the caller refuses those as `check` does)."""
    cache = cache_of(state)
    contact: str = asked.get_column("contact_id")[0]
    named: str | None = asked.get_column("account_id")[0]
    customer = customer_of(state, contact)
    if customer is None:
        return None
    point = _slice(state.points, "customer_id", customer).filter(pl.col("contact_id") == contact)
    if point.height == 0:
        return None
    if point.height > 1:
        raise NotOne(f"contact point '{contact}' is on {point.height} rows")
    _policy(state, cache)  # built once per state; `_checked_at` reads it
    if cache.prepared is not None:
        accounts = _slice(cache.prepared, "customer_id", customer)
    else:
        accounts = prepared_accounts(state, _slice(state.accounts, "customer_id", customer))
    if named is not None:
        accounts = accounts.filter(pl.col("account_id") == named)
    if accounts.height == 0:
        return None
    ledger = _slice(state.ledger, "customer_id", customer)
    at: datetime = asked.get_column("at")[0]
    beside = pl.concat(
        [
            point.drop("customer_id", "contact_id"),
            asked.drop("account_id"),
            _zone_row(state, cache, point),
        ],
        how="horizontal",
    )
    checked = _checked_at(state, accounts, beside, ledger, at)
    if checked.get_column("next_allowed_at").null_count() < checked.height:
        last = ledger.get_column("at").max()
        later = pl.lit(isinstance(last, datetime) and last >= at).alias("_later_events")

        def again(pending: pl.DataFrame) -> pl.DataFrame:
            """`settle`'s asking again: these accounts' rows at each candidate instant."""
            found = []
            for (instant,), group in pending.group_by("_next", maintain_order=True):
                index = group.get_column("_r")
                got = _checked_at(state, accounts[index], beside, ledger, instant)
                found.append(
                    got.select(index.gather(got.get_column("_r")), "rule", "next_allowed_at")
                )
            return pl.concat(found)

        checked = settle(checked.with_columns(later), again)
    allowed = pl.col("rule").is_null().alias("allowed")
    return _narrow_by_rests(checked, state.rules).select(
        *(allowed if c == "allowed" else pl.col(c) for c in ANSWER_COLUMNS)
    )


def _checked_at(
    state: PreDial, accounts: pl.DataFrame, beside: pl.DataFrame, ledger: pl.DataFrame, at: datetime
) -> pl.DataFrame:
    """`guard.checked_rows` of the question (`beside`: the point, the question and the
    point's zones) about `accounts`, asked at `at`."""
    cache = cache_of(state)
    policy = cache.policy
    contact: str = beside.get_column("contact_id")[0]
    customer: str = accounts.get_column("customer_id")[0]
    zones = beside.get_column("zones")[0]
    points = functools.partial(_slice, state.points, "customer_id", customer)
    unreachable, until = unreachable_one(points, state.reach, customer, ledger, at)
    instant = pl.lit(at, dtype=UTC_TS)
    day = (
        instant.dt.convert_time_zone(zones[0]).dt.date()
        if zones is not None and len(zones)
        else pl.lit(None, dtype=pl.Date)
    )
    # guard.guard's steps, on these few rows.
    checks = accounts.join(beside, how="cross").with_columns(
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("_r"),
        pl.lit(unreachable).alias("debtor_unreachable"),
        pl.lit(until, dtype=UTC_TS).alias("_reach_until"),
        day.alias("_day"),
        instant.alias("_as_of"),
        pl.lit(0, dtype=pl.UInt32).alias("_seq"),
        person(),
    )
    checks = with_day_rows(checks, cache, policy["overrides"])
    nulls = _null_rows(cache, "no_ledger", checks.height)
    checks = with_ledger_one(checks, ledger, policy, contact, nulls)
    checks = with_pause_ends(checks) if _may_pause(checks, at) else _no_pause(checks)
    refused = refusals(checks, state, ledger)
    searched = ("next_allowed_day", "_open_after")
    if all(refused.get_column(c).null_count() == refused.height for c in searched):
        return refused.drop(*searched)  # no next time to search: with_next_allowed's answer
    return with_next_allowed(refused, policy["overrides"])
