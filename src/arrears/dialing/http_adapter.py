"""A `Telephony` over HTTP: the skeleton for connecting a real dialer, switch or CTI server.

`HttpTelephony` sends the dialer's commands to a switch as small JSON requests, and
`WebhookServer` takes the switch's reports of what happened (webhooks) and queues them as
`CallEvent`s for `events()`. Between the two sits whatever speaks to your switch: a bridge of a
few dozen lines over Asterisk ARI, FreeSWITCH ESL or a vendor's CTI API that implements the
three requests below and posts the events back. Only the standard library is used.

Wire protocol
=============

Commands (adapter → switch bridge). Every request goes to `{base_url}` with
`Content-Type: application/json`, `Accept: application/json` and, when a token is configured,
`Authorization: Bearer <token>`. `{call_id}` in a path is percent-encoded.

    POST   {base_url}/calls                   {"call_id": "c-42", "number": "+447700900123"}
    POST   {base_url}/calls/{call_id}/bridge  {"agent_id": "a-7"}
    DELETE {base_url}/calls/{call_id}
    GET    {base_url}/calls/{call_id}         200 when the switch has the call, else 404

- An IVR or robot call placed by `arrears send` (the `switch_call` provider) adds the words to
  play to `POST /calls`: `"say": "<the rendered script>", "language": "zh-CN"`; the bridge
  speaks them (text to speech) when the call is answered live. `GET /calls/{call_id}` lets
  `send` ask, after an interruption, whether a call it may have placed was accepted.

- Any 2xx answers success; the body is ignored (204 No Content is fine).
- Any other status is a failure. Send a JSON body `{"error": "<why>"}` (or `"message"`); the
  adapter raises `TelephonyError` naming the request, the status and that message.
- `DELETE` of a call the switch does not know or has already ended may answer 404: the adapter
  treats that as done (hanging up is idempotent).
- `POST /calls` must return quickly, once the call is accepted, not when it is answered: what
  happens next is reported by events. The adapter never retries it (a retry could ring a
  debtor twice); a timeout raises `TelephonyError` and the call's state is then unknown, so
  the switch should drop a second `POST /calls` with a `call_id` it already has (answer 409).
- `DELETE` is retried once on a connection failure or a 5xx answer. `bridge` is not retried.
- Redirects are not followed and proxy settings from the environment are not used.

Events (switch bridge → adapter). `POST` to the webhook URL (`WebhookServer.url`, by default
`http://127.0.0.1:<port>/events`) one JSON object, or a JSON list of them:

    {"call_id": "c-42", "event": "ringing", "at": 1764486000.25}
    {"call_id": "c-42", "event": "answered_live", "at": 1764486009.8, "detail": "SIP 200"}
    {"call_id": "c-42", "event": "ended", "at": 1764486131.0, "detail": "normal clearing"}

- `call_id` (string, required): the id given in `POST /calls`.
- `event` (required): one of `ringing`, `answered_live`, `machine`, `busy`, `no_answer`,
  `ended`.
- `at` (number, optional): epoch seconds when it happened; the adapter's clock when absent.
- `detail` (string, optional): free text for logs (a SIP cause, an AMD verdict...).
- Other keys are ignored.

Per call, the events are, in this order: `ringing`; then exactly one outcome, `answered_live`,
`machine`, `busy` or `no_answer`; then `ended` when the line is released, whatever the
outcome (after a conversation, a hang-up of either side, or at once for a busy line).
Send `ringing` even when the switch saw none (an instant busy, say): dialers count on it.
Post one call's events in order, each after the previous one was answered (or together in
one list): the adapter queues them in the order they arrive and does not reorder or
deduplicate them.

The webhook answers `204 No Content` when every event was queued. It answers `400` with
`{"error": ..., "accepted": n, "rejected": [{"index": i, "error": ...}, ...]}` when the body
is not JSON or some events are invalid; the valid events of a list are queued all the same,
so do not resend those. A webhook server built with a `secret` answers `401` unless the
request carries `Authorization: Bearer <secret>`. Other paths get `404`, other methods `405`.

Example
=======

    telephony = HttpTelephony("http://pbx-bridge:8088", token="s3cret")
    with WebhookServer(telephony, host="0.0.0.0", port=8099, secret="hook-s3cret") as hook:
        # the bridge posts its events to http://<this host>:8099/events
        telephony.originate("c-42", "+447700900123")
        ...
        for event in telephony.events():  # poll after every pacing step
            ...
"""

from __future__ import annotations

import hmac
import http.client
import json
import logging
import math
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from arrears.dialing.telephony import EVENT_KINDS, CallEvent, TelephonyError

__all__ = ["HttpTelephony", "WebhookServer"]

log = logging.getLogger(__name__)

