"""The tutorial models: gradients, weight sharing, learning on real digits, float32."""

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest
from helpers.gradcheck import assert_gradients_match
from helpers.models import assert_sda_shares_its_weights

import dae
from dae import SdA, dA
from dae.models.base import minibatch_function


def compiled_dtypes(fn):
    """The dtypes of every variable in a compiled function's graph."""
    return {v.type.dtype for v in fn.maker.fgraph.variables if hasattr(v.type, "dtype")}


def every_model_and_its_functions(set_x, set_y):
    """Every model, tiny, and its functions compiled by the library's own builders,
    each with the arguments of one call."""
    rng, x, y = np.random.RandomState(0), pt.matrix("x", dtype="float32"), pt.ivector("y")
    models, calls = [], []

    def add(model, *functions, args=(0,)):
        models.append(model)
        calls.extend((fn, args) for fn in functions)

    for noise in dae.random.NOISES:
        for loss in dae.objectives.LOSSES:
            da = dA(rng, n_visible=6, n_hidden=4, noise=noise, loss=loss, tied=False)
            add(da, da.pretraining_function(set_x, 5, corruption_level=0.2))
    penalties = {"weight_decay": 0.1, "contraction_level": 0.1, "sparsity_weight": 0.1}
    da = dA(rng, n_visible=6, n_hidden=4, sparsity_target=0.1, **penalties)
    add(da, da.pretraining_function(set_x, 5, corruption_level=0.2))
    ca = dae.cA(rng, n_visible=6, n_hidden=4, n_batchsize=5)
    cost, updates = ca.get_cost_updates(contraction_level=0.1, learning_rate=0.1)
    add(ca, minibatch_function(cost, {ca.x: set_x}, 5, updates=updates))
    sda = SdA(rng, n_ins=6, hidden_layers_sizes=[5, 4], n_outs=3)
    add(sda, *sda.pretraining_functions(set_x, 5), *sda.cached_pretraining_functions(set_x, 5))
    for options in ({}, {"momentum": 0.5, "dropout": [0.1, 0.2, 0.2], "max_norm": 2.0}):
        add(sda, *sda.build_finetune_functions([(set_x, set_y)] * 3, 5, 0.1, **options))
    for tied in (True, False):
        ae = dae.DeepAutoencoder(rng, n_visible=6, hidden_layers_sizes=[4, 2], tied=tied)
        add(ae, ae.training_function(set_x, 5, 0.1))
    vae = dae.VAE(rng, n_visible=6, n_hidden=4, n_latent=2)
    add(vae, vae.training_function(set_x, 5))
    add(vae, vae.sample_function(), args=(3,))
    add(vae, vae.encode_function(), args=(set_x.get_value()[:3],))
    add(vae, vae.decode_function(), args=(dae.models.vae.latent_grid(2),))
    mlp = dae.MLP(rng, x, n_in=6, n_hidden=4, n_out=3)
    # the tutorial's cost, its constants float32 as a Python float is not here
    L1_reg, L2_reg = np.float32(0.001), np.float32(0.0001)
    cost = mlp.negative_log_likelihood(y) + L1_reg * mlp.L1 + L2_reg * mlp.L2_sqr
    updates = dae.momentum(cost, mlp.params, 0.1, momentum=0.9)
    add(mlp, minibatch_function([cost, mlp.errors(y)], {x: set_x, y: set_y}, 5, updates=updates))
    return models, calls


def test_the_library_computes_in_float32_whatever_floatX_is():
    """Under floatX=float64, PyTensor's default, every model is float32 by itself: its
    inputs, parameters, constants, updates and outputs."""
    rng = np.random.RandomState(1)
    x, y = rng.rand(20, 6).astype("float32"), rng.randint(0, 3, 20).astype("int32")
    with pytensor.config.change_flags(floatX="float64"):
        set_x, set_y = dae.data.shared_dataset((x, y))
        models, calls = every_model_and_its_functions(set_x, set_y)
        for fn, args in calls:
            floats = {d for d in compiled_dtypes(fn) if d.startswith("float")}
            assert floats == {"float32"}, fn
            outputs = fn(*args)
            for output in outputs if isinstance(outputs, list) else [outputs]:
                assert np.asarray(output).dtype == np.float32, fn
    assert set_x.dtype == "float32"
    for model in models:
        for name, param in model.named_params().items():
            assert param.dtype == param.get_value().dtype == "float32", (model, name)


def test_da_cost_is_the_tutorial_cross_entropy():
    rng = np.random.RandomState(0)
    da = dA(rng, n_visible=7, n_hidden=5)
    x = rng.rand(4, 7).astype("float32")
    cost = pytensor.function([da.x], da.get_reconstruction_cost(0.0))(x)
    z = pytensor.function([da.x], da.get_reconstructed_input(da.get_hidden_values(da.x)))(x)
    expected = -np.mean(np.sum(x * np.log(z) + (1 - x) * np.log(1 - z), axis=1))
    np.testing.assert_allclose(cost, expected, rtol=1e-5)


