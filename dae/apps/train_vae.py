"""Train a variational autoencoder on MNIST and draw what it learned.

Writes to ``--output``: ``samples.png`` (new digits decoded from z ~ N(0, I)),
``reconstructions.png`` (test digits above their reconstructions from the mean
code), ``latent_grid.png`` when the code is 2-D (digits decoded over a grid of z),
and ``metrics.json`` (negative ELBO, reconstruction and KL term of each epoch).
Checkpoints every epoch; ``--resume`` continues a stopped run.
"""

import argparse
from pathlib import Path

import numpy as np

from dae import backend
from dae.apps import cli
from dae.apps.cli import log, positive_float, positive_int
from dae.files import save_metrics
from dae.images import save_comparison, save_digits
from dae.models.vae import VAE, latent_grid
from dae.training import train_epochs

__all__ = ["main", "train_vae"]


def main(argv=None):
    """Train the VAE of the command line ``argv`` (None: ``sys.argv``); bad data or
    a divergence ends it with a one-line message."""
    backend.configure()
    with cli.one_line_errors():
        train_vae(**vars(parse_args(argv)))


def train_vae(
    *, data, output, seed, batch_size, limit, resume, quiet, hidden, latent, learning_rate, epochs
):
    """Train a VAE of ``hidden`` units and a code of ``latent`` numbers, drawn from
    ``seed``, and write its pictures and ``metrics.json`` to ``output``; the keyword
    arguments are the options of the same names (``--help``).

    Returns
    -------
    list of dict
        Each epoch's negative ELBO, reconstruction and KL term.
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
            "latent": latent,
            "learning_rate": learning_rate,
            "epochs": epochs,
        }
    )
    output = Path(output)
    datasets, dataset_name, n_batches = cli.load_training_data(data, limit, batch_size)
    vae = VAE(np.random.RandomState(seed), n_hidden=hidden, n_latent=latent)
    step = vae.training_function(datasets[0][0], batch_size, learning_rate)
    monitor = cli.start_monitor(
        output,
        settings,
        dataset=dataset_name,
        variables={"theano_rng": vae.theano_rng},
        functions=[step],
        resume=resume,
        quiet=quiet,
    )
    with monitor:
        names = ("negative_elbo", "reconstruction", "kl")
        history = train_epochs(step, n_batches, epochs, monitor, names=names, log=log)
    metrics = {"dataset": dataset_name, "config": settings, "history": history}
    write_results(output, vae, datasets, metrics, grid=latent == 2)
    monitor.finish()
    print(f"wrote the pictures, metrics.json and metrics.jsonl to {output}")
    return history


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    cli.add_common_arguments(parser, output="runs/vae", seed=123)
    parser.add_argument("--hidden", type=positive_int, default=500, help="(default: %(default)s)")
    parser.add_argument(
        "--latent", type=positive_int, default=2, help="code size (default: %(default)s)"
    )
    parser.add_argument(
        "--learning-rate", type=positive_float, default=5e-4, help="(default: %(default)s)"
    )
    parser.add_argument("--epochs", type=positive_int, default=30, help="(default: %(default)s)")
    return parser.parse_args(argv)


def write_results(output, vae, datasets, metrics, grid):
    """samples.png, reconstructions.png, with ``grid`` (a 2-D code) latent_grid.png,
    and ``metrics`` as metrics.json, in ``output``."""
    output.mkdir(parents=True, exist_ok=True)
    save_digits(output / "samples.png", vae.sample_function()(100))
    originals = datasets[2][0].get_value()[:20]  # test digits
    mu, _ = vae.encode_function()(originals)
    save_comparison(output / "reconstructions.png", originals, vae.decode_function()(mu))
    if grid:
        save_digits(output / "latent_grid.png", vae.decode_function()(latent_grid(20)))
    save_metrics(output / "metrics.json", metrics)
