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
from dataclasses import dataclass

import phonenumbers
import polars as pl
from phonenumbers import PhoneMetadata, PhoneNumber, PhoneNumberFormat
from phonenumbers.tzdata import TIMEZONE_DATA, TIMEZONE_LONGEST_PREFIX

__all__ = [
    "country_zones",
    "phone_checks",
    "phone_errors",
    "phone_zones",
    "timezone_errors",
    "valid_timezones",
]

NOT_E164 = "not E.164 (expected +<country code><number>)"

# What ``time_zones_for_number`` returns when it knows nothing; we return an empty list instead,
# so that "unknown" can never be mistaken for a zone by the window computation.
_UNKNOWN_ZONE = "Etc/Unknown"

# The number types ``phonenumberutil._number_type_helper`` tests after the general description.
# Those in _NON_GEO_TYPES are tested first and, when they match, make the number
# non-geographical (its zones are the calling code's, not the prefix's).
_NON_GEO_TYPES = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
)

# Status codes of one analysed value (internal).
_S_NOT_E164 = 0
_S_UNKNOWN_CC = 1
_S_INVALID = 2
_S_NOT_CANONICAL = 3
_S_GEO = 4
_S_NON_GEO = 5

_LIST_STR = pl.List(pl.String)


# --------------------------------------------------------------------------------------------
# Metadata, reshaped for column-wise matching
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Desc:
    """A number description: a full-match pattern and the lengths it may have (empty = any)."""

    pattern: str
    lengths: tuple[int, ...]


@dataclass(frozen=True)
class _Region:
    """What decides, for one region, whether a national number is valid and geographical."""

    code: str
    leading_digits: str | None
    general: _Desc | None
    other: tuple[_Desc, ...]  # the non-geographical types
    fixed_line: _Desc | None
    mobile: _Desc | None  # None when the metadata says "same as fixed line" (never tested)


@dataclass(frozen=True)
class _CallingCode:
    """One country calling code: its regions in ``phonenumbers``' resolution order."""

    code: int
    regions: tuple[_Region, ...]
    geo_mobile: bool
    # The main region's national_prefix_for_parsing, which ``parse`` strips after the code.
    national_prefix: str | None
    # True when that prefix comes with a transform rule we do not replicate column-wise.
    prefix_transformed: bool
    main_general_pattern: str | None
    main_lengths: tuple[int, ...]
    main_local_lengths: tuple[int, ...]


def _desc(raw: object) -> _Desc | None:
    pattern = getattr(raw, "national_number_pattern", None)
    if not pattern:
        return None
    lengths = tuple(getattr(raw, "possible_length", ()) or ())
    if lengths == (-1,):  # the metadata's way to say "no numbers of this type"
        return None
    return _Desc(pattern=pattern, lengths=lengths)


def _metadata(code: int, region: str) -> PhoneMetadata | None:
    if region == phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY:
        return PhoneMetadata.metadata_for_nongeo_region(code, None)
    return PhoneMetadata.metadata_for_region(region, None)


@functools.cache
def _calling_code(code: int) -> _CallingCode:
    regions: list[_Region] = []
    for region in phonenumbers.COUNTRY_CODE_TO_REGION_CODE[code]:
        meta = _metadata(code, region)
        if meta is None:  # phonenumbers skips these too
            continue
        other = tuple(d for d in (_desc(getattr(meta, t)) for t in _NON_GEO_TYPES) if d)
        regions.append(
            _Region(
                code=region,
                leading_digits=meta.leading_digits or None,
                general=_desc(meta.general_desc),
                other=other,
                fixed_line=_desc(meta.fixed_line),
                mobile=None if meta.same_mobile_and_fixed_line_pattern else _desc(meta.mobile),
            )
        )
    main = _metadata(code, phonenumbers.region_code_for_country_code(code))
    prefix = main.national_prefix_for_parsing if main is not None else None
    general = main.general_desc if main is not None else None
    return _CallingCode(
        code=code,
        regions=tuple(regions),
        geo_mobile=code in _geo_mobile_codes(),
        national_prefix=prefix or None,
        prefix_transformed=bool(main is not None and main.national_prefix_transform_rule),
        main_general_pattern=getattr(general, "national_number_pattern", None) or None,
        main_lengths=tuple(getattr(general, "possible_length", ()) or ()),
        main_local_lengths=tuple(getattr(general, "possible_length_local_only", ()) or ()),
    )


