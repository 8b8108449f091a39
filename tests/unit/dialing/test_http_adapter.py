"""The HTTP telephony adapter against a real local "switch" server and its own webhook server."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from arrears.dialing.http_adapter import HttpTelephony, WebhookServer
from arrears.dialing.telephony import CallEvent, Telephony, TelephonyError

TOKEN = "t0ken"
# The scripted outcome of each number: the events the switch posts back after POST /calls.
SCRIPTS: dict[str, list[tuple[str, str]]] = {
    "+447700900001": [("ringing", ""), ("answered_live", "SIP 200"), ("ended", "normal")],
    "+447700900002": [("ringing", ""), ("busy", "SIP 486"), ("ended", "")],
    "+447700900003": [("ringing", ""), ("machine", "AMD"), ("ended", "")],
    "+447700900004": [("ringing", ""), ("no_answer", "timeout"), ("ended", "")],
}
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Seen:
    method: str
    path: str
    body: Any
    authorization: str | None


@dataclass
class Switch:
    """A fake switch bridge: records requests, answers scripted statuses, posts events back."""

    webhook_url: str = ""
    seen: list[Seen] = field(default_factory=list)
    # (method, path) -> the statuses to answer, in turn (the last one repeats); default 2xx
    statuses: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    stall_s: float = 0.0  # sleep this long before answering POST /calls
    calls: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def status_for(self, method: str, path: str) -> int | None:
        with self.lock:
            queued = self.statuses.get((method, path))
            if not queued:
                return None
            return queued.pop(0) if len(queued) > 1 else queued[0]

    def post_events(self, call_id: str, number: str, t0: float) -> None:
        for i, (kind, detail) in enumerate(SCRIPTS.get(number, [])):
            event = {"call_id": call_id, "event": kind, "at": t0 + i, "detail": detail}
            post_json(self.webhook_url, event)  # one at a time, each after the 204


def post_json(url: str, body: Any, raw: bytes | None = None) -> tuple[int, Any]:
    data = raw if raw is not None else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with NO_PROXY.open(request, timeout=2.0) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        payload = err.read()
        return err.code, json.loads(payload) if payload else None


def make_handler(switch: Switch) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def answer(self, status: int, body: Any = None) -> None:
            data = json.dumps(body).encode() if body is not None else b""
            try:
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:  # the client gave up (the timeout test): nobody to answer
                pass

        def handle_any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body: Any = json.loads(raw) if raw else None
            with switch.lock:
                switch.seen.append(
                    Seen(self.command, self.path, body, self.headers.get("Authorization"))
                )
            status = switch.status_for(self.command, self.path)
            if status is not None and status >= 300:
                self.answer(status, {"error": f"switch says no ({status})"})
                return
            if self.command == "POST" and self.path == "/calls":
                time.sleep(switch.stall_s)
                with switch.lock:
                    switch.calls.add(body["call_id"])
                self.answer(status or 201, {"ok": True})
                threading.Thread(
                    target=switch.post_events,
                    args=(body["call_id"], body["number"], 1_764_486_000.0),
                    daemon=True,
                ).start()
                return
            parts = self.path.strip("/").split("/")
            call_id = urllib.parse.unquote(parts[1]) if len(parts) >= 2 else ""
            with switch.lock:
                known = call_id in switch.calls
            if not known:
                self.answer(404, {"error": f"no such call {call_id}"})
            elif self.command == "DELETE":
                with switch.lock:
                    switch.calls.discard(call_id)
                self.answer(status or 204)
            else:
                self.answer(status or 204)

        do_POST = handle_any
        do_DELETE = handle_any

    return Handler


@pytest.fixture
def switch() -> Iterator[Switch]:
    state = Switch()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state))
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield state
    server.shutdown()
    thread.join()
    server.server_close()


@pytest.fixture
def adapter(switch: Switch) -> Iterator[tuple[HttpTelephony, WebhookServer]]:
    telephony = HttpTelephony(switch.url, token=TOKEN, timeout_s=2.0)
    with WebhookServer(telephony) as hook:
        switch.webhook_url = hook.url
        yield telephony, hook


def wait_for(telephony: HttpTelephony, n: int, timeout_s: float = 5.0) -> list[CallEvent]:
    got: list[CallEvent] = []
    deadline = time.monotonic() + timeout_s
    while len(got) < n and time.monotonic() < deadline:
        got += telephony.events()
        if len(got) < n:
            time.sleep(0.005)
    assert len(got) >= n, f"only {len(got)} of {n} events within {timeout_s} s: {got}"
    return got


def test_it_is_a_telephony() -> None:
    assert isinstance(HttpTelephony("http://127.0.0.1:1"), Telephony)


def test_originate_posts_the_call_and_the_events_come_back_in_order(
    switch: Switch, adapter: tuple[HttpTelephony, WebhookServer]
) -> None:
    telephony, _ = adapter
    telephony.originate("c-1", "+447700900001")
    assert switch.seen == [
        Seen("POST", "/calls", {"call_id": "c-1", "number": "+447700900001"}, f"Bearer {TOKEN}")
    ]
    events = wait_for(telephony, 3)
    assert events == [
        CallEvent("c-1", "ringing", 1_764_486_000.0, ""),
        CallEvent("c-1", "answered_live", 1_764_486_001.0, "SIP 200"),
        CallEvent("c-1", "ended", 1_764_486_002.0, "normal"),
    ]
    assert telephony.events() == []  # drained


@pytest.mark.parametrize(
    ("number", "outcome"),
    [("+447700900002", "busy"), ("+447700900003", "machine"), ("+447700900004", "no_answer")],
)
def test_each_outcome_arrives_between_ringing_and_ended(
    adapter: tuple[HttpTelephony, WebhookServer], number: str, outcome: str
) -> None:
    telephony, _ = adapter
    telephony.originate("c-9", number)
    assert [e.kind for e in wait_for(telephony, 3)] == ["ringing", outcome, "ended"]


def test_bridge_and_hang_up_send_their_requests(
    switch: Switch, adapter: tuple[HttpTelephony, WebhookServer]
) -> None:
    telephony, _ = adapter
    telephony.originate("c/2 x", "+447700900001")  # an id that needs quoting in a path
    telephony.bridge("c/2 x", "agent-7")
    telephony.hang_up("c/2 x")
    assert [(s.method, s.path, s.body) for s in switch.seen] == [
        ("POST", "/calls", {"call_id": "c/2 x", "number": "+447700900001"}),
        ("POST", "/calls/c%2F2%20x/bridge", {"agent_id": "agent-7"}),
        ("DELETE", "/calls/c%2F2%20x", None),
    ]
    assert all(s.authorization == f"Bearer {TOKEN}" for s in switch.seen)
    assert {e.call_id for e in wait_for(telephony, 3)} == {"c/2 x"}


def test_no_token_sends_no_authorization(switch: Switch) -> None:
    HttpTelephony(switch.url + "/").originate("c-3", "+447700900009")
    assert [(s.path, s.authorization) for s in switch.seen] == [("/calls", None)]


def test_hang_up_of_an_unknown_call_is_fine(switch: Switch) -> None:
    HttpTelephony(switch.url).hang_up("never-placed")
    assert [(s.method, s.path) for s in switch.seen] == [("DELETE", "/calls/never-placed")]


def test_a_refused_originate_raises_with_status_and_message_and_is_not_retried(
    switch: Switch,
) -> None:
    switch.statuses[("POST", "/calls")] = [500]
    with pytest.raises(TelephonyError) as caught:
        HttpTelephony(switch.url).originate("c-4", "+447700900001")
    message = str(caught.value)
    assert f"POST {switch.url}/calls" in message
    assert "500" in message and "switch says no (500)" in message
    assert len(switch.seen) == 1


def test_a_bridge_error_raises(switch: Switch) -> None:
    switch.statuses[("POST", "/calls/c-5/bridge")] = [409]
    with pytest.raises(TelephonyError, match=r"HTTP 409: switch says no \(409\)"):
        HttpTelephony(switch.url).bridge("c-5", "agent-1")
    with pytest.raises(TelephonyError, match=r"HTTP 404: no such call c-6"):
        HttpTelephony(switch.url).bridge("c-6", "agent-1")  # bridging needs a live call


def test_hang_up_is_retried_once(switch: Switch) -> None:
    telephony = HttpTelephony(switch.url)
    switch.statuses[("DELETE", "/calls/c-7")] = [503, 404]
    telephony.hang_up("c-7")  # the retry finds the call gone: fine
    assert len(switch.seen) == 2
    switch.statuses[("DELETE", "/calls/c-8")] = [500]
    with pytest.raises(TelephonyError, match="HTTP 500"):
        telephony.hang_up("c-8")
    assert len(switch.seen) == 4  # two tries, no more


def test_no_answer_from_the_switch_raises() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(TelephonyError, match=r"no answer.*may or may not have been placed"):
        HttpTelephony(f"http://127.0.0.1:{port}").originate("c-10", "+447700900001")
    with pytest.raises(
        TelephonyError, match=re.escape(f"DELETE http://127.0.0.1:{port}/calls/c-10")
    ):
        HttpTelephony(f"http://127.0.0.1:{port}").hang_up("c-10")


def test_a_slow_originate_times_out_once(switch: Switch) -> None:
    switch.stall_s = 0.4
    with pytest.raises(TelephonyError, match="no answer"):
        HttpTelephony(switch.url, timeout_s=0.1).originate("c-11", "+447700900009")
    assert len(switch.seen) == 1


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="http"):
        HttpTelephony("pbx:8088")
    with pytest.raises(ValueError, match="timeout_s"):
        HttpTelephony("http://pbx:8088", timeout_s=0)


def test_receive_checks_the_payload_and_fills_in_the_time() -> None:
    telephony = HttpTelephony("http://127.0.0.1:1", clock=lambda: 42.0)
    telephony.receive({"call_id": "c", "event": "ringing"})
    telephony.receive({"call_id": "c", "event": "busy", "at": 50, "detail": None, "x": 1})
    assert telephony.events() == [CallEvent("c", "ringing", 42.0), CallEvent("c", "busy", 50.0)]
    with pytest.raises(ValueError, match="unknown event 'rang' for call 'c'"):
        telephony.receive({"call_id": "c", "event": "rang"})
    with pytest.raises(ValueError, match="without a call_id"):
        telephony.receive({"event": "ringing"})
    with pytest.raises(ValueError, match="'at' must be epoch seconds"):
        telephony.receive({"call_id": "c", "event": "ended", "at": "noon"})
    with pytest.raises(ValueError, match="'detail' must be a string"):
        telephony.receive({"call_id": "c", "event": "ended", "detail": 3})
    assert telephony.events() == []


def test_the_webhook_takes_one_event_or_a_list(
    adapter: tuple[HttpTelephony, WebhookServer],
) -> None:
    telephony, hook = adapter
    assert hook.url.startswith("http://127.0.0.1:") and hook.url.endswith("/events")
    assert post_json(hook.url, {"call_id": "w", "event": "ringing", "at": 1.0})[0] == 204
    batch = [{"call_id": "w", "event": "no_answer", "at": 2.0}, {"call_id": "w", "event": "ended"}]
    assert post_json(hook.url, batch)[0] == 204
    assert [e.kind for e in telephony.events()] == ["ringing", "no_answer", "ended"]


def test_a_bad_webhook_gets_400_and_the_good_events_still_go_in(
    adapter: tuple[HttpTelephony, WebhookServer],
) -> None:
    telephony, hook = adapter
    status, body = post_json(hook.url, None, raw=b"{not json")
    assert status == 400 and body["error"].startswith("bad JSON")
    batch = [
        {"call_id": "g", "event": "ringing", "at": 1.0},
        {"call_id": "g", "event": "exploded"},
        {"event": "ended"},
        {"call_id": "g", "event": "ended", "at": 3.0},
    ]
    status, body = post_json(hook.url, batch)
    assert status == 400
    assert body["error"] == "2 of 4 events rejected" and body["accepted"] == 2
    assert [r["index"] for r in body["rejected"]] == [1, 2]
    assert "unknown event 'exploded'" in body["rejected"][0]["error"]
    assert "call_id" in body["rejected"][1]["error"]
    assert telephony.events() == [CallEvent("g", "ringing", 1.0), CallEvent("g", "ended", 3.0)]
    status, body = post_json(hook.url, "ringing")
    assert status == 400 and "JSON object" in body["rejected"][0]["error"]


def test_the_webhook_answers_404_elsewhere_and_405_to_other_methods(
    adapter: tuple[HttpTelephony, WebhookServer],
) -> None:
    telephony, hook = adapter
    status, body = post_json(hook.url.replace("/events", "/other"), {"call_id": "x"})
    assert status == 404 and "/events" in body["error"]
    with pytest.raises(urllib.error.HTTPError) as caught:
        NO_PROXY.open(hook.url, timeout=2.0)
    assert caught.value.code == 405 and caught.value.headers["Allow"] == "POST"
    caught.value.close()
    assert telephony.events() == []


def test_a_webhook_secret_is_required_when_set() -> None:
    telephony = HttpTelephony("http://127.0.0.1:1")
    with WebhookServer(telephony, path="/hook", secret="s3") as hook:
        event = json.dumps({"call_id": "s", "event": "ringing", "at": 1.0}).encode()
        assert post_json(hook.url, None, raw=event)[0] == 401
        request = urllib.request.Request(
            hook.url, data=event, headers={"Authorization": "Bearer s3"}, method="POST"
        )
        with NO_PROXY.open(request, timeout=2.0) as response:
            assert response.status == 204
    assert telephony.events() == [CallEvent("s", "ringing", 1.0)]
