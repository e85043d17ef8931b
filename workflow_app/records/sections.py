"""The record's sections, declared in this one place, in the order they are shown.

A section is a key (stable: the API's), a title, the columns the page and the PDF show
(each a row key and its label; rows may carry more keys, e.g. codes beside labels, for
the API), a loader and who it is shown to. `load(ctx)` gets a records.record.Context
(ctx.cadre, ctx.viewer, ctx.assessments: every assessment of the cadre with its cycle,
oldest first, loaded once; ctx.published: those whose result is public) and returns
plain rows: dicts with "year", "cycle_id" and "cycle" for rows that belong to a cycle
(the page groups them by year, then cycle), and the column keys. A loader runs a fixed
number of statements whatever the number of cycles (tests/test_records.py counts them).

To add a section (follow-ups of the last-ranked, indicator task ownership …): write its
loader and add one Section line below; the page, the PDF and the API pick it up.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from workflow_app.records import loaders


def everyone(ctx):
    return True


def staff_only(ctx):
    return ctx.staff


@dataclass(frozen=True)
class Section:
    key: str
    title: object
    columns: tuple
    load: Callable
    shown: Callable = everyone


CYCLE = ("cycle", _l("Cycle"))

SECTIONS = [
    Section("results", _l("Results"), (
        CYCLE, ("status", _l("State")), ("score", _l("Score")), ("grade", _l("Grade")),
        ("rank", _l("Rank")), ("flag_labels", _l("Flags"))), loaders.results),
    Section("key_work", _l("Key work reported"), (
        CYCLE, ("key_work", _l("Key work"))), loaders.key_work),
    Section("tasks", _l("Task ownership (牵头单位 / 总负责 / 责任单位)"), (
        CYCLE, ("name", _l("Indicator")), ("lead_unit", _l("Lead unit")),
        ("lead_cadre", _l("In overall charge")), ("responsible_units", _l("Responsible units"))),
        loaders.tasks),
    Section("rewards", _l("Commendations and penalties"), (
        CYCLE, ("type_label", _l("Type")), ("item", _l("Item")), ("points", _l("Points")),
        ("reason", _l("Reason"))), loaders.rewards),
    Section("objections", _l("Objections and appeals"), (
        CYCLE, ("kind_label", _l("Kind")), ("status_label", _l("Outcome")),
        ("resolution", _l("Resolution")), ("raised_by_label", _l("Raised by"))),
        loaders.objections),
    Section("follow_ups", _l("Follow-ups (谈话、民主生活会、整改)"), (
        CYCLE, ("kind_label", _l("Follow-up")), ("held_on", _l("Date held")),
        ("measures", _l("Rectification measures")), ("status_label", _l("State")),
        ("outcome", _l("Outcome"))), loaders.follow_ups),
    Section("teams", _l("Leadership team results"), (
        CYCLE, ("team", _l("Team")), ("position", _l("Position")), ("grade", _l("Grade"))),
        loaders.teams, staff_only),
]
