"""Every route of the app, for every role and for anonymous users, against the role matrix.

The routes come from the app's own route table: a new route without a rule fails here, and so
does a route whose rule lets the wrong roles in. The documented table (docs/service.md) is the
one :func:`loyalloop.api.access.matrix_markdown` prints.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest
from starlette.routing import Mount

from loyalloop.api.access import Permission, iter_routes, matrix_markdown, role_allows
from loyalloop.api.deps import permission_of
from loyalloop.services import Store
from loyalloop.store.models import Role

sys.path.insert(0, str(Path(__file__).parent))
from apikit import World, build

DOCS = Path(__file__).parents[2] / "docs" / "service.md"
#: Mounted apps and what they hold (static files are public by nature).
PUBLIC_MOUNTS = {"/static"}
#: Rules that must not weaken silently (the matrix test would follow a weaker rule).
PINNED = {
    ("GET", "/admin/users"): Permission.users,
    ("POST", "/admin/users"): Permission.users,
    ("GET", "/admin/audit"): Permission.audit,
    ("GET", "/api/v1/audit"): Permission.audit,
    ("POST", "/api/v1/users"): Permission.users,
    ("GET", "/surveys/{survey_id}/responses"): Permission.responses_view,
    ("GET", "/api/v1/surveys/{ref}/responses"): Permission.responses_view,
    ("POST", "/api/v1/sync"): Permission.sync,
    ("POST", "/surveys/new"): Permission.surveys_edit,
    ("POST", "/api/v1/surveys/{ref}/invitations"): Permission.surveys_invite,
    ("GET", "/surveys/{survey_id}/links.csv"): Permission.surveys_invite,
    ("GET", "/r/{token}"): Permission.public,
    ("POST", "/r/{token}"): Permission.public,
    ("GET", "/cases/{case_id}"): Permission.cases_work,
    ("POST", "/cases/{case_id}/status"): Permission.cases_work,
    ("POST", "/api/v1/cases/{case_id}/notes"): Permission.cases_work,
    ("POST", "/admin/case-rules"): Permission.cases_rules,
    ("GET", "/customers/{customer_id}"): Permission.customers_view,
    ("GET", "/api/v1/customers/{customer_id}"): Permission.customers_view,
    ("POST", "/campaigns/{name}/launch"): Permission.campaigns_launch,
    ("POST", "/api/v1/campaigns/{name}/launch"): Permission.campaigns_launch,
    ("POST", "/api/v1/campaigns"): Permission.campaigns_edit,
    ("POST", "/segments/new"): Permission.campaigns_edit,
    ("GET", "/admin/erase"): Permission.customers_erase,
    ("POST", "/admin/erase"): Permission.customers_erase,
    ("POST", "/api/v1/customers/{customer_id}/erase"): Permission.customers_erase,
}


def rule_of(route: Any) -> Permission | None:
    found: list[Permission] = []

    def walk(dependant: Any) -> None:
        for dep in dependant.dependencies:
            p = permission_of(dep.call)
            if p is not None:
                found.append(p)
            walk(dep)

    walk(route.dependant)
    assert len(set(found)) <= 1, f"{route.path} has several rules: {found}"
    return found[0] if found else None


def concrete(path: str, world: World) -> str:
    values = {
        "survey_id": "1",
        "ref": "1",
        "key": "visit",
        "token": world.tokens[0],
        "number": "999",
        "user_id": str(world.users["viewer"].id),
        "token_id": "999",
        "lang": "en",
        "case_id": "999",
        "customer_id": "C0",
        "name": "no-such-campaign",
    }
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


def routes(world: World) -> list[tuple[str, str, Permission]]:
    out = []
    for route in iter_routes(list(world.app.routes)):  # type: ignore[attr-defined]
        if isinstance(route, Mount):
            assert route.path in PUBLIC_MOUNTS, f"mount {route.path} has no rule"
            continue
        rule = rule_of(route)
        assert rule is not None, (
            f"{sorted(route.methods)} {route.path} has no role rule: add allow(Permission.X)"
        )
        for method in sorted(route.methods - {"HEAD"}):
            out.append((method, route.path, rule))
    return out


@pytest.fixture
def world(store: Store) -> World:
    return build(store)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_every_route_for_every_role(world: World) -> None:
    table = routes(world)
    assert len(table) >= 50
    for key, rule in PINNED.items():
        assert (key[0], key[1], rule) in table, f"{key} should require {rule.value}"
    clients = {role: world.client(role) for role in [None, *[r.value for r in Role]]}
    failures = []
    for method, path, rule in table:
        url = concrete(path, world)
        for role, base in clients.items():
            c = world.client(role) if path == "/logout" else base  # logging out ends a session
            body: dict[str, Any] = (
                {"json": {}} if path.startswith("/api/") and method != "GET" else {}
            )
            r = c.request(method, url, follow_redirects=False, **body)
            to_login = r.status_code == 303 and r.headers.get("location", "").startswith(
                "/login?next="
            )
            denied = r.status_code in (401, 403) or to_login
            if rule is Permission.public:
                ok = r.status_code != 401 and not to_login and r.status_code < 500
            elif role_allows(role, rule):
                ok = not denied and r.status_code < 500
            elif role is None:
                ok = r.status_code == 401 if path.startswith("/api/") else to_login
            else:
                ok = r.status_code == 403
            if not ok:
                failures.append(
                    f"{method} {path} as {role or 'anonymous'} (rule {rule.value}): {r.status_code}"
                )
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_route_without_a_rule_is_caught(world: World) -> None:
    from fastapi import APIRouter

    extra = APIRouter()

    @extra.get("/forgotten")
    def forgotten() -> dict[str, str]:
        return {"secret": "everyone can read me"}

    world.app.include_router(extra)  # type: ignore[attr-defined]
    with pytest.raises(AssertionError, match="/forgotten has no role rule"):
        routes(world)


def test_docs_show_the_matrix() -> None:
    assert matrix_markdown() in DOCS.read_text(encoding="utf-8")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_docs_list_every_route_with_its_rule(world: World) -> None:
    from loyalloop.api.access import routes_markdown

    assert routes_markdown(list(world.app.routes)) in DOCS.read_text(encoding="utf-8")  # type: ignore[attr-defined]


def test_docs_name_every_setting() -> None:
    from loyalloop.core.service_settings import ServiceSettings

    text = DOCS.read_text(encoding="utf-8")
    for name in ServiceSettings.model_fields:
        grouped = name.startswith(
            ("smtp_", "sms_", "quiet_")
        )  # listed as LOYALLOOP_SMTP_HOST, _PORT …
        short = "_" + name.upper().rsplit("_", 1)[1] if grouped else ""
        assert f"LOYALLOOP_{name.upper()}" in text or (short and short in text), name
