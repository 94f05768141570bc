"""Live sessions: devices -> recorder -> decoder -> streaming analyzer -> dashboard / JSON lines.

Import the pieces from their modules; this package imports nothing heavy so that
``stride --help`` stays fast.

- :mod:`stride.session.run`: ``run_live(LiveArgs)``, ``run_demo(DemoArgs)``,
  ``run_replay(ReplayArgs)`` (what the commands call), ``replay_pipeline(reader)`` and
  ``recorded_chunks(reader, streams)`` (a recording back through the live pipeline).
- :mod:`stride.session.live`: :class:`Session` (life cycle, signals, latency and CPU
  accounting), the final document (``SessionResult.document()``).
- :mod:`stride.session.pipeline` / :mod:`stride.session.engine`: bytes -> steps
  (sensor-box decoder, treadmill readings, the core's block assembler and streaming analyzer).
- :mod:`stride.session.state`, :mod:`.dashboard`, :mod:`.alerts`, :mod:`.keys`, :mod:`.ui`:
  the rolling 20-stride figures and the full-screen dashboard.
- :mod:`stride.session.recorder`, :mod:`.sources`, :mod:`.belt`: the session directory,
  reader threads and recording playback, the treadmill in a session.
- :mod:`stride.session.stats`, :mod:`.diagnose`: latency percentiles in flat memory, and the
  one-line diagnosis of a port whose bytes never decode.
"""
