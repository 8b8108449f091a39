"""Valid E.164 phone numbers per country, built as integers and formatted once.

Every number must pass `phonenumbers.is_valid_number`: the planner rejects invalid phones, so a
synthetic portfolio full of them would test nothing. The prefixes below were vetted against
libphonenumber's metadata (see tests): CN mobile 3-digit prefixes, real US area codes of the
customer's state (exchange code not 0/1-leading, not N11, not 555), GB mobile `7xxx` blocks
outside the 76 pager range.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from arrears.generate.geo import US_REGIONS, RegionTable

CN_MOBILE_PREFIXES: np.ndarray = np.array(
    [130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 150, 151, 152, 153, 155, 156, 157, 158,
     159, 162, 165, 166, 167, 170, 171, 172, 173, 175, 176, 177, 178, 180, 181, 182, 183, 184,
     185, 186, 187, 188, 189, 190, 191, 192, 193, 195, 196, 197, 198, 199],
    dtype=np.int64,
)  # fmt: skip
_gb = np.arange(7100, 8000, dtype=np.int64)
GB_MOBILE_PREFIXES: np.ndarray = _gb[((_gb // 100) != 76) & (_gb != 7700) & (_gb != 7911)]
_nxx = np.arange(200, 1000, dtype=np.int64)
US_EXCHANGES: np.ndarray = _nxx[(_nxx % 100 != 11) & (_nxx != 555)]


def _us_area_code_index(table: RegionTable) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flattened area codes with, per global region, the start and count of its codes."""
    codes: list[int] = []
    start = np.zeros(len(table.regions), dtype=np.int64)
    count = np.zeros(len(table.regions), dtype=np.int64)
    for i, r in enumerate(table.regions):
        start[i] = len(codes)
        count[i] = len(r.area_codes)
        codes.extend(r.area_codes)
    return np.array(codes, dtype=np.int64), start, count


def moved_regions(rng: np.random.Generator, region: np.ndarray, table: RegionTable) -> np.ndarray:
    """For US customers who moved: a US region (for the phone) in a different zone than `region`.

    Re-draws a few rounds on the clashing subset only; the last clashes take a fixed fallback.
    """
    us_start = int(table.start[1])
    weights = np.array([r.weight for r in US_REGIONS], dtype=np.float64)
    cdf = np.cumsum(weights / weights.sum())
    out = us_start + np.minimum(np.searchsorted(cdf, rng.random(region.size)), len(cdf) - 1)
    for _ in range(6):
        clash = table.zone[out] == table.zone[region]
        if not clash.any():
            break
        redraw = np.searchsorted(cdf, rng.random(int(clash.sum())))
        out[clash] = us_start + np.minimum(redraw, len(cdf) - 1)
    clash = table.zone[out] == table.zone[region]
    # Fallback: New York (Eastern) for everybody else, California (Pacific) for Easterners.
    ny, ca = us_start, us_start + [r.code for r in US_REGIONS].index("US-CA")
    out[clash] = np.where(table.zone[region[clash]] == table.zone[ny], ca, ny)
    return out


def phone_numbers(
    rng: np.random.Generator,
    country: np.ndarray,
    region: np.ndarray,
    table: RegionTable,
) -> tuple[pl.Series, np.ndarray]:
    """E.164 numbers for owners in `country`/`region` (US: the phone's region) and their zones.

    Returns the numbers and the zone index implied by the number (area code zone for the US,
    the region zone elsewhere). Randomness is drawn for all rows so the stream is mix-independent.
    """
    n = country.size
    cn = CN_MOBILE_PREFIXES[rng.integers(0, CN_MOBILE_PREFIXES.size, n)]
    cn_rest = rng.integers(0, 100_000_000, n)
    gb = GB_MOBILE_PREFIXES[rng.integers(0, GB_MOBILE_PREFIXES.size, n)]
    gb_rest = rng.integers(0, 1_000_000, n)
    codes, start, count = _us_area_code_index(table)
    pick_code = (rng.random(n) * np.maximum(count[region], 1)).astype(np.int64)
    npa = codes[np.minimum(start[region] + pick_code, codes.size - 1)]
    nxx = US_EXCHANGES[rng.integers(0, US_EXCHANGES.size, n)]
    line = rng.integers(0, 10_000, n)
    number = np.select(
        [country == 0, country == 1],
        [
            86 * 10**11 + cn * 10**8 + cn_rest,
            10**10 + npa * 10**7 + nxx * 10**4 + line,
        ],
        44 * 10**10 + gb * 10**6 + gb_rest,
    )
    values = "+" + pl.Series("value", number, dtype=pl.Int64).cast(pl.String)
    return values.alias("value"), table.zone[region]
