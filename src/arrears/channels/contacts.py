"""Opt-outs written back to the data folder's `contacts` table, at once.

The contract's `opt_out` column lists the channels a contact point must not be used for
(`sms,robot_call`). An opt-out adds its channel to the list of every point it names; the
table is rewritten in one rename, so the next `arrears plan` and the next `arrears send`
(which re-reads the folder when it changes) refuse the point with the guard's OPT-OUT rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import phonenumbers
import polars as pl

from arrears.channels.files import data_lock, read_table, table_file, write_atomic


def point_value(value: str) -> str:
    """A phone number or e-mail address as compared: E.164 for a phone given with its `+`
    country code, lower case for an address, else trimmed."""
    text = value.strip()
    if "@" in text:
        return text.casefold()
    if text.startswith("+"):
        try:
            number = phonenumbers.parse(text, None)
        except phonenumbers.NumberParseException:
            return text
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return text


def points_of(contacts: pl.DataFrame, values: Iterable[str]) -> list[str]:
    """The contact ids whose value is one of `values` (compared by `point_value`)."""
    wanted = {point_value(v) for v in values if v}
    if not wanted:
        return []
    found = [
        cid
        for cid, value in contacts.select("contact_id", "value").iter_rows()
        if value is not None and point_value(str(value)) in wanted
    ]
    return sorted(set(found))


def merged(current: str | None, channel: str) -> str:
    """`current` (comma-separated channels) with `channel` added, in a stable order."""
    have = [c.strip() for c in (current or "").split(",") if c.strip()]
    if channel not in have:
        have.append(channel)
    return ",".join(have)


def add_opt_outs(data: Path, changes: Sequence[tuple[str, str]]) -> list[str]:
    """Add (contact_id, channel) opt-outs to the folder's contacts; returns the contact ids
    whose row changed (one already opted out of the channel is left as it is)."""
    if not changes:
        return []
    with data_lock(data):
        path = table_file(data, "contacts")
        table = read_table(path)
        if "opt_out" not in table.columns:
            table = table.with_columns(pl.lit(None, dtype=pl.String).alias("opt_out"))
        by_contact: dict[str, list[str]] = {}
        for contact_id, channel in changes:
            by_contact.setdefault(contact_id, []).append(channel)
        ids = table.get_column("contact_id").cast(pl.String).to_list()
        old = table.get_column("opt_out").cast(pl.String).to_list()
        new = list(old)
        changed: list[str] = []
        for i, cid in enumerate(ids):
            for channel in by_contact.get(cid, ()):
                value = merged(new[i], channel)
                if value != new[i]:
                    new[i] = value
                    changed.append(cid)
        if changed:
            target = table.schema["opt_out"]
            column = pl.Series("opt_out", new, dtype=pl.String)
            if target != pl.Null:  # an all-empty Parquet column may have no type of its own
                column = column.cast(target)
            write_atomic(table.with_columns(column), path)
        return sorted(set(changed))
