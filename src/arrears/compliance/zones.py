"""Which time zones a contact's calling hours must be checked in.

A debtor's local time is known from up to three sources that can disagree: the zone recorded on
the contact point, the zone of the customer's address, and the zones the phone number's prefix
maps to. We do not pick one: the contact is held to *all* of them (the union of zones, hence the
intersection of windows), because being wrong about where someone is must never let us call at
night. When no source says anything, the whole country's zones are used (the narrowest window in
the country); when even the country is unknown, the set is empty and the caller blocks.

The sets are sorted and de-duplicated so that equal sets compare equal and the window
computation runs once per distinct set.
"""

from __future__ import annotations

import polars as pl

from arrears.contract.phones import country_zones

__all__ = [
    "contact_zone_info",
    "contact_zone_sets",
    "contact_zone_sources",
    "country_zone_lists",
]

_ZONES = pl.List(pl.String)
_INFO = pl.Struct({"zones": _ZONES, "sources": pl.String})
# Separators for the per-row key; IANA zone names never contain control characters.
_FIELD, _ITEM = "\x1e", "\x1f"


def _expr(value: pl.Expr | str) -> pl.Expr:
    return pl.col(value) if isinstance(value, str) else value


def _zone(value: pl.Expr | str) -> pl.Expr:
    """A zone column with blanks read as missing (CSV extracts write '' for unknown)."""
    text = _expr(value).cast(pl.String).str.strip_chars()
    return pl.when(text.str.len_bytes() > 0).then(text)


def country_zone_lists(countries: pl.Series) -> pl.Series:
    """``country_zones`` of each ISO 3166-1 code (List[String]; empty for unknown or null).

    Looked up once per distinct country, then gathered back to the rows.
    """
    text = countries.cast(pl.String)
    distinct = text.drop_nulls().unique().to_list()
    if not distinct:
        return pl.Series(text.name, dtype=_ZONES).extend_constant([], len(text))
    lists = pl.Series([list(country_zones(c)) for c in distinct], dtype=_ZONES)
    index = text.replace_strict(distinct, list(range(len(distinct))), return_dtype=pl.UInt32)
    return lists.gather(index).fill_null(pl.lit([], dtype=_ZONES)).alias(text.name)


def _answer(key: str) -> tuple[list[str], str]:
    """Zone set and sources for one distinct combination of the four inputs."""
    contact, address, phone, country = key.split(_FIELD)
    phone_zones = [z for z in phone.split(_ITEM) if z]
    zones = sorted({z for z in (contact, address, *phone_zones) if z})
    if zones:
        used = [("contact", contact), ("address", address), ("phone", phone_zones)]
        return zones, ", ".join(label for label, present in used if present)
    fallback = list(country_zones(country)) if country else []
    return fallback, ("country" if fallback else "none")


def _resolve(batch: pl.Series) -> pl.Series:
    """Per distinct (contact zone, address zone, phone zones, country): Python once, then gather.

    Column-wise list operations (concat, unique, sort) over millions of tiny lists are far
    slower than hashing one string key per row and answering each distinct key once.
    """
    frame = batch.struct.unnest()
    key = frame.select(
        pl.concat_str(
            [
                _zone("contact").fill_null(""),
                _zone("address").fill_null(""),
                pl.col("phone").cast(_ZONES).list.join(_ITEM, ignore_nulls=True).fill_null(""),
                pl.col("country").cast(pl.String).str.strip_chars().fill_null(""),
            ],
            separator=_FIELD,
        )
    ).to_series()
    distinct = key.unique().to_list()
    answers = [_answer(k) for k in distinct]
    if not distinct:
        return pl.Series(batch.name, dtype=_INFO)
    index = key.replace_strict(distinct, list(range(len(distinct))), return_dtype=pl.UInt32)
    zones = pl.Series("zones", [a[0] for a in answers], dtype=_ZONES).gather(index)
    sources = pl.Series("sources", [a[1] for a in answers], dtype=pl.String).gather(index)
    return pl.DataFrame([zones, sources]).to_struct(batch.name)


def contact_zone_info(
    contact_tz: pl.Expr | str,
    customer_tz: pl.Expr | str,
    phone_zone_list: pl.Expr | str,
    country: pl.Expr | str,
) -> pl.Expr:
    """A struct of ``zones`` and ``sources``: both answers, the inputs resolved once.

    See :func:`contact_zone_sets` and :func:`contact_zone_sources`; prefer this when a plan
    needs both (each of those resolves the inputs again).
    """
    inputs = pl.struct(
        _expr(contact_tz).cast(pl.String).alias("contact"),
        _expr(customer_tz).cast(pl.String).alias("address"),
        _expr(phone_zone_list).cast(_ZONES).alias("phone"),
        _expr(country).cast(pl.String).alias("country"),
    )
    return inputs.map_batches(_resolve, return_dtype=_INFO, is_elementwise=True)


def contact_zone_sets(
    contact_tz: pl.Expr | str,
    customer_tz: pl.Expr | str,
    phone_zone_list: pl.Expr | str,
    country: pl.Expr | str,
) -> pl.Expr:
    """The sorted, de-duplicated candidate zones of each contact (List[String]).

    The union of the contact's ``timezone``, the customer's address ``timezone`` and the
    number's zones (``phone_zones``); when that is empty, the zones of the customer's
    ``country`` (fail closed: the narrowest window in the country); when the country is unknown
    too, an empty list, which gives no window, so the caller blocks.
    """
    info = contact_zone_info(contact_tz, customer_tz, phone_zone_list, country)
    return info.struct.field("zones")


def contact_zone_sources(
    contact_tz: pl.Expr | str,
    customer_tz: pl.Expr | str,
    phone_zone_list: pl.Expr | str,
    country: pl.Expr | str,
) -> pl.Expr:
    """Which sources :func:`contact_zone_sets` used, for the plan's explanations.

    ``"contact, address, phone"`` (the sources that had a zone, in that order), ``"country"``
    when it fell back to the country's zones, ``"none"`` when nothing was known.
    """
    info = contact_zone_info(contact_tz, customer_tz, phone_zone_list, country)
    return info.struct.field("sources")
