#!/usr/bin/env python
"""Train a denoising autoencoder on MNIST: the tutorial's ``test_dA``.

Trains two dAs with 500 hidden units, one without corruption and one with 30%
masking, and writes each one's filters to ``--output`` as
``filters_corruption_0.png`` and ``filters_corruption_30.png``. Without noise the
filters look like noise themselves; with it they become stroke and blob detectors.
"""

import argparse
import sys
import time

import numpy as np

import dae
from dae.cli import add_common_arguments, load_mnist_or_sample, positive_float, positive_int
from dae.images import save_filters
from dae.training import pretrain


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
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    datasets, _ = load_mnist_or_sample(args.data, args.limit)
    train_x = datasets[0][0]
    n_train_batches = train_x.get_value(borrow=True).shape[0] // args.batch_size
    if n_train_batches == 0:
        sys.exit(f"--batch-size {args.batch_size} is larger than the training set")

    costs = {}
    for corruption in (0.0, 0.3):
        rng = np.random.RandomState(args.seed)
        da = dae.dA(numpy_rng=rng, n_visible=28 * 28, n_hidden=args.hidden)
        train = da.pretraining_function(train_x, args.batch_size)
        start = time.perf_counter()
        costs[corruption] = pretrain(
            [train],
            n_train_batches,
            args.epochs,
            [corruption],
            args.learning_rate,
            log=lambda line, c=corruption: print(f"corruption {c:.0%}: {line}", flush=True),
        )[0]
        print(f"corruption {corruption:.0%}: trained for {time.perf_counter() - start:.1f} s")
        path = args.output / f"filters_corruption_{round(100 * corruption)}.png"
        save_filters(path, da.W)
        print(f"wrote {path}")
    return costs


if __name__ == "__main__":
    try:
        main()
    except dae.DataError as e:
        sys.exit(f"error: {e}")
