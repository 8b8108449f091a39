"""The compliance rules, each written once as Polars expressions.

A rule looks at one check row (a contact the plan wants today, or a contact asked about at an
instant `_as_of` in real time) and says whether it is refused, with a rule id, a readable
detail and how to find the next allowed time. The same expressions run over millions of rows in
the daily plan and over one row in the pre-dial check.

Parameters come from the row's preset columns (`_tp_gate`, `_tp_roles` …) or are built into
the rule from the presets (holds, caps, rests), so one rule list serves every jurisdiction of a
mixed strategy. Rows carry: status, customer_status, role, channel, opt_out, refused_at,
debtor_unreachable, customer_country, zones, window_start, window_end, `_as_of`, the preset
columns of `presets.preset_frame` (null `_preset` = no preset for the customer's country),
and the `_cap:<id>` / `_rest:<id>` columns the guard computes from the ledger.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from arrears.compliance.caps import Cap, Rest
from arrears.compliance.presets import Preset

NEVER = pl.lit(None, dtype=pl.Datetime("us", "UTC"))
NO_DAY = pl.lit(None, dtype=pl.Date)
REAL_TIME = pl.col("_as_of").is_not_null()


@dataclass(frozen=True)
class Verdict:
    blocked: pl.Expr
    rule: pl.Expr
    detail: pl.Expr
    next_allowed_at: pl.Expr = NEVER
    next_allowed_day: pl.Expr = NO_DAY
    """A local day whose window start is the next allowed time (the guard computes it)."""
    open_after: pl.Expr = NEVER
    """An instant from which the next open window is the next allowed time."""


@dataclass(frozen=True)
class Rule:
    """A named check with its legal source; `verdict` builds the vectorized expressions."""

    id: str
    source: str
    summary: str

    def verdict(self) -> Verdict:  # pragma: no cover - every rule overrides it
        raise NotImplementedError


class Jurisdiction(Rule):
    def verdict(self) -> Verdict:
        return Verdict(
            pl.col("_preset").is_null(),
            pl.lit("JURISDICTION"),
            pl.format(
                "no compliance preset for the customer's country '{}' in this strategy",
                pl.col("customer_country").fill_null("unknown"),
            ),
        )


@dataclass(frozen=True)
class Hold(Rule):
    """The account's own status, or a status about the person on another of their accounts
    (bankruptcy, cease_contact, deceased: `customer_status`); what each stops is preset data."""

    stops: frozenset[str] = frozenset()  # "<preset>|<status>|<channel>"

    def verdict(self) -> Verdict:
        def held(status: str) -> pl.Expr:
            key = pl.concat_str(
                [pl.col("_preset"), pl.col(status), pl.col("channel")], separator="|"
            )
            return key.is_in(list(self.stops)).fill_null(False)

        own, person = held("status"), held("customer_status")
        status = pl.when(own).then(pl.col("status")).otherwise(pl.col("customer_status"))
        return Verdict(
            own | person,
            pl.format("HOLD-{}", status.str.to_uppercase()),
            pl.when(own)
            .then(pl.format("account status '{}' stops {}", pl.col("status"), pl.col("channel")))
            .otherwise(
                pl.format(
                    "the customer's status '{}' (on another account) stops {}",
                    pl.col("customer_status"),
                    pl.col("channel"),
                )
            ),
        )


class Refused(Rule):
    def verdict(self) -> Verdict:
        return Verdict(
            pl.col("refused_at").is_not_null(),
            pl.lit("CONTACT-REFUSED"),
            pl.format(
                "the person asked never to be contacted again (refused_at {})",
                pl.col("refused_at").dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
            ),
        )


class OptOut(Rule):
    def verdict(self) -> Verdict:
        opted = (
            pl.col("opt_out")
            .fill_null("")
            .str.split(",")
            .list.eval(pl.element().str.strip_chars())
            .list.contains(pl.col("channel"))
        )
        return Verdict(
            opted,
            pl.lit("OPT-OUT"),
            pl.format("contact point opted out of {}", pl.col("channel")),
        )


class ThirdPartyRole(Rule):
    def verdict(self) -> Verdict:
        return Verdict(
            (pl.col("role") != "debtor")
            & ~pl.col("_tp_roles").list.contains(pl.col("role")).fill_null(False),
            pl.lit("THIRD-PARTY-ROLE"),
            pl.format("the {} preset does not allow contacting a {}", "_preset", "role"),
        )


class ThirdPartyGate(Rule):
    def verdict(self) -> Verdict:
        gated = (
            (pl.col("role") != "debtor")
            & pl.col("_tp_gate").fill_null(True)
            & ~pl.col("debtor_unreachable").fill_null(False)
            & (pl.col("status") != "deceased")
        )
        return Verdict(
            gated,
            pl.lit("THIRD-PARTY-GATE"),
            pl.format(
                "{} contacts only after the debtor is unreachable; the debtor is not yet",
                pl.col("role"),
            ),
        )


class RestDay(Rule):
    """A day the policy keeps free of collection contact (holidays, rest days, Sundays)."""

    def verdict(self) -> Verdict:
        return Verdict(
            pl.col("_rest_day").is_not_null(),
            pl.lit("CALENDAR"),
            pl.format(
                "{} is {} in {}: no collection contact that day ({})",
                pl.col("_day"),
                pl.col("_rest_day"),
                pl.coalesce("customer_region", "customer_country"),
                pl.col("_no_contact"),
            ),
            next_allowed_day=pl.col("_day") + pl.duration(days=1),
        )


class Pause(Rule):
    """In real time: an instant inside a pause of the day (a lunch break)."""

    def verdict(self) -> Verdict:
        return Verdict(
            pl.col("_pause_until").is_not_null(),
            pl.lit("PAUSE"),
            pl.format(
                "{} is inside a pause of the contact hours (until {})",
                pl.col("_as_of").dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
                pl.col("_pause_until").dt.strftime("%H:%M"),
            ),
            open_after=pl.col("_pause_until"),
        )


class ThirdPartyDisclosure(Rule):
    """A contact with anyone but the debtor must use words that disclose nothing of the debt.
    Applies where the row knows its template (planned steps), not to a bare pre-dial."""

    def verdict(self) -> Verdict:
        return Verdict(
            (pl.col("role") != "debtor")
            & pl.col("_tp_safe").fill_null(True)
            & (pl.col("third_party_safe") == False),  # noqa: E712 - null (unknown) passes
            pl.lit("THIRD-PARTY-DISCLOSURE"),
            pl.format(
                "a {} must not learn of the debt: the step's template is not flagged "
                "third_party_safe",
                pl.col("role"),
            ),
        )


class OptOutNotice(Rule):
    """E-mail and SMS (where the preset says so) must tell how to opt out."""

    def verdict(self) -> Verdict:
        return Verdict(
            pl.col("_opt_out_notice").list.contains(pl.col("channel")).fill_null(False)
            & (pl.col("opt_out_notice") == False),  # noqa: E712 - null (unknown) passes
            pl.format("{}-OPT-OUT-NOTICE", pl.col("_preset")),
            pl.format(
                "a {} must say how to opt out of further messages; the step's template is not "
                "flagged opt_out_notice",
                pl.col("channel"),
            ),
        )


class PromiseOpen(Rule):
    """No pressure or warning while the customer's promise to pay is open; the day after
    it falls due (broken unless paid) the tone may rise again."""

    def verdict(self) -> Verdict:
        return Verdict(
            pl.col("_promise_calm").fill_null(True)
            & pl.col("has_open_promise").fill_null(False)
            & pl.col("tone").is_in(["pressure", "warning"]).fill_null(False),
            pl.lit("PROMISE-OPEN"),
            pl.format(
                "a promise to pay is open (due in {} days): no {} tone until it falls due",
                pl.col("promise_due_in"),
                pl.col("tone"),
            ),
            next_allowed_day=pl.col("_day") + pl.duration(days=pl.col("promise_due_in") + 1),
        )


class QuietHours(Rule):
    """No window today in every candidate zone; in real time, also an instant outside it.
    A day the calendar closes has no window either: that is the calendar's refusal."""

    def verdict(self) -> Verdict:
        no_window = (pl.col("window_start").is_null() | pl.col("window_end").is_null()) & pl.col(
            "_rest_day"
        ).is_null()
        outside = REAL_TIME & (
            (pl.col("_as_of") < pl.col("window_start")) | (pl.col("_as_of") >= pl.col("window_end"))
        )
        zones = pl.col("zones").list.join(", ")
        return Verdict(
            no_window | outside,
            pl.lit("QUIET-HOURS"),
            pl.when(pl.col("zones").list.len() == 0)
            .then(pl.lit("unknown time zone and country: no safe contact window"))
            .when(no_window)
            .then(
                pl.format(
                    "no hour of {} is inside the allowed hours of every candidate zone ({})",
                    pl.col("_day"),
                    zones,
                )
            )
            .otherwise(
                pl.format(
                    "{} is outside the allowed hours in {} (today's window {} to {} UTC)",
                    pl.col("_as_of").dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    zones,
                    pl.col("window_start").dt.strftime("%H:%M"),
                    pl.col("window_end").dt.strftime("%H:%M"),
                )
            ),
            open_after=pl.when(pl.col("zones").list.len() > 0).then(
                pl.coalesce(pl.col("_as_of"), pl.col("window_start"))
            ),
        )