@pytest.mark.parametrize("corruption", [0.0, 0.4])
def test_da_gradient_matches_finite_differences(corruption):
    rng = np.random.RandomState(1)
    da = dA(rng, input=pt.dmatrix("x"), n_visible=6, n_hidden=4)  # float64 throughout
    da.b_prime.set_value(rng.uniform(-1, 1, 6))
    x = rng.rand(3, 6)
    # Without the generator's update the mask is the same on every call,
    # so the corrupted cost is a deterministic function of the parameters.
    cost = da.get_reconstruction_cost(corruption)
    assert_gradients_match(cost, da.x, da.params, x)


def test_masks_zero_the_requested_fraction_and_change_between_calls():
    da = dA(np.random.RandomState(2), n_visible=1000, n_hidden=2)
    tilde = da.get_corrupted_input(da.x, 0.3)
    corrupt = pytensor.function([da.x], tilde, updates=dae.rng_updates(tilde))
    x = np.ones((100, 1000), dtype="float32")
    first, second = corrupt(x), corrupt(x)
    assert set(np.unique(first)) == {0.0, 1.0}
    assert abs((first == 0).mean() - 0.3) < 0.01
    assert (first != second).mean() > 0.3


@pytest.mark.parametrize("bit_generator", ["PCG64", "MT19937"])
def test_keep_masks_drop_p_rounded_up_to_a_multiple_of_two_to_the_minus_16(bit_generator):
    """The 16-bit draws, cut from raw 64-bit words (PCG64) or NumPy's integers
    (MT19937, whose words are 32 bits), drop ceil(2**16 p) / 2**16 of the units."""
    rng = pytensor.shared(np.random.Generator(getattr(np.random, bit_generator)(0)))
    p = pt.scalar("p")
    next_rng, keep = dae.random.keep_mask(rng, (1000, 500), p, "float32")
    draw = pytensor.function([p], keep, updates={rng: next_rng})
    for level in (0.0, 1 / 3, 0.9, 1.0):
        dropped = 1 - draw(level).mean(dtype="float64")
        expected = np.ceil(np.float32(level) * 2**16) / 2**16
        assert abs(dropped - expected) <= 4 * np.sqrt(expected * (1 - expected) / 5e5)
    bits = dae.random.MaskBitsRV().rng_fn(rng.get_value(), 0, 2**16, (1001,))
    assert bits.dtype == np.uint16 and bits.shape == (1001,)
    assert abs(bits.mean() / 2**16 - 0.5) < 0.04  # (sd of the mean: 0.009)


def test_rng_updates_refuses_two_draws_from_one_generator():
    rng = pt.random.shared_rng(seed=0)
    _, a = rng.uniform(size=(2,))
    _, b = rng.uniform(size=(2,))
    with pytest.raises(ValueError, match="drawn from twice"):
        dae.rng_updates(a + b)


def test_bad_sizes_and_corruption_levels_are_refused():
    rng = np.random.RandomState(0)
    with pytest.raises(ValueError, match="n_hidden=0"):
        dA(rng, n_visible=4, n_hidden=0)
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        dA(rng, n_visible=4, n_hidden=2).get_cost_updates(1.0, 0.1)
    with pytest.raises(ValueError, match="corruption_levels has 1"):
        SdA(rng, n_ins=4, hidden_layers_sizes=[3, 3], corruption_levels=[0.1])


def test_hidden_layer_uses_the_tutorial_initialisation():
    rng = np.random.RandomState(3)
    x = pt.matrix("x")
    bound = np.sqrt(6.0 / (300 + 200))
    tanh_W = dae.HiddenLayer(rng, x, 300, 200).W.get_value()
    sigmoid_W = dae.HiddenLayer(rng, x, 300, 200, activation=pt.sigmoid).W.get_value()
    assert tanh_W.dtype == np.float32
    assert bound * 0.99 < np.abs(tanh_W).max() <= bound
    assert 4 * bound * 0.99 < np.abs(sigmoid_W).max() <= 4 * bound


def test_logistic_regression_likelihood_and_errors():
    x, y = pt.matrix("x"), pt.ivector("y")
    clf = dae.LogisticRegression(x, n_in=3, n_out=4)
    clf.W.set_value(np.random.RandomState(4).randn(3, 4).astype("float32"))
    f = pytensor.function([x, y], [clf.negative_log_likelihood(y), clf.errors(y), clf.p_y_given_x])
    xs = np.random.RandomState(5).rand(6, 3).astype("float32")
    ys = np.array([0, 1, 2, 3, 0, 1], dtype="int32")
    nll, err, p = f(xs, ys)
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-6)
    np.testing.assert_allclose(nll, -np.mean(np.log(p[np.arange(6), ys])), rtol=1e-5)
    assert err == pytest.approx(np.mean(p.argmax(axis=1) != ys))
    with pytest.raises(TypeError, match="integer labels"):
        clf.errors(pt.vector("float_labels"))


