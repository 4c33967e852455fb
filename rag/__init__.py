"""cables: local, cited question answering over US diplomatic cables."""

__version__ = "0.1.0"
