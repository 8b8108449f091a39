"""The real-time pre-dial check: may I contact this point now? If not, why, and when next?

The dialer, the agent workbench and `arrears check` ask it. It answers with the daily plan's
own guard (`guard.guard`) and the same ledger: the contact asked about becomes a check row
with the instant `at`, so every rule, cap and window is the one the plan applies. A question
is asked once per account of the contact's customer (or for the one account named), because
caps such as Reg F's count per debt.

Load the data once (`PreDial.of`), then ask many questions: `check` is vectorized over a frame
of questions, so a dialer's hopper is checked in one call.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import polars as pl

from arrears.compliance.guard import guard
from arrears.compliance.ledger import ledger_of
from arrears.compliance.person import customer_compliance_columns, person_status
from arrears.compliance.predial_one import (
    ANSWER_COLUMNS,
    NotOne,
    OneCache,
    answer,
    cache_of,
    known_point,
    warm,
)
from arrears.compliance.presets import Preset, Reachability
from arrears.compliance.reach import debtor_unreachable
from arrears.compliance.rules import Rule, rules_for
from arrears.contract.tables import CHANNELS, NOT_COLLECTED
from arrears.contract.validate import parse_timestamp

UTC_TS = pl.Datetime("us", "UTC")

QUESTION_SCHEMA: dict[str, pl.DataType] = {
    "contact_id": pl.String(),
    "at": UTC_TS,
    "channel": pl.String(),
    "account_id": pl.String(),
    "agent_reserved": pl.Boolean(),
}


@dataclass(frozen=True)
class PreDial:
    """What a pre-dial answer needs, loaded once.

    The frames are sorted by customer, and `by_contact` maps a contact point to its customer,
    so a question reads only its own customer's rows (`for_customers`): binary searches, not
    scans of millions of rows.
    """

    points: pl.DataFrame  # the contact points, by customer
    accounts: pl.DataFrame  # accounts with the customer's country, zone and person status
    ledger: pl.DataFrame  # `ledger.ledger_of` the attempts, by customer
    presets: Mapping[str, Preset]
    reach: Reachability
    rules: tuple[Rule, ...]
    by_contact: pl.DataFrame  # contact_id -> customer_id, sorted by contact_id
    one: OneCache = field(default_factory=OneCache, compare=False, repr=False)
    """What `check_one` remembers between questions (zones of points, day windows)."""

    def warm(self) -> PreDial:
        """Work out now, in a few vectorized passes, what `check_one` would otherwise work
        out on a first question about a customer: every contact point's candidate zones,
        every account's preset and own hours, every hours key (whose windows are then
        found for all of them on a day's first question). For a state kept for the day (a
        dialer, the service); `check` does not need it. Returns the state."""
        if cache_of(self).prepared is None:
            warm(self)
        return self

    def for_customers(self, customers: pl.Series) -> PreDial:
        """The same state cut down to the rows of `customers`."""
        wanted = customers.drop_nulls().unique().sort()
        return replace(
            self,
            points=_rows_of(self.points, wanted),
            accounts=_rows_of(self.accounts, wanted),
            ledger=_rows_of(self.ledger, wanted),
            one=OneCache(),
        )

    def customers_of(self, contacts: pl.Series) -> pl.Series:
        """The customer of each contact point (null when the data has no such point)."""
        ids = self.by_contact.get_column("contact_id")
        at = ids.search_sorted(contacts, side="left")
        found = at.clip(upper_bound=max(ids.len() - 1, 0))
        hit = ids.gather(found) == contacts if ids.len() else pl.Series([False] * len(contacts))
        customers = self.by_contact.get_column("customer_id").gather(found)
        return pl.select(pl.when(hit).then(customers)).to_series().alias("customer_id")

    @classmethod
    def of(
        cls,
        tables: Mapping[str, pl.DataFrame],
        presets: Mapping[str, Preset],
        reach: Reachability,
    ) -> PreDial:
        accounts = (
            tables["accounts"]
            .lazy()
            .select("account_id", "customer_id", "status")
            .join(
                tables["customers"]
                .lazy()
                .select(
                    "customer_id",
                    *customer_compliance_columns(tables["customers"].columns),
                ),
                on="customer_id",
                how="left",
            )
            .join(person_status(tables["accounts"]), on="customer_id", how="left")
            .collect()
        )
        points = tables["contacts"].select(
            "contact_id",
            "customer_id",
            "role",
            "kind",
            "value",
            pl.col("timezone").alias("contact_timezone"),
            "opt_out",
            "refused_at",
        )
        return cls(
            points=points.sort("customer_id"),
            accounts=accounts.sort("customer_id"),
            ledger=ledger_of(tables.get("attempts"), tables["contacts"]).sort("customer_id"),
            presets=presets,
            reach=reach,
            rules=rules_for(presets),
            by_contact=points.select("contact_id", "customer_id").sort("contact_id"),
        )


def _rows_of(frame: pl.DataFrame, customers: pl.Series) -> pl.DataFrame:
    """The rows of a frame sorted by customer_id whose customer is one of `customers`."""
    column = frame.get_column("customer_id")
    lo = column.search_sorted(customers, side="left")
    hi = column.search_sorted(customers, side="right")
    index = pl.select(pl.int_ranges(lo, hi, dtype=pl.UInt32).explode().drop_nulls()).to_series()
    return frame[index]


def questions(rows: list[Mapping[str, object]]) -> pl.DataFrame:
    """A frame of questions from dicts (contact_id and at required; channel defaults to
    human_call, account_id to every open account, agent_reserved to false)."""
    frame = pl.DataFrame(
        [
            {
                "contact_id": r["contact_id"],
                "at": r["at"],
                "channel": r.get("channel") or "human_call",
                "account_id": r.get("account_id"),
                "agent_reserved": bool(r.get("agent_reserved", False)),
            }
            for r in rows
        ],
        schema=QUESTION_SCHEMA,
    )
    return frame


def check(state: PreDial, asked: pl.DataFrame) -> pl.DataFrame:
    """One answer per question and account: `allowed`, and for a refusal the `rule`, a
    readable `detail` and `next_allowed_at` (null when never, or not knowable now).

    A contact point the data does not know, or whose customer has no open account, is
    refused (`UNKNOWN-CONTACT`, `NO-OPEN-DEBT`): the check fails closed.
    """
    asked = _numbered(asked)
    state = state.for_customers(state.customers_of(asked.get_column("contact_id")))
    with_point = asked.join(state.points, on="contact_id", how="left")
    open_accounts = state.accounts.filter(~pl.col("status").is_in(NOT_COLLECTED))
    rows = with_point.join(
        open_accounts.rename({"account_id": "_account"}), on="customer_id", how="inner"
    ).filter(pl.col("account_id").is_null() | (pl.col("account_id") == pl.col("_account")))
    rows = rows.drop("account_id").rename({"_account": "account_id"})
    unreachable = _unreachable_at(state, rows.select("customer_id", pl.col("at").alias("_as_of")))
    rows = rows.join(
        unreachable.select(
            "customer_id",
            pl.col("_as_of").alias("at"),
            pl.lit(True).alias("debtor_unreachable"),
            pl.col("_until").alias("_reach_until"),
        ),
        on=["customer_id", "at"],
        how="left",
    ).with_columns(pl.col("debtor_unreachable").fill_null(False))
    answered = guard(
        rows,
        presets=state.presets,
        ledger=state.ledger,
        rules=state.rules,
        unreachable=functools.partial(_unreachable_at, state),
    )
    answers = answered.with_columns(pl.col("rule").is_null().alias("allowed")).select(
        ANSWER_COLUMNS
    )
    unanswered = asked.join(answers.select("question"), on="question", how="anti")
    known = pl.col("contact_id").is_in(state.points.get_column("contact_id").implode())
    missing = _no_guard(unanswered, known)
    return pl.concat([answers, missing]).sort("question", "account_id").select(ANSWER_COLUMNS)


def _unreachable_at(state: PreDial, asked: pl.DataFrame) -> pl.DataFrame:
    """(customer_id, `_as_of`, `_until`) of `asked` whose debtor is unreachable at that
    instant, and until when if no call fails after it."""
    return debtor_unreachable(
        state.points.lazy(), state.ledger.lazy(), state.reach, asked=asked.lazy(), until=True
    ).collect()


def _numbered(asked: pl.DataFrame) -> pl.DataFrame:
    """Questions numbered from 0, at in UTC, the defaults filled in."""
    return asked.with_row_index("question").with_columns(
        pl.col("at").cast(UTC_TS),
        pl.col("agent_reserved").fill_null(False),
        pl.col("channel").fill_null("human_call"),
    )


def _no_guard(unanswered: pl.DataFrame, known: pl.Expr) -> pl.DataFrame:
    """Refused, fail closed: a point the data does not know, or whose customer has no open
    account (or not the one named)."""
    return refused_unchecked(
        unanswered,
        pl.when(known).then(pl.lit("NO-OPEN-DEBT")).otherwise(pl.lit("UNKNOWN-CONTACT")),
        pl.when(known)
        .then(pl.lit("the contact's customer has no open account (or not the one named)"))
        .otherwise(pl.format("no contact point '{}' in the data", pl.col("contact_id"))),
    )


def refused_unchecked(asked: pl.DataFrame, rule: pl.Expr, detail: pl.Expr) -> pl.DataFrame:
    """Answers, refused, for questions the guard cannot look at (no such contact, no open
    debt, an unreadable question): fail closed, with the reason."""
    return asked.select(
        "question",
        "contact_id",
        "account_id",
        "at",
        "channel",
        pl.lit(False).alias("allowed"),
        rule.alias("rule"),
        detail.alias("detail"),
        *(
            pl.lit(None, dtype=UTC_TS).alias(name)
            for name in ("next_allowed_at", "window_start", "window_end")
        ),
        pl.lit(None, dtype=pl.String).alias("timezone"),
    )


class QuestionsError(ValueError):
    """A questions file that cannot be read: the message names the file and the column."""


def read_questions(path: Path) -> pl.DataFrame:
    """A dialer's questions from a CSV or Parquet file: `contact_id` and `at` (ISO 8601)
    required; `channel`, `account_id`, `agent_reserved` optional. A row whose `at` cannot be
    read keeps a null `at` and `_bad` says why; it is answered, refused, with that reason."""
    try:
        raw = (
            pl.read_parquet(path)
            if path.suffix == ".parquet"
            else pl.read_csv(path, infer_schema=False)
        )
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise QuestionsError(f"{path}: unreadable ({exc})") from None
    for column in ("contact_id", "at"):
        if column not in raw.columns:
            raise QuestionsError(f"{path}: missing column '{column}'")
    text = pl.col("at").cast(pl.String).str.strip_chars()
    at = pl.col("at") if raw.schema["at"] == UTC_TS else parse_timestamp(text)
    optional = {
        "channel": pl.col("channel").cast(pl.String) if "channel" in raw.columns else None,
        "account_id": pl.col("account_id").cast(pl.String) if "account_id" in raw.columns else None,
        "agent_reserved": (
            pl.col("agent_reserved").cast(pl.String).str.to_lowercase().is_in(["true", "1", "yes"])
            if "agent_reserved" in raw.columns
            else None
        ),
    }
    framed = raw.select(
        pl.col("contact_id").cast(pl.String),
        at.alias("at"),
        *(
            (expr if expr is not None else pl.lit(None, dtype=QUESTION_SCHEMA[name])).alias(name)
            for name, expr in optional.items()
        ),
        pl.when(at.is_null())
        .then(pl.format("at: not a timestamp (ISO 8601): '{}'", text))
        .when(
            pl.col("channel").is_not_null() & ~pl.col("channel").is_in(CHANNELS)
            if "channel" in raw.columns
            else pl.lit(False)
        )
        .then(pl.format("channel: unknown '{}'", pl.col("channel")))
        .alias("_bad"),
    )
    return framed


def check_file(state: PreDial, asked: pl.DataFrame) -> pl.DataFrame:
    """`check` for questions read by `read_questions`: the bad ones are answered refused
    (`BAD-QUESTION`, with the reason), every good one as `check` answers it."""
    numbered = asked.with_row_index("question")
    good = numbered.filter(pl.col("_bad").is_null())
    answers = check(state, good.drop("question", "_bad"))
    # `check` numbers its questions 0..n-1 in the order given: map back to the file's rows.
    back = good.select(pl.col("question").alias("_orig")).with_row_index("question")
    answered = answers.join(back, on="question").with_columns(pl.col("_orig").alias("question"))
    bad = refused_unchecked(
        numbered.filter(pl.col("_bad").is_not_null()), pl.lit("BAD-QUESTION"), pl.col("_bad")
    )
    return pl.concat([answered.select(ANSWER_COLUMNS), bad.select(ANSWER_COLUMNS)]).sort(
        "question", "account_id"
    )


def check_one(
    state: PreDial,
    contact_id: str,
    at: datetime,
    channel: str = "human_call",
    account_id: str | None = None,
    agent_reserved: bool = False,
) -> pl.DataFrame:
    """`check` for one question (one row per account it is about), the same answers.

    It takes the one-question path (`predial_one`): the guard's steps on the customer's few
    rows, with the zones of points and the day windows remembered on the state, in a few
    milliseconds where `check` of one question takes tens.
    """
    asked = questions(
        [
            {
                "contact_id": contact_id,
                "at": at,
                "channel": channel,
                "account_id": account_id,
                "agent_reserved": agent_reserved,
            }
        ]
    ).with_row_index("question")  # `questions` gave `at` in UTC and the defaults
    try:
        answers = answer(state, asked)
    except NotOne:
        return check(state, asked.drop("question"))
    if answers is None:
        known = known_point(state, contact_id)
        return _no_guard(asked, pl.lit(known)).select(ANSWER_COLUMNS)
    return answers.sort("account_id") if answers.height > 1 else answers
