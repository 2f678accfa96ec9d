"""What the commands of :mod:`dae.apps` share: argument types and options, loading the
data or the sample, the Monitor of a run in its output folder, and one-line errors.

Only a command's ``main`` sees its parsed arguments; everything here takes plain
values, so a command's run is also a function to call from Python.
"""

import argparse
import sys
from contextlib import contextmanager
from pathlib import Path

from dae.checks import check_batch_size
from dae.data import DataError, DownloadError, load_sample, shared_dataset, variations
from dae.data.mnist import UNRECOGNISED, load_dataset
from dae.files import lock_folder
from dae.training import DivergenceError, Interrupted, Monitor

__all__ = [
    "DEFAULT_DATA",
    "VARIATIONS",
    "add_common_arguments",
    "add_set_arguments",
    "load_training_data",
    "one_line_errors",
    "positive_int",
    "start_monitor",
]

#: Where MNIST is read from, and downloaded into, when --data is not given. A folder
#: the user names is only read: a typo must not start a download or a silent fallback.
DEFAULT_DATA = Path("data/mnist")

SAMPLE_BANNER = (
    "!" * 78 + "\n"
    "!!  FULL MNIST IS NOT AVAILABLE: training on the 5,000-digit sample shipped\n"
    "!!  with dae. Its error rates are NOT comparable with published MNIST results.\n" + "!" * 78
)

#: Where make_variations.py writes the generated sets, and the other commands read them.
VARIATIONS = Path("data/variations")

#: The options that say where a run reads and writes and how it shows its progress,
#: not what it computes: a run may resume with them changed.
NOT_RESULTS = ("data", "output", "resume", "quiet", "device")


