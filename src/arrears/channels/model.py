"""What a provider is given and what it answers: a message, a receipt, a status.

A provider is a plugin (entry point group `arrears.channels`) behind two calls: `send` a
message under its idempotency key, and tell the `status` of a key. The dispatcher needs
`status` to be exact to promise exactly once: a key it marked `sending` before a crash is
asked about, and sent again only when the provider answers that it never accepted it.
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

SEND_CHANNELS: tuple[str, ...] = ("sms", "email", "letter", "ivr", "robot_call")
"""The channels `arrears send` delivers: IVR and robot calls through a switch that plays
the words (`switch_call`); agents' calls (and robot-then-human) go through the dialer
(`arrears dial`)."""


@dataclass(frozen=True)
class Message:
    """One rendered contact, ready for a provider. `key` is the action's id: the provider
    is given it (a Message-ID, an idempotency header, a file name) so it can tell later
    whether it accepted this message."""

    key: str
    channel: str
    to: str
    body: str
    subject: str = ""
    name: str = ""
    language: str = ""
    template: str = ""
    template_version: int = 0
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Accepted:
    """The provider took the message; `ref` is its own id for it, when it gives one."""

    ref: str = ""


class Status(enum.Enum):
    ACCEPTED = "accepted"
    """The provider holds a message under this key: never send it again."""
    NOT_FOUND = "not_found"
    """The provider has no message under this key: sending it is safe."""
    UNKNOWN = "unknown"
    """The provider cannot be asked (no status capability): see docs/channels.md."""


class SendError(Exception):
    """A send that did not go through; `reason` is what the provider said."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TransientError(SendError):
    """Worth trying again later (busy, throttled, disconnected, timed out). The message may
    or may not have been accepted: the dispatcher asks `status` before sending it again."""


class PermanentError(SendError):
    """Trying again will not help (an invalid number or address, a message refused)."""


class StatusUnavailable(Exception):
    """The provider could not be asked right now: the key stays `sending`, unresolved."""


class Provider(ABC):
    """A channel provider. Subclasses validate `settings` in `__init__` (every problem at
    once, naming the allowed values) and open their connections lazily."""

    plugin: ClassVar[str]
    channels: ClassVar[tuple[str, ...]]

    def __init__(self, settings: Mapping[str, Any]) -> None:
        self.settings = dict(settings)

    @abstractmethod
    def send(self, message: Message) -> Accepted:
        """Hand the message over; raise TransientError or PermanentError when not accepted."""

    @abstractmethod
    def status(self, key: str) -> Status:
        """Whether a message under `key` was accepted; StatusUnavailable when it cannot
        be told now."""

    def close(self) -> None:  # noqa: B027 (optional hook)
        """Release connections."""

    def __repr__(self) -> str:
        shown = {k: v for k, v in self.settings.items() if "password" not in k}
        return f"{type(self).__name__}({shown})"


class ConfigError(ValueError):
    """A provider configuration that cannot be used; the message lists every problem."""
