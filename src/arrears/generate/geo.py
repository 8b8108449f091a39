"""Reference geography of the synthetic portfolio: regions, time zones, area codes, towns.

Kept as plain tuples so the generator can index them with NumPy arrays. Region codes are
ISO 3166-2, zones are IANA names; US states carry their real area codes, so a phone's zone can
be derived from its area code and differ from the address zone (a customer who moved).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

COUNTRIES: tuple[str, ...] = ("CN", "US", "GB")
CURRENCIES: tuple[str, ...] = ("CNY", "USD", "GBP")
LANGUAGES: tuple[str, ...] = ("zh-CN", "en-US", "en-GB")
MIXED_SHARES: tuple[float, ...] = (0.60, 0.25, 0.15)

# Every zone the generator uses; customers carry an index into this tuple.
ZONES: tuple[str, ...] = (
    "Asia/Shanghai",
    "Asia/Urumqi",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "Europe/London",
)
Z = {name: i for i, name in enumerate(ZONES)}


@dataclass(frozen=True)
class Region:
    code: str  # ISO 3166-2
    weight: float  # share of the country's customers (normalised per country)
    zone: str
    town: str  # the town used in postal addresses
    province: str = ""  # CN: province prefix of the address; US: state code; GB: postcode area
    area_codes: tuple[int, ...] = ()  # US only: the state's area codes
    zip_lo: int = 0  # US only: ZIP code range
    zip_hi: int = 0


_SH, _UQ = "Asia/Shanghai", "Asia/Urumqi"
CN_REGIONS: tuple[Region, ...] = (
    Region("CN-GD", 9.0, _SH, "广州市", "广东省"),
    Region("CN-SD", 7.2, _SH, "济南市", "山东省"),
    Region("CN-HA", 7.0, _SH, "郑州市", "河南省"),
    Region("CN-JS", 6.0, _SH, "南京市", "江苏省"),
    Region("CN-SC", 5.9, _SH, "成都市", "四川省"),
    Region("CN-HE", 5.3, _SH, "石家庄市", "河北省"),
    Region("CN-HN", 4.7, _SH, "长沙市", "湖南省"),
    Region("CN-ZJ", 4.6, _SH, "杭州市", "浙江省"),
    Region("CN-AH", 4.3, _SH, "合肥市", "安徽省"),
    Region("CN-HB", 4.1, _SH, "武汉市", "湖北省"),
    Region("CN-GX", 3.6, _SH, "南宁市", "广西壮族自治区"),
    Region("CN-YN", 3.3, _SH, "昆明市", "云南省"),
    Region("CN-JX", 3.2, _SH, "南昌市", "江西省"),
    Region("CN-LN", 3.0, _SH, "沈阳市", "辽宁省"),
    Region("CN-FJ", 2.9, _SH, "福州市", "福建省"),
    Region("CN-SN", 2.8, _SH, "西安市", "陕西省"),
    Region("CN-GZ", 2.7, _SH, "贵阳市", "贵州省"),
    Region("CN-SX", 2.5, _SH, "太原市", "山西省"),
    Region("CN-CQ", 2.3, _SH, "重庆市"),
    Region("CN-HL", 2.2, _SH, "哈尔滨市", "黑龙江省"),
    Region("CN-XJ", 1.8, _UQ, "乌鲁木齐市", "新疆维吾尔自治区"),
    Region("CN-GS", 1.8, _SH, "兰州市", "甘肃省"),
    Region("CN-SH", 1.8, _SH, "上海市"),
    Region("CN-JL", 1.7, _SH, "长春市", "吉林省"),
    Region("CN-BJ", 1.6, _SH, "北京市"),
    Region("CN-NM", 1.7, _SH, "呼和浩特市", "内蒙古自治区"),
    Region("CN-TJ", 1.0, _SH, "天津市"),
    Region("CN-HI", 0.7, _SH, "海口市", "海南省"),
)

_ET, _CT, _MT = "America/New_York", "America/Chicago", "America/Denver"
_AZ, _PT = "America/Phoenix", "America/Los_Angeles"
US_REGIONS: tuple[Region, ...] = (
    Region("US-NY", 6.0, _ET, "New York", "NY", (212, 718, 917, 646), 10001, 14975),
    Region("US-FL", 6.5, _ET, "Miami", "FL", (305, 786), 33010, 34997),
    Region("US-GA", 3.3, _ET, "Atlanta", "GA", (404,), 30002, 31999),
    Region("US-MA", 2.1, _ET, "Boston", "MA", (617,), 2108, 2791),
    Region("US-PA", 3.9, _ET, "Philadelphia", "PA", (215, 267), 15001, 19640),
    Region("US-MI", 3.0, _ET, "Detroit", "MI", (313,), 48001, 49971),
    Region("US-IL", 3.8, _CT, "Chicago", "IL", (312, 773), 60001, 62999),
    Region("US-TX", 9.0, _CT, "Houston", "TX", (713, 281, 214, 469), 75001, 79999),
    Region("US-TN", 2.1, _CT, "Nashville", "TN", (615,), 37010, 38589),
    Region("US-MN", 1.7, _CT, "Minneapolis", "MN", (612,), 55001, 56763),
    Region("US-LA", 1.4, _CT, "New Orleans", "LA", (504,), 70001, 71497),
    Region("US-CO", 1.8, _MT, "Denver", "CO", (303, 720), 80001, 81658),
    Region("US-UT", 1.0, _MT, "Salt Lake City", "UT", (801,), 84001, 84791),
    Region("US-NM", 0.6, _MT, "Albuquerque", "NM", (505,), 87001, 88441),
    Region("US-AZ", 2.2, _AZ, "Phoenix", "AZ", (602, 480, 520), 85001, 86556),
    Region("US-CA", 11.8, _PT, "Los Angeles", "CA", (213, 310, 415, 408), 90001, 96162),
    Region("US-WA", 2.3, _PT, "Seattle", "WA", (206,), 98001, 99403),
    Region("US-OR", 1.3, _PT, "Portland", "OR", (503,), 97001, 97920),
    Region("US-NV", 1.0, _PT, "Las Vegas", "NV", (702,), 88901, 89883),
    Region("US-AK", 0.5, "America/Anchorage", "Anchorage", "AK", (907,), 99501, 99950),
    Region("US-HI", 0.6, "Pacific/Honolulu", "Honolulu", "HI", (808,), 96701, 96898),
)

_LON = "Europe/London"
GB_REGIONS: tuple[Region, ...] = (
    Region("GB-ENG", 50.0, _LON, "London", "SE"),
    Region("GB-ENG", 12.0, _LON, "Manchester", "M"),
    Region("GB-ENG", 12.0, _LON, "Birmingham", "B"),
    Region("GB-ENG", 6.0, _LON, "Leeds", "LS"),
    Region("GB-ENG", 4.0, _LON, "Bristol", "BS"),
    Region("GB-SCT", 5.0, _LON, "Glasgow", "G"),
    Region("GB-SCT", 3.0, _LON, "Edinburgh", "EH"),
    Region("GB-WLS", 5.0, _LON, "Cardiff", "CF"),
    Region("GB-NIR", 3.0, _LON, "Belfast", "BT"),
)

REGIONS: tuple[tuple[Region, ...], ...] = (CN_REGIONS, US_REGIONS, GB_REGIONS)


@dataclass(frozen=True)
class RegionTable:
    """All regions of all countries flattened, with NumPy lookups by global region index."""

    regions: tuple[Region, ...]
    country: np.ndarray  # country index of each region
    zone: np.ndarray  # zone index of each region
    start: np.ndarray  # first global region index of each country
    count: np.ndarray  # number of regions of each country
    cdf: tuple[np.ndarray, ...]  # per country: cumulative weights of its regions

    @property
    def codes(self) -> list[str]:
        return [r.code for r in self.regions]


def region_table() -> RegionTable:
    flat = tuple(r for group in REGIONS for r in group)
    country = np.concatenate([np.full(len(g), i) for i, g in enumerate(REGIONS)])
    zone = np.array([Z[r.zone] for r in flat])
    count = np.array([len(g) for g in REGIONS])
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    cdfs = []
    for group in REGIONS:
        w = np.array([r.weight for r in group], dtype=np.float64)
        cdfs.append(np.cumsum(w / w.sum()))
    return RegionTable(flat, country, zone, start, count, tuple(cdfs))


# Postal address vocabulary.
CN_ROADS: tuple[str, ...] = (
    "人民路", "解放路", "中山路", "建设路", "和平路", "胜利路", "新华路", "文化路",
    "长江路", "黄河路", "朝阳路", "幸福路", "光明路", "东风路", "青年路", "迎宾路",
)  # fmt: skip
US_STREETS: tuple[str, ...] = (
    "Main", "Oak", "Maple", "Cedar", "Pine", "Elm", "Washington", "Lake", "Hill", "Park",
    "Sunset", "Lincoln", "Jackson", "Franklin", "Highland", "Church", "2nd", "3rd", "Ridge",
)  # fmt: skip
US_SUFFIXES: tuple[str, ...] = ("St", "Ave", "Rd", "Blvd", "Dr", "Ln", "Ct", "Way")
GB_STREETS: tuple[str, ...] = (
    "High Street", "Station Road", "Church Lane", "Victoria Road", "Park Road", "Green Lane",
    "Manor Road", "King Street", "Queen Street", "Mill Lane", "London Road", "The Crescent",
)  # fmt: skip
