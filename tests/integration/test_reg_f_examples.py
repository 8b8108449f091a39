"""The CFPB's own worked examples of the Regulation F call frequencies, as golden tests.

Supplement I to 12 CFR part 1006 (Official Interpretations) illustrates 1006.14(b)(2)-(4)
with examples: seven calls within seven consecutive days about one debt to one person
(`US-7IN7`), no call within seven consecutive days after a telephone conversation about it,
the conversation day being day 1 (`US-COOL-OFF`), which calls count and what a "particular
debt" is. Each test below reproduces one example's facts as a contact ledger and asks the
pre-dial check (and, where the example is a question about a day, the daily plan) the
example's question. The comment number is in the test's name: `14b2i_1i` is comment
14(b)(2)(i)-1.i.

The examples name weekdays without a year; in 2026 every date falls on the weekday the
comment gives (as in 2020, when the rule was issued). The consumer lives in New York
(EDT, UTC-4, from 8 March to 1 November 2026; EST, UTC-5, after); calls are at office hours.

Where the guard is stricter than an example (it cannot see consent, a number later learned to
be someone else's, or that a call did not connect: see docs/compliance.md), the test asserts
the guard's answer and says why.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from arrears.compliance.predial import check_one
from builders import PortfolioBuilder
from integration.test_first_compliance_pass import plan, rows
from integration.test_predial import ask, state_of, us_debtor, utc

NEW_YORK = ZoneInfo("America/New_York")
OTHER_PHONE = "+12127360124"  # another New York number


def ny(local: str) -> str:
    """A New York wall-clock time ("2026-04-01 10:00") as the UTC text the ledger holds."""
    at = datetime.strptime(local, "%Y-%m-%d %H:%M").replace(tzinfo=NEW_YORK)
    return utc(at.isoformat()).strftime("%Y-%m-%dT%H:%M:%SZ")


def consumer(first_day: date, **kw) -> PortfolioBuilder:
    """The example's consumer: one debt (A00001), overdue before the first day, in New York."""
    return us_debtor(timezone="America/New_York", run_date=first_day, **kw)


def calls(b: PortfolioBuilder, *at: str, outcome: str = "no_answer", **kw) -> list[str]:
    """Calls at the New York times `at`, in order; returns their UTC instants."""
    placed = []
    for local in at:
        instant = ny(local)
        b.attempt(f"T{len(b.tables.get('attempts', []))}", instant, outcome, **kw)
        placed.append(instant)
    return placed


def by_account(state, at: str, contact: str = "P00001") -> dict[str, str | None]:
    """The pre-dial answer for every open debt of the contact's customer: account -> rule."""
    return {a["account_id"]: a["rule"] for a in check_one(state, contact, utc(at)).to_dicts()}


DAYS = ", ".join(str(d) for d in range(1, 91))
STRATEGY = f"""
name: reg-f-examples
version: 1
jurisdiction: [US]
buckets:
  M1: [1, 90]
segments:
  - id: S
    steps:
      - {{id: call, days: [{DAYS}], channel: human_call, team: x}}
"""


def planned(tmp_path, b: PortfolioBuilder, day: date) -> dict[str, str | None]:
    """The daily plan's call step on `day`: account -> None (planned) or the blocking rule."""
    result = plan(tmp_path / day.isoformat(), b, STRATEGY, day).result
    out: dict[str, str | None] = {}
    for account in sorted(set(result.actions["account_id"]) | set(result.blocked["account_id"])):
        blocked = rows(result.blocked, account, "call")
        out[account] = blocked[0]["rule"] if blocked else None
    return out


# 14(b)(2)(i) — the presumption of compliance


def test_14b2i_1i_seven_calls_from_wednesday_april_1_to_tuesday_april_7_comply(tmp_path):
    """Comment 14(b)(2)(i)-1.i: a limited-content message on Wed 1 April, six more unanswered
    calls from Thu 2 to Tue 7 April: seven calls in the seven days from 1 April; no further
    call until Wed 8 April. Presumed to comply: every one of the seven, and the call on the
    8th, is allowed."""
    b = consumer(date(2026, 4, 1))
    placed = calls(b, "2026-04-01 10:00", outcome="voicemail")
    placed += calls(b, *(f"2026-04-0{d} 10:00" for d in range(2, 8)))
    state = state_of(tmp_path, b)
    for at in placed:  # each call, asked at the instant it was placed (earlier ones count)
        assert ask(state, at=at)["allowed"], at
    assert ask(state, at=ny("2026-04-08 10:00"))["allowed"]
    assert planned(tmp_path, b, date(2026, 4, 8)) == {"A00001": None}
    # An eighth call on the 7th would exceed the frequency (comment 14(b)(2)(ii)-1.i).
    eighth = ask(state, at=ny("2026-04-07 15:00"))
    assert eighth["rule"] == "US-7IN7"
    assert eighth["next_allowed_at"] == utc("2026-04-08T12:00:00Z")  # 08:00 EDT


