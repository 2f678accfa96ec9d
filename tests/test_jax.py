"""The JAX backend (dae's GPU path), run on the CPU against the default backend."""

import json

import numpy as np
import pytensor
import pytest
from helpers.scripts import run_script

import dae
from dae import SdA, dA

jax = pytest.importorskip("jax")


@pytest.fixture(scope="module")
def train(sample_arrays):
    """The sample's first 400 training digits and labels."""
    (x, y), _, _ = sample_arrays
    return x[:400], y[:400]


def on_jax():
    return pytensor.config.change_flags(mode="JAX")


def da_steps(x, corruption, n_steps=3):
    da = dA(np.random.RandomState(4), n_visible=784, n_hidden=50)
    fn = da.pretraining_function(
        pytensor.shared(x), 20, corruption_level=corruption, learning_rate=0.5
    )
    costs = [float(fn(i)) for i in range(n_steps)]
    return da, costs, [np.asarray(p.get_value()) for p in da.params]


def test_jax_pretraining_step_matches_the_default_backend(train):
    x, _ = train
    _, costs, params = da_steps(x, 0.0)
    with on_jax():
        _, jax_costs, jax_params = da_steps(x, 0.0)
    np.testing.assert_allclose(jax_costs, costs, rtol=1e-4)
    assert jax_costs[2] < jax_costs[0]
    for a, b in zip(jax_params, params):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_jax_masks_change_from_call_to_call_and_drop_the_requested_share():
    x = np.ones((100, 784), dtype="float32")
    with on_jax():
        da = dA(np.random.RandomState(0), n_visible=784, n_hidden=10)
        corrupt = dae.backend.function(
            [da.x],
            da.get_corrupted_input(da.x, 0.3),
            updates=dae.rng_updates(da.get_corrupted_input(da.x, 0.3)),
        )
    first, second = np.asarray(corrupt(x)), np.asarray(corrupt(x))
    assert abs(1 - first.mean() - 0.3) < 0.01
    assert not np.array_equal(first, second)


def test_jax_finetuning_and_scores_match_the_default_backend(train, sample):
    (x, y), (_, valid, test) = train, sample
    results = []
    for mode in (pytensor.config.mode, "JAX"):
        with pytensor.config.change_flags(mode=mode):
            sda = SdA(np.random.RandomState(7), n_ins=784, hidden_layers_sizes=[40, 30])
            data = [(pytensor.shared(x), pytensor.shared(y)), valid, test]
            train_fn, valid_score, test_score = sda.build_finetune_functions(
                data, 20, pytensor.shared(np.float32(0.1)), momentum=0.9
            )
            costs = [float(train_fn(i)) for i in range(10)]
            results.append(
                (costs, np.mean(valid_score()), [np.asarray(p.get_value()) for p in sda.params])
            )
    (costs, valid_error, params), (jax_costs, jax_valid_error, jax_params) = results
    np.testing.assert_allclose(jax_costs, costs, rtol=1e-4)
    assert jax_valid_error == pytest.approx(valid_error, abs=1e-3)
    for a, b in zip(jax_params, params):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_under_jax_the_data_and_parameters_stay_on_the_device(train):
    x, _ = train
    with on_jax():
        train_x = pytensor.shared(x)
        da = dA(np.random.RandomState(4), n_visible=784, n_hidden=50)
        fn = da.pretraining_function(train_x, 20)
        fn(0)
    assert isinstance(train_x.get_value(borrow=True), jax.Array)
    assert isinstance(da.W.get_value(borrow=True), jax.Array)


def test_cached_pretraining_runs_under_jax(train):
    from dae.training import pretrain

    x, _ = train
    with on_jax():
        sda = SdA(np.random.RandomState(5), n_ins=784, hidden_layers_sizes=[40, 30])
        costs = pretrain(
            sda.cached_pretraining_functions(pytensor.shared(x), 20),
            20,
            2,
            sda.corruption_levels,
            0.1,
            log=lambda line: None,
        )
    assert costs[1][1] < costs[1][0]


def test_use_device_names_what_is_wrong():
    with pytest.raises(ValueError, match="'cpu', 'gpu' or 'jax'"):
        dae.backend.use_device("tpu")
    if not any(d.platform == "gpu" for d in jax.devices()):
        with pytest.raises(dae.backend.DeviceError, match="no GPU"):
            dae.backend.use_device("gpu")
    assert pytensor.config.mode != "JAX"


def test_describe_names_the_backend_in_use():
    assert dae.backend.describe().startswith(f"PyTensor {pytensor.__version__}")
    with pytensor.config.change_flags(mode="JAX"):
        assert "JAX backend on" in dae.backend.describe()
    with pytensor.config.change_flags(mode="NUMBA"):
        assert dae.backend.describe().endswith("Numba linker")


def test_the_jax_device_runs_train_sda_on_jax_s_default_device(tmp_path):
    """--device jax: the GPU path's backend on whatever JAX has, here the CPU."""
    sda = dict(hidden=[30, 20], corruption=[0.1, 0.2], pretraining_epochs=1, training_epochs=2)
    result = run_script(
        "train_sda.py", data="sample", limit=400, device="jax", output=tmp_path / "run", **sda
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "JAX backend on" in result.stdout and "fine-tuning epoch 2" in result.stdout
    assert 0 <= json.loads((tmp_path / "run" / "metrics.json").read_text())["test_error"] < 0.9
