"""``loyalloop users``: staff accounts and API tokens."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer

from loyalloop.cli._service import open_service_store
from loyalloop.cli.common import JsonOpt, LangOpt, lang_of
from loyalloop.cli.output import emit_json, handle_errors, out
from loyalloop.errors import NotFoundError

__all__ = ["app"]

PANEL = "Service 服务"

app = typer.Typer(help="Staff accounts and API tokens. 员工账号与 API 令牌。", no_args_is_help=True)


class RoleName(StrEnum):
    admin = "admin"
    analyst = "analyst"
    agent = "agent"
    viewer = "viewer"


class TokenScope(StrEnum):
    """What an API token may do (``loyalloop.services.users.SCOPES``; a test keeps them equal)."""

    read = "read"
    write = "write"
    admin = "admin"


@app.command("add")
def add(
    ctx: typer.Context,
    email: Annotated[
        str, typer.Argument(help="The person's e-mail (their login). 用户邮箱（登录名）。")
    ],
    role: Annotated[RoleName, typer.Option(help="admin, analyst, agent or viewer. 角色。")],
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin", help="Read the password from standard input. 从标准输入读取密码。"
        ),
    ] = False,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a staff account (password hashed with argon2). 添加员工账号。"""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    with handle_errors(as_json):
        from loyalloop.services import Actor
        from loyalloop.services.users import add_user

        store = open_service_store(ctx)
        with store.session() as session:
            user = add_user(session, email, role.value, password, Actor.cli())
            result = {"id": user.id, "email": user.email, "role": user.role}
        store.close()
    if as_json:
        emit_json(result)
    else:
        from loyalloop.cli.talk import code_name, t

        lg = lang_of(ctx, lang)
        named = code_name("role_", result["role"], lg)
        line = t("cli_us_user", lg, id=result["id"], email=result["email"], role=named)
        out.print(line, markup=False)


@app.command("list")
def list_cmd(ctx: typer.Context, lang: LangOpt = None, as_json: JsonOpt = False) -> None:
    """List the staff accounts. 列出员工账号。"""
    with handle_errors(as_json):
        from loyalloop.services.users import list_users

        store = open_service_store(ctx)
        with store.session() as session:
            rows = [
                {"id": u.id, "email": u.email, "role": u.role, "active": u.is_active}
                for u in list_users(session)
            ]
        store.close()
    if as_json:
        emit_json(rows)
        return
    from loyalloop.cli.talk import code_name, t

    lg = lang_of(ctx, lang)
    if not rows:
        out.print(t("cli_us_none", lg), markup=False)
    for r in rows:
        inactive = "" if r["active"] else t("cli_us_inactive", lg)
        role = code_name("role_", r["role"], lg)
        out.print(f"{r['id']:>4}  {r['email']}  {role}{inactive}", markup=False)


@app.command("token")
def token(
    ctx: typer.Context,
    email: Annotated[
        str, typer.Argument(help="Whose token (their e-mail). 令牌所属用户（邮箱）。")
    ],
    name: Annotated[str, typer.Option(help="What the token is for. 令牌用途。")] = "script",
    scope: Annotated[
        list[TokenScope] | None,
        typer.Option(help="read, write or admin (repeat for several). 权限范围（可重复）。"),
    ] = None,
    days: Annotated[
        int | None, typer.Option(min=1, help="Expires after this many days. 有效天数。")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create an API token (printed once; stored hashed). 创建 API 令牌（仅显示一次）。"""
    with handle_errors(as_json):
        import sqlalchemy as sa

        from loyalloop.services import Actor
        from loyalloop.services.users import create_token
        from loyalloop.store.models import User

        store = open_service_store(ctx)
        with store.session() as session:
            user = session.scalar(sa.select(User).where(User.email == email.strip().lower()))
            if user is None:
                raise NotFoundError(f"no user {email}")
            scopes = [s.value for s in scope] if scope else ["read"]
            issued = create_token(session, user, name, scopes, Actor.cli(), days=days)
        store.close()
    if as_json:
        emit_json({"id": issued.id, "token": issued.token, "scopes": list(issued.scopes)})
    else:
        out.print(issued.token, markup=False)
