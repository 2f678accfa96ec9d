"""Train members of the autoencoder family on the same digits and compare them.

Each variant is a :class:`dae.dA` with the same size, seed, epochs and batch size.
On the test digits it measures: the squared reconstruction error of clean inputs
and of inputs with 30% masking noise (against the clean digit); the mean code;
the squared Frobenius norm of the encoder's Jacobian; and the test accuracy of a
logistic regression trained on the codes of the training digits. Writes
``comparison.md`` and ``comparison.json``, ``sheet.png`` (test digits, their noisy
copies, then each variant's reconstruction of the noisy copies, a row each) and
``filters_<variant>.png`` to ``--output``.
"""

import argparse
import re
import time
from pathlib import Path

import numpy as np
import pytensor

import dae
from dae import backend
from dae.apps import cli
from dae.apps.cli import log, positive_int
from dae.files import save_metrics, save_table
from dae.images import save_comparison, save_filters
from dae.training import train_epochs

__all__ = ["compare_autoencoders", "main"]

VARIANTS = {
    "autoencoder": ({}, 0.0, 0.1),
    "denoising, masking 30%": ({"noise": "masking"}, 0.3, 0.1),
    "denoising, dropout 30%": ({"noise": "dropout"}, 0.3, 0.1),
    "denoising, salt and pepper 20%": ({"noise": "salt_and_pepper"}, 0.2, 0.1),
    "denoising, Gaussian sigma 0.3": ({"noise": "gaussian"}, 0.3, 0.1),
    "sparse, rho 0.05": ({"sparsity_target": 0.05, "sparsity_weight": 60.0}, 0.0, 0.1),
    "contractive, 0.5": ({"contraction_level": 0.5}, 0.0, 0.1),
    "linear, squared error (PCA)": ({"activation": None, "loss": "squared_error"}, 0.0, 0.002),
}
SHOWN = slice(0, 16)  # the test digits drawn in sheet.png


def main(argv=None):
    """Compare the variants with the command line ``argv`` (None: ``sys.argv``); bad
    data or a divergence ends it with a one-line message."""
    backend.configure()
    with cli.one_line_errors():
        compare_autoencoders(**vars(parse_args(argv)))


def compare_autoencoders(*, data, output, seed, batch_size, limit, resume, quiet, hidden, epochs):
    """Train every variant of :data:`VARIANTS` with ``hidden`` units for ``epochs``,
    measure each on the test digits, and write the table, the sheet and the filters
    to ``output``; the keyword arguments are the options of the same names.

    Returns
    -------
    list of dict
        A row of the table per variant.
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
            "epochs": epochs,
        }
    )
    output = Path(output)
    datasets, dataset_name, n_batches = cli.load_training_data(data, limit, batch_size)
    digits = Digits(datasets)
    output.mkdir(parents=True, exist_ok=True)
    das = {name: new_da(seed, hidden, options) for name, (options, _, _) in VARIANTS.items()}
    monitor = cli.start_monitor(
        output,
        settings,
        dataset=dataset_name,
        variables=cli.numbered_variables("variant", das.values()),
        resume=resume,
        quiet=quiet,
    )
    rows, sheet = [], [digits.test[SHOWN], digits.noisy[SHOWN]]
    with monitor:
        for name, da in das.items():
            row, denoised = train_and_measure(
                name, da, digits, n_batches, batch_size, epochs, monitor
            )
            rows.append(row)
            sheet.append(denoised[SHOWN])
            save_filters(output / f"filters_{slug(name)}.png", da.W)
            log(" | ".join(f"{v:.4g}" if isinstance(v, float) else str(v) for v in row.values()))
    table = write_results(output, rows, sheet, dataset_name)
    monitor.finish()
    print(table)
    print(f"wrote comparison.md, comparison.json, sheet.png and the filters to {output}")
    return rows


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    cli.add_common_arguments(parser, output="runs/compare", seed=123)
    parser.add_argument("--hidden", type=positive_int, default=256, help="(default: %(default)s)")
    parser.add_argument("--epochs", type=positive_int, default=10, help="(default: %(default)s)")
    return parser.parse_args(argv)


class Digits:
    """The digits the variants learn from and are measured on: the training set
    (shared, to train on, and as arrays), the test set, and the test digits with
    30% masking noise, the same noise for every variant."""

    def __init__(self, datasets):
        (train_x, train_y), _, (test_x, test_y) = datasets
        self.shared_train = train_x
        self.train, self.train_y = train_x.get_value(), train_y.get_value()
        self.test, self.test_y = test_x.get_value(), test_y.get_value()
        noisy = self.test * (np.random.RandomState(0).rand(*self.test.shape) >= 0.3)
        self.noisy = noisy.astype(self.test.dtype)


def new_da(seed, hidden, options):
    """A dA of the variant's ``options``, with the size and seed of every variant."""
    return dae.dA(np.random.RandomState(seed), n_visible=784, n_hidden=hidden, **options)


