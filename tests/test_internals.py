"""The library's own structure: the parameter registry, the update rules, the
objectives every model shares, the functions that options take by name, and the
public surface."""

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest
from pytensor.tensor.math import sigmoid

import dae
from dae import activations, objectives, updates
from dae.models.base import Model
from dae.models.persistence import MODELS

RNG = np.random.RandomState(0)


def every_model():
    """One small instance of each of dae's models, by class name."""
    rng = np.random.RandomState(0)
    x = pt.matrix("x")
    return {
        "HiddenLayer": dae.HiddenLayer(rng, x, 5, 3),
        "LogisticRegression": dae.LogisticRegression(x, 5, 3),
        "MLP": dae.MLP(rng, x, 5, 4, 3),
        "dA": dae.dA(rng, n_visible=5, n_hidden=3, tied=False),
        "cA": dae.cA(rng, n_visible=5, n_hidden=3),
        "SdA": dae.SdA(rng, n_ins=5, hidden_layers_sizes=[4, 3], n_outs=2),
        "VAE": dae.VAE(rng, n_visible=5, n_hidden=4, n_latent=2),
        "DeepAutoencoder": dae.DeepAutoencoder(
            rng, n_visible=5, hidden_layers_sizes=[4, 2], tied=False
        ),
    }


# The registry ------------------------------------------------------------------------


@pytest.mark.parametrize("name, model", every_model().items())
def test_params_names_and_weight_decay_come_from_one_registry(name, model):
    named = model.named_params()
    # Every trainable parameter is named; the names are unique shared variables.
    assert all(any(p is q for q in named.values()) for p in model.params)
    assert len({id(p) for p in named.values()}) == len(named)
    # The weight-decay set is the matrices: every weight, no bias.
    regularizable = model.get_params(regularizable=True)
    assert regularizable and all(p.ndim == 2 for p in regularizable)
    assert [p for p in named.values() if p.ndim == 2] == regularizable
    assert model.get_params() == list(named.values())
    assert MODELS[name] is type(model)


def test_sda_registers_its_layers_variables_and_trains_all_but_the_visible_biases():
    sda = every_model()["SdA"]
    named = sda.named_params()
    assert list(named) == ["W1", "b1", "b_prime1", "W2", "b2", "b_prime2", "W_out", "b_out"]
    assert named["W1"] is sda.sigmoid_layers[0].W is sda.dA_layers[0].W
    assert named["b_prime2"] is sda.dA_layers[1].b_prime
    assert sda.params == [named[k] for k in ("W1", "b1", "W2", "b2", "W_out", "b_out")]
    assert sda.get_params(trainable=False) == [named["b_prime1"], named["b_prime2"]]


def test_mlp_penalties_are_the_objectives_on_its_weights():
    mlp = every_model()["MLP"]
    W1, W_out = mlp.hiddenLayer.W.get_value(), mlp.logRegressionLayer.W.get_value()
    l1, l2 = pytensor.function([], [mlp.L1, mlp.L2_sqr])()
    np.testing.assert_allclose(l1, np.abs(W1).sum() + np.abs(W_out).sum(), rtol=1e-6)
    np.testing.assert_allclose(l2, (W1**2).sum() + (W_out**2).sum(), rtol=1e-6)


def test_a_parameter_name_is_registered_once():
    layer = dae.HiddenLayer(RNG, pt.matrix(), 3, 2)
    with pytest.raises(ValueError, match="already has a parameter named W"):
        layer.add_param(layer.W, "W")


def test_a_subclass_is_registered_for_loading_when_defined(tmp_path):
    class TwoWeights(Model):
        def __init__(self, numpy_rng, input=None, n=2):
            self.n = n
            self.u = self.add_param(pytensor.shared(np.zeros(n, "float32"), name="u"), "u")
            self.v = self.add_param(
                pytensor.shared(np.ones((n, n), "float32"), name="v"), "v", trainable=False
            )

        def config(self):
            return {"n": self.n}

    model = TwoWeights(None, n=3)
    assert model.params == [model.u] and model.get_params(trainable=False) == [model.v]
    model.u.set_value(np.arange(3, dtype="float32"))
    model.save(tmp_path / "two.npz")
    loaded = dae.load(tmp_path / "two.npz")
    assert type(loaded) is TwoWeights
    np.testing.assert_array_equal(loaded.u.get_value(), [0, 1, 2])


# Update rules -----------------------------------------------------------------------


