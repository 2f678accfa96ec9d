"""The tutorials' idioms on dae: label expressions, constructors, compiled functions,
and the Theano namespace ``dae.theano``."""

import io
import warnings

import numpy as np
import pytensor
import pytest
from pytensor.compile import Function
from pytensor.printing import debugprint

import dae
import dae.theano as theano
import dae.theano.tensor as T
from dae.functions import CompiledFunction, minibatch
from dae.models.deep_ae import DeepAutoencoder
from dae.models.vae import VAE
from dae.theano.sandbox.rng_mrg import MRG_RandomStreams
from dae.theano.tensor.shared_randomstreams import RandomStreams


def cast_labels(datasets):
    """The tutorials' ``shared_dataset``: labels kept as floats, handed out cast."""
    return [
        (x, T.cast(theano.shared(y.get_value().astype("float32")), "int32")) for x, y in datasets
    ]


def small_sda(**kwargs):
    return dae.SdA(np.random.RandomState(0), n_ins=784, hidden_layers_sizes=[30, 20], **kwargs)


def test_finetuning_takes_labels_cast_the_tutorials_way(sample):
    datasets = cast_labels(sample)
    train_fn, valid_score, _ = small_sda().build_finetune_functions(datasets, 20, 1.0)
    costs = [float(train_fn(i)) for _ in range(2) for i in range(150)]
    assert np.mean(costs[-20:]) < np.mean(costs[:20])
    assert np.mean(valid_score()) < 0.3  # chance is 0.9


def test_cast_labels_are_still_checked(sample):
    (x, y), valid, test = sample
    wrong = T.cast(theano.shared(y.get_value().astype("float32") + 10), "int32")
    with pytest.raises(dae.DataError, match="the training set: labels must be in 0..9"):
        small_sda().build_finetune_functions([(x, wrong), valid, test], 20, 0.1)


def test_labels_that_depend_on_a_function_input_are_left_to_call_time():
    labels = T.ivector("labels")
    dae.data.check_data(np.zeros((3, 4), "float32"), labels + 1, n_ins=4, n_outs=2)


def test_the_sda_tutorials_construction_leaves_corruption_to_call_time():
    # test_SdA's own call: three layers, corruption_levels left at its default.
    sda = dae.SdA(
        numpy_rng=np.random.RandomState(89677),
        n_ins=28 * 28,
        hidden_layers_sizes=[1000, 1000, 1000],
        n_outs=10,
    )
    assert sda.corruption_levels == [0.1, 0.1, 0.1]
    with pytest.raises(ValueError, match="corruption_levels has 2 entries for 3 hidden layers"):
        dae.SdA(np.random.RandomState(0), hidden_layers_sizes=[5, 5, 5], corruption_levels=[0, 0])


def test_pretraining_functions_are_compiled_functions_called_every_way(sample):
    (x, _), _, _ = sample
    fn = small_sda().pretraining_functions(x, 20)[1]
    assert isinstance(fn, Function) and isinstance(fn, CompiledFunction)
    assert fn.input_names == ("index", "corruption", "lr")
    assert fn.fgraph is fn.maker.fgraph and fn.profile is None
    out = io.StringIO()
    debugprint(fn, file=out)
    assert "Gemm" in out.getvalue() or "Dot" in out.getvalue()
    costs = [fn(0), fn(1, 0.2, 0.1), fn(2, 0.3), fn(index=3, corruption=0.2, lr=0.1), fn(4, lr=0.1)]
    assert all(np.isfinite(costs))
    with pytest.raises(ValueError, match=r"corruption must be in \[0, 1\)"):
        fn(0, 1.5)
    with pytest.raises(TypeError, match="unexpected argument 'rate'"):
        fn(0, rate=0.1)
    with pytest.raises(TypeError, match="two values given for 'corruption'"):
        fn(0, 0.2, corruption=0.2)
    with pytest.raises(TypeError, match="missing argument"):
        fn(corruption=0.2)


def test_a_copy_keeps_the_defaults_and_the_weights_it_shares(sample):
    (x, _), _, _ = sample
    da = dae.dA(np.random.RandomState(0), n_visible=784, n_hidden=20)
    fn = da.pretraining_function(x, 20, corruption_level=0.0, learning_rate=0.1)
    twin = fn.copy()
    assert isinstance(twin, CompiledFunction) and twin.defaults == fn.defaults
    before = da.W.get_value().copy()
    twin(0)
    assert not np.array_equal(da.W.get_value(), before)


def test_every_factory_returns_a_compiled_function(sample):
    (x, _), _, _ = sample
    sda = small_sda()
    functions = [
        *sda.pretraining_functions(x, 20),
        next(sda.cached_pretraining_functions(x, 20)),
        *sda.build_finetune_functions(sample, 20, 0.1),
    ]
    vae = VAE(np.random.RandomState(0), n_visible=784, n_hidden=20, n_latent=2)
    functions += [
        vae.training_function(x, 20),
        vae.sample_function(),
        vae.decode_function(),
        vae.encode_function(),
    ]
    deep = DeepAutoencoder(np.random.RandomState(0), n_visible=784, hidden_layers_sizes=[20, 5])
    functions.append(deep.training_function(x, 20, 0.1))
    assert all(isinstance(fn, CompiledFunction) for fn in functions)


def test_scores_return_every_minibatch_or_one(sample):
    _, valid_score, _ = small_sda().build_finetune_functions(sample, 20, 0.1)
    valid_x, _ = sample[1]
    scores = valid_score()
    assert len(scores) == valid_x.get_value().shape[0] // 20
    assert float(valid_score(3)) == float(scores[3])


