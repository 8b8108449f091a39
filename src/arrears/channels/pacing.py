"""Pacing a provider: a token bucket for its rate limit, exponential backoff for retries.

Both take the clock and the sleep as arguments, so tests run them on a fake clock and the
dispatcher on `time.monotonic` / `time.sleep`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from arrears.channels.model import Status, StatusUnavailable, TransientError

T = TypeVar("T")


@dataclass
class TokenBucket:
    """At most `burst` sends at once and `rate` per second on average.

    `acquire` takes one token, sleeping until one is there; after any `t` seconds at most
    `burst + rate * t` tokens have been taken (tests/unit/channels/test_pacing.py).
    """

    rate: float
    burst: float
    clock: Callable[[], float]
    sleep: Callable[[float], None]
    _tokens: float = field(init=False)
    _stamp: float = field(init=False)

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.burst < 1:
            raise ValueError(
                f"rate must be > 0 and burst >= 1 (rate {self.rate}, burst {self.burst})"
            )
        self._tokens = float(self.burst)
        self._stamp = self.clock()

    def _refill(self) -> None:
        now = self.clock()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def acquire(self) -> None:
        self._refill()
        if self._tokens < 1.0:
            self.sleep((1.0 - self._tokens) / self.rate)
            self._refill()
            # The wait was for exactly the missing part of a token: rounding must not make
            # it wait again (nor, on a clock that stops, forever).
            self._tokens = max(self._tokens, 1.0)
        self._tokens -= 1.0

    def __repr__(self) -> str:
        return f"TokenBucket(rate={self.rate}, burst={self.burst})"


@dataclass(frozen=True)
class Backoff:
    """Try at most `tries` times; wait `base * factor**(n-1)` seconds (at most `cap`)
    after the n-th transient failure."""

    tries: int = 5
    base: float = 0.5
    factor: float = 2.0
    cap: float = 30.0

    def __post_init__(self) -> None:
        if self.tries < 1 or self.base < 0 or self.factor < 1 or self.cap < 0:
            raise ValueError(f"invalid backoff {self!r}: tries >= 1, base >= 0, factor >= 1")

    def delay(self, failures: int) -> float:
        return float(min(self.cap, self.base * self.factor ** (failures - 1)))


class GaveUp(TransientError):
    """Every try failed on a transient error; `tries` is how many were made."""

    def __init__(self, reason: str, tries: int) -> None:
        super().__init__(reason)
        self.tries = tries


def with_retries(
    attempt: Callable[[], T],
    backoff: Backoff,
    sleep: Callable[[float], None],
    already: Callable[[], Status] | None = None,
    on_accepted: Callable[[], T] | None = None,
) -> tuple[T, int]:
    """`attempt()` until it returns, retrying TransientError with backoff. Returns the
    result and the number of tries.

    Before trying again, `already()` (the provider's status of the key) is asked: a message
    the provider accepted although the answer was lost (a timeout after the data went out)
    is not sent a second time; `on_accepted()` gives the result for it. PermanentError and
    anything else go through at once.
    """
    failures = 0
    while True:
        try:
            return attempt(), failures + 1
        except TransientError as exc:
            failures += 1
            if failures >= backoff.tries:
                raise GaveUp(exc.reason, failures) from exc
            sleep(backoff.delay(failures))
            if already is not None and on_accepted is not None:
                try:
                    accepted = already() is Status.ACCEPTED
                except StatusUnavailable as unknown:
                    # Neither sending again (it may be there) nor dropping it (it may not):
                    # the key stays `sending` and the next run asks again.
                    raise GaveUp(f"{exc.reason}; status unavailable: {unknown}", failures) from exc
                if accepted:
                    return on_accepted(), failures
