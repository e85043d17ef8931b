"""Engine glue: one `transitions.Machine` per workflow version, fired on light subjects.

`Machine.add_model` keeps strong references and checks membership in a plain list
(quadratic with many models) and resets the state; instead the machine is built
once with ``model=None`` and events are fired through
``machine.events[name].trigger(subject)`` on a throw-away subject that carries the
current state and a guard callback. The caller runs this inside its database
transaction, so a failure after the state moved is undone by the rollback.
"""

from functools import partial

from transitions import Machine


class WorkflowError(Exception):
    pass


class EventNotAvailable(WorkflowError):
    def __init__(self, state, event):
        super().__init__(f"event {event!r} is not available in state {state!r}")
        self.state, self.event = state, event


class GuardFailed(WorkflowError):
    def __init__(self, event, guard, negated=False):
        what = f"not {guard}" if negated else guard
        super().__init__(f"event {event!r} needs {what}")
        self.event, self.guard, self.negated = event, guard, negated


class _Subject:
    __slots__ = ("state", "guard", "fired")

    def __init__(self, state, guard):
        self.state, self.guard, self.fired = state, guard, None


def _check(name, event_data):
    return bool(event_data.model.guard(name))


def _mark(transition, event_data):
    event_data.model.fired = transition


class Engine:
    def __init__(self, workflow):
        self.workflow = workflow
        self._by_key = {}
        for t in workflow.transitions:
            self._by_key.setdefault((t.source, t.event), []).append(t)
        self.machine = Machine(
            model=None, states=list(workflow.states), initial=workflow.initial,
            transitions=[self._spec(t) for t in workflow.transitions],
            auto_transitions=False, send_event=True,
        )

    @staticmethod
    def _spec(t):
        return {
            "trigger": t.event, "source": t.source, "dest": t.dest,
            "conditions": [partial(_check, g) for g in t.when],
            "unless": [partial(_check, g) for g in t.unless],
            "after": [partial(_mark, t)],
        }

    def candidates(self, state, event):
        """Transitions that `event` may take from `state` (before guards)."""
        return self._by_key.get((state, event), [])

    def events_from(self, state):
        return [e for e in self.workflow.events if (state, e) in self._by_key]

    def actors(self, state, event):
        return {a for t in self.candidates(state, event) for a in t.actors}

    def fire(self, state, event, guard):
        """Fire `event` from `state`; returns the Transition taken.

        `guard(name) -> bool` answers the guard names. Raises EventNotAvailable or
        GuardFailed (naming the first guard that blocked) without side effects.
        """
        if not self.candidates(state, event):
            raise EventNotAvailable(state, event)
        subject = _Subject(state, guard)
        if not self.machine.events[event].trigger(subject):
            raise self._explain(state, event, guard)
        return subject.fired

    def _explain(self, state, event, guard):
        for t in self.candidates(state, event):
            for name in t.when:
                if not guard(name):
                    return GuardFailed(event, name)
            for name in t.unless:
                if guard(name):
                    return GuardFailed(event, name, negated=True)
        return GuardFailed(event, "?")
