"""The role matrix: which role may use which route — the one place a route gets its rule.

Every route declares one :class:`Permission` with ``dependencies=[allow(Permission.X)]`` (or
the ``Allow`` helper). :data:`ROLE_PERMISSIONS` says which roles hold which permission; API
tokens are further limited by their scopes (``read`` for safe methods, ``write`` for changes,
``admin`` for user management and the audit log). ``tests/api/test_role_matrix.py`` walks the
app's route table and checks every route for every role and for anonymous users; a route
without a rule fails it. ``docs/service.md`` shows :func:`matrix_markdown`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from loyalloop.store.models import Role

__all__ = [
    "ADMIN_SCOPE_PERMISSIONS",
    "PERMISSION_TEXT",
    "ROLE_PERMISSIONS",
    "Permission",
    "iter_routes",
    "matrix_markdown",
    "role_allows",
    "routes_markdown",
]


class Permission(StrEnum):
    public = "public"  # anyone, signed in or not (customers' survey pages, login, assets)
    account = "account"  # any signed-in staff member: own session and tokens
    dashboard = "dashboard"  # dashboard, runs, reports, surveys and their statistics
    surveys_edit = "surveys.edit"  # create, edit, preview, publish, close surveys
    surveys_invite = "surveys.invite"  # invite customers, export links, triggers
    responses_view = "responses.view"  # individual responses and their free text
    pii_view = "pii.view"  # names, phones and e-mails unmasked
    sync = "sync"  # move responses into the warehouse
    users = "users"  # manage accounts and everyone's tokens
    audit = "audit"  # read the audit log
    cases_work = "cases.work"  # queues and cases: notes, status, owner, compensation
    cases_rules = "cases.rules"  # case rules (upload a new version)
    customers_view = "customers.view"  # the customer 360 page and search (PII per pii.view)
    campaigns_edit = "campaigns.edit"  # build, preview and save segments; create campaigns
    campaigns_launch = "campaigns.launch"  # launch, pause and resume campaigns (sends messages)
    customers_erase = "customers.erase"  # erase a customer's personal data everywhere


PERMISSION_TEXT: dict[Permission, str] = {
    Permission.public: "customers' survey pages, login, static assets, health",
    Permission.account: "own session, own API tokens, language",
    Permission.dashboard: "dashboard, runs and reports, survey lists and statistics",
    Permission.surveys_edit: "create, edit, preview, publish and close surveys",
    Permission.surveys_invite: "invite customers, download links, touchpoint triggers",
    Permission.responses_view: "individual responses with their free text",
    Permission.pii_view: "names, phone numbers and e-mail addresses unmasked (else masked)",
    Permission.sync: "move responses into the warehouse",
    Permission.users: "manage accounts, roles and anyone's API tokens",
    Permission.audit: "read the audit log",
    Permission.cases_work: "case queues; work a case: notes, status, owner, compensation",
    Permission.cases_rules: "case rules: view and upload a new version",
    Permission.customers_view: "one customer's 360 page and the customer search (contacts "
    "masked without pii.view)",
    Permission.campaigns_edit: "build, preview and save segments; create campaigns and "
    "preview their messages",
    Permission.campaigns_launch: "launch, pause and resume campaigns (assigns customers and "
    "queues messages)",
    Permission.customers_erase: "erase a customer's personal data everywhere (cannot be undone)",
}

_STAFF = {Permission.public, Permission.account, Permission.dashboard}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.admin: frozenset(Permission),
    Role.analyst: frozenset(
        _STAFF
        | {
            Permission.surveys_edit,
            Permission.surveys_invite,
            Permission.responses_view,
            Permission.sync,
            Permission.cases_rules,
            Permission.customers_view,
            Permission.campaigns_edit,
            Permission.campaigns_launch,
        }
    ),
    Role.agent: frozenset(
        _STAFF
        | {
            Permission.responses_view,
            Permission.pii_view,
            Permission.cases_work,
            Permission.customers_view,
        }
    ),
    Role.viewer: frozenset(_STAFF),
}

#: Permissions a token needs the ``admin`` scope for (besides the role holding them).
ADMIN_SCOPE_PERMISSIONS = frozenset(
    {Permission.users, Permission.audit, Permission.customers_erase}
)


def role_allows(role: Role | str | None, permission: Permission) -> bool:
    """Whether ``role`` (``None`` = anonymous) holds ``permission``."""
    if permission is Permission.public:
        return True
    if role is None:
        return False
    return permission in ROLE_PERMISSIONS[Role(role)]


def matrix_markdown() -> str:
    """The role matrix as a Markdown table (docs/service.md embeds it; a test keeps it true)."""
    roles = list(Role)
    lines = [
        "| permission | what it covers | " + " | ".join(r.value for r in roles) + " | anonymous |",
        "|---|---|" + "---|" * (len(roles) + 1),
    ]
    for p in Permission:
        marks = ["✓" if role_allows(r, p) else "" for r in roles]
        anon = "✓" if role_allows(None, p) else ""
        lines.append(
            f"| `{p.value}` | {PERMISSION_TEXT[p]} | " + " | ".join(marks) + f" | {anon} |"
        )
    return "\n".join(lines) + "\n"


def iter_routes(routes: list[Any]) -> list[Any]:
    """Every endpoint route of an app, flattening included routers (FastAPI keeps them as
    nested objects since 0.16x; earlier versions copied the routes into the app)."""
    out: list[Any] = []
    for route in routes:
        nested = getattr(route, "original_router", None)
        if nested is not None:
            out += iter_routes(list(nested.routes))
        else:
            out.append(route)
    return out


def routes_markdown(routes: list[Any]) -> str:
    """Every route with its rule, as a Markdown table (docs/service.md; a test keeps it true)."""
    from loyalloop.api.deps import permission_of

    rows: list[tuple[str, str, str]] = []
    for route in iter_routes(routes):
        dependant = getattr(route, "dependant", None)
        if dependant is None:
            continue
        found = ""
        stack = list(dependant.dependencies)
        while stack and not found:
            dep = stack.pop()
            p = permission_of(dep.call)
            found = p.value if p is not None else ""
            stack += dep.dependencies
        for method in sorted(set(route.methods) - {"HEAD"}):
            rows.append((route.path, method, found))
    lines = ["| route | method | permission |", "|---|---|---|"]
    lines += [f"| `{path}` | {method} | `{perm}` |" for path, method, perm in sorted(rows)]
    return "\n".join(lines) + "\n"