def test_sda_layers_share_the_very_same_weights():
    sda = SdA(np.random.RandomState(6), n_ins=8, hidden_layers_sizes=[5, 4], n_outs=3)
    assert_sda_shares_its_weights(sda)


def test_a_pretraining_step_changes_what_the_mlp_computes(sample):
    (train_x, _), _, _ = sample
    sda = SdA(np.random.RandomState(7), n_ins=784, hidden_layers_sizes=[50, 40], n_outs=10)
    hidden = pytensor.function([sda.x], [layer.output for layer in sda.sigmoid_layers])
    x = train_x.get_value()[:10]
    before = hidden(x)
    sda.pretraining_functions(train_x, batch_size=10)[1](0, corruption=0.2, lr=0.5)
    after = hidden(x)
    # The second dA's step moves the MLP's second layer and leaves the first alone.
    np.testing.assert_array_equal(before[0], after[0])
    assert np.abs(before[1] - after[1]).max() > 1e-3


def test_pretraining_function_keeps_the_tutorial_calling_form(sample):
    (train_x, _), _, _ = sample
    sda = SdA(
        np.random.RandomState(8),
        n_ins=784,
        hidden_layers_sizes=[20],
        n_outs=10,
        corruption_levels=[0.25],
    )
    (fn,) = sda.pretraining_functions(train_x, batch_size=5)
    W = sda.sigmoid_layers[0].W
    start = W.get_value()
    fn(0, lr=0.0)
    np.testing.assert_array_equal(W.get_value(), start)  # lr=0 changes nothing
    fn(0)  # defaults: the layer's corruption and lr 0.1
    assert not np.array_equal(W.get_value(), start)
    with pytest.raises(TypeError, match="learning_rate"):
        fn(0, learning_rate=0.1)


def test_pretraining_lowers_the_reconstruction_cost_on_real_digits(sample):
    (train_x, _), (valid_x, _), _ = sample
    da = dA(np.random.RandomState(9), n_visible=784, n_hidden=100)
    clean_cost = pytensor.function([da.x], da.get_reconstruction_cost(0.0))
    before = clean_cost(valid_x.get_value())
    train = da.pretraining_function(train_x, batch_size=20, corruption_level=0.3)
    epoch_costs = [np.mean([train(i) for i in range(150)]) for _ in range(5)]
    after = clean_cost(valid_x.get_value())
    assert epoch_costs[-1] < epoch_costs[0]
    # Held-out digits: the dA learned MNIST, not only its training minibatches.
    assert after < 0.6 * before


def test_finetuning_lowers_the_validation_error(sample):
    sda = SdA(
        np.random.RandomState(10),
        n_ins=784,
        hidden_layers_sizes=[100],
        n_outs=10,
        corruption_levels=[0.2],
    )
    train_fn, valid_score, test_score = sda.build_finetune_functions(sample, 20, 0.5)
    before = np.mean(valid_score())
    for _ in range(3):
        for i in range(150):
            train_fn(i)
    after = np.mean(valid_score())
    assert before > 0.7  # chance is 90%
    assert after < 0.15
    assert np.mean(test_score()) < 0.2


def test_compiled_graphs_are_float32_throughout(sample):
    sda = SdA(np.random.RandomState(11), n_ins=784, hidden_layers_sizes=[30, 20], n_outs=10)
    (train_x, _), _, _ = sample
    functions = list(sda.pretraining_functions(train_x, 20))
    train_fn, valid_score, test_score = sda.build_finetune_functions(sample, 20, 0.1)
    functions += [train_fn, valid_score, test_score]
    for fn in functions:
        floats = {d for d in compiled_dtypes(fn) if d.startswith("float")}
        assert floats == {"float32"}, fn


def test_sample_split_is_what_the_models_expect(sample_arrays):
    (x, y), _, _ = sample_arrays
    assert x.shape == (3000, 784) and x.dtype == np.float32 and y.dtype == np.int32


