"""Tokens, the caller, org units and users."""

from pydantic import Field

from workflow_app import limits
from workflow_app.api.schemas.base import Id, RequestModel, ResponseModel, text, words


class TokenRequest(RequestModel):
    username: text(80, True)
    password: text(200, True)


class PasswordChangeRequest(RequestModel):
    old_password: text(200, True)
    new_password: text(200, True)


class Token(ResponseModel):
    token: str


class OrgUnitRequest(RequestModel):
    name: text(limits.UNIT_NAME, True)
    parent_id: Id | None = None
    category: text(60) = None


class UserRequest(RequestModel):
    username: text(80, True)
    password: text(200, True)
    display_name: text(limits.UNIT_NAME, True)
    email: text(255) = None
    phone: text(32) = None
    org_unit_id: Id
    supervisor_id: Id | None = None
    roles: list[words(limits.NAME)] = Field(default_factory=list)


class Me(ResponseModel):
    id: int
    username: str
    display_name: str
    roles: list[str]
    org_unit_id: int | None


class User(Me):
    email: str | None
    phone: str | None
    supervisor_id: int | None


class OrgUnit(ResponseModel):
    id: int
    name: str
    parent_id: int | None
    category: str | None
    path: str
