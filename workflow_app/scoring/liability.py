"""约谈主要负责人: the talk joint liability calls for (001 seed: 「…约谈主要负责人并降低优秀比例」).

When grading an annual cycle finds a recorded team with a member's veto or 突出问题
(scoring/teams.py), a follow-up of kind ``principal_talk`` is opened for the unit's
principal leader, by the system, once per cycle and person: the org_admin records its
date, the problems found and the outcome on the follow-up page (workflow_app/followups/).
A trial run (试算, before every assessment is done) opens nothing.

The principal leader (主要负责人) is the team member whose position comes first in
``grading.joint_liability.principal_positions`` (党组书记, 党委书记, … 书记, 主要负责人,
局长, 主任 … by default), or the first member recorded when no position matches.
"""

from workflow_app.followups.services import open_follow_up
from workflow_app.scoring.teams import liabilities_of, liable_teams


def principal_of(team, positions):
    """The team's principal leader (a TeamMember), or None for an empty team."""
    ranked = [m for p in positions for m in team.members if m.position == p]
    return (ranked or list(team.members) or [None])[0]


def open_principal_talks(cycle, positions):
    """A 约谈主要负责人 follow-up for each team under joint liability; [FollowUp] opened."""
    opened = []
    for result in liable_teams(cycle.id):
        leader = principal_of(result.team, positions)
        if leader is None:
            continue
        why = "；".join(f"{w.position}{w.member}：{w.items_text}" for w in liabilities_of(result))
        follow_up, created = open_follow_up(
            cycle, leader.user, None, "principal_talk", reason="joint_liability",
            note=f"{result.team.name}：{why}",
            data={"team_id": result.team_id, "team": result.team.name,
                  "position": leader.position})
        opened += [follow_up] if created else []
    return opened
