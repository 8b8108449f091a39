"""Offers (协商还款): instalment plans, settlements and fee or interest waivers under the
strategy's `offers:` rules — floors, authority by role, schedules — and the promises an
accepted offer makes. See docs/offers.md.
"""

from arrears.offers.engine import (
    NO_OFFER_STATUSES,
    OUTCOMES,
    Decision,
    Instalment,
    OfferRequest,
    Outcome,
    Terms,
    decide,
    decide_many,
    matching,
    plan_schedule,
)
from arrears.offers.promises import PROMISE_COLUMNS, promises_of
from arrears.strategy.model import OFFER_KINDS, OFFER_ROLES, InstalmentTerms, OfferRule

__all__ = [
    "NO_OFFER_STATUSES",
    "OFFER_KINDS",
    "OFFER_ROLES",
    "OUTCOMES",
    "PROMISE_COLUMNS",
    "Decision",
    "Instalment",
    "InstalmentTerms",
    "OfferRequest",
    "OfferRule",
    "Outcome",
    "Terms",
    "decide",
    "decide_many",
    "matching",
    "plan_schedule",
    "promises_of",
]
