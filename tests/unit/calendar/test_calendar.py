"""Day kinds per place: holidays, weekends, China's make-up workdays and lender overrides."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import holidays
import polars as pl
import pytest

from arrears.compliance.calendar import DAY_KINDS, CalendarError, day_kinds, load_overrides

YEAR_START, YEAR_END = date(2026, 1, 1), date(2026, 12, 31)


def _places(*rows: tuple[str, str | None]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"country": pl.String, "region": pl.String}, orient="row")


def _day(frame: pl.DataFrame, country: str, region: str | None, day: date) -> dict[str, object]:
    place = pl.col("region").is_null() if region is None else pl.col("region") == region
    rows = frame.filter((pl.col("country") == country) & place & (pl.col("day") == day))
    assert rows.height == 1
    return rows.row(0, named=True)


@pytest.fixture(scope="module")
def year() -> pl.DataFrame:
    places = _places(
        ("CN", None), ("CN", "CN-BJ"), ("US", None), ("US", "US-CA"), ("GB", None),
        ("GB", "GB-SCT"), ("ZZ", None), ("US", "US-XX"),
    )  # fmt: skip
    return day_kinds(places, YEAR_START, YEAR_END)


def test_golden_facts_match_holidays_package() -> None:
    cn = holidays.country_holidays("CN", years=2026)
    assert date(2026, 2, 14) in cn.weekend_workdays
    assert date(2026, 10, 10) in cn.weekend_workdays
    assert "Cesar Chavez Day" in holidays.country_holidays("US", subdiv="CA", years=2026).get_list(
        date(2026, 3, 31)
    )
    assert date(2026, 3, 31) not in holidays.country_holidays("US", years=2026)
    assert date(2026, 11, 30) in holidays.country_holidays("GB", subdiv="SCT", years=2026)
    assert date(2026, 11, 30) not in holidays.country_holidays("GB", years=2026)


def test_output_schema_and_coverage(year: pl.DataFrame) -> None:
    assert year.schema == pl.Schema(
        {
            "country": pl.String,
            "region": pl.String,
            "day": pl.Date,
            "kind": pl.String,
            "holiday": pl.String,
        }
    )
    assert year.height == 8 * 365
    assert year.select(pl.struct("country", "region", "day").is_unique().all()).item()
    per_place = year.group_by("country", "region").agg(
        pl.len(), pl.col("day").min().alias("first"), pl.col("day").max().alias("last")
    )
    assert per_place.height == 8
    assert per_place["len"].to_list() == [365] * 8
    assert set(per_place["first"]) == {YEAR_START}
    assert set(per_place["last"]) == {YEAR_END}
    assert set(year["kind"]) <= set(DAY_KINDS)
    assert (
        year.filter(pl.col("kind") != "holiday")["holiday"].null_count()
        == year.filter(pl.col("kind") != "holiday").height
    )


def test_china_makeup_workdays_and_holidays(year: pl.DataFrame) -> None:
    for region in (None, "CN-BJ"):  # CN has no subdivisions in holidays: national calendar
        assert _day(year, "CN", region, date(2026, 2, 14))["kind"] == "makeup_workday"
        assert _day(year, "CN", region, date(2026, 10, 10))["kind"] == "makeup_workday"
        national = _day(year, "CN", region, date(2026, 10, 1))
        assert national["kind"] == "holiday"
        assert national["holiday"] == "National Day"
        assert _day(year, "CN", region, date(2026, 3, 8))["kind"] == "weekend"  # Sunday
        workday = _day(year, "CN", region, date(2026, 3, 11))  # Wednesday
        assert workday == {**workday, "kind": "workday", "holiday": None}


def test_us_and_gb_holidays(year: pl.DataFrame) -> None:
    observed = _day(year, "US", None, date(2026, 7, 3))
    assert observed["kind"] == "holiday"
    assert "Independence Day" in str(observed["holiday"])
    assert _day(year, "US", None, date(2026, 3, 31))["kind"] == "workday"
    chavez = _day(year, "US", "US-CA", date(2026, 3, 31))
    assert (chavez["kind"], chavez["holiday"]) == ("holiday", "Cesar Chavez Day")
    assert _day(year, "GB", None, date(2026, 12, 25))["kind"] == "holiday"
    assert _day(year, "GB", None, date(2026, 11, 30))["kind"] == "workday"
    andrew = _day(year, "GB", "GB-SCT", date(2026, 11, 30))
    assert (andrew["kind"], andrew["holiday"]) == ("holiday", "Saint Andrew's Day")


def test_unknown_subdivision_falls_back_to_national(year: pl.DataFrame) -> None:
    national = year.filter((pl.col("country") == "US") & pl.col("region").is_null())
    unknown = year.filter(pl.col("region") == "US-XX")
    assert unknown.drop("region").equals(national.drop("region"))


def test_unknown_country_has_weekends_only(year: pl.DataFrame) -> None:
    zz = year.filter(pl.col("country") == "ZZ")
    expected = (
        pl.when(pl.col("day").dt.weekday() >= 6)
        .then(pl.lit("weekend"))
        .otherwise(pl.lit("workday"))
    )
    assert zz.select((pl.col("kind") == expected).all()).item()
    assert zz["holiday"].null_count() == zz.height
    assert _day(year, "ZZ", None, date(2026, 12, 25))["kind"] == "workday"


def test_single_day_and_bad_range() -> None:
    one = day_kinds(_places(("GB", None)), date(2026, 12, 25), date(2026, 12, 25))
    assert one.height == 1
    assert one["kind"][0] == "holiday"
    with pytest.raises(CalendarError):
        day_kinds(_places(("GB", None)), date(2026, 2, 1), date(2026, 1, 1))


def test_override_precedence() -> None:
    places = _places(("US", None), ("US", "US-CA"), ("US", "US-NY"))
    overrides = pl.DataFrame(
        {
            "country": ["US", "US", "US"],
            "region": [None, "US-CA", None],
            "date": [date(2026, 7, 3), date(2026, 7, 3), date(2026, 7, 6)],
            "kind": ["workday", "holiday", "holiday"],
            "name": [None, "Lender day", "Company retreat"],
        }
    )
    out = day_kinds(places, date(2026, 7, 1), date(2026, 7, 10), overrides)
    assert out.height == 3 * 10
    for region in (None, "US-NY"):  # country-wide override
        fourth = _day(out, "US", region, date(2026, 7, 3))
        assert (fourth["kind"], fourth["holiday"]) == ("workday", None)
        retreat = _day(out, "US", region, date(2026, 7, 6))
        assert (retreat["kind"], retreat["holiday"]) == ("holiday", "Company retreat")
    ca = _day(out, "US", "US-CA", date(2026, 7, 3))  # region row beats the country-wide row
    assert (ca["kind"], ca["holiday"]) == ("holiday", "Lender day")
    assert _day(out, "US", "US-CA", date(2026, 7, 6))["holiday"] == "Company retreat"
    untouched = _day(out, "US", "US-CA", date(2026, 7, 4))
    assert untouched["kind"] == "holiday"  # Saturday holiday, computed


def test_override_from_csv(tmp_path: Path) -> None:
    path = tmp_path / "overrides.csv"
    path.write_text(
        "country,region,date,kind,name\n"
        "CN,,2026-02-14,weekend,\n"
        "cn,cn-bj,2026-03-11,holiday,Beijing day\n"
    )
    overrides = load_overrides(path)
    assert overrides.columns == ["country", "region", "date", "kind", "name"]
    assert overrides["date"].dtype == pl.Date
    out = day_kinds(_places(("CN", None), ("CN", "CN-BJ")), date(2026, 2, 14), date(2026, 3, 31))
    applied = day_kinds(
        _places(("CN", None), ("CN", "CN-BJ")), date(2026, 2, 14), date(2026, 3, 31), overrides
    )
    assert out.height == applied.height
    for region in (None, "CN-BJ"):
        assert _day(applied, "CN", region, date(2026, 2, 14))["kind"] == "weekend"
    beijing = _day(applied, "CN", "CN-BJ", date(2026, 3, 11))
    assert (beijing["kind"], beijing["holiday"]) == ("holiday", "Beijing day")
    assert _day(applied, "CN", None, date(2026, 3, 11))["kind"] == "workday"


def test_csv_without_optional_columns(tmp_path: Path) -> None:
    path = tmp_path / "minimal.csv"
    path.write_text("country,date,kind\nGB,2026-12-25,workday\n")
    overrides = load_overrides(path)
    assert overrides.row(0) == ("GB", None, date(2026, 12, 25), "workday", None)
    out = day_kinds(_places(("GB", "GB-SCT")), date(2026, 12, 25), date(2026, 12, 25), overrides)
    assert out.row(0, named=True) == {
        "country": "GB",
        "region": "GB-SCT",
        "day": date(2026, 12, 25),
        "kind": "workday",
        "holiday": None,
    }


@pytest.mark.parametrize(
    ("text", "column", "row"),
    [
        ("country,date,kind\nGB,2026-12-25,holiday\nGB,2026-12-26,vacation\n", "kind", "row 2"),
        ("country,date,kind\nGB,2026-13-01,holiday\n", "date", "row 1"),
        ("country,date,kind\nGB,2026-12-25,holiday\nGB,,holiday\n", "date", "row 2"),
        ("country,date,kind\n,2026-12-25,holiday\n", "country", "row 1"),
        ("country,date\nGB,2026-12-25\n", "kind", None),
        ("country,kind\nGB,holiday\n", "date", None),
    ],
)
def test_bad_csv_names_file_column_and_row(
    tmp_path: Path, text: str, column: str, row: str | None
) -> None:
    path = tmp_path / "bad_overrides.csv"
    path.write_text(text)
    with pytest.raises(CalendarError) as caught:
        load_overrides(path)
    message = str(caught.value)
    assert str(path) in message
    assert repr(column) in message
    if row is not None:
        assert row in message
    else:
        assert "missing column" in message


def test_bad_override_frame() -> None:
    overrides = pl.DataFrame({"country": ["GB"], "date": [date(2026, 1, 1)], "kind": ["nap"]})
    with pytest.raises(CalendarError, match="kind"):
        day_kinds(_places(("GB", None)), date(2026, 1, 1), date(2026, 1, 2), overrides)
