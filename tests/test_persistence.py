"""Saving, loading and pickling every model: same parameters, same outputs, same noise."""

import json
import os
import pickle

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest
from helpers.models import assert_sda_shares_its_weights

import dae
import dae.models
from dae import MLP, HiddenLayer, LogisticRegression, SdA, cA, dA
from dae.activations import ACTIVATIONS, elu, relu
from dae.data import DataError
from dae.models.autoencoder import Autoencoder
from dae.models.deep_ae import DeepAutoencoder
from dae.models.vae import VAE

X = np.random.RandomState(0).rand(5, 6).astype("float32")

# Tiny models (6 inputs) and, for each, the symbolic input and an output to compare.
MODELS = {
    "dA": (
        lambda: dA(np.random.RandomState(1), n_visible=6, n_hidden=4),
        lambda m: (m.x, m.get_reconstructed_input(m.get_hidden_values(m.x))),
    ),
    "dA untied": (
        lambda: dA(
            np.random.RandomState(1),
            n_visible=6,
            n_hidden=4,
            tied=False,
            loss="squared_error",
            activation=pt.tanh,
            noise="gaussian",
        ),
        lambda m: (m.x, m.get_reconstructed_input(m.get_hidden_values(m.x))),
    ),
    "SdA": (
        lambda: SdA(
            np.random.RandomState(1),
            n_ins=6,
            hidden_layers_sizes=[4, 3],
            n_outs=2,
            corruption_levels=[0.1, 0.2],
        ),
        lambda m: (m.x, m.logLayer.p_y_given_x),
    ),
    "HiddenLayer": (
        lambda: HiddenLayer(np.random.RandomState(1), pt.matrix("x"), 6, 4, activation=relu),
        lambda m: (m.input, m.output),
    ),
    "LogisticRegression": (
        lambda: LogisticRegression(pt.matrix("x"), 6, 3),
        lambda m: (m.input, m.p_y_given_x),
    ),
    "MLP": (
        lambda: MLP(np.random.RandomState(1), pt.matrix("x"), 6, 4, 3, activation=relu),
        lambda m: (m.input, m.logRegressionLayer.p_y_given_x),
    ),
    "cA": (
        lambda: cA(np.random.RandomState(1), n_visible=6, n_hidden=4, n_batchsize=5),
        lambda m: (m.x, m.get_reconstructed_input(m.get_hidden_values(m.x))),
    ),
    "VAE": (
        lambda: VAE(np.random.RandomState(1), n_visible=6, n_hidden=4, n_latent=2),
        lambda m: (m.x, [m.mu, m.log_var, m.decoder_logits(m.mu)]),
    ),
    "DeepAutoencoder": (
        lambda: DeepAutoencoder(
            np.random.RandomState(1),
            n_visible=6,
            hidden_layers_sizes=[4, 2],
            tied=False,
            activation=elu,
        ),
        lambda m: (m.x, m.reconstruction()),
    ),
    "Autoencoder": (
        lambda: Autoencoder(
            np.random.RandomState(1),
            n_visible=6,
            n_hidden=4,
            tied=False,
            activation="tanh",
            decoder_activation=None,
            noise="salt_and_pepper",
        ),
        lambda m: (m.x, m.get_reconstructed_input(m.get_hidden_values(m.x))),
    ),
}


def new_model(name):
    """A model whose parameters and generator are no longer those its constructor
    made, so a load that kept the constructor's values would be caught."""
    model = MODELS[name][0]()
    rng = np.random.RandomState(2)
    for p in model.named_params().values():
        value = p.get_value()
        p.set_value(rng.uniform(-1, 1, value.shape).astype(value.dtype))
    if hasattr(model, "theano_rng"):
        model.theano_rng.get_value(borrow=True).random(10)
    return model


def outputs(name, model, x=X):
    inputs, out = MODELS[name][1](model)
    return pytensor.function([inputs], out)(x)


def assert_same_model(a, b):
    assert type(a) is type(b) and a.config() == b.config()
    assert list(a.named_params()) == list(b.named_params())
    for p, q in zip(a.named_params().values(), b.named_params().values()):
        assert p is not q
        np.testing.assert_array_equal(q.get_value(), p.get_value())
        assert q.get_value().dtype == p.get_value().dtype


