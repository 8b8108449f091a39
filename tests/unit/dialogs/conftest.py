"""Shared pieces of the dialog tests: a fixed today, account contexts, the shipped scripts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from arrears.dialogs import Dialog, KeywordRecognizer, Script, load_script, shipped_script

TODAY = date(2026, 11, 30)  # a Monday


def _context(language: str) -> dict[str, Any]:
    """An account whose debt details are easy to spot in what the robot says."""
    zh = language.startswith("zh")
    return {
        "name": "张三" if zh else "Alex Smith",
        "amount_due": Decimal("4321.09"),
        "currency": "CNY" if zh else "USD",
        "due_date": date(2026, 10, 17),
        "dpd": 44,
        "lender": "泽塔金融" if zh else "Zeta Lending",
        "payment_link": "https://pay.example.com/A1",
        "agent_name": "智能语音助手" if zh else "an automated assistant",
        "language": language,
    }


@pytest.fixture(scope="session")
def today() -> date:
    return TODAY


@pytest.fixture(scope="session")
def context() -> Callable[[str], dict[str, Any]]:
    return _context


@pytest.fixture(scope="session")
def scripts() -> dict[str, Script]:
    return {
        name: load_script(shipped_script(name)) for name in ("m1_reminder_zh", "m1_reminder_en")
    }


@pytest.fixture(scope="session")
def dialog() -> Dialog:
    return Dialog(KeywordRecognizer(TODAY), TODAY)
