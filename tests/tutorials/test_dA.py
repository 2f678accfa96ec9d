"""The dA.py port: its program trains and draws filters as the tutorial's did, and its
dA draws fresh float32 corruption masks on every call."""

import io
import os
import re

import dA as tutorial
import numpy
import pytensor
from logistic_sgd import load_data
from PIL import Image

import dae.theano as theano
import dae.theano.tensor as T

EPOCHS = 3


def test_test_dA_trains_clean_and_corrupted_and_saves_filters(mnist_pkl, capsys, tmp_path):
    tutorial.test_dA(training_epochs=EPOCHS, dataset=mnist_pkl)
    out, err = capsys.readouterr()

    lines = re.findall(r"Training epoch (\d+), cost\s+(\S+)", out)
    assert [int(e) for e, _ in lines] == list(range(EPOCHS)) * 2
    costs = [float(c) for _, c in lines]
    clean, corrupted = costs[:EPOCHS], costs[EPOCHS:]
    for run in (clean, corrupted):
        assert all(later < earlier for earlier, later in zip(run, run[1:])), costs
    # Reconstructing from a damaged copy is harder: at equal epochs, the 30% run's
    # cost stays above the clean run's (measured: about 84 against 67 after 3 epochs).
    assert all(c30 > c0 + 5 for c0, c30 in zip(clean, corrupted)), costs
    # An untrained dA starts near 784 * log(2) = 543 nats per image.
    assert clean[-1] < 80 and corrupted[-1] < 100, costs
    assert "The no corruption code" in err and "The 30% corruption code" in err

    # The tutorial works in output_folder and steps back out of it at the end.
    assert os.getcwd() == str(tmp_path)
    pixels = []
    for name in ("filters_corruption_0.png", "filters_corruption_30.png"):
        with Image.open(tmp_path / "dA_plots" / name) as image:
            # 10 x 10 tiles of 28 x 28 pixels, one pixel apart.
            assert image.size == (289, 289)
            assert image.mode == "L"
            pixels.append(numpy.asarray(image))
    assert all(p.std() > 10 for p in pixels)
    assert (pixels[0] != pixels[1]).any()


def test_dA_masks_are_float32_and_change_on_every_call(mnist_pkl):
    train_set_x, _ = load_data(mnist_pkl)[0]
    x = T.matrix("x")
    # No theano_rng: the dA makes its own RandomStreams, as in the tutorial.
    da = tutorial.dA(numpy_rng=numpy.random.RandomState(123), input=x, n_visible=784, n_hidden=50)

    tilde_x = da.get_corrupted_input(x, 0.3)
    assert tilde_x.dtype == "float32"  # an integer mask would make the product float64
    corrupt = theano.function([x], tilde_x)
    ones = numpy.ones((500, 784), dtype="float32")
    first, second = corrupt(ones), corrupt(ones)  # on ones, the output is the mask
    assert first.dtype == numpy.float32
    assert set(numpy.unique(first)) == {0.0, 1.0}
    assert abs(first.mean() - 0.7) < 0.01
    assert (first != second).any()

    # The updates are the parameters' alone, yet each call draws a new mask: with a
    # zero learning rate, the same minibatch costs something else every time.
    index = T.lscalar()
    batch_size = 20
    cost, updates = da.get_cost_updates(corruption_level=0.5, learning_rate=0.0)
    assert [param for param, _ in updates] == da.params
    train_da = theano.function(
        [index],
        cost,
        updates=updates,
        givens={x: train_set_x[index * batch_size : (index + 1) * batch_size]},
    )
    costs = {float(train_da(0)) for _ in range(5)}
    assert len(costs) == 5

    text = io.StringIO()
    pytensor.printing.debugprint(train_da, file=text)
    assert "sigmoid" in text.getvalue()
