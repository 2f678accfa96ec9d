"""``train_sda``: an SdA trained as the tutorial's ``test_SdA`` did, as a command and as
a function.

:func:`main` is the command line (``scripts/train_sda.py``, ``dae-train-sda``);
:func:`train_sda` is the run, with the options as keyword arguments. Each trial of a
sweep (:mod:`dae.apps.sweep_engine`) calls :func:`train_sda` on the trial's command
line, read by :func:`options`, so a trial is the command's run to the last bit.
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

from dae import backend
from dae.apps import cli, gemm_bound
from dae.apps.cli import log, positive_float, positive_int, unit_fraction
from dae.files import save_metrics
from dae.images import save_filters
from dae.models import SdA
from dae.models.persistence import restore, snapshot
from dae.training import early_stopping, pretrain

__all__ = ["main", "options", "train_sda"]

#: The help text of ``train_sda.py``.
HELP = """Train a stacked denoising autoencoder on MNIST: the tutorial's ``test_SdA``.

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


def main(argv=None):
    """Train an SdA with the command line ``argv`` (None: ``sys.argv``); a bad
    option, bad data or a missing device ends it with a one-line message."""
    backend.configure()
    command = " ".join(sys.argv) if argv is None else shlex.join(["train_sda.py", *argv])
    with cli.one_line_errors(backend.DeviceError):
        # Named after the program run (train_sda.py, dae-train-sda) in its messages.
        train_sda(**options(argv, prog=None), command=command)


def train_sda(
    *,
    data,
    output,
    seed,
    batch_size,
    limit,
    resume,
    quiet,
    hidden,
    corruption,
    pretrain_lr,
    finetune_lr,
    momentum,
    lr_decay,
    dropout,
    max_norm,
    pretraining,
    device,
    steps_per_call,
    score_rows,
    pretraining_epochs,
    training_epochs,
    test_at,
    init,
    command=None,
    on_epoch=None,
):
    """Train an SdA as ``train_sda.py`` does; :func:`options` reads its keyword
    arguments from a command line, and ``--help`` says what each option does.

    Parameters
    ----------
    data, output, init : path or None
        ``--data`` (None: MNIST in ``data/mnist``, else the sample), ``--output``
        and ``--init``.
    seed, batch_size, limit, score_rows, steps_per_call : int or None
        The options of the same names.
    resume, quiet : bool
        ``--resume`` and ``--quiet``.
    hidden, corruption : list
        The layer sizes and their dAs' masking levels, one per layer.
    pretrain_lr, finetune_lr, momentum, lr_decay, max_norm : float or None
        The options of the same names.
    dropout : list of float or None
        The drop rates of the input and of each hidden layer in fine-tuning, or
        None for no dropout (``--dropout 0``).
    pretraining : {"cached", "tutorial"}
        Whether each layer learns from the codes of the one below, computed once,
        or runs the layers below again at every step, as the tutorial did.
    device : {"cpu", "gpu", "jax"}
        Where the functions are compiled for (:func:`dae.backend.use_device`).
    pretraining_epochs, training_epochs : int
        Epochs a layer of pretraining, and most epochs of fine-tuning.
    test_at : {"best", "end"}
        When the test set is scored: at each new best validation error, as the
        tutorial does, or once after training, with the best parameters (the same
        test error, in one pass).
    command : str, optional
        The command line, recorded in ``metrics.json``.
    on_epoch : callable, optional
        Called with each epoch's record in ``metrics.jsonl``, once the epoch is
        checkpointed (see :class:`dae.training.Monitor`).

    Returns
    -------
    dict
        What ``metrics.json`` in ``output`` holds: the settings, the data set,
        the pretraining costs, the fine-tuning result (``best_validation_error``,
        ``test_error``, ``best_epoch``, ``epochs``, ...) and the seconds taken.

    Raises
    ------
    DataError
        Bad data, or an unfinished run in ``output`` without ``resume``.
    SystemExit
        A minibatch larger than a split.
    """
    config = cli.settings(
        {
            "data": data,
            "output": output,
            "seed": seed,
            "batch_size": batch_size,
            "limit": limit,
            "resume": resume,
            "quiet": quiet,
            "hidden": hidden,
            "corruption": corruption,
            "pretrain_lr": pretrain_lr,
            "finetune_lr": finetune_lr,
            "momentum": momentum,
            "lr_decay": lr_decay,
            "dropout": dropout,
            "max_norm": max_norm,
            "pretraining": pretraining,
            "device": device,
            "steps_per_call": steps_per_call,
            "score_rows": score_rows,
            "pretraining_epochs": pretraining_epochs,
            "training_epochs": training_epochs,
            "test_at": test_at,
            "init": init,
        }
    )
    output = Path(output)
    clock = Stopwatch()
    choose_device(device)
    rate = gemm_bound.measure_gemm_rate(device)
    datasets, dataset_name, n_train_batches = load_data(data, limit, batch_size)
    sda = build_sda(datasets, seed, hidden, corruption, init)
    pretraining_fns = compile_pretraining(sda, datasets, batch_size, pretraining, steps_per_call)
    finetuning = compile_finetuning(
        sda,
        datasets,
        batch_size,
        finetune_lr,
        momentum,
        dropout,
        max_norm,
        steps_per_call,
        score_rows,
    )
    monitor = start_run(output, config, dataset_name, sda, finetuning, resume, quiet)
    monitor.on_epoch = on_epoch
    with monitor:
        with clock.timing("pretraining"):
            costs = pretrain(
                pretraining_fns,
                n_train_batches,
                pretraining_epochs,
                corruption,
                pretrain_lr,
                log=log,
                monitor=monitor,
            )
        with clock.timing("finetuning"):
            result = finetune(
                sda,
                finetuning,
                n_train_batches,
                finetune_lr,
                lr_decay,
                training_epochs,
                monitor,
                test_each_best=test_at == "best",
            )
    seconds = clock.stop()
    bound = gemm_bound.sda_run_bound(
        [datasets[0][0].get_value(borrow=True).shape[1], *hidden, 10],
        [int(x.get_value(borrow=True).shape[0]) for x, _ in datasets],
        batch_size,
        pretraining_epochs,
        pretraining == "cached",
        result,
        rate,
        tested_each_best=test_at == "best",
        # A resumed run's seconds are only this process's: no ratio.
        seconds=None if monitor.resumed else seconds["total"],
    )
    report(result, seconds, dataset_name, bound)
    metrics = write_results(
        output, sda, command, config, dataset_name, costs, result, seconds, bound
    )
    monitor.finish()
    print(
        f"wrote filters_layer1..{len(hidden)}.png, params.npz, metrics.json and "
        f"metrics.jsonl to {output}"
    )
    return metrics


