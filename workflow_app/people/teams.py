"""班子: the leadership team of an org unit (e.g. a town's or a community's 两委班子).

A team belongs to one unit; its members are people of that unit's subtree, each
with a position (书记, 主任, 委员 …). Only an org_admin whose scope covers the
team's unit creates or edits it. The team's grade per cycle is computed at
grading time (workflow_app/scoring/teams.py), with joint liability (连带责任).
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, or_, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_app.audit.services import record
from workflow_app.errors import Invalid, NotAllowed, NotFound, WrongState
from workflow_app.extensions import db
from workflow_app.models_base import created_at, pk
from workflow_app.people.models import OrgUnit, User
from workflow_app.people.roles import AUDITOR, ORG_ADMIN
from workflow_app.people.scope import administers, reads_all_of, scope_paths
from workflow_app.validation import require_text


class Team(db.Model):
    __tablename__ = "team"
    id: Mapped[int] = pk()
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    created_at = created_at()

    org_unit = relationship("OrgUnit", lazy="joined")
    members = relationship("TeamMember", back_populates="team", cascade="all, delete-orphan",
                           order_by="TeamMember.id", lazy="selectin")

    __table_args__ = (
        UniqueConstraint("org_unit_id", "name"),
        CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),
    )


class TeamMember(db.Model):
    __tablename__ = "team_member"
    id: Mapped[int] = pk()
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    position: Mapped[str] = mapped_column(String(60))
    created_at = created_at()

    team = relationship("Team", back_populates="members")
    user = relationship("User", lazy="joined")

    __table_args__ = (
        # A person sits once in a team, whatever their position.
        UniqueConstraint("team_id", "user_id"),
        CheckConstraint("length(trim(position)) > 0", name="position_not_blank"),
    )


def can_manage_team(user, unit):
    return administers(user, unit)


def can_see_team(user, team):
    return reads_all_of(user, team.org_unit)


def get_team(team_id, user):
    """The team if `user` may read it; 404 for an unknown one, 403 outside scope."""
    team = db.session.get(Team, team_id)
    if team is None:
        raise NotFound()
    if not can_see_team(user, team):
        raise NotAllowed()
    return team


def teams_in_scope(user):
    """Teams of the units the user administers or audits, by unit path then name."""
    paths = scope_paths(user, ORG_ADMIN, AUDITOR)
    if not paths:
        return []
    return db.session.scalars(
        select(Team).join(OrgUnit, OrgUnit.id == Team.org_unit_id)
        .where(or_(*[OrgUnit.path.like(p + "%") for p in paths]))
        .order_by(OrgUnit.path, Team.name)).all()


def teams_of_units(unit_ids):
    if not unit_ids:
        return []
    return db.session.scalars(select(Team).where(Team.org_unit_id.in_(unit_ids))
                              .order_by(Team.id)).all()


def _check_name(unit, name, team_id=None):
    name = require_text("name", name, 120)
    taken = db.session.scalar(select(Team.id).where(Team.org_unit_id == unit.id,
                                                    Team.name == name, Team.id != (team_id or 0)))
    if taken:
        raise Invalid(fields={"name": "taken"})
    return name


def create_team(actor, unit, name):
    if unit is None:
        raise Invalid(fields={"org_unit": "required"})
    if not can_manage_team(actor, unit):
        raise NotAllowed()
    team = Team(org_unit_id=unit.id, name=_check_name(unit, name))
    team.org_unit = unit
    db.session.add(team)
    db.session.flush()
    record("team", team.id, "create", actor=actor, data={"unit": unit.id, "name": team.name})
    return team


def rename_team(actor, team, name):
    if not can_manage_team(actor, team.org_unit):
        raise NotAllowed()
    team.name = _check_name(team.org_unit, name, team.id)
    record("team", team.id, "rename", actor=actor, data={"name": team.name})
    return team


def delete_team(actor, team):
    """Removes the team, its members and its results of cycles not yet published; a team
    with a published result stays, as part of the filed record (备案)."""
    from workflow_app.cycles.models import Cycle
    from workflow_app.scoring.teams import TeamResult

    if not can_manage_team(actor, team.org_unit):
        raise NotAllowed()
    if db.session.scalar(select(TeamResult.id).join(Cycle, Cycle.id == TeamResult.cycle_id)
                         .where(TeamResult.team_id == team.id, Cycle.published_at.is_not(None))
                         .limit(1)):
        raise WrongState(_l("This team has published results and cannot be deleted."),
                         code="team_has_results")
    record("team", team.id, "delete", actor=actor, data={"name": team.name})
    db.session.delete(team)


def add_member(actor, team, user, position):
    if not can_manage_team(actor, team.org_unit):
        raise NotAllowed()
    if user is None:
        raise Invalid(fields={"user": "required"})
    if not team.org_unit.contains(user.org_unit):
        # Team members come from the team's own unit or the units below it.
        raise Invalid(fields={"user": "outside_unit"})
    if any(m.user_id == user.id for m in team.members):
        raise Invalid(fields={"user": "already_member"})
    member = TeamMember(user_id=user.id, position=require_text("position", position, 60))
    member.user = user
    team.members.append(member)
    db.session.flush()
    record("team", team.id, "add_member", actor=actor,
           data={"user": user.id, "position": member.position})
    return member


def set_position(actor, member, position):
    if not can_manage_team(actor, member.team.org_unit):
        raise NotAllowed()
    member.position = require_text("position", position, 60)
    record("team", member.team_id, "set_position", actor=actor,
           data={"user": member.user_id, "position": member.position})
    return member


def remove_member(actor, member):
    if not can_manage_team(actor, member.team.org_unit):
        raise NotAllowed()
    record("team", member.team_id, "remove_member", actor=actor, data={"user": member.user_id})
    member.team.members.remove(member)


def get_member(team, member_id):
    member = next((m for m in team.members if m.id == member_id), None)
    if member is None:
        raise NotFound()
    return member


def candidates(team):
    """Active people of the team's unit subtree who are not members yet."""
    taken = {m.user_id for m in team.members}
    people = db.session.scalars(
        select(User).join(OrgUnit, OrgUnit.id == User.org_unit_id)
        .where(User.active, OrgUnit.path.like(team.org_unit.path + "%"))
        .order_by(OrgUnit.path, User.display_name).limit(2000)).all()
    return [u for u in people if u.id not in taken]