def test_14b2i_1ii_after_a_conversation_on_thursday_august_13_calls_resume_august_20(tmp_path):
    """Comment 14(b)(2)(i)-1.ii: on Thu 13 August the consumer calls the collector and they
    talk about the debt; no call to the consumer before Thu 20 August: presumed to comply.

    The contract's ledger has no direction: the consumer's call is a row with outcome `rpc`.
    Its conversation starts the cool-off (whoever called, comment 14(b)(4)-1.ii); it is also
    counted as a placed call, which cannot change a verdict (any 7-in-7 span holding it
    ends inside the cool-off it starts)."""
    b = consumer(date(2026, 8, 13))
    calls(b, "2026-08-13 11:00", outcome="rpc")
    state = state_of(tmp_path, b)
    assert ask(state, at=ny("2026-08-20 08:00"))["allowed"]
    day_7 = ask(state, at=ny("2026-08-19 17:00"))  # 13 August is day 1, the 19th day 7
    assert day_7["rule"] == "US-COOL-OFF"
    assert day_7["next_allowed_at"] == utc(ny("2026-08-20 08:00"))


def test_a_conversation_as_the_seventh_call_is_next_allowed_when_the_cool_off_ends(tmp_path):
    """Six unanswered calls on Mon 9 and Tue 10 November, then a conversation on Wed 11 as
    the seventh call. Asked on Thu 12, `US-7IN7` refuses first (seven calls in 6-12
    November) and would end on Mon 16, when the calls of the 9th leave its span; but the
    conversation's cool-off (the 11th is day 1) lasts until Tue 17. The next allowed time is
    the first instant every rule allows: Wed 18 November 08:00, in the plan too."""
    b = consumer(date(2026, 11, 9))
    calls(b, "2026-11-09 10:00", "2026-11-09 12:00", "2026-11-09 14:00")
    calls(b, "2026-11-10 10:00", "2026-11-10 12:00", "2026-11-10 14:00")
    calls(b, "2026-11-11 10:00", outcome="rpc")
    state = state_of(tmp_path, b)
    answer = ask(state, at=ny("2026-11-12 10:00"))
    assert answer["rule"] == "US-7IN7"  # the first refusing rule is still the one named
    assert answer["next_allowed_at"] == utc(ny("2026-11-18 08:00"))
    assert answer["detail"].endswith("; also refused by US-COOL-OFF")
    on_the_16th = ask(state, at=ny("2026-11-16 08:00"))
    assert on_the_16th["rule"] == "US-COOL-OFF"
    assert on_the_16th["next_allowed_at"] == utc(ny("2026-11-18 08:00"))
    assert ask(state, at=ny("2026-11-18 08:00"))["allowed"]
    assert not ask(state, at=ny("2026-11-18 07:59"))["allowed"]  # before the window
    result = plan(tmp_path / "plan", b, STRATEGY, date(2026, 11, 12)).result
    (blocked,) = rows(result.blocked, "A00001", "call")
    assert blocked["rule"] == "US-7IN7"
    assert blocked["next_allowed_at"] == utc(ny("2026-11-18 08:00"))


def test_14b2i_1iii_seven_unanswered_calls_to_a_third_party_from_october_6_to_12(tmp_path):
    """Comment 14(b)(2)(i)-1.iii: a first unanswered call to a third party for location
    information on Tue 6 October, up to six more unanswered calls to that third party
    through Mon 12 October: presumed to comply. The third party is a person of their own;
    the debtor's own failed calls (which open the third-party gate) do not count for them."""
    b = consumer(date(2026, 9, 25))
    b.point(1, "E1", OTHER_PHONE, role="third_party", relation="other")
    calls(b, "2026-10-01 10:00", "2026-10-02 10:00", "2026-10-03 10:00")  # the debtor
    placed = calls(b, *(f"2026-10-{d:02d} 11:00" for d in range(6, 13)), contact="E1")
    state = state_of(tmp_path, b)
    for at in placed:
        assert ask(state, contact="E1", at=at)["allowed"], at
    eighth = ask(state, contact="E1", at=ny("2026-10-12 16:00"))
    assert eighth["rule"] == "US-7IN7"
    assert eighth["next_allowed_at"] == utc(ny("2026-10-13 08:00"))


