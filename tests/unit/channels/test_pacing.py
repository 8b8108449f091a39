"""The token bucket and the backoff, on a fake clock."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrears.channels.model import PermanentError, Status, TransientError
from arrears.channels.pacing import Backoff, GaveUp, TokenBucket, with_retries


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds


@given(
    st.floats(min_value=0.5, max_value=500), st.integers(min_value=1, max_value=50),
    st.integers(min_value=1, max_value=400),
)  # fmt: skip
def test_a_bucket_never_lets_more_than_burst_plus_rate_times_elapsed(
    rate: float, burst: int, sends: int
) -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate, burst, clock, clock.sleep)
    for n in range(1, sends + 1):
        bucket.acquire()
        assert n <= burst + rate * clock.t + 1e-6


def test_a_bucket_sends_a_burst_at_once_then_at_its_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(10, 5, clock, clock.sleep)
    for _ in range(5):
        bucket.acquire()
    assert clock.t == 0
    for _ in range(10):
        bucket.acquire()
    assert clock.t == pytest.approx(1.0)


def test_transient_errors_are_retried_with_doubling_waits_then_given_up() -> None:
    clock = FakeClock()
    calls = []

    def attempt() -> str:
        calls.append(clock.t)
        raise TransientError("busy")

    with pytest.raises(GaveUp) as caught:
        with_retries(attempt, Backoff(tries=4, base=0.5, cap=1.5), clock.sleep)
    assert caught.value.tries == 4
    assert clock.slept == [0.5, 1.0, 1.5]


def test_a_retry_asks_the_provider_first_and_does_not_send_what_it_holds() -> None:
    clock = FakeClock()
    sent = []

    def attempt() -> str:
        sent.append(1)
        raise TransientError("timed out after the data went out")

    result, tries = with_retries(
        attempt, Backoff(tries=5), clock.sleep, already=lambda: Status.ACCEPTED,
        on_accepted=lambda: "accepted",
    )  # fmt: skip
    assert (result, tries, len(sent)) == ("accepted", 1, 1)


def test_a_permanent_error_is_not_retried() -> None:
    clock = FakeClock()
    with pytest.raises(PermanentError):
        with_retries(lambda: (_ for _ in ()).throw(PermanentError("no")), Backoff(), clock.sleep)
    assert clock.slept == []
