"""Training loops of the tutorials, which can stop and go on without losing work.

:func:`train_epochs` runs a compiled step over the minibatches, epoch after epoch;
:func:`pretrain` does so for each layer in turn (greedy layer-wise pretraining) and
:func:`early_stopping` is the tutorials' patience-based fine-tuning loop. Each takes
compiled functions (from :meth:`dae.SdA.pretraining_functions`,
:meth:`dae.SdA.build_finetune_functions` or your own with the same calling form)
and returns plain numbers for a metrics file.

All three report to a :class:`Monitor`, which draws a progress bar, stops on a NaN
or infinite cost, keeps a metrics log and, given a folder, writes a checkpoint at
the end of every epoch. A run resumed from its checkpoint ends with exactly the
parameters and metrics of a run that never stopped.
"""

import json
import math
import signal
import sys
import threading
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from dae.files import DataError, load_arrays, save_arrays, write_atomic
from dae.random import generator_from_state

CHECKPOINT = "checkpoint.npz"
METRICS = "metrics.jsonl"
FORMAT = "dae-checkpoint"


class Interrupted(Exception):
    """Training stopped on request (Ctrl-C or SIGTERM) after saving a checkpoint."""


class DivergenceError(ArithmeticError):
    """A training cost, or a value about to be checkpointed, is NaN or infinite."""


