"""The ``stride`` command line. Command modules import heavy libraries inside the command
functions only, so that ``stride --help`` stays fast and never imports numba."""
