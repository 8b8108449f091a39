"""A generic HTTP SMS gateway: JSON over HTTP, the idempotency key in a header and the body.

    POST {url}            {"to": "+8613800138000", "text": "…", "sender": "…",
                           "client_ref": "<key>"[, "receipt_url": "…"]}
                          header Idempotency-Key: <key>
        2xx {"id": "…"}   accepted (a gateway that already has the key answers with the
                          first message's id, and does not send it again)
        409               already accepted under this key: accepted
        408, 425, 429, 5xx, no answer   transient
        other 4xx         permanent (the body's `error` or `message` is the reason)
    GET {status_url}/{key}
        200               accepted;  404  not found;  anything else: cannot tell now

Settings: `url` (required), `status_url` (default: `url`), `sender`, `token_env` (the
environment variable holding a bearer token), `timeout` (seconds, default 10), `receipt_url`
(where the gateway is asked to post the message's delivery receipt: the service's
`/api/v1/webhooks/messages`, docs/channels.md). One HTTP/1.1
connection is kept open and reused (`status_url` is on the same host).
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlsplit

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

TRANSIENT_STATUS = frozenset({408, 425, 429})


class HttpSmsProvider(Provider):
    plugin = "http_sms"
    channels = ("sms",)

    def __init__(self, settings: Mapping[str, Any]) -> None:
        super().__init__(settings)
        url = settings.get("url")
        if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
            raise ConfigError(f"http_sms: `url` must be an http(s) URL, not {url!r}")
        self.url = urlsplit(url)
        self.status_url = urlsplit(str(settings.get("status_url") or url))
        if self.status_url.netloc != self.url.netloc:
            raise ConfigError("http_sms: `status_url` must be on the host of `url`")
        self.sender = str(settings.get("sender") or "")
        receipts = settings.get("receipt_url")
        if receipts is not None and (
            not isinstance(receipts, str) or urlsplit(receipts).scheme not in ("http", "https")
        ):
            raise ConfigError(f"http_sms: `receipt_url` must be an http(s) URL, not {receipts!r}")
        self.receipt_url = receipts
        self.timeout = float(settings.get("timeout", 10))
        token = secret(settings, "token")
        self.headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        self._conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            cls = (
                http.client.HTTPSConnection
                if self.url.scheme == "https"
                else http.client.HTTPConnection
            )
            self._conn = cls(self.url.hostname or "", self.url.port, timeout=self.timeout)
        return self._conn

    def _request(
        self, method: str, path: str, body: bytes | None, headers: Mapping[str, str]
    ) -> tuple[int, bytes]:
        """One request on the kept connection; a connection the server closed is opened
        again once, before anything was sent on it."""
        for fresh in (False, True):
            conn = self._connection()
            try:
                conn.request(method, path, body=body, headers=dict(headers))
                response = conn.getresponse()
                data = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.close()
                return response.status, data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if fresh:
                    raise
            except (OSError, http.client.HTTPException):
                self.close()
                raise
        raise AssertionError("unreachable")

    def send(self, message: Message) -> Accepted:
        payload = {
            "to": message.to,
            "text": message.body,
            "sender": self.sender,
            "client_ref": message.key,
        }
        if self.receipt_url:
            payload["receipt_url"] = self.receipt_url
        headers = {**self.headers, "Idempotency-Key": message.key}
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        try:
            status, data = self._request("POST", self.url.path or "/", body, headers)
        except (TimeoutError, OSError, http.client.HTTPException) as exc:
            raise TransientError(f"gateway unreachable: {exc}") from None
        answer = _json(data)
        if 200 <= status < 300 or status == 409:
            return Accepted(str(answer.get("id") or answer.get("message_id") or ""))
        reason = f"HTTP {status}: {answer.get('error') or answer.get('message') or data[:200]!r}"
        if status in TRANSIENT_STATUS or status >= 500:
            raise TransientError(reason)
        raise PermanentError(reason)

    def status(self, key: str) -> Status:
        path = f"{self.status_url.path.rstrip('/')}/{quote(key, safe='')}"
        try:
            status, _ = self._request("GET", path, None, self.headers)
        except (OSError, http.client.HTTPException) as exc:
            raise StatusUnavailable(f"gateway unreachable: {exc}") from None
        if status == 200:
            return Status.ACCEPTED
        if status == 404:
            return Status.NOT_FOUND
        raise StatusUnavailable(f"status of {key}: HTTP {status}")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _json(data: bytes) -> dict[str, Any]:
    try:
        value = json.loads(data or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
