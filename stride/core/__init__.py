"""The gait core: pure numpy/numba, arrays in, arrays out; no I/O and no devices."""
