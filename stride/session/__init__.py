"""Live sessions: devices -> recorder -> decoder -> streaming analyzer -> dashboard / JSON lines.

Import the pieces from their modules (``stride.session.live``, ``.dashboard``, ``.replay``);
this package imports nothing heavy so that ``stride --help`` stays fast.
"""