def test_14b2i_2i_seven_calls_concentrated_on_friday_april_3_are_within_the_count(tmp_path):
    """Comment 14(b)(2)(i)-2.i: as 1.i, but the six further calls all on Fri 3 April. Still
    presumed to comply (the concentration is only a factor that may rebut it): the US preset
    allows each call. A lender that wants no such day adds a house cap (docs/compliance.md),
    which then refuses the fourth call of the day."""
    b = consumer(date(2026, 4, 1))
    placed = calls(b, "2026-04-01 10:00", outcome="voicemail")
    placed += calls(b, *(f"2026-04-03 {h:02d}:00" for h in (9, 10, 11, 12, 13, 14)))
    state = state_of(tmp_path, b, jurisdictions=("US",))
    for at in placed:
        assert ask(state, at=at)["allowed"], at
    house = {
        "caps": [
            {
                "id": "HOUSE-3-A-DAY",
                "scope": "debtor",
                "channels": "voice",
                "counts": "attempts",
                "days": 1,
                "max": 3,
            }
        ]
    }
    strict = state_of(tmp_path / "house", b, jurisdictions=("US",), house=house)
    assert [ask(strict, at=at)["rule"] for at in placed[1:]] == [None] * 3 + ["HOUSE-3-A-DAY"] * 3


def test_14b2i_3i_calls_to_a_number_later_learned_to_be_someone_elses_still_count(tmp_path):
    """Comment 14(b)(2)(i)-3.i: unanswered calls on Monday and Wednesday to a number; on
    Thursday the collector learns it belongs to someone else. Those calls were not placed to
    the consumer. Here (Mon 1, Wed 3 June; Thu 4 June a `wrong_party` answer) four more calls
    to the consumer's own number follow, Thu 4 to Sun 7 June: the regulation counts four.

    STRICTER: the guard counts the calls to the wrong number (its point is the debtor's in
    the contacts table, and the contract has no "this number is not theirs" fact beyond an
    outcome on one call), seven in all: the next call is refused until they leave the span."""
    b = consumer(date(2026, 6, 1))
    b.point(1, "P1b", OTHER_PHONE)  # believed to be the consumer's
    calls(b, "2026-06-01 10:00", "2026-06-03 10:00", contact="P1b")
    calls(b, "2026-06-04 10:00", outcome="wrong_party", contact="P1b")
    calls(b, "2026-06-04 15:00", "2026-06-05 10:00", "2026-06-06 10:00", "2026-06-07 10:00")
    answer = ask(state_of(tmp_path, b), at=ny("2026-06-07 15:00"))
    assert answer["rule"] == "US-7IN7"  # the regulation: 4 calls, allowed
    assert answer["next_allowed_at"] == utc(ny("2026-06-08 08:00"))  # 1 June leaves


# 14(b)(2)(ii) — the presumption of a violation


def test_14b2ii_1i_an_eighth_call_on_tuesday_april_7_is_presumed_a_violation(tmp_path):
    """Comment 14(b)(2)(ii)-1.i: a limited-content message on Wed 1 April, two unanswered
    calls on each of Thu 2, Fri 3 and Mon 6 April, one more on Tue 7 April: eight calls in the
    seven days from 1 April. Presumed a violation: the call on the 7th is refused, and allowed
    again on Wed 8 April, when 1 April has left the seven days."""
    b = consumer(date(2026, 4, 1))
    calls(b, "2026-04-01 10:00", outcome="voicemail")
    calls(b, *(f"2026-04-0{d} {h:02d}:00" for d in (2, 3, 6) for h in (10, 15)))
    state = state_of(tmp_path, b)
    eighth = ask(state, at=ny("2026-04-07 10:00"))
    assert eighth["rule"] == "US-7IN7"
    assert eighth["detail"].startswith("7 calls in the last 7 days")
    assert eighth["next_allowed_at"] == utc(ny("2026-04-08 08:00"))
    assert ask(state, at=ny("2026-04-08 08:00"))["allowed"]
    assert planned(tmp_path, b, date(2026, 4, 7)) == {"A00001": "US-7IN7"}
    assert planned(tmp_path, b, date(2026, 4, 8)) == {"A00001": None}


