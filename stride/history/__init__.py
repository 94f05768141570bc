"""Session history: every live, demo and simulated session with its summary, per subject.

The live session calls :func:`register_session` when it ends; ``stride history`` and the
subject reports read :func:`list_sessions`. Schema and migrations: docs/history.md.
"""

from stride.history.db import (
    NewSession,
    SessionRecord,
    default_db_path,
    list_sessions,
    list_subjects,
    register_session,
    register_sessions,
)

__all__ = [
    "NewSession",
    "SessionRecord",
    "default_db_path",
    "list_sessions",
    "list_subjects",
    "register_session",
    "register_sessions",
]
