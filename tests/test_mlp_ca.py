"""The tutorials' MLP and contractive autoencoder: gradients, penalty, training, saving."""

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest
from helpers.gradcheck import assert_gradients_match

import dae
import dae.models
from dae import dA
from dae.models.ca import cA
from dae.models.mlp import MLP
from dae.objectives import categorical_crossentropy_from_logits, jacobian_norm


def mlp_cost(classifier, y, L1_reg=0.01, L2_reg=0.001):
    """The tutorial's training cost: NLL plus both regularisers."""
    nll = classifier.negative_log_likelihood(y)
    return nll + L1_reg * classifier.L1 + L2_reg * classifier.L2_sqr


def test_the_mlp_cost_has_the_gradient_of_finite_differences():
    rng = np.random.RandomState(1)
    x = pt.dmatrix("x")
    classifier = MLP(rng, x, n_in=6, n_hidden=4, n_out=3)
    for p in classifier.params:  # away from |W|'s kink at 0
        shape = p.get_value().shape
        p.set_value(rng.uniform(0.1, 1, shape) * rng.choice([-1, 1], shape))
    y = pt.as_tensor(np.array([0, 2, 1, 2, 0], dtype="int32"))
    assert_gradients_match(mlp_cost(classifier, y), x, classifier.params, rng.rand(5, 6))


def test_the_ca_cost_has_the_gradient_of_finite_differences():
    rng = np.random.RandomState(2)
    ca = cA(rng, input=pt.dmatrix("x"), n_visible=6, n_hidden=4, n_batchsize=5)
    ca.b.set_value(rng.uniform(-1, 1, 4))
    ca.b_prime.set_value(rng.uniform(-1, 1, 6))
    cost, _ = ca.get_cost_updates(contraction_level=0.3, learning_rate=0.1)
    assert_gradients_match(cost, ca.x, ca.params, rng.rand(5, 6), atol=1e-6)


def test_the_jacobian_penalty_is_the_squared_norm_of_the_encoders_jacobian():
    rng = np.random.RandomState(3)
    ca = cA(rng, input=pt.dmatrix("x"), n_visible=5, n_hidden=4, n_batchsize=3)
    ca.b.set_value(rng.uniform(-1, 1, 4))
    x = rng.rand(3, 5)
    ca.get_cost_updates(contraction_level=0.1, learning_rate=0.1)
    h = ca.get_hidden_values(ca.x)
    J = ca.get_jacobian(h, ca.W)
    full, penalty, jacobians = pytensor.function(
        [ca.x], [pt.sum(J**2) / ca.n_batchsize, ca.L_jacob, J]
    )(x)
    # Autodiff's Jacobian of each example's code, from one row at a time.
    row = pt.dmatrix("row")
    code = ca.get_hidden_values(row)[0]
    autodiff = pytensor.function([row], pytensor.gradient.jacobian(code, row)[:, 0, :])
    expected = [autodiff(x[k : k + 1]) for k in range(3)]  # (n_hidden, n_visible) each
    assert jacobians.shape == (3, 5, 4)
    for k in range(3):
        np.testing.assert_allclose(jacobians[k], expected[k].T, rtol=1e-10)
    mean_norm = np.mean([np.sum(e**2) for e in expected])
    np.testing.assert_allclose(full, mean_norm, rtol=1e-10)
    np.testing.assert_allclose(penalty, mean_norm, rtol=1e-10)


