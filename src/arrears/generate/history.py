"""The contact ledger (`attempts`) of the 30 days before the run date.

Attempts follow what a collection shop does: SMS reminders before the due date, SMS and robot
calls in the first days past due, human calls growing with DPD, e-mail and letters on the side;
emergency contacts are called only after six failed calls to the debtor. Every attempt is placed
at a local hour 08:00-21:00 of the customer's zone and strictly before the run date (UTC).

Counts are Poisson per account from a per-day rate curve r(dpd); the day of each attempt is
drawn by inverting the cumulative curve, so intensity grows with DPD without per-row loops.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from arrears.contract.tables import CHANNELS, OUTCOMES, STATUSES
from arrears.generate._common import (
    US_PER_DAY,
    US_PER_SECOND,
    gather,
    ids,
    local_to_utc,
    pick_rows,
    take,
    to_contract,
    utc_series,
)
from arrears.generate.accounts import MAX_DPD, Book
from arrears.generate.contacts import ContactBook
from arrears.generate.geo import ZONES
from arrears.generate.people import People
from arrears.generate.staff import Staff, human_team_for

WINDOW_DAYS = 30
PRE_DUE_DAYS = 3
PRE_DUE_RATE = 0.25  # reminders per pre-due day

# Status multiplier on the rate: no contact at all for the protected statuses.
STATUS_RATE = {"active": 1.0, "dispute": 0.2, "written_off": 0.3}

# Channel mix per stage (rows: pre-due, 1-3, 4-15, 16-30, 31-90, 91+), columns = CHANNELS
# (sms, ivr, robot_call, human_call, email, letter, visit).
CHANNEL_MIX = np.array(
    [
        [0.85, 0.00, 0.05, 0.00, 0.10, 0.00, 0.0],
        [0.55, 0.05, 0.30, 0.00, 0.10, 0.00, 0.0],
        [0.35, 0.05, 0.35, 0.20, 0.05, 0.00, 0.0],
        [0.25, 0.03, 0.22, 0.45, 0.05, 0.00, 0.0],
        [0.20, 0.02, 0.13, 0.58, 0.05, 0.02, 0.0],
        [0.20, 0.00, 0.08, 0.60, 0.08, 0.04, 0.0],
    ]
)
_O = {name: i for i, name in enumerate(OUTCOMES)}


def _outcomes(pairs: dict[str, float]) -> list[float]:
    return [pairs.get(o, 0.0) for o in OUTCOMES]


# Outcome mix per channel (rows follow CHANNELS) when the debtor's live number is used.
DEBTOR_OUTCOMES = np.array(
    [
        _outcomes({"sent": 0.08, "delivered": 0.87, "failed": 0.05}),
        _outcomes({"no_connect": 0.15, "no_answer": 0.52, "voicemail": 0.08, "machine": 0.08,
                   "abandoned": 0.01, "rpc": 0.12, "third_party": 0.02, "wrong_party": 0.02}),
        _outcomes({"no_connect": 0.15, "no_answer": 0.50, "voicemail": 0.10, "machine": 0.08,
                   "abandoned": 0.01, "rpc": 0.12, "third_party": 0.02, "wrong_party": 0.02}),
        _outcomes({"no_connect": 0.14, "no_answer": 0.42, "voicemail": 0.12, "machine": 0.04,
                   "abandoned": 0.01, "rpc": 0.20, "third_party": 0.04, "wrong_party": 0.03}),
        _outcomes({"sent": 0.25, "delivered": 0.70, "failed": 0.05}),
        _outcomes({"sent": 1.0}),
        _outcomes({"no_answer": 1.0}),
    ]
)  # fmt: skip
OTHER_PERSON_OUTCOMES = np.array(
    [_outcomes({"no_connect": 0.15, "no_answer": 0.45, "voicemail": 0.12, "machine": 0.03,
                "abandoned": 0.01, "third_party": 0.20, "wrong_party": 0.04})]
)  # fmt: skip
RPC_KEEP_BY_STAGE = np.array([1.0, 1.0, 0.95, 0.85, 0.65, 0.45])  # rpc gets rarer with DPD
FAILED = np.array([_O[o] for o in ("no_connect", "no_answer", "voicemail", "machine", "abandoned")])
EMERGENCY_AFTER_FAILS = 6
# Local hour weights 08..20 (an attempt is at hour h + U[0, 1) hours, so always < 21:00).
VOICE_HOURS = np.array([3, 6, 8, 8, 5, 5, 7, 8, 8, 7, 7, 6, 4], dtype=np.float64)
TEXT_HOURS = np.array([2, 8, 9, 8, 6, 6, 7, 7, 7, 7, 6, 5, 3], dtype=np.float64)


def rate_curve() -> np.ndarray:
    """Attempts per overdue day by dpd (index = dpd); grows through M1, then fades."""
    d = np.arange(MAX_DPD + 1)
    r = np.select(
        [d == 0, d <= 3, d <= 7, d <= 15, d <= 30, d <= 60, d <= 90, d <= 180],
        [0.0, 0.13, 0.19, 0.27, 0.36, 0.26, 0.17, 0.08],
        0.025,
    )
    return r


@dataclass
class History:
    table: pl.DataFrame
    account: np.ndarray  # per attempt (sorted by account, then time)
    at: np.ndarray  # UTC microseconds
    day: np.ndarray  # local day number
    rpc: np.ndarray  # bool: conversation with the debtor


def _stage(dpd_then: np.ndarray) -> np.ndarray:
    return np.select(
        [dpd_then <= 0, dpd_then <= 3, dpd_then <= 15, dpd_then <= 30, dpd_then <= 90],
        [0, 1, 2, 3, 4],
        5,
    )


def _sorted_uniforms(
    rng: np.random.Generator, seg: np.ndarray, seg_counts: np.ndarray
) -> np.ndarray:
    """Uniforms in [0, 1), ascending within each segment, without sorting.

    Uniform order statistics are normalised partial sums of exponentials: S_i / S_(n+1). One
    cumulative sum over all rows gives every segment's partial sums at O(n).
    """
    e = rng.exponential(size=seg.size)
    tail = rng.exponential(size=seg_counts.size)
    cs = np.cumsum(e)
    ends = np.cumsum(seg_counts)
    starts = ends - seg_counts
    before = np.where(starts > 0, cs[np.maximum(starts - 1, 0)], 0.0) if cs.size else starts * 0.0
    last = np.where(seg_counts > 0, cs[np.maximum(ends - 1, 0)] if cs.size else 0.0, 0.0)
    total = last - before + tail
    return (cs - before[seg]) / total[seg]


def _local_seconds(frac: np.ndarray) -> np.ndarray:
    """Seconds after local midnight in [08:00, 21:00) from a fraction of the contact day.

    The fraction is mapped through the hour profile's CDF (busier hours get more attempts),
    monotonically, so attempts ordered by fraction stay ordered by time.
    """
    w = (VOICE_HOURS + TEXT_HOURS) / (VOICE_HOURS + TEXT_HOURS).sum()
    edges = np.concatenate([[0.0], np.cumsum(w)])
    edges[-1] = 1.0
    h = np.clip(np.searchsorted(edges, frac, side="right") - 1, 0, w.size - 1)
    within = (frac - edges[h]) / w[h]
    return (8 + h) * 3600 + np.clip((within * 3600).astype(np.int64), 0, 3599)


def generate_attempts(
    rng: np.random.Generator,
    people: People,
    book: Book,
    contacts: ContactBook,
    staff: Staff,
    as_of_day: int,
    first_id: int = 1,
) -> History:
    """The attempts table and the arrays `money.py` needs (rpc times per account)."""
    mult = np.zeros(len(STATUSES))
    for name, m in STATUS_RATE.items():
        mult[STATUSES.index(name)] = m
    m = mult[book.status]
    dpd = book.dpd

    # Overdue days inside the window: offsets k = 1..K, dpd on that day = dpd - k.
    r = rate_curve()
    cum = np.concatenate([[0.0], np.cumsum(r)])  # cum[d] = sum r[0..d-1]
    hi = np.clip(dpd, 0, None)  # dpd_then <= dpd - 1  -> cum index dpd
    lo = np.clip(dpd - WINDOW_DAYS, 1, None)  # dpd_then >= max(1, dpd - 30)
    lam_od = m * np.where(hi > lo, cum[hi] - cum[lo], 0.0)
    n_od = rng.poisson(lam_od)

    # Pre-due reminder days: [due - 3, due] of the current due date (overdue accounts) or of
    # the previous instalment (current accounts, due ~30 days before next_due_date).
    due_k = np.where(dpd > 0, dpd, WINDOW_DAYS - (book.next_due - as_of_day))
    pre_lo = np.clip(due_k, 1, WINDOW_DAYS)
    pre_hi = np.clip(due_k + PRE_DUE_DAYS, 1, WINDOW_DAYS)
    pre_days = np.where(
        (due_k + PRE_DUE_DAYS >= 1) & (due_k <= WINDOW_DAYS), pre_hi - pre_lo + 1, 0
    )
    pre_days = np.where((dpd == 0) & (book.next_due < 0), 0, pre_days)
    n_pre = rng.poisson(m * PRE_DUE_RATE * pre_days)

    # Segments: each account's pre-due attempts, then its overdue ones (always later in time).
    seg_counts = np.stack([n_pre, n_od], axis=1).ravel()
    seg = np.repeat(np.arange(seg_counts.size, dtype=np.int64), seg_counts)
    acc = (seg // 2).astype(np.int32)  # compact dtypes: at 10 M accounts there are ~30 M rows
    is_pre = (seg % 2) == 0
    u = _sorted_uniforms(rng, seg, seg_counts)
    del seg

    # Overdue attempts: invert the cumulative rate curve between cum[lo] and cum[hi]; the
    # fractional part is the position within that day. Sorted u -> attempts in time order.
    a_lo, a_hi = lo[acc], hi[acc]
    target = cum[a_lo] + u * (cum[a_hi] - cum[a_lo])
    dpd_then = np.clip(np.searchsorted(cum, target, side="right") - 1, a_lo, a_hi - 1)
    frac_od = np.clip((target - cum[dpd_then]) / np.maximum(r[dpd_then], 1e-12), 0.0, 0.999999)
    # Pre-due attempts: uniform over the reminder days, earliest day first.
    a_plo, a_phi = pre_lo[acc], pre_hi[acc]
    y = u * (a_phi - a_plo + 1)
    j = np.minimum(y.astype(np.int64), a_phi - a_plo)
    k = np.where(is_pre, a_phi - j, dpd[acc] - dpd_then)
    frac = np.where(is_pre, np.clip(y - j, 0.0, 0.999999), frac_od)
    dpd_then = np.where(is_pre, 0, dpd_then).astype(np.int32)
    k = k.astype(np.int32)
    del target, frac_od, y, j, a_lo, a_hi, a_plo, a_phi, u, is_pre
    stage = _stage(dpd_then).astype(np.int8)

    cust = book.customer[acc]
    channel = pick_rows(rng, CHANNEL_MIX, stage)
    email, letter = CHANNELS.index("email"), CHANNELS.index("letter")
    channel = np.where((channel == email) & (contacts.email_pos[cust] < 0), 0, channel)
    channel = channel.astype(np.int8)
    voice = (channel >= 1) & (channel <= 3)  # ivr, robot_call, human_call
    text = ~voice

    # Local time: the day's fraction warped through the hour profile (monotone, so the order
    # within an account is kept), then UTC via the zone offset table.
    sec = _local_seconds(frac)
    del frac
    day = as_of_day - k
    del k
    zone = people.zone[cust]
    at = local_to_utc(zone, day, sec, ZONES)
    cutoff = as_of_day * US_PER_DAY
    # West of UTC the last local day runs past the run date: squeeze that whole day's hours
    # into what is left before it (all of them, so the order within the account is kept).
    midnight_utc = at - sec * US_PER_SECOND
    limit = (cutoff - midnight_utc) // US_PER_SECOND - 1
    short = limit < 21 * 3600
    if short.any():
        squeezed = 8 * 3600 + (sec[short] - 8 * 3600) * (limit[short] - 8 * 3600) // (13 * 3600)
        sec[short] = squeezed
        at[short] = midnight_utc[short] + squeezed * US_PER_SECOND
    del midnight_utc, limit, short, sec, zone

    # Contact point: a debtor phone (mostly the first), the e-mail or the address.
    n_ph = contacts.n_phone[cust]
    alt = rng.integers(0, 3, acc.size) % n_ph
    phone = contacts.phone_start[cust] + np.where(rng.random(acc.size) < 0.75, 0, alt)
    point = np.where(channel == email, contacts.email_pos[cust], phone)
    point = np.where(channel == letter, contacts.address_pos[cust], point)
    del n_ph, alt, phone

    outcome = pick_rows(rng, DEBTOR_OUTCOMES, channel)
    keep_rpc = rng.random(acc.size) < RPC_KEEP_BY_STAGE[stage]
    outcome = np.where((outcome == _O["rpc"]) & ~keep_rpc, _O["no_answer"], outcome)
    dead = contacts.dead[point]
    outcome = np.where(dead & voice, _O["no_connect"], outcome)
    outcome = np.where(dead & text & (channel != letter), _O["failed"], outcome).astype(np.int8)
    del keep_rpc, dead, text

    # Emergency contacts / guarantors: human calls after >= 6 failed debtor calls.
    failed = voice & np.isin(outcome, FAILED)
    run = np.cumsum(failed)
    acc_first = np.r_[True, acc[1:] != acc[:-1]]
    base = np.maximum.accumulate(np.where(acc_first, run - failed, 0))
    prior_failed = run - failed - base
    del run, base, acc_first, failed
    human = channel == CHANNELS.index("human_call")
    cand = np.flatnonzero(human & (prior_failed >= EMERGENCY_AFTER_FAILS))
    cand = cand[rng.random(cand.size) < 0.3]
    c_cust = cust[cand]
    em_pick = contacts.em_start[c_cust] + rng.integers(0, 3, cand.size) % contacts.n_em[c_cust]
    g_pos = contacts.guarantor_pos[c_cust]
    use_g = (g_pos >= 0) & (stage[cand] >= 4) & (rng.random(cand.size) < 0.3)
    other = np.where(use_g, g_pos, em_pick)
    ok = ~contacts.refused[other]
    sw, other = cand[ok], other[ok]
    point[sw] = other
    sw_outcome = pick_rows(rng, OTHER_PERSON_OUTCOMES, np.zeros(sw.size, dtype=np.int64))
    outcome[sw] = np.where(contacts.dead[other], _O["no_connect"], sw_outcome)

    # Agents for human calls: the case owner when there is one, else someone of the right team.
    calls = np.flatnonzero(human)
    agent_idx = np.full(acc.size, len(staff.agent_id), dtype=np.int64)
    agent_idx[calls] = _agents_for_calls(rng, staff, acc[calls], cust[calls], people,
                                         dpd_then[calls])  # fmt: skip
    agent_ids = pl.concat([staff.agent_id, pl.Series([None], dtype=pl.String)])

    table = to_contract(
        "attempts",
        {
            "attempt_id": ids("AT", acc.size, 10, first_id),
            "account_id": take(book.account_id, acc),
            "contact_id": take(contacts.contact_id, point),
            "channel": gather(CHANNELS, channel),
            "at": utc_series("at", at),
            "outcome": gather(OUTCOMES, outcome),
            "agent_id": take(agent_ids, agent_idx),
        },
    )
    rpc = outcome == _O["rpc"]  # switched attempts never reach the debtor
    return History(table, acc, at, day, rpc)


def _agents_for_calls(
    rng: np.random.Generator,
    staff: Staff,
    acc: np.ndarray,
    cust: np.ndarray,
    people: People,
    dpd_then: np.ndarray,
) -> np.ndarray:
    """Agent index per attempt: case owner 85 % of the time, else an active agent of the team
    for that day's dpd who speaks the customer's language (or anyone in the team)."""
    n = acc.size
    active = np.flatnonzero(staff.agent_active)
    pool_of = staff.agent_team[active] * 2 + staff.agent_lang[active]
    order = active[np.argsort(pool_of, kind="stable")]
    count = np.bincount(pool_of, minlength=6)
    start = np.cumsum(count) - count
    want = human_team_for(np.maximum(dpd_then, 1)) * 2 + (people.country[cust] != 0)
    other = np.where(want % 2 == 0, want + 1, want - 1)
    pool = np.where(count[want] > 0, want, other)
    pick = start[pool] + (rng.random(n) * count[pool]).astype(np.int64)
    agent = order[np.minimum(pick, order.size - 1)]
    owner = staff.case_agent[acc]
    return np.where((owner >= 0) & (rng.random(n) < 0.85), owner, agent)
