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


def run(errors, n_train_batches=10, n_epochs=100, chunk=1, **kwargs):
    """Early stopping on a scripted sequence of validation errors, one per epoch;
    with ``chunk`` above 1, ``train_fn`` also takes that many steps per call."""
    param = pytensor.shared(np.float32(0))
    steps = []
    scores = iter(errors)

    def train_fn(index):
        steps.append(index)
        param.set_value(np.float32(len(steps)))
        return 1.0

    if chunk > 1:

        def several(index):
            several.calls += 1
            return [train_fn(index + offset) for offset in range(chunk)]

        several.steps, several.calls = chunk, 0
        train_fn.chunk = several

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
    for record in result["history"]:
        del record["seconds"]  # the clock's, which two runs need not share
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


@pytest.mark.parametrize("chunk", [3, 4, 7])
@pytest.mark.parametrize(
    "errors, options",
    [
        ([0.5, 0.4, 0.3, 0.2, 0.15, 0.1] + [0.2] * 100, {}),  # patience ends in epoch 12
        ([0.5] + [0.5 * (0.999**k) for k in range(1, 100)], {}),  # ... at epoch 11's start
        ([0.5] * 30, {"patience": 1}),  # validation after every minibatch
        ([0.5, 0.4, 0.3] + [0.35] * 100, {"patience": 25}),  # validation every 10
    ],
)
def test_several_steps_a_call_take_the_steps_of_one_a_call(chunk, errors, options):
    """A train_fn with a ``chunk`` of several steps: the same steps, validations,
    best and stop as one step a call; calls stop at each validation and at the
    end of patience."""
    result, steps, param = run(errors, **options)
    chunked, chunked_steps, chunked_param = run(errors, chunk=chunk, **options)
    assert chunked_steps == steps and chunked == result
    assert chunked_param.get_value() == param.get_value()


def test_a_chunk_is_used_where_it_fits():
    calls = []

    def train_fn(index):
        calls.append(("one", index))
        return 1.0

    def chunk(index, corruption, lr):
        calls.append(("chunk", index))
        return [2.0, 2.0, 2.0]

    chunk.steps = 3

    def fn(index, corruption, lr):
        return train_fn(index)

    fn.chunk = chunk
    costs = pretrain([fn], 8, 1, corruption_levels=[0.1], learning_rate=0.05, log=print)
    # 8 minibatches: 0-2 and 3-5 in chunks of 3, then 6 and 7 one by one.
    assert calls == [("chunk", 0), ("chunk", 3), ("one", 6), ("one", 7)]
    assert costs == [[(6 * 2.0 + 2 * 1.0) / 8]]
