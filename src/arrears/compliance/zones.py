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

__all__ = ["contact_zone_sets", "contact_zone_sources", "country_zone_lists"]

_ZONES = pl.List(pl.String)


def _expr(value: pl.Expr | str) -> pl.Expr:
    return pl.col(value) if isinstance(value, str) else value


def _zone(value: pl.Expr | str) -> pl.Expr:
    """A zone column with blanks read as missing (CSV extracts write '' for unknown)."""
    text = _expr(value).cast(pl.String).str.strip_chars()
    return pl.when(text.str.len_bytes() > 0).then(text)


def _phone(value: pl.Expr | str) -> pl.Expr:
    return _expr(value).cast(_ZONES).fill_null(pl.lit([], dtype=_ZONES))


def country_zone_lists(countries: pl.Series) -> pl.Series:
    """``country_zones`` of each ISO 3166-1 code (List[String]; empty for unknown or null).

    Looked up once per distinct country, then gathered back to the rows.
    """
    text = countries.cast(pl.String)
    distinct = text.drop_nulls().unique().to_list()
    lists = pl.Series([list(country_zones(c)) for c in distinct], dtype=_ZONES)
    if not distinct:
        return pl.Series(text.name, dtype=_ZONES).extend_constant([], len(text))
    index = text.replace_strict(distinct, list(range(len(distinct))), return_dtype=pl.UInt32)
    return lists.gather(index).fill_null(pl.lit([], dtype=_ZONES)).alias(text.name)


def _union(
    contact_tz: pl.Expr | str, customer_tz: pl.Expr | str, phone_zone_list: pl.Expr | str
) -> pl.Expr:
    listed = pl.concat_list([_zone(contact_tz), _zone(customer_tz), _phone(phone_zone_list)])
    return (
        listed.list.eval(pl.element().filter(pl.element().str.len_bytes() > 0))
        .list.unique()
        .list.sort()
    )


def _fallback(country: pl.Expr | str) -> pl.Expr:
    return _expr(country).map_batches(country_zone_lists, return_dtype=_ZONES, is_elementwise=True)


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
    union = _union(contact_tz, customer_tz, phone_zone_list)
    return pl.when(union.list.len() > 0).then(union).otherwise(_fallback(country))


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
    used = pl.concat_str(
        [
            pl.when(_zone(contact_tz).is_not_null()).then(pl.lit("contact")),
            pl.when(_zone(customer_tz).is_not_null()).then(pl.lit("address")),
            pl.when(
                _phone(phone_zone_list)
                .list.eval(pl.element().filter(pl.element().str.len_bytes() > 0))
                .list.len()
                > 0
            ).then(pl.lit("phone")),
        ],
        separator=", ",
        ignore_nulls=True,
    )
    return (
        pl.when(used.str.len_bytes() > 0)
        .then(used)
        .when(_fallback(country).list.len() > 0)
        .then(pl.lit("country"))
        .otherwise(pl.lit("none"))
    )
