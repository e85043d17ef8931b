"""The data a workflow is made of.

A transition names the *relations* that may fire it (``cadre``, ``supervisor``,
``committee``, ``secretary``, ``org_admin``, ``unit_member``, ``system``); the
application decides whether a given user stands in that relation to a given
assessment. Guards are names the application evaluates (``window_open`` …).
"""

from dataclasses import dataclass, field
from types import MappingProxyType

REQUIRED = "required"
OPTIONAL = "optional"
EMPTY = MappingProxyType({})


@dataclass(frozen=True, eq=False)
class Transition:
    event: str
    source: str
    dest: str
    actors: tuple[str, ...]
    when: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    # Parameter name -> REQUIRED, OPTIONAL, or "required_if:<guard>".
    fields: MappingProxyType = field(default_factory=lambda: EMPTY)

    def field_rule(self, name, guard):
        """"required", "optional" or None (not accepted) for one parameter."""
        rule = self.fields.get(name)
        if rule and rule.startswith("required_if:"):
            return REQUIRED if guard(rule.split(":", 1)[1]) else OPTIONAL
        return rule


@dataclass(frozen=True, eq=False)
class Workflow:
    key: str
    version: int
    states: tuple[str, ...]
    initial: str
    transitions: tuple[Transition, ...]
    # Review states: whose queue an item sits in, used for task lists and SLAs.
    stage_actor: MappingProxyType = field(default_factory=lambda: EMPTY)
    final_states: tuple[str, ...] = ()

    def __post_init__(self):
        known = set(self.states)
        for t in self.transitions:
            if t.source not in known or t.dest not in known:
                raise ValueError(f"{self.key} v{self.version}: unknown state in {t}")
        if self.initial not in known:
            raise ValueError(f"{self.key}: unknown initial state {self.initial}")

    @property
    def events(self):
        return tuple(dict.fromkeys(t.event for t in self.transitions))

    def edges(self):
        """(source, event, dest, guard text) tuples, for drawing the workflow."""
        for t in self.transitions:
            cond = [*t.when, *(f"not {u}" for u in t.unless)]
            yield t.source, t.event, t.dest, " and ".join(cond)


def fields(**rules):
    return MappingProxyType(dict(rules))
