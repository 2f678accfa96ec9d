#!/usr/bin/env python
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

import numpy as np

import dae
from dae.activations import ACTIVATIONS
from dae.cli import (
    add_common_arguments,
    load_mnist_or_sample,
    positive_float,
    positive_int,
    require_batches,
    run,
    start_monitor,
)
from dae.images import save_filters
from dae.models.da import LOSSES, NOISES
from dae.training import train_epochs


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    add_common_arguments(p, output="runs/da", seed=123)
    p.add_argument(
        "--hidden", type=positive_int, default=500, help="hidden units (default: %(default)s)"
    )
    p.add_argument(
        "--learning-rate",
        type=positive_float,
        default=0.1,
        help="learning rate (default: %(default)s)",
    )
    p.add_argument(
        "--epochs", type=positive_int, default=15, help="training epochs (default: %(default)s)"
    )
    p.add_argument(
        "--corruption",
        type=float,
        nargs="+",
        default=[0.0, 0.3],
        help="train one dA per corruption level (Gaussian noise: its sigma) (default: %(default)s)",
    )
    p.add_argument("--noise", choices=NOISES, default="masking", help="(default: %(default)s)")
    p.add_argument("--loss", choices=LOSSES, default="cross_entropy", help="(default: %(default)s)")
    p.add_argument(
        "--activation", choices=list(ACTIVATIONS), default="sigmoid", help="(default: %(default)s)"
    )
    p.add_argument("--untied", action="store_true", help="give the decoder its own weights")
    p.add_argument("--weight-decay", type=float, default=0.0, help="L2 weight (default: 0)")
    p.add_argument("--sparsity-target", type=float, default=None, help="target mean code rho")
    p.add_argument("--sparsity-weight", type=float, default=0.0, help="KL weight beta (default: 0)")
    p.add_argument(
        "--contraction", type=float, default=0.0, help="contractive penalty weight (default: 0)"
    )
    args = p.parse_args(argv)
    for level in args.corruption:
        if args.noise == "gaussian" and not level >= 0:
            p.error(f"--corruption {level}: Gaussian noise needs a sigma of 0 or more")
        if args.noise != "gaussian" and not 0 <= level < 1:
            p.error(f"--corruption {level}: must be in [0, 1) for {args.noise} noise")
    if len(set(args.corruption)) < len(args.corruption):
        p.error("--corruption: each level once (each names its own filter image)")
    if args.sparsity_weight and not (args.sparsity_target and 0 < args.sparsity_target < 1):
        p.error("--sparsity-weight needs a --sparsity-target in (0, 1)")
    return args


def main(argv=None):
    args = parse_args(argv)
    datasets, dataset_name = load_mnist_or_sample(args.data, args.limit)
    train_x = datasets[0][0]
    require_batches(datasets, args.batch_size)
    n_train_batches = train_x.get_value(borrow=True).shape[0] // args.batch_size

    das = [new_da(args) for _ in args.corruption]
    variables = {}
    for k, da in enumerate(das, start=1):
        variables.update({f"dA{k}_{p.name}": p for p in da.params})
        variables[f"dA{k}_theano_rng"] = da.theano_rng
    monitor = start_monitor(args, variables, dataset=dataset_name)
    costs = {}
    with monitor:
        for da, corruption in zip(das, args.corruption):
            train = da.pretraining_function(
                train_x, args.batch_size, corruption_level=corruption,
                learning_rate=args.learning_rate,
            )  # fmt: skip
            start = time.perf_counter()
            history = train_epochs(
                train, n_train_batches, args.epochs, monitor,
                phase=f"corruption {corruption:.0%}", log=lambda line: print(line, flush=True),
            )  # fmt: skip
            costs[corruption] = [record["cost"] for record in history]
            print(f"corruption {corruption:.0%}: {time.perf_counter() - start:.1f} s")
            path = args.output / f"filters_corruption_{round(100 * corruption)}.png"
            save_filters(path, da.W)
            print(f"wrote {path}")
    monitor.finish()
    return costs


def new_da(args):
    """A dA with the options of the command line, drawn from ``--seed``."""
    return dae.dA(
        numpy_rng=np.random.RandomState(args.seed),
        n_visible=28 * 28,
        n_hidden=args.hidden,
        noise=args.noise,
        loss=args.loss,
        activation=dae.activations.get(args.activation),
        tied=not args.untied,
        weight_decay=args.weight_decay,
        sparsity_target=args.sparsity_target,
        sparsity_weight=args.sparsity_weight,
        contraction_level=args.contraction,
    )


if __name__ == "__main__":
    run(main)
