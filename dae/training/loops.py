"""The tutorials' training loops, which can stop and go on without losing work.

:func:`train_epochs` runs a compiled step over the minibatches, epoch after epoch;
:func:`pretrain` does so for each layer in turn (greedy layer-wise pretraining) and
:func:`early_stopping` is the tutorials' patience-based fine-tuning loop. Each takes
compiled functions (from :meth:`dae.SdA.pretraining_functions`,
:meth:`dae.SdA.build_finetune_functions` or your own with the same calling form)
and returns plain numbers for a metrics file.

All three report to a :class:`~dae.training.monitor.Monitor`, which draws a
progress bar, stops on a NaN or infinite cost, keeps a metrics log and, given a
folder, writes a checkpoint at the end of every epoch. A run resumed from its
checkpoint ends with exactly the parameters and metrics of a run that never
stopped.
"""

import math
from functools import partial

import numpy as np

from dae.training.monitor import Monitor
from dae.training.progress import epoch_line, finetuning_line

__all__ = ["early_stopping", "pretrain", "train_epochs"]


def train_epochs(
    step, n_batches, epochs, monitor=None, phase="training", names=("cost",), log=print
):
    """``epochs`` passes of ``step(index)`` over minibatches ``0 .. n_batches - 1``.

    Parameters
    ----------
    step : callable
        Takes one training step on minibatch ``index``; returns its cost, or a
        list of numbers whose first is the cost (e.g. a VAE's ELBO and terms).
    n_batches : int
        Number of minibatches.
    epochs : int
        Passes over the data.
    monitor : Monitor, optional
        The :class:`~dae.training.monitor.Monitor` that checkpoints the run;
        none by default.
    phase : str
        Name of this loop in the log, the metrics and the checkpoint.
    names : sequence of str
        Names of the numbers ``step`` returns, for the metrics.
    log : callable
        Called with one line of text per epoch.

    Returns
    -------
    list of dict
        One dict per epoch: ``phase``, ``epoch``, the epoch's mean of each of
        ``names``, and ``seconds`` since training began.
    """
    monitor = Monitor() if monitor is None else monitor
    loop = monitor.phase(phase, epoch=0, batch=0, batch_costs=[], history=[])
    while loop["epoch"] < epochs:
        epoch = loop["epoch"] + 1
        for index in monitor.minibatches(loop, n_batches, f"{phase}, epoch {epoch}"):
            _take_steps(step, index, n_batches, loop, monitor, phase, epoch)
        record = {"phase": phase, "epoch": epoch}
        record.update(zip(names, map(float, np.mean(loop["batch_costs"], axis=0))))
        _end_epoch(loop, monitor, record)
        log(epoch_line(record, names))
    return loop["history"]


def pretrain(
    pretraining_fns, n_batches, epochs, corruption_levels, learning_rate, log=print, monitor=None
):
    """Greedy layer-wise pretraining: ``epochs`` passes of each layer in turn.

    Parameters
    ----------
    pretraining_fns : iterable of callables
        One function per layer, called ``fn(index, corruption=, lr=)``; a
        generator such as :meth:`dae.SdA.cached_pretraining_functions` is asked
        for layer ``k + 1``'s function only once layer ``k`` is trained.
    n_batches : int
        Number of training minibatches.
    epochs : int
        Passes over the training set for each layer.
    corruption_levels : sequence of float
        One corruption level per layer.
    learning_rate : float
        Learning rate of every layer.
    log : callable
        Called with one line of text per epoch.
    monitor : Monitor, optional
        The :class:`~dae.training.monitor.Monitor`; each layer is its phase
        ``"pretraining layer k"``.

    Returns
    -------
    list of lists of float
        For each layer, the mean reconstruction cost of each epoch.
    """
    costs = []
    for layer, (fn, level) in enumerate(zip(pretraining_fns, corruption_levels), start=1):
        history = train_epochs(
            _bound(fn, corruption=level, lr=learning_rate),
            n_batches,
            epochs,
            monitor,
            phase=f"pretraining layer {layer}",
            log=log,
        )
        costs.append([record["cost"] for record in history])
    return costs


