"""Moved to :mod:`stride.ingest.recording` (re-exported here for old callers)."""

from stride.ingest.recording import (
    _assemble_by_chunk,
    _clean_arrivals,
    is_session,
    read_session,
    recording_damage,
    skipped_warning,
)

__all__ = [
    "_assemble_by_chunk",
    "_clean_arrivals",
    "is_session",
    "read_session",
    "recording_damage",
    "skipped_warning",
]
