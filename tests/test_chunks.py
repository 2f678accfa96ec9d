"""Several training steps in one call (``steps_per_call``): the steps of one a call."""

import numpy as np
import pytensor
import pytest

import dae
from dae.training import early_stopping, pretrain


def pretrained(x, steps_per_call, corruption):
    """A dA after 2 epochs of 20 minibatches; its costs, parameters and function."""
    da = dae.dA(np.random.RandomState(0), n_visible=784, n_hidden=50)
    fn = da.pretraining_function(
        pytensor.shared(x), 20, corruption_level=corruption, steps_per_call=steps_per_call
    )
    costs = pretrain([fn], 20, 2, [corruption], 0.1, log=lambda line: None)
    return costs, [np.asarray(p.get_value()) for p in da.params], fn


def finetuned(x, y, steps_per_call, dropout):
    """An SdA after 3 epochs of fine-tuning with momentum, max-norm and ``dropout``."""
    sda = dae.SdA(np.random.RandomState(1), n_ins=784, hidden_layers_sizes=[40, 30], n_outs=10)
    sets = [(pytensor.shared(x), pytensor.shared(y))] * 3
    fns = sda.build_finetune_functions(
        sets, 20, 0.1, momentum=0.5, dropout=dropout, max_norm=3.0, steps_per_call=steps_per_call
    )
    result = early_stopping(*fns, 20, 3, params=sda.params, log=lambda line: None)
    return [r["cost"] for r in result["history"]], [np.asarray(p.get_value()) for p in sda.params]


@pytest.fixture(scope="module")
def train(sample_arrays):
    (x, y), _, _ = sample_arrays
    return x[:400], y[:400]


def assert_same(a, b, exact):
    (costs, params), (other_costs, other_params) = a, b
    if exact:
        assert costs == other_costs
        for p, q in zip(params, other_params):
            np.testing.assert_array_equal(p, q)
    else:
        np.testing.assert_allclose(costs, other_costs, rtol=1e-5)
        for p, q in zip(params, other_params):
            np.testing.assert_allclose(p, q, atol=1e-5)


def test_a_chunk_takes_the_same_steps(train):
    """On the CPU backend the chunk's scan draws from the same generator: the same
    masks, dropout, momentum and max-norm. Pretraining steps are the same to the
    last bit (20 minibatches in chunks of 7: two chunks, then six steps one a call);
    fine-tuning steps to float32 rounding, as PyTensor fuses the output layer's
    elementwise loops differently inside a scan."""
    x, y = train
    for corruption in (0.0, 0.3):
        costs, params, fn = pretrained(x, 1, corruption)
        chunked_costs, chunked_params, chunked_fn = pretrained(x, 7, corruption)
        assert fn.chunk is None and chunked_fn.chunk.steps == 7
        assert_same((costs, params), (chunked_costs, chunked_params), exact=True)
    for dropout in (None, [0.1, 0.2, 0.2]):
        assert_same(finetuned(x, y, 1, dropout), finetuned(x, y, 6, dropout), exact=False)


def test_under_jax_a_chunk_takes_the_same_steps(train):
    """JAX's lax.scan: the same arithmetic, so the same steps without noise (with
    noise, the chunk and the one-step function draw from two streams)."""
    pytest.importorskip("jax")
    x, y = train
    with pytensor.config.change_flags(mode="JAX"):
        assert dae.backend.default_steps_per_call() > 1
        one = pretrained(x, 1, 0.0)
        several = pretrained(x, 7, 0.0)
        assert_same(one[:2], several[:2], exact=False)
        assert_same(finetuned(x, y, 1, None), finetuned(x, y, 6, None), exact=False)


def test_under_jax_a_chunk_draws_other_masks_than_its_one_step_function():
    """Each JAX function holds its own copy of a shared generator: the chunk's copy
    is jumped ahead, so its draws do not repeat the one-step function's."""
    pytest.importorskip("jax")
    from dae.random import unit_uniform

    rng = pytensor.tensor.random.shared_rng(seed=3)
    index = pytensor.tensor.lscalar("index")
    next_rng, u = unit_uniform(rng, (5,), "float32")
    with pytensor.config.change_flags(mode="JAX"):
        fn = dae.backend.function([index], u + index, updates={rng: next_rng}, steps_per_call=2)
    one_a_call = np.concatenate([fn(0), fn(1) - 1])
    chunk = np.asarray(fn.chunk(0)) - np.arange(2)[:, None]
    assert not np.isin(chunk, one_a_call).any()
    assert isinstance(rng.get_value(), np.random.Generator)  # the original, unchanged


def test_scores_in_blocks_of_minibatches_give_the_same_error_rates(train):
    """score_rows: fewer, larger calls over the same rows; 400 rows in minibatches of
    20 are 20 minibatches, scored 4 (80 rows) at a time for score_rows=90."""
    x, y = train
    sda = dae.SdA(np.random.RandomState(2), n_ins=784, hidden_layers_sizes=[30], n_outs=10)
    sets = [(pytensor.shared(x), pytensor.shared(y))] * 3
    _, valid, _ = sda.build_finetune_functions(sets, 20, 0.1)
    _, blocks, _ = sda.build_finetune_functions(sets, 20, 0.1, score_rows=90)
    assert len(valid()) == 20 and len(blocks()) == 5
    assert np.mean(blocks()) == pytest.approx(np.mean(valid()), abs=1e-7)
    assert float(blocks(1)) == pytest.approx(np.mean(valid()[4:8]), abs=1e-7)
