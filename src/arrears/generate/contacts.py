"""Contact points: debtor phones, e-mails, addresses, emergency contacts and guarantors.

The table is laid out customer by customer (debtor phones, e-mail, address, emergency phones,
guarantor), and every position is computed arithmetically from per-customer counts, so later
stages can pick "the debtor's second phone" or "a random emergency contact" with index math
instead of joins. A share of phones is dead (never connects): that is what makes "debtor
unreachable, try the emergency contact" happen in the attempt history.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from arrears.contract.tables import RELATIONS, ROLES
from arrears.generate._common import (
    US_PER_DAY,
    US_PER_SECOND,
    gather,
    ids,
    pick,
    take,
    to_contract,
    utc_series,
)
from arrears.generate.accounts import Book
from arrears.generate.geo import ZONES
from arrears.generate.people import People
from arrears.generate.phones import moved_regions, phone_numbers

MOVED_SHARE = 0.07  # US customers whose phone area code is in another zone than the address
EMAIL_SHARE = 0.70
GUARANTOR_SHARE = 0.04  # of customers with a cash loan
DEAD_PHONE_SHARE = (0.08, 0.12)  # debtor, other people's phones


@dataclass
class ContactBook:
    """The contacts table and index arrays by customer (positions are rows of `table`)."""

    table: pl.DataFrame
    contact_id: pl.Series
    phone_start: np.ndarray
    n_phone: np.ndarray
    email_pos: np.ndarray  # -1 when the customer has no e-mail
    address_pos: np.ndarray
    em_start: np.ndarray
    n_em: np.ndarray
    guarantor_pos: np.ndarray  # -1 when none
    dead: np.ndarray  # per contact row: the number never connects
    refused: np.ndarray  # per contact row: the person refused all contact


def _ragged(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For counts per owner: (owner of each item, rank of the item within its owner)."""
    owner = np.repeat(np.arange(counts.size), counts)
    first = np.cumsum(counts) - counts
    return owner, np.arange(owner.size) - first[owner]


def _other_person_regions(rng: np.random.Generator, people: People, who: np.ndarray) -> np.ndarray:
    """Regions of relatives/friends: mostly the customer's region, else anywhere in the country."""
    table = people.regions
    country = people.country[who]
    same = rng.random(who.size) < 0.7
    local = (rng.random(who.size) * table.count[country]).astype(np.int64)
    return np.where(same, people.region[who], table.start[country] + local)


def _opt_outs(rng: np.random.Generator, kinds: np.ndarray) -> pl.Series:
    """~3 % of points opted out of some channels, with choices that fit the point's kind."""
    choices = (
        ("sms", "sms,robot_call", "robot_call", "human_call", "ivr,robot_call"),
        ("email", "email", "email", "email", "email"),
        ("letter", "letter", "visit", "letter,visit", "visit"),
    )
    flat: list[str | None] = [c for row in choices for c in row]
    which = kinds.astype(np.int16) * 5 + rng.integers(0, 5, kinds.size, dtype=np.int16)
    which = np.where(rng.random(kinds.size, dtype=np.float32) < 0.03, which, len(flat))
    return gather([*flat, None], which, "opt_out")


