"""Kaohe (考核): workflow and approval engine for official performance assessment.

This module imports nothing beyond the standard library so that
``python3 -m workflow_app demo|test`` can bootstrap a fresh machine before any
dependency is installed; the real factory lives in :mod:`workflow_app.factory`.
"""


def create_app(config_class=None):
    from workflow_app.factory import create_app as _create_app

    return _create_app(config_class)
