"""The SimPy simulator: synthetic gait (healthy, injured, recovering) and the devices that
carry it, speaking the same wire formats as real hardware. Never imports ``stride``."""
