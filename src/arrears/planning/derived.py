"""Names and types of the columns the planner derives for every account.

Strategy conditions (`when`) may use these beside the account's and the customer's own
columns; the strategy checker reads this table to know them without any data at hand.
"""

from __future__ import annotations

import polars as pl

DERIVED: dict[str, pl.DataType] = {
    "dpd": pl.Int32(),  # days past due on the run date; 0 when not overdue
    "bucket": pl.String(),  # the strategy's bucket for dpd (null when none)
    "days_to_due": pl.Int32(),  # days until next_due_date (pre-due reminders), null when unknown
    "attempts_1d": pl.UInt32(),  # attempts on the account, any channel, in the last 1 / 7 / 30 days
    "attempts_7d": pl.UInt32(),
    "attempts_30d": pl.UInt32(),
    "calls_7d": pl.UInt32(),  # voice attempts (ivr, robot_call, human_call) in the last 7 days
    "rpc_7d": pl.UInt32(),  # right-party contacts (conversations with the debtor)
    "rpc_30d": pl.UInt32(),
    "days_since_rpc": pl.Int32(),  # null when never
    "days_since_attempt": pl.Int32(),  # null when never
    "has_open_promise": pl.Boolean(),
    "promise_due_in": pl.Int32(),  # days until the open promise's due date (0 = due today)
    "promise_amount": pl.Float64(),
    "broken_promises_30d": pl.UInt32(),
    "paid_since_due": pl.Float64(),  # paid since the oldest unpaid due date
    "paid_30d": pl.Float64(),
    "debtor_unreachable": pl.Boolean(),  # every debtor phone failed repeatedly, no rpc lately
    "customer_status": pl.String(),  # bankruptcy, cease_contact or deceased on any account
    "customer_country": pl.String(),  # the customer's country and zone, whatever the account
    "customer_timezone": pl.String(),  # carries under the same names
    "customer_region": pl.String(),
}

# Model scores (`arrears plan --models`): the calibrated probability of each target, present
# only when its model is loaded.
SCORES: dict[str, pl.DataType] = {
    "score_pay": pl.Float64(),  # pays within the model's window
    "score_roll": pl.Float64(),  # rolls to the next bucket
    "score_self_cure": pl.Float64(),  # pays with no contact
}

# The customer's columns that conditions may use (the account's own win a name clash).
CUSTOMER_COLUMNS: tuple[str, ...] = ("name", "country", "region", "timezone", "language")
