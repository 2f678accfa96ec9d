"""Training runs as functions: what a script does, callable from Python.

``scripts/train_sda.py``'s ``main`` is :func:`train_sda`, and each trial of a sweep
(:mod:`dae.sweep`) calls the same function in its worker, so a trial is that
script's run to the last bit.
"""

import argparse
import shlex
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytensor
from pytensor.compile.sharedvalue import SharedVariable

from dae import backend, flops
from dae.cli import (
    add_common_arguments,
    load_training_data,
    log,
    positive_float,
    positive_int,
    settings,
    start_monitor,
    unit_fraction,
)
from dae.files import save_metrics
from dae.images import save_filters
from dae.models import SdA
from dae.models.persistence import restore, snapshot
from dae.training import early_stopping, pretrain

#: The help text of ``train_sda.py``.
TRAIN_SDA_HELP = """Train a stacked denoising autoencoder on MNIST: the tutorial's ``test_SdA``.

Greedy layer-wise pretraining of each denoising autoencoder, then supervised
fine-tuning of the whole network with patience-based early stopping. Writes the
filters of every layer, the trained parameters and the metrics to ``--output``.

A checkpoint is written to ``--output`` after every epoch and when Ctrl-C stops
the run; ``--resume`` continues from it, ending exactly as a run that never
stopped. ``metrics.jsonl`` logs every epoch (``scripts/plot_metrics.py`` draws it).

Defaults differ from the tutorial (see README): minibatches of 20, a larger
pretraining rate, learning-rate decay and light dropout in fine-tuning.
    python scripts/train_sda.py --batch-size 1 --pretrain-lr 0.001 \\
        --finetune-lr 0.1 --lr-decay 1 --dropout 0 --pretraining-epochs 15 \\
        --training-epochs 1000 --pretraining tutorial
is the tutorial's own setting (about 17 hours on one core in 2010).
"""


def train_sda(argv=None, on_epoch=None):
    """Train an SdA as ``train_sda.py`` does, with its command line ``argv``.

    Parameters
    ----------
    argv : list of str, optional
        The script's options, ``["--output", "runs/x", "--seed", "2", ...]``;
        None reads ``sys.argv``.
    on_epoch : callable, optional
        Called with each epoch's record in ``metrics.jsonl``, once the epoch is
        checkpointed (see :class:`dae.training.Monitor`).

    Returns
    -------
    dict
        What ``metrics.json`` in ``--output`` holds: the settings, the data set,
        the pretraining costs, the fine-tuning result (``best_validation_error``,
        ``test_error``, ``best_epoch``, ``epochs``, ...) and the seconds taken.

    Raises
    ------
    DataError
        Bad data, or an unfinished run in ``--output`` without ``--resume``.
    SystemExit
        Bad options, as argparse reports them.
    """
    args = parse_args(argv)
    command = " ".join(sys.argv) if argv is None else shlex.join(["train_sda.py", *argv])
    clock = Stopwatch()
    choose_device(args.device)
    rate = measure_gemm_rate(args.device)
    datasets, dataset_name, n_train_batches = load_data(args)
    sda = build_sda(args, datasets)
    pretraining_fns = compile_pretraining(args, sda, datasets)
    finetuning = compile_finetuning(args, sda, datasets)
    monitor = start_run(args, sda, finetuning, dataset_name)
    monitor.on_epoch = on_epoch
    with monitor:
        with clock.timing("pretraining"):
            costs = pretrain_layers(args, pretraining_fns, n_train_batches, monitor)
        with clock.timing("finetuning"):
            result = finetune(args, sda, finetuning, n_train_batches, monitor)
    seconds = clock.stop()
    bound = gemm_bound(args, datasets, n_train_batches, result, rate)
    if not monitor.resumed:  # a resumed run's seconds are only this process's
        bound["ratio"] = seconds["total"] / bound["seconds"]
    report(result, seconds, dataset_name, bound)
    metrics = write_results(args, sda, dataset_name, costs, result, seconds, command, bound)
    monitor.finish()
    print(
        f"wrote filters_layer1..{len(args.hidden)}.png, params.npz, metrics.json and "
        f"metrics.jsonl to {args.output}"
    )
    return metrics


