"""Workflow definitions as plain data plus the `transitions`-based engine.

Imports only the standard library and `transitions`: no Flask, no SQLAlchemy.
"""

from workflows.definition import Transition, Workflow
from workflows.engine import Engine, EventNotAvailable, GuardFailed, WorkflowError
from workflows.registry import engine_for, get_workflow, latest_version, workflow_keys

__all__ = [
    "Engine", "EventNotAvailable", "GuardFailed", "Transition", "Workflow", "WorkflowError",
    "engine_for", "get_workflow", "latest_version", "workflow_keys",
]