@functools.cache
def _geo_mobile_codes() -> frozenset[int]:
    """Calling codes whose mobiles are geo-located by prefix (CN, MX, BR, …)."""
    from phonenumbers import phonenumberutil

    return frozenset(phonenumberutil._GEO_MOBILE_COUNTRIES)


# --------------------------------------------------------------------------------------------
# Column-wise matching
# --------------------------------------------------------------------------------------------


def _full(pattern: str) -> str:
    return f"^(?:{pattern})$"


def _matches(descs: Iterable[_Desc], nsn: pl.Expr, length: pl.Expr) -> pl.Expr:
    """True where the number fully matches any of ``descs`` (honouring each one's lengths).

    Descriptions that share their lengths are merged into one alternation, so a region costs a
    handful of regex passes instead of one per number type.
    """
    by_lengths: dict[tuple[int, ...], list[str]] = {}
    for d in descs:
        by_lengths.setdefault(d.lengths, []).append(d.pattern)
    expr: pl.Expr = pl.lit(False)
    for lengths, patterns in by_lengths.items():
        test = nsn.str.contains(_full("|".join(f"(?:{p})" for p in patterns)))
        if lengths:
            test = length.is_in(list(lengths)) & test
        expr = expr | test
    return expr


def _with_kind(frame: pl.DataFrame, region: _Region, geo_mobile: bool) -> pl.DataFrame:
    """Add ``kind``: 0 invalid for the region, 1 valid and geographical, 2 valid, other.

    Mirrors ``_number_type_helper`` + ``is_number_type_geographical``: the general description
    must match; any non-geographical type wins; then fixed line (geographical), then mobile
    (geographical only for the calling codes that geo-locate mobiles). Each match is computed
    once into a column, then combined.
    """
    nsn, n = pl.col("nsn"), pl.col("n")
    if region.general is None:
        return frame.with_columns(kind=pl.lit(0, dtype=pl.UInt8))
    flagged = frame.with_columns(
        _g=_matches([region.general], nsn, n),
        _o=_matches(region.other, nsn, n),
        _f=_matches([region.fixed_line] if region.fixed_line else [], nsn, n),
        _m=_matches([region.mobile] if region.mobile else [], nsn, n),
    )
    other, fixed, mobile = pl.col("_o"), pl.col("_f"), pl.col("_m")
    geo = fixed | mobile if geo_mobile else fixed
    kind = (
        pl.when(~(pl.col("_g") & (other | fixed | mobile)))
        .then(pl.lit(0, dtype=pl.UInt8))
        .when(~other & geo)
        .then(pl.lit(1, dtype=pl.UInt8))
        .otherwise(pl.lit(2, dtype=pl.UInt8))
    )
    return flagged.with_columns(kind=kind).drop("_g", "_o", "_f", "_m")


def _resolve_regions(part: pl.DataFrame, code: _CallingCode) -> pl.DataFrame:
    """Add ``kind`` (0 invalid, 1 geographical, 2 other valid) for the national numbers ``nsn``.

    Follows ``region_code_for_number``: the first region (in metadata order) whose leading
    digits match, or — for regions without leading digits — that validates the number, decides;
    the number is then valid only if valid for that region. Rows settled by one region are set
    aside, so the regions behind the main one only see the rest; a run of regions with leading
    digits is resolved in one pass.
    """
    remaining = part.with_columns(n=pl.col("nsn").str.len_bytes())
    done: list[pl.DataFrame] = []
    regions = code.regions
    if len(regions) == 1:
        return _with_kind(remaining, regions[0], code.geo_mobile).drop("n")
    k = 0
    while k < len(regions) and not remaining.is_empty():
        if regions[k].leading_digits is None:
            flagged = _with_kind(remaining, regions[k], code.geo_mobile)
            done.append(flagged.filter(pl.col("kind") > 0))
            remaining = flagged.filter(pl.col("kind") == 0).drop("kind")
            k += 1
            continue
        run: list[_Region] = []
        while k < len(regions) and regions[k].leading_digits is not None:
            run.append(regions[k])
            k += 1
        which: pl.Expr = pl.lit(None, dtype=pl.UInt32)
        for j, region in reversed(list(enumerate(run))):
            ld = pl.col("nsn").str.contains(f"^(?:{region.leading_digits})")
            which = pl.when(ld).then(pl.lit(j, dtype=pl.UInt32)).otherwise(which)
        flagged = remaining.with_columns(_r=which)
        hits = flagged.filter(pl.col("_r").is_not_null())
        remaining = flagged.filter(pl.col("_r").is_null()).drop("_r")
        for (j,), group in hits.partition_by("_r", as_dict=True).items():
            done.append(_with_kind(group.drop("_r"), run[int(str(j))], code.geo_mobile))
    done.append(remaining.with_columns(kind=pl.lit(0, dtype=pl.UInt8)))
    return pl.concat(done).drop("n")


