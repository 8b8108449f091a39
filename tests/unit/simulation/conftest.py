"""Shared pieces of the simulation tests: strategies and a small simulated book."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from arrears.strategy.load import load_strategy
from arrears.strategy.model import Strategy

ROOT = Path(__file__).resolve().parents[3]
START = dt.date(2026, 11, 2)  # a Monday
NO_CONTACT = """\
name: no-contact
version: 1
jurisdiction: {jurisdiction}
buckets:
  M0: [0, 0]
  M1: [1, 30]
  M2+: [31, null]
segments:
  - id: nobody
    when: "dpd >= 0"
    steps: []
"""


@pytest.fixture(scope="session")
def seed_example() -> Strategy:
    return load_strategy(ROOT / "examples/strategies/seed_example.yaml")


@pytest.fixture(scope="session")
def mixed_example() -> Strategy:
    return load_strategy(ROOT / "examples/strategies/mixed_example.yaml")


@pytest.fixture(scope="session")
def no_contact(tmp_path_factory: pytest.TempPathFactory) -> Strategy:
    path = tmp_path_factory.mktemp("strategies") / "none.yaml"
    path.write_text(NO_CONTACT.format(jurisdiction="CN"), encoding="utf-8")
    return load_strategy(path)
