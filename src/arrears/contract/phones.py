"""Phone numbers and time zones of the contact tables, checked over whole columns.

The contract says a phone contact's ``value`` is an E.164 number and a ``timezone`` is an IANA
zone. Both checks run on every contact of every run, so they are written once, vectorized, on top
of the metadata that ``phonenumbers`` ships (the same data ``is_valid_number`` and
``time_zones_for_number`` read): Python runs once per calling code present, never per row. The
one exception is the national-prefix *transform* rules of seven calling codes (AR, BR, JP, GA,
MG, SM, NF), not replicated column-wise: values of those codes that start with such a prefix
(rare: a trunk prefix written after the country code) are asked of ``phonenumbers`` once per
distinct value. All metadata patterns compile as Rust regular expressions (a test checks it).

A value is valid when ``phonenumbers.is_valid_number(phonenumbers.parse(value))`` holds **and**
the value is already the number's canonical E.164 form. ``phonenumbers.parse`` silently drops a
national prefix or carrier code written after the country code (``+4407911123456`` parses as
``+447911123456``); such a value is not E.164 and would be dialled as written, so it is rejected
with the canonical form in the message instead of being accepted.
"""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Iterable

import phonenumbers
import polars as pl
from phonenumbers import PhoneNumber
from phonenumbers.tzdata import TIMEZONE_DATA

from arrears.contract.phone_classify import (
    _analyse,
    _country_level,
    _errors,
    _zone_lists,
)
from arrears.contract.phone_metadata import _UNKNOWN_ZONE, _calling_code

__all__ = [
    "country_zones",
    "phone_checks",
    "phone_errors",
    "phone_zones",
    "timezone_errors",
    "valid_timezones",
]


def phone_checks(values: pl.Series) -> pl.DataFrame:
    """``error`` and ``zones`` for each value, from one pass over the column.

    The loader needs both for the same contacts; analysing once saves most of the work.
    """
    analysed = _analyse(values, with_zones=True)
    errors = analysed.select(error=_errors()).get_column("error")
    return pl.DataFrame([errors, _zone_lists(analysed).alias("zones")])


def phone_errors(values: pl.Series) -> pl.Series:
    """Why each value is not a usable E.164 phone number; null where it is.

    Null in, null out: whether a phone value may be missing is the loader's (required-column)
    rule, not this one's. Agrees with ``phonenumbers.is_valid_number(phonenumbers.parse(v))``
    on every value already in canonical E.164 form, and rejects values that ``parse`` would
    first rewrite (a national prefix kept after the country code), naming the canonical form.
    """
    analysed = _analyse(values, with_zones=False)
    return analysed.select(_errors().alias(values.name)).to_series()


def phone_zones(values: pl.Series) -> pl.Series:
    """Candidate IANA zones of each number (List[String]); empty where unknown or invalid.

    The same answer as ``phonenumbers.timezone.time_zones_for_number`` (prefix zones for
    geographical numbers, the calling code's zones for the others), sorted, without its
    ``Etc/Unknown`` placeholder: an empty list is what makes the caller fail closed.
    """
    return _zone_lists(_analyse(values, with_zones=True)).alias(values.name)


def _completions(prefix: str, length: int) -> Iterable[str]:
    """A few national numbers of ``length`` digits starting with ``prefix``."""
    need = length - len(prefix)
    if need < 0:
        return
    if need == 0:
        yield prefix
        return
    seen: set[str] = set()
    for fill in ("2", "5", "1", "0", "3", "4", "6", "7", "8", "9", "2345678901", "5550123456"):
        candidate = prefix + (fill * need)[:need]
        if candidate not in seen:
            seen.add(candidate)
            yield candidate


def _number(code: int, nsn: str) -> PhoneNumber:
    number = PhoneNumber(country_code=code, national_number=int(nsn))
    zeros = len(nsn) - len(nsn.lstrip("0"))
    if zeros and len(nsn) > 1:
        number.italian_leading_zero = True
        number.number_of_leading_zeros = min(zeros, len(nsn) - 1)
    return number


@functools.cache
def _prefix_regions(code: int) -> dict[str, str]:
    """Region of each time-zone prefix of a shared calling code, where one can be found.

    A prefix belongs to the region of the first valid number found among a few completions of
    it (the metadata has no direct prefix → region table). Prefixes with no valid completion
    are left out.
    """
    text = str(code)
    lengths = sorted(
        {n for r in _calling_code(code).regions for n in (r.general.lengths if r.general else ())}
    )
    found: dict[str, str] = {}
    for prefix in TIMEZONE_DATA:
        if not prefix.startswith(text) or len(prefix) == len(text):
            continue
        national = prefix[len(text) :]
        for length in lengths:
            region = next(
                (
                    phonenumbers.region_code_for_number(num)
                    for nsn in _completions(national, length)
                    if phonenumbers.is_valid_number(num := _number(code, nsn))
                ),
                None,
            )
            if region is not None:
                found[prefix] = region
                break
    return found


@functools.cache
def country_zones(country: str) -> tuple[str, ...]:
    """Every zone a country's phone numbers can map to, sorted; () for an unknown country.

    Used to fail closed when nothing better is known about a debtor: the window computed for
    all of them is the narrowest one in the country. For a calling code shared by several
    countries (+1, +44, +7 …) only the prefixes that belong to ``country`` count, so that a US
    debtor is not held to Guam's or Newfoundland's clock.
    """
    region = country.strip().upper()
    code = phonenumbers.country_code_for_region(region)
    if not code:
        return ()
    text = str(code)
    zones: set[str] = set()
    if len(phonenumbers.COUNTRY_CODE_TO_REGION_CODE[code]) == 1:
        for prefix, found in TIMEZONE_DATA.items():
            if prefix.startswith(text):
                zones.update(found)
    else:
        for prefix, owner in _prefix_regions(code).items():
            if owner == region:
                zones.update(TIMEZONE_DATA[prefix])
        if not zones:
            zones.update(_country_level(text))
    zones.discard(_UNKNOWN_ZONE)
    return tuple(sorted(zones))


@functools.cache
def valid_timezones() -> frozenset[str]:
    """The IANA zones this machine's zoneinfo can load (cached: the set does not change)."""
    return frozenset(zoneinfo.available_timezones())


def timezone_errors(values: pl.Series) -> pl.Series:
    """``unknown time zone 'X'`` where a value is not a loadable IANA zone; null otherwise.

    Null and empty values are not errors: the timezone columns are optional, and a missing
    zone is handled by falling back to the other sources (fail closed), not by rejecting.
    """
    text = values.cast(pl.String)
    known = list(valid_timezones())
    ok = text.is_null() | (text == "") | text.is_in(known)
    return (
        pl.DataFrame({"v": text, "ok": ok})
        .select(
            pl.when(pl.col("ok"))
            .then(None)
            .otherwise(pl.format("unknown time zone '{}'", pl.col("v")))
            .alias(values.name)
        )
        .to_series()
    )