def test_minibatch_rows_are_the_tutorials_slice(sample):
    (x, _), _, _ = sample
    index = T.lscalar("index")
    rows = theano.function([index], minibatch(x, index, 20))
    np.testing.assert_array_equal(rows(7), x.get_value()[7 * 20 : 8 * 20])


def test_nnet_is_back_with_the_tutorials_functions():
    x = T.matrix("x")
    values = np.array([[0.0, 1.0, -2.0], [3.0, 0.5, 0.0]], "float32")
    sigmoid, softmax = theano.function([x], [T.nnet.sigmoid(x), T.nnet.softmax(x)])(values)
    np.testing.assert_allclose(sigmoid, 1 / (1 + np.exp(-values)), rtol=1e-6)
    expected = np.exp(values) / np.exp(values).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(softmax, expected, rtol=1e-6)
    assert T.nnet.sigmoid is pytensor.tensor.sigmoid  # so HiddenLayer widens its weights

    p, t = T.matrix("p"), T.matrix("t")
    probs, targets = np.array([[0.2, 0.9]], "float32"), np.array([[0.0, 1.0]], "float32")
    bce = theano.function([p, t], T.nnet.binary_crossentropy(p, t))(probs, targets)
    np.testing.assert_allclose(bce, -np.log([[0.8, 0.9]]), rtol=1e-6)
    y = T.ivector("y")
    cce = theano.function([p, y], T.nnet.categorical_crossentropy(p, y))
    np.testing.assert_allclose(cce(probs, np.array([1], "int32")), -np.log([0.9]), rtol=1e-6)


@pytest.mark.parametrize("streams", [RandomStreams, MRG_RandomStreams])
def test_random_streams_advance_by_themselves_and_draw_float_masks(streams):
    srng = streams(seed=7)
    p = T.scalar("p")
    mask = srng.binomial(size=(400, 50), n=1, p=p, dtype=theano.config.floatX)
    draw = theano.function([p], mask)  # nothing in updates, as in the tutorials
    first, second = draw(0.7), draw(0.7)
    assert first.dtype == np.float32 and set(np.unique(first)) == {0.0, 1.0}
    assert not np.array_equal(first, second)
    assert abs(first.mean() - 0.7) < 0.02
    srng.seed(7)
    np.testing.assert_array_equal(draw(0.7), first)
    frozen = theano.function([p], mask, no_default_updates=True)
    np.testing.assert_array_equal(frozen(0.7), frozen(0.7))
    counts = theano.function([], srng.binomial(size=(2000,), n=5, p=0.5))()
    assert counts.dtype == np.int64 and abs(counts.mean() - 2.5) < 0.1
    normal = theano.function([], srng.normal(size=(2000,), avg=1.0, std=2.0))()
    assert normal.dtype == np.float32 and abs(normal.mean() - 1.0) < 0.2
    uniform = theano.function([], srng.uniform(size=(2000,), low=-1.0, high=3.0))()
    assert uniform.min() >= -1 and uniform.max() < 3 and abs(uniform.mean() - 1) < 0.1


def test_da_draws_its_masks_from_random_streams(sample):
    (x, _), _, _ = sample
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # PyTensor deprecates its RandomStream
        pytensor_streams = pytensor.tensor.random.utils.RandomStream(5)
    for streams in (RandomStreams(123), pytensor_streams):
        da = dae.dA(np.random.RandomState(0), theano_rng=streams, n_visible=784, n_hidden=20)
        assert isinstance(da.theano_rng.get_value(), np.random.Generator)  # its own
        tilde = da.get_corrupted_input(da.x, 0.5)
        corrupt = theano.function([da.x], tilde, updates=dae.rng_updates(tilde))
        digits = x.get_value()[:5]
        assert not np.array_equal(corrupt(digits), corrupt(digits))
        fn = da.pretraining_function(x, 20, corruption_level=0.3)
        costs = [float(fn(i)) for i in range(100)]
        assert np.mean(costs[-10:]) < np.mean(costs[:10])


def test_reseeding_random_streams_reseeds_the_models_given_them():
    streams = RandomStreams(123)
    da = dae.dA(np.random.RandomState(0), theano_rng=streams, n_visible=30, n_hidden=5)
    tilde = da.get_corrupted_input(da.x, 0.5)
    corrupt = theano.function([da.x], tilde)  # advances the generator by itself
    ones = np.ones((4, 30), "float32")
    streams.seed(9)
    first = corrupt(ones)
    assert not np.array_equal(corrupt(ones), first)
    streams.seed(9)
    np.testing.assert_array_equal(corrupt(ones), first)


def test_in_defaults_are_honoured_and_need_a_name():
    x, scale = T.scalar("x"), T.scalar("scale")
    f = theano.function([x, theano.In(scale, value=2.0)], x * scale)
    assert (float(f(3)), float(f(3, 10)), float(f(x=3, scale=0.5))) == (6.0, 30.0, 1.5)
    with pytest.raises(ValueError, match="has a default value but no name"):
        theano.function([x, theano.In(T.scalar(), value=1.0)], x)


def test_shared_variables_are_true_as_in_theano_and_comparisons_still_refuse():
    W = theano.shared(np.zeros((2, 2), "float32"))
    layer = dae.HiddenLayer(np.random.RandomState(0), T.matrix("x"), 4, 3)
    assert W and layer.W  # the tutorials' constructors ask `if not W:`
    with pytest.raises(TypeError, match="cannot be converted to Python boolean"):
        bool(W > 0)


def test_the_package_namespace():
    assert dae.training.Monitor and dae.updates.sgd is dae.sgd
    assert not {"os", "pytensor"} & set(dir(dae))
