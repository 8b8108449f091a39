"""IVR and robot calls through the dialer's telephony interface: a switch bridge over HTTP.

`send` hands each `ivr` / `robot_call` action to the switch as a call (`HttpTelephony`, the
protocol of `arrears.dialing.http_adapter`): `POST /calls` with the action's id as `call_id`,
the number, and the rendered script as `say` (the bridge speaks it when the call is answered
live). The switch drops a second `POST /calls` with a `call_id` it already has (409), which
`send` takes as accepted; after an interruption `GET /calls/{call_id}` tells whether a call
was placed. What came of the call (answered, machine, busy, no answer) comes back as a
receipt: `arrears inbound --events`, or the service's `POST /api/v1/webhooks/messages`.

Settings: `url` (the bridge's base URL, required), `token_env` (the environment variable
holding its bearer token), `timeout` (seconds, default 10).

A switch that places a call only when an agent is free (robot-then-human, predictive pacing)
is the dialer's job (`arrears dial`), not this provider's: it hands each call over at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from arrears.channels.config import secret
from arrears.channels.model import (
    Accepted,
    ConfigError,
    Message,
    PermanentError,
    Provider,
    Status,
    StatusUnavailable,
    TransientError,
)
from arrears.dialing.http_adapter import HttpTelephony
from arrears.dialing.telephony import TelephonyError

TRANSIENT_STATUS = frozenset({408, 425, 429})


class SwitchCallProvider(Provider):
    plugin = "switch_call"
    channels = ("ivr", "robot_call")

    def __init__(self, settings: Mapping[str, Any]) -> None:
        super().__init__(settings)
        url = settings.get("url")
        if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
            raise ConfigError(f"switch_call: `url` must be an http(s) URL, not {url!r}")
        timeout = float(settings.get("timeout", 10))
        self.telephony = HttpTelephony(url, token=secret(settings, "token"), timeout_s=timeout)

    def send(self, message: Message) -> Accepted:
        try:
            self.telephony.originate(
                message.key, message.to, say=message.body, language=message.language or None
            )
        except TelephonyError as exc:
            if exc.status == 409:  # the switch has this call already: placed once
                return Accepted("already placed")
            if exc.status is None or exc.status >= 500 or exc.status in TRANSIENT_STATUS:
                raise TransientError(str(exc)) from None
            raise PermanentError(str(exc)) from None
        return Accepted(message.key)

    def status(self, key: str) -> Status:
        try:
            return Status.ACCEPTED if self.telephony.has_call(key) else Status.NOT_FOUND
        except TelephonyError as exc:
            raise StatusUnavailable(str(exc)) from None
