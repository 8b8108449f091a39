"""Real servers on localhost for the channel tests and the send benchmark.

* `Gateway`: an HTTP SMS gateway (stdlib `ThreadingHTTPServer`, HTTP/1.1 keep-alive) speaking
  the generic protocol of `arrears.channels.providers.http_sms`. It writes every request it
  handles to a JSON-lines log (`accepted`, `duplicate`, `refused`, `throttled`) before it
  answers, so the log is the truth of what it took. Faults: `delay` per message, numbers that
  are refused for good, numbers that are throttled (503) a number of times first. Given a
  `webhook_secret`, it posts each accepted message's delivery receipt to the message's
  `receipt_url` (`delivered`, or `undelivered` for the numbers in `undeliverable`), from a
  thread, retrying a non-2xx answer a few times as gateways do (`receipt` events in the log).
* `SmtpServer`: aiosmtpd with a Maildir handler (every accepted message is one file in the
  Maildir before the server answers 250), refusing recipients that contain `bounce` (550)
  and deferring (451) the first tries of those listed in `defer`.

Both run in a thread of the test process, or as their own process for the benchmark:

    python tests/channel_servers.py gateway --port 8025 --log gateway.jsonl
    python tests/channel_servers.py smtp --port 8026 --maildir mail/
"""

from __future__ import annotations

import argparse
import json
import socket
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- the SMS gateway ------------------------------------------------------------------------


class _GatewayServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, log: Path, delay: float, refuse: Iterable[str],
                 throttle: dict[str, int], webhook_secret: str | None = None,
                 undeliverable: Iterable[str] = ()) -> None:  # fmt: skip
        super().__init__(("127.0.0.1", port), _GatewayHandler)
        self.webhook_secret = webhook_secret
        self.undeliverable = set(undeliverable)
        self.log_path = log
        self.log_file = open(log, "a", encoding="utf-8")  # noqa: SIM115 (closed in stop)
        self.delay = delay
        self.refuse = set(refuse)
        self.throttle = Counter(throttle)
        self.accepted: dict[str, str] = {}
        self.lock = threading.Lock()
        self.log_lock = threading.Lock()

    def record(self, event: dict[str, Any]) -> None:
        with self.log_lock:
            self.log_file.write(json.dumps(event, ensure_ascii=False) + "\n")
            self.log_file.flush()

    def post_receipt(self, url: str, key: str, to: str) -> None:
        status = "undelivered" if to in self.undeliverable else "delivered"
        at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        body = json.dumps({"type": "receipt", "key": key, "status": status, "at": at}).encode()
        secret = self.webhook_secret or ""
        headers = {"Content-Type": "application/json", "X-Webhook-Secret": secret}
        answer: int | str = "not posted"
        for attempt in range(5):
            try:
                request = urllib.request.Request(url, data=body, headers=headers, method="POST")
                with urllib.request.urlopen(request, timeout=10) as response:
                    answer = response.status
            except urllib.error.HTTPError as exc:
                answer = exc.code
            except OSError as exc:
                answer = f"{type(exc).__name__}: {exc}"
            if isinstance(answer, int) and 200 <= answer < 300:
                break
            time.sleep(0.2 * (attempt + 1))
        self.record({"event": "receipt", "key": key, "status": status, "answer": answer})


class _GatewayHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms ACK wait
    server: _GatewayServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        key = unquote(self.path.rstrip("/").rsplit("/", 1)[-1])
        with self.server.lock:
            found = self.server.accepted.get(key)
        if found is None:
            self._answer(404, {"error": "no message under this key"})
        else:
            self._answer(200, {"id": found, "status": "accepted"})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        key = self.headers.get("Idempotency-Key") or body.get("client_ref")
        to = str(body.get("to", ""))
        if self.server.delay:
            time.sleep(self.server.delay)
        s = self.server
        with s.lock:
            if key in s.accepted:
                s.record({"event": "duplicate", "key": key, "to": to})
                status, answer = 200, {"id": s.accepted[key], "status": "accepted"}
            elif to in s.refuse:
                s.record({"event": "refused", "key": key, "to": to})
                status, answer = 400, {"error": f"invalid number {to}"}
            elif s.throttle[to] > 0:
                s.throttle[to] -= 1
                s.record({"event": "throttled", "key": key, "to": to})
                status, answer = 503, {"error": "busy, try again"}
            else:
                ref = uuid.uuid4().hex
                s.accepted[key] = ref
                s.record({"event": "accepted", "key": key, "to": to, "text": body.get("text")})
                status, answer = 202, {"id": ref, "status": "accepted"}
                if s.webhook_secret is not None and body.get("receipt_url"):
                    threading.Thread(
                        target=s.post_receipt, args=(body["receipt_url"], key, to), daemon=True
                    ).start()
        self._answer(status, answer)


