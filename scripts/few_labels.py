#!/usr/bin/env python
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

import numpy as np
import pytensor

import dae
from dae.checks import DataError
from dae.cli import (
    add_common_arguments,
    load_mnist_or_sample,
    positive_int,
    run,
    settings,
    start_monitor,
)
from dae.files import lock_folder, save_metrics, save_table
from dae.statistics import mean_and_interval, percent
from dae.training import pretrain

METHODS = ("random initialisation", "SdA pretraining")
DEFAULT_LABELS = (100, 1000, 10000)


def main(argv=None):
    args = parse_args(argv)
    datasets, dataset_name = load_mnist_or_sample(args.data, args.limit)
    check_label_budgets(args, n_digits=n_training_digits(datasets))
    lock = lock_folder(args.output)  # the summary's folder; each seed locks its own
    runs = {
        seed: run_seed(seed_args(args, seed), datasets, dataset_name)
        for seed in range(args.seed, args.seed + args.seeds)
    }
    rows = summarize(args.labels, runs)
    table = write_summary(args, rows, dataset_name)
    lock.close()
    print(table)
    return rows


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_common_arguments(parser, output="runs/few_labels", seed=89677)
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


def check_label_budgets(args, n_digits):
    """Exit unless each budget of --labels lies between --batch-size and the training
    digits; without --labels, keep the default budgets that do, saying which not."""
    if args.labels is None:
        fits = [n for n in DEFAULT_LABELS if args.batch_size <= n <= n_digits]
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
                f"({args.batch_size}) and the {n_digits} training digits",
                flush=True,
            )
        args.labels = fits
    elif max(args.labels) > n_digits or min(args.labels) < args.batch_size:
        sys.exit(f"--labels must lie between --batch-size and the {n_digits} training digits")


def seed_args(args, seed):
    """The options of one seed's comparison: --seed set, its own output folder."""
    one = {key: value for key, value in vars(args).items() if key != "seeds"}
    return argparse.Namespace(**{**one, "seed": seed, "output": args.output / f"seed-{seed}"})


def run_seed(args, datasets, dataset_name):
    """One seed's comparison, the rows of its table; read back when --resume finds it
    finished."""
    done = args.output / "few_labels.json"
    if args.resume and done.exists():
        saved = json.loads(done.read_text())
        if results_config(saved["config"]) != results_config(settings(args)):
            raise DataError(f"{done} was made with other options: choose another --output")
        print(f"seed {args.seed}: finished before, read from {done}", flush=True)
        return saved["rows"]
    pretrained, monitor = pretrain_once(args, datasets, dataset_name)
    rows = [compare_on(args, n, datasets, pretrained) for n in args.labels]
    write_results(args, rows, dataset_name)
    monitor.finish()
    return rows


def results_config(config):
    """The options of ``config`` that decide a seed's results."""
    ignored = ("data", "output", "resume", "quiet")
    return {key: value for key, value in config.items() if key not in ignored}


def new_sda(args):
    """The SdA of --hidden, drawn from --seed: each copy starts from the same weights."""
    return dae.SdA(
        np.random.RandomState(args.seed),
        n_ins=784,
        hidden_layers_sizes=args.hidden,
        n_outs=10,
        corruption_levels=[0.2] * len(args.hidden),
    )


def pretrain_once(args, datasets, dataset_name):
    """Cached pretraining of an SdA on every training digit, without their labels.

    Only pretraining is checkpointed (the fine-tuning runs, seconds each, start
    over), so this starts the run's Monitor. Returns the pretrained parameters'
    values and the Monitor, to finish once the results are written.
    """
    start = time.perf_counter()
    train_x, n_digits = datasets[0][0], n_training_digits(datasets)
    sda = new_sda(args)
    fns = sda.cached_pretraining_functions(train_x, args.batch_size)
    n_batches = n_digits // args.batch_size
    variables = {**sda.named_params(), "theano_rng": sda.theano_rng}
    monitor = start_monitor(args, variables, dataset=dataset_name)
    with monitor:
        pretrain(
            fns,
            n_batches,
            args.pretraining_epochs,
            sda.corruption_levels,
            0.1,
            log=print,
            monitor=monitor,
        )
    print(f"pretrained on {n_digits} unlabelled digits in {time.perf_counter() - start:.0f} s")
    return [p.get_value() for p in sda.params], monitor


def compare_on(args, n, datasets, pretrained):
    """The test errors, with and without the pretrained weights, of the MLP fine-tuned
    on ``n`` labelled digits, a tenth of each class."""
    (train_x, train_y), _, test = datasets
    x, y = train_x.get_value(borrow=True), train_y.get_value(borrow=True)
    idx = balanced_subset(y, n, np.random.RandomState(args.seed))
    row = {"labels": n}
    for method in METHODS:
        sda = new_sda(args)
        if method == "SdA pretraining":
            for param, value in zip(sda.params, pretrained):
                param.set_value(value.copy())
        row[method] = finetune(
            sda, x[idx], y[idx], test, args.steps, args.batch_size, args.finetune_lr
        )
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


def write_results(args, rows, dataset_name):
    """few_labels.md and few_labels.json in --output; the table."""
    args.output.mkdir(parents=True, exist_ok=True)
    header = ["labels", "test error, random initialisation", "test error, SdA pretraining"]
    cells = [
        [
            f"{r['labels']:,}",
            f"{100 * r['random initialisation']:.2f}%",
            f"{100 * r['SdA pretraining']:.2f}%",
        ]
        for r in rows
    ]
    table = save_table(args.output / "few_labels.md", header, cells)
    save_metrics(
        args.output / "few_labels.json",
        {"dataset": dataset_name, "rows": rows, "config": settings(args)},
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


def write_summary(args, rows, dataset_name):
    """few_labels.md and few_labels.json in --output, over the seeds; the table."""
    header = ["labels"]
    for name in (*METHODS, "gain"):
        header += [f"test error (%), {name}" if name != "gain" else "gain (points)", "95% CI"]
    cells = [
        [f"{row['labels']:,}"]
        + [cell for name in (*METHODS, "gain") for cell in percent(row["statistics"][name])]
        for row in rows
    ]
    table = save_table(args.output / "few_labels.md", header, cells)
    save_metrics(
        args.output / "few_labels.json",
        {
            "dataset": dataset_name,
            "seeds": list(range(args.seed, args.seed + args.seeds)),
            "rows": rows,
            "config": settings(args),
        },
    )
    seeds = f"{args.seeds} seeds" if args.seeds > 1 else "1 seed: no interval"
    return f"{table}\n(mean ± standard deviation over {seeds}; gain: random minus pretrained)"


if __name__ == "__main__":
    run(main)
