"""The logistic_sgd.py port runs on the sample as the tutorial did on MNIST."""

import os
import pickle
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytensor
from logistic_sgd import load_data, predict, sgd_optimization_mnist

import dae
import dae.theano as theano
import dae.theano.tensor as T

HERE = Path(__file__).resolve().parent


def test_load_data_gives_cast_labels_that_dae_accepts(mnist_pkl, sample_arrays):
    (train_x, train_y), (valid_x, valid_y), (test_x, test_y) = load_data(mnist_pkl)
    for (x, y), (x0, y0) in zip(
        [(train_x, train_y), (valid_x, valid_y), (test_x, test_y)], sample_arrays
    ):
        assert x.dtype == "float32"
        np.testing.assert_array_equal(x.get_value(), x0)
        # The labels are not a shared variable but a symbolic cast of a float one.
        assert not isinstance(y, pytensor.compile.SharedVariable)
        assert y.dtype == "int32" and y.ndim == 1
        (stored,) = y.owner.inputs
        assert isinstance(stored, pytensor.compile.SharedVariable)
        assert stored.dtype == theano.config.floatX
        np.testing.assert_array_equal(y.eval(), y0)

    # dae's LogisticRegression takes those labels through the tutorial's slice givens.
    index, batch_size = T.lscalar(), 500
    x, y = T.matrix("x"), T.ivector("y")
    classifier = dae.LogisticRegression(input=x, n_in=28 * 28, n_out=10)
    givens = {
        x: train_x[index * batch_size : (index + 1) * batch_size],
        y: train_y[index * batch_size : (index + 1) * batch_size],
    }
    score = theano.function(
        [index], [classifier.negative_log_likelihood(y), classifier.errors(y)], givens=givens
    )
    nll, err = score(1)
    # Zero weights: every class has probability 1/10 and argmax picks class 0.
    assert np.isclose(nll, np.log(10), rtol=1e-5)
    assert np.isclose(err, np.mean(sample_arrays[0][1][500:1000] != 0))


def test_sgd_optimization_mnist_learns_and_pickles_the_best_model(mnist_pkl, sample_arrays, capsys):
    sgd_optimization_mnist(n_epochs=5, dataset=mnist_pkl, batch_size=100)
    out = capsys.readouterr().out

    validation = [float(v) for v in re.findall(r"validation error ([\d.]+) %", out)]
    assert len(validation) == 5  # validated once an epoch (30 minibatches)
    assert validation[-1] < validation[0]
    best = re.search(r"best validation score of ([\d.]+) %, with test performance ([\d.]+) %", out)
    best_valid, test_score = float(best[1]), float(best[2])
    assert best_valid == min(validation)
    # Measured 11.5 % and 11.4 %; chance is 90 %.
    assert best_valid < 15.0 and test_score < 15.0
    assert "The code run for 5 epochs" in out

    # best_model.pkl is the best model: its test error is the printed one.
    with open("best_model.pkl", "rb") as f:
        classifier = pickle.load(f)
    predict_model = theano.function(inputs=[classifier.input], outputs=classifier.y_pred)
    test_x, test_y = sample_arrays[2]
    y_pred = predict_model(test_x)
    assert np.isclose(100.0 * np.mean(y_pred != test_y), test_score, atol=1e-4)
    # ... and its graph is still tied to its own weights.
    logits = test_x @ classifier.W.get_value() + classifier.b.get_value()
    np.testing.assert_array_equal(y_pred, logits.argmax(axis=1))

    # predict() reads best_model.pkl and mnist.pkl.gz from the working directory.
    os.symlink(mnist_pkl, "mnist.pkl.gz")
    predict()
    out = capsys.readouterr().out
    assert "Predicted values for the first 10 examples in test set:" in out
    printed = [int(v) for v in re.search(r"\[([\d\s]+)\]", out)[1].split()]
    assert printed == y_pred[:10].tolist()

    # A fresh interpreter, as a later run of the program, loads the pickle too.
    path = os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])
    env = dict(os.environ, PYTHONPATH=path)
    run = subprocess.run(
        [sys.executable, "-c", "import logistic_sgd; logistic_sgd.predict()"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert run.stdout.splitlines()[-1] == out.splitlines()[-1]
