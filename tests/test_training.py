"""The training loops, driven by stand-in functions with known behaviour."""

import numpy as np
import pytensor
import pytest

from dae.training import early_stopping, pretrain


def test_pretrain_runs_each_layer_in_turn_with_its_corruption():
    calls = []

    def layer(k):
        def fn(index, corruption, lr):
            calls.append((k, index, corruption, lr))
            return float(k + index)

        return fn

    costs = pretrain(
        [layer(0), layer(1)], 3, 2, corruption_levels=[0.1, 0.3], learning_rate=0.05, log=print
    )
    assert costs == [[1.0, 1.0], [2.0, 2.0]]
    assert calls[:3] == [(0, 0, 0.1, 0.05), (0, 1, 0.1, 0.05), (0, 2, 0.1, 0.05)]
    assert [c[0] for c in calls] == [0] * 6 + [1] * 6


def run(errors, n_train_batches=10, n_epochs=100, **kwargs):
    """Early stopping on a scripted sequence of validation errors, one per epoch."""
    param = pytensor.shared(np.float32(0))
    steps = []
    scores = iter(errors)

    def train_fn(index):
        steps.append(index)
        param.set_value(np.float32(len(steps)))
        return 1.0

    def valid_score():
        return [next(scores)]

    result = early_stopping(
        train_fn,
        valid_score,
        lambda: [0.5 * param.get_value()],
        n_train_batches,
        n_epochs,
        params=[param],
        log=lambda s: None,
        **kwargs,
    )
    return result, steps, param


def test_early_stopping_stops_when_patience_runs_out():
    # Improves until epoch 6, then never again: patience is max(10 epochs, 2 x iteration).
    errors = [0.5, 0.4, 0.3, 0.2, 0.15, 0.1] + [0.2] * 100
    result, steps, param = run(errors)
    assert result["best_epoch"] == 6
    assert result["best_validation_error"] == pytest.approx(0.1)
    # Best found at iteration 59 -> patience 118, so training stops during epoch 12.
    assert result["epochs"] == 12
    assert len(steps) == 119
    # The parameter is restored to its value at the best validation error...
    assert param.get_value() == 60
    # ...and the test error is the one measured then.
    assert result["test_error"] == pytest.approx(30)
    assert len(result["history"]) == 12


def test_small_improvements_do_not_extend_patience():
    errors = [0.5] + [0.5 * (0.999**k) for k in range(1, 100)]
    result, steps, _ = run(errors)
    # Each epoch is a new best, but never by 0.5%: patience stays at 10 epochs
    # (100 minibatches), which run out at the first minibatch of epoch 11.
    assert result["epochs"] == 11 and len(steps) == 101
    assert result["best_epoch"] == 10


def test_n_epochs_caps_training():
    result, steps, _ = run([1.0 / k for k in range(1, 100)], n_epochs=4)
    assert result["epochs"] == 4 and len(steps) == 40


def test_tiny_patience_still_validates():
    result, steps, _ = run([0.5] * 30, patience=1)
    # Validation every minibatch (not a division by zero); no improvement after
    # the first, so patience 1 ends training at the second minibatch.
    assert len(steps) == 2 and result["epochs"] == 1
