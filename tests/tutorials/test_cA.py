"""The cA.py port runs on the sample as the tutorial did on MNIST."""

import os
import re

import cA
import numpy as np
from PIL import Image

import dae.theano as theano
import dae.theano.tensor as T


def test_cost_terms_match_numpy(sample_arrays):
    n_batchsize, n_hidden, contraction_level = 4, 6, 0.1
    x = T.matrix("x")
    ca = cA.cA(np.random.RandomState(123), input=x, n_hidden=n_hidden, n_batchsize=n_batchsize)
    ca.b.set_value(np.linspace(-1, 1, n_hidden).astype("float32"))
    cost, updates = ca.get_cost_updates(contraction_level, learning_rate=0.01)
    hidden = ca.get_hidden_values(x)
    J = ca.get_jacobian(hidden, ca.W)
    J0 = theano.gradient.jacobian(hidden[0], x)
    terms = theano.function([x], [ca.L_rec, ca.L_jacob, cost, J, J0])
    xb = sample_arrays[0][0][:n_batchsize]
    L_rec, L_jacob, got_cost, J, J0 = terms(xb)

    W, b, b_prime = (p.get_value().astype(np.float64) for p in ca.params)
    h = 1 / (1 + np.exp(-(xb @ W + b)))
    z = 1 / (1 + np.exp(-(h @ W.T + b_prime)))
    want_rec = -np.sum(xb * np.log(z) + (1 - xb) * np.log(1 - z), axis=1)
    want_J = (h * (1 - h))[:, None, :] * W[None, :, :]
    want_jacob = np.sum(want_J**2) / n_batchsize

    # One cross-entropy per example.
    assert L_rec.shape == (n_batchsize,)
    np.testing.assert_allclose(L_rec, want_rec, rtol=1e-4)
    np.testing.assert_allclose(J, want_J, rtol=1e-4, atol=1e-7)
    # get_jacobian is the true Jacobian dh/dx: that of the first example, by autodiff.
    np.testing.assert_allclose(J[0], J0[:, 0, :].T, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(L_jacob, want_jacob, rtol=1e-4)
    want_cost = want_rec.mean() + contraction_level * want_jacob
    np.testing.assert_allclose(got_cost, want_cost, rtol=1e-4)


def test_cA_takes_shared_weights():
    W = theano.shared(np.zeros((784, 100), dtype=theano.config.floatX), name="W")
    ca = cA.cA(np.random.RandomState(123), W=W)
    assert ca.W is W


def test_test_cA_trains_and_saves_filters(mnist_pkl, capsys, tmp_path):
    # Called as cA.test_cA: pytest would collect a bare test_cA as a test.
    cA.test_cA(training_epochs=3, dataset=mnist_pkl, batch_size=20, n_hidden=100)
    out = capsys.readouterr().out

    lines = re.findall(
        r"Training epoch (\d+), reconstruction cost\s+([\d.]+)\s+jacobian norm\s+([\d.]+)", out
    )
    assert [int(epoch) for epoch, _, _ in lines] == [0, 1, 2]
    costs = [float(c) for _, c, _ in lines]
    norms = [float(j) for _, _, j in lines]
    assert costs[0] > costs[1] > costs[2]
    assert norms[0] > norms[1] > norms[2] > 0
    # Measured 148.6; a sigmoid reconstruction of 0.5 everywhere costs 784 ln 2 = 543.
    assert costs[-1] < 200

    # It wrote into its output folder and came back.
    assert os.getcwd() == str(tmp_path)
    with Image.open(tmp_path / "cA_plots" / "cae_filters.png") as image:
        image.load()
        # 10 x 10 tiles of 28 x 28 pixels, 1 pixel apart.
        assert image.size == (10 * 28 + 9, 10 * 28 + 9)
        pixels = np.asarray(image)
    assert pixels.std() > 10
