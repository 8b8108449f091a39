"""Phone numbers classified over whole columns: valid, canonical E.164, geographic or not,
and their zone ids — Python once per calling code present, never per row (see `phones`)."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

import phonenumbers
import polars as pl
from phonenumbers import PhoneNumberFormat
from phonenumbers.tzdata import TIMEZONE_DATA, TIMEZONE_LONGEST_PREFIX

from arrears.contract.phone_metadata import (
    _LIST_STR,
    _S_GEO,
    _S_INVALID,
    _S_NON_GEO,
    _S_NOT_CANONICAL,
    _S_NOT_E164,
    _S_UNKNOWN_CC,
    _UNKNOWN_ZONE,
    NOT_E164,
    _calling_code,
    _CallingCode,
    _Desc,
    _Region,
)


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