# ---------------------------------------------------------------- options
def add_common_arguments(parser, output, seed):
    """The options every training command has: data, output, seed, batch size, limit,
    --resume and --quiet."""
    parser.add_argument(
        "--data",
        type=Path,
        default=None,  # None: DEFAULT_DATA, the only folder MNIST is downloaded into
        help="folder with four IDX files in MNIST's format (MNIST, Fashion-MNIST, ...) or "
        "mnist.pkl.gz, or 'sample' for the 5,000 digits shipped with dae (default: "
        f"{DEFAULT_DATA}, where MNIST is downloaded if missing, with the sample as a "
        "last resort)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=Path(output),
        help="folder for the results (default: %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=seed, help="random seed (default: %(default)s)")
    parser.add_argument(
        "--batch-size", type=positive_int, default=20, help="minibatch size (default: %(default)s)"
    )
    parser.add_argument(
        "--limit",
        type=positive_int,
        default=None,
        help="use only the first N examples of each split (for quick checks)",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue from the checkpoint in --output, if there is one",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def add_set_arguments(parser, data=True):
    """``--sets``, some of the generated benchmark sets (all by default), and with
    ``data`` ``--data``, the folder that holds their folders."""
    if data:
        parser.add_argument(
            "--data",
            type=Path,
            default=VARIATIONS,
            help="folder of the sets' folders (default: %(default)s)",
        )
    parser.add_argument(
        "--sets",
        nargs="+",
        choices=variations.SETS,
        default=list(variations.SETS),
        metavar="SET",
        help=f"some of: {', '.join(variations.SETS)} (default: all)",
    )


def positive_int(text):
    """argparse type: an integer above 0."""
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def positive_float(text):
    """argparse type: a number above 0."""
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def unit_fraction(text):
    """argparse type: a number in [0, 1), such as a corruption level or a momentum."""
    value = float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text}")
    return value


def settings(options):
    """A command's options, ``{name: value}``, as a JSON-ready dict for a metrics
    file: paths become strings."""
    return {k: str(v) if isinstance(v, Path) else v for k, v in options.items()}


def results_settings(settings):
    """The ``settings`` that decide a run's results: all but :data:`NOT_RESULTS`."""
    return {key: value for key, value in settings.items() if key not in NOT_RESULTS}


# ---------------------------------------------------------------- data
def load_mnist_or_sample(path=None, limit=None):
    """The data set at ``path``; without one, MNIST from DEFAULT_DATA, else the sample.

    ``path`` None reads DEFAULT_DATA, downloading MNIST into it if need be, and
    falls back to the embedded sample only when MNIST is neither there nor
    downloadable, saying so on stderr in a banner. A ``path`` given is only read:
    a missing or empty folder is a DataError, never a download or a fallback.
    ``path`` ``"sample"`` asks for the sample. A damaged file is always an error.
    One line on stderr says which data set was loaded. With ``limit``, each split
    keeps only its first ``limit`` examples.

    Returns
    -------
    (datasets, name): the three (x, y) pairs of shared variables, and the name of
    the data set: ``"mnist"``, ``"fashion-mnist"``, a generated set's name from its
    manifest (``"bg-rand"``, ...), ``dae.data.mnist.UNRECOGNISED`` or
    ``"mnist-5k-sample"``.
    """
    if str(path) == "sample":
        datasets, name = load_sample(), "mnist-5k-sample"
    else:
        source = DEFAULT_DATA if path is None else path
        try:
            sets, name = load_dataset(source, download=path is None)
            datasets = [shared_dataset(xy) for xy in sets]
        except DownloadError as e:  # only the default folder downloads
            print(f"{e}\n\n{SAMPLE_BANNER}\n", file=sys.stderr, flush=True)
            datasets, name = load_sample(), "mnist-5k-sample"
    if name == "mnist-5k-sample":
        line = "the 5,000-digit sample; its error rates are not comparable with published results"
    elif name == UNRECOGNISED:
        line = f"{name} from {source}: in MNIST's format, but neither MNIST nor Fashion-MNIST"
    else:
        line = f"{name} from {source}"
    print(f"data: {line}", file=sys.stderr, flush=True)
    if limit:
        for x, y in datasets:
            x.set_value(x.get_value(borrow=True)[:limit])
            y.set_value(y.get_value(borrow=True)[:limit])
    return datasets, name


def load_training_data(data, limit, batch_size):
    """The data of ``--data`` and ``--limit``, refused unless each split holds a
    minibatch of ``batch_size``.

    Returns
    -------
    (datasets, name, n_train_batches): as :func:`load_mnist_or_sample`, and the
    number of whole minibatches in the training set.
    """
    datasets, name = load_mnist_or_sample(data, limit)
    require_batches(datasets, batch_size)
    n_train_batches = datasets[0][0].get_value(borrow=True).shape[0] // batch_size
    return datasets, name, n_train_batches


def require_batches(datasets, batch_size):
    """Exit with a message unless every split holds at least one minibatch.

    The check is :func:`dae.checks.check_batch_size`'s; its message is made to
    name the option, ``--batch-size``, instead of the argument, ``batch_size``.
    """
    splits = ("the training set", "the validation set", "the test set")
    try:
        check_batch_size(batch_size, {split: x for split, (x, _) in zip(splits, datasets)})
    except ValueError as e:
        message = str(e).replace(f"batch_size={batch_size}", f"--batch-size {batch_size}", 1)
        sys.exit(f"error: {message}")


# ---------------------------------------------------------------- the run
def start_monitor(
    output, settings, dataset=None, variables=None, functions=(), resume=False, quiet=False
):
    """The :class:`dae.training.Monitor` of a command's run, in ``output``.

    Its config is the ``settings`` that decide the results (:func:`results_settings`)
    and the name of the ``dataset``, so a resumed run continues the same
    computation. ``output`` is locked first (:func:`dae.files.lock_folder`): a
    second process writing there is refused with a DataError before it reads or
    writes anything. The lock is ``monitor.lock``, held while the monitor lives and
    released when the process ends.
    """
    lock = lock_folder(output)
    config = {**results_settings(settings), "dataset": dataset}
    # An unfinished run in output without resume: Monitor refuses it (DataError).
    monitor = Monitor(
        output,
        variables,
        functions=functions,
        config=config,
        resume=resume,
        progress=False if quiet else None,
    )
    monitor.lock = lock
    if monitor.resumed:
        done = ", ".join(
            f"{name} epoch {loop['epoch']}"
            + (f" + {loop['batch']} minibatches" if loop["batch"] else "")
            for name, loop in monitor.state["phases"].items()
        )
        print(f"resuming from {monitor.checkpoint_path}: done {done}", flush=True)
    elif resume:
        print(f"no checkpoint in {output}: starting from the beginning", flush=True)
    return monitor


def numbered_variables(prefix, models):
    """The parameters and noise generator of each model, for a checkpoint: keys
    ``{prefix}1_W``, ``{prefix}1_theano_rng``, ``{prefix}2_W``, ..."""
    variables = {}
    for k, model in enumerate(models, start=1):
        variables.update({f"{prefix}{k}_{p.name}": p for p in model.params})
        variables[f"{prefix}{k}_theano_rng"] = model.theano_rng
    return variables


def log(line):
    """Print a progress line at once: the ``log`` of the training loops."""
    print(line, flush=True)


@contextmanager
def one_line_errors(*errors):
    """End the command with a one-line message instead of a traceback on a DataError,
    a divergence or one of ``errors``, and with status 130, saying how to go on,
    when a run was stopped on request (Ctrl-C, SIGTERM)."""
    try:
        yield
    except Interrupted as e:
        print(f"\n{e}: run the same command with --resume to go on", file=sys.stderr)
        sys.exit(130)  # the shell's code for a run ended by Ctrl-C
    except (DataError, DivergenceError, *errors) as e:
        sys.exit(f"error: {e}")


def require_matplotlib():
    """Exit with a message saying how to install matplotlib, unless it is there."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        sys.exit('error: plotting needs matplotlib: pip install "dae[plot]"')