def test_14b2ii_1ii_a_call_before_friday_august_21_after_a_conversation_on_the_14th(tmp_path):
    """Comment 14(b)(2)(ii)-1.ii: an unanswered call on Tue 11 August, a call and a
    conversation about the debt on Fri 14 August: a call about the debt before Fri 21 August
    is presumed a violation."""
    b = consumer(date(2026, 8, 11))
    calls(b, "2026-08-11 10:00")
    calls(b, "2026-08-14 10:00", outcome="rpc")
    state = state_of(tmp_path, b)
    for at in ("2026-08-14 16:00", "2026-08-17 10:00", "2026-08-20 20:59"):
        answer = ask(state, at=ny(at))
        assert answer["rule"] == "US-COOL-OFF", at
        assert answer["next_allowed_at"] == utc(ny("2026-08-21 08:00"))
    assert ask(state, at=ny("2026-08-21 08:00"))["allowed"]
    assert planned(tmp_path, b, date(2026, 8, 20)) == {"A00001": "US-COOL-OFF"}
    assert planned(tmp_path, b, date(2026, 8, 21)) == {"A00001": None}


@pytest.mark.parametrize(
    ("comment", "at", "rule"),
    [
        ("14(b)(2)(ii)-2.i loss-mitigation call required by Regulation X", "04-07 10:00", "7IN7"),
        ("14(b)(2)(ii)-2.ii call about active litigation", "08-17 10:00", "COOL-OFF"),
        ("14(b)(2)(ii)-2.iii information the consumer asked for", "08-17 10:00", "COOL-OFF"),
        ("14(b)(2)(ii)-2.iv.A redial after the call dropped", "08-14 10:30", "COOL-OFF"),
        ("14(b)(2)(ii)-2.iv.B late fee the creditor will charge", "08-17 10:00", "COOL-OFF"),
        ("14(b)(2)(ii)-2.iv.C a 'one-time only' discount (no factor)", "08-17 10:00", "COOL-OFF"),
    ],
)
def test_14b2ii_2_the_factors_that_may_rebut_a_violation_do_not_lift_a_refusal(
    tmp_path, comment, at, rule
):
    """Comment 14(b)(2)(ii)-2: with the facts of 1.i (eight calls by 7 April) or 1.ii (a
    conversation on 14 August), a call placed for one of these purposes is still presumed a
    violation; the purpose is only a factor that may rebut the presumption, weighed after
    the fact. The guard applies the presumptions and has no override: it refuses (for .iv.C,
    which the comment says is no factor, that is the comment's own answer)."""
    b = consumer(date(2026, 4, 1))
    calls(b, "2026-04-01 10:00", outcome="voicemail")
    calls(b, *(f"2026-04-0{d} {h:02d}:00" for d in (2, 3, 6) for h in (10, 15)))
    calls(b, "2026-08-11 10:00")
    calls(b, "2026-08-14 10:00", outcome="rpc")
    answer = ask(state_of(tmp_path, b), at=ny(f"2026-{at}"))
    assert answer["rule"] == f"US-{rule}", comment


# 14(b)(3) — calls excluded from the frequencies


def test_14b3i_3i_call_back_on_monday_is_refused_without_a_record_of_consent(tmp_path):
    """Comment 14(b)(3)(i)-3.i: a conversation on Fri 3 April in which the consumer says
    "call back on Monday". Absent an exception a call on Mon 6 April is presumed a
    violation; with the consumer's prior consent the collector may call.

    STRICTER: the contract's ledger cannot record prior consent (1006.14(b)(3)(i)), so the
    guard gives the "absent an exception" answer: refused until Fri 10 April."""
    b = consumer(date(2026, 4, 3))
    calls(b, "2026-04-03 10:00", outcome="rpc")
    answer = ask(state_of(tmp_path, b), at=ny("2026-04-06 10:00"))
    assert answer["rule"] == "US-COOL-OFF"
    assert answer["next_allowed_at"] == utc(ny("2026-04-10 08:00"))


