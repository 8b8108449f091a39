"""What one `arrears send` did, counted (the CLI prints it, tests read it)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, fields
from typing import Any


@dataclass
class Report:
    """What one `send` did."""

    open_at_start: int = 0
    sent: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    cancelled: Counter[str] = field(default_factory=Counter)
    held: Counter[str] = field(default_factory=Counter)
    recovered: Counter[str] = field(default_factory=Counter)
    adopted: int = 0
    unresolved: list[tuple[str, str]] = field(default_factory=list)
    stopped: dict[str, str] = field(default_factory=dict)
    no_provider: dict[str, int] = field(default_factory=dict)
    failures: list[tuple[str, str]] = field(default_factory=list)
    ledger_rows: int = 0
    service_rows: int | None = None
    """Attempts appended to the service's database (None: no database given)."""
    service_missing: int = 0
    """Attempts the database could not hold (their account or contact point is not in it)."""
    states: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def complete(self) -> bool:
        """Nothing left in doubt, no provider given up on."""
        return not self.unresolved and not self.stopped

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-able values (`dataclasses.asdict` would turn a Counter inside out)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Counter):
                value = dict(sorted(value.items()))
            elif isinstance(value, list):
                value = [list(v) if isinstance(v, tuple) else v for v in value]
            out[f.name] = value
        out["complete"] = self.complete
        return out