class Gateway:
    """The gateway in a thread: `url`, `events()` (its log), `stop()`."""

    def __init__(
        self,
        log: Path,
        *,
        port: int = 0,
        delay: float = 0.0,
        refuse: Iterable[str] = (),
        throttle: dict[str, int] | None = None,
        webhook_secret: str | None = None,
        undeliverable: Iterable[str] = (),
    ) -> None:
        self.port = port or free_port()
        self.log = log
        self.server = _GatewayServer(
            self.port, log, delay, refuse, throttle or {}, webhook_secret, undeliverable
        )
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1/messages"

    def start(self) -> Gateway:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.server.log_file.close()

    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        return read_log(self.log, kind)


def read_log(path: Path, kind: str | None = None) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [r for r in rows if kind is None or r["event"] == kind]


# -- the switch bridge (IVR and robot calls) -------------------------------------------------


class _SwitchServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, log: Path, delay: float) -> None:
        super().__init__(("127.0.0.1", port), _SwitchHandler)
        self.log_file = open(log, "a", encoding="utf-8")  # noqa: SIM115 (closed in stop)
        self.delay = delay
        self.calls: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()

    def record(self, event: dict[str, Any]) -> None:
        self.log_file.write(json.dumps(event, ensure_ascii=False) + "\n")
        self.log_file.flush()


class _SwitchHandler(BaseHTTPRequestHandler):
    """The bridge side of `arrears.dialing.http_adapter`'s protocol: `POST /calls` (409 for
    a call id it has), `GET /calls/{id}` (200 / 404)."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _SwitchServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        call_id = unquote(self.path.rstrip("/").rsplit("/", 1)[-1])
        with self.server.lock:
            known = call_id in self.server.calls
        self._answer(200 if known else 404, {"call_id": call_id})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        call_id = str(body.get("call_id", ""))
        s = self.server
        with s.lock:
            if call_id in s.calls:
                s.record({"event": "duplicate", "call_id": call_id})
                status = 409
            else:  # placed before the answer goes out: a slow answer may time the client out
                s.calls[call_id] = body
                s.record({"event": "placed", **body})
                status = 201
        if s.delay:
            time.sleep(s.delay)
        self._answer(status, {"call_id": call_id} if status == 201 else {"error": "known call"})


class Switch:
    """The switch bridge in a thread: `url`, `events()` (its log), `stop()`."""

    def __init__(self, log: Path, *, delay: float = 0.0) -> None:
        self.port = free_port()
        self.log = log
        self.server = _SwitchServer(self.port, log, delay)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/switch"

    def start(self) -> Switch:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.server.log_file.close()

    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        return read_log(self.log, kind)


# -- the SMTP server ------------------------------------------------------------------------


class SmtpServer:
    """aiosmtpd on 127.0.0.1 delivering to a Maildir: `maildir`, `messages()`, `stop()`."""

    def __init__(self, maildir: Path, *, port: int = 0, defer: dict[str, int] | None = None):
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Mailbox

        deferred = Counter(defer or {})

        class Handler(Mailbox):
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
                if "bounce" in address:
                    return "550 5.1.1 no such mailbox"
                if deferred[address] > 0:
                    deferred[address] -= 1
                    return "451 4.3.0 try again later"
                envelope.rcpt_tos.append(address)
                return "250 OK"

        self.maildir = maildir  # made by the handler (a Maildir has new/, cur/ and tmp/)
        self.port = port or free_port()
        self.controller = Controller(Handler(maildir), hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def messages(self) -> list[Any]:
        import mailbox

        return list(mailbox.Maildir(self.maildir, create=False))


def _main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=("gateway", "smtp"))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", type=Path, help="gateway: the JSON-lines log")
    parser.add_argument("--maildir", type=Path, help="smtp: the Maildir")
    args = parser.parse_args()
    if args.kind == "gateway":
        gateway = Gateway(args.log, port=args.port)
        print("ready", flush=True)
        gateway.server.serve_forever()
    else:
        smtp = SmtpServer(args.maildir, port=args.port).start()
        print("ready", flush=True)
        try:
            while True:
                time.sleep(3600)
        finally:
            smtp.stop()


if __name__ == "__main__":
    _main()