def test_14b3i_3ii_a_call_on_wednesday_april_8_after_monday_s_conversation(tmp_path):
    """Comment 14(b)(3)(i)-3.ii: as 3.i; on Mon 6 April the collector calls back and they
    talk. The conversation ends the consent: a call on Wed 8 April counts and is presumed a
    violation. Refused, until Mon 13 April (6 April is day 1)."""
    b = consumer(date(2026, 4, 3))
    calls(b, "2026-04-03 10:00", "2026-04-06 10:00", outcome="rpc")
    answer = ask(state_of(tmp_path, b), at=ny("2026-04-08 10:00"))
    assert answer["rule"] == "US-COOL-OFF"
    assert answer["next_allowed_at"] == utc(ny("2026-04-13 08:00"))


def test_14b3i_3iii_calls_with_consent_given_by_email_on_june_4_still_count_here(tmp_path):
    """Comment 14(b)(3)(i)-3.iii: three unanswered calls Mon 1 to Wed 3 June, an e-mail on
    the 3rd; the consumer's e-mail of Thu 4 June gives prior consent ("You can call me at
    ..."); eight unanswered calls Mon 8 to Wed 10 June are excluded (the seven days from
    4 June); calls from Thu 11 June count again, without the excluded eight.

    STRICTER: the ledger cannot record the consent, so the eight calls count: the eighth is
    refused, and on 11 June the eight still fill the seven days until Mon 15 June. The
    e-mails are not calls and count for nothing (comment 14(b)-1)."""
    b = consumer(date(2026, 6, 1))
    b.point(1, "M1", "c1@example.com", kind="email")
    calls(b, "2026-06-01 10:00", "2026-06-02 10:00", "2026-06-03 10:00")
    calls(b, "2026-06-03 12:00", outcome="sent", contact="M1", channel="email")
    with_consent = calls(
        b, *(f"2026-06-0{d} {h:02d}:00" for d, h in [(8, 9), (8, 12), (8, 15), (9, 9), (9, 12)])
    )
    with_consent += calls(b, "2026-06-09 15:00", "2026-06-10 09:00", "2026-06-10 12:00")
    state = state_of(tmp_path, b)
    assert [ask(state, at=at)["rule"] for at in with_consent] == [None] * 7 + ["US-7IN7"]
    on_the_11th = ask(state, at=ny("2026-06-11 10:00"))  # the regulation: 0 calls, allowed
    assert on_the_11th["rule"] == "US-7IN7"
    assert on_the_11th["next_allowed_at"] == utc(ny("2026-06-15 08:00"))


# Connected (comment 14(b)(3)(ii)-1): rang unanswered, reached a voicemail or a recorded
# message, answered and then dropped (here by the dialer: `abandoned`).
CONNECTED = ["no_answer", "voicemail", "machine", "abandoned", "no_answer", "voicemail", "machine"]


@pytest.mark.parametrize(
    ("outcomes", "regulation"),
    [
        (CONNECTED, "US-7IN7"),
        (["no_connect"] * 7, None),  # busy, not in service: none counts
        (["no_connect"] * 3 + ["no_answer"] * 4, None),  # four count
    ],
    ids=["connected", "not-connected", "mixed"],
)
def test_14b3ii_1_unconnected_calls(tmp_path, outcomes, regulation):
    """Comment 14(b)(3)(ii)-1: a call that does not connect to the dialed number (a busy
    signal, a number not in service) does not count; one that rings unanswered, reaches a
    voicemail or is answered and drops does. Seven calls in a week, then an eighth: the
    regulation presumes a violation only when all seven connected (`regulation`).
    `US-7IN7` does not count a `no_connect` attempt (its `not_counted`), so the guard gives the
    regulation's answer."""
    b = consumer(date(2026, 11, 9))
    for day, outcome in zip(range(9, 16), outcomes, strict=True):
        calls(b, f"2026-11-{day} 10:00", outcome=outcome)
    answer = ask(state_of(tmp_path, b), at=ny("2026-11-15 15:00"))
    assert answer["rule"] == regulation