class Monitor:
    """Where a training run stands: progress, metrics and checkpoints.

    The training loops report to a monitor after every minibatch (progress bar,
    divergence check, a pending Ctrl-C) and after every epoch (metrics log and
    checkpoint). A checkpoint holds the value of each shared variable in
    ``variables`` (parameters, velocities, learning rates, random generators),
    the loops' positions, their early-stopping state and the metrics so far; it is
    written whole or not at all (:func:`dae.files.write_atomic`).

    Parameters
    ----------
    folder : where ``checkpoint.npz`` and ``metrics.jsonl`` go; None keeps
        nothing on disk (the loops' default).
    variables : dict mapping names to the shared variables training changes.
    functions : compiled functions whose updated shared variables must all be
        saved; any missing from ``variables`` is added under its own name and
        position, e.g. the velocities :func:`dae.updates.momentum` creates.
    config : JSON-ready settings of the run; resuming under other settings is
        refused, as it would not continue the same run.
    resume : continue from ``folder``'s checkpoint if there is one. Without it,
        an existing checkpoint is an error rather than something to overwrite.
    progress : show progress bars; None shows them when stderr is a terminal.

    Use it as a context manager: inside the ``with`` block, Ctrl-C (SIGINT) or
    SIGTERM lets the current minibatch finish, saves a checkpoint there and raises
    :class:`Interrupted`; a second Ctrl-C stops at once (the last checkpoint stays).

    Examples
    --------
    >>> import numpy as np, pytensor, tempfile
    >>> from dae.training import Monitor, train_epochs
    >>> w = pytensor.shared(np.float32(4.0), name="w")
    >>> step = pytensor.function([], w ** 2, updates={w: 0.5 * w})
    >>> folder = tempfile.mkdtemp()
    >>> with Monitor(folder, {"w": w}, progress=False) as monitor:
    ...     history = train_epochs(lambda i: step(), 2, 3, monitor, log=lambda line: None)
    >>> [r["cost"] for r in history], float(w.get_value())
    ([10.0, 0.625, 0.0390625], 0.0625)
    """

    def __init__(
        self, folder=None, variables=None, functions=(), config=None, resume=False, progress=None
    ):
        self.folder = None if folder is None else Path(folder)
        self.variables = dict(variables or {})
        known = {id(v) for v in self.variables.values()}
        for fn in functions:
            for position, var in enumerate(updated_variables(fn)):
                if id(var) not in known:
                    self.variables[f"{var.name or 'variable'}_{position}"] = var
                    known.add(id(var))
        self.config = json.loads(json.dumps(config or {}))
        self.progress = progress
        self.state = {"phases": {}, "metrics": [], "seconds": 0.0}
        self.arrays = {}  # extra arrays to checkpoint, e.g. the best parameters so far
        self.stop_requested = False
        self.resumed = False
        self._start = time.perf_counter()
        self._handlers = {}
        if self.folder is None:
            return
        path = self.checkpoint_path
        if path.exists() and not resume:
            raise DataError(
                f"{path} holds the checkpoint of an unfinished run: resume it "
                "(resume=True), or delete the file to start over"
            )
        if path.exists():
            for stale in self.folder.glob(f".{CHECKPOINT}.*.part"):
                stale.unlink()  # left by a run killed while writing its checkpoint
            self._restore(path)
            self.resumed = True

    @property
    def checkpoint_path(self):
        return None if self.folder is None else self.folder / CHECKPOINT

    def phase(self, name, **initial):
        """The mutable state of the loop called ``name``, ``initial`` when new."""
        return self.state["phases"].setdefault(name, initial)

    def elapsed(self):
        """Seconds spent training, over every run that resumed this one."""
        return round(self.state["seconds"] + time.perf_counter() - self._start, 1)

    def minibatches(self, loop, n_batches, description):
        """The minibatch indices still to do in this epoch of ``loop``, with a bar.

        ``loop["batch"]`` is the first index to do; the loop's body advances it. A
        stop requested during a minibatch takes effect when the body is done:
        the checkpoint then holds the epoch up to that minibatch.
        """
        disable = None if self.progress is None else not self.progress
        with tqdm(total=n_batches, initial=loop["batch"], desc=description, unit="batch",
                  leave=False, disable=disable, dynamic_ncols=True) as bar:  # fmt: skip
            for index in range(loop["batch"], n_batches):
                yield index
                bar.update()
                if self.stop_requested:
                    self.save()
                    raise Interrupted(self._stopped_message())

    def check(self, cost, phase, epoch, index):
        """Raise DivergenceError unless ``cost``, of minibatch ``index`` of ``epoch``
        in ``phase``, is a finite number."""
        if not math.isfinite(cost):
            where = f"{phase}, epoch {epoch}, minibatch {index}"
            raise self._divergence(f"{where}: the cost is {cost}")

    def end_epoch(self, record, where):
        """Log ``record`` (a dict of numbers) as a metrics line and checkpoint."""
        self.state["metrics"].append(record)
        self.save(where)
        if self.folder is not None:
            lines = "".join(json.dumps(r) + "\n" for r in self.state["metrics"])
            write_atomic(self.folder / METRICS, lines.encode())

    def save(self, where="checkpoint"):
        """Write the checkpoint now, refusing to replace it with non-finite values."""
        if self.folder is None:
            return
        arrays, generators = {}, {}
        for name, var in self.variables.items():
            value = var.get_value(borrow=True)
            if isinstance(value, np.random.Generator):
                generators[name] = value.bit_generator.state
            else:
                arrays[f"variables/{name}"] = np.asarray(value)
        if not all(np.isfinite(value).all() for value in arrays.values()):
            raise self._divergence(f"{where}: not saved")
        arrays.update({f"arrays/{name}": value for name, value in self.arrays.items()})
        self.state["seconds"] = self.elapsed()
        self._start = time.perf_counter()
        header = {"format": FORMAT, "config": self.config, "state": self.state,
                  "generators": generators}  # fmt: skip
        save_arrays(self.checkpoint_path, {"header": np.array(json.dumps(header)), **arrays})

    def finish(self):
        """Remove the checkpoint once the run's results are written."""
        if self.folder is not None:
            self.checkpoint_path.unlink(missing_ok=True)

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._handlers[sig] = signal.signal(sig, self._request_stop)
        return self

    def __exit__(self, *exc_info):
        for sig, handler in self._handlers.items():
            signal.signal(sig, handler)
        self._handlers = {}

    def _request_stop(self, signum, frame):
        self.stop_requested = True
        signal.signal(signum, self._handlers[signum])  # a second signal acts at once
        print(
            "\nstopping after this minibatch to save a checkpoint (again to quit at once)",
            file=sys.stderr,
            flush=True,
        )

    def _stopped_message(self):
        if self.folder is None:
            return "stopped"
        return f"stopped; the run is saved in {self.checkpoint_path}"

    def _divergence(self, message):
        """A DivergenceError with ``message``, the variables gone bad and the
        checkpoint still on disk."""
        bad = [
            name
            for name, var in self.variables.items()
            if not isinstance(value := var.get_value(borrow=True), np.random.Generator)
            and not np.isfinite(value).all()
        ]
        if bad:
            message += f"; NaN or infinite values in {', '.join(bad)}"
        if self.folder is not None and self.checkpoint_path.exists():
            message += f". The last good checkpoint, {self.checkpoint_path}, is intact"
        return DivergenceError(message)

    def _restore(self, path):
        stored = load_arrays(path)
        try:
            header = json.loads(str(stored.pop("header")))
            state, generators = header["state"], header["generators"]
            ok = header["format"] == FORMAT and isinstance(state["phases"], dict)
        except (ValueError, KeyError, TypeError) as e:
            raise DataError(f"{path}: not a readable checkpoint ({type(e).__name__}: {e})") from e
        if not ok:
            raise DataError(f"{path}: not a dae checkpoint")
        if header["config"] != self.config:
            changed = sorted(
                key
                for key in set(self.config) | set(header["config"])
                if self.config.get(key) != header["config"].get(key)
            )
            raise DataError(
                f"{path} was saved under other settings ({', '.join(changed)}): resume with "
                "the settings it was started with, or start over in another folder"
            )
        for name, var in self.variables.items():
            if isinstance(var.get_value(borrow=True), np.random.Generator):
                saved = generators.get(name) if isinstance(generators, dict) else None
                var.set_value(generator_from_state(saved, path, f"the random generator {name}"))
                continue
            value, current = stored.get(f"variables/{name}"), var.get_value(borrow=True)
            if value is None:
                raise DataError(f"{path}: no value for {name}")
            if value.shape != np.shape(current) or value.dtype != current.dtype:
                raise DataError(
                    f"{path}: {name} is {value.dtype} {value.shape}, the model's is "
                    f"{current.dtype} {np.shape(current)}"
                )
            var.set_value(value)
        prefix = "arrays/"
        self.arrays = {k[len(prefix) :]: v for k, v in stored.items() if k.startswith(prefix)}
        self.state = state


