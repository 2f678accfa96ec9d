"""scripts/bench.py times the same work in dae, NumPy, PyTorch and JAX: check that it is."""

import time
from types import SimpleNamespace

import numpy as np
import pytensor
import pytest
from helpers.scripts import import_script, run_script

bench = import_script("bench")


@pytest.fixture(scope="module")
def digits_200(sample_arrays):
    """The sample's first 200 training digits and labels, writable (PyTorch warns of
    read-only arrays)."""
    (x, y), _, _ = sample_arrays
    return x[:200].copy(), y[:200].copy()


PEERS = ["numpy", "pytorch", "torch-compile", "jax-jit"]


def available(name):
    if name in bench.NEEDS:
        pytest.importorskip(bench.NEEDS[name][0])
    return bench.IMPLEMENTATIONS[name]


@pytest.mark.parametrize("name", PEERS)
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


@pytest.mark.parametrize("name", PEERS)
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


def test_the_softmax_nll_variant_takes_dae_s_step(digits_200):
    """The output-layer lever is timed on the same step: the tutorial's NLL through
    softmax and log, and dae's from the logits, give the same costs and weights."""
    x, y = digits_200
    data = (pytensor.shared(x), pytensor.shared(y))
    tutorial_nll, dae_nll = bench.new_sda(), bench.new_sda()
    tutorial_step = bench.softmax_nll_step(tutorial_nll, data, 20)
    dae_step = dae_nll.build_finetune_functions([data] * 3, 20, bench.FINETUNE_LR)[0]
    costs = [(float(tutorial_step(i)), float(dae_step(i))) for i in range(3)]
    np.testing.assert_allclose(*zip(*costs), rtol=1e-5)
    assert costs[2][1] != costs[0][1]
    for a, b in zip(tutorial_nll.params, dae_nll.params):
        np.testing.assert_allclose(a.get_value(), b.get_value(), atol=1e-6)


def test_flop_counts_worked_by_hand():
    # dA 784 -> 1000, one example: five 784 x 1000 products (encode, decode, and the
    # gradients through the decoder, the encoder and the weights) of 784,000
    # multiply-adds each, two FLOPs a multiply-add.
    assert bench.da_flops(1) == 7_840_000
    assert bench.da_flops(20) == 156_800_000
    # SdA 784-1000-1000-1000-10, one example: the forward pass is 784,000 + 1,000,000
    # + 1,000,000 + 10,000 = 2,794,000 multiply-adds, the weight gradients as many,
    # and the input gradients of the three layers above the first 2,010,000:
    # 7,598,000 multiply-adds.
    assert bench.finetune_flops(1) == 15_196_000
    assert bench.finetune_flops(128) == 1_945_088_000


class Counted(np.ndarray):
    """An array that records the FLOPs of every matrix product it takes part in, and
    passes the recording on to the arrays computed from it."""

    products = []  # FLOPs of each product, in order

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        plain = [a.view(np.ndarray) if isinstance(a, Counted) else a for a in inputs]
        if out is not None:
            kwargs["out"] = tuple(a.view(np.ndarray) if isinstance(a, Counted) else a for a in out)
        if ufunc is np.matmul and method == "__call__":
            (rows, inner), (inner_too, columns) = (a.shape for a in plain)
            assert inner == inner_too
            Counted.products.append(2 * rows * inner * columns)
        result = getattr(ufunc, method)(*plain, **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        return result.view(Counted) if isinstance(result, np.ndarray) else result


@pytest.mark.parametrize("batch", [1, 3])
def test_flop_counts_are_the_products_the_numpy_steps_compute(digits_200, batch):
    """Count the FLOPs of one step of the hand-written NumPy steps (which give dae's
    costs and weights: tests above), product by product."""
    x, y = digits_200
    x = x.view(Counted)
    for step, flops in [
        (bench.numpy_da(x, batch, bench.da_weights(), corruption=0.1)[0], bench.da_flops),
        (bench.numpy_finetune(x, y, batch, bench.sda_weights())[0], bench.finetune_flops),
    ]:
        Counted.products.clear()
        assert np.isfinite(float(step(0)))
        assert Counted.products and sum(Counted.products) == flops(batch)


def test_run_reports_rates_ratios_and_gemm_shares(monkeypatch):
    """Steps of known lengths, dae's 10 ms and NumPy's 40 ms but for one slow round in
    three, on a machine whose GEMMs reach 100 GFLOP/s: the table's numbers (medians
    over the rounds), worked by hand."""
    seconds = {"dae": 0.01, "numpy": 0.04}

    def builder(name):
        def build(*args, **kwargs):
            def step(index):
                return 1.0

            step.seconds = seconds[name]
            step.slowdowns = iter([1, 5, 1])  # one per round: the second one is slow
            return step, None

        return build

    monkeypatch.setattr(bench, "IMPLEMENTATIONS", {n: (builder(n), builder(n)) for n in seconds})
    monkeypatch.setattr(bench, "da_weights", lambda: None)
    monkeypatch.setattr(bench, "sda_weights", lambda: None)
    monkeypatch.setattr(bench, "gemm_rate", lambda: 100e9)

    def time_steps(step, n_steps, *args):
        return n_steps * step.seconds * next(step.slowdowns)

    monkeypatch.setattr(bench, "time_steps", time_steps)
    no_sleep = SimpleNamespace(sleep=lambda seconds: None, perf_counter=time.perf_counter)
    monkeypatch.setattr(bench, "time", no_sleep)
    x, y = np.zeros((1000, 784), np.float32), np.zeros(1000, np.int32)
    rows, peak = bench.run(x, y, ["dae", "numpy"], rounds=3, examples=500)
    assert peak == 100e9
    table = {(row["step"], row["batch"]): row for row in rows}
    assert sorted(table) == sorted(
        [("dA", 1), ("dA", 20), ("dA", 128), ("fine-tune", 20), ("fine-tune", 128)]
    )
    # dA, batch 20: 20 examples in 10 ms are 2,000 examples/s; 156.8 MFLOP in 10 ms
    # are 15.68 GFLOP/s, 15.68% of the GEMM rate.
    row = table["dA", 20]
    assert row["dae"] == pytest.approx(2_000) and row["numpy"] == pytest.approx(500)
    assert row["dae/numpy"] == pytest.approx(4.0)
    assert row["dae_gemm_share"] == pytest.approx(0.1568)
    assert row["numpy_gemm_share"] == pytest.approx(0.0392)
    # dA, batch 1: 100 examples/s, 7.84 MFLOP in 10 ms: 0.784 GFLOP/s.
    assert table["dA", 1]["dae"] == pytest.approx(100)
    assert table["dA", 1]["dae_gemm_share"] == pytest.approx(0.00784)
    # Fine-tuning, batch 128: 12,800 examples/s; 1,945.088 MFLOP in 10 ms (more than
    # this machine's GEMMs could do: the lengths are made up).
    row = table["fine-tune", 128]
    assert row["dae"] == pytest.approx(12_800) and row["dae/numpy"] == pytest.approx(4.0)
    assert row["dae_gemm_share"] == pytest.approx(1.945088)


def test_the_historic_reference_needs_full_mnist():
    """The published times are for 50,000 digits: the 5,000-digit sample beside them
    would not be comparable, so --reference refuses it before timing anything."""
    result = run_script("bench.py", "--reference", "--without", "pytorch", data="sample")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "--reference times full MNIST" in result.stderr and "mnist-5k-sample" in result.stderr
    assert "round 1" not in result.stderr
