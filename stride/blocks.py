"""Moved to :mod:`stride.ingest.assembler` (re-exported here for old callers)."""

from stride.ingest.assembler import (
    AssemblerCounts,
    BlockAssembler,
    concat_chunks,
)

__all__ = [
    "AssemblerCounts",
    "BlockAssembler",
    "concat_chunks",
]