def _strip_national_prefix(part: pl.DataFrame, code: _CallingCode) -> pl.DataFrame:
    """Replace ``nsn`` by the national number ``phonenumbers.parse`` would keep; add ``stripped``.

    ``parse`` removes the main region's national prefix (or carrier code) written after the
    country code when what is left is still a plausible number
    (``_maybe_strip_national_prefix_carrier_code`` + ``_test_number_length``). Replicated here
    column-wise for the rows that start with such a prefix; all other rows are untouched.
    """
    nsn = pl.col("nsn")
    if code.national_prefix is None:
        return part.with_columns(stripped=pl.lit(False))
    flagged = part.with_columns(_p=nsn.str.contains(f"^(?:{code.national_prefix})"))
    plain = flagged.filter(~pl.col("_p")).drop("_p").with_columns(stripped=pl.lit(False))
    prefixed = flagged.filter(pl.col("_p")).drop("_p")
    if prefixed.is_empty():
        return plain
    rest = pl.col("_rest")
    general = code.main_general_pattern
    viable_orig = nsn.str.contains(_full(general)) if general else pl.lit(False)
    viable_rest = rest.str.contains(_full(general)) if general else pl.lit(False)
    n = rest.str.len_bytes()
    lengths = [x for x in code.main_lengths if x > 0]
    length_ok = (n.is_in(lengths) | (n > max(lengths))) if lengths else pl.lit(False)
    if code.main_local_lengths:
        length_ok = length_ok & ~n.is_in(list(code.main_local_lengths))
    use = ~(viable_orig & ~viable_rest) & length_ok & (rest != nsn)
    prefixed = (
        prefixed.with_columns(_rest=nsn.str.replace(f"^(?:{code.national_prefix})", ""))
        .with_columns(stripped=use)
        .with_columns(nsn=pl.when(pl.col("stripped")).then(rest).otherwise(nsn))
        .drop("_rest")
    )
    return pl.concat([plain, prefixed])


def _scalar_status(value: str) -> tuple[int, str | None]:
    """The exact ``phonenumbers`` verdict on one value (for the few rows we cannot vectorize)."""
    try:
        number = phonenumbers.parse(value)
    except phonenumbers.NumberParseException:
        return _S_INVALID, None
    if not phonenumbers.is_valid_number(number):
        return _S_INVALID, None
    canonical = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    if canonical != value:
        return _S_NOT_CANONICAL, canonical
    kind = phonenumbers.number_type(number)
    geo = phonenumbers.is_number_type_geographical(kind, number.country_code or 0)
    return (_S_GEO if geo else _S_NON_GEO), None


