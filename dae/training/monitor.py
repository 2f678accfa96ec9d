"""Where a training run stands: its loops' state, metrics, checkpoints and stops."""

import json
import math
import time
from pathlib import Path

import numpy as np

from dae.files import write_atomic
from dae.training import checkpoint
from dae.training.checkpoint import CHECKPOINT, METRICS, Interrupted, StopOnSignal
from dae.training.progress import progress_bar

__all__ = ["DivergenceError", "Monitor"]


class DivergenceError(ArithmeticError):
    """A training cost, or a value about to be checkpointed, is NaN or infinite."""


class Monitor:
    """Where a training run stands: progress, metrics and checkpoints.

    The training loops report to a monitor after every minibatch (progress bar,
    divergence check, a pending Ctrl-C) and after every epoch (metrics log and
    checkpoint). A checkpoint (:mod:`dae.training.checkpoint`) holds the value of
    each shared variable in ``variables`` (parameters, velocities, learning rates,
    random generators), the loops' positions, their early-stopping state and the
    metrics so far.

    Parameters
    ----------
    folder : str or path-like, optional
        Where ``checkpoint.npz`` and ``metrics.jsonl`` go; None keeps nothing on
        disk (the loops' default).
    variables : dict, optional
        Maps names to the shared variables training changes.
    functions : sequence of compiled functions
        Functions whose updated shared variables must all be saved; any missing
        from ``variables`` is added under its own name and position, e.g. the
        velocities :func:`dae.updates.apply_momentum` creates.
    config : dict, optional
        JSON-ready settings of the run; resuming under other settings is
        refused, as it would not continue the same run.
    resume : bool
        Continue from ``folder``'s checkpoint if there is one. Without it, an
        existing checkpoint is an error rather than something to overwrite.
    progress : bool, optional
        Show progress bars; None shows them when stderr is a terminal.
    on_epoch : callable, optional
        Called with each epoch's metrics record once its checkpoint is written,
        e.g. to report it to a scheduler that may stop the run there; the
        attribute of the same name can be set later.

    Notes
    -----
    Use it as a context manager: inside the ``with`` block, Ctrl-C (SIGINT) or
    SIGTERM lets the current minibatch finish, saves a checkpoint there and raises
    :class:`~dae.training.checkpoint.Interrupted`; a second Ctrl-C stops at once
    (the last checkpoint stays).

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
        self,
        folder=None,
        variables=None,
        functions=(),
        config=None,
        resume=False,
        progress=None,
        on_epoch=None,
    ):
        self.folder = None if folder is None else Path(folder)
        self.variables = dict(variables or {})
        known = {id(v) for v in self.variables.values()}
        for fn in functions:
            for position, var in enumerate(checkpoint.updated_variables(fn)):
                if id(var) not in known:
                    self.variables[f"{var.name or 'variable'}_{position}"] = var
                    known.add(id(var))
        self.config = json.loads(json.dumps(config or {}))
        self.progress = progress
        self.on_epoch = on_epoch
        self.state = {"phases": {}, "metrics": [], "seconds": 0.0}
        self.arrays = {}  # extra arrays to checkpoint, e.g. the best parameters so far
        self.resumed = False
        self._stop = StopOnSignal()
        self._start = time.perf_counter()
        if self.folder is None:
            return
        if not resume:
            checkpoint.refuse_unfinished(self.checkpoint_path)
        elif self.checkpoint_path.exists():
            self.state, self.arrays = checkpoint.read(
                self.checkpoint_path, self.config, self.variables
            )
            self.resumed = True

    @property
    def checkpoint_path(self):
        """The checkpoint file, ``checkpoint.npz`` in ``folder``; None without a folder."""
        return None if self.folder is None else self.folder / CHECKPOINT

    @property
    def stop_requested(self):
        """Whether training stops (with a checkpoint) after the current minibatch,
        as a signal asks; set it to stop from code."""
        return self._stop.requested

    @stop_requested.setter
    def stop_requested(self, value):
        self._stop.requested = value

    def phase(self, name, **initial):
        """The mutable state of the loop called ``name``, ``initial`` when new."""
        return self.state["phases"].setdefault(name, initial)

    def elapsed(self):
        """Seconds spent training, over every run that resumed this one."""
        return round(self.state["seconds"] + time.perf_counter() - self._start, 1)

    def minibatches(self, loop, n_batches, description):
        """The minibatch indices still to do in this epoch of ``loop``, with a bar.

        ``loop["batch"]`` is the first index to do; the loop's body advances it, by
        one minibatch or by the several that one call took. A stop requested
        during a call takes effect when the body is done: the checkpoint then holds
        the epoch up to where it stands.
        """
        with progress_bar(n_batches, loop["batch"], description, self.progress) as bar:
            while loop["batch"] < n_batches:
                index = loop["batch"]
                yield index
                bar.update(loop["batch"] - index)
                if self._stop.requested:
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
        if self.on_epoch is not None:
            self.on_epoch(record)

    def save(self, where="checkpoint"):
        """Write the checkpoint now, refusing to replace it with non-finite values."""
        if self.folder is None:
            return
        if self._bad_variables():
            raise self._divergence(f"{where}: not saved")
        self.state["seconds"] = self.elapsed()
        self._start = time.perf_counter()
        checkpoint.write(self.checkpoint_path, self.config, self.state, self.variables, self.arrays)

    def finish(self):
        """Remove the checkpoint once the run's results are written."""
        if self.folder is not None:
            self.checkpoint_path.unlink(missing_ok=True)

    def __enter__(self):
        self._stop.__enter__()
        return self

    def __exit__(self, *exc_info):
        self._stop.__exit__(*exc_info)

    def _stopped_message(self):
        if self.folder is None:
            return "stopped"
        return f"stopped; the run is saved in {self.checkpoint_path}"

    def _bad_variables(self):
        """The names of the variables holding NaN or infinite values."""
        return [
            name
            for name, var in self.variables.items()
            if not isinstance(value := var.get_value(borrow=True), np.random.Generator)
            and not np.isfinite(value).all()
        ]

    def _divergence(self, message):
        """A DivergenceError with ``message``, the variables gone bad and the
        checkpoint still on disk."""
        bad = self._bad_variables()
        if bad:
            message += f"; NaN or infinite values in {', '.join(bad)}"
        if self.folder is not None and self.checkpoint_path.exists():
            message += f". The last good checkpoint, {self.checkpoint_path}, is intact"
        return DivergenceError(message)
