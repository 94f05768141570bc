"""stride: treadmill and parallel-line stride training.

Gait events, step and stride length, cadence and left/right symmetry from foot sensors and
belt speed, scored against targets such as parallel lines 30 cm apart.
"""

__version__ = "0.1.0"