def updated_variables(fn):
    """The shared variables that the compiled function ``fn`` updates, in order."""
    return [i.variable for i in fn.maker.inputs if i.update is not None]


def train_epochs(step, n_batches, epochs, monitor=None, phase="training", names=("cost",),
                 log=print):  # fmt: skip
    """``epochs`` passes of ``step(index)`` over minibatches ``0 .. n_batches - 1``.

    Parameters
    ----------
    step : takes one training step on minibatch ``index``; returns its cost, or
        a list of numbers whose first is the cost (e.g. a VAE's ELBO and terms).
    n_batches : number of minibatches.
    epochs : passes over the data.
    monitor : :class:`Monitor` that checkpoints the run; none by default.
    phase : name of this loop in the log, the metrics and the checkpoint.
    names : names of the numbers ``step`` returns, for the metrics.
    log : called with one line of text per epoch.

    Returns
    -------
    list of one dict per epoch: ``phase``, ``epoch``, the epoch's mean of each of
    ``names``, and ``seconds`` since training began.
    """
    monitor = Monitor() if monitor is None else monitor
    loop = monitor.phase(phase, epoch=0, batch=0, batch_costs=[], history=[])
    while loop["epoch"] < epochs:
        epoch = loop["epoch"] + 1
        for index in monitor.minibatches(loop, n_batches, f"{phase}, epoch {epoch}"):
            costs = [float(c) for c in np.atleast_1d(step(index))]
            monitor.check(costs[0], phase, epoch, index)
            loop["batch_costs"].append(costs)
            loop["batch"] = index + 1
        means = np.mean(loop["batch_costs"], axis=0)
        record = {"phase": phase, "epoch": epoch}
        record.update({name: float(m) for name, m in zip(names, means)})
        record["seconds"] = monitor.elapsed()
        loop.update(epoch=epoch, batch=0, batch_costs=[])
        loop["history"].append(record)
        monitor.end_epoch(record, f"{phase}, epoch {epoch}")
        values = ", ".join(f"{name} {record[name]:.4f}" for name in names)
        log(f"{phase}, epoch {epoch}, {values} ({record['seconds']:.0f} s)")
    return loop["history"]


