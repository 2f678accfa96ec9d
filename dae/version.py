"""The version of dae, written here only; ``setup.py`` and saved files read it."""

__all__ = ["__version__"]

#: The version of dae.
__version__ = "0.2.0"
