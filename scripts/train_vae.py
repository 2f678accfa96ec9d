#!/usr/bin/env python
"""Train a variational autoencoder on MNIST and draw what it learned.

Writes to ``--output``: ``samples.png`` (new digits decoded from z ~ N(0, I)),
``reconstructions.png`` (test digits above their reconstructions from the mean
code), ``latent_grid.png`` when the code is 2-D (digits decoded over a grid of z),
and ``metrics.json`` (negative ELBO, reconstruction and KL term of each epoch).
Checkpoints every epoch; ``--resume`` continues a stopped run.
"""

import argparse

import numpy as np

from dae.cli import (
    add_common_arguments,
    load_mnist_or_sample,
    positive_float,
    positive_int,
    require_batches,
    run,
    settings,
    start_monitor,
)
from dae.files import save_metrics
from dae.images import save_comparison, save_digits
from dae.models.vae import VAE, latent_grid
from dae.training import train_epochs


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    add_common_arguments(p, output="runs/vae", seed=123)
    p.add_argument("--hidden", type=positive_int, default=500, help="(default: %(default)s)")
    p.add_argument(
        "--latent", type=positive_int, default=2, help="code size (default: %(default)s)"
    )
    p.add_argument(
        "--learning-rate", type=positive_float, default=5e-4, help="(default: %(default)s)"
    )
    p.add_argument("--epochs", type=positive_int, default=30, help="(default: %(default)s)")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    datasets, dataset_name = load_mnist_or_sample(args.data, args.limit)
    train_x, test_x = datasets[0][0], datasets[2][0]
    require_batches(datasets, args.batch_size)
    n_batches = train_x.get_value(borrow=True).shape[0] // args.batch_size
    vae = VAE(np.random.RandomState(args.seed), n_hidden=args.hidden, n_latent=args.latent)
    step = vae.training_function(train_x, args.batch_size, args.learning_rate)
    monitor = start_monitor(args, {"theano_rng": vae.theano_rng}, functions=[step],
                            dataset=dataset_name)  # fmt: skip
    with monitor:
        history = train_epochs(
            step, n_batches, args.epochs, monitor,
            names=("negative_elbo", "reconstruction", "kl"),
            log=lambda line: print(line, flush=True),
        )  # fmt: skip

    out = args.output
    out.mkdir(parents=True, exist_ok=True)
    save_digits(out / "samples.png", vae.sample_function()(100))
    originals = test_x.get_value()[:20]
    mu, _ = vae.encode_function()(originals)
    save_comparison(out / "reconstructions.png", originals, vae.decode_function()(mu))
    if args.latent == 2:
        save_digits(out / "latent_grid.png", vae.decode_function()(latent_grid(20)))
    save_metrics(
        out / "metrics.json",
        {"dataset": dataset_name, "config": settings(args), "history": history},
    )
    monitor.finish()
    print(f"wrote the pictures, metrics.json and metrics.jsonl to {out}")
    return history


if __name__ == "__main__":
    run(main)