def _classify_code(part: pl.DataFrame, code: _CallingCode, with_zones: bool) -> pl.DataFrame:
    """``i``, ``status``, ``suggestion``, ``zid`` for the rows (``i``, ``v``, ``nsn``) of a code."""
    frames: list[pl.DataFrame] = []
    if code.prefix_transformed and code.national_prefix is not None:
        # A transform rule rewrites the prefix (e.g. AR 0 11 15 → 11 9); rare, so exact
        # phonenumbers per distinct value, for the rows that start with such a prefix only.
        flagged = part.with_columns(_p=pl.col("nsn").str.contains(f"^(?:{code.national_prefix})"))
        odd = flagged.filter(pl.col("_p")).drop("_p")
        part = flagged.filter(~pl.col("_p")).drop("_p").with_columns(stripped=pl.lit(False))
        if not odd.is_empty():
            verdicts = {v: _scalar_status(v) for v in odd.get_column("v").unique().to_list()}
            keys = list(verdicts)
            frames.append(
                odd.with_columns(
                    status=pl.col("v").replace_strict(
                        keys, [verdicts[k][0] for k in keys], return_dtype=pl.UInt8
                    ),
                    suggestion=pl.col("v").replace_strict(
                        keys, [verdicts[k][1] for k in keys], return_dtype=pl.String
                    ),
                )
            )
    else:
        part = _strip_national_prefix(part, code)
    if not part.is_empty():
        kind, stripped = pl.col("kind"), pl.col("stripped")
        frames.append(
            _resolve_regions(part, code).with_columns(
                status=pl.when(kind == 0)
                .then(pl.lit(_S_INVALID, dtype=pl.UInt8))
                .when(stripped)
                .then(pl.lit(_S_NOT_CANONICAL, dtype=pl.UInt8))
                .when(kind == 1)
                .then(pl.lit(_S_GEO, dtype=pl.UInt8))
                .otherwise(pl.lit(_S_NON_GEO, dtype=pl.UInt8)),
                suggestion=pl.when((kind > 0) & stripped).then(
                    pl.concat_str(pl.lit(f"+{code.code}"), pl.col("nsn"))
                ),
            )
        )
    out = pl.concat(frames, how="diagonal").select("i", "nsn", "status", "suggestion")
    if with_zones:
        out = out.with_columns(zid=_zone_id(code))
    return out.drop("nsn")


def _zone_id(code: _CallingCode) -> pl.Expr:
    """Zone-set id: longest time-zone prefix for geographical numbers, else the code's zones."""
    tables = _zone_tables()
    text = str(code.code)
    nsn = pl.col("nsn")
    lookups = [
        nsn.str.slice(0, n - len(text)).replace_strict(keys, ids, default=None)
        for n, keys, ids in tables.by_code.get(text, ())
    ]
    by_prefix = pl.coalesce(lookups) if lookups else pl.lit(None, dtype=pl.UInt32)
    level = tables.country_level.get(text)
    return (
        pl.when(pl.col("status") == _S_GEO)
        .then(by_prefix.cast(pl.UInt32))
        .when(pl.col("status") == _S_NON_GEO)
        .then(pl.lit(level, dtype=pl.UInt32))
    )


@functools.cache
def _code_table() -> tuple[list[str], list[str]]:
    """Every string of up to three digits that starts with (or is) a calling code → that code.

    E.164 codes are prefix-free, so the first three digits name the code unambiguously; one
    hash lookup per row instead of three membership tests.
    """
    codes = {str(c) for c in phonenumbers.COUNTRY_CODE_TO_REGION_CODE}
    keys: list[str] = []
    values: list[str] = []
    for width in (1, 2, 3):
        for number in range(10**width):
            key = str(number).zfill(width)
            owner = next((key[:w] for w in (1, 2, 3) if key[:w] in codes), None)
            if owner is not None:
                keys.append(key)
                values.append(owner)
    return keys, values


def _analyse(values: pl.Series, *, with_zones: bool) -> pl.DataFrame:
    """One row per value, in order: ``digits``, ``cc``, ``status`` (+ ``zid``), ``suggestion``."""
    keys, owners = _code_table()
    size = len(values)
    df = pl.DataFrame({"v": values.cast(pl.String)}).with_row_index("i")
    df = df.with_columns(shape=pl.col("v").str.contains(r"^\+[0-9]+$")).with_columns(
        cc=pl.when(pl.col("shape")).then(
            pl.col("v").str.slice(1, 3).replace_strict(keys, owners, default=None)
        )
    )
    pending = df.filter(pl.col("cc").is_not_null()).select(
        "i", "v", "cc", nsn=pl.col("v").str.slice(pl.col("cc").str.len_bytes() + 1)
    )
    status = pl.Series("status", dtype=pl.UInt8).extend_constant(None, size)
    suggestion = pl.Series("suggestion", dtype=pl.String).extend_constant(None, size)
    zid = pl.Series("zid", dtype=pl.UInt32).extend_constant(None, size)
    for (key,), part in pending.partition_by("cc", as_dict=True).items():
        done = _classify_code(part.drop("cc"), _calling_code(int(str(key))), with_zones)
        index = done.get_column("i")
        status.scatter(index, done.get_column("status"))
        odd = done.filter(pl.col("suggestion").is_not_null())
        if not odd.is_empty():
            suggestion.scatter(odd.get_column("i"), odd.get_column("suggestion"))
        if with_zones:
            zid.scatter(index, done.get_column("zid"))
    shape, cc = pl.col("shape"), pl.col("cc")
    return df.select(
        digits=pl.col("v").str.slice(1),
        cc=cc,
        status=pl.when(pl.col("v").is_null())
        .then(None)
        .when(~shape)
        .then(pl.lit(_S_NOT_E164, dtype=pl.UInt8))
        .when(cc.is_null())
        .then(pl.lit(_S_UNKNOWN_CC, dtype=pl.UInt8))
        .otherwise(pl.lit(status)),
        suggestion=pl.lit(suggestion),
        zid=pl.lit(zid),
    )


