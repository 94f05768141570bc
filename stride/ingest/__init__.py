"""One path from bytes or a recording to steps, used by live, analyze, replay and report.

Imports only :mod:`stride.core` and :mod:`devices`. Each decision is made in one place:

- :mod:`.belt_source`: where the belt speed comes from (box | treadmill | fixed | none), and the
  fixed speed's samples;
- :mod:`.streams`: which parser reads a recorded stream of belt readings (registered
  parsers, then the treadmill driver registry, plugins included);
- :mod:`.treadmill_clock`: treadmill readings on the box clock, outages, ``belt-unknown``;
- :mod:`.assembler`: decoded box events -> samples on the box clock;
- :mod:`.engine`: the step engine (assembler + belt + the core's streaming analyzer);
- :mod:`.pipeline`: bytes of each stream -> step rows, built by ``build_pipeline`` from
  (target, belt source, treadmill protocol);
- :mod:`.decode` and :mod:`.recording`: a session directory through the same pieces,
  whole (``read_session``) or chunk by chunk (``pipeline_for`` + ``recorded_chunks``).
"""
