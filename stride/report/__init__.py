"""Self-contained HTML reports with plots: one session (from its directory) or one subject's
recovery across sessions (from the history)."""

from stride.report.session import session_report
from stride.report.subject import subject_report

__all__ = ["session_report", "subject_report"]