def early_stopping(
    train_fn,
    valid_score,
    test_score,
    n_train_batches,
    n_epochs,
    params=(),
    patience=None,
    patience_increase=2.0,
    improvement_threshold=0.995,
    after_epoch=None,
    log=print,
    monitor=None,
    phase="fine-tuning",
    test_each_best=True,
):
    """Minibatch SGD with the tutorials' patience-based early stopping.

    Training looks at ``patience`` minibatches at least (by default 10 epochs'
    worth). The validation error is measured once an epoch; a new best that beats
    the old one by the relative ``improvement_threshold`` extends patience to
    ``patience_increase`` times the current iteration, and each new best is scored
    on the test set. Training stops when patience runs out or after ``n_epochs``.

    Parameters
    ----------
    train_fn : callable
        ``train_fn(index)`` takes one step on minibatch ``index``, returns its cost.
    valid_score, test_score : callable
        Return the list of minibatch error rates of a set.
    n_train_batches : int
        Number of training minibatches.
    n_epochs : int
        The most epochs to train.
    params : sequence of shared variables
        Reset to their values at the best validation error when training ends, so
        they match the reported test error.
    patience : int, optional
        Minibatches to look at regardless; ``10 * n_train_batches`` if None.
    patience_increase : float
        A new best that improves enough extends patience to this many times the
        current iteration.
    improvement_threshold : float
        The relative improvement on the old best that extends patience.
    after_epoch : callable, optional
        Called as ``after_epoch(epoch)`` after each epoch, e.g. to lower a shared
        learning rate.
    log : callable
        Called with one line of text per epoch.
    monitor : Monitor, optional
        The :class:`~dae.training.monitor.Monitor` that checkpoints the run, the
        best parameters included.
    phase : str
        The loop's name in the log, the metrics and the checkpoint.
    test_each_best : bool
        True, as in the tutorials: each new best is scored on the test set when
        it is found, and each epoch's record carries that test error. False: the
        test set is scored once, at the end, with the best parameters restored
        (``params`` is then required): the same test error, in one pass over the
        test set instead of one per new best; the epochs' records carry none.

    Returns
    -------
    dict
        With ``best_validation_error``, ``test_error`` (at the best validation
        error), ``best_epoch``, ``epochs`` run, and ``history``: one dict per
        epoch with its mean training cost, the last validation error, the best so
        far, the test error of the parameters that gave it, and ``seconds``.
    """
    if not (test_each_best or params):
        raise ValueError("test_each_best=False needs params, to test the best ones at the end")
    monitor = Monitor() if monitor is None else monitor
    patience = 10 * n_train_batches if patience is None else patience
    validation_frequency = max(1, min(n_train_batches, patience // 2))
    loop = monitor.phase(phase, **_patience_loop(patience))
    validate = partial(_validate, loop, valid_score, patience_increase, improvement_threshold)
    while loop["epoch"] < n_epochs and not loop["done"]:
        epoch = loop["epoch"] + 1
        for index in monitor.minibatches(loop, n_train_batches, f"{phase}, epoch {epoch}"):
            first = (epoch - 1) * n_train_batches + index
            end = index + _steps_to_take(first, validation_frequency, loop["patience"])
            _take_steps(train_fn, index, min(end, n_train_batches), loop, monitor, phase, epoch)
            iteration = (epoch - 1) * n_train_batches + loop["batch"] - 1
            if (iteration + 1) % validation_frequency == 0 and validate(iteration, epoch):
                _keep_best(loop, monitor, test_score if test_each_best else None, params, phase)
            if loop["patience"] <= iteration:
                loop["done"] = True
                break
        record = _finetuning_record(phase, epoch, loop)
        _end_epoch(loop, monitor, record, after_epoch)
        log(finetuning_line(record))
    _restore_best(monitor, params, phase)
    best = loop["best"]
    if not test_each_best and best["epoch"] > 0:
        best["test_error"] = float(np.mean(test_score()))
    return {
        "best_validation_error": best["validation_error"],
        "test_error": best["test_error"],
        "best_epoch": best["epoch"],
        "epochs": loop["epoch"],
        "history": loop["history"],
    }


def _bound(fn, **arguments):
    """``fn`` with ``arguments`` given, and so its ``chunk``, if it has one."""
    step = partial(fn, **arguments)
    chunk = getattr(fn, "chunk", None)
    if chunk is not None:
        step.chunk = partial(chunk, **arguments)
        step.chunk.steps = chunk.steps
    return step


def _take_steps(step, index, end, loop, monitor, phase, epoch):
    """The training steps from minibatch ``index`` on, before ``end``: all of
    ``step.chunk``'s in one call where they fit, else one. Each step's numbers
    are kept and its cost checked."""
    chunk = getattr(step, "chunk", None)
    if chunk is not None and index + chunk.steps <= end:
        rows = np.asarray(chunk(index)).reshape(chunk.steps, -1)
    else:
        rows = [np.atleast_1d(step(index))]
    for offset, row in enumerate(rows):
        costs = [float(c) for c in row]
        monitor.check(costs[0], phase, epoch, index + offset)
        loop["batch_costs"].append(costs)
    loop["batch"] = index + len(rows)


def _end_epoch(loop, monitor, record, after_epoch=None):
    """Close the epoch of ``loop`` with ``record``: history, hook, metrics, checkpoint."""
    record["seconds"] = monitor.elapsed()
    loop.update(epoch=record["epoch"], batch=0, batch_costs=[])
    loop["history"].append(record)
    if after_epoch is not None:
        after_epoch(record["epoch"])
    monitor.end_epoch(record, f"{record['phase']}, epoch {record['epoch']}")


def _patience_loop(patience):
    """The state of an early-stopping loop before its first step; a checkpoint keeps it."""
    return {
        "epoch": 0,
        "batch": 0,
        "batch_costs": [],
        "history": [],
        "patience": patience,
        "done": False,
        "validation_error": math.nan,
        "best": {"validation_error": math.inf, "epoch": 0, "test_error": math.nan},
    }


def _steps_to_take(first, validation_frequency, patience):
    """How many steps one call may take from iteration ``first`` on: several steps in
    one call stop at the next validation and at the end of patience, so that each
    happens where it would one step a call (the caller stops them at the epoch's end)."""
    until_validation = validation_frequency - first % validation_frequency
    until_patience = max(1, patience - first + 1)
    return min(until_validation, until_patience)


def _validate(loop, valid_score, patience_increase, improvement_threshold, iteration, epoch):
    """Measure the validation error at ``iteration``; True if it is a new best, which,
    when it beats the old best by ``improvement_threshold``, also extends patience to
    ``patience_increase`` times the iteration."""
    error = loop["validation_error"] = float(np.mean(valid_score()))
    best = loop["best"]
    if not error < best["validation_error"]:
        return False
    if error < best["validation_error"] * improvement_threshold:
        loop["patience"] = max(loop["patience"], iteration * patience_increase)
    best.update(validation_error=error, epoch=epoch)
    return True


def _best_keys(phase, params):
    """The names under which the monitor keeps the best values of ``params``."""
    return [f"{phase}/best/{i}" for i in range(len(params))]


def _keep_best(loop, monitor, test_score, params, phase):
    """At a new best validation error: score the test set (unless ``test_score`` is
    None), and keep the parameters in the monitor's arrays (and so in its
    checkpoints)."""
    if test_score is not None:
        loop["best"]["test_error"] = float(np.mean(test_score()))
    monitor.arrays.update({k: p.get_value() for k, p in zip(_best_keys(phase, params), params)})


def _restore_best(monitor, params, phase):
    """Set ``params`` to the values kept at the best validation error, if any were."""
    for key, p in zip(_best_keys(phase, params), params):
        if key in monitor.arrays:
            p.set_value(monitor.arrays[key])


def _finetuning_record(phase, epoch, loop):
    """An early-stopping epoch's metrics: mean cost, last and best validation error,
    and the test error at the best."""
    return {
        "phase": phase,
        "epoch": epoch,
        "cost": float(np.mean(loop["batch_costs"])),
        "validation_error": loop["validation_error"],
        "test_error": loop["best"]["test_error"],
        "best_validation_error": loop["best"]["validation_error"],
    }
