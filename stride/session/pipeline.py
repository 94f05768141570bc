"""Moved to :mod:`stride.ingest.pipeline` (re-exported here for old callers)."""

from stride.ingest.pipeline import (
    BOX_PROTOCOL,
    BOX_STREAM,
    BoxInfo,
    IncrementalReadings,
    ReadingParser,
    SessionPipeline,
    StepEngine,
)

__all__ = [
    "BOX_PROTOCOL",
    "BOX_STREAM",
    "BoxInfo",
    "IncrementalReadings",
    "ReadingParser",
    "SessionPipeline",
    "StepEngine",
]