def noise(model):
    """A draw from the model's generator, advancing it, as training would."""
    if isinstance(model, VAE):
        return model.sample_function()(3)
    da = model.dA_layers[0] if isinstance(model, SdA) else model
    tilde = da.get_corrupted_input(da.x, 0.5)
    return pytensor.function([da.x], tilde, updates=dae.rng_updates(tilde))(X[:, : da.n_visible])


@pytest.fixture
def path(tmp_path):
    return tmp_path / "model.npz"


@pytest.mark.parametrize("name", MODELS)
def test_save_then_load_gives_the_same_model(name, path):
    model = new_model(name)
    model.save(path)
    for loaded in (type(model).load(path), dae.models.load(path)):
        assert_same_model(model, loaded)
        for got, expected in zip(outputs(name, loaded), outputs(name, model)):
            np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("name", MODELS)
def test_pickling_gives_the_same_model(name):
    model = new_model(name)
    copy = pickle.loads(pickle.dumps(model))
    assert_same_model(model, copy)
    for got, expected in zip(outputs(name, copy), outputs(name, model)):
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("name", ["dA", "dA untied", "SdA", "VAE", "Autoencoder"])
def test_the_generator_goes_on_where_it_was_saved(name, path):
    model = new_model(name)
    model.save(path)
    loaded, copy = type(model).load(path), pickle.loads(pickle.dumps(model))
    expected = noise(model)
    np.testing.assert_array_equal(noise(loaded), expected)
    np.testing.assert_array_equal(noise(copy), expected)
    # and the next draw too: the restored generator advances like the original
    np.testing.assert_array_equal(noise(loaded), noise(model))


def test_the_file_is_an_npz_with_a_json_header(path):
    sda = new_model("SdA")
    sda.save(path)
    with np.load(path, allow_pickle=False) as f:
        header = json.loads(f["__header__"].item())
        assert sorted(f.files) == sorted(
            ["__header__", "W1", "b1", "b_prime1", "W2", "b2", "b_prime2", "W_out", "b_out"]
        )
        np.testing.assert_array_equal(f["W2"], sda.sigmoid_layers[1].W.get_value())
    assert header["format"] == "dae-model" and header["version"] == dae.__version__
    assert header["class"] == "SdA"
    assert header["config"] == {
        "n_ins": 6,
        "hidden_layers_sizes": [4, 3],
        "n_outs": 2,
        "corruption_levels": [0.1, 0.2],
    }
    assert header["params"]["W1"] == {"shape": [6, 4], "dtype": "float32"}
    assert header["rng"] == sda.theano_rng.get_value().bit_generator.state
    LogisticRegression(pt.matrix(), 6, 3).save(path)
    with np.load(path, allow_pickle=False) as f:
        assert "rng" not in json.loads(f["__header__"].item())


def test_load_builds_on_the_given_input(path):
    new_model("dA").save(path)
    x = pt.matrix("pixels")
    da = dae.models.load(path, input=2 * x)
    assert da.x.owner is not None and x in da.x.owner.inputs
    f = pytensor.function([x], da.get_hidden_values(da.x))
    g = pytensor.function([da.x], da.get_hidden_values(da.x))
    np.testing.assert_array_equal(f(X / 2), g(X))
    new_model("HiddenLayer").save(path)
    assert HiddenLayer.load(path, input=x).input is x


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_hidden_layers_keep_their_activation(activation, path):
    layer = HiddenLayer(
        np.random.RandomState(0), pt.matrix(), 3, 2, activation=ACTIVATIONS[activation]
    )
    layer.save(path)
    assert HiddenLayer.load(path).activation is ACTIVATIONS[activation]
    assert pickle.loads(pickle.dumps(layer)).activation is ACTIVATIONS[activation]


