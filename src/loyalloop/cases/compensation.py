"""Compensation given to a customer under a policy with a budget per period.

A :class:`CompensationPolicy` sets the currency, the kinds of compensation allowed (fee waiver,
points, cash …), a budget per team per period (week, month, quarter or year, in the business
time zone), a cap per case and per customer per period, and an amount above which a manager's
approval is needed. :func:`decide_compensation` checks a request against the policy and what
was already granted, and returns a :class:`CompensationDecision`: approved, or refused with a
:class:`Refusal` code and a message that says exactly why (and how much is left).

Money is :class:`~decimal.Decimal` throughout (no binary rounding of currency amounts).

Currency: a policy's budgets and caps are in its ``currency``; ``None`` (the default case
configuration) means the project's currency — the currency of the amounts of its latest
published run (the transactions' ``currency`` column, else the run setting ``currency``).
:meth:`CompensationPolicy.in_currency` settles it: a policy in CNY is never compared with
amounts in USD (:class:`~loyalloop.errors.CurrencyMismatchError`), and a currency nobody
names is refused rather than guessed. A grant carries the currency it was given in; grants in
another currency than the policy's are never added to its budget — the decision is refused
with a message that says so.

The decision is pure. Two agents granting at the same moment could both see the same spend; the
service must take the decision inside one transaction that locks the team's period budget, so
the second request sees the first grant.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from loyalloop.cases.calendar import as_aware
from loyalloop.errors import ConfigError, CurrencyMismatchError

__all__ = [
    "CompensationDecision",
    "CompensationPolicy",
    "CompensationRequest",
    "Grant",
    "Period",
    "Refusal",
    "decide_compensation",
    "period_bounds",
]

ANY_TEAM = "*"


class Period(StrEnum):
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class Refusal(StrEnum):
    NOT_POSITIVE = "not_positive"
    KIND_NOT_ALLOWED = "kind_not_allowed"
    NO_BUDGET = "no_budget"
    OVER_CASE_LIMIT = "over_case_limit"
    OVER_CUSTOMER_LIMIT = "over_customer_limit"
    OVER_TEAM_BUDGET = "over_team_budget"
    NEEDS_APPROVAL = "needs_approval"


def period_bounds(moment: dt.datetime, period: Period, timezone: str) -> tuple[dt.date, dt.date]:
    """First and last local date of the period that contains ``moment``.

    >>> import datetime as dt
    >>> period_bounds(dt.datetime(2025, 3, 31, 17, tzinfo=dt.UTC), Period.QUARTER, "Asia/Shanghai")
    (datetime.date(2025, 4, 1), datetime.date(2025, 6, 30))
    """
    day = as_aware(moment, "time").astimezone(ZoneInfo(timezone)).date()
    if period is Period.WEEK:
        first = day - dt.timedelta(days=day.weekday())
        return first, first + dt.timedelta(days=6)
    if period is Period.YEAR:
        return dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)
    months = 1 if period is Period.MONTH else 3
    start_month = (day.month - 1) // months * months + 1
    first = dt.date(day.year, start_month, 1)
    end_month = start_month + months
    nxt = dt.date(day.year + (end_month > 12), (end_month - 1) % 12 + 1, 1)
    return first, nxt - dt.timedelta(days=1)


@dataclass(frozen=True)
class CompensationPolicy:
    """Kinds, budgets and caps of compensation (see the module docstring).

    ``budgets`` maps a team to its budget per period; the key ``"*"`` is the budget of any team
    not listed. A team with neither gets nothing.
    """

    #: ISO code of the budgets and caps; ``None``: the project's (:meth:`in_currency`).
    currency: str | None
    period: Period
    budgets: Mapping[str, Decimal]
    kinds: frozenset[str]
    max_per_case: Decimal
    max_per_customer: Decimal
    approval_above: Decimal | None = None
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        for team, amount in self.budgets.items():
            if amount < 0:
                raise ConfigError(f"compensation budget of {team} is negative")
        if self.max_per_case <= 0 or self.max_per_customer <= 0:
            raise ConfigError("compensation caps must be positive")
        if not self.kinds:
            raise ConfigError("a compensation policy needs at least one kind")
        try:
            ZoneInfo(self.timezone)
        except (KeyError, ValueError):
            raise ConfigError(f"unknown time zone {self.timezone!r}") from None

    def budget(self, team: str) -> Decimal | None:
        return self.budgets.get(team, self.budgets.get(ANY_TEAM))

    def in_currency(self, project: str | None) -> CompensationPolicy:
        """This policy with its currency settled against the project's currency ``project``
        (``None``: not known): the policy's own if it names one and the project's is unknown or
        the same; the project's if the policy names none.

        Raises
        ------
        CurrencyMismatchError
            The policy names another currency than the project's amounts, or neither is known.

        >>> from decimal import Decimal as D
        >>> p = CompensationPolicy(None, Period.MONTH, {"*": D("100")}, frozenset({"gift"}),
        ...     max_per_case=D("50"), max_per_customer=D("80"))
        >>> p.in_currency("USD").currency
        'USD'
        >>> CompensationPolicy("CNY", Period.MONTH, {"*": D("100")}, frozenset({"gift"}),
        ...     max_per_case=D("50"), max_per_customer=D("80")).in_currency("USD")
        Traceback (most recent call last):
        loyalloop.errors.CurrencyMismatchError: the compensation policy's budgets and caps are \
in CNY but this project's amounts are in USD: set compensation.currency to USD (with budgets \
in USD) in the case configuration, or remove it to follow the project
        """
        if self.currency is not None:
            if project is not None and project != self.currency:
                raise CurrencyMismatchError(
                    f"the compensation policy's budgets and caps are in {self.currency} but "
                    f"this project's amounts are in {project}: set compensation.currency to "
                    f"{project} (with budgets in {project}) in the case configuration, or "
                    "remove it to follow the project",
                    expected=project,
                    found=self.currency,
                )
            return self
        if project is None:
            raise CurrencyMismatchError(
                "the currency of compensation is not known: the case configuration's "
                "compensation.currency is not set and no published run names the project's "
                "currency (run `loyalloop run`, with the run setting currency if the "
                "transactions do not say it)",
                reason="unknown",
            )
        return replace(self, currency=project)


@dataclass(frozen=True)
class Grant:
    """Compensation already given."""

    case_id: str
    customer_id: str
    team: str
    kind: str
    amount: Decimal
    at: dt.datetime
    #: The currency it was given in (``None``: the policy's, for grants made before it was kept).
    currency: str | None = None


@dataclass(frozen=True)
class CompensationRequest:
    """An agent's request to give ``amount`` of ``kind`` on a case."""

    case_id: str
    customer_id: str
    team: str
    kind: str
    amount: Decimal
    at: dt.datetime
    approved_by_manager: bool = False


