"""The version of dae, written here only; ``setup.py`` and saved files read it."""

__version__ = "0.1.0"
