"""The outbox worker's sending rate: at most ``rate`` sends a second per channel, on a clock of
the test's own (the service tests' stores send unlimited: they do not measure the rate)."""

from __future__ import annotations

import threading

import pytest

from loyalloop.services import outbox
from loyalloop.services.outbox import RateLimiter


class Clock:
    """A clock that moves only when the limiter waits (or the test says so)."""

    def __init__(self) -> None:
        self.now = 100.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    def wait(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


class Stop(threading.Event):
    """The worker's stop event: the limiter waits on it (a stop cuts the wait short)."""

    def __init__(self, clock: Clock) -> None:
        super().__init__()
        self.clock = clock

    def wait(self, timeout: float | None = None) -> bool:
        assert timeout is not None
        self.clock.wait(timeout)
        return False


def test_sends_are_spaced_by_the_rate_of_their_channel() -> None:
    clock = Clock()
    stop = Stop(clock)
    limiter = RateLimiter({"email": 20.0, "sms": 4.0, "webhook": 0.0}, clock=clock)
    for _ in range(3):
        limiter.wait("email", stop)
    assert clock.waits == pytest.approx([0.05, 0.05])  # the first at once, then 1/20 s apart
    limiter.wait("sms", stop)  # another channel has its own pace: its first send waits not
    assert len(clock.waits) == 2
    limiter.wait("sms", stop)
    assert clock.waits[-1] == pytest.approx(0.25)
    for _ in range(5):  # 0 = unlimited, and so is a channel without a rate
        limiter.wait("webhook", stop)
        limiter.wait("push", stop)
    assert len(clock.waits) == 3
    clock.now += 1.0  # after a pause the next send goes at once: no catching up, no burst debt
    limiter.wait("email", stop)
    assert len(clock.waits) == 3
    limiter.wait("email", stop)
    assert clock.waits[-1] == pytest.approx(0.05)


def test_without_a_stop_event_the_limiter_sleeps(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    monkeypatch.setattr(outbox.time, "sleep", clock.wait)
    limiter = RateLimiter({"email": 10.0}, clock=clock)
    limiter.wait("email")
    limiter.wait("email")
    assert clock.waits == pytest.approx([0.1])