def test_14b_1_texts_and_emails_are_not_calls_and_seven_unanswered_calls_comply(tmp_path):
    """Comment 14(b)-1: placing a call does not include sending a text message or an e-mail.
    Comment 14(a)-2.i: seven unanswered calls within seven days, with e-mails besides, do
    not exceed the call frequencies (whether the whole is harassment under 1006.14(a) is
    not a count). The seven calls are allowed; texts and e-mails neither count towards the
    calls nor are refused by `US-7IN7` after seven calls."""
    b = consumer(date(2026, 11, 9))
    b.point(1, "M1", "c1@example.com", kind="email")
    for d in range(9, 16):
        calls(b, f"2026-11-{d} 09:00", outcome="delivered", channel="sms")
        calls(b, f"2026-11-{d} 09:30", outcome="sent", contact="M1", channel="email")
    placed = calls(b, *(f"2026-11-{d} 10:00" for d in range(9, 16)))
    state = state_of(tmp_path, b)
    for at in placed:
        assert ask(state, at=at)["allowed"], at
    after = ny("2026-11-15 15:00")
    assert ask(state, at=after)["rule"] == "US-7IN7"
    assert ask(state, at=after, channel="sms")["allowed"]
    assert ask(state, contact="M1", at=after, channel="email")["allowed"]


# 14(b)(4) — a particular debt


def three_debts(first_day: date) -> PortfolioBuilder:
    """Comment 14(b)(4)-2's consumer: a medical debt (A00001) and credit card debts CARD-A
    and CARD-B, all in collection."""
    b = consumer(first_day, product="medical")
    due = first_day.replace(day=1).isoformat()
    for card in ("CARD-A", "CARD-B"):
        b.account(1, card, due_date=due, product="credit_card", currency="USD")
    return b


def test_14b4_2i_twenty_one_unanswered_calls_seven_for_each_of_three_debts_comply(tmp_path):
    """Comment 14(b)(4)-2.i: a medical debt and credit card debts A and B; 21 unanswered
    calls in seven days, seven counted towards each debt: presumed to comply. An unanswered
    call counts towards the one debt the ledger row names. Here Mon 9 to Sun 15 November:
    each debt's seventh call is allowed, an eighth about any of them is not."""
    b = three_debts(date(2026, 11, 9))
    last: dict[str, str] = {}
    for account in ("A00001", "CARD-A", "CARD-B"):
        *_, last[account] = calls(
            b, *(f"2026-11-{d} 1{i}:00" for i, d in enumerate(range(9, 16))), account=account
        )
    state = state_of(tmp_path, b)
    for account, at in last.items():
        assert by_account(state, at)[account] is None, account
    assert by_account(state, ny("2026-11-15 20:00")) == dict.fromkeys(last, "US-7IN7")
    # The day before the seventh calls, the plan calls about each of the three debts.
    b6 = three_debts(date(2026, 11, 9))
    for account in last:
        calls(b6, *(f"2026-11-{d} 10:00" for d in range(9, 15)), account=account)
    assert planned(tmp_path, b6, date(2026, 11, 15)) == dict.fromkeys(last)


def test_14b4_2ii_a_limited_content_message_counts_towards_one_debt(tmp_path):
    """Comment 14(b)(4)-2.ii: a call meant for a medical and a credit card debt reaches
    voicemail and a limited-content message is left: it may count towards either debt. The
    ledger row names one (here the medical debt, with six unanswered calls before it): the
    medical debt has its seven, the card none."""
    b = three_debts(date(2026, 11, 9))
    calls(b, *(f"2026-11-{d} 10:00" for d in range(9, 15)))
    calls(b, "2026-11-15 10:00", outcome="voicemail")
    answers = by_account(state_of(tmp_path, b), ny("2026-11-15 15:00"))
    assert answers == {"A00001": "US-7IN7", "CARD-A": None, "CARD-B": None}


def test_14b4_2iii_a_conversation_on_monday_november_9_about_the_medical_debt_only(tmp_path):
    """Comment 14(b)(4)-2.iii: on Mon 9 November a call and a conversation solely about the
    medical debt; no call about the card. The medical debt has a call and a conversation,
    the card neither: calls about the medical debt wait until Mon 16 November, calls about
    the card do not."""
    b = three_debts(date(2026, 11, 9))
    calls(b, "2026-11-09 10:00", outcome="rpc")
    state = state_of(tmp_path, b)
    assert by_account(state, ny("2026-11-10 10:00")) == {
        "A00001": "US-COOL-OFF",
        "CARD-A": None,
        "CARD-B": None,
    }
    medical = check_one(state, "P00001", utc(ny("2026-11-10 10:00")), account_id="A00001")
    assert medical["next_allowed_at"].to_list() == [utc(ny("2026-11-16 08:00"))]
    assert planned(tmp_path, b, date(2026, 11, 10)) == {
        "A00001": "US-COOL-OFF",
        "CARD-A": None,
        "CARD-B": None,
    }