def _errors() -> pl.Expr:
    status = pl.col("status")
    return (
        pl.when(status == _S_NOT_E164)
        .then(pl.lit(NOT_E164))
        .when(status == _S_UNKNOWN_CC)
        .then(
            pl.concat_str(
                pl.lit("unknown country calling code +"), pl.col("digits").str.slice(0, 3)
            )
        )
        .when(status == _S_INVALID)
        .then(pl.concat_str(pl.lit("not a valid number for +"), pl.col("cc")))
        .when(status == _S_NOT_CANONICAL)
        .then(
            pl.concat_str(
                pl.lit("not E.164: national prefix or carrier code after +"),
                pl.col("cc"),
                pl.lit(" (did you mean "),
                pl.col("suggestion"),
                pl.lit("?)"),
            )
        )
    )


# --------------------------------------------------------------------------------------------
# Time zones of numbers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ZoneTables:
    """TIMEZONE_DATA reshaped: one id per distinct zone tuple, prefixes by code and length."""

    lists: pl.Series  # List[String], indexed by id
    # calling code → ((prefix length, national parts of the prefixes, ids), …), longest first
    by_code: dict[str, tuple[tuple[int, list[str], list[int]], ...]]
    country_level: dict[str, int]  # calling code → id


@functools.cache
def _zone_tables() -> _ZoneTables:
    ids: dict[tuple[str, ...], int] = {}
    grouped: dict[str, dict[int, tuple[list[str], list[int]]]] = {}
    codes = [str(c) for c in phonenumbers.COUNTRY_CODE_TO_REGION_CODE]
    for prefix, zones in TIMEZONE_DATA.items():
        clean = tuple(sorted(z for z in zones if z != _UNKNOWN_ZONE))
        code = next((c for c in codes if prefix.startswith(c)), None)
        if not clean or code is None:
            continue
        zid = ids.setdefault(clean, len(ids))
        keys, values = grouped.setdefault(code, {}).setdefault(len(prefix), ([], []))
        keys.append(prefix[len(code) :])
        values.append(zid)
    country_level: dict[str, int] = {}
    for code in codes:
        zones = _country_level(code)
        if zones:
            country_level[code] = ids.setdefault(tuple(sorted(zones)), len(ids))
    by_code = {
        code: tuple((n, *lengths[n]) for n in sorted(lengths, reverse=True))
        for code, lengths in grouped.items()
    }
    lists = pl.Series("zones", [list(z) for z in ids], dtype=_LIST_STR)
    return _ZoneTables(lists=lists, by_code=by_code, country_level=country_level)


def _country_level(code: str) -> tuple[str, ...]:
    """``timezone._country_level_time_zones_for_number``, quirks included.

    It looks up ``code[:1 + k]`` for k = longest … 1, so a three-digit code falls back to its
    first two digits; the result is used for valid numbers that are not geographical
    (toll-free, non-geo-located mobiles, …).
    """
    for k in range(TIMEZONE_LONGEST_PREFIX, 0, -1):
        zones = TIMEZONE_DATA.get(code[: 1 + k])
        if zones is not None:
            return tuple(z for z in zones if z != _UNKNOWN_ZONE)
    return ()


def _zone_lists(analysed: pl.DataFrame) -> pl.Series:
    empty = pl.lit([], dtype=_LIST_STR)
    return _zone_tables().lists.gather(analysed.get_column("zid")).fill_null(empty)


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


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
