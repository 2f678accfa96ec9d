"""The mlp.py port, on plain PyTensor, runs on the sample as the tutorial did on MNIST."""

import re

import mlp
import numpy as np
import pytensor as theano
import pytensor.tensor as T
from logistic_sgd import load_data
from mlp import MLP, HiddenLayer

import dae


def test_hidden_layer_widens_sigmoid_weights():
    x = T.matrix("x")
    tanh_layer = HiddenLayer(np.random.RandomState(1), x, 784, 50)
    sigmoid_layer = HiddenLayer(np.random.RandomState(1), x, 784, 50, activation=T.sigmoid)
    np.testing.assert_allclose(sigmoid_layer.W.get_value(), 4 * tanh_layer.W.get_value())
    assert np.abs(tanh_layer.W.get_value()).max() <= np.sqrt(6.0 / (784 + 50))


def test_hand_written_grad_updates_match_numpy(mnist_pkl, sample_arrays):
    (train_set_x, train_set_y), _, _ = load_data(mnist_pkl)
    batch_size, learning_rate, L1_reg, L2_reg = 20, 0.01, 0.001, 0.0001
    index, x, y = T.lscalar(), T.matrix("x"), T.ivector("y")
    classifier = MLP(np.random.RandomState(1234), x, n_in=28 * 28, n_hidden=16, n_out=10)
    assert isinstance(classifier.logRegressionLayer, dae.LogisticRegression)
    cost = (
        classifier.negative_log_likelihood(y) + L1_reg * classifier.L1 + L2_reg * classifier.L2_sqr
    )
    gparams = [T.grad(cost, param) for param in classifier.params]
    updates = [
        (param, param - learning_rate * gparam)
        for param, gparam in zip(classifier.params, gparams, strict=True)
    ]
    givens = {
        x: train_set_x[index * batch_size : (index + 1) * batch_size],
        y: train_set_y[index * batch_size : (index + 1) * batch_size],
    }
    gradients = theano.function([index], gparams, givens=givens)
    train_model = theano.function([index], cost, updates=updates, givens=givens)

    # The output layer's weights start at zero: give them values, so that the
    # gradient reaching the hidden layer is not zero.
    W2 = classifier.logRegressionLayer.W
    W2.set_value(np.random.RandomState(5).normal(0, 0.1, W2.get_value().shape).astype("float32"))

    # The MLP's cost and gradients written out in numpy, in float64.
    train_x, train_y = sample_arrays[0]
    xb, yb = train_x[40:60].astype(np.float64), train_y[40:60]
    W1, b1, W2, b2 = (p.get_value().astype(np.float64) for p in classifier.params)
    h = np.tanh(xb @ W1 + b1)
    logits = h @ W2 + b2
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    n = len(yb)
    nll = -np.mean(np.log(p[np.arange(n), yb]))
    expected_cost = nll + L1_reg * (abs(W1).sum() + abs(W2).sum())
    expected_cost += L2_reg * ((W1**2).sum() + (W2**2).sum())
    d_logits = (p - np.eye(10)[yb]) / n
    d_h = d_logits @ W2.T * (1 - h**2)
    expected = [
        xb.T @ d_h + L1_reg * np.sign(W1) + 2 * L2_reg * W1,
        d_h.sum(axis=0),
        h.T @ d_logits + L1_reg * np.sign(W2) + 2 * L2_reg * W2,
        d_logits.sum(axis=0),
    ]
    for got, want in zip(gradients(2), expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-6)

    before = [p.get_value() for p in classifier.params]
    assert np.isclose(train_model(2), expected_cost, rtol=1e-5)
    for param, old, want in zip(classifier.params, before, expected, strict=True):
        np.testing.assert_allclose(param.get_value(), old - learning_rate * want, atol=1e-7)

    # Repeated steps on the minibatch bring its cost down, step after step.
    costs = [float(train_model(2)) for _ in range(20)]
    assert all(b < a for a, b in zip(costs, costs[1:]))


def test_test_mlp_learns(mnist_pkl, capsys):
    # Imported as mlp.test_mlp: pytest would collect a bare test_mlp as a test.
    mlp.test_mlp(n_epochs=4, dataset=mnist_pkl, n_hidden=100)
    out = capsys.readouterr().out

    validation = [float(v) for v in re.findall(r"validation error ([\d.]+) %", out)]
    assert len(validation) == 4  # validated once an epoch (150 minibatches of 20)
    assert all(b < a for a, b in zip(validation, validation[1:]))
    best = re.search(
        r"Best validation score of ([\d.]+) % obtained at iteration (\d+),"
        r" with test performance ([\d.]+) %",
        out,
    )
    best_valid, best_iter, test_score = float(best[1]), int(best[2]), float(best[3])
    assert best_valid == min(validation)
    assert best_iter == 4 * 150
    # Measured 16.7 % and 18.0 %; chance is 90 %.
    assert best_valid < 25.0 and test_score < 25.0
