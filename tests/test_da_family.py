"""The dA's options: each noise, loss, activation and penalty does what it says."""

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest
from helpers.gradcheck import assert_gradients_match

import dae
from dae import dA
from dae.activations import elu, relu, tanh


def corrupt(noise, level, x):
    da = dA(np.random.RandomState(0), n_visible=x.shape[1], n_hidden=5, noise=noise)
    out = da.get_corrupted_input(da.x, level)
    fn = pytensor.function([da.x], out, updates=dae.rng_updates(out))
    return fn(x), fn(x)


def test_noises_corrupt_with_the_requested_statistics():
    x = np.full((200, 500), 0.5, dtype="float32")
    masked, again = corrupt("masking", 0.3, x)
    assert abs(np.mean(masked == 0) - 0.3) < 0.01 and set(np.unique(masked)) == {0, 0.5}
    assert not np.array_equal(masked, again)
    dropped, _ = corrupt("dropout", 0.3, x)
    assert abs(np.mean(dropped == 0) - 0.3) < 0.01
    assert abs(dropped.mean() - 0.5) < 0.01  # survivors scaled by 1 / (1 - p)
    salted, _ = corrupt("salt_and_pepper", 0.4, x)
    assert abs(np.mean(salted == 0) - 0.2) < 0.01 and abs(np.mean(salted == 1) - 0.2) < 0.01
    assert abs(np.mean(salted == 0.5) - 0.6) < 0.01
    noisy, _ = corrupt("gaussian", 0.25, x)
    assert abs((noisy - x).std() - 0.25) < 0.005 and abs((noisy - x).mean()) < 0.005


OPTIONS = [
    {},
    {"loss": "squared_error", "activation": None},
    {"activation": tanh, "loss": "squared_error", "tied": False},
    {"activation": relu, "weight_decay": 0.1},
    {"activation": elu, "contraction_level": 0.3, "tied": False, "weight_decay": 0.05},
    {"sparsity_target": 0.1, "sparsity_weight": 2.0},
    {"contraction_level": 0.5},
]


def option_id(options):
    """The options as text, each activation by its name."""
    named = {k: dae.activations.name_of(v) if k == "activation" else v for k, v in options.items()}
    return str(named)


@pytest.mark.parametrize("options", OPTIONS, ids=[option_id(o) for o in OPTIONS])
def test_every_cost_term_has_the_gradient_of_finite_differences(options):
    rng = np.random.RandomState(1)
    da = dA(rng, input=pt.dmatrix("x"), n_visible=6, n_hidden=4, **options)
    da.b_prime.set_value(rng.uniform(-1, 1, 6))
    da.b.set_value(rng.uniform(-1, 1, 4))  # away from relu's kink at 0
    x = rng.rand(5, 6)
    cost = da.get_reconstruction_cost(0.0)
    assert_gradients_match(cost, da.x, da.params, x, atol=1e-6)


def test_jacobian_norm_is_that_of_the_encoder():
    rng = np.random.RandomState(2)
    da = dA(rng, input=pt.dmatrix("x"), n_visible=5, n_hidden=3, activation=tanh)
    x = rng.rand(1, 5)
    y = da.get_hidden_values(da.x)
    norm = pytensor.function([da.x], da.jacobian_norm(y))(x)
    J = pytensor.function([da.x], pytensor.gradient.jacobian(y[0], da.x))(x)[:, 0, :]
    np.testing.assert_allclose(norm[0], np.sum(J**2), rtol=1e-8)


