"""Fuzzing the readers of dae's own files: saved models and training checkpoints.

Random bytes, and real files damaged in random ways, must load or raise DataError,
each within a few seconds; a loaded file must give back a working model.
"""

import io
import tempfile
from pathlib import Path

import numpy as np
import pytensor
from helpers.fuzzing import FUZZ, damaged, loaded_or_refused
from hypothesis import given
from hypothesis import strategies as st

import dae
from dae.models import load
from dae.training import Monitor


def saved(model):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.npz"
        model.save(path)
        return path.read_bytes()


MODELS = [
    saved(dae.dA(np.random.RandomState(0), n_visible=6, n_hidden=4)),
    saved(dae.SdA(np.random.RandomState(0), n_ins=6, hidden_layers_sizes=[4, 3], n_outs=2,
                  corruption_levels=[0.1, 0.2])),
]  # fmt: skip


def checkpoint_variables():
    return {
        "W": pytensor.shared(np.ones((3, 2), dtype="float32")),
        "lr": pytensor.shared(np.float32(0.1)),
        "rng": pytensor.tensor.random.shared_rng(seed=1),
    }


def checkpoint_bytes():
    with tempfile.TemporaryDirectory() as folder:
        monitor = Monitor(folder, checkpoint_variables(), config={"seed": 1})
        monitor.arrays["best/0"] = np.zeros(3, dtype="float32")
        monitor.end_epoch({"phase": "training", "epoch": 1, "cost": 1.0}, "epoch 1")
        return (Path(folder) / "checkpoint.npz").read_bytes()


CHECKPOINT = checkpoint_bytes()


def load_model_bytes(content):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.npz"
        path.write_bytes(content)
        model = loaded_or_refused(load, path)
    assert model is None or model.named_params()  # a model, with its parameters


def resume(path):
    return Monitor(path.parent, checkpoint_variables(), config={"seed": 1}, resume=True)


def resume_bytes(content):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "checkpoint.npz"
        path.write_bytes(content)
        monitor = loaded_or_refused(resume, path)
    assert monitor is None or (monitor.resumed and isinstance(monitor.state, dict))


@FUZZ
@given(st.binary(max_size=512))
def test_model_random_bytes(content):
    load_model_bytes(content)


@FUZZ
@given(st.sampled_from(MODELS).flatmap(damaged))
def test_model_damaged(content):
    load_model_bytes(bytes(content))


@FUZZ
@given(st.binary(max_size=512))
def test_checkpoint_random_bytes(content):
    resume_bytes(content)


@FUZZ
@given(damaged(CHECKPOINT))
def test_checkpoint_damaged(content):
    resume_bytes(bytes(content))


def test_the_seed_files_load():
    for content in MODELS:
        load_model_bytes(content)
    resume_bytes(CHECKPOINT)
    assert np.load(io.BytesIO(CHECKPOINT))["variables/W"].shape == (3, 2)
