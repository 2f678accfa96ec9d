"""Shared fixtures: where full MNIST and Fashion-MNIST live, and the embedded sample."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
# Both sit beside the checkout in ../shared; DAE_MNIST and DAE_FASHION_MNIST override them.
MNIST_DIR = Path(os.environ.get("DAE_MNIST", SHARED / "mnist"))
FASHION_DIR = Path(os.environ.get("DAE_FASHION_MNIST", SHARED / "fashion-mnist"))
IDX_FILES = [
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
]


def idx_folder(folder, name, variable):
    """``folder`` if it holds the four IDX files, else skip the test saying why."""
    if not all((folder / n).exists() for n in IDX_FILES):
        pytest.skip(f"{name} not found in {folder} (set {variable} to its folder)")
    return folder


@pytest.fixture(scope="session")
def mnist_dir():
    """Folder with the four full-MNIST IDX files, or skip the test."""
    return idx_folder(MNIST_DIR, "full MNIST", "DAE_MNIST")


@pytest.fixture(scope="session")
def fashion_dir():
    """Folder with the four Fashion-MNIST IDX files, or skip the test."""
    return idx_folder(FASHION_DIR, "Fashion-MNIST", "DAE_FASHION_MNIST")


@pytest.fixture
def sample():
    """The embedded 5,000-digit sample as the tutorials' ``datasets``: three
    (x, y) pairs of shared variables."""
    from dae import load_sample

    return load_sample()
