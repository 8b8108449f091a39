"""TCP_NODELAY on the sockets uvicorn listens on, whatever launched it.

`uvicorn --workers N` (and `arrears serve --workers N`) binds its listener in the supervisor
with `socket.socket(family)`: protocol 0. asyncio turns Nagle's algorithm off on an accepted
connection only when the listener's `proto` is `IPPROTO_TCP`
(`selector_events._SelectorSocketTransport` → `base_events._set_nodelay`), so on those
connections every keep-alive response — the headers, then the body, two writes — waits for
the client's delayed ACK: ~40 ms a request (Kludex/uvicorn#3149). A single-process uvicorn
binds through `loop.create_server(host, port)`, whose sockets carry `IPPROTO_TCP`, and is not
affected.

Linux copies a listening socket's TCP_NODELAY to the connections it accepts, so setting it
on the listener, in the worker, before it starts accepting, is enough. The worker gets the
supervisor's bound socket as an inherited file descriptor; `nodelay_listeners` finds the
process's bound, unconnected TCP sockets and sets the option on each. It runs at the
application's startup (`app.create_app`'s lifespan), which in a uvicorn worker comes before
`loop.create_server(sock=…)` starts listening.
"""

from __future__ import annotations

import errno
import os
import socket

INET = (socket.AF_INET, socket.AF_INET6)


def _listener(sock: socket.socket) -> bool:
    """Is `sock` a bound TCP socket with no peer (a listener, or one about to be)?"""
    if sock.family not in INET or sock.type != socket.SOCK_STREAM:
        return False
    try:
        port = sock.getsockname()[1]
    except OSError:
        return False
    if not port:
        return False
    try:
        sock.getpeername()
    except OSError as exc:
        return exc.errno == errno.ENOTCONN
    return False


def nodelay_listeners(fds: list[int] | None = None) -> list[int]:
    """Set TCP_NODELAY on every listening (or bound, unconnected) TCP socket among `fds`
    (default: the process's open descriptors, from /proc/self/fd; nothing where there is
    none). Returns the descriptors changed."""
    if fds is None:
        try:
            fds = [int(fd) for fd in os.listdir("/proc/self/fd")]
        except OSError:
            return []
    changed = []
    for fd in fds:
        try:
            copy = os.dup(fd)
        except OSError:
            continue  # closed since listed
        try:
            sock = socket.socket(fileno=copy)
        except OSError:
            os.close(copy)
            continue  # not a socket
        try:
            if _listener(sock):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                changed.append(fd)
        except OSError:
            pass
        finally:
            sock.close()  # the duplicate only: the listener is untouched
    return changed