@dataclass(frozen=True)
class CompensationDecision:
    """Approved or refused (``reason`` and ``message`` say why), with the figures checked."""

    request: CompensationRequest
    approved: bool
    reason: Refusal | None
    message: str
    period: tuple[dt.date, dt.date]
    team_budget: Decimal
    team_spent: Decimal
    case_total: Decimal
    customer_total: Decimal
    #: The currency of every amount above (the policy's).
    currency: str | None = None

    @property
    def team_remaining(self) -> Decimal:
        return self.team_budget - self.team_spent

    def as_grant(self) -> Grant:
        if not self.approved:
            raise ConfigError(f"a refused request is not a grant: {self.message}")
        r = self.request
        return Grant(r.case_id, r.customer_id, r.team, r.kind, r.amount, r.at, self.currency)


def decide_compensation(
    policy: CompensationPolicy,
    request: CompensationRequest,
    granted: Iterable[Grant],
) -> CompensationDecision:
    """Check ``request`` against ``policy`` and the grants already made.

    The checks, in order (the first that fails is the reason): the amount is positive; the
    kind is allowed; the team has a budget; the case's total stays within ``max_per_case``;
    the customer's total this period within ``max_per_customer``; the team's spend this period
    within its budget; an amount above ``approval_above`` is approved by a manager.

    Examples
    --------
    >>> import datetime as dt
    >>> from decimal import Decimal as D
    >>> policy = CompensationPolicy("CNY", Period.MONTH, {"cards": D("1000")},
    ...     frozenset({"fee_waiver"}), max_per_case=D("300"), max_per_customer=D("500"))
    >>> at = dt.datetime(2025, 5, 6, 10, tzinfo=dt.UTC)
    >>> spent = [Grant("c1", "u1", "cards", "fee_waiver", D("800"), at)]
    >>> req = CompensationRequest("c2", "u2", "cards", "fee_waiver", D("250"), at)
    >>> d = decide_compensation(policy, req, spent)
    >>> d.approved, d.reason.value
    (False, 'over_team_budget')
    >>> print(d.message)  # doctest: +NORMALIZE_WHITESPACE
    250 CNY would take team cards to 1050 CNY of its 1000 CNY budget
    for 2025-05-01–2025-05-31 (200 CNY left)
    """
    first, last = period_bounds(request.at, policy.period, policy.timezone)
    zone = ZoneInfo(policy.timezone)
    amount, cur = request.amount, policy.currency
    if cur is None:
        raise CurrencyMismatchError(
            "the compensation policy's currency is not settled: call policy.in_currency(…)",
            reason="unknown",
        )
    case_total = customer_total = team_spent = Decimal(0)
    other: dict[str, Decimal] = {}
    for g in granted:
        day = as_aware(g.at, "grant time").astimezone(zone).date()
        in_period = first <= day <= last
        counts = g.case_id == request.case_id or (
            in_period and (g.team == request.team or g.customer_id == request.customer_id)
        )
        if g.currency is not None and g.currency != cur:
            if counts:  # it would be added to a total below: never across currencies
                other[g.currency] = other.get(g.currency, Decimal(0)) + g.amount
            continue
        if g.case_id == request.case_id:
            case_total += g.amount
        if in_period:
            if g.customer_id == request.customer_id:
                customer_total += g.amount
            if g.team == request.team:
                team_spent += g.amount
    budget = policy.budget(request.team)
    period_text = f"{first.isoformat()}–{last.isoformat()}"

    def decision(reason: Refusal | None, message: str) -> CompensationDecision:
        return CompensationDecision(
            request,
            reason is None,
            reason,
            message,
            (first, last),
            budget if budget is not None else Decimal(0),
            team_spent,
            case_total,
            customer_total,
            cur,
        )

    if other:
        shown = ", ".join(f"{v} {k}" for k, v in sorted(other.items()))
        raise CurrencyMismatchError(
            f"compensation was already granted in another currency ({shown}) than the "
            f"policy's {cur}: amounts in different currencies cannot be added to one budget",
            reason="grants",
            expected=cur,
            found=", ".join(sorted(other)),
        )
    if not amount > 0:
        return decision(Refusal.NOT_POSITIVE, f"the amount must be positive, got {amount}")
    if request.kind not in policy.kinds:
        allowed = ", ".join(sorted(policy.kinds))
        return decision(
            Refusal.KIND_NOT_ALLOWED, f"{request.kind!r} is not an allowed kind ({allowed})"
        )
    if budget is None or budget == 0:
        return decision(Refusal.NO_BUDGET, f"team {request.team} has no compensation budget")
    if case_total + amount > policy.max_per_case:
        return decision(
            Refusal.OVER_CASE_LIMIT,
            f"{amount} {cur} would take case {request.case_id} to {case_total + amount} {cur}; "
            f"the limit per case is {policy.max_per_case} {cur}",
        )
    if customer_total + amount > policy.max_per_customer:
        return decision(
            Refusal.OVER_CUSTOMER_LIMIT,
            f"{amount} {cur} would take this customer to {customer_total + amount} {cur} for "
            f"{period_text}; the limit per customer is {policy.max_per_customer} {cur}",
        )
    if team_spent + amount > budget:
        return decision(
            Refusal.OVER_TEAM_BUDGET,
            f"{amount} {cur} would take team {request.team} to {team_spent + amount} {cur} of "
            f"its {budget} {cur} budget for {period_text} ({budget - team_spent} {cur} left)",
        )
    if (
        policy.approval_above is not None
        and amount > policy.approval_above
        and not request.approved_by_manager
    ):
        return decision(
            Refusal.NEEDS_APPROVAL,
            f"{amount} {cur} is above {policy.approval_above} {cur}: a manager must approve it",
        )
    return decision(
        None,
        f"approved: {amount} {cur}; team {request.team} has {budget - team_spent - amount} "
        f"{cur} left for {period_text}",
    )
