"""Org units (a tree with a materialised path), users, role grants, API tokens."""

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    event,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.orm.base import NO_VALUE

from workflow_app.extensions import db
from workflow_app.models_base import created_at, in_check, pk, timestamp
from workflow_app.people.roles import ROLES


class OrgUnit(db.Model):
    __tablename__ = "org_unit"
    id: Mapped[int] = pk()
    name: Mapped[str] = mapped_column(String(120))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    # 类内排名 compares only units of the same category (经济发展类, 执法服务类 …).
    category: Mapped[str] = mapped_column(String(60), default="")
    # "/1/4/9/": subtree scope checks are a prefix test, no recursive query.
    path: Mapped[str] = mapped_column(String(500), default="", index=True)
    created_at = created_at()

    parent = relationship("OrgUnit", remote_side=[id])

    def contains(self, other):
        return other is not None and other.path.startswith(self.path)


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    id: Mapped[int] = pk()
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(255), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    # Work-app user ids (DingTalk userid, WeCom UserID): where work notices reach them;
    # empty: no address on that channel (notifications/workapps.py).
    dingtalk_user_id: Mapped[str] = mapped_column(String(64), default="", server_default="")
    wecom_user_id: Mapped[str] = mapped_column(String(64), default="", server_default="")
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str] = mapped_column(String(10), default="")
    # Bumped by logout, password change or reset, (de)activation: every session cookie
    # and API token carries the epoch it was issued in and dies when it moves on.
    credential_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Set by an admin reset and by people import: every page leads to the change form.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False,
                                                       server_default=false())
    # The single sign-on identity ("oidc|issuer|sub", "cas|server|user") linked at the
    # first SSO login (workflow_app/sso/matching.py); unique: one identity, one account.
    sso_subject: Mapped[str | None] = mapped_column(String(255), unique=True, nullable=True)
    created_at = created_at()

    org_unit = relationship("OrgUnit")
    supervisor = relationship("User", remote_side=[id])
    grants = relationship("RoleGrant", back_populates="user", lazy="selectin",
                          cascade="all, delete-orphan")
    # Substitutions this user serves in: loaded with the acting user of a request
    # (people.substitutes.load_acting_user), never lazily.
    standing_in = relationship("Substitution", foreign_keys="Substitution.substitute_id",
                               viewonly=True, lazy="raise", order_by="Substitution.id")

    __table_args__ = (CheckConstraint("supervisor_id IS NULL OR supervisor_id <> id",
                                      name="not_own_supervisor"),)

    @property
    def is_active(self):
        return self.active

    def get_id(self):
        """What flask-login keeps in the session: id and epoch (auth.loader checks both)."""
        return f"{self.id}:{self.credential_epoch or 0}"

    def end_credentials(self):
        """Kill every session and API token issued so far."""
        self.credential_epoch = (self.credential_epoch or 0) + 1

    @property
    def roles(self):
        return sorted({g.role for g in self.grants})

    def has_role(self, role):
        return any(g.role == role for g in self.grants)

    def role_units(self, role):
        return [g.org_unit for g in self.grants if g.role == role]


@event.listens_for(User.active, "set", active_history=True)
def _end_credentials_on_activation_change(user, value, old, _initiator):
    """Deactivating or reactivating ends every session and token, whoever does it: a
    reactivated account must not get back the tokens it had before."""
    if old is not NO_VALUE and old is not None and bool(value) != bool(old):
        user.end_credentials()


class RoleGrant(db.Model):
    """A role held for the subtree under `org_unit_id`."""

    __tablename__ = "role_grant"
    id: Mapped[int] = pk()
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)

    user = relationship("User", back_populates="grants")
    org_unit = relationship("OrgUnit", lazy="joined")

    __table_args__ = (
        UniqueConstraint("user_id", "role", "org_unit_id"),
        CheckConstraint(in_check("role", ROLES), name="known_role"),
        # Holders of a role over a unit (migration f6c0ffee0601, issue 6).
        Index("ix_role_grant_role_org_unit", "role", "org_unit_id"),
    )


class ApiToken(db.Model):
    """Bearer tokens; only a SHA-256 of the token is stored."""

    __tablename__ = "api_token"
    id: Mapped[int] = pk()
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                         index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The user's credential_epoch when issued; a token from an older epoch is dead.
    epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at = created_at()
    expires_at = timestamp(nullable=False)

    user = relationship("User")


class LoginFailure(db.Model):
    """Failed logins, counted per username and per client address for the rate limit."""

    __tablename__ = "login_failure"
    id: Mapped[int] = pk()
    key: Mapped[str] = mapped_column(String(200))
    at = timestamp(nullable=False)

    __table_args__ = (Index("ix_login_failure_key_at", "key", "at"),)


class Substitution(db.Model):
    """A reviewer on leave and who stands in for them (代理) from `starts_at` to `ends_at`."""

    __tablename__ = "substitution"
    id: Mapped[int] = pk()
    absent_user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    substitute_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    starts_at = timestamp(nullable=False)
    ends_at = timestamp(nullable=False)
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at = created_at()

    absent_user = relationship("User", foreign_keys=[absent_user_id], lazy="joined")
    substitute = relationship("User", foreign_keys=[substitute_id], lazy="joined")

    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("substitute_id <> absent_user_id", name="not_self"),
    )
