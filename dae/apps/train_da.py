"""Train a denoising autoencoder on MNIST: the tutorial's ``test_dA``.

Trains two dAs with 500 hidden units, one without corruption and one with 30%
masking, and writes each one's filters to ``--output`` as
``filters_corruption_0.png`` and ``filters_corruption_30.png``. Without noise the
filters look like noise themselves; with it they become stroke and blob detectors.

The options choose another member of the family (see ``dae.dA``), e.g. a sparse
autoencoder: ``--corruption 0 --sparsity-target 0.05 --sparsity-weight 60``.
Checkpoints every epoch; ``--resume`` continues a stopped run.
"""

import argparse
import time
from pathlib import Path

import numpy as np

import dae
from dae import backend
from dae.activations import ACTIVATIONS
from dae.apps import cli
from dae.apps.cli import log, positive_float, positive_int
from dae.images import save_filters
from dae.models.da import LOSSES, NOISES
from dae.training import train_epochs

__all__ = ["main", "train_das"]

# The dA's arguments named in its messages, and the options that set them.
OPTIONS = {
    "weight_decay": "--weight-decay",
    "sparsity_target": "--sparsity-target",
    "sparsity_weight": "--sparsity-weight",
    "contraction_level": "--contraction",
    "activation=": "--activation=",
}


def main(argv=None):
    """Train the dAs of the command line ``argv`` (None: ``sys.argv``); bad data or
    a divergence ends it with a one-line message."""
    backend.configure()
    with cli.one_line_errors():
        train_das(**vars(parse_args(argv)))


def train_das(
    *,
    data,
    output,
    seed,
    batch_size,
    limit,
    resume,
    quiet,
    hidden,
    learning_rate,
    epochs,
    corruption,
    noise,
    loss,
    activation,
    untied,
    weight_decay,
    sparsity_target,
    sparsity_weight,
    contraction,
):
    """Train one dA per level of ``corruption``, each drawn from ``seed``, and write
    each one's filters to ``output`` as ``filters_corruption_<percent>.png``.

    The keyword arguments are the options of the same names (``--help``); the dAs
    are of the family ``noise``, ``loss``, ``activation`` (a name of
    :data:`dae.activations.ACTIVATIONS`), ``untied``, ``weight_decay``, the
    sparsity and ``contraction`` name (see :class:`dae.dA`).

    Returns
    -------
    dict
        The mean cost of each epoch, a list for each corruption level.
    """
    settings = cli.settings(
        {
            "data": data,
            "output": output,
            "seed": seed,
            "batch_size": batch_size,
            "limit": limit,
            "resume": resume,
            "quiet": quiet,
            "hidden": hidden,
            "learning_rate": learning_rate,
            "epochs": epochs,
            "corruption": corruption,
            "noise": noise,
            "loss": loss,
            "activation": activation,
            "untied": untied,
            "weight_decay": weight_decay,
            "sparsity_target": sparsity_target,
            "sparsity_weight": sparsity_weight,
            "contraction": contraction,
        }
    )
    family = dict(
        noise=noise,
        loss=loss,
        activation=activation,
        untied=untied,
        weight_decay=weight_decay,
        sparsity_target=sparsity_target,
        sparsity_weight=sparsity_weight,
        contraction=contraction,
    )
    das = [new_da(seed, hidden, **family) for _ in corruption]
    datasets, dataset_name, n_train_batches = cli.load_training_data(data, limit, batch_size)
    train_x = datasets[0][0]
    monitor = cli.start_monitor(
        output,
        settings,
        dataset=dataset_name,
        variables=cli.numbered_variables("dA", das),
        resume=resume,
        quiet=quiet,
    )
    costs = {}
    with monitor:
        for da, level in zip(das, corruption):
            costs[level] = train(
                da, level, train_x, n_train_batches, batch_size, learning_rate, epochs, monitor
            )
            write_filters(output, da, level)
    monitor.finish()
    return costs


# ---------------------------------------------------------------- command line
def parse_args(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    check_options(parser, args)
    return args


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__)
    cli.add_common_arguments(parser, output="runs/da", seed=123)
    add_training_options(parser)
    add_family_options(parser)
    return parser