def test_momentum_is_sgd_then_apply_momentum():
    w1, w2 = (pytensor.shared(np.float32(1.0), name="w") for _ in range(2))
    shortcut = pytensor.function([], w1, updates=updates.momentum(w1**2, [w1], 0.1, 0.9))
    composed = updates.apply_momentum(updates.sgd(w2**2, [w2], 0.1), [w2], momentum=0.9)
    modifier = pytensor.function([], w2, updates=composed)
    for _ in range(5):
        shortcut(), modifier()
    assert w1.get_value() == w2.get_value() != 1.0


def test_update_rules_take_gradients_and_shared_hyperparameters():
    w = pytensor.shared(np.float32(2.0))
    lr = pytensor.shared(np.float32(0.5))
    step = pytensor.function([], w, updates=updates.sgd([pt.constant(np.float32(1.0))], [w], lr))
    step()
    lr.set_value(np.float32(0.25))
    step()
    assert w.get_value() == np.float32(1.25)


@pytest.mark.parametrize(
    "rule",
    [
        lambda p: updates.sgd(p.sum(), [p], 0.1),
        lambda p: updates.momentum(p.sum(), [p], 0.1),
        lambda p: updates.apply_momentum({p: p}, [p]),
    ],
)
def test_every_rule_refuses_parameters_that_are_not_shared_variables(rule):
    with pytest.raises(ValueError, match="must be shared variables"):
        rule(pt.vector("p"))


def test_no_public_keyword_ends_in_an_underscore():
    import inspect

    for name in dae.__all__:
        obj = getattr(dae, name)
        functions = [obj] if inspect.isfunction(obj) else []
        if inspect.isclass(obj):
            functions = [f for _, f in inspect.getmembers(obj, inspect.isfunction)]
        for f in functions:
            trailing = [p for p in inspect.signature(f).parameters if p.endswith("_")]
            assert not trailing, f"{name}.{f.__name__}: {trailing}"


# Objectives, as the models use them ---------------------------------------------------


def test_da_penalties_are_the_objectives():
    rng = np.random.RandomState(3)
    da = dae.dA(
        rng,
        n_visible=6,
        n_hidden=4,
        tied=False,
        weight_decay=0.01,
        sparsity_target=0.1,
        sparsity_weight=0.5,
        contraction_level=0.2,
    )
    x = rng.rand(5, 6).astype("float32")
    y = da.get_hidden_values(da.x)
    a = pt.dot(y, da.W_prime) + da.b_prime
    by_hand = (
        pt.mean(objectives.cross_entropy_from_logits(a, da.x))
        + 0.01 * objectives.l2([da.W, da.W_prime])
        + 0.5 * pt.sum(objectives.bernoulli_kl(0.1, pt.mean(y, axis=0)))
        + 0.2 * pt.mean(objectives.jacobian_norm(y * (1 - y), da.W))
    )
    cost = da.get_reconstruction_cost(corruption_level=0.0)
    got, expected = pytensor.function([da.x], [cost, by_hand])(x)
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_vae_kl_is_the_gaussian_kl():
    vae = dae.VAE(np.random.RandomState(0), n_visible=4, n_hidden=3, n_latent=2)
    _, kl, _ = vae.get_cost_terms()
    expected = pt.mean(objectives.gaussian_kl(vae.mu, vae.log_var))
    x = np.random.RandomState(1).rand(3, 4).astype("float32")
    got, want = pytensor.function([vae.x], [kl, expected])(x)
    assert got == want > 0


# Functions or their names ---------------------------------------------------------


X6 = np.random.RandomState(1).rand(5, 6).astype("float32")


def built_with(model, **option):
    """``model`` built with ``option`` from fixed seeds: its outputs on X6, and their
    graph as text (the generators' addresses left out)."""
    rng, x = np.random.RandomState(0), pt.matrix("x", dtype="float32")
    if model == "dA":
        da = dae.dA(rng, input=x, n_visible=6, n_hidden=4, tied=False, **option)
        outputs = [
            da.get_reconstruction_cost(0.3),
            da.get_reconstructed_input(da.get_hidden_values(x)),
        ]
    elif model == "DeepAutoencoder":
        ae = dae.DeepAutoencoder(rng, 6, [4, 3], tied=False, input=x, **option)
        outputs = [ae.get_cost(), ae.code]
    elif model == "HiddenLayer":
        outputs = [dae.HiddenLayer(rng, x, 6, 4, **option).output]
    else:
        outputs = [dae.MLP(rng, x, 6, 4, 3, **option).logRegressionLayer.p_y_given_x]
    graph = pytensor.dprint(outputs, file="str", print_type=True)
    values = pytensor.function([x], outputs, mode="FAST_COMPILE")(X6)
    return values, re.sub(r" at 0x[0-9A-Fa-f]+", "", graph)


