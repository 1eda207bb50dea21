"""Schema families of the JSON API, one per resource (``XCreate``, ``XUpdate``, ``XPublic``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from loyalloop.store.models import Role
from loyalloop.surveys import Channel

__all__ = [
    "AuditEventPublic",
    "InvitationCreate",
    "InvitationPublic",
    "InviteResultPublic",
    "MePublic",
    "RecipientIn",
    "ResponsePublic",
    "ResponsesPage",
    "RunPublic",
    "SurveyCreate",
    "SurveyPublic",
    "SurveyUpdate",
    "SyncResultPublic",
    "TokenCreate",
    "TokenIssued",
    "TokenPublic",
    "UserCreate",
    "UserPublic",
    "UserUpdate",
]


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class SurveyCreate(BaseModel):
    """A survey spec (the YAML's content as JSON), or its YAML text in ``yaml``."""

    spec: dict[str, Any] | None = None
    yaml: str | None = Field(default=None, max_length=60_000)
    publish: bool = False


class SurveyUpdate(BaseModel):
    spec: dict[str, Any] | None = None
    yaml: str | None = Field(default=None, max_length=60_000)


class SurveyPublic(_Out):
    id: int
    key: str
    title: str
    status: str
    current_version: int
    public_link: bool
    created_at: datetime
    updated_at: datetime
    spec: dict[str, Any] | None = None
    invited: int | None = None
    responses: int | None = None


class RecipientIn(BaseModel):
    customer_id: str = Field(min_length=1, max_length=100)
    email: str = ""
    phone: str = ""
    consent_email: bool | None = None
    consent_sms: bool | None = None
    language: str = ""
    timezone: str = ""
    segment: str = ""


class InvitationCreate(BaseModel):
    channel: Channel = Channel.link
    customers: list[RecipientIn] | None = Field(default=None, max_length=100_000)
    segment: str | None = None
    run: int | None = None


class InvitationPublic(_Out):
    id: int
    customer_id: str
    channel: str
    contact: str
    language: str
    segment: str
    status: str
    created_at: datetime
    expires_at: datetime
    contacted_at: datetime | None
    link: str | None = None


class InviteResultPublic(BaseModel):
    survey_id: int
    requested: int
    created: int
    existing: int
    skipped: dict[str, int]
    links: list[dict[str, Any]]


class ResponsePublic(BaseModel):
    id: int
    version: int
    customer_id: str | None
    contact: str | None = None
    channel: str
    language: str
    submitted_at: datetime
    updated_at: datetime
    revision: int
    synced: bool
    answers: dict[str, Any]


class ResponsesPage(BaseModel):
    total: int
    items: list[ResponsePublic]


class UserCreate(BaseModel):
    email: str = Field(max_length=320)
    role: Role
    password: str = Field(min_length=1, max_length=1000)


class UserUpdate(BaseModel):
    role: Role | None = None
    active: bool | None = None


class UserPublic(_Out):
    id: int
    email: str
    role: str
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None
    locked_until: datetime | None


class MePublic(BaseModel):
    id: int
    email: str
    role: str
    permissions: list[str]
    via: str


class TokenCreate(BaseModel):
    name: str = Field(max_length=100)
    scopes: list[str]
    days: int | None = Field(default=None, ge=1, le=3650)


class TokenPublic(_Out):
    id: int
    user_id: int
    name: str
    scopes: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class TokenIssued(BaseModel):
    id: int
    token: str
    scopes: list[str]
    expires_at: datetime | None


class AuditEventPublic(_Out):
    id: int
    at: datetime
    actor: str
    action: str
    target: str
    detail: dict[str, Any]
    client: str


class RunPublic(BaseModel):
    number: int
    as_of: str | None
    created_at: str | None
    customers: int | None
    nps: float | None
    tables: int


class SyncResultPublic(BaseModel):
    responses: int
    replaced: int
    feedback: dict[str, int]
    kano_answers: dict[str, int]
