"""Delinquency episodes from today's ledger and from account snapshots."""

from __future__ import annotations

import polars as pl

from arrears.analytics.episodes import ledger_episodes, snapshot_episodes

from .ledger import AS_OF, accounts, attempts, d, payments


def by_account(frame: pl.DataFrame) -> dict[str, dict]:
    return {r["account_id"]: r for r in frame.iter_rows(named=True)}


def ledger():
    acc = accounts(
        # Overdue since 11-20 (dpd 10 today), paid 30 on 11-25 (dpd 5).
        {"account_id": "A1", "due_date": d("2026-11-20"), "overdue_amount": 100.0},
        # Overdue since 09-30: the payments ledger starts 10-31, dpd 31 then.
        {"account_id": "A2", "due_date": d("2026-09-30"), "overdue_amount": 500.0},
        # Current; last instalment due 11-10 (next 12-10), paid three days late.
        {"account_id": "A3", "next_due_date": d("2026-12-10")},
        # Current; last instalment due 11-15, paid the day before: never in arrears.
        {"account_id": "A4", "next_due_date": d("2026-12-15")},
        # Settled: leaves collection, no episode.
        {"account_id": "A5", "due_date": d("2026-06-01"), "status": "settled"},
        # Current, no instalment schedule: its payment only opens the ledger.
        {"account_id": "A6"},
    )
    pay = payments(
        ("A6", "2026-10-31", 10.0),
        ("A1", "2026-11-25", 30.0),
        ("A3", "2026-11-13", 80.0),
        ("A4", "2026-11-14", 70.0),
    )
    att = attempts(
        ("A4", "sms", "2026-11-01", "delivered", None),
        ("A1", "sms", "2026-11-23", "delivered", None),
    )
    return acc, pay, att


def test_an_account_overdue_today_is_at_risk_from_its_first_day_to_yesterday():
    acc, pay, att = ledger()
    ep = by_account(ledger_episodes(acc, pay, att, AS_OF).frame)
    a1 = ep["A1"]
    assert (a1["first_dpd"], a1["last_dpd"], a1["cured"]) == (1, 9, False)
    assert a1["owed"] == 130.0  # 100 still overdue + 30 paid since
    assert (a1["first_contact_dpd"], a1["contact_known"]) == (3, True)


def test_an_episode_older_than_the_ledger_enters_late_and_its_contacts_are_unknown():
    acc, pay, att = ledger()
    a2 = by_account(ledger_episodes(acc, pay, att, AS_OF).frame)["A2"]
    assert (a2["first_dpd"], a2["last_dpd"]) == (31, 60)
    assert a2["contact_known"] is False


def test_a_late_instalment_is_an_episode_cured_on_its_payment_day():
    acc, pay, att = ledger()
    ep = ledger_episodes(acc, pay, att, AS_OF)
    a3 = by_account(ep.frame)["A3"]
    assert (a3["entry"], a3["first_dpd"], a3["last_dpd"], a3["cured"]) == (
        d("2026-11-10"),
        1,
        3,
        True,
    )
    assert a3["owed"] == 80.0
    assert a3["first_contact_dpd"] is None


def test_accounts_never_in_arrears_or_settled_have_no_episode():
    acc, pay, att = ledger()
    ep = ledger_episodes(acc, pay, att, AS_OF)
    assert set(ep.frame.get_column("account_id")) == {"A1", "A2", "A3"}
    assert ep.observed_from == d("2026-10-31")
    assert ep.contact_from == d("2026-11-01")


def test_payments_are_kept_by_the_dpd_of_their_day_while_at_risk():
    acc, pay, att = ledger()
    ep = ledger_episodes(acc, pay, att, AS_OF)
    ids = dict(ep.frame.select("account_id", "episode").iter_rows())
    got = {(r["episode"], r["dpd"], r["amount"]) for r in ep.payments.iter_rows(named=True)}
    assert got == {(ids["A1"], 5, 30.0), (ids["A3"], 3, 80.0)}


def snapshots() -> pl.DataFrame:
    rows = [
        # S1: overdue since 09-15 at two month ends, current at the third.
        ("2026-09-30", "S1", "2026-09-15", 200.0),
        ("2026-10-31", "S1", "2026-09-15", 400.0),
        ("2026-11-30", "S1", None, 0.0),
        # S2: current, then overdue since 10-20, still overdue.
        ("2026-09-30", "S2", None, 0.0),
        ("2026-10-31", "S2", "2026-10-20", 100.0),
        ("2026-11-30", "S2", "2026-10-20", 200.0),
        # S3: overdue since 09-25, current a month later with no payment in the ledger.
        ("2026-09-30", "S3", "2026-09-25", 50.0),
        ("2026-10-31", "S3", None, 0.0),
    ]
    return pl.DataFrame(
        [
            {
                "as_of": d(a),
                "account_id": k,
                "due_date": d(u) if u else None,
                "overdue_amount": x,
                "status": "active",
            }
            for a, k, u, x in rows
        ]
    )


def test_snapshot_episodes_cure_on_the_last_payment_before_the_snapshot_that_shows_it():
    pay = payments(("S1", "2026-11-20", 400.0), ("S2", "2026-11-05", 10.0))
    ep = by_account(snapshot_episodes(snapshots(), pay, None, AS_OF).frame)
    s1 = ep["S1"]
    # Seen from 09-30 (dpd 15), cured on 11-20: dpd 66.
    assert (s1["first_dpd"], s1["last_dpd"], s1["cured"], s1["owed"]) == (15, 66, True, 200.0)


def test_snapshot_episodes_still_open_are_censored_the_day_before_the_last_snapshot():
    ep = by_account(snapshot_episodes(snapshots(), None, None, AS_OF).frame)
    s2 = ep["S2"]
    # Entered after the first snapshot (so from dpd 1); last seen 11-30 at dpd 41.
    assert (s2["first_dpd"], s2["last_dpd"], s2["cured"]) == (1, 40, False)


def test_a_cure_without_a_payment_is_dated_the_day_before_the_snapshot_that_shows_it():
    ep = by_account(snapshot_episodes(snapshots(), None, None, AS_OF).frame)
    s3 = ep["S3"]
    # 09-25 + 35 days = 10-30, the day before the 10-31 snapshot.
    assert (s3["first_dpd"], s3["last_dpd"], s3["cured"]) == (5, 35, True)
