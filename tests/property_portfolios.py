"""Random portfolios with a contact ledger for the property tests, and plain-Python oracles
that re-count the rules from the raw rows (never from the engine's frames)."""

from __future__ import annotations

import tempfile
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from arrears.compliance.predial import PreDial
from arrears.compliance.presets import load_preset, presets_for, strictest_reach
from arrears.contract.load import load_portfolio
from arrears.contract.tables import STATUSES as CONTRACT_STATUSES
from arrears.contract.tables import VOICE_CHANNELS
from arrears.strategy.load import load_strategy_text
from builders import PortfolioBuilder

PEOPLE = {
    # country: (address zones, phones)
    "CN": (["Asia/Shanghai", None], ["+8613800000001", "+8613900000002"]),
    "US": (
        ["America/New_York", "America/Los_Angeles", "America/Phoenix", None],
        [
            "+12127360123",
            "+13105550199".replace("555", "736"),
            "+16025550123".replace("555", "736"),
        ],
    ),
    "GB": (["Europe/London", None], ["+447911123456", "+447700123456"]),
}
OUTCOMES = [
    "no_answer",
    "no_connect",
    "voicemail",
    "rpc",
    "sent",
    "delivered",
    "third_party",
    "abandoned",
    "machine",
]
CHANNELS = ["sms", "human_call", "robot_call", "ivr", "email"]


@st.composite
def debtor(draw, n: int, actives: int = 6):
    """A debtor drawn at random; `actives` weights `active` against each other status."""
    country = draw(st.sampled_from(sorted(PEOPLE)))
    zones, phones = PEOPLE[country]
    return {
        "n": n,
        "country": country,
        "timezone": draw(st.sampled_from(zones)),
        "phone": draw(st.sampled_from(phones)),
        "dpd": draw(st.integers(1, 8)),
        "status": draw(st.sampled_from(["active"] * actives + list(CONTRACT_STATUSES))),
        "opt_out": draw(st.sampled_from([None, "sms", "human_call,robot_call", "email"])),
        "refused_emergency": draw(st.booleans()),
        "second_phone": draw(st.booleans()),
        # A second overdue account of the same customer, with no history of its own.
        "second_account": draw(st.booleans()),
        # Three failed calls on every debtor phone in the last days: often unreachable.
        "hard_to_reach": draw(st.booleans()),
        "attempts": draw(
            st.lists(
                st.tuples(
                    st.sampled_from(CHANNELS),
                    st.sampled_from(OUTCOMES),
                    st.floats(0.01, 20.0),
                    st.sampled_from(["debtor", "emergency"]),
                ),
                max_size=12,
            )
        )
        # A burst of recent calls, so that the caps and rests are reached.
        + draw(
            st.lists(
                st.tuples(
                    st.sampled_from(["human_call", "robot_call"]),
                    st.sampled_from(OUTCOMES),
                    st.floats(0.01, 6.5),
                    st.sampled_from(["debtor", "debtor", "emergency"]),
                ),
                max_size=9,
            )
        ),
    }


def portfolios(actives: int = 6, most: int = 6) -> st.SearchStrategy:
    """One to `most` debtors with distinct numbers (see `debtor`)."""
    return st.lists(st.integers(1, 10_000), min_size=1, max_size=most, unique=True).flatmap(
        lambda ids: st.tuples(*[debtor(n, actives) for n in ids])
    )


RUN_DATES = st.dates(date(2026, 1, 1), date(2026, 12, 31))


