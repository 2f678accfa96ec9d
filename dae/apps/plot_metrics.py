"""Draw the learning curves of a training run from its ``metrics.jsonl``.

Every training script logs one JSON line per epoch. This draws, against the
epoch: the cost of each unsupervised phase (one line per pretraining layer, or
per dA); the fine-tuning cost; and the validation error, with the test error of
the parameters that scored best on validation so far.

    python scripts/plot_metrics.py runs/sda            # writes runs/sda/learning_curves.png
    python scripts/plot_metrics.py runs/sda/metrics.jsonl --output curves.png

Needs matplotlib (``pip install "dae[plot]"``).
"""

import argparse
import io
import sys
from pathlib import Path

from dae import backend
from dae.apps.cli import require_matplotlib
from dae.checks import DataError
from dae.files import write_atomic
from dae.training import METRICS, read_metrics

__all__ = ["main", "plot_metrics"]

# The test error is measured only at a new best validation error, as in the tutorials.
ERROR_LABELS = {"test_error": "test error at the best validation error so far"}


def curves(records):
    """Group the records into panels: ``{panel title: {line label: (epochs, values)}}``."""
    panels = {"unsupervised cost": {}, "fine-tuning cost": {}, "error rate (%)": {}}
    for record in records:
        phase, epoch = record["phase"], record["epoch"]
        supervised = "validation_error" in record
        for key, value in record.items():
            if key in ("phase", "epoch", "seconds", "best_validation_error"):
                continue
            if not isinstance(value, (int, float)):
                continue
            if key.endswith("_error"):
                panel, value = "error rate (%)", 100 * value
                label = ERROR_LABELS.get(key, key.replace("_", " "))
            elif supervised:
                panel, label = "fine-tuning cost", phase
            else:
                panel, label = "unsupervised cost", phase if key == "cost" else f"{phase}: {key}"
            epochs, values = panels[panel].setdefault(label, ([], []))
            epochs.append(epoch)
            values.append(value)
    return {title: lines for title, lines in panels.items() if lines}


def plot(records, path):
    """Draw the learning curves of ``records`` into the PNG file ``path``."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no window
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    panels = curves(records)
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 4), squeeze=False)
    for ax, (title, lines) in zip(axes[0], panels.items()):
        for label, (epochs, values) in lines.items():
            ax.plot(epochs, values, marker="." if len(epochs) < 30 else None, label=label)
        ax.set_title(title)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    write_atomic(path, buffer.getvalue())


def main(argv=None):
    """Draw the curves of the command line ``argv`` (None: ``sys.argv``)."""
    backend.configure()
    args = parse_args(argv)
    plot_metrics(args.metrics, args.output)


def plot_metrics(metrics, output=None):
    """Draw the learning curves of ``metrics`` (a ``metrics.jsonl`` or the run folder
    holding it) into the PNG file ``output`` (None: ``learning_curves.png`` beside
    the log); a log that cannot be read ends the command with its message."""
    require_matplotlib()
    records = read_or_exit(metrics)
    output = output or default_output(metrics)
    plot(records, output)
    print(f"wrote {output}")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("metrics", type=Path, help="metrics.jsonl, or the run folder holding it")
    parser.add_argument(
        "--output", type=Path, help="PNG to write (default: learning_curves.png beside the log)"
    )
    return parser.parse_args(argv)


def read_or_exit(path):
    """The records of :func:`dae.training.read_metrics` in ``path`` (a file or a run's
    folder); a DataError ends the script with its message."""
    path = Path(path)
    try:
        return read_metrics(path / METRICS if path.is_dir() else path)
    except DataError as e:
        sys.exit(f"error: {e}")


def default_output(metrics):
    """learning_curves.png beside the log: in the folder ``metrics``, or beside the file."""
    metrics = Path(metrics)
    folder = metrics if metrics.is_dir() else metrics.parent
    return folder / "learning_curves.png"