def train_and_measure(name, da, digits, n_batches, batch_size, epochs, monitor):
    """Train variant ``name`` and measure it; its row of the table, and its
    reconstructions of the noisy test digits."""
    _, corruption, lr = VARIANTS[name]
    start = time.perf_counter()
    fn = da.pretraining_function(
        digits.shared_train, batch_size, corruption_level=corruption, learning_rate=lr
    )
    train_epochs(fn, n_batches, epochs, monitor, phase=name, log=lambda line: None)
    test_codes, clean = codes_and_reconstructions(da, digits.test)
    _, denoised = codes_and_reconstructions(da, digits.noisy)
    train_codes, _ = codes_and_reconstructions(da, digits.train)
    jacobian = pytensor.function([da.x], da.jacobian_norm(da.get_hidden_values(da.x)))
    row = {
        "variant": name,
        "clean error": float(np.mean(np.sum((clean - digits.test) ** 2, axis=1))),
        "noisy error": float(np.mean(np.sum((denoised - digits.test) ** 2, axis=1))),
        "mean code": float(test_codes.mean()),
        "Jacobian norm": float(jacobian(digits.test).mean()),
        "probe accuracy": linear_probe(train_codes, digits.train_y, test_codes, digits.test_y),
        "seconds": round(time.perf_counter() - start, 1),
    }
    return row, denoised


def codes_and_reconstructions(da, x):
    """Compiled encoder and decoder applied to the rows of x."""
    h = da.get_hidden_values(da.x)
    encode = pytensor.function([da.x], h)
    decode = pytensor.function([da.x], da.get_reconstructed_input(da.x))
    codes = encode(x)
    return codes, decode(codes)


def linear_probe(train_codes, train_y, test_codes, test_y, epochs=10, batch=100, lr=0.1):
    """Test accuracy of logistic regression trained by SGD on the codes."""
    x = pytensor.tensor.matrix("x")
    y = pytensor.tensor.ivector("y")
    clf = dae.LogisticRegression(x, train_codes.shape[1], 10)
    cost = clf.negative_log_likelihood(y)
    step = pytensor.function([x, y], cost, updates=dae.sgd(cost, clf.params, lr))
    for _ in range(epochs):
        for i in range(0, len(train_codes) - batch + 1, batch):
            step(train_codes[i : i + batch], train_y[i : i + batch])
    return 1 - float(pytensor.function([x, y], clf.errors(y))(test_codes, test_y))


def slug(name):
    """The variant's name as a file name: ``denoising_masking_30``."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def write_results(output, rows, sheet, dataset_name):
    """comparison.md, comparison.json and sheet.png in ``output``; the table."""
    cells = [[f"{v:.3f}" if isinstance(v, float) else v for v in row.values()] for row in rows]
    table = save_table(output / "comparison.md", list(rows[0]), cells)
    save_metrics(output / "comparison.json", {"dataset": dataset_name, "rows": rows})
    save_comparison(output / "sheet.png", *sheet)
    return table
