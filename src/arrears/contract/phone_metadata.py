"""The phone-number metadata that `phonenumbers` ships, read once per calling code into small
tables the vectorized checks of `phone_classify` use (see `phones` for the whole design)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import phonenumbers
import polars as pl
from phonenumbers import PhoneMetadata

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