# ---------------------------------------------------------------- command line
def options(argv=None, prog="train_sda.py"):
    """The keyword arguments of :func:`train_sda` that the command line ``argv``
    (None: ``sys.argv``) gives, checked as the command checks them; a bad option
    exits with argparse's message, under the program name ``prog`` (None: the
    program run)."""
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    check_options(parser, args)
    return vars(args)


def build_parser(prog="train_sda.py"):
    parser = argparse.ArgumentParser(
        prog=prog, description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    cli.add_common_arguments(parser, output="runs/sda", seed=89677)
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
        "--test-at",
        choices=["best", "end"],
        default="best",
        help="best: score each new best validation error on the test set, as the tutorial "
        "does; end: once, with the best parameters, after training: the same test error in "
        "one test pass (default: %(default)s)",
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


# ---------------------------------------------------------------- the steps of the run
def choose_device(device):
    """Compile for ``device`` from now on; say what the backend is."""
    backend.use_device(device)
    print(backend.describe(), flush=True)


def load_data(data, limit, batch_size):
    """The data sets, their name and the number of training minibatches; says so."""
    datasets, dataset_name, n_train_batches = cli.load_training_data(data, limit, batch_size)
    sizes = [int(x.get_value(borrow=True).shape[0]) for x, _ in datasets]
    print(
        f"data: {dataset_name}, {sizes} examples; {n_train_batches} minibatches of {batch_size}",
        flush=True,
    )
    return datasets, dataset_name, n_train_batches


def build_sda(datasets, seed, hidden, corruption, init=None):
    """The SdA of ``hidden`` and ``corruption`` for the digits of ``datasets``, drawn
    from ``seed``, or with the weights and generator of the SdA in the file ``init``."""
    sda = SdA(
        numpy_rng=np.random.RandomState(seed),
        n_ins=datasets[0][0].get_value(borrow=True).shape[1],
        hidden_layers_sizes=hidden,
        n_outs=10,
        corruption_levels=corruption,
    )
    if init is not None:
        # DataError, naming the file, if it holds no SdA or one of other sizes.
        _, arrays, rng = snapshot(SdA.load(init))
        restore(sda, arrays, rng, init)
        print(f"weights and random generator from {init}", flush=True)
    return sda


def compile_pretraining(sda, datasets, batch_size, pretraining, steps_per_call):
    """One pretraining function per layer, by the path ``pretraining`` names."""
    train_x = datasets[0][0]
    if pretraining == "cached":
        return sda.cached_pretraining_functions(train_x, batch_size, steps_per_call=steps_per_call)
    return sda.pretraining_functions(train_x, batch_size, steps_per_call=steps_per_call)


class Finetuning(NamedTuple):
    """The compiled functions of fine-tuning, and its learning rate, which decays."""

    train_fn: Callable
    valid_score: Callable
    test_score: Callable
    learning_rate: SharedVariable


def compile_finetuning(
    sda, datasets, batch_size, finetune_lr, momentum, dropout, max_norm, steps_per_call, score_rows
):
    """The functions of fine-tuning at ``finetune_lr``, with ``momentum``, ``dropout``
    and ``max_norm``."""
    learning_rate = pytensor.shared(np.float32(finetune_lr), name="finetune_lr")
    functions = sda.build_finetune_functions(
        datasets,
        batch_size,
        learning_rate,
        momentum=momentum,
        dropout=dropout,
        max_norm=max_norm,
        steps_per_call=steps_per_call,
        score_rows=score_rows,
    )
    return Finetuning(*functions, learning_rate)


def start_run(output, config, dataset_name, sda, finetuning, resume, quiet):
    """The run's Monitor in ``output``, checkpointing everything training changes: the
    SdA, the learning rate, the noise generator and the velocities of momentum (in
    train_fn)."""
    variables = {
        **sda.named_params(),
        "finetune_lr": finetuning.learning_rate,
        "theano_rng": sda.theano_rng,
    }
    return cli.start_monitor(
        output,
        config,
        dataset=dataset_name,
        variables=variables,
        functions=[finetuning.train_fn],
        resume=resume,
        quiet=quiet,
    )


def finetune(
    sda,
    finetuning,
    n_train_batches,
    finetune_lr,
    lr_decay,
    training_epochs,
    monitor,
    test_each_best=True,
):
    """Fine-tuning with early stopping and learning-rate decay, scoring the test set
    at each new best or, without ``test_each_best``, once at the end; its result, or
    None when ``training_epochs`` is 0."""
    if training_epochs == 0:
        return None

    def decay_learning_rate(epoch):
        finetuning.learning_rate.set_value(np.float32(finetune_lr * lr_decay**epoch))

    return early_stopping(
        finetuning.train_fn,
        finetuning.valid_score,
        finetuning.test_score,
        n_train_batches,
        training_epochs,
        params=sda.params,
        after_epoch=decay_learning_rate,
        log=log,
        monitor=monitor,
        test_each_best=test_each_best,
    )


def report(result, seconds, dataset_name, bound):
    """The errors, the minutes taken and their ratio to the GEMM bound, in one line."""
    errors = (
        "pretraining only (--training-epochs 0)"
        if result is None
        else f"best validation error {100 * result['best_validation_error']:.2f}% at epoch "
        f"{result['best_epoch']}, test error {100 * result['test_error']:.2f}%"
    )
    print(
        f"{errors}; pretraining {seconds['pretraining'] / 60:.1f} min, fine-tuning "
        f"{seconds['finetuning'] / 60:.1f} min, total {seconds['total'] / 60:.1f} min, "
        f"{gemm_bound.describe(bound)}",
        flush=True,
    )
    if dataset_name == "mnist-5k-sample":
        print("(on the 5,000-digit sample: not comparable with MNIST results)", file=sys.stderr)


def write_results(output, sda, command, config, dataset_name, costs, result, seconds, bound):
    """Each layer's filters, the parameters and metrics.json, in ``output``; the
    metrics: the ``command`` and its settings (``config``), the data set, the
    pretraining ``costs``, the fine-tuning ``result``, the ``seconds`` and the
    GEMM ``bound``."""
    output.mkdir(parents=True, exist_ok=True)
    save_layer_filters(sda, output)
    sda.save(output / "params.npz")  # np.load reads it; dae.SdA.load rebuilds the SdA
    metrics = {
        "command": command,
        "config": config,
        "dataset": dataset_name,
        "pretraining": {"cost": costs, "seconds": round(seconds["pretraining"], 1)},
        "finetuning": None
        if result is None
        else {**result, "seconds": round(seconds["finetuning"], 1)},
        "test_error": None if result is None else result["test_error"],
        "total_seconds": round(seconds["total"], 1),
        "gemm_bound": bound,
    }
    save_metrics(output / "metrics.json", metrics)
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
