"""Helpers of the API tests: an app on a store with one user per role, signed-in clients."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fastapi.testclient import TestClient

from loyalloop.api import create_app
from loyalloop.api.deps import CSRF_HEADER, SESSION_COOKIE
from loyalloop.services import Actor, Store
from loyalloop.services.invitations import Recipient, invite
from loyalloop.services.surveys import create_survey
from loyalloop.services.users import add_user, create_session
from loyalloop.store.models import Role, User

PASSWORD = "a long enough password"
SPEC = {
    "key": "visit",
    "title": {"zh": "网点服务调查", "en": "Branch visit"},
    "questions": [
        {
            "id": "nps",
            "type": "nps",
            "text": {"zh": "您有多大可能推荐我们？", "en": "How likely are you to recommend us?"},
        },
        {
            "id": "why",
            "type": "text",
            "about": "nps",
            "text": {"zh": "主要原因？", "en": "Main reason?"},
        },
        {
            "id": "improve",
            "type": "text",
            "required": True,
            "show_if": {"question": "nps", "max": 6},
            "text": {"zh": "改进什么？", "en": "What to improve?"},
        },
    ],
}


@dataclass
class World:
    store: Store
    app: object
    users: dict[str, User] = field(default_factory=dict)
    tokens: list[str] = field(default_factory=list)

    def client(self, role: str | None, *, https: bool = False) -> TestClient:
        """A client signed in as ``role`` (a fresh session), or anonymous for ``None``."""
        c = TestClient(self.app, base_url="https://testserver" if https else "http://testserver")
        if role is not None:
            with self.store.session() as s:
                user = s.get(User, self.users[role].id)
                assert user is not None
                login = create_session(s, self.store.settings, user)
            c.cookies.set(SESSION_COOKIE, login.session_token)
            c.headers[CSRF_HEADER] = login.csrf_token
        return c


def build(store: Store, customers: int = 3) -> World:
    with store.session() as s:
        users = {
            r.value: add_user(s, f"{r.value}@bank.example", r, PASSWORD, Actor.cli()) for r in Role
        }
        create_survey(s, SPEC, Actor.cli(), publish=True)
        result = invite(
            store,
            s,
            "visit",
            [
                Recipient(f"C{i}", email=f"c{i}@mail.example", phone=f"+86138000000{i:02d}")
                for i in range(customers)
            ],
            Actor.cli(),
        )
    app = create_app(store.settings, store.analytics, store=store)
    return World(store, app, users, [link.url.rsplit("/", 1)[1] for link in result.links])


def tmp_home(tmp_path: Path) -> Path:
    return tmp_path / "home"