@dataclass(frozen=True)
class CapRule(Rule):
    """A frequency cap of the presets (see `caps`), counted on the ledger by the guard, which
    also finds the day it ends (`ledger.cap_free_day`)."""

    cap: Cap | None = None

    def verdict(self) -> Verdict:
        assert self.cap is not None
        cap = self.cap
        count, before = pl.col(f"_cap:{cap.id}"), pl.col(f"_before:{cap.id}")
        what = "calls" if set(cap.channels) <= {"ivr", "robot_call", "human_call"} else "contacts"
        if cap.counts == "conversations":
            what = "conversations"
        span = "today" if cap.days == 1 else f"in the last {cap.days} days"
        return Verdict(
            count.is_not_null() & (count >= pl.col(f"_max:{cap.id}")),
            pl.lit(cap.id),
            pl.format(
                f"{{}} {what} {span} ({{}} of them planned before this one today); "
                f"cap {{}}: {cap.summary or cap.id}",
                count,
                before,
                pl.col(f"_max:{cap.id}"),
            ),
        )


@dataclass(frozen=True)
class RestRule(Rule):
    """A rest period on a contact point after an event (see `caps.Rest`)."""

    rest: Rest | None = None

    def verdict(self) -> Verdict:
        assert self.rest is not None
        until = pl.col(f"_rest:{self.rest.id}")
        blocked = until.is_not_null() & pl.when(REAL_TIME).then(pl.col("_as_of") < until).otherwise(
            until >= pl.col("window_end")
        )
        return Verdict(
            blocked.fill_null(False),
            pl.lit(self.rest.id),
            pl.format(
                f"{self.rest.summary or self.rest.id}: rest until {{}}",
                until.dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
            ),
            open_after=until,
        )


