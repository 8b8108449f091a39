"""Example inputs shipped with the package, so `arrears` can be tried without any data."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

STRATEGIES: tuple[str, ...] = ("seed_example", "mixed_example", "mixed_with_templates")


def strategy_path(name: str) -> Path:
    """The file of a shipped example strategy, by name (`seed_example`, `mixed_example`)."""
    if name not in STRATEGIES:
        raise KeyError(f"no example strategy '{name}' (known: {', '.join(STRATEGIES)})")
    return Path(str(resources.files("arrears.examples").joinpath(f"strategies/{name}.yaml")))


def templates_path() -> Path:
    """The shipped template library (`zh-CN/` and `en/`): see docs/templates.md."""
    return Path(str(resources.files("arrears.examples").joinpath("templates")))
