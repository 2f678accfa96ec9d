"""Fixtures for the tutorial ports: the embedded sample as a tutorial-format mnist.pkl.gz."""

import gzip
import pickle

import numpy as np
import pytest


@pytest.fixture(scope="session")
def mnist_pkl(tmp_path_factory, sample_arrays):
    """Path of a ``mnist.pkl.gz`` laid out as the tutorials' file: a gzipped pickle of
    ``(train_set, valid_set, test_set)``, each ``(x float32 (n, 784), y int64 (n,))``."""
    sets = tuple(
        (np.asarray(x, dtype=np.float32), np.asarray(y, dtype=np.int64)) for x, y in sample_arrays
    )
    path = tmp_path_factory.mktemp("data") / "mnist.pkl.gz"
    # Light compression: the file is written once per run, and read back whole.
    with gzip.open(path, "wb", compresslevel=1) as f:
        pickle.dump(sets, f, protocol=pickle.HIGHEST_PROTOCOL)
    return str(path)


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path, monkeypatch):
    """Run each test in its own folder: the ports write best_model.pkl and plots
    into the working directory."""
    monkeypatch.chdir(tmp_path)