BASE_RULES: tuple[Rule, ...] = (
    Jurisdiction("JURISDICTION", "strategy scope", "the customer's country has a preset"),
    Refused("CONTACT-REFUSED", "preset third_party / house", "refused contacts are never used"),
    OptOut("OPT-OUT", "contact opt-outs", "a channel the contact point opted out of"),
    ThirdPartyRole("THIRD-PARTY-ROLE", "preset third_party.roles", "roles the preset allows"),
    ThirdPartyGate("THIRD-PARTY-GATE", "preset third_party", "debtor before third parties"),
    ThirdPartyDisclosure(
        "THIRD-PARTY-DISCLOSURE", "preset third_party", "no debt details to third parties"
    ),
    OptOutNotice("OPT-OUT-NOTICE", "preset templates", "e-mail and SMS say how to opt out"),
    PromiseOpen("PROMISE-OPEN", "preset promise", "no pressure while a promise is open"),
    RestDay("CALENDAR", "preset / house calendar", "no contact on the days the policy rests"),
    QuietHours("QUIET-HOURS", "preset contact_hours", "a window in every candidate zone"),
    Pause("PAUSE", "preset / house calendar.pauses", "no contact inside a pause"),
)


def rules_for(presets: Mapping[str, Preset]) -> tuple[Rule, ...]:
    """Every rule in the order it is checked: scope, holds, the person's wishes, third
    parties, hours, then the caps and rests of the presets (each id once)."""
    stops = frozenset(
        f"{p.id}|{status}|{channel}"
        for p in presets.values()
        for status, channels in p.holds.items()
        for channel in channels
    )
    caps = {c.id: c for p in presets.values() for c in p.caps}
    rests = {r.id: r for p in presets.values() for r in p.rests}
    hold = Hold("HOLD", "preset holds", "status holds (dispute, bankruptcy …) stop contact", stops)
    return (
        BASE_RULES[0],
        hold,
        *BASE_RULES[1:],
        *(CapRule(c.id, c.source, c.summary, c) for c in caps.values()),
        *(RestRule(r.id, r.source, r.summary, r) for r in rests.values()),
    )
