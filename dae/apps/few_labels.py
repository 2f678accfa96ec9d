"""When labels are scarce: the same MLP with and without SdA pretraining.

The SdA is pretrained once, without labels, on every training digit (cached
pretraining). Then, for each label budget, two copies of the MLP are fine-tuned on
the same class-balanced labelled subset for the same number of SGD steps: one from
the pretrained weights, one from the tutorial's random initialisation. No early
stopping, so no validation labels are used.

With ``--seeds N`` the whole comparison, pretraining included, runs for the seeds
``--seed`` to ``--seed + N - 1``, each in ``--output/seed-<s>``; ``few_labels.md``
and ``few_labels.json`` in ``--output`` give each error as the mean ± standard
deviation over the seeds with its 95% confidence interval, and the gain from
pretraining as a paired difference (the same seed draws both starts' subset).
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pytensor

import dae
from dae import backend
from dae.apps import cli
from dae.apps.cli import positive_int
from dae.checks import DataError
from dae.files import lock_folder, save_metrics, save_table
from dae.statistics import mean_and_interval, percent
from dae.training import pretrain

__all__ = ["DEFAULT_LABELS", "few_labels", "main"]

METHODS = ("random initialisation", "SdA pretraining")
#: The numbers of labelled digits compared when --labels is not given (those that fit).
DEFAULT_LABELS = (100, 1000, 10000)


def main(argv=None):
    """Compare both starts with the command line ``argv`` (None: ``sys.argv``); bad
    data or a divergence ends it with a one-line message."""
    backend.configure()
    with cli.one_line_errors():
        few_labels(**vars(parse_args(argv)))


def few_labels(
    *,
    data,
    output,
    seed,
    batch_size,
    limit,
    resume,
    quiet,
    hidden,
    labels,
    pretraining_epochs,
    steps,
    finetune_lr,
    seeds,
):
    """The comparison for the seeds ``seed`` to ``seed + seeds - 1``, each in
    ``output/seed-<s>`` (:func:`run_seed`), and its summary over them in ``output``;
    the keyword arguments are the options of the same names (``labels`` None: the
    default budgets that fit). Prints the summary's table.

    Returns
    -------
    list of dict
        Per label budget, each start's mean test error, its statistics over the
        seeds and the paired gain, and each seed's errors.
    """
    output = Path(output)
    datasets, dataset_name = cli.load_mnist_or_sample(data, limit)
    labels = label_budgets(labels, batch_size, n_digits=n_training_digits(datasets))
    one_seed = {
        "data": data,
        "batch_size": batch_size,
        "limit": limit,
        "resume": resume,
        "quiet": quiet,
        "hidden": hidden,
        "labels": labels,
        "pretraining_epochs": pretraining_epochs,
        "steps": steps,
        "finetune_lr": finetune_lr,
    }
    lock = lock_folder(output)  # the summary's folder; each seed locks its own
    runs = {
        s: run_seed(datasets, dataset_name, **one_seed, seed=s, output=output / f"seed-{s}")
        for s in range(seed, seed + seeds)
    }
    rows = summarize(labels, runs)
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
            "labels": labels,
            "pretraining_epochs": pretraining_epochs,
            "steps": steps,
            "finetune_lr": finetune_lr,
            "seeds": seeds,
        }
    )
    table = write_summary(output, rows, dataset_name, list(range(seed, seed + seeds)), settings)
    lock.close()
    print(table)
    return rows


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    cli.add_common_arguments(parser, output="runs/few_labels", seed=89677)
    parser.add_argument("--hidden", type=positive_int, nargs="+", default=[500, 500])
    parser.add_argument(
        "--labels",
        type=positive_int,
        nargs="+",
        default=None,
        help="label budgets, multiples of 10 (default: those of "
        f"{' '.join(map(str, DEFAULT_LABELS))} that the training digits hold)",
    )
    parser.add_argument("--pretraining-epochs", type=positive_int, default=10)
    parser.add_argument("--steps", type=positive_int, default=5000, help="fine-tuning SGD steps")
    parser.add_argument("--finetune-lr", type=float, default=0.1)
    parser.add_argument(
        "--seeds",
        type=positive_int,
        default=1,
        help="repeat the comparison for N seeds, from --seed on (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    if args.labels is not None and any(n % 10 for n in args.labels):
        parser.error("--labels must be multiples of 10 (a tenth of them from each class)")
    return args


def n_training_digits(datasets):
    return datasets[0][0].get_value(borrow=True).shape[0]


def label_budgets(labels, batch_size, n_digits):
    """The label budgets to compare: ``labels``, unless one lies outside
    ``batch_size`` to ``n_digits`` (exit); None: the default budgets that do, saying
    which not."""
    if labels is None:
        fits = [n for n in DEFAULT_LABELS if batch_size <= n <= n_digits]
        dropped = [n for n in DEFAULT_LABELS if n not in fits]
        if not fits:
            sys.exit(
                f"none of the default label budgets {DEFAULT_LABELS} lies between --batch-size "
                f"and the {n_digits} training digits: give --labels"
            )
        if dropped:
            print(
                f"--labels: {', '.join(map(str, fits))}; the default budgets "
                f"{', '.join(map(str, dropped))} are left out, not between --batch-size "
                f"({batch_size}) and the {n_digits} training digits",
                flush=True,
            )
        return fits
    if max(labels) > n_digits or min(labels) < batch_size:
        sys.exit(f"--labels must lie between --batch-size and the {n_digits} training digits")
    return labels


def run_seed(
    datasets,
    dataset_name,
    *,
    data,
    output,
    seed,
    batch_size,
    limit,
    resume,
    quiet,
    hidden,
    labels,
    pretraining_epochs,
    steps,
    finetune_lr,
):
    """One seed's comparison in ``output``, the rows of its table; read back when
    ``resume`` finds it finished. The keyword arguments are the command's options
    but ``seeds``."""
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
            "labels": labels,
            "pretraining_epochs": pretraining_epochs,
            "steps": steps,
            "finetune_lr": finetune_lr,
        }
    )
    done = output / "few_labels.json"
    if resume and done.exists():
        saved = json.loads(done.read_text())
        if cli.results_settings(saved["config"]) != cli.results_settings(settings):
            raise DataError(f"{done} was made with other options: choose another --output")
        print(f"seed {seed}: finished before, read from {done}", flush=True)
        return saved["rows"]
    pretrained, monitor = pretrain_once(
        datasets,
        dataset_name,
        settings,
        output=output,
        seed=seed,
        hidden=hidden,
        batch_size=batch_size,
        pretraining_epochs=pretraining_epochs,
        resume=resume,
        quiet=quiet,
    )
    rows = [
        compare_on(n, datasets, pretrained, seed, hidden, steps, batch_size, finetune_lr)
        for n in labels
    ]
    write_results(output, rows, dataset_name, settings)
    monitor.finish()
    return rows


def new_sda(seed, hidden):
    """The SdA of ``hidden``, drawn from ``seed``: each copy starts from the same weights."""
    return dae.SdA(
        np.random.RandomState(seed),
        n_ins=784,
        hidden_layers_sizes=hidden,
        n_outs=10,
        corruption_levels=[0.2] * len(hidden),
    )


def pretrain_once(
    datasets,
    dataset_name,
    settings,
    *,
    output,
    seed,
    hidden,
    batch_size,
    pretraining_epochs,
    resume,
    quiet,
):
    """Cached pretraining of an SdA on every training digit, without their labels.

    Only pretraining is checkpointed (the fine-tuning runs, seconds each, start
    over), so this starts the run's Monitor in ``output``, under ``settings``.
    Returns the pretrained parameters' values and the Monitor, to finish once the
    results are written.
    """
    start = time.perf_counter()
    train_x, n_digits = datasets[0][0], n_training_digits(datasets)
    sda = new_sda(seed, hidden)
    fns = sda.cached_pretraining_functions(train_x, batch_size)
    n_batches = n_digits // batch_size
    variables = {**sda.named_params(), "theano_rng": sda.theano_rng}
    monitor = cli.start_monitor(
        output, settings, dataset=dataset_name, variables=variables, resume=resume, quiet=quiet
    )
    with monitor:
        pretrain(
            fns,
            n_batches,
            pretraining_epochs,
            sda.corruption_levels,
            0.1,
            log=print,
            monitor=monitor,
        )
    print(f"pretrained on {n_digits} unlabelled digits in {time.perf_counter() - start:.0f} s")
    return [p.get_value() for p in sda.params], monitor


def compare_on(n, datasets, pretrained, seed, hidden, steps, batch_size, finetune_lr):
    """The test errors, with and without the ``pretrained`` weights, of the MLP of
    ``hidden`` fine-tuned on ``n`` labelled digits, a tenth of each class, for
    ``steps`` steps."""
    (train_x, train_y), _, test = datasets
    x, y = train_x.get_value(borrow=True), train_y.get_value(borrow=True)
    idx = balanced_subset(y, n, np.random.RandomState(seed))
    row = {"labels": n}
    for method in METHODS:
        sda = new_sda(seed, hidden)
        if method == "SdA pretraining":
            for param, value in zip(sda.params, pretrained):
                param.set_value(value.copy())
        row[method] = finetune(sda, x[idx], y[idx], test, steps, batch_size, finetune_lr)
    print(
        f"{n} labels: test error {100 * row['random initialisation']:.2f}% without, "
        f"{100 * row['SdA pretraining']:.2f}% with pretraining",
        flush=True,
    )
    return row


def balanced_subset(y, n, rng):
    """Indices of n examples, n // 10 of each class (n a multiple of 10), shuffled
    so that minibatches mix the classes."""
    chosen = [rng.permutation(np.flatnonzero(y == c))[: n // 10] for c in range(10)]
    return rng.permutation(np.concatenate(chosen))


def finetune(sda, x, y, test, steps, batch_size, learning_rate):
    shared = [(pytensor.shared(x), pytensor.shared(y)), test, test]
    train_fn, _, test_score = sda.build_finetune_functions(shared, batch_size, learning_rate)
    n_batches = len(x) // batch_size
    for step in range(steps):
        train_fn(step % n_batches)
    return float(np.mean(test_score()))


def write_results(output, rows, dataset_name, settings):
    """few_labels.md and few_labels.json in ``output``; the table."""
    output.mkdir(parents=True, exist_ok=True)
    header = ["labels", "test error, random initialisation", "test error, SdA pretraining"]
    cells = [
        [
            f"{r['labels']:,}",
            f"{100 * r['random initialisation']:.2f}%",
            f"{100 * r['SdA pretraining']:.2f}%",
        ]
        for r in rows
    ]
    table = save_table(output / "few_labels.md", header, cells)
    save_metrics(
        output / "few_labels.json",
        {"dataset": dataset_name, "rows": rows, "config": settings},
    )
    return table


def summarize(labels, runs):
    """Per label budget, each start's errors over the seeds of ``runs`` ({seed: rows})
    as ``(n, mean, sd, half_width)``, and the paired gain from pretraining."""
    summary = []
    for i, n in enumerate(labels):
        per_seed = {seed: rows[i] for seed, rows in runs.items()}
        errors = {m: [row[m] for row in per_seed.values()] for m in METHODS}
        gains = [row[METHODS[0]] - row[METHODS[1]] for row in per_seed.values()]
        row = {"labels": n, **{m: sum(e) / len(e) for m, e in errors.items()}}
        row["statistics"] = {m: mean_and_interval(e) for m, e in errors.items()}
        row["statistics"]["gain"] = mean_and_interval(gains)
        row["per_seed"] = per_seed
        summary.append(row)
    return summary


def write_summary(output, rows, dataset_name, seeds, settings):
    """few_labels.md and few_labels.json in ``output``, over the ``seeds``; the table."""
    header = ["labels"]
    for name in (*METHODS, "gain"):
        header += [f"test error (%), {name}" if name != "gain" else "gain (points)", "95% CI"]
    cells = [
        [f"{row['labels']:,}"]
        + [cell for name in (*METHODS, "gain") for cell in percent(row["statistics"][name])]
        for row in rows
    ]
    table = save_table(output / "few_labels.md", header, cells)
    save_metrics(
        output / "few_labels.json",
        {"dataset": dataset_name, "seeds": seeds, "rows": rows, "config": settings},
    )
    n = f"{len(seeds)} seeds" if len(seeds) > 1 else "1 seed: no interval"
    return f"{table}\n(mean ± standard deviation over {n}; gain: random minus pretrained)"