def add_training_options(parser):
    """Size, learning rate, epochs, and the dAs to train."""
    parser.add_argument(
        "--hidden", type=positive_int, default=500, help="hidden units (default: %(default)s)"
    )
    parser.add_argument(
        "--learning-rate",
        type=positive_float,
        default=0.1,
        help="learning rate (default: %(default)s)",
    )
    parser.add_argument(
        "--epochs", type=positive_int, default=15, help="training epochs (default: %(default)s)"
    )
    parser.add_argument(
        "--corruption",
        type=float,
        nargs="+",
        default=[0.0, 0.3],
        help="train one dA per corruption level (Gaussian noise: its sigma) (default: %(default)s)",
    )


def add_family_options(parser):
    """Which member of the autoencoder family the dAs are (see ``dae.dA``)."""
    parser.add_argument("--noise", choices=NOISES, default="masking", help="(default: %(default)s)")
    parser.add_argument(
        "--loss", choices=LOSSES, default="cross_entropy", help="(default: %(default)s)"
    )
    parser.add_argument(
        "--activation", choices=list(ACTIVATIONS), default="sigmoid", help="(default: %(default)s)"
    )
    parser.add_argument("--untied", action="store_true", help="give the decoder its own weights")
    parser.add_argument("--weight-decay", type=float, default=0.0, help="L2 weight (default: 0)")
    parser.add_argument("--sparsity-target", type=float, default=None, help="target mean code rho")
    parser.add_argument(
        "--sparsity-weight", type=float, default=0.0, help="KL weight beta (default: 0)"
    )
    parser.add_argument(
        "--contraction", type=float, default=0.0, help="contractive penalty weight (default: 0)"
    )


def check_options(parser, args):
    """The dA checks its options and the corruption levels for its noise, before any
    data is read; each level is asked for once, as each names its own filter image."""
    try:
        da = new_da(
            args.seed,
            args.hidden,
            args.noise,
            args.loss,
            args.activation,
            args.untied,
            args.weight_decay,
            args.sparsity_target,
            args.sparsity_weight,
            args.contraction,
        )
        for level in args.corruption:
            da.check_corruption_level(level, name="--corruption")
    except ValueError as e:
        parser.error(option_names(str(e)))
    if len(set(args.corruption)) < len(args.corruption):
        parser.error("--corruption: each level once (each names its own filter image)")


def option_names(message):
    """A message of the dA's with the options in place of its arguments."""
    for argument, option in OPTIONS.items():
        message = message.replace(argument, option)
    return message


# ---------------------------------------------------------------- the steps of main
def new_da(
    seed,
    hidden,
    noise,
    loss,
    activation,
    untied,
    weight_decay,
    sparsity_target,
    sparsity_weight,
    contraction,
):
    """A dA of 784 inputs and ``hidden`` units, drawn from ``seed``, of the family
    the options name (``activation`` by its name, ``untied`` for a decoder of its
    own, ``contraction`` the weight of the contractive penalty)."""
    return dae.dA(
        numpy_rng=np.random.RandomState(seed),
        n_visible=28 * 28,
        n_hidden=hidden,
        noise=noise,
        loss=loss,
        activation=dae.activations.get(activation),
        tied=not untied,
        weight_decay=weight_decay,
        sparsity_target=sparsity_target,
        sparsity_weight=sparsity_weight,
        contraction_level=contraction,
    )


def train(da, corruption, train_x, n_train_batches, batch_size, learning_rate, epochs, monitor):
    """Train ``da`` at one corruption level; the mean cost of each epoch."""
    step = da.pretraining_function(
        train_x, batch_size, corruption_level=corruption, learning_rate=learning_rate
    )
    start = time.perf_counter()
    phase = f"corruption {corruption:.0%}"
    history = train_epochs(step, n_train_batches, epochs, monitor, phase=phase, log=log)
    print(f"corruption {corruption:.0%}: {time.perf_counter() - start:.1f} s")
    return [record["cost"] for record in history]


def write_filters(output, da, corruption):
    """filters_corruption_<percent>.png in ``output``."""
    path = Path(output) / f"filters_corruption_{round(100 * corruption)}.png"
    save_filters(path, da.W)
    print(f"wrote {path}")