def test_cached_pretraining_is_the_tutorial_pretraining_computed_once(sample):
    """Same seed, same masks, same steps: the cached path must give the tutorial
    path's costs and weights, up to float32 rounding."""
    from dae.training import pretrain

    (train_x, _), _, _ = sample
    x = pytensor.shared(train_x.get_value()[:400])
    results = []
    for cached in (False, True):
        sda = SdA(
            np.random.RandomState(5),
            n_ins=784,
            hidden_layers_sizes=[40, 30, 20],
            corruption_levels=[0.1, 0.2, 0.3],
        )
        fns = (sda.cached_pretraining_functions if cached else sda.pretraining_functions)(x, 20)
        costs = pretrain(fns, 20, 2, sda.corruption_levels, 0.1, log=lambda line: None)
        results.append((costs, [p.get_value() for p in sda.params]))
    (tutorial_costs, tutorial_params), (cached_costs, cached_params) = results
    np.testing.assert_allclose(cached_costs, tutorial_costs, rtol=1e-5)
    for tutorial, cached in zip(tutorial_params, cached_params):
        np.testing.assert_allclose(cached, tutorial, atol=1e-5)
    assert tutorial_costs[2][1] < tutorial_costs[2][0]  # the top layer did learn


def test_hidden_representation_is_the_code_of_each_row(sample):
    (train_x, _), _, _ = sample
    da = dA(np.random.RandomState(2), n_visible=784, n_hidden=16)
    codes = da.hidden_representation(train_x, batch_size=700).get_value()
    rows = train_x.get_value()
    assert codes.shape == (len(rows), 16) and codes.dtype == np.float32
    expected = 1 / (1 + np.exp(-(rows @ da.W.get_value() + da.b.get_value())))
    np.testing.assert_allclose(codes, expected, atol=1e-5)


def test_dropout_finetuning_cost(sample):
    """Rates of zero give the tutorial's cost; other rates a noisy cost around it,
    new masks on every call, and the same errors at test time."""
    (train_x, train_y), _, _ = sample
    x, y = train_x.get_value()[:50], train_y.get_value()[:50]
    sda = SdA(np.random.RandomState(3), n_ins=784, hidden_layers_sizes=[60, 40])
    sda.logLayer.W.set_value(np.random.RandomState(4).randn(40, 10).astype("float32"))
    plain = pytensor.function([sda.x, sda.y], sda.finetune_cost)(x, y)
    cost, updates = sda.dropout_finetune_cost([0.0, 0.0, 0.0])
    np.testing.assert_allclose(pytensor.function([sda.x, sda.y], cost)(x, y), plain, rtol=1e-5)
    cost, updates = sda.dropout_finetune_cost([0.2, 0.5, 0.5])
    noisy = pytensor.function([sda.x, sda.y], cost, updates=updates)
    draws = [float(noisy(x, y)) for _ in range(40)]
    assert len(set(draws)) == 40
    assert np.mean(draws) > plain  # dropping units makes the fit worse on average
    with pytest.raises(ValueError, match="2 entries for 3 rates"):
        sda.dropout_finetune_cost([0.5, 0.5])
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        sda.dropout_finetune_cost([0.5, 1.0, 0.5])


def test_dropout_finetuning_learns(sample):
    sda = SdA(
        np.random.RandomState(8), n_ins=784, hidden_layers_sizes=[100], corruption_levels=[0.1]
    )
    train_fn, valid_score, _ = sda.build_finetune_functions(
        sample, 20, 0.1, momentum=0.9, dropout=[0.2, 0.5]
    )
    before = np.mean(valid_score())
    for _ in range(2):
        for i in range(150):
            train_fn(i)
    assert before > 0.7 and np.mean(valid_score()) < 0.2


def column_norms(W):
    return np.sqrt((W.get_value() ** 2).sum(axis=0))


def test_max_norm_bounds_every_units_incoming_weights(sample):
    """With a bound below the initial norms every column ends within it, most on
    it; with one far above them, the steps are those of plain fine-tuning."""
    bounded, free, plain = (
        SdA(np.random.RandomState(5), n_ins=784, hidden_layers_sizes=[30, 20]) for _ in range(3)
    )
    steps = [
        bounded.build_finetune_functions(sample, 20, 0.5, max_norm=0.5)[0],
        free.build_finetune_functions(sample, 20, 0.5, max_norm=1e6)[0],
        plain.build_finetune_functions(sample, 20, 0.5)[0],
    ]
    assert min(column_norms(bounded.sigmoid_layers[0].W)) > 0.5
    for step in steps:
        for i in range(20):
            step(i)
    for W in bounded.get_params(regularizable=True):  # the output layer's too
        assert column_norms(W).max() <= 0.5 * (1 + 1e-5)
    for layer in bounded.sigmoid_layers:  # they started above the bound
        assert np.median(column_norms(layer.W)) > 0.49
    for p, q in zip(free.params, plain.params, strict=True):
        np.testing.assert_allclose(p.get_value(), q.get_value(), atol=1e-5)
    with pytest.raises(ValueError, match="max_norm must be positive"):
        plain.build_finetune_functions(sample, 20, 0.5, max_norm=0)