def test_the_ca_and_the_contractive_da_pay_the_same_penalty():
    rng = np.random.RandomState(4)
    x = rng.rand(5, 6)
    ca = cA(rng, input=pt.dmatrix("x"), n_visible=6, n_hidden=4, n_batchsize=5)
    ca.b.set_value(rng.uniform(-1, 1, 4))
    ca.b_prime.set_value(rng.uniform(-1, 1, 6))
    shared = {"W": ca.W, "bhid": ca.b, "bvis": ca.b_prime}
    contractive = dA(
        rng,
        input=ca.x,
        n_visible=6,
        n_hidden=4,
        noise="masking",
        contraction_level=0.7,
        **shared,
    )
    plain = dA(rng, input=ca.x, n_visible=6, n_hidden=4, noise="masking", **shared)
    ca_cost, _ = ca.get_cost_updates(contraction_level=0.7, learning_rate=0.1)
    got = pytensor.function(
        [ca.x],
        [
            ca_cost,
            np.float32(0.7) * ca.L_jacob,  # the constant the models make of 0.7
            contractive.get_reconstruction_cost(0.0),
            contractive.get_reconstruction_cost(0.0) - plain.get_reconstruction_cost(0.0),
        ],
    )(x)
    ca_cost, ca_term, da_cost, da_term = got
    assert ca_term > 0.01
    np.testing.assert_allclose(ca_term, da_term, rtol=1e-10)
    np.testing.assert_allclose(ca_cost, da_cost, rtol=1e-10)


def test_jacobian_norm_takes_the_slope_and_the_weights():
    rng = np.random.RandomState(5)
    slope, W = rng.rand(3, 4), rng.randn(5, 4)
    got = jacobian_norm(pt.as_tensor(slope), pt.as_tensor(W)).eval()
    expected = np.sum((slope[:, None, :] * W[None, :, :]) ** 2, axis=(1, 2))
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_the_categorical_crossentropy_is_the_log_softmax_nll_and_its_gradient():
    """The label's negative log-probability and softmax(a) - onehot(y), finite for
    logits far beyond exp's float32 range; with and without a static class count."""
    rng = np.random.RandomState(6)
    logits = np.concatenate([rng.randn(4, 5), [[1000.0, -1000.0, 0.0, 999.0, 2.0]]])
    y = np.array([0, 4, 2, 1, 3])
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    softmax = np.exp(log_p)
    for a in (pt.dmatrix("a"), pt.tensor("a", dtype="float64", shape=(None, 5))):
        cost = categorical_crossentropy_from_logits(a, pt.as_tensor(y))
        grad = pytensor.grad(cost.sum(), a)
        got, got_grad = pytensor.function([a], [cost, grad])(logits)
        np.testing.assert_allclose(got, -log_p[np.arange(5), y], rtol=1e-12)
        np.testing.assert_allclose(got_grad, softmax - np.eye(5)[y], atol=1e-12)


def test_the_mlp_shares_its_layers_parameters():
    classifier = MLP(np.random.RandomState(0), pt.matrix("x"), n_in=6, n_hidden=4, n_out=3)
    hidden, logistic = classifier.hiddenLayer, classifier.logRegressionLayer
    assert classifier.params[0] is hidden.W and classifier.params[1] is hidden.b
    assert classifier.params[2] is logistic.W and classifier.params[3] is logistic.b
    assert logistic.input is hidden.output and hidden.input is classifier.input
    assert hidden.activation is pt.tanh
    assert classifier.negative_log_likelihood == logistic.negative_log_likelihood
    assert classifier.errors == logistic.errors
    W = hidden.W.get_value()
    assert np.abs(W).max() <= np.sqrt(6.0 / (6 + 4)) and np.abs(W).max() > 0.5
    expected = np.abs(W).sum(), (W**2).sum()  # the logistic weights start at zero
    got = pytensor.function([], [classifier.L1, classifier.L2_sqr])()
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_the_mlp_learns_the_sample_digits(sample):
    (train_set_x, train_set_y), _, _ = sample
    batch_size, n_batches, learning_rate = 20, 25, 0.1  # 500 training digits
    index, x, y = pt.lscalar("index"), pt.matrix("x"), pt.ivector("y")
    classifier = MLP(np.random.RandomState(1234), x, n_in=784, n_hidden=50, n_out=10)
    cost = mlp_cost(classifier, y, L1_reg=0.0, L2_reg=0.0001)
    updates = [(p, p - learning_rate * pytensor.grad(cost, p)) for p in classifier.params]
    batch = slice(index * batch_size, (index + 1) * batch_size)
    train_model = pytensor.function(
        [index],
        cost,
        updates=updates,
        givens={x: train_set_x[batch], y: train_set_y[batch]},
    )
    train_errors = pytensor.function(
        [],
        classifier.errors(y),
        givens={x: train_set_x[: n_batches * batch_size], y: train_set_y[: n_batches * batch_size]},
    )
    before = float(train_errors())
    for _ in range(12):  # 300 steps
        for i in range(n_batches):
            train_model(i)
    after = float(train_errors())
    assert before > 0.7 and after < 0.15


