"""Customers: who the debtors are, where they live, which zone and language they use.

The customer's region fixes the address time zone (IANA) that the planner uses for calling
hours; the phones (see `phones.py`) are drawn from the same region except for customers who
moved, which is the case the planner's per-number zone logic must cope with.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from arrears.generate._common import by_country, gather, ids, to_contract
from arrears.generate.geo import (
    CN_ROADS,
    COUNTRIES,
    GB_STREETS,
    LANGUAGES,
    MIXED_SHARES,
    US_STREETS,
    US_SUFFIXES,
    ZONES,
    RegionTable,
    region_table,
)
from arrears.generate.names import names_and_handles

COUNTRY_MODES: tuple[str, ...] = ("CN", "US", "GB", "mixed")
POSTCODE_UNITS = "ABDEFGHJLNPQRSTUWXYZ"  # letters used in the inward part of GB postcodes


@dataclass
class People:
    """Customer-level arrays the later stages index into (row i = customer i)."""

    customer_id: pl.Series
    country: np.ndarray  # index into COUNTRIES
    region: np.ndarray  # global index into RegionTable.regions
    zone: np.ndarray  # index into ZONES
    email_local: pl.Series
    email_domain: pl.Series
    address: pl.Series
    regions: RegionTable
    table: pl.DataFrame

    @property
    def size(self) -> int:
        return int(self.country.size)


def draw_countries(rng: np.random.Generator, n: int, mode: str) -> np.ndarray:
    """Country index per customer: one country, or the 60/25/15 CN/US/GB mix for `mixed`."""
    if mode not in COUNTRY_MODES:
        raise ValueError(f"country must be one of {', '.join(COUNTRY_MODES)}, not {mode!r}")
    if mode == "mixed":
        cdf = np.cumsum(MIXED_SHARES)
        return np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), 2).astype(np.int8)
    return np.full(n, COUNTRIES.index(mode), dtype=np.int8)


def draw_regions(rng: np.random.Generator, country: np.ndarray, table: RegionTable) -> np.ndarray:
    """Global region index per customer, weighted by each country's population shares."""
    u = rng.random(country.size)
    region = np.zeros(country.size, dtype=np.int64)
    for c in range(len(COUNTRIES)):
        sel = country == c
        local = np.searchsorted(table.cdf[c], u[sel], side="right")
        region[sel] = table.start[c] + np.minimum(local, table.count[c] - 1)
    return region


def addresses(
    rng: np.random.Generator, country: np.ndarray, region: np.ndarray, table: RegionTable
) -> pl.Series:
    """One postal address per customer, formatted the way each country writes them."""
    n = country.size
    regs = table.regions
    house = rng.integers(1, 400, n)
    road = rng.integers(0, 1000, n)
    building = rng.integers(1, 30, n)
    flat = rng.integers(1, 33, n) * 100 + rng.integers(1, 9, n)
    zip_lo = np.array([r.zip_lo for r in regs])[region]
    zip_hi = np.array([r.zip_hi for r in regs])[region]
    zips = (zip_lo + rng.random(n) * (zip_hi - zip_lo + 1)).astype(np.int64)
    district = rng.integers(1, 21, n)
    sector = rng.integers(1, 10, n)
    unit = rng.integers(0, len(POSTCODE_UNITS) ** 2, n)
    prov = [r.province for r in regs]
    town = [r.town for r in regs]
    s = pl.col

    def chinese(i: np.ndarray) -> pl.DataFrame:
        f = pl.DataFrame(
            {
                "prov": gather(prov, region[i]),
                "town": gather(town, region[i]),
                "road": gather(CN_ROADS, road[i] % len(CN_ROADS)),
                "house": house[i],
                "building": building[i],
                "flat": flat[i],
            }
        )
        return f.select(
            address=pl.concat_str(
                "prov", "town", "road", s("house").cast(pl.String), pl.lit("号"),
                s("building").cast(pl.String), pl.lit("栋"), s("flat").cast(pl.String),
                pl.lit("室"),
            )
        )  # fmt: skip

    def american(i: np.ndarray) -> pl.DataFrame:
        f = pl.DataFrame(
            {
                "house": house[i],
                "street": gather(US_STREETS, road[i] % len(US_STREETS)),
                "suffix": gather(US_SUFFIXES, (road[i] // 7) % len(US_SUFFIXES)),
                "town": gather(town, region[i]),
                "state": gather(prov, region[i]),
                "zip": zips[i],
            }
        )
        return f.select(
            address=pl.concat_str(
                s("house").cast(pl.String), pl.lit(" "), "street", pl.lit(" "), "suffix",
                pl.lit(", "), "town", pl.lit(", "), "state", pl.lit(" "),
                s("zip").cast(pl.String).str.zfill(5),
            )
        )  # fmt: skip

    def british(i: np.ndarray) -> pl.DataFrame:
        units = [a + b for a in POSTCODE_UNITS for b in POSTCODE_UNITS]
        f = pl.DataFrame(
            {
                "house": house[i],
                "street": gather(GB_STREETS, road[i] % len(GB_STREETS)),
                "town": gather(town, region[i]),
                "area": gather(prov, region[i]),
                "district": district[i],
                "sector": sector[i],
                "unit": gather(units, unit[i]),
            }
        )
        return f.select(
            address=pl.concat_str(
                s("house").cast(pl.String), pl.lit(" "), "street", pl.lit(", "), "town",
                pl.lit(", "), "area", s("district").cast(pl.String), pl.lit(" "),
                s("sector").cast(pl.String), "unit",
            )
        )  # fmt: skip

    return by_country(country, {0: chinese, 1: american, 2: british}).to_series()


AGREED_HOURS = ("18:00-20:30", "09:00-12:00", "19:00-21:00")
DO_NOT_CALL = ("12:00-14:00", "09:00-10:00,17:00-19:00", "13:00-15:00")


def own_hours(rng: np.random.Generator, n: int) -> dict[str, pl.Series]:
    """A few customers agreed hours to be called in (1 %) or asked not to be called at some
    hours (3 %); everyone else has neither (index 0: None)."""
    agreed = np.where(rng.random(n) < 0.01, rng.integers(1, len(AGREED_HOURS) + 1, n), 0)
    avoid = np.where(rng.random(n) < 0.03, rng.integers(1, len(DO_NOT_CALL) + 1, n), 0)
    return {
        "contact_hours": gather((None, *AGREED_HOURS), agreed),
        "do_not_call": gather((None, *DO_NOT_CALL), avoid),
    }


def generate_people(rng: np.random.Generator, n: int, mode: str) -> People:
    """The customers table plus the per-customer arrays later stages need."""
    table = region_table()
    country = draw_countries(rng, n, mode)
    region = draw_regions(rng, country, table)
    zone = table.zone[region]
    name, local, domain = names_and_handles(rng, country)
    address = addresses(rng, country, region, table)
    customer_id = ids("C", n, 8)
    customers = to_contract(
        "customers",
        {
            "customer_id": customer_id,
            "name": name,
            "country": gather(COUNTRIES, country),
            "region": gather(table.codes, region),
            "timezone": gather(ZONES, zone),
            "language": gather(LANGUAGES, country),
            **own_hours(rng, n),
        },
    )
    return People(customer_id, country, region, zone, local, domain, address, table, customers)