def test_what_cannot_be_saved_is_refused_by_name(path):
    layer = HiddenLayer(np.random.RandomState(0), pt.matrix(), 3, 2, activation=pt.softplus)
    with pytest.raises(ValueError, match="activation"):
        layer.save(path)
    with pytest.raises(ValueError, match="activation"):
        pickle.dumps(layer)
    tied = dA(np.random.RandomState(0), n_visible=6, n_hidden=4)
    decoder = HiddenLayer(None, pt.matrix(), 4, 6, W=tied.W.T, b=tied.b_prime)
    with pytest.raises(ValueError, match="parameter W: .*not a shared variable"):
        decoder.save(path)  # its W is the dA's, transposed
    assert not path.exists()


def test_an_unpickled_sda_shares_its_weights_and_trains():
    sda = pickle.loads(pickle.dumps(new_model("SdA")))
    assert_sda_shares_its_weights(sda)
    rng = np.random.RandomState(3)
    x = pytensor.shared(rng.rand(20, 6).astype("float32"))
    y = pytensor.shared(rng.randint(0, 2, 20).astype("int32"))
    for fn in [*sda.pretraining_functions(x, 5), *sda.cached_pretraining_functions(x, 5)]:
        assert np.isfinite(fn(0, corruption=0.2, lr=0.1))
    train_fn, valid_score, test_score = sda.build_finetune_functions([(x, y)] * 3, 5, 0.1)
    W = sda.sigmoid_layers[0].W.get_value()
    assert np.isfinite(train_fn(0)) and len(valid_score()) == len(test_score()) == 4
    assert not np.array_equal(sda.sigmoid_layers[0].W.get_value(), W)


def test_a_failed_save_leaves_the_old_file(path, monkeypatch):
    old = new_model("dA")
    old.save(path)
    before = path.read_bytes()

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space"):
        new_model("SdA").save(path)
    assert path.read_bytes() == before and os.listdir(path.parent) == [path.name]


# ------------------------------------------------------------------ bad files


def rewrite(path, header=None, arrays=None):
    """Rewrite a saved model after ``header(h)`` and ``arrays(a)`` edit it in place
    (an ``__header__`` that ``arrays`` puts back replaces the header)."""
    with np.load(path) as f:
        content = {k: f[k] for k in f.files}
    h = json.loads(content.pop("__header__").item())
    (header or (lambda h: None))(h)
    (arrays or (lambda a: None))(content)
    content.setdefault("__header__", np.array(json.dumps(h)))
    np.savez(path, **content)


@pytest.fixture
def saved_da(path):
    new_model("dA").save(path)
    return path


def assert_refused(path, match, load=dA.load):
    with pytest.raises(DataError, match=match) as error:
        load(path)
    assert str(path) in str(error.value)
    return error


def test_files_that_are_no_npz_are_refused(path):
    for content in (b"", b"not a model", pickle.dumps({"W": 1})):
        path.write_bytes(content)
        assert_refused(path, "not a readable .npz")
    np.save(path.with_suffix(".npy"), X)
    assert_refused(path.with_suffix(".npy"), "single NumPy array")
    assert_refused(path.with_name("missing.npz"), "not a readable")


