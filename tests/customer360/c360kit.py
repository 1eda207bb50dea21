"""Shared names of the customer 360 tests."""

from __future__ import annotations

from dataclasses import dataclass

from loyalloop.core.config import Settings

__all__ = ["EVIL", "Home"]

#: a hostile comment that also holds a phone number (masked for readers without pii.view)
EVIL = (
    '<script>window.__pwned = 1</script><img src=x onerror="alert(1)">年费太贵了 =cmd|"/c calc"'
    " 我的电话13812345678"
)


@dataclass(frozen=True)
class Home:
    settings: Settings
    #: a customer with own-brand feedback with text, a case and a survey answer
    customer: str
    feedback_id: str
    phone: str
    email: str
    name: str
    #: a second profile whose phone was changed to the first one's after the run
    sharing: str
