"""scripts/bench.py times the same work in dae, NumPy and PyTorch: check that it is."""

import numpy as np
import pytest
from helpers.scripts import import_script

bench = import_script("bench")


@pytest.fixture(scope="module")
def digits_200(sample_arrays):
    """The sample's first 200 training digits and labels, writable (PyTorch warns of
    read-only arrays)."""
    (x, y), _, _ = sample_arrays
    return x[:200].copy(), y[:200].copy()


def available(name):
    if name == "pytorch":
        pytest.importorskip("torch")
    return bench.IMPLEMENTATIONS[name]


@pytest.mark.parametrize("name", ["numpy", "pytorch"])
def test_da_steps_match_dae(digits_200, name):
    """Without noise, two steps from the same weights give the same costs and weights."""
    x, _ = digits_200
    weights = bench.da_weights()
    runs = []
    for impl in ("dae", name):
        step, current = available(impl)[0](x, 20, weights, corruption=0.0)
        runs.append(([float(step(i)) for i in range(2)], current()))
    (costs, params), (other_costs, other_params) = runs
    np.testing.assert_allclose(other_costs, costs, rtol=1e-4)
    assert costs[1] < costs[0]
    for a, b in zip(other_params, params):
        np.testing.assert_allclose(a, b, atol=2e-5)


@pytest.mark.parametrize("name", ["numpy", "pytorch"])
def test_finetune_steps_match_dae(digits_200, name):
    x, y = digits_200
    weights = bench.sda_weights()
    runs = []
    for impl in ("dae", name):
        step, current = available(impl)[1](x, y, 20, weights)
        runs.append(([float(step(i)) for i in range(2)], current()))
    (costs, params), (other_costs, other_params) = runs
    np.testing.assert_allclose(other_costs, costs, rtol=1e-4)
    for a, b in zip(other_params, params):
        np.testing.assert_allclose(a, b, atol=2e-5)


def test_flop_counts():
    assert bench.da_flops(20) == 5 * 2 * 20 * 784 * 1000
    # forward 784k + 2M + 10k multiply-adds, as many for the weight gradients,
    # and 2M + 10k for the input gradients above the first layer
    assert bench.finetune_flops(1) == 2 * (2 * 2_794_000 + 2_010_000)