HANG_UP_RETRY_DELAY_S = 0.1  # the pause before the one retry of a failed hang-up
MAX_WEBHOOK_BYTES = 1 << 20  # a larger webhook body is refused (413)
_MAX_MESSAGE_CHARS = 300  # how much of a switch's error body goes into a TelephonyError


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Refuse redirects: a 3xx becomes an HTTPError, hence a TelephonyError."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _server_message(body: bytes) -> str:
    """The switch's reason from an error body: `error` or `message` of a JSON object, else text."""
    text = body.decode("utf-8", "replace").strip()
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if isinstance(parsed, Mapping):
        for key in ("error", "message", "detail"):
            if isinstance(parsed.get(key), str) and parsed[key]:
                text = parsed[key]
                break
    if len(text) > _MAX_MESSAGE_CHARS:
        text = text[:_MAX_MESSAGE_CHARS] + "..."
    return text or "(no message)"


class HttpTelephony:
    """A `Telephony` whose switch is reached over HTTP (see the module docstring's protocol).

    Commands go out as HTTP requests to `base_url`; events come in through `receive`, which a
    `WebhookServer` calls for each webhook (or your own web framework may call it).
    """

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        timeout_s: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        parsed = urllib.parse.urlsplit(base_url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError(f"base_url must be an http(s) URL: {base_url!r}")
        if not timeout_s > 0:
            raise ValueError(f"timeout_s must be positive: {timeout_s!r}")
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self._token = token
        self._clock = clock
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())
        self._lock = threading.Lock()
        self._queue: deque[CallEvent] = deque()

    def __repr__(self) -> str:  # never shows the token
        return f"HttpTelephony({self.base_url!r})"

    # -- commands ------------------------------------------------------------------------------

    def originate(
        self, call_id: str, number: str, *, say: str | None = None, language: str | None = None
    ) -> None:
        """`POST /calls`: ring `number` (and, for an IVR or robot call, play `say`). Never
        retried: a second try could ring twice."""
        body = {"call_id": call_id, "number": number}
        if say is not None:
            body["say"] = say
        if language:
            body["language"] = language
        self._request("POST", "/calls", body, call_id=call_id)

    def has_call(self, call_id: str) -> bool:
        """`GET /calls/{call_id}`: whether the switch holds this call (placed, whatever came
        of it). Raises TelephonyError when the switch cannot tell."""
        try:
            self._request("GET", f"/calls/{_quote(call_id)}", None)
        except TelephonyError as err:
            if err.status == 404:
                return False
            raise
        return True

    def bridge(self, call_id: str, agent_id: str) -> None:
        """`POST /calls/{call_id}/bridge`: connect the answered call to the agent."""
        self._request("POST", f"/calls/{_quote(call_id)}/bridge", {"agent_id": agent_id})

    def hang_up(self, call_id: str) -> None:
        """`DELETE /calls/{call_id}`: end the call; a 404 (unknown or ended call) is fine."""
        self._request("DELETE", f"/calls/{_quote(call_id)}", None, ok_404=True, retries=1)

    # -- events --------------------------------------------------------------------------------

    def receive(self, payload: Mapping[str, Any]) -> CallEvent:
        """Queue one webhook payload as a `CallEvent` (thread-safe) and return it.

        Raises ValueError, naming the fault, when the payload is not an event.
        """
        if not isinstance(payload, Mapping):
            raise ValueError(f"an event must be a JSON object, not {type(payload).__name__}")
        call_id = payload.get("call_id")
        if not isinstance(call_id, str) or not call_id:
            raise ValueError(f"event without a call_id (a non-empty string): {dict(payload)!r}")
        kind = payload.get("event")
        if kind not in EVENT_KINDS:
            raise ValueError(
                f"unknown event {kind!r} for call {call_id!r}: "
                f"expected one of {', '.join(EVENT_KINDS)}"
            )
        at = payload.get("at")
        if at is None:
            at = self._clock()
        elif isinstance(at, bool) or not isinstance(at, int | float) or not math.isfinite(at):
            raise ValueError(f"event 'at' must be epoch seconds (a number) for call {call_id!r}")
        detail = payload.get("detail")
        if detail is None:
            detail = ""
        elif not isinstance(detail, str):
            raise ValueError(f"event 'detail' must be a string for call {call_id!r}")
        event = CallEvent(call_id=call_id, kind=str(kind), at=float(at), detail=detail)
        with self._lock:
            self._queue.append(event)
        return event

    def events(self) -> list[CallEvent]:
        """The events received since the last call, in the order they arrived."""
        with self._lock:
            drained = list(self._queue)
            self._queue.clear()
        return drained

    # -- transport -----------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        body: Mapping[str, str] | None,
        *,
        ok_404: bool = False,
        retries: int = 0,
        call_id: str | None = None,
    ) -> None:
        url = self.base_url + path
        headers = {"Accept": "application/json", "User-Agent": "arrears-http-telephony"}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if self._token is not None:
            headers["Authorization"] = f"Bearer {self._token}"
        what = f"{method} {url}"
        for attempt in range(retries + 1):
            last = attempt == retries
            request = urllib.request.Request(url, data=data, headers=headers, method=method)
            try:
                with self._opener.open(request, timeout=self.timeout_s) as response:
                    response.read()
                return
            except urllib.error.HTTPError as err:
                status = err.code
                message = _server_message(err.read() if err.fp is not None else b"")
                err.close()
                if status == 404 and ok_404:
                    return
                if status >= 500 and not last:
                    log.warning("%s: HTTP %d (%s), retrying", what, status, message)
                    time.sleep(HANG_UP_RETRY_DELAY_S)
                    continue
                raise TelephonyError(f"{what} failed: HTTP {status}: {message}", status) from err
            except (urllib.error.URLError, http.client.HTTPException, OSError) as err:
                reason = getattr(err, "reason", err)
                if not last:
                    log.warning("%s: no answer (%s), retrying", what, reason)
                    time.sleep(HANG_UP_RETRY_DELAY_S)
                    continue
                unknown = (
                    f"; call {call_id!r} may or may not have been placed"
                    if call_id is not None
                    else ""
                )
                raise TelephonyError(f"{what} failed: no answer ({reason}){unknown}") from err


