"""User and device text (a path, a subject id, an error naming them, a channel name a box
sent) as the terminal tables print it: literally. rich reads ``[...]`` in what it prints as
markup, so a folder called ``[bold]x`` lost its brackets and a subject id ``P1[/]`` made
``stride history`` end in a traceback on every run; a newline or a terminal escape in a
subject id split a row or coloured the terminal."""

from __future__ import annotations


def shown(text: object) -> str:
    """``text`` with rich markup escaped and control characters written as escapes."""
    from rich.markup import escape

    s = str(text)
    if not s.isprintable():
        s = "".join(c if c.isprintable() else repr(c)[1:-1] for c in s)
    out = escape(s)
    if s.endswith("\\"):
        # rich doubles a trailing backslash so it cannot escape a tag after it; the pair is
        # read as one backslash only before a tag, so one (empty, unstyled) always follows
        out += "[none][/none]"
    return out
