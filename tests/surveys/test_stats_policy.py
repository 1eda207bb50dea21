"""Statistics against reference computations; the contact policy's rules."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import numpy as np
import pytest
from scipy import stats

from loyalloop.surveys import Channel, ces_from_moments, contact_decision, response_rate, wilson
from loyalloop.surveys.policy import in_quiet_hours, quiet_hours_end


@pytest.mark.parametrize(("k", "n"), [(0, 10), (3, 10), (47, 120), (120, 120), (1, 1)])
def test_wilson_matches_scipy(k: int, n: int) -> None:
    ref = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    lo, hi = wilson(k, n)
    assert lo == pytest.approx(ref.low, abs=1e-9) and hi == pytest.approx(ref.high, abs=1e-9)


def test_response_rate_shows_non_response() -> None:
    r = response_rate(200, 46)
    assert (r.invited, r.responded, r.not_responded) == (200, 46, 154)
    assert (
        r.rate == pytest.approx(0.23)
        and r.ci_low is not None
        and r.ci_low < 0.23 < (r.ci_high or 0)
    )
    assert response_rate(0, 0).rate is None
    with pytest.raises(ValueError, match="between 0 and invited"):
        response_rate(3, 4)


def test_ces_from_moments_matches_the_raw_data() -> None:
    rng = np.random.default_rng(7)
    x = rng.integers(1, 8, size=400)
    r = ces_from_moments(len(x), float(x.sum()), float((x**2).sum()), int((x >= 5).sum()))
    half = 1.959963984540054 * x.std(ddof=1) / np.sqrt(len(x))
    assert r.mean == pytest.approx(x.mean())
    assert r.ci_low == pytest.approx(x.mean() - half) and r.ci_high == pytest.approx(
        x.mean() + half
    )
    assert r.easy_share == pytest.approx(100 * (x >= 5).mean())
    assert ces_from_moments(1, 4, 16, 0).ci_low is None


def test_quiet_hours_across_midnight_in_the_customers_zone() -> None:
    assert in_quiet_hours(time(23, 0), time(21, 0), time(8, 0))
    assert in_quiet_hours(time(7, 59), time(21, 0), time(8, 0))
    assert not in_quiet_hours(time(8, 0), time(21, 0), time(8, 0))
    # 14:00 UTC is 22:00 in Shanghai: quiet until 08:00 Shanghai = 00:00 UTC next day
    now = datetime(2026, 5, 1, 14, 0, tzinfo=UTC)
    assert quiet_hours_end(now, "Asia/Shanghai", time(21), time(8)) == datetime(
        2026, 5, 2, 0, 0, tzinfo=UTC
    )
    assert quiet_hours_end(now, "Europe/London", time(21), time(8)) == now  # 15:00 there


def _decide(**kw):  # type: ignore[no-untyped-def]
    base = dict(
        channel=Channel.email,
        now=datetime(2026, 5, 1, 3, 0, tzinfo=UTC),
        consent=True,
        contact="a@example.com",
        suppressed=False,
        last_contacted=None,
        cap_days=30,
        zone="Asia/Shanghai",
        quiet_start=time(21),
        quiet_end=time(8),
    )
    base.update(kw)
    return contact_decision(**base)


def test_contact_rules_in_order() -> None:
    assert _decide().ok and _decide().send_after == datetime(2026, 5, 1, 3, 0, tzinfo=UTC)
    assert _decide(suppressed=True).reason == "suppressed"
    assert _decide(consent=None).reason == "no_consent"  # unknown consent is no consent
    assert _decide(consent=False).reason == "no_consent"
    assert _decide(channel=Channel.link, consent=None).ok  # the business hands out the link
    assert _decide(contact="  ").reason == "no_contact"
    recent = datetime(2026, 4, 20, tzinfo=UTC)
    assert _decide(last_contacted=recent).reason == "frequency_cap"
    assert _decide(last_contacted=recent - timedelta(days=30)).ok
    assert _decide(last_contacted=recent, cap_days=0).ok
