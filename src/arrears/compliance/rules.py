"""The first-pass compliance rules, each written once as Polars expressions.

A rule looks at one candidate contact (a row) and says whether it is refused, with a rule id,
a readable detail and the next time it may be allowed (null where never, or not knowable
today). The parameters come from the row's preset columns (`_holds`, `_cap_calls_7d` …), so
one expression serves every jurisdiction of a mixed strategy.

Rows are expected to carry: status, role, channel, opt_out, refused_at, debtor_unreachable,
calls_7d, calls_planned_before, last_rpc_at, customer_country, window_start, window_end and
the preset columns of `presets.preset_frame` (null `_preset` = no preset for the customer's
country).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from arrears.contract.tables import VOICE_CHANNELS
from arrears.exprs import first_of

NEVER = pl.lit(None, dtype=pl.Datetime("us", "UTC"))


@dataclass(frozen=True)
class Verdict:
    blocked: pl.Expr
    rule: pl.Expr
    detail: pl.Expr
    next_allowed_at: pl.Expr
    next_allowed_day: pl.Expr | None = None
    """A local day whose window start is the next allowed time (the guard computes it)."""


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
            NEVER,
        )


class Hold(Rule):
    """The account's own status, or a status about the person on another of their accounts
    (bankruptcy, cease_contact, deceased: `customer_status`)."""

    def verdict(self) -> Verdict:
        own = pl.col("_holds").list.contains(pl.col("status")).fill_null(False)
        person = pl.col("_holds").list.contains(pl.col("customer_status")).fill_null(False)
        held = pl.when(own).then(pl.col("status")).otherwise(pl.col("customer_status"))
        return Verdict(
            own | person,
            pl.format("HOLD-{}", held.str.to_uppercase()),
            pl.when(own)
            .then(pl.format("account status '{}' stops collection contact", pl.col("status")))
            .otherwise(
                pl.format(
                    "the customer's status '{}' (on another account) stops collection contact",
                    pl.col("customer_status"),
                )
            ),
            NEVER,
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
            NEVER,
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
            NEVER,
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
            NEVER,
        )


class CallsInSevenDays(Rule):
    def verdict(self) -> Verdict:
        cap = pl.col("_cap_calls_7d")
        earlier = pl.col("calls_planned_before").fill_null(0)
        return Verdict(
            cap.is_not_null()
            & pl.col("channel").is_in(VOICE_CHANNELS)
            & (pl.col("calls_7d").cast(pl.Int64) + earlier >= cap),
            pl.lit("US-7IN7"),
            pl.format(
                "{} calls in the last 7 days and {} planned before this one today about this "
                "debt (cap {}); allowed again once older calls leave the 7-day window",
                pl.col("calls_7d"),
                earlier,
                cap,
            ),
            NEVER,  # the guard finds the day the cap ends from the ledger's call dates
        )


class CoolOff(Rule):
    def verdict(self) -> Verdict:
        days = pl.col("_cool_off_days")
        # The conversation's date is day 1: a conversation on D blocks calls through D + days - 1.
        since = (pl.col("window_start").dt.date() - pl.col("last_rpc_at").dt.date()).dt.total_days()
        return Verdict(
            days.is_not_null()
            & pl.col("channel").is_in(VOICE_CHANNELS)
            & pl.col("last_rpc_at").is_not_null()
            & (since < days),
            pl.lit("US-COOL-OFF"),
            pl.format(
                "a conversation on {} starts a {}-day cool-off for calls",
                pl.col("last_rpc_at").dt.date(),
                days,
            ),
            NEVER,
            pl.col("last_rpc_at").dt.date() + pl.duration(days=days),
        )


class QuietHours(Rule):
    def verdict(self) -> Verdict:
        return Verdict(
            pl.col("window_start").is_null() | pl.col("window_end").is_null(),
            pl.lit("QUIET-HOURS"),
            pl.when(pl.col("zones").list.len() == 0)
            .then(pl.lit("unknown time zone and country: no safe contact window"))
            .otherwise(
                pl.format(
                    "no hour today is inside the allowed hours of every candidate zone ({})",
                    pl.col("zones").list.join(", "),
                )
            ),
            NEVER,
        )


RULES: tuple[Rule, ...] = (
    Jurisdiction("JURISDICTION", "strategy scope", "the customer's country has a preset"),
    Hold("HOLD", "preset holds", "status holds (dispute, bankruptcy …) stop contact"),
    Refused("CONTACT-REFUSED", "preset third_party / house", "refused contacts are never used"),
    OptOut("OPT-OUT", "contact opt-outs", "a channel the contact point opted out of"),
    ThirdPartyGate("THIRD-PARTY-GATE", "preset third_party", "debtor before third parties"),
    QuietHours("QUIET-HOURS", "preset contact_hours", "a window in every candidate zone"),
    CallsInSevenDays("US-7IN7", "preset call_frequency", "Reg F 7 calls in 7 days"),
    CoolOff("US-COOL-OFF", "preset call_frequency", "Reg F 7 days after a conversation"),
)


def first_refusal(rules: tuple[Rule, ...] = RULES) -> tuple[pl.Expr, ...]:
    """rule, detail, next_allowed_at and next_allowed_day of the first rule that refuses the
    row; nulls for an allowed row."""
    verdicts = [r.verdict() for r in rules]
    no_day = pl.lit(None, dtype=pl.Date)
    return (
        first_of([(v.blocked, v.rule) for v in verdicts]).cast(pl.String).alias("rule"),
        first_of([(v.blocked, v.detail) for v in verdicts]).cast(pl.String).alias("detail"),
        first_of([(v.blocked, v.next_allowed_at) for v in verdicts])
        .cast(pl.Datetime("us", "UTC"))
        .alias("next_allowed_at"),
        first_of(
            [
                (v.blocked, no_day if v.next_allowed_day is None else v.next_allowed_day)
                for v in verdicts
            ]
        )
        .cast(pl.Date)
        .alias("next_allowed_day"),
    )
