"""Provider plugins, found by entry point (group `arrears.channels`).

A package adds a provider by declaring, in its own pyproject.toml,

```toml
[project.entry-points."arrears.channels"]
my_sms = "my_package.sms:MySmsProvider"     # a subclass of arrears.channels.model.Provider
```

and naming `plugin: my_sms` in the delivery configuration. The shipped ones are declared the
same way in arrears' pyproject.toml; they are also known by name when the package runs from a
source tree whose metadata is older than the code.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

from arrears.channels.config import ProviderConfig
from arrears.channels.model import ConfigError, Provider

GROUP = "arrears.channels"
BUILTIN: dict[str, str] = {
    "smtp": "arrears.channels.providers.smtp:SmtpProvider",
    "http_sms": "arrears.channels.providers.http_sms:HttpSmsProvider",
    "pdf_letter": "arrears.channels.providers.letter:PdfLetterProvider",
    "switch_call": "arrears.channels.providers.switch_call:SwitchCallProvider",
}


def plugins() -> dict[str, str]:
    """Plugin name -> `module:Class`, the entry points over the built-in names."""
    found = dict(BUILTIN)
    for point in entry_points(group=GROUP):
        found[point.name] = point.value
    return found


def provider_class(name: str) -> type[Provider]:
    known = plugins()
    if name not in known:
        raise ConfigError(f"plugin '{name}': unknown (installed: {', '.join(sorted(known))})")
    module_name, _, attr = known[name].partition(":")
    cls = getattr(importlib.import_module(module_name), attr)
    if not (isinstance(cls, type) and issubclass(cls, Provider)):
        raise ConfigError(f"plugin '{name}' ({known[name]}) is not an arrears Provider")
    return cls


def open_provider(config: ProviderConfig) -> Provider:
    cls = provider_class(config.plugin)
    if config.channel not in cls.channels:
        raise ConfigError(
            f"plugin '{config.plugin}' sends {', '.join(cls.channels)}, not {config.channel}"
        )
    return cls(config.settings)
