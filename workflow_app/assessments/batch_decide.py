"""One decision on many items in one request, with the scope already known.

`views_queue.batch` asks `batch_scope.actionable` once for the whole selection; for the
items it allows, `decide` runs the same checks as `services.fire_event` (version, state,
parameters, guards) with those relations instead of working them out item by item, then
moves each through `services.move` inside `services.batched()` (writes gathered).

At a committee stage an approve or send-back is a vote: the votes of the whole batch
are tallied together (`batch_votes`) and each item gets exactly what `fire_event` would
have given it one by one: the vote row, the "committee_vote" entry while the rule has
not decided, or the stage closed by the vote that decides it. An item whose vote would
let the rule decide the other way (a member left since, say) is handed back to the
careful one-by-one path, as is anything the scope did not allow (for its exact refusal).
"""

from dataclasses import dataclass

from workflow_app.assessments import batch_votes, committee, services
from workflow_app.assessments.guards import Guards
from workflow_app.clock import utcnow
from workflow_app.errors import DomainError


@dataclass
class Checked:
    """An item that passed every check: what `fire_event` would go on with."""

    a: object
    acting_as: set
    params: dict
    report: object
    dest: str


def check(a, event, actor, rels, version, comment, score, now):
    """`fire_event`'s checks, in its order, with the relations already known."""
    engine = services._check_can_try(a, event, actor, rels, version)
    candidates = engine.candidates(a.state, event)
    report = services.current_report(a)
    guards = Guards(a, report, now)
    params = services._check_params(candidates[0], guards, comment=comment, score=score,
                                    reason=None)
    transition = services._run_engine(engine, a, event, guards, report)
    return Checked(a, rels & set(transition.actors), params, report, transition.dest)


def decide(items, event, actor, rels_of, comment, score_for, client_addr=""):
    """Fire `event` on `items` [(assessment, version)] inside `services.batched()`.

    Returns ({id: None when done, else the DomainError}, [(id, version) handed back to
    the careful path])."""
    now, done, votes = utcnow(), {}, []
    versions = {a.id: version for a, version in items}
    for a, version in items:
        try:
            c = check(a, event, actor, rels_of[a.id], version, comment, score_for(a), now)
        except DomainError as exc:
            done[a.id] = exc
            continue
        if committee.counts_votes(a, event, c.acting_as):
            votes.append(c)
            continue
        services.move(a, c.dest, event, actor, c.acting_as, c.params, c.report, now,
                      client_addr)
        done[a.id] = None
    handed_back = batch_votes.vote_many(votes, event, actor, now, client_addr)
    done.update((c.a.id, None) for c in votes if c.a.id not in handed_back)
    return done, [(ident, versions[ident]) for ident in handed_back]
