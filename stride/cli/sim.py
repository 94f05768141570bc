"""``stride sim``: simulate sessions to recordings and expose simulated devices as ports.

Imports only typer and the standard library at module level; the simulator (numpy, simpy)
loads inside each command, so ``stride --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from stride.cli.profile_help import profile_help

app = typer.Typer(
    name="sim",
    help="Simulated gait: sessions with ground truth, virtual devices, recovery.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


_TurnSteps = Annotated[
    str,
    typer.Option(
        "--turn-steps",
        help="Steps of each turn overground: N, or A-B to draw each turn's from A..B (2..8).",
    ),
]


@app.command("session")
def session(
    out: Annotated[Path, typer.Option("--out", help="New session directory to write.")],
    minutes: float = typer.Option(5.0, "--minutes", help="Length of the session in minutes."),
    speed: str = typer.Option("3.6kmh", "--speed", help="Belt speed, e.g. 3.6kmh or 1.0mps."),
    profile: str = typer.Option("healthy", "--profile", help=profile_help()),
    seed: int = typer.Option(0, "--seed", help="Random seed: the same seed gives the same bytes."),
    rate: int = typer.Option(1000, "--rate", help="Sensor sample rate in Hz."),
    sensors: str = typer.Option(
        "heel-toe", "--sensors", help="Sensors per foot: heel-toe, foot or insole8."
    ),
    overground: bool = typer.Option(
        False, "--overground", help="Walk along parallel lines in passes instead of a belt."
    ),
    noise: str = typer.Option(
        "nominal", "--noise", help="Sensor noise level: clean, nominal or noisy."
    ),
    target: float | None = typer.Option(
        None, "--target", help="Step-length target shown to the walker (parallel lines), m."
    ),
    metronome: float | None = typer.Option(
        None, "--metronome", help="A metronome at this many steps per minute."
    ),
    swing_jitter: float = typer.Option(
        0.0,
        "--swing-jitter",
        help="Swing-time noise: SD in ms of each toe-off's own shift (0..50), on top of"
        " the profile.",
    ),
    turn_steps: _TurnSteps = "4",
    force: bool = typer.Option(False, "--force", help="Overwrite an existing --out directory."),
    subject: str | None = typer.Option(
        None, "--subject", help="Subject id (session.json and the history)."
    ),
    db: Annotated[Path | None, typer.Option("--db", help="History database file.")] = None,
    no_history: bool = typer.Option(False, "--no-history", help="Do not register in history."),
) -> None:
    """Simulate one session to a recording, with its ground truth (truth_steps.csv).

    The recording is then analysed as ``stride analyze`` does (steps.csv and summary.json
    written beside it) and registered in the history database, as live sessions are.
    """
    from sim.cli_support import run_session

    if not no_history:
        _history_writable(db)
    analysed = SessionAnalysis()
    try:
        summary = run_session(
            out=out,
            minutes=minutes,
            speed=speed,
            profile=profile,
            seed=seed,
            rate=rate,
            sensors=sensors,
            overground=overground,
            noise=noise,
            target=target,
            metronome=metronome,
            force=force,
            subject=subject,
            derive=analysed.derive,
            swing_jitter_ms=swing_jitter,
            turn_steps=turn_steps,
        )
    except KeyboardInterrupt:
        import sys

        # simulate_session has removed what this run wrote; Ctrl-C is exit 130 by custom.
        print("stride: interrupted: nothing written", file=sys.stderr)
        raise typer.Exit(130) from None
    typer.echo(summary)
    line = analysed.line() if no_history else analysed.store(out, db=db)
    if line:
        typer.echo(line)


def _history_writable(db: Path | None) -> None:
    """A foreign, damaged or read-only history refused before any work; one another
    program holds locked is waited for, and that is said at once."""
    from stride.history.db import check_writable
    from stride.session.checks import waiting_for_history

    with waiting_for_history(db, "the session is simulated"):
        check_writable(db)


class SessionAnalysis:
    """The glue ``sim`` cannot hold (it never imports ``stride``): the written recording
    analysed through ``stride analyze``'s path (``stride.analysis.run``), its steps.csv and
    summary.json, and its registration in the history, as a live session is registered.

    The recording itself is complete before any of this: an analysis without usable strides
    or a history that cannot be written is a warning on stderr, not a failure.
    """

    def __init__(self) -> None:
        self.summary: dict[str, Any] | None = None

    def derive(self, out: Path) -> dict[str, str]:
        """steps.csv and summary.json of the session directory ``out`` (none if no strides)."""
        import json
        import sys

        from devices.errors import StrideError
        from stride.analysis import document, run
        from stride.core.analyzer import AnalysisConfig
        from stride.core.rows import steps_csv_text

        try:
            _, result, _ = run(out, AnalysisConfig())
        except StrideError as err:
            print(f"stride: warning: session not analysed: {err}", file=sys.stderr)
            return {}
        summary = document(result)["summary"]
        assert isinstance(summary, dict)
        self.summary = summary
        return {
            "steps.csv": steps_csv_text(result.step_rows()),
            "summary.json": json.dumps(summary, indent=2) + "\n",
        }

    def line(self) -> str:
        if self.summary is None:
            return ""
        return f"{self.summary.get('steps', 0)} steps analysed (steps.csv, summary.json)"

    def store(self, out: Path, *, db: Path | None) -> str:
        """:meth:`register`, saying at once that it waits where the history is locked."""
        from stride.session.checks import waiting_for_history

        with waiting_for_history(db, "the session is stored in it"):
            return self.register(out, db=db)

    def register(self, out: Path, *, db: Path | None) -> str:
        """Store the analysed session in the history; the line to print (empty: not stored)."""
        import json
        import sys

        from devices.errors import StrideError
        from stride.history import register_session

        if self.summary is None:
            return ""
        meta = json.loads((out / "session.json").read_text(encoding="utf-8"))
        simulated = meta.get("sim") or {}
        target = meta.get("target")
        try:
            session_id = register_session(
                db,
                subject=meta.get("subject"),
                started_at=meta["started_utc"],
                source="sim",
                devices=meta.get("devices") or [],
                target=target,
                summary=self.summary,
                recording_path=str(out.resolve()),
                meta={
                    "feedback": bool(target),
                    "simulated": {k: simulated.get(k) for k in ("profile", "seed", "minutes")},
                },
            )
        except StrideError as err:
            print(f"stride: warning: session not stored in the history: {err}", file=sys.stderr)
            return ""
        who = meta.get("subject") or "no subject"
        return f"{self.line()}; stored as history session {session_id} ({who})"


@app.command("serve")
def serve(
    dir: Annotated[
        Path, typer.Option("--dir", help="Directory for the box and treadmill symlinks.")
    ],
    profile: str = typer.Option("healthy", "--profile", help=profile_help()),
    seed: int = typer.Option(0, "--seed", help="Random seed of the simulated world."),
    rate: int = typer.Option(1000, "--rate", help="Sensor sample rate in Hz."),
    speed: str = typer.Option("3.6kmh", "--speed", help="Initial belt speed."),
    treadmill: str = typer.Option(
        "trackmaster", "--treadmill", help="Treadmill protocol: trackmaster or csafe."
    ),
    speedup: float = typer.Option(
        1.0,
        "--speedup",
        help="Run the world this many times faster (give `stride live` the same --speedup).",
    ),
    unplug_at: str = typer.Option(
        "", "--unplug-at", help="Unplug the box at these world seconds, e.g. 30,90."
    ),
    unplug_s: float = typer.Option(3.0, "--unplug-s", help="How long each unplug lasts, s."),
) -> None:
    """Expose the simulated box and treadmill as pseudo-terminals until Ctrl-C or SIGTERM."""
    from sim.serve import parse_times, serve_forever

    serve_forever(
        directory=dir,
        profile=profile,
        seed=seed,
        rate=rate,
        speed=speed,
        treadmill=treadmill,
        speedup=speedup,
        unplug_at_s=parse_times(unplug_at),
        unplug_s=unplug_s,
    )


app.command("recovery")(__import__("stride.cli.sim_recovery", fromlist=["recovery"]).recovery)
