"""Property: whatever the ledger, zones, day, house policy and question, an allowed pre-dial
answer breaks no active rule — each rule re-counted here in plain Python from the raw rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arrears.compliance.predial import check, questions
from property_portfolios import (
    FAILED,
    RUN_DATES,
    VOICE,
    callee,
    events,
    portfolios,
    predial_state,
    talked,
)

HOUSE = st.fixed_dictionaries(
    {
        "hours": st.sampled_from([None, ("09:00", "20:00"), ("08:30", "18:00")]),
        "pause": st.sampled_from([None, ("12:00", "13:30")]),
    }
)


def strategy_text(house: dict) -> str:
    lines = ["house:"]
    if house["hours"]:
        lines.append(f'  contact_hours: ["{house["hours"][0]}", "{house["hours"][1]}"]')
    if house["pause"]:
        lines.append(f'  calendar: {{pauses: [["{house["pause"][0]}", "{house["pause"][1]}"]]}}')
    return "\n".join(
        [
            "name: predial-property",
            "version: 1",
            "jurisdiction: [CN, US, GB]",
            "buckets: {M1: [1, 30]}",
            "segments: [{id: S, steps: []}]",
            *(lines if len(lines) > 1 else []),
        ]
    )


def hours_of(country: str, house: dict) -> tuple[time, time]:
    law = {"CN": (time(8), time(21)), "US": (time(8), time(21)), "GB": (time(8), time(21))}
    start, end = law[country]
    if house["hours"]:
        h_start, h_end = (time.fromisoformat(t) for t in house["hours"])
        start, end = max(start, h_start), min(end, h_end)
    return start, end


def in_days(event: datetime, asked_day: date, zones: list[str], days: int) -> bool:
    first = asked_day - timedelta(days=days - 1)
    return any(first <= event.astimezone(ZoneInfo(z)).date() <= asked_day for z in zones)


def unreachable_at(p: dict, evs: list, at: datetime) -> bool:
    n = p["n"]
    phones = [f"P{n:05d}"] + ([f"P{n:05d}b"] if p["second_phone"] else [])
    recent = [e for e in evs if at - timedelta(days=14) <= e[2] < at]
    failed = {
        ph: sum(1 for ch, out, _, c in recent if c == ph and ch in VOICE and out in FAILED)
        for ph in phones
    }
    spoke = any(out == "rpc" for _, out, _, _ in recent)
    return all(v >= 3 for v in failed.values()) and not spoke


def check_allowed(p: dict, answer: dict, house: dict, run_date: date) -> None:
    at: datetime = answer["at"]
    zones = answer["timezone"].split("|")
    contact, channel, account = answer["contact_id"], answer["channel"], answer["account_id"]
    own = account == f"A{p['n']:05d}"
    # Hours and pauses, on the local clock of every candidate zone.
    start, end = hours_of(p["country"], house)
    for zone in zones:
        local = at.astimezone(ZoneInfo(zone))
        assert start <= local.time() < end, (answer, zone)
        if house["pause"]:
            p_start, p_end = (time.fromisoformat(t) for t in house["pause"])
            assert not p_start <= local.time() < p_end, (answer, "pause", zone)
    # Holds, refusals, opt-outs, third parties.
    status = p["status"] if own else "active"
    assert status == "active" or status == "written_off", answer
    assert p["status"] not in ("bankruptcy", "cease_contact", "deceased"), answer
    if contact == f"P{p['n']:05d}" and p["opt_out"]:
        assert channel not in p["opt_out"].split(","), answer
    evs = [e for e in events(p, run_date) if e[2] < at]
    if contact.startswith("E"):
        assert not p["refused_emergency"], answer
        assert unreachable_at(p, evs, at), answer
    day = at.astimezone(ZoneInfo(zones[0])).date()
    who = callee(contact)
    if channel not in VOICE:
        return
    mine = [e for e in evs if own]  # the ledger is about the customer's first account
    if p["country"] == "US":
        calls = [e for e in mine if e[0] in VOICE and e[1] != "no_connect" and callee(e[3]) == who]
        assert sum(in_days(e[2], day, zones, 7) for e in calls) < 7, answer
        talks = [e for e in mine if e[0] in VOICE and talked(e[1], e[3]) == who]
        assert not any(in_days(e[2], day, zones, 7) for e in talks), (answer, "cool-off")
        abandoned = [e for e in evs if e[3] == contact and e[0] in VOICE and e[1] == "abandoned"]
        assert all(at >= e[2] + timedelta(hours=48) for e in abandoned), answer
    if p["country"] == "CN" and who == "debtor":
        rpcs = [e for e in evs if e[0] in VOICE and e[1] == "rpc"]
        assert sum(in_days(e[2], day, zones, 1) for e in rpcs) < 3, answer
    if p["country"] == "CN":
        tries = [e for e in evs if e[0] in VOICE and e[3] == contact]
        assert sum(in_days(e[2], day, zones, 1) for e in tries) < 5, answer
    if p["country"] == "GB":
        if who == "debtor":
            tries = [e for e in evs if e[0] in VOICE and callee(e[3]) == "debtor"]
            assert sum(in_days(e[2], day, zones, 1) for e in tries) < 3, answer
            assert sum(in_days(e[2], day, zones, 7) for e in tries) < 10, answer
        on_number = [e for e in evs if e[3] == contact and e[0] in VOICE]
        for _, outcome, when, _ in on_number:
            if outcome == "abandoned":
                assert at >= when + timedelta(hours=72), answer
            if outcome == "machine":
                assert at >= when + timedelta(hours=24), answer


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    people=portfolios(actives=30, most=5),
    run_date=RUN_DATES,
    house=HOUSE,
    asked=st.lists(
        st.tuples(
            st.integers(0, 4),
            st.sampled_from(["P", "E"]),
            st.sampled_from(["human_call", "robot_call", "sms"]),
            st.integers(7 * 60, 22 * 60),  # minute of the local day, mostly inside the hours
        ),
        min_size=1,
        max_size=20,
    ),
)
def test_no_allowed_pre_dial_answer_breaks_an_active_rule(people, run_date, house, asked):
    people = list(people)
    state = predial_state(people, run_date, strategy_text(house))
    home = {"CN": "Asia/Shanghai", "US": "America/Chicago", "GB": "Europe/London"}
    rows = []
    for i, kind, channel, minute in asked:
        p = people[i % len(people)]
        local = datetime(
            run_date.year,
            run_date.month,
            run_date.day,
            tzinfo=ZoneInfo(p["timezone"] or home[p["country"]]),
        ) + timedelta(minutes=minute)
        rows.append(
            {"contact_id": f"{kind}{p['n']:05d}", "at": local.astimezone(UTC), "channel": channel}
        )
    answers = check(state, questions(rows)).to_dicts()
    by_n = {p["n"]: p for p in people}
    for answer in answers:
        if answer["allowed"]:
            check_allowed(by_n[int(answer["contact_id"][1:])], answer, house, run_date)
        else:
            assert answer["rule"], answer  # a refusal always names its rule
