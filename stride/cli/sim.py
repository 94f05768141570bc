"""``stride sim``: simulate sessions to recordings and expose simulated devices as ports.

Imports only typer and the standard library at module level; the simulator (numpy, simpy)
loads inside each command, so ``stride --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="sim",
    help="Simulated gait: sessions with ground truth, virtual devices, recovery.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.command("session")
def session(
    out: Annotated[Path, typer.Option("--out", help="New session directory to write.")],
    minutes: float = typer.Option(5.0, "--minutes", help="Length of the session in minutes."),
    speed: str = typer.Option("3.6kmh", "--speed", help="Belt speed, e.g. 3.6kmh or 1.0mps."),
    profile: str = typer.Option(
        "healthy", "--profile", help="Gait profile NAME:SEVERITY, e.g. antalgic-left:0.4."
    ),
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
    force: bool = typer.Option(False, "--force", help="Overwrite an existing --out directory."),
) -> None:
    """Simulate one session to a recording, with its ground truth (truth_steps.csv)."""
    from sim.cli_support import run_session

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
    )
    typer.echo(summary)


@app.command("serve")
def serve(
    dir: Annotated[
        Path, typer.Option("--dir", help="Directory for the box and treadmill symlinks.")
    ],
    profile: str = typer.Option("healthy", "--profile", help="Gait profile NAME:SEVERITY."),
    seed: int = typer.Option(0, "--seed", help="Random seed of the simulated world."),
    rate: int = typer.Option(1000, "--rate", help="Sensor sample rate in Hz."),
    speed: str = typer.Option("3.6kmh", "--speed", help="Initial belt speed."),
    treadmill: str = typer.Option(
        "trackmaster", "--treadmill", help="Treadmill protocol: trackmaster or csafe."
    ),
    speedup: float = typer.Option(1.0, "--speedup", help="Run the world this many times faster."),
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
