"""All known workflow versions, and one cached engine per version.

A cycle pins (key, version) when it is created; old versions stay registered
so running assessments keep the rules they started with.
"""

from functools import cache

from workflows import annual, community_monthly, community_quarterly, quarterly

_ALL = {}
for _module in (quarterly, annual, community_quarterly, community_monthly):
    for _wf in _module.VERSIONS:
        _ALL[(_wf.key, _wf.version)] = _wf


def workflow_keys():
    return sorted({key for key, _ in _ALL})


def latest_version(key):
    versions = [v for k, v in _ALL if k == key]
    if not versions:
        raise KeyError(key)
    return max(versions)


def get_workflow(key, version=None):
    return _ALL[(key, version or latest_version(key))]


@cache
def engine_for(key, version):
    from workflows.engine import Engine

    return Engine(get_workflow(key, version))


def all_states():
    """Every state of every registered workflow (for the database CHECK constraint)."""
    return sorted({s for wf in _ALL.values() for s in wf.states})


def all_workflows():
    return list(_ALL.values())
