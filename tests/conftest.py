"""Shared fixtures: where full MNIST and Fashion-MNIST live, the embedded sample, and
a guard against downloads. Helpers that are not fixtures are in tests/helpers/."""

import os
from pathlib import Path

import pytest

import dae

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


@pytest.fixture(scope="session")
def sample_arrays():
    """The embedded 5,000-digit sample as ``load_sample_arrays()`` gives it: three
    (x, y) pairs of NumPy arrays (train 3,000, valid 1,000, test 1,000), loaded once.

    Every test shares them, so they are read-only: a test that changes its data
    works on a copy.
    """
    from dae.data import load_sample_arrays

    sets = load_sample_arrays()
    for array in (a for xy in sets for a in xy):
        array.flags.writeable = False
    return sets


@pytest.fixture(scope="session")
def digits(sample_arrays):
    """The sample's first 1,000 training images, float32 (1000, 784), read-only."""
    return sample_arrays[0][0][:1000]


@pytest.fixture
def sample(sample_arrays):
    """The embedded sample as the tutorials' ``datasets``: three (x, y) pairs of
    shared variables, new for each test, which may change them."""
    from dae.data import shared_dataset

    return [shared_dataset((x.copy(), y.copy())) for x, y in sample_arrays]


@pytest.fixture
def no_download(monkeypatch):
    """Fail the test if anything tries to download MNIST."""
    from dae.data import mnist

    def download(*args, **kwargs):
        raise AssertionError("nothing may be downloaded here")

    monkeypatch.setattr(mnist, "download_mnist", download)


# The tests build graphs as the tutorials' users do, with float32 as floatX (what
# the scripts and dae.theano set); test_neighbour.py checks, in fresh interpreters,
# that dae itself needs no such setting.
dae.backend.configure()
