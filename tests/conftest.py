"""Shared fixtures: where full MNIST lives, and the embedded sample."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Full MNIST sits beside the checkout in ../shared/mnist; DAE_MNIST overrides it.
MNIST_DIR = Path(os.environ.get("DAE_MNIST", ROOT.parent / "shared" / "mnist"))


@pytest.fixture(scope="session")
def mnist_dir():
    """Folder with the four full-MNIST IDX files, or skip the test."""
    names = [
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ]
    if not all((MNIST_DIR / n).exists() for n in names):
        pytest.skip(f"full MNIST not found in {MNIST_DIR} (set DAE_MNIST to its folder)")
    return MNIST_DIR
