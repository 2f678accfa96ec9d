"""Training: the tutorials' loops, checkpoints that let a run stop and go on, and
progress.

* :mod:`dae.training.loops`: :func:`~dae.training.loops.train_epochs`,
  :func:`~dae.training.loops.pretrain` and
  :func:`~dae.training.loops.early_stopping`;
* :mod:`dae.training.monitor`: :class:`~dae.training.monitor.Monitor`, where a run
  stands;
* :mod:`dae.training.checkpoint`: the checkpoint file, the signals that stop a
  run after saving one, and :func:`~dae.training.checkpoint.read_metrics`, the
  reader of a run's ``metrics.jsonl``;
* :mod:`dae.training.progress`: the progress bar and the lines logged per epoch.
"""

from dae.training.checkpoint import (
    CHECKPOINT,
    METRICS,
    Interrupted,
    read_metrics,
    updated_variables,
)
from dae.training.loops import early_stopping, pretrain, train_epochs
from dae.training.monitor import DivergenceError, Monitor

__all__ = [
    "CHECKPOINT",
    "METRICS",
    "DivergenceError",
    "Interrupted",
    "Monitor",
    "early_stopping",
    "pretrain",
    "read_metrics",
    "train_epochs",
    "updated_variables",
]