def pretrain(pretraining_fns, n_batches, epochs, corruption_levels, learning_rate, log=print,
             monitor=None):  # fmt: skip
    """Greedy layer-wise pretraining: ``epochs`` passes of each layer in turn.

    Parameters
    ----------
    pretraining_fns : one function per layer, called ``fn(index, corruption=, lr=)``;
        a generator such as :meth:`dae.SdA.cached_pretraining_functions` is asked
        for layer ``k + 1``'s function only once layer ``k`` is trained.
    n_batches : number of training minibatches.
    epochs : passes over the training set for each layer.
    corruption_levels : one corruption level per layer.
    learning_rate : learning rate of every layer.
    log : called with one line of text per epoch.
    monitor : :class:`Monitor`; each layer is its phase ``"pretraining layer k"``.

    Returns
    -------
    list, for each layer, of the mean reconstruction cost of each epoch.
    """
    costs = []
    for layer, (fn, level) in enumerate(zip(pretraining_fns, corruption_levels), start=1):
        history = train_epochs(
            lambda index, fn=fn, level=level: fn(index, corruption=level, lr=learning_rate),
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
    log : called with one line of text per epoch.
    monitor : :class:`Monitor` that checkpoints the run, the best parameters included.
    phase : the loop's name in the log, the metrics and the checkpoint.

    Returns
    -------
    dict with ``best_validation_error``, ``test_error`` (at the best validation
    error), ``best_epoch``, ``epochs`` run, and ``history``: one dict per epoch with
    its mean training cost, the last validation error, the best so far, the test
    error of the parameters that gave it, and ``seconds``.
    """
    monitor = Monitor() if monitor is None else monitor
    if patience is None:
        patience = 10 * n_train_batches
    validation_frequency = max(1, min(n_train_batches, patience // 2))
    loop = monitor.phase(
        phase, epoch=0, batch=0, batch_costs=[], patience=patience, done=False, history=[],
        validation_error=math.nan, best_validation_error=math.inf, best_epoch=0,
        test_error=math.nan,
    )  # fmt: skip
    best = [f"{phase}/best/{i}" for i in range(len(params))]
    while loop["epoch"] < n_epochs and not loop["done"]:
        epoch = loop["epoch"] + 1
        for index in monitor.minibatches(loop, n_train_batches, f"{phase}, epoch {epoch}"):
            cost = float(train_fn(index))
            monitor.check(cost, phase, epoch, index)
            loop["batch_costs"].append(cost)
            loop["batch"] = index + 1
            iteration = (epoch - 1) * n_train_batches + index
            if (iteration + 1) % validation_frequency == 0:
                loop["validation_error"] = float(np.mean(valid_score()))
                if loop["validation_error"] < loop["best_validation_error"]:
                    threshold = loop["best_validation_error"] * improvement_threshold
                    if loop["validation_error"] < threshold:
                        loop["patience"] = max(loop["patience"], iteration * patience_increase)
                    loop["best_validation_error"] = loop["validation_error"]
                    loop["best_epoch"] = epoch
                    loop["test_error"] = float(np.mean(test_score()))
                    monitor.arrays.update({k: p.get_value() for k, p in zip(best, params)})
            if loop["patience"] <= iteration:
                loop["done"] = True
                break
        record = {
            "phase": phase,
            "epoch": epoch,
            "cost": float(np.mean(loop["batch_costs"])),
            "validation_error": loop["validation_error"],
            "test_error": loop["test_error"],
            "best_validation_error": loop["best_validation_error"],
            "seconds": monitor.elapsed(),
        }
        loop.update(epoch=epoch, batch=0, batch_costs=[])
        loop["history"].append(record)
        if after_epoch is not None:
            after_epoch(epoch)
        monitor.end_epoch(record, f"{phase}, epoch {epoch}")
        log(
            f"{phase} epoch {epoch}, cost {record['cost']:.4f}, validation error "
            f"{100 * record['validation_error']:.2f}% (best "
            f"{100 * loop['best_validation_error']:.2f}%, test "
            f"{100 * loop['test_error']:.2f}%) ({record['seconds']:.0f} s)"
        )
    for key, p in zip(best, params):
        if key in monitor.arrays:
            p.set_value(monitor.arrays[key])
    return {
        "best_validation_error": loop["best_validation_error"],
        "test_error": loop["test_error"],
        "best_epoch": loop["best_epoch"],
        "epochs": loop["epoch"],
        "history": loop["history"],
    }