NAMED_OPTIONS = [
    ("dA", "noise", dae.random.NOISES),
    ("dA", "loss", objectives.LOSSES),
    ("dA", "activation", activations.ACTIVATIONS),
    ("DeepAutoencoder", "activation", activations.ACTIVATIONS),
    ("HiddenLayer", "activation", activations.ACTIVATIONS),
    ("MLP", "activation", activations.ACTIVATIONS),
]
OPTION_IDS = [f"{model}-{option}" for model, option, _ in NAMED_OPTIONS]


@pytest.mark.parametrize("model, option, known", NAMED_OPTIONS, ids=OPTION_IDS)
def test_a_name_builds_the_graph_its_function_builds(model, option, known):
    for name, function in known.items():
        (values, graph), (same_values, same_graph) = (
            built_with(model, **{option: name}),
            built_with(model, **{option: function}),
        )
        assert graph == same_graph, name
        for a, b in zip(values, same_values):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("model, option, known", NAMED_OPTIONS, ids=OPTION_IDS)
def test_an_unknown_name_is_refused_with_the_known_ones(model, option, known):
    with pytest.raises(ValueError) as error:
        built_with(model, **{option: "softsign"})
    assert str(error.value) == f"unknown {option} 'softsign'; the known ones are: " + ", ".join(
        known
    )


def test_the_registries_translate_both_ways():
    assert activations.get("sigmoid") is sigmoid and activations.get("linear") is None
    for name, f in activations.ACTIVATIONS.items():
        assert activations.name_of(f) == activations.name_of(name) == name
    with pytest.raises(ValueError, match="unknown activation 'softsign'; .* sigmoid, tanh"):
        activations.get("softsign")
    # A function without a name builds a layer, not a model whose config names it.
    layer = dae.HiddenLayer(RNG, pt.matrix(), 4, 2, activation=pt.sin)
    with pytest.raises(ValueError, match="activation .*sin.* has no name"):
        layer.config()
    with pytest.raises(ValueError, match="has no name"):
        dae.DeepAutoencoder(RNG, n_visible=4, hidden_layers_sizes=[2], activation=pt.sin)
    with pytest.raises(ValueError, match="noise .* has no name; .*masking, dropout"):
        dae.dA(RNG, n_visible=4, n_hidden=2, noise=lambda rng, x, p: (rng, x))


@pytest.mark.parametrize("name", [n for n in activations.ACTIVATIONS if n != "linear"])
def test_slope_is_the_derivative(name):
    f = activations.get(name)
    a = pt.vector("a")
    y = f(a)
    slope = activations.slope(f, y)
    derivative = pytensor.grad(pt.sum(y), a)
    values = np.array([-1.5, -0.2, 0.3, 2.0], dtype="float32")
    got, want = pytensor.function([a], [slope, derivative])(values)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


# The public surface ---------------------------------------------------------------------


def test_dae_exports_what_users_need_and_nothing_else():
    for name in (
        "VAE",
        "DeepAutoencoder",
        "load",
        "sgd",
        "momentum",
        "apply_momentum",
        "training",
        "objectives",
        "updates",
        "activations",
    ):
        assert name in dae.__all__
    import types

    public = {n for n in dir(dae) if not n.startswith("_")}
    modules = {n for n in public if isinstance(getattr(dae, n), types.ModuleType)}
    # A submodule imported by another is an attribute of the package; nothing else is.
    assert public - modules <= set(dae.__all__)
    for module in modules:
        assert getattr(dae, module).__name__ == f"dae.{module}"
    assert not {"os", "pytensor", "np", "numpy"} & public


def test_the_version_is_written_once():
    root = Path(__file__).resolve().parents[1]
    assert not re.search(r"""version\s*=\s*["']\d""", (root / "setup.py").read_text())
    setup = subprocess.run(
        [sys.executable, "setup.py", "--version"], cwd=root, capture_output=True, text=True
    )
    assert setup.stdout.split()[-1] == dae.__version__