def train_ca(train_set_x, contraction_level, epochs=4, batch_size=20, n_batches=25):
    """The tutorial's test_cA on 500 digits; returns the cA and the epochs' mean costs."""
    index = pt.lscalar("index")
    ca = cA(np.random.RandomState(123), n_visible=784, n_hidden=50, n_batchsize=batch_size)
    cost, updates = ca.get_cost_updates(contraction_level=contraction_level, learning_rate=0.01)
    train = pytensor.function(
        [index],
        [cost, pt.mean(ca.L_rec), ca.L_jacob],
        updates=updates,
        givens={ca.x: train_set_x[index * batch_size : (index + 1) * batch_size]},
    )
    costs = []
    for _ in range(epochs):
        c = np.array([train(i) for i in range(n_batches)])
        costs.append(c[:, 0].mean())
        assert np.isfinite(np.mean(np.sqrt(c[:, 2])))  # what the tutorial prints
    return ca, costs


def test_the_ca_lowers_its_cost_and_contracts_more_at_a_higher_level(sample):
    (train_set_x, _), _, _ = sample
    data = train_set_x.get_value()[:500]
    norms = []
    for level in (0.0, 3.0):
        ca, costs = train_ca(train_set_x, level)
        assert costs[-1] < 0.9 * costs[0]
        # A cA on the same weights, its penalty averaged over all 500 digits.
        whole = cA(
            np.random.RandomState(0),
            n_visible=784,
            n_hidden=50,
            n_batchsize=500,
            W=ca.W,
            bhid=ca.b,
            bvis=ca.b_prime,
        )
        whole.get_cost_updates(level, 0.01)
        norms.append(float(pytensor.function([whole.x], whole.L_jacob)(data)))
    assert norms[1] < 0.5 * norms[0]


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="n_batchsize"):
        cA(np.random.RandomState(0), n_visible=4, n_hidden=2, n_batchsize=0)
    with pytest.raises(ValueError, match="contraction_level"):
        cA(np.random.RandomState(0), n_visible=4, n_hidden=2).get_cost_updates(-0.1, 0.1)
    with pytest.raises(ValueError, match="n_hidden"):
        MLP(np.random.RandomState(0), pt.matrix("x"), n_in=4, n_hidden=0, n_out=2)


@pytest.mark.parametrize("activation", [pt.tanh, dae.activations.relu])
def test_a_loaded_mlp_keeps_its_activation_and_shares_its_layers(activation, tmp_path):
    # Save, load and pickle round trips of every model are in test_persistence.py.
    path = tmp_path / "mlp.npz"
    MLP(np.random.RandomState(1), pt.matrix("x"), 6, 4, 3, activation).save(path)
    for loaded in (MLP.load(path), dae.models.load(path, input=pt.matrix("x"))):
        assert list(loaded.named_params()) == ["W1", "b1", "W_out", "b_out"]
        assert loaded.hiddenLayer.activation is activation
        assert loaded.params[0] is loaded.hiddenLayer.W  # still one set of weights


def test_an_mlp_with_an_unnamed_activation_is_not_saved(tmp_path):
    classifier = MLP(np.random.RandomState(1), pt.matrix("x"), 6, 4, 3, activation=pt.sin)
    with pytest.raises(ValueError, match="has no name"):
        classifier.save(tmp_path / "mlp.npz")
