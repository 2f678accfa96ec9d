"""Training loops of the tutorials: layer-wise pretraining, then early stopping.

Both take compiled functions (from :meth:`dae.SdA.pretraining_functions` and
:meth:`dae.SdA.build_finetune_functions`, or your own with the same calling form),
report progress through ``log`` and return plain numbers for a metrics file.
"""

import time

import numpy as np


def pretrain(pretraining_fns, n_batches, epochs, corruption_levels, learning_rate, log=print):
    """Greedy layer-wise pretraining: ``epochs`` passes of each layer in turn.

    Parameters
    ----------
    pretraining_fns : one function per layer, called ``fn(index, corruption=, lr=)``.
    n_batches : number of training minibatches.
    epochs : passes over the training set for each layer.
    corruption_levels : one corruption level per layer.
    learning_rate : learning rate of every layer.
    log : called with one line of text per epoch.

    Returns
    -------
    list, for each layer, of the mean reconstruction cost of each epoch.
    """
    start = time.perf_counter()
    costs = []
    for layer, (fn, level) in enumerate(zip(pretraining_fns, corruption_levels)):
        costs.append([])
        for epoch in range(1, epochs + 1):
            c = np.mean(
                [fn(index, corruption=level, lr=learning_rate) for index in range(n_batches)]
            )
            costs[-1].append(float(c))
            log(
                f"pretraining layer {layer + 1}, epoch {epoch}, cost {c:.4f} "
                f"({time.perf_counter() - start:.0f} s)"
            )
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
):
    """Minibatch SGD with the tutorials' patience-based early stopping.

    Training looks at ``patience`` minibatches at least (by default 10 epochs'
    worth). The validation error is measured once an epoch; a new best that beats
    the old one by the relative ``improvement_threshold`` extends patience to
    ``patience_increase`` times the current iteration, and each new best is scored
    on the test set. Training stops when patience runs out or after ``n_epochs``.

    Parameters
    ----------
    train_fn : ``train_fn(index)`` takes one step on minibatch ``index``, returns its cost.
    valid_score, test_score : return the list of minibatch error rates of a set.
    n_train_batches : number of training minibatches.
    n_epochs : the most epochs to train.
    params : shared variables to reset to their values at the best validation
        error when training ends, so they match the reported test error.
    patience : minibatches to look at regardless; ``10 * n_train_batches`` if None.
    after_epoch : called as ``after_epoch(epoch)`` after each epoch, e.g. to lower
        a shared learning rate.

    Returns
    -------
    dict with ``best_validation_error``, ``test_error`` (at the best validation
    error), ``best_epoch``, ``epochs`` run, and ``history``: one dict per epoch
    with its mean training cost, validation error and elapsed seconds.
    """
    if patience is None:
        patience = 10 * n_train_batches
    validation_frequency = max(1, min(n_train_batches, patience // 2))
    best_validation, test_error, best_epoch, best_values = np.inf, np.nan, 0, None
    history = []
    start = time.perf_counter()
    iteration = 0
    epoch = 0
    done = False
    while epoch < n_epochs and not done:
        epoch += 1
        costs = []
        for index in range(n_train_batches):
            costs.append(train_fn(index))
            iteration = (epoch - 1) * n_train_batches + index
            if (iteration + 1) % validation_frequency == 0:
                this_validation = float(np.mean(valid_score()))
                if this_validation < best_validation:
                    if this_validation < best_validation * improvement_threshold:
                        patience = max(patience, iteration * patience_increase)
                    best_validation, best_epoch = this_validation, epoch
                    test_error = float(np.mean(test_score()))
                    best_values = [p.get_value() for p in params]
            if patience <= iteration:
                done = True
                break
        record = {
            "epoch": epoch,
            "cost": float(np.mean(costs)),
            "validation_error": this_validation,
            "seconds": round(time.perf_counter() - start, 1),
        }
        history.append(record)
        if after_epoch is not None:
            after_epoch(epoch)
        log(
            f"fine-tuning epoch {epoch}, cost {record['cost']:.4f}, "
            f"validation error {100 * this_validation:.2f}% "
            f"(best {100 * best_validation:.2f}%, test {100 * test_error:.2f}%) "
            f"({record['seconds']:.0f} s)"
        )
    if best_values is not None:
        for p, value in zip(params, best_values):
            p.set_value(value)
    return {
        "best_validation_error": best_validation,
        "test_error": test_error,
        "best_epoch": best_epoch,
        "epochs": epoch,
        "history": history,
    }