def generate_contacts(
    rng: np.random.Generator, people: People, book: Book, as_of_day: int, first_id: int = 1
) -> ContactBook:
    """All contact points of all customers, laid out customer by customer."""
    nc = people.size
    n_phone = pick(rng, nc, [0.80, 0.15, 0.05]) + 1
    has_email = rng.random(nc) < EMAIL_SHARE
    n_em = pick(rng, nc, [0.50, 0.35, 0.15]) + 1
    has_cash = np.zeros(nc, dtype=bool)
    has_cash[book.customer[book.product == 0]] = True
    has_guar = has_cash & (rng.random(nc) < GUARANTOR_SHARE)

    per = n_phone + has_email + 1 + n_em + has_guar
    start = np.cumsum(per) - per
    phone_start = start
    email_pos = np.where(has_email, start + n_phone, -1)
    address_pos = start + n_phone + has_email
    em_start = address_pos + 1
    guarantor_pos = np.where(has_guar, em_start + n_em, -1)

    # Debtor phones: the customer's region, or for US movers a region in another zone.
    d_owner, d_rank = _ragged(n_phone)
    moved = (people.country == 1) & (rng.random(nc) < MOVED_SHARE)
    phone_region = people.region.copy()
    phone_region[moved] = moved_regions(rng, people.region[moved], people.regions)
    d_values, _ = phone_numbers(rng, people.country[d_owner], phone_region[d_owner], people.regions)
    d_zone = people.zone[d_owner]

    # Emergency contacts and guarantors: other people, usually living nearby.
    e_owner, e_rank = _ragged(n_em)
    g_owner = np.flatnonzero(has_guar)
    o_owner = np.concatenate([e_owner, g_owner])
    o_region = _other_person_regions(rng, people, o_owner)
    o_values, _ = phone_numbers(rng, people.country[o_owner], o_region, people.regions)
    o_zone = people.regions.zone[o_region]
    em_rel = pick(rng, e_owner.size, [0.25, 0.30, 0.20, 0.15, 0.10]) + 1  # spouse..colleague
    g_rel = np.array([2, 1, 3, 4, 6])[pick(rng, g_owner.size, [0.35, 0.25, 0.2, 0.1, 0.1])]

    e_owner_mail = np.flatnonzero(has_email)
    emails = pl.select(
        pl.concat_str(
            [take(people.email_local, e_owner_mail), pl.lit("@"),
             take(people.email_domain, e_owner_mail)]
        )
    ).to_series()  # fmt: skip

    # Block order (debtor phones, e-mails, addresses, others) -> final row positions.
    pos = np.concatenate(
        [
            phone_start[d_owner] + d_rank,
            email_pos[e_owner_mail],
            address_pos,
            em_start[e_owner] + e_rank,
            guarantor_pos[g_owner],
        ]
    )
    total = pos.size
    index_type = np.int32 if total < 2**31 else np.int64
    inv = np.empty(total, dtype=index_type)
    inv[pos] = np.arange(total, dtype=index_type)
    del pos
    n_self = d_owner.size + e_owner_mail.size + nc
    i8 = np.int8

    def final(*blocks: np.ndarray, dtype: type = i8) -> np.ndarray:
        """Scatter per-block arrays into the final (customer by customer) row order."""
        return np.concatenate([b.astype(dtype, copy=False) for b in blocks])[inv]

    # Columns are built one at a time and temporaries dropped early: at 10 M accounts this
    # table has ~40 M rows and its peak memory is the generator's peak.
    columns: dict[str, pl.Series] = {"contact_id": ids("P", total, 9, first_id)}
    owner = final(d_owner, e_owner_mail, np.arange(nc), o_owner, dtype=index_type)
    columns["customer_id"] = take(people.customer_id, owner)
    del owner
    kind = final(np.zeros(d_owner.size), np.ones(e_owner_mail.size), np.full(nc, 2),
                 np.zeros(o_owner.size))  # fmt: skip
    role = final(np.zeros(n_self), np.full(e_owner.size, 3), np.full(g_owner.size, 2))
    columns["role"] = gather(ROLES, role)
    columns["relation"] = gather(RELATIONS, final(np.zeros(n_self), em_rel, g_rel))
    columns["kind"] = gather(("phone", "email", "address"), kind)
    columns["value"] = take(pl.concat([d_values, emails, people.address, o_values]), inv)
    del d_values, emails, o_values
    zone = final(d_zone, people.zone[e_owner_mail], people.zone, o_zone)
    is_phone = kind == 0
    zone_known = rng.random(total, dtype=np.float32) < np.where(is_phone, 0.10, 0.05)
    columns["timezone"] = gather([*ZONES, None], np.where(zone_known, zone, len(ZONES)).astype(i8))
    del zone, zone_known
    columns["opt_out"] = _opt_outs(rng, kind)
    dead = is_phone & (rng.random(total, dtype=np.float32) < np.where(role == 0, *DEAD_PHONE_SHARE))
    refused = (role == 3) & (rng.random(total, dtype=np.float32) < 0.02)
    who = np.flatnonzero(refused)
    refused_at = np.zeros(total, dtype=np.int64)
    refused_at[who] = (as_of_day - rng.integers(1, 181, who.size)) * US_PER_DAY + rng.integers(
        8 * 3600, 20 * 3600, who.size
    ) * US_PER_SECOND
    columns["refused_at"] = utc_series("refused_at", refused_at, refused)
    del refused_at, kind, role, is_phone
    table = to_contract("contacts", columns)
    contact_id = columns["contact_id"]
    return ContactBook(
        table, contact_id, phone_start, n_phone, email_pos, address_pos, em_start, n_em,
        guarantor_pos, dead, refused,
    )  # fmt: skip
