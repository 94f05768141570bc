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
app.add_typer(history.app, name="history")
live.register(app)  # demo, live, replay
app.command("ports")(ports.ports)
app.command("report")(report.report)
app.add_typer(sim.app, name="sim")


def main() -> None:
    """Console entry point: a toolkit error becomes ``stride: error: ...`` and exit code 1.

    The last line of defence for the file system too: an ``OSError`` that no command turned
    into its own message (a full disk, a read-only mount, a name too long, no permission)
    and a file name that is not UTF-8 text are one line naming the path and the fix.
    """
    try:
        app()
    except StrideError as err:
        _fail(str(err))
    except BrokenPipeError:
        # The reader of our output went away (e.g. `stride ... | head`): not an error.
        sys.stderr.close()
        sys.exit(0)
    except OSError as err:
        from devices.files import fs_error

        _fail(str(fs_error(err)))
    except UnicodeEncodeError as err:
        if "surrogate" not in str(err):  # not a file name: a defect, shown as one
            raise
        from devices.files import fs_error

        _fail(str(fs_error(err)))


def _fail(line: str) -> None:
    print(f"stride: error: {line}", file=sys.stderr)
    sys.exit(1)


if __name__ == "__main__":
    main()
