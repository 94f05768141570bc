"""The ``stride`` application: registers the commands and turns toolkit errors into one line.

Each command lives in its own module under ``stride.cli`` and is registered here with one
line; those modules import only typer and the standard library at import time.
"""

from __future__ import annotations

import sys

import typer

from stride import __version__
from stride.cli import analyze, check, history, live, ports, report, sim
from stride.errors import StrideError

app = typer.Typer(
    name="stride",
    help="Treadmill and parallel-line stride training: live sessions, analysis, simulation.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"stride {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Treadmill and parallel-line stride training."""


# Command registration: one line per command module (keep alphabetical).
app.command("analyze")(analyze.analyze)
app.command("check")(check.check)
app.command("history")(history.history)
live.register(app)  # demo, live, replay
app.command("ports")(ports.ports)
app.command("report")(report.report)
app.add_typer(sim.app, name="sim")


def main() -> None:
    """Console entry point: a toolkit error becomes ``stride: error: ...`` and exit code 1."""
    try:
        app()
    except StrideError as err:
        print(f"stride: error: {err}", file=sys.stderr)
        sys.exit(1)
    except BrokenPipeError:
        # The reader of our output went away (e.g. `stride ... | head`): not an error.
        sys.stderr.close()
        sys.exit(0)


if __name__ == "__main__":
    main()
