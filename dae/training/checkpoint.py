"""The checkpoint file of a training run, and the signals that save one and stop.

A checkpoint is one ``.npz`` file, ``checkpoint.npz`` in the run's folder, written
whole or not at all (:func:`dae.files.write_atomic`). It holds the value of every
shared variable that training changes (parameters, velocities, learning rates)
under ``variables/<name>``, extra arrays (e.g. the best parameters so far) under
``arrays/<name>``, and a JSON ``header``::

    {"format": "dae-checkpoint", "config": {...}, "state": {...},
     "generators": {"theano_rng": {"bit_generator": "PCG64", ...}}}

``config`` is the run's settings (resuming under others is refused), ``state``
where the loops stand, and ``generators`` the states of the random generators.
"""

import json
import signal
import sys
import threading
from pathlib import Path

import numpy as np

from dae.checks import DataError
from dae.files import load_arrays, save_arrays
from dae.random import generator_from_state
from dae.version import __version__

__all__ = ["CHECKPOINT", "METRICS", "Interrupted", "StopOnSignal", "read", "read_metrics", "write"]

#: The name of a run's checkpoint file, in the run's folder.
CHECKPOINT = "checkpoint.npz"
#: The name of a run's metrics log, in the run's folder: a JSON object per line.
METRICS = "metrics.jsonl"
FORMAT = "dae-checkpoint"


class Interrupted(Exception):
    """Training stopped on request (Ctrl-C or SIGTERM) after saving a checkpoint."""


def updated_variables(fn):
    """The shared variables that the compiled function ``fn`` updates, in order."""
    return [i.variable for i in fn.maker.inputs if i.update is not None]


def refuse_unfinished(path):
    """Raise DataError if ``path`` holds a checkpoint: a run that did not finish.

    Starting afresh would overwrite it; the run is resumed or the file deleted.
    """
    if path.exists():
        raise DataError(
            f"{path} holds the checkpoint of an unfinished run: resume it (--resume on "
            "the command line, resume=True in Python), or delete the file to start over"
        )


def write(path, config, state, variables, arrays):
    """Write a checkpoint of ``variables`` (name: shared variable) and ``arrays``.

    ``config`` and ``state`` are JSON-ready; generators' states go in the header.
    """
    stored, generators = {}, {}
    for name, var in variables.items():
        value = var.get_value(borrow=True)
        if isinstance(value, np.random.Generator):
            generators[name] = value.bit_generator.state
        else:
            stored[f"variables/{name}"] = np.asarray(value)
    stored.update({f"arrays/{name}": value for name, value in arrays.items()})
    header = {
        "format": FORMAT,
        "version": __version__,
        "config": config,
        "state": state,
        "generators": generators,
    }
    save_arrays(path, {"header": np.array(json.dumps(header)), **stored})


def read(path, config, variables):
    """Set ``variables`` from the checkpoint ``path``; return its (state, arrays).

    Raises DataError, before changing anything it can, when the file is no
    checkpoint, was saved under another ``config``, or lacks a variable or holds
    one of another shape.
    """
    for stale in path.parent.glob(f".{path.name}.*.part"):
        stale.unlink()  # left by a run killed while writing its checkpoint
    stored = load_arrays(path)
    try:
        header = json.loads(str(stored.pop("header")))
        state, generators, saved = header["state"], header["generators"], header["config"]
        ok = header["format"] == FORMAT and isinstance(state["phases"], dict)
    except (ValueError, KeyError, TypeError) as e:
        raise DataError(f"{path}: not a readable checkpoint ({type(e).__name__}: {e})") from e
    if not ok or not isinstance(saved, dict):
        raise DataError(f"{path}: not a dae checkpoint")
    if saved != config:
        changed = sorted(
            key for key in set(config) | set(saved) if config.get(key) != saved.get(key)
        )
        # Checkpoints before 0.2.0 carry no version.
        written = header.get("version", "0.1.0 or earlier")
        by = "" if written == __version__ else f" by dae {written} (this is dae {__version__})"
        raise DataError(
            f"{path} was saved under other settings ({', '.join(changed)}){by}: resume "
            "with the settings it was started with, or start over in another folder"
        )
    for name, var in variables.items():
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
    arrays = {k[len(prefix) :]: v for k, v in stored.items() if k.startswith(prefix)}
    return state, arrays


class StopOnSignal:
    """A context in which Ctrl-C (SIGINT) or SIGTERM asks training to stop.

    The first signal sets :attr:`requested`, for the loop to save a checkpoint
    and stop at the end of the current minibatch; a second acts at once, as the
    signal would have without this context. Outside the main thread, where Python
    cannot catch signals, it does nothing.
    """

    def __init__(self):
        #: Whether a stop was asked for; the first signal sets it.
        self.requested = False
        self._handlers = {}

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._handlers[sig] = signal.signal(sig, self._request)
        return self

    def __exit__(self, *exc_info):
        for sig, handler in self._handlers.items():
            signal.signal(sig, handler)
        self._handlers = {}

    def _request(self, signum, frame):
        self.requested = True
        signal.signal(signum, self._handlers[signum])  # a second signal acts at once
        print(
            "\nstopping after this minibatch to save a checkpoint (again to quit at once)",
            file=sys.stderr,
            flush=True,
        )


def read_metrics(path):
    """The records of a run's ``metrics.jsonl``, one dict per epoch, in order.

    Raises
    ------
    DataError
        ``path`` cannot be read, a line is not JSON, a record has no ``phase`` or
        ``epoch``, or there is no record; the message names the file and the line.
    """
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise DataError(f"{path}: cannot read ({e})") from e
    records = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            raise DataError(f"{path}, line {number}: not JSON ({e})") from e
        if not (isinstance(record, dict) and "phase" in record and "epoch" in record):
            raise DataError(f"{path}, line {number}: a record needs a phase and an epoch")
        records.append(record)
    if not records:
        raise DataError(f"{path}: no records")
    return records