# ---------------------------------------------------------------- command line
def parse_args(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    check_options(parser, args)
    return args


def build_parser():
    parser = argparse.ArgumentParser(
        prog="train_sda.py",
        description=TRAIN_SDA_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_common_arguments(parser, output="runs/sda", seed=89677)
    add_model_options(parser)
    add_learning_options(parser)
    add_schedule_options(parser)
    return parser


def add_model_options(parser):
    """The shape of the SdA and the noise of its dAs."""
    parser.add_argument(
        "--hidden",
        type=positive_int,
        nargs="+",
        default=[1000, 1000, 1000],
        help="hidden layer sizes (default: %(default)s)",
    )
    parser.add_argument(
        "--corruption",
        type=unit_fraction,
        nargs="+",
        default=[0.1, 0.2, 0.3],
        help="masking level of each layer's dA (default: %(default)s)",
    )


def add_learning_options(parser):
    """Learning rates, momentum, dropout and the max-norm constraint."""
    parser.add_argument(
        "--pretrain-lr",
        type=positive_float,
        default=0.1,
        help="pretraining learning rate (default: %(default)s)",
    )
    parser.add_argument(
        "--finetune-lr",
        type=positive_float,
        default=1.0,
        help="fine-tuning learning rate (default: %(default)s)",
    )
    parser.add_argument(
        "--momentum",
        type=unit_fraction,
        default=0.0,
        help="fine-tuning momentum, 0 for plain SGD (default: %(default)s)",
    )
    parser.add_argument(
        "--lr-decay",
        type=positive_float,
        default=0.95,
        help="multiply the fine-tuning learning rate by this after each epoch "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--dropout",
        type=unit_fraction,
        nargs="+",
        default=None,
        help="dropout in fine-tuning: drop rates of the input and of each hidden layer, "
        "or 0 for none, the tutorial's fine-tuning (default: 0.1 for the input, 0.2 for "
        "each hidden layer)",
    )
    parser.add_argument(
        "--max-norm",
        type=positive_float,
        default=None,
        help="fine-tuning: after every step, scale each unit's incoming weights to a norm "
        "of at most this (the max-norm constraint of dropout nets) (default: none)",
    )


def add_schedule_options(parser):
    """How pretraining runs, on which device, and for how many epochs."""
    parser.add_argument(
        "--pretraining",
        choices=["cached", "tutorial"],
        default="cached",
        help="cached: layer k+1 learns from layer k's codes, computed once; tutorial: "
        "every step runs the layers below again (same result, slower) (default: %(default)s)",
    )
    parser.add_argument(
        "--device",
        choices=backend.DEVICES,
        default="cpu",
        help="gpu: compile with PyTensor's JAX backend for the GPU; jax: the same backend "
        "on JAX's default device, the CPU without a GPU (default: %(default)s)",
    )
    parser.add_argument(
        "--steps-per-call",
        type=positive_int,
        default=None,
        help="training steps per call of a compiled function: 1 is the tutorial's call per "
        "minibatch; more take that many minibatches in one call, through scan, with the same "
        "steps (default: 1 on the CPU, where a call costs little; "
        f"{backend.STEPS_PER_CALL['JAX']} under JAX, --device gpu or jax)",
    )
    parser.add_argument(
        "--score-rows",
        type=positive_int,
        default=10000,
        help="rows a call of the validation and test passes takes, a whole number of "
        "minibatches: the same rows and error rates as one minibatch a call, in fewer, "
        "larger calls (default: %(default)s)",
    )
    parser.add_argument(
        "--pretraining-epochs",
        type=int,
        default=10,
        help="pretraining epochs per layer, 0 to skip pretraining (default: %(default)s)",
    )
    parser.add_argument(
        "--training-epochs",
        type=int,
        default=30,
        help="most fine-tuning epochs; early stopping may end sooner; 0 to pretrain only, "
        "for runs that fine-tune from it with --init (default: %(default)s)",
    )
    parser.add_argument(
        "--init",
        type=Path,
        default=None,
        help="start from the SdA in this file (a run's params.npz): its weights and its "
        "random generator. With the params.npz of a --training-epochs 0 run and "
        "--pretraining-epochs 0, fine-tuning goes exactly as in the one run with both "
        "(the same --seed and options), so settings of fine-tuning can share one "
        "pretraining (default: none)",
    )


def check_options(parser, args):
    """The checks argparse cannot make option by option; fills in --dropout."""
    n_layers = len(args.hidden)
    if len(args.corruption) != n_layers:
        parser.error(f"--corruption has {len(args.corruption)} levels for {n_layers} layers")
    args.dropout = dropout_rates(args.dropout, n_layers)
    if args.dropout is not None and len(args.dropout) != n_layers + 1:
        parser.error(
            f"--dropout has {len(args.dropout)} rates; {n_layers + 1} are needed "
            "(the input and each hidden layer)"
        )
    for option in ("pretraining_epochs", "training_epochs"):
        if getattr(args, option) < 0:
            parser.error(f"--{option.replace('_', '-')} must be 0 or more")


def dropout_rates(dropout, n_layers):
    """--dropout as given; its default when not given; None (no dropout) for 0."""
    if dropout is None:
        return [0.1] + [0.2] * n_layers
    if dropout == [0.0]:
        return None
    return dropout


# ---------------------------------------------------------------- the steps of main
def choose_device(device):
    """Compile for --device from now on; say what the backend is."""
    backend.use_device(device)
    print(backend.describe(), flush=True)


def measure_gemm_rate(device):
    """The float32 GEMM rate of --device, measured now (about a second); says it."""
    rate = flops.gemm_rate(device=device)
    print(f"float32 GEMM rate: {rate / 1e9:,.0f} GFLOP/s", flush=True)
    return rate


def load_data(args):
    """The data sets, their name and the number of training minibatches; says so."""
    datasets, dataset_name, n_train_batches = load_training_data(args)
    sizes = [int(x.get_value(borrow=True).shape[0]) for x, _ in datasets]
    print(
        f"data: {dataset_name}, {sizes} examples; {n_train_batches} minibatches of "
        f"{args.batch_size}",
        flush=True,
    )
    return datasets, dataset_name, n_train_batches


def build_sda(args, datasets):
    """The SdA of the options, for the digits of ``datasets``, drawn from --seed, or
    with the weights and generator of the SdA in --init."""
    sda = SdA(
        numpy_rng=np.random.RandomState(args.seed),
        n_ins=datasets[0][0].get_value(borrow=True).shape[1],
        hidden_layers_sizes=args.hidden,
        n_outs=10,
        corruption_levels=args.corruption,
    )
    if args.init is not None:
        # DataError, naming the file, if it holds no SdA or one of other sizes.
        _, arrays, rng = snapshot(SdA.load(args.init))
        restore(sda, arrays, rng, args.init)
        print(f"weights and random generator from {args.init}", flush=True)
    return sda


def compile_pretraining(args, sda, datasets):
    """One pretraining function per layer, by the path --pretraining names."""
    train_x, steps = datasets[0][0], args.steps_per_call
    if args.pretraining == "cached":
        return sda.cached_pretraining_functions(train_x, args.batch_size, steps_per_call=steps)
    return sda.pretraining_functions(train_x, args.batch_size, steps_per_call=steps)


class Finetuning(NamedTuple):
    """The compiled functions of fine-tuning, and its learning rate, which decays."""

    train_fn: Callable
    valid_score: Callable
    test_score: Callable
    learning_rate: SharedVariable


def compile_finetuning(args, sda, datasets):
    """The functions of fine-tuning at --finetune-lr, with --momentum, --dropout and
    --max-norm."""
    learning_rate = pytensor.shared(np.float32(args.finetune_lr), name="finetune_lr")
    functions = sda.build_finetune_functions(
        datasets,
        args.batch_size,
        learning_rate,
        momentum=args.momentum,
        dropout=args.dropout,
        max_norm=args.max_norm,
        steps_per_call=args.steps_per_call,
        score_rows=args.score_rows,
    )
    return Finetuning(*functions, learning_rate)


def start_run(args, sda, finetuning, dataset_name):
    """The run's Monitor, checkpointing everything training changes: the SdA, the
    learning rate, the noise generator and the velocities of momentum (in train_fn)."""
    variables = {
        **sda.named_params(),
        "finetune_lr": finetuning.learning_rate,
        "theano_rng": sda.theano_rng,
    }
    return start_monitor(args, variables, functions=[finetuning.train_fn], dataset=dataset_name)


def pretrain_layers(args, pretraining_fns, n_train_batches, monitor):
    """Greedy layer-wise pretraining; the mean cost of each epoch of each layer."""
    return pretrain(
        pretraining_fns,
        n_train_batches,
        args.pretraining_epochs,
        args.corruption,
        args.pretrain_lr,
        log=log,
        monitor=monitor,
    )


def finetune(args, sda, finetuning, n_train_batches, monitor):
    """Fine-tuning with early stopping and learning-rate decay; its result, or None
    with --training-epochs 0."""
    if args.training_epochs == 0:
        return None

    def decay_learning_rate(epoch):
        finetuning.learning_rate.set_value(np.float32(args.finetune_lr * args.lr_decay**epoch))

    return early_stopping(
        finetuning.train_fn,
        finetuning.valid_score,
        finetuning.test_score,
        n_train_batches,
        args.training_epochs,
        params=sda.params,
        after_epoch=decay_learning_rate,
        log=log,
        monitor=monitor,
    )


def gemm_bound(args, datasets, n_train_batches, result, rate):
    """The run's GEMM arithmetic (:mod:`dae.flops`) and the seconds it takes at
    ``rate``: the time no implementation of this run can beat on this machine.

    Counted: each pretraining epoch's dA steps, the cached codes of the layers
    below (or, on the tutorial's path, the lower layers run again each step), and
    each fine-tuning epoch's steps and validation pass, with a test pass at each new
    best validation error.
    """
    n_train, n_valid, n_test = (int(x.get_value(borrow=True).shape[0]) for x, _ in datasets)
    sizes = [datasets[0][0].get_value(borrow=True).shape[1], *args.hidden, 10]
    stepped = n_train_batches * args.batch_size
    total = 0
    for k in range(len(args.hidden)):
        epochs = args.pretraining_epochs
        total += epochs * stepped * flops.da_step(sizes[k], sizes[k + 1])
        if k > 0 and args.pretraining == "cached":  # layer k-1's codes, once
            total += n_train * flops.mlp_forward(sizes[k - 1 : k + 1])
        elif k > 0:  # every step runs the layers below again
            total += epochs * stepped * flops.mlp_forward(sizes[: k + 1])
    if result is not None:
        best = [record["best_validation_error"] for record in result["history"]]
        new_bests = sum(b < a for a, b in zip([float("inf"), *best], best))
        scored = [n // args.batch_size * args.batch_size for n in (n_valid, n_test)]
        total += result["epochs"] * stepped * flops.mlp_step(sizes)
        total += (result["epochs"] * scored[0] + new_bests * scored[1]) * flops.mlp_forward(sizes)
    return {"gemm_rate": rate, "flops": total, "seconds": total / rate, "ratio": None}


def report(result, seconds, dataset_name, bound):
    """The errors, the minutes taken and their ratio to the GEMM bound, in one line."""
    ratio = "" if bound["ratio"] is None else f"{bound['ratio']:.2f}x "
    errors = (
        "pretraining only (--training-epochs 0)"
        if result is None
        else f"best validation error {100 * result['best_validation_error']:.2f}% at epoch "
        f"{result['best_epoch']}, test error {100 * result['test_error']:.2f}%"
    )
    print(
        f"{errors}; pretraining {seconds['pretraining'] / 60:.1f} min, fine-tuning "
        f"{seconds['finetuning'] / 60:.1f} min, total {seconds['total'] / 60:.1f} min, "
        f"{ratio}the GEMM bound of {bound['seconds'] / 60:.1f} min ({bound['flops']:.2e} "
        f"FLOPs at {bound['gemm_rate'] / 1e9:,.0f} GFLOP/s)",
        flush=True,
    )
    if dataset_name == "mnist-5k-sample":
        print("(on the 5,000-digit sample: not comparable with MNIST results)", file=sys.stderr)


def write_results(args, sda, dataset_name, pretraining_costs, result, seconds, command, bound):
    """Each layer's filters, the parameters and metrics.json, in --output; the metrics."""
    args.output.mkdir(parents=True, exist_ok=True)
    save_layer_filters(sda, args.output)
    sda.save(args.output / "params.npz")  # np.load reads it; dae.SdA.load rebuilds the SdA
    metrics = {
        "command": command,
        "config": settings(args),
        "dataset": dataset_name,
        "pretraining": {"cost": pretraining_costs, "seconds": round(seconds["pretraining"], 1)},
        "finetuning": None
        if result is None
        else {**result, "seconds": round(seconds["finetuning"], 1)},
        "test_error": None if result is None else result["test_error"],
        "total_seconds": round(seconds["total"], 1),
        "gemm_bound": bound,
    }
    save_metrics(args.output / "metrics.json", metrics)
    return metrics


def save_layer_filters(sda, folder):
    """filters_layer{k}.png: layer k's filters drawn in pixel space through the
    product W1 ... Wk, a linear view that ignores the sigmoids between layers, the
    usual way to look at them."""
    projection = np.eye(sda.n_ins, dtype=np.float32)
    for k, layer in enumerate(sda.sigmoid_layers, start=1):
        projection = projection @ layer.W.get_value()
        save_filters(folder / f"filters_layer{k}.png", projection)


class Stopwatch:
    """The seconds of each step timed with it, and in all since it was made."""

    def __init__(self):
        self.start = time.perf_counter()
        self.seconds = {}

    @contextmanager
    def timing(self, name):
        """Keep the seconds of the ``with`` block as ``name``."""
        start = time.perf_counter()
        yield
        self.seconds[name] = time.perf_counter() - start

    def stop(self):
        """The seconds of each step, and ``"total"`` since the stopwatch was made."""
        return {**self.seconds, "total": time.perf_counter() - self.start}
