"""Today's call list as a plain CSV that open dialers load (VICIdial's standard lead layout).

One row per slotted call of the chosen channel (and team), in list order: the slot, then the
team's position. The columns are the lead loader's standard fields; `vendor_lead_code` carries
the action id (so results come back keyed to the plan), `source_id` the account, `phone_code`
and `phone_number` the country calling code and the national number in digits, `rank` the
position in the slot, `owner` the case's owner, `comments` the slot in UTC and the step. The
debt itself is never written: the file travels to a dialer, not to a collector's screen.
"""

from __future__ import annotations

from pathlib import Path

import phonenumbers
import polars as pl

LEAD_COLUMNS: tuple[str, ...] = (
    "vendor_lead_code",
    "source_id",
    "list_id",
    "phone_code",
    "phone_number",
    "title",
    "first_name",
    "middle_initial",
    "last_name",
    "address1",
    "address2",
    "address3",
    "city",
    "state",
    "province",
    "postal_code",
    "country_code",
    "gender",
    "date_of_birth",
    "alt_phone",
    "email",
    "security_phrase",
    "comments",
    "rank",
    "owner",
)


def _split(numbers: pl.Series) -> pl.DataFrame:
    """Country calling code and national digits of each E.164 number (one parse per number)."""
    codes, nationals = [], []
    for value in numbers.to_list():
        parsed = phonenumbers.parse(value, None)
        codes.append(str(parsed.country_code))
        nationals.append(str(parsed.national_number))
    return pl.DataFrame({"phone_code": codes, "phone_number": nationals})


def dialer_leads(
    lists: pl.DataFrame,
    contacts: pl.DataFrame,
    customers: pl.DataFrame,
    *,
    channel: str = "human_call",
    team: str | None = None,
    list_id: str = "1000",
) -> pl.DataFrame:
    """The leads of one channel (and team) in the dialer's standard layout, in list order."""
    chosen = lists.filter(
        (pl.col("channel") == channel)
        & pl.col("slot_start").is_not_null()
        & (pl.lit(team is None) | (pl.col("team") == team))
    ).sort("slot_start", "position", "action_id")
    people = contacts.select("contact_id", "customer_id", pl.col("value").alias("_number")).join(
        customers.select("customer_id", "name", "country"), on="customer_id", how="left"
    )
    rows = chosen.join(people, on="contact_id", how="left", maintain_order="left")
    phones = _split(rows.get_column("_number"))
    empty = pl.lit(None, dtype=pl.String)
    return pl.concat([rows, phones], how="horizontal").select(
        pl.col("action_id").alias("vendor_lead_code"),
        pl.col("account_id").alias("source_id"),
        pl.lit(list_id).alias("list_id"),
        "phone_code",
        "phone_number",
        empty.alias("title"),
        pl.col("name").alias("first_name"),
        *[empty.alias(c) for c in LEAD_COLUMNS[7:16]],
        pl.col("country").alias("country_code"),
        *[empty.alias(c) for c in LEAD_COLUMNS[17:22]],
        pl.format(
            "slot {} UTC; {}", pl.col("slot_start").dt.strftime("%Y-%m-%d %H:%M"), pl.col("team")
        ).alias("comments"),
        pl.col("position").cast(pl.String).alias("rank"),
        pl.col("owner"),
    )


def write_leads(leads: pl.DataFrame, path: Path) -> None:
    """A UTF-8 CSV with a header row of the standard field names."""
    leads.select(LEAD_COLUMNS).write_csv(path, null_value="")
