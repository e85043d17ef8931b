"""Building blocks shared by every assessment workflow.

Every workflow starts in ``drafting`` and ends with the same publication tail
(公示 → 异议 → 备案 → 申诉). Only the chain of review stages differs.
"""

from workflows.definition import OPTIONAL, REQUIRED, Transition, Workflow, fields

DRAFTING = "drafting"
TAIL_STATES = ("approved", "published", "disputed", "final", "appealed")
# 不参加本次考核 / 不定等次: on leave, transferred. A final state that takes no quota.
EXCLUDED = "excluded"
SEND_BACK_FIELDS = fields(comment=REQUIRED)
EXCLUDE_FIELDS = fields(reason=REQUIRED, comment=OPTIONAL)
# 弃权: a committee member takes part in the vote without deciding either way. The
# item stays in the stage; the application counts the vote under the cycle's rule.
ABSTAIN_FIELDS = fields(comment=OPTIONAL)
VOTING_ACTORS = ("committee",)


def review_chain(stages, abstain=False):
    """Transitions for a chain of review stages.

    `stages` is a list of (state, actor, score_rule, skip_guard): `skip_guard`
    names a guard that must hold for the stage to be used at all (None: always).
    Approving a stage goes to the next stage whose guard holds, else `approved`.
    With `abstain`, a voting body's stage (the committee) also offers `abstain`.
    """
    out = []
    for i, (state, actor, score_rule, _skip) in enumerate(stages):
        out += _approve_edges(state, actor, score_rule, stages[i + 1:])
        out.append(Transition("send_back", state, DRAFTING, (actor,), fields=SEND_BACK_FIELDS))
        if abstain and actor in VOTING_ACTORS:
            out.append(Transition("abstain", state, state, (actor,), fields=ABSTAIN_FIELDS))
    return out


def _approve_edges(state, actor, score_rule, later):
    """Approve goes to the first later stage whose guard holds, else to `approved`."""
    rule = fields(score=score_rule, comment=OPTIONAL)
    skipped = ()
    for nxt, _actor, _score, guard in later:
        when = (guard,) if guard else ()
        yield Transition("approve", state, nxt, (actor,), when=when, unless=skipped, fields=rule)
        if guard is None:
            return
        skipped += (guard,)
    yield Transition("approve", state, "approved", (actor,), unless=skipped, fields=rule)


def first_stage(stages):
    return stages[0][0]


def tail(rereview):
    """Publication, dispute, finalisation and appeal: the same for every workflow.

    `rereview` is a list of (dest, when, unless) where an upheld dispute or a granted
    appeal sends the assessment back for review.
    """
    reason = fields(reason=REQUIRED, comment=OPTIONAL)
    out = [
        Transition("publish", "approved", "published", ("org_admin",), when=("graded",)),
        Transition("dispute", "published", "disputed", ("cadre", "unit_member"),
                   when=("publication_open",), fields=reason),
        Transition("dismiss", "disputed", "published", ("org_admin",), fields=reason),
        Transition("finalize", "published", "final", ("system", "org_admin"),
                   when=("publication_ended",)),
        Transition("appeal", "final", "appealed", ("cadre",), when=("appeal_open",),
                   fields=reason),
        Transition("deny", "appealed", "final", ("org_admin",), fields=reason),
    ]
    for dest, when, unless in rereview:
        out.append(Transition("uphold", "disputed", dest, ("org_admin",), when=when,
                              unless=unless, fields=fields(comment=OPTIONAL, reason=OPTIONAL)))
        out.append(Transition("grant", "appealed", dest, ("org_admin",), when=when,
                              unless=unless, fields=fields(comment=OPTIONAL, reason=OPTIONAL)))
    return out


def exclusion(stages):
    """org_admin takes someone out of the cycle from drafting or any review stage."""
    return tuple(Transition("exclude", state, EXCLUDED, ("org_admin",), fields=EXCLUDE_FIELDS)
                 for state in (DRAFTING, *[s[0] for s in stages]))


def build(key, version, stages, rereview, excludable=True, abstain=True):
    """A workflow version. `excludable=False` keeps version 1 as it was first opened:
    cycles pin their version, so the `exclude` event came with version 2, and
    `abstain=False` keeps versions 1 and 2 without the committee's 弃权 (version 3)."""
    extra = (EXCLUDED,) if excludable else ()
    states = (DRAFTING, *[s[0] for s in stages], *TAIL_STATES, *extra)
    submit = Transition("submit", DRAFTING, first_stage(stages), ("cadre",),
                        when=("report_complete", "window_open"), fields=fields(comment=OPTIONAL))
    return Workflow(
        key=key, version=version, states=states, initial=DRAFTING,
        transitions=(submit, *review_chain(stages, abstain), *tail(rereview),
                     *(exclusion(stages) if excludable else ())),
        stage_actor={s[0]: s[1] for s in stages}, final_states=("final", *extra),
    )