def train(da, x, epochs=30, lr=0.1, corruption=0.0):
    fn = da.pretraining_function(
        pytensor.shared(x), 20, corruption_level=corruption, learning_rate=lr
    )
    for _ in range(epochs):
        for i in range(len(x) // 20):
            fn(i)
    h = pytensor.function([da.x], da.get_hidden_values(da.x))(x)
    return h


def test_the_sparse_autoencoder_ends_near_its_target_activation(digits):
    da = dA(
        np.random.RandomState(3),
        n_visible=784,
        n_hidden=50,
        sparsity_target=0.05,
        sparsity_weight=60.0,
    )
    h = train(da, digits, epochs=15)
    plain = train(dA(np.random.RandomState(3), n_visible=784, n_hidden=50), digits, epochs=15)
    assert abs(h.mean() - 0.05) < 0.01
    assert np.abs(h.mean(axis=0) - 0.05).max() < 0.05  # each unit, not just on average
    assert plain.mean() > 0.15


def reconstruction_cross_entropy(da, x):
    """Mean cross-entropy of the clean reconstruction, without any penalty."""
    W, b, b_prime = (p.get_value() for p in da.params)
    h = 1 / (1 + np.exp(-(x @ W + b)))
    a = h @ W.T + b_prime
    return np.mean(np.sum(np.logaddexp(0, a) - x * a, axis=1))


@pytest.mark.parametrize("bias", [-200.0, 200.0])
def test_the_sparsity_penalty_of_saturated_codes_is_finite_and_pulls_them_back(bias):
    """Every code 0 (or 1): the float32 mean activation is 0 (or 1) exactly, where
    the KL of a mean is infinite; the KL from the pre-activations is not."""
    da = dA(np.random.RandomState(0), n_visible=6, n_hidden=3)
    sparse = dict(sparsity_target=0.05, sparsity_weight=60.0)
    sparse_da = dA(np.random.RandomState(0), n_visible=6, n_hidden=3, **sparse)
    x = np.random.RandomState(1).rand(20, 6).astype("float32")
    costs = []
    for model in (da, sparse_da):
        model.b.set_value(np.full(3, bias, dtype="float32"))
        cost = model.get_reconstruction_cost(corruption_level=0.0)
        grad_b = pytensor.grad(cost, model.b)
        costs.append(pytensor.function([model.x], [cost, grad_b])(x))
    (plain, _), (cost, grad_b) = costs
    y = pytensor.function([sparse_da.x], sparse_da.get_hidden_values(sparse_da.x))(x)
    assert set(np.unique(y.mean(axis=0))) == {0.0 if bias < 0 else 1.0}
    # The penalty: large, finite, about rho * 200 (or (1 - rho) * 200) per unit.
    penalty = (cost - plain) / sparse["sparsity_weight"]
    expected = 3 * (0.05 if bias < 0 else 0.95) * 200
    assert np.isfinite(cost) and abs(penalty - expected) < 0.05 * expected
    assert np.isfinite(grad_b).all() and np.all(np.sign(grad_b) == np.sign(bias))


def test_the_contractive_penalty_lowers_the_jacobian_norm(digits):
    norms, errors = [], []
    for level in (0.0, 0.5):
        da = dA(np.random.RandomState(4), n_visible=784, n_hidden=50, contraction_level=level)
        train(da, digits, epochs=10)
        norm = da.jacobian_norm(da.get_hidden_values(da.x))
        norms.append(pytensor.function([da.x], norm)(digits).mean())
        errors.append(reconstruction_cross_entropy(da, digits))
    assert norms[1] < 0.5 * norms[0]
    assert errors[1] < 1.2 * errors[0]  # at a similar reconstruction error


def test_bad_options_are_refused():
    rng = np.random.RandomState(0)
    with pytest.raises(ValueError, match="unknown noise 'pink'; the known ones are: masking"):
        dA(rng, n_visible=4, n_hidden=2, noise="pink")
    with pytest.raises(ValueError, match="sparsity_target"):
        dA(rng, n_visible=4, n_hidden=2, sparsity_weight=1.0)
    with pytest.raises(ValueError, match="needs sigmoid codes"):
        dA(
            rng,
            n_visible=4,
            n_hidden=2,
            activation=relu,
            sparsity_target=0.1,
            sparsity_weight=1.0,
        )
    with pytest.raises(ValueError, match="sigma >= 0"):
        dA(rng, n_visible=4, n_hidden=2, noise="gaussian").get_cost_updates(-0.1, 0.1)
    with pytest.raises(ValueError, match="weight_decay"):
        dA(rng, n_visible=4, n_hidden=2, weight_decay=-1)


def test_a_compiled_step_refuses_a_bad_default_level():
    da = dA(np.random.RandomState(0), n_visible=4, n_hidden=2)
    x = pytensor.shared(np.zeros((10, 4), dtype="float32"))
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        da.pretraining_function(x, 5, corruption_level=1.5)


def largest_principal_angle(A, B):
    """Largest principal angle, in degrees, between the column spaces of A and B."""
    cosines = np.linalg.svd(np.linalg.qr(A)[0].T @ np.linalg.qr(B)[0], compute_uv=False)
    return np.degrees(np.arccos(np.clip(cosines.min(), -1, 1)))


def test_the_linear_autoencoder_learns_the_pca_subspace(digits):
    k = 4
    _, _, Vt = np.linalg.svd(digits - digits.mean(axis=0), full_matrices=False)
    da = dA(
        np.random.RandomState(0),
        n_visible=784,
        n_hidden=k,
        activation=None,
        loss="squared_error",
    )
    before = largest_principal_angle(da.W.get_value(), Vt[:k].T)
    train(da, digits, epochs=120, lr=0.01)
    after = largest_principal_angle(da.W.get_value(), Vt[:k].T)
    assert before > 60 and after < 10
