"""vgtui: watch the vanishing-gradient problem happen, live, in a terminal."""

__version__ = "0.1.0"
