"""The shipped providers are plugins: declared as entry points, found by name, validated."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from arrears.channels.config import ProviderConfig, parse_config
from arrears.channels.model import ConfigError, Provider
from arrears.channels.pacing import Backoff
from arrears.channels.registry import BUILTIN, GROUP, open_provider, plugins, provider_class

PYPROJECT = Path(__file__).parents[3] / "pyproject.toml"


def test_each_shipped_provider_is_declared_as_an_entry_point_of_the_group() -> None:
    declared = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["entry-points"]
    assert declared[GROUP] == BUILTIN
    for name in BUILTIN:
        assert issubclass(provider_class(name), Provider)
    assert set(BUILTIN) <= set(plugins())


def test_a_configuration_lists_every_problem_with_the_allowed_values() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(
            {"providers": {"fax": {"plugin": "x"}, "sms": {"plugin": "http_sms", "rate": 0}},
             "colour": "red"},
            "channels.yaml",
        )  # fmt: skip
    message = str(caught.value)
    assert "unknown channel (one of sms, email, letter, ivr, robot_call)" in message
    assert "rate must be > 0" in message and "unknown keys ['colour']" in message


def test_an_unknown_plugin_or_one_for_another_channel_is_refused() -> None:
    with pytest.raises(ConfigError, match="unknown"):
        open_provider(ProviderConfig("sms", "carrier_pigeon", 1, 1, Backoff()))
    with pytest.raises(ConfigError, match="sends email, not sms"):
        open_provider(ProviderConfig("sms", "smtp", 1, 1, Backoff(), {"host": "h", "sender": "s"}))
    with pytest.raises(ConfigError, match="url"):
        open_provider(ProviderConfig("sms", "http_sms", 1, 1, Backoff(), {"url": "ftp://x"}))
