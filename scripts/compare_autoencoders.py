#!/usr/bin/env python
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

import numpy as np
import pytensor

import dae
from dae.cli import (
    add_common_arguments,
    load_mnist_or_sample,
    positive_int,
    require_batches,
    run,
    start_monitor,
)
from dae.files import save_metrics, save_table
from dae.images import save_comparison, save_filters
from dae.training import train_epochs

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


def main(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_common_arguments(p, output="runs/compare", seed=123)
    p.add_argument("--hidden", type=positive_int, default=256, help="(default: %(default)s)")
    p.add_argument("--epochs", type=positive_int, default=10, help="(default: %(default)s)")
    args = p.parse_args(argv)

    datasets, dataset_name = load_mnist_or_sample(args.data, args.limit)
    (train_x, train_y), _, (test_x, test_y) = datasets
    require_batches(datasets, args.batch_size)
    n_batches = train_x.get_value(borrow=True).shape[0] // args.batch_size
    train_rows, test_rows = train_x.get_value(), test_x.get_value()
    noisy = test_rows * (np.random.RandomState(0).rand(*test_rows.shape) >= 0.3)
    noisy = noisy.astype(test_rows.dtype)
    shown = slice(0, 16)

    rows, sheet = [], [test_rows[shown], noisy[shown]]
    args.output.mkdir(parents=True, exist_ok=True)
    das = {
        name: dae.dA(np.random.RandomState(args.seed), n_visible=784, n_hidden=args.hidden,
                     **options)
        for name, (options, _, _) in VARIANTS.items()
    }  # fmt: skip
    variables = {}
    for k, da in enumerate(das.values(), start=1):
        variables.update({f"variant{k}_{p.name}": p for p in da.params})
        variables[f"variant{k}_theano_rng"] = da.theano_rng
    monitor = start_monitor(args, variables, dataset=dataset_name)
    with monitor:
        for name, da in das.items():
            _, corruption, lr = VARIANTS[name]
            start = time.perf_counter()
            fn = da.pretraining_function(train_x, args.batch_size, corruption_level=corruption,
                                         learning_rate=lr)  # fmt: skip
            train_epochs(fn, n_batches, args.epochs, monitor, phase=name, log=lambda line: None)
            test_codes, clean = codes_and_reconstructions(da, test_rows)
            _, denoised = codes_and_reconstructions(da, noisy)
            train_codes, _ = codes_and_reconstructions(da, train_rows)
            jacobian = pytensor.function([da.x], da.jacobian_norm(da.get_hidden_values(da.x)))
            row = {
                "variant": name,
                "clean error": float(np.mean(np.sum((clean - test_rows) ** 2, axis=1))),
                "noisy error": float(np.mean(np.sum((denoised - test_rows) ** 2, axis=1))),
                "mean code": float(test_codes.mean()),
                "Jacobian norm": float(jacobian(test_rows).mean()),
                "probe accuracy": linear_probe(
                    train_codes, train_y.get_value(), test_codes, test_y.get_value()
                ),
                "seconds": round(time.perf_counter() - start, 1),
            }
            rows.append(row)
            sheet.append(denoised[shown])
            slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
            save_filters(args.output / f"filters_{slug}.png", da.W)
            print(" | ".join(f"{v:.4g}" if isinstance(v, float) else str(v) for v in row.values()),
                  flush=True)  # fmt: skip

    cells = [[f"{v:.3f}" if isinstance(v, float) else v for v in row.values()] for row in rows]
    table = save_table(args.output / "comparison.md", list(rows[0]), cells)
    save_metrics(args.output / "comparison.json", {"dataset": dataset_name, "rows": rows})
    save_comparison(args.output / "sheet.png", *sheet)
    monitor.finish()
    print(table)
    print(f"wrote comparison.md, comparison.json, sheet.png and the filters to {args.output}")
    return rows


if __name__ == "__main__":
    run(main)
