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
    load_training_data,
    log,
    positive_float,
    positive_int,
    run,
    settings,
    start_monitor,
)
from dae.files import save_metrics
from dae.images import save_comparison, save_digits
from dae.models.vae import VAE, latent_grid
from dae.training import train_epochs


def main(argv=None):
    args = parse_args(argv)
    datasets, dataset_name, n_batches = load_training_data(args)
    vae = VAE(np.random.RandomState(args.seed), n_hidden=args.hidden, n_latent=args.latent)
    step = vae.training_function(datasets[0][0], args.batch_size, args.learning_rate)
    monitor = start_monitor(
        args, {"theano_rng": vae.theano_rng}, functions=[step], dataset=dataset_name
    )
    with monitor:
        history = train(args, step, n_batches, monitor)
    write_results(args, vae, datasets, dataset_name, history)
    monitor.finish()
    print(f"wrote the pictures, metrics.json and metrics.jsonl to {args.output}")
    return history


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    add_common_arguments(parser, output="runs/vae", seed=123)
    parser.add_argument("--hidden", type=positive_int, default=500, help="(default: %(default)s)")
    parser.add_argument(
        "--latent", type=positive_int, default=2, help="code size (default: %(default)s)"
    )
    parser.add_argument(
        "--learning-rate", type=positive_float, default=5e-4, help="(default: %(default)s)"
    )
    parser.add_argument("--epochs", type=positive_int, default=30, help="(default: %(default)s)")
    return parser.parse_args(argv)


def train(args, step, n_batches, monitor):
    """--epochs of training; the negative ELBO and its two terms, each epoch."""
    names = ("negative_elbo", "reconstruction", "kl")
    return train_epochs(step, n_batches, args.epochs, monitor, names=names, log=log)


def write_results(args, vae, datasets, dataset_name, history):
    """samples.png, reconstructions.png, latent_grid.png for a 2-D code, and
    metrics.json, in --output."""
    out = args.output
    out.mkdir(parents=True, exist_ok=True)
    save_digits(out / "samples.png", vae.sample_function()(100))
    originals = datasets[2][0].get_value()[:20]  # test digits
    mu, _ = vae.encode_function()(originals)
    save_comparison(out / "reconstructions.png", originals, vae.decode_function()(mu))
    if args.latent == 2:
        save_digits(out / "latent_grid.png", vae.decode_function()(latent_grid(20)))
    save_metrics(
        out / "metrics.json",
        {"dataset": dataset_name, "config": settings(args), "history": history},
    )


if __name__ == "__main__":
    run(main)