def test_truncated_or_corrupt_files_are_refused(path):
    model = new_model("dA")
    model.save(path)
    data = path.read_bytes()
    for cut in range(1, len(data), max(1, len(data) // 40)):
        path.write_bytes(data[:cut])
        assert_refused(path, "not a readable .npz")
    rng = np.random.RandomState(4)
    for position in rng.randint(0, len(data), 60):
        damaged = bytearray(data)
        damaged[position] ^= 0xFF
        path.write_bytes(bytes(damaged))
        try:
            loaded = dA.load(path)
        except DataError as e:
            assert str(path) in str(e)
        else:  # a byte that zip does not check (a date, say): the model is intact
            assert_same_model(model, loaded)


def test_headers_that_are_missing_or_not_ours_are_refused(saved_da):
    rewrite(saved_da, header=lambda h: h.update(format="other"))
    assert_refused(saved_da, "does not describe a 'dae-model' file")
    rewrite(saved_da, arrays=lambda a: a.update(__header__=np.arange(3)))
    assert_refused(saved_da, "__header__ is not a string")
    new_model("dA").save(saved_da)
    rewrite(saved_da, arrays=lambda a: a.update(__header__=np.array("{not json")))
    assert_refused(saved_da, "__header__ is not JSON")
    np.savez(saved_da, W=X)
    assert_refused(saved_da, "no __header__")


def test_a_newer_major_version_is_refused(saved_da):
    rewrite(saved_da, header=lambda h: h.update(version="99.0.0"))
    assert_refused(saved_da, "newer major version")
    rewrite(saved_da, header=lambda h: h.update(version="latest"))
    assert_refused(saved_da, "not a version")


def test_a_file_of_another_class_is_refused(saved_da):
    assert_refused(saved_da, "holds a dA, not a SdA", load=SdA.load)
    assert_refused(saved_da, "holds a dA, not a VAE", load=VAE.load)
    rewrite(saved_da, header=lambda h: h.update({"class": "RBM"}))
    assert_refused(saved_da, "unknown model class 'RBM'", load=dae.models.load)


def test_missing_or_unexpected_parameters_are_refused(saved_da):
    rewrite(saved_da, arrays=lambda a: a.pop("b_prime"))
    assert_refused(saved_da, "parameter b_prime is missing")
    rewrite(saved_da, header=lambda h: h["params"].pop("b_prime"))
    assert_refused(saved_da, r"parameter\(s\) \['b_prime'\] missing")
    rewrite(saved_da, arrays=lambda a: a.update(extra=X))
    assert_refused(saved_da, r"arrays \['extra'\] are not in the header")


def test_parameters_unlike_their_header_are_refused(saved_da):
    rewrite(saved_da, header=lambda h: h["params"]["W"].update(shape=[6, 5]))
    assert_refused(saved_da, "parameter W is float32 of shape .6, 4., but the header says")
    rewrite(saved_da, header=lambda h: h["params"]["W"].update(shape=[6, 4], dtype="float64"))
    assert_refused(saved_da, "parameter W is float32 .*header says")


def test_parameters_unlike_the_config_are_refused(saved_da, path):
    rewrite(saved_da, header=lambda h: h["config"].update(n_hidden=5))
    assert_refused(saved_da, r"parameter W is float32 of shape \(6, 4\), but .* \(6, 5\)")
    new_model("dA").save(path)

    def float64(a):
        a["W"] = a["W"].astype("float64")

    rewrite(path, header=lambda h: h["params"]["W"].update(dtype="float64"), arrays=float64)
    assert_refused(path, "parameter W is float64 .* makes it float32")
    new_model("dA").save(path)
    float64 = pt.dmatrix("x")  # a model takes its input's float type
    assert_refused(path, "float32 .* makes it float64", load=lambda p: dA.load(p, input=float64))
    with pytensor.config.change_flags(floatX="float64"):  # which floatX does not change
        assert dA.load(path).W.dtype == "float32"


def test_configs_that_build_no_model_are_refused(saved_da):
    rewrite(saved_da, header=lambda h: h["config"].update(n_hidden=0))
    assert_refused(saved_da, "config does not build a dA: .*n_hidden=0")
    rewrite(saved_da, header=lambda h: h["config"].update(n_hidden=4, colour="red"))
    assert_refused(saved_da, "config does not build a dA: .*colour")
    rewrite(saved_da, header=lambda h: h.update(config=[6, 4]))
    assert_refused(saved_da, "config is not a JSON object")


def test_bad_generator_states_are_refused(saved_da):
    rewrite(saved_da, header=lambda h: h.pop("rng"))
    assert_refused(saved_da, "no state for the model's random generator")
    rewrite(saved_da, header=lambda h: h.update(rng={"bit_generator": "Mystery"}))
    assert_refused(saved_da, "bit generator 'Mystery'")
    rewrite(saved_da, header=lambda h: h.update(rng={"bit_generator": "PCG64", "state": 3}))
    assert_refused(saved_da, "not a valid PCG64 state")


def test_a_pickled_state_is_checked_too():
    da = new_model("dA")
    state = da.__getstate__()
    state["params"]["b_prime"] = np.zeros(7, "float32")
    with pytest.raises(DataError, match="pickled dA: parameter b_prime"):
        dA.__new__(dA).__setstate__(state)
