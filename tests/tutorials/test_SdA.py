"""The SdA.py port: its program pretrains and fine-tunes as the tutorial's did; its
pretraining functions take the tutorial's defaults and calls; dae's own SdA is
driven the same way."""

import io
import re

import numpy
import pytensor
import SdA as tutorial
from logistic_sgd import load_data

import dae

SIZES = [100, 100, 100]
BATCH_SIZE = 10


def debugprint(fn):
    text = io.StringIO()
    pytensor.printing.debugprint(fn, file=text)
    return text.getvalue()


def test_test_SdA_pretrains_and_finetunes(mnist_pkl, capsys):
    tutorial.test_SdA(
        pretraining_epochs=2,
        pretrain_lr=0.01,  # the tutorial's 0.001 per example, for minibatches of 10
        training_epochs=3,
        dataset=mnist_pkl,
        batch_size=BATCH_SIZE,
        hidden_layers_sizes=SIZES,
    )
    out, err = capsys.readouterr()

    pretraining = re.findall(r"Pre-training layer (\d+), epoch (\d+), cost (\S+)", out)
    layer_epochs = [(int(i), int(e)) for i, e, _ in pretraining]
    assert layer_epochs == [(i, e) for i in range(3) for e in (0, 1)]
    costs = [float(c) for _, _, c in pretraining]
    for layer in range(3):
        first, second = costs[2 * layer : 2 * layer + 2]
        assert second < first, costs

    # 3,000 training examples in minibatches of 10: validated once an epoch.
    validation = [float(v) for v in re.findall(r"minibatch 300/300, validation error (\S+) %", out)]
    assert len(validation) == 3
    assert validation[-1] < validation[0], validation

    final = re.search(
        r"best validation score of (\S+) %, on iteration (\d+), with test performance (\S+) %",
        out,
    )
    best_valid, best_iter, test_error = float(final[1]), int(final[2]), float(final[3])
    assert best_valid == min(validation)
    assert best_iter == 300 * (validation.index(best_valid) + 1)
    # Chance is 90%; measured 15.4% validation and 15.8% test error.
    assert best_valid < 22 and test_error < 22, out
    assert "The pretraining code" in err and "The training code" in err


def test_SdA_pretraining_functions_the_tutorial_way(mnist_pkl):
    datasets = load_data(mnist_pkl)
    train_set_x = datasets[0][0]

    def build():
        sda = tutorial.SdA(
            numpy_rng=numpy.random.RandomState(1), n_ins=28 * 28, hidden_layers_sizes=[50, 50]
        )
        return sda, sda.pretraining_functions(train_set_x=train_set_x, batch_size=BATCH_SIZE)

    sda, fns = build()
    for dA_layer, layer in zip(sda.dA_layers, sda.sigmoid_layers):
        assert dA_layer.W is layer.W and dA_layer.b is layer.b
    assert len(sda.params) == 2 * 2 + 2

    for fn in fns:
        assert "sigmoid" in debugprint(fn)
        # Every call draws a new mask: at the default corruption (0.2) the same
        # minibatch costs something else each time, at corruption 0 the same.
        assert len({float(fn(0, lr=0.0)) for _ in range(5)}) == 5
        assert len({float(fn(index=0, corruption=0.0, lr=0.0)) for _ in range(3)}) == 1

    # The default learning rate is 0.1: a twin SdA stepped with lr=0.1 given
    # explicitly ends with the same weights.
    twin, twin_fns = build()
    W0 = sda.sigmoid_layers[0].W.get_value().copy()
    fns[0](0, corruption=0.0)
    twin_fns[0](0, 0.0, 0.1)
    W = sda.sigmoid_layers[0].W.get_value()
    assert not numpy.array_equal(W, W0)
    numpy.testing.assert_allclose(W, twin.sigmoid_layers[0].W.get_value(), rtol=1e-5)


def test_dae_SdA_the_tutorial_way(mnist_pkl):
    datasets = load_data(mnist_pkl)  # labels are T.cast(shared_y, 'int32') expressions
    train_set_x = datasets[0][0]
    n_train_batches = train_set_x.get_value(borrow=True).shape[0] // BATCH_SIZE

    numpy_rng = numpy.random.RandomState(89677)
    sda = dae.SdA(numpy_rng=numpy_rng, n_ins=28 * 28, hidden_layers_sizes=SIZES, n_outs=10)

    pretraining_fns = sda.pretraining_functions(train_set_x=train_set_x, batch_size=BATCH_SIZE)
    assert len(pretraining_fns) == 3
    for i, fn in enumerate(pretraining_fns):
        assert "sigmoid" in debugprint(fn)
        # The same step by keyword and by position.
        assert float(fn(index=0, corruption=0.0, lr=0.0)) == float(fn(0, 0.0, 0.0))
        # Two passes over half the training set, the first called by keyword.
        batches = range(n_train_batches // 2)
        by_keyword = [fn(index=b, corruption=0.2, lr=0.1) for b in batches]
        by_position = [fn(b, 0.2, 0.1) for b in batches]
        assert numpy.mean(by_position) < 0.95 * numpy.mean(by_keyword), i

    train_fn, valid_score, test_score = sda.build_finetune_functions(
        datasets=datasets, batch_size=BATCH_SIZE, learning_rate=0.1
    )
    validation = []
    for _epoch in range(2):
        costs = [float(train_fn(b)) for b in range(n_train_batches)]
        assert numpy.isfinite(costs).all()
        losses = valid_score()
        assert isinstance(losses, list) and len(losses) == 1000 // BATCH_SIZE
        validation.append(numpy.mean(losses))
    assert validation[-1] < validation[0], validation
    test_losses = test_score()
    assert isinstance(test_losses, list) and len(test_losses) == 1000 // BATCH_SIZE
    # Chance is 0.9; measured 0.136 validation and 0.135 test error.
    assert validation[-1] < 0.18 and numpy.mean(test_losses) < 0.18, validation
