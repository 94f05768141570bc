"""Live sessions: devices -> recorder -> the ingest pipeline -> dashboard / JSON lines /
observers. Bytes become steps in :mod:`stride.ingest`; this package runs the loop around it.

Import the pieces from their modules; this package imports nothing heavy so that
``stride --help`` stays fast.

- :mod:`.run`: ``run_live(LiveArgs)`` (``stride live``) and the end every command shares
  (summary, final JSON document, history); :mod:`.demo`: ``run_demo(DemoArgs)``;
  :mod:`.replay`: ``run_replay(ReplayArgs)``.
- :mod:`.live`: :class:`~stride.session.live.Session`, the loop (life cycle, signals,
  latency and CPU accounting); :mod:`.protocols`: what it is given and returns.
- :mod:`.observers`: what a session publishes (steps, belt samples, status changes, the
  rolling summary) to observers that cannot stall it: the extension point for other views.
- :mod:`.state`: the rolling 20-stride figures and device health the views read.
- :mod:`.screen`: the terminal dashboard (layout, alerts, keys, the end-of-session table).
- :mod:`.devices`, :mod:`.treadmill`, :mod:`.sources`, :mod:`.recorder`: the box port and
  a registry treadmill driver, reader threads and recording playback, the session directory.
- :mod:`.checks`, :mod:`.notices`, :mod:`.stats`, :mod:`.diagnose`: output paths checked
  before starting, device warnings as notices, latency percentiles in flat memory, and the
  one-line diagnosis of a port whose bytes never decode.
"""
