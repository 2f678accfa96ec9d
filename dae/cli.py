"""Pieces shared by the command-line scripts in ``scripts/``."""

import argparse
import sys
from pathlib import Path

from dae.data import DownloadError, load_data, load_sample

DEFAULT_DATA = Path("data/mnist")

SAMPLE_BANNER = (
    "!" * 78 + "\n"
    "!!  FULL MNIST IS NOT AVAILABLE: training on the 5,000-digit sample shipped\n"
    "!!  with dae. Its error rates are NOT comparable with published MNIST results.\n" + "!" * 78
)


def load_mnist_or_sample(path):
    """Full MNIST from ``path`` (downloading it if need be), else the embedded sample.

    Falls back only when MNIST is neither on disk nor downloadable, and then says
    so on stderr in a banner; a damaged file is an error, not a reason to fall back.

    Returns
    -------
    (datasets, name): the three (x, y) pairs of shared variables, and ``"mnist"``
    or ``"mnist-5k-sample"``.
    """
    try:
        return load_data(path), "mnist"
    except DownloadError as e:
        print(f"{e}\n\n{SAMPLE_BANNER}\n", file=sys.stderr, flush=True)
        return load_sample(), "mnist-5k-sample"


def positive_int(text):
    """argparse type: an integer above 0."""
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def positive_float(text):
    """argparse type: a number above 0."""
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def corruption_level(text):
    """argparse type: a corruption level in [0, 1)."""
    value = float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text}")
    return value