def test_14b4_2iv_a_conversation_about_both_debts_counts_for_each(tmp_path):
    """Comment 14(b)(4)-2.iv: as 2.iii, but the conversation of 9 November is about the
    medical debt and a credit card debt: a call and a conversation for each. The ledger holds
    one row per debt the call was about; both wait until 16 November."""
    b = three_debts(date(2026, 11, 9))
    calls(b, "2026-11-09 10:00", outcome="rpc")
    calls(b, "2026-11-09 10:00", outcome="rpc", account="CARD-A")
    assert by_account(state_of(tmp_path, b), ny("2026-11-15 20:00")) == {
        "A00001": "US-COOL-OFF",
        "CARD-A": "US-COOL-OFF",
        "CARD-B": None,
    }


def test_14b4_2v_a_general_conversation_on_thursday_november_12_counts_for_one_debt(tmp_path):
    """Comment 14(b)(4)-2.v: Mon 9 to Wed 11 November, two unanswered calls counted for the
    medical debt and four for the card; on Thu 12 November a general conversation about
    neither, counted for the medical debt only. Medical: three calls, one conversation; the
    card: four calls, none. On the 13th calls about the medical debt are refused, about the
    card allowed (three more fill its seven)."""
    b = three_debts(date(2026, 11, 9))
    calls(b, "2026-11-09 10:00", "2026-11-10 10:00")
    calls(
        b,
        *("2026-11-09 11:00", "2026-11-10 11:00", "2026-11-11 11:00", "2026-11-11 15:00"),
        account="CARD-A",
    )
    calls(b, "2026-11-12 10:00", outcome="rpc")
    state = state_of(tmp_path, b)
    assert by_account(state, ny("2026-11-13 10:00")) == {
        "A00001": "US-COOL-OFF",
        "CARD-A": None,
        "CARD-B": None,
    }
    calls(b, "2026-11-13 10:00", "2026-11-13 12:00", "2026-11-13 14:00", account="CARD-A")
    more = by_account(state_of(tmp_path / "more", b), ny("2026-11-13 16:00"))
    assert more["CARD-A"] == "US-7IN7"


def test_14b4_2vi_the_consumer_turns_the_conversation_to_the_card_debt(tmp_path):
    """Comment 14(b)(4)-2.vi: on Mon 9 November the collector calls about the medical debt;
    the consumer will not discuss it and talks about the card instead. Medical: a call and a
    conversation; the card: a conversation, no call. Both wait until 16 November.

    The card's conversation is a ledger row (outcome `rpc`) and so also counts as a call
    placed about the card; a verdict cannot change by it (see 1.ii)."""
    b = three_debts(date(2026, 11, 9))
    calls(b, "2026-11-09 10:00", outcome="rpc")
    calls(b, "2026-11-09 10:05", outcome="rpc", account="CARD-A")
    state = state_of(tmp_path, b)
    assert by_account(state, ny("2026-11-15 20:00")) == {
        "A00001": "US-COOL-OFF",
        "CARD-A": "US-COOL-OFF",
        "CARD-B": None,
    }
    assert by_account(state, ny("2026-11-16 08:00")) == dict.fromkeys(
        ("A00001", "CARD-A", "CARD-B")
    )


def test_14b4_2vii_student_loans_serviced_under_one_account_number_are_one_debt(tmp_path):
    """Comment 14(b)(4)-2.vii: three student loans serviced under one account number when the
    collector obtained them are one debt: seven calls in seven days about any of them, and
    no call in the seven days after a conversation about any one.

    The guard's debt is the `accounts` row, so the three loans come as one account, its id
    the servicing account number (docs/compliance.md); one row per loan would be counted as
    three debts."""
    b = consumer(date(2026, 11, 9), product="student_loan")
    calls(b, *(f"2026-11-{d} 10:00" for d in range(9, 16)))
    state = state_of(tmp_path, b)
    assert ask(state, at=ny("2026-11-15 15:00"))["rule"] == "US-7IN7"
    talked = consumer(date(2026, 11, 9), product="student_loan")
    calls(talked, "2026-11-09 10:00", outcome="rpc")
    assert ask(state_of(tmp_path / "talked", talked), at=ny("2026-11-12 10:00"))["rule"] == (
        "US-COOL-OFF"
    )