def build(people: list[dict], run_date: date) -> PortfolioBuilder:
    b = PortfolioBuilder()
    start = datetime(run_date.year, run_date.month, run_date.day, tzinfo=UTC)
    for p in people:
        n = p["n"]
        b.debtor(
            n,
            dpd=p["dpd"],
            country=p["country"],
            timezone=p["timezone"],
            phone=p["phone"],
            status=p["status"],
            run_date=run_date,
        )
        b.tables["contacts"][-1]["opt_out"] = p["opt_out"]
        if p["second_account"]:
            b.account(
                n,
                f"A{n:05d}x",
                due_date=(run_date - timedelta(days=p["dpd"])).isoformat(),
                overdue_amount=10.0,
                outstanding_balance=10.0,
                status="active",
            )
        if p["second_phone"]:
            b.point(n, f"P{n:05d}b", PEOPLE[p["country"]][1][-1])
        b.point(
            n,
            f"E{n:05d}",
            PEOPLE[p["country"]][1][0],
            role="emergency",
            relation="friend",
            refused_at=(start - timedelta(days=3)).isoformat() if p["refused_emergency"] else None,
        )
        b.point(n, f"M{n:05d}", f"d{n}@example.com", kind="email")
        if p["hard_to_reach"]:
            phones = [f"P{n:05d}"] + ([f"P{n:05d}b"] if p["second_phone"] else [])
            for k in range(3):
                for point in phones:
                    at = (start - timedelta(days=k + 1.5)).strftime("%Y-%m-%dT%H:%M:%SZ")
                    b.attempt(f"H{n}-{point}-{k}", at, account=f"A{n:05d}", contact=point)
        for i, (channel, outcome, days_ago, who) in enumerate(p["attempts"]):
            b.attempt(
                f"T{n}-{i}",
                (start - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                outcome,
                account=f"A{n:05d}",
                contact=f"P{n:05d}" if who == "debtor" else f"E{n:05d}",
                channel=channel,
            )
    return b


VOICE = set(VOICE_CHANNELS)
FAILED = {"no_answer", "no_connect", "voicemail", "machine", "abandoned"}


def ledger(p: dict) -> list[tuple[str, str, float, str]]:
    """(channel, outcome, days before the run, contact) of every attempt built for `p`."""
    n = p["n"]
    rows = [
        (channel, outcome, days_ago, f"P{n:05d}" if who == "debtor" else f"E{n:05d}")
        for channel, outcome, days_ago, who in p["attempts"]
    ]
    if p["hard_to_reach"]:
        phones = [f"P{n:05d}"] + ([f"P{n:05d}b"] if p["second_phone"] else [])
        rows += [("human_call", "no_answer", k + 1.5, point) for k in range(3) for point in phones]
    return rows


def events(p: dict, run_date: date) -> list[tuple[str, str, datetime, str]]:
    """(channel, outcome, instant, contact) of every attempt built for `p`."""
    start = datetime(run_date.year, run_date.month, run_date.day, tzinfo=UTC)
    return [(ch, out, start - timedelta(days=ago), c) for ch, out, ago, c in ledger(p)]


def within_days(instant: datetime, zones: list[str], run_date: date, days: int) -> bool:
    """On one of the last `days` local dates (today included) in at least one zone."""
    first = run_date - timedelta(days=days - 1)
    return any(first <= instant.astimezone(ZoneInfo(z)).date() <= run_date for z in zones)


def callee(point: str) -> str:
    return "debtor" if point.startswith("P") else point


def talked(outcome: str, point: str) -> str | None:
    return "debtor" if outcome == "rpc" else point if outcome == "third_party" else None


def cap_max(country: str, cap_id: str) -> int:
    return next(c.max for c in load_preset(country).caps if c.id == cap_id)


def oracle_unreachable(p: dict) -> bool:
    """Every debtor phone with 3 failed calls in 14 days, and no conversation in 14 days."""
    n = p["n"]
    phones = [f"P{n:05d}"] + ([f"P{n:05d}b"] if p["second_phone"] else [])
    rows = ledger(p)
    failed = {
        ph: sum(
            1 for ch, out, ago, c in rows if c == ph and ch in VOICE and out in FAILED and ago <= 14
        )
        for ph in phones
    }
    talked = any(out == "rpc" and ago <= 14 for _, out, ago, _ in rows)
    return all(v >= 3 for v in failed.values()) and not talked


def local_ok(instant: datetime, zone: str, start: time, end: time) -> bool:
    local = instant.astimezone(ZoneInfo(zone)).time()
    return start <= local <= end


def predial_state(people: list[dict], run_date: date, text: str) -> PreDial:
    """The pre-dial state of `people`'s portfolio (written and loaded as a lender's folder)
    under the strategy `text`'s presets and house policy."""
    strategy = load_strategy_text(text)
    presets = presets_for(strategy.jurisdiction, strategy.house)
    with tempfile.TemporaryDirectory() as tmp:
        data = build(people, run_date).write(Path(tmp) / "data")
        return PreDial.of(load_portfolio(data).tables, presets, strictest_reach(presets))