def _quote(call_id: str) -> str:
    return urllib.parse.quote(call_id, safe="")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], telephony: HttpTelephony, path: str, secret: str | None
    ) -> None:
        self.telephony = telephony
        self.path = path
        self.secret = secret
        super().__init__(address, _WebhookHandler)


class _WebhookHandler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "arrears-webhook"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("webhook %s - " + format, self.client_address[0], *args)

    def _json(self, status: int, body: Mapping[str, Any]) -> None:
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _on_our_path(self) -> bool:
        if urllib.parse.urlsplit(self.path).path == self.server.path:
            return True
        self._json(404, {"error": f"no such path: {self.path}; events go to {self.server.path}"})
        return False

    def do_GET(self) -> None:
        self._not_allowed()

    def do_PUT(self) -> None:
        self._not_allowed()

    def do_DELETE(self) -> None:
        self._not_allowed()

    def _not_allowed(self) -> None:
        if self._on_our_path():
            self.send_response(405)
            self.send_header("Allow", "POST")
            self.send_header("Content-Length", "0")
            self.end_headers()

    def do_POST(self) -> None:
        if not self._on_our_path():
            return
        secret = self.server.secret
        if secret is not None:
            given = self.headers.get("Authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {secret}".encode()):
                self._json(401, {"error": "missing or wrong bearer token"})
                return
        length_header = self.headers.get("Content-Length")
        if length_header is None or not length_header.isdigit():
            self._json(411, {"error": "a Content-Length is required"})
            return
        length = int(length_header)
        if length > MAX_WEBHOOK_BYTES:
            self._json(413, {"error": f"body over {MAX_WEBHOOK_BYTES} bytes"})
            return
        raw = self.rfile.read(length)
        try:
            parsed = json.loads(raw)
        except ValueError as err:
            self._json(400, {"error": f"bad JSON: {err}", "accepted": 0, "rejected": []})
            return
        items = parsed if isinstance(parsed, list) else [parsed]
        rejected: list[dict[str, Any]] = []
        for index, item in enumerate(items):
            try:
                self.server.telephony.receive(item)
            except ValueError as err:
                rejected.append({"index": index, "error": str(err)})
        if not rejected:
            self.send_response(204)
            self.end_headers()
            return
        log.warning("webhook rejected %d of %d events: %s", len(rejected), len(items), rejected)
        self._json(
            400,
            {
                "error": f"{len(rejected)} of {len(items)} events rejected",
                "accepted": len(items) - len(rejected),
                "rejected": rejected,
            },
        )


class WebhookServer:
    """A small threaded HTTP server taking the switch's event webhooks for an `HttpTelephony`.

    The socket is bound at construction (so `url` is known, with `port=0` picking a free
    port); use it as a context manager, or call `start()` and `stop()`.
    """

    def __init__(
        self,
        telephony: HttpTelephony,
        host: str = "127.0.0.1",
        port: int = 0,
        path: str = "/events",
        *,
        secret: str | None = None,
    ) -> None:
        if not path.startswith("/"):
            raise ValueError(f"path must start with '/': {path!r}")
        self.telephony = telephony
        self.path = path
        self._server = _Server((host, port), telephony, path, secret)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The URL to post events to."""
        host, port = self._server.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
        return f"http://{host}:{port}{self.path}"

    def start(self) -> None:
        """Serve in a background (daemon) thread."""
        if self._thread is not None:
            raise RuntimeError("the webhook server is already running")
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="arrears-webhook",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> WebhookServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
