"""The delivery configuration: which provider serves each channel, and with which settings.

A YAML file (`arrears send --config`, else `$ARREARS_CHANNELS`):

```yaml
lender: 示例消费金融                     # the lender's name in the texts (an account's own
payment_link: https://pay.example.com/a/{account_id}   # `lender` / `payment_link` column wins)
providers:
  sms:   {plugin: http_sms, url: "https://sms.example.com/v1/messages", rate: 200}
  email: {plugin: smtp, host: smtp.example.com, port: 587, sender: collections@example.com}
  letter: {plugin: pdf_letter, folder: letters/}
```

Each provider takes `rate` (sends per second, default 50) and `burst` (default = rate), and
`tries` (default 5) with `backoff` seconds (default 0.5, doubling, at most 30). Secrets are
never in the file: a provider names the environment variable that holds one (`password_env`,
`token_env`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from arrears.channels.model import SEND_CHANNELS, ConfigError
from arrears.channels.pacing import Backoff

ENV = "ARREARS_CHANNELS"
PACING_KEYS = ("plugin", "rate", "burst", "tries", "backoff")


@dataclass(frozen=True)
class ProviderConfig:
    channel: str
    plugin: str
    rate: float
    burst: float
    backoff: Backoff
    settings: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ChannelsConfig:
    providers: Mapping[str, ProviderConfig]
    lender: str | None = None
    payment_link: str = "https://pay.example.com/a/{account_id}"
    source: str = "<defaults>"


def config_path(given: Path | None) -> Path | None:
    if given is not None:
        return given
    env = os.environ.get(ENV)
    return Path(env) if env else None


def load_config(path: Path) -> ChannelsConfig:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: unreadable ({exc})") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: a mapping is expected (lender, payment_link, providers)")
    return parse_config(raw, str(path), base=path.parent)


def parse_config(raw: Mapping[str, Any], source: str, base: Path | None = None) -> ChannelsConfig:
    """Every problem at once, each naming the allowed values."""
    problems: list[str] = []
    unknown = sorted(set(raw) - {"lender", "payment_link", "providers"})
    if unknown:
        problems.append(f"unknown keys {unknown} (allowed: lender, payment_link, providers)")
    providers: dict[str, ProviderConfig] = {}
    given = raw.get("providers") or {}
    if not isinstance(given, dict):
        problems.append("providers: a mapping of channel to provider settings is expected")
        given = {}
    for channel, settings in given.items():
        where = f"providers.{channel}"
        if channel not in SEND_CHANNELS:
            problems.append(f"{where}: unknown channel (one of {', '.join(SEND_CHANNELS)})")
            continue
        if not isinstance(settings, dict) or not isinstance(settings.get("plugin"), str):
            problems.append(f"{where}: a mapping with `plugin` (the provider's name) is expected")
            continue
        try:
            rate = float(settings.get("rate", 50))
            burst = float(settings.get("burst", max(rate, 1.0)))
            backoff = Backoff(
                tries=int(settings.get("tries", 5)), base=float(settings.get("backoff", 0.5))
            )
            if rate <= 0 or burst < 1:
                raise ValueError("rate must be > 0 and burst >= 1")
        except (TypeError, ValueError) as exc:
            problems.append(f"{where}: {exc}")
            continue
        rest = {k: v for k, v in settings.items() if k not in PACING_KEYS}
        if base is not None:
            rest["_base"] = str(base)
        providers[channel] = ProviderConfig(channel, settings["plugin"], rate, burst, backoff, rest)
    link = raw.get("payment_link", ChannelsConfig.payment_link)
    if not isinstance(link, str):
        problems.append("payment_link: a text with {account_id} is expected")
    if problems:
        raise ConfigError(f"{source}: " + "; ".join(problems))
    lender = raw.get("lender")
    return ChannelsConfig(providers, str(lender) if lender else None, str(link), source)


def secret(settings: Mapping[str, Any], name: str) -> str | None:
    """The secret a provider's `<name>_env` setting points at (None when not set)."""
    variable = settings.get(f"{name}_env")
    if not variable:
        return None
    value = os.environ.get(str(variable))
    if value is None:
        raise ConfigError(f"{name}_env: the environment variable {variable} is not set")
    return value
