#!/usr/bin/env python
"""Train a stacked denoising autoencoder on MNIST: the tutorial's ``test_SdA``.

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

import argparse
import sys
import time

import numpy as np
import pytensor

import dae
from dae.cli import (
    add_common_arguments,
    load_mnist_or_sample,
    positive_float,
    positive_int,
    require_batches,
    run,
    settings,
    start_monitor,
    unit_fraction,
)
from dae.files import save_metrics
from dae.images import save_filters
from dae.training import early_stopping, pretrain


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_common_arguments(p, output="runs/sda", seed=89677)
    p.add_argument(
        "--hidden",
        type=positive_int,
        nargs="+",
        default=[1000, 1000, 1000],
        help="hidden layer sizes (default: %(default)s)",
    )
    p.add_argument(
        "--corruption",
        type=unit_fraction,
        nargs="+",
        default=[0.1, 0.2, 0.3],
        help="masking level of each layer's dA (default: %(default)s)",
    )
    p.add_argument(
        "--pretrain-lr",
        type=positive_float,
        default=0.1,
        help="pretraining learning rate (default: %(default)s)",
    )
    p.add_argument(
        "--finetune-lr",
        type=positive_float,
        default=1.0,
        help="fine-tuning learning rate (default: %(default)s)",
    )
    p.add_argument(
        "--momentum",
        type=unit_fraction,
        default=0.0,
        help="fine-tuning momentum, 0 for plain SGD (default: %(default)s)",
    )
    p.add_argument(
        "--lr-decay",
        type=positive_float,
        default=0.95,
        help="multiply the fine-tuning learning rate by this after each epoch "
        "(default: %(default)s)",
    )
    p.add_argument(
        "--dropout",
        type=unit_fraction,
        nargs="+",
        default=None,
        help="dropout in fine-tuning: drop rates of the input and of each hidden layer, "
        "or 0 for none, the tutorial's fine-tuning (default: 0.1 for the input, 0.2 for "
        "each hidden layer)",
    )
    p.add_argument(
        "--pretraining",
        choices=["cached", "tutorial"],
        default="cached",
        help="cached: layer k+1 learns from layer k's codes, computed once; tutorial: "
        "every step runs the layers below again (same result, slower) (default: %(default)s)",
    )
    p.add_argument(
        "--device",
        choices=["cpu", "gpu"],
        default="cpu",
        help="gpu: compile with PyTensor's JAX backend for the GPU (default: %(default)s)",
    )
    p.add_argument(
        "--pretraining-epochs",
        type=int,
        default=10,
        help="pretraining epochs per layer, 0 to skip pretraining (default: %(default)s)",
    )
    p.add_argument(
        "--training-epochs",
        type=positive_int,
        default=30,
        help="most fine-tuning epochs; early stopping may end sooner (default: %(default)s)",
    )
    args = p.parse_args(argv)
    if len(args.corruption) != len(args.hidden):
        p.error(f"--corruption has {len(args.corruption)} levels for {len(args.hidden)} layers")
    if args.dropout is None:
        args.dropout = [0.1] + [0.2] * len(args.hidden)
    elif args.dropout == [0.0]:
        args.dropout = None
    if args.dropout is not None and len(args.dropout) != len(args.hidden) + 1:
        p.error(
            f"--dropout has {len(args.dropout)} rates; {len(args.hidden) + 1} are needed "
            "(the input and each hidden layer)"
        )
    if args.pretraining_epochs < 0:
        p.error("--pretraining-epochs must be 0 or more")
    return args


def main(argv=None):
    args = parse_args(argv)
    start = time.perf_counter()
    dae.backend.use_device(args.device)
    print(dae.backend.describe(), flush=True)
    datasets, dataset_name = load_mnist_or_sample(args.data, args.limit)
    train_x = datasets[0][0]
    n_train_batches = train_x.get_value(borrow=True).shape[0] // args.batch_size
    require_batches(datasets, args.batch_size)
    print(
        f"data: {dataset_name}, {[int(x.get_value(borrow=True).shape[0]) for x, _ in datasets]}"
        f" examples; {n_train_batches} minibatches of {args.batch_size}",
        flush=True,
    )

    numpy_rng = np.random.RandomState(args.seed)
    sda = dae.SdA(
        numpy_rng=numpy_rng,
        n_ins=train_x.get_value(borrow=True).shape[1],
        hidden_layers_sizes=args.hidden,
        n_outs=10,
        corruption_levels=args.corruption,
    )

    def log(line):
        print(line, flush=True)

    if args.pretraining == "cached":
        pretraining_fns = sda.cached_pretraining_functions(train_x, args.batch_size)
    else:
        pretraining_fns = sda.pretraining_functions(train_x, args.batch_size)
    learning_rate = pytensor.shared(np.float32(args.finetune_lr), name="finetune_lr")
    train_fn, valid_score, test_score = sda.build_finetune_functions(
        datasets, args.batch_size, learning_rate, momentum=args.momentum, dropout=args.dropout
    )

    def decay_learning_rate(epoch):
        learning_rate.set_value(np.float32(args.finetune_lr * args.lr_decay**epoch))

    # Everything training changes; the velocities of momentum are found in train_fn.
    variables = {**sda.named_params(), "finetune_lr": learning_rate, "theano_rng": sda.theano_rng}
    monitor = start_monitor(args, variables, functions=[train_fn], dataset=dataset_name)
    with monitor:
        pretrain_start = time.perf_counter()
        pretraining_costs = pretrain(
            pretraining_fns,
            n_train_batches,
            args.pretraining_epochs,
            args.corruption,
            args.pretrain_lr,
            log=log,
            monitor=monitor,
        )
        pretraining_seconds = time.perf_counter() - pretrain_start
        finetune_start = time.perf_counter()
        result = early_stopping(
            train_fn,
            valid_score,
            test_score,
            n_train_batches,
            args.training_epochs,
            params=sda.params,
            after_epoch=decay_learning_rate,
            log=log,
            monitor=monitor,
        )
    finetuning_seconds = time.perf_counter() - finetune_start
    total = time.perf_counter() - start

    print(
        f"best validation error {100 * result['best_validation_error']:.2f}% at epoch "
        f"{result['best_epoch']}, test error {100 * result['test_error']:.2f}%; "
        f"pretraining {pretraining_seconds / 60:.1f} min, fine-tuning "
        f"{finetuning_seconds / 60:.1f} min, total {total / 60:.1f} min",
        flush=True,
    )
    if dataset_name == "mnist-5k-sample":
        print("(on the 5,000-digit sample: not comparable with MNIST results)", file=sys.stderr)

    args.output.mkdir(parents=True, exist_ok=True)
    # Layer k's filters drawn in pixel space through the product W1 ... Wk: a linear
    # view that ignores the sigmoids between layers, the usual way to look at them.
    projection = np.eye(train_x.get_value(borrow=True).shape[1], dtype=np.float32)
    for k, layer in enumerate(sda.sigmoid_layers, start=1):
        projection = projection @ layer.W.get_value()
        save_filters(args.output / f"filters_layer{k}.png", projection)
    sda.save(args.output / "params.npz")  # np.load reads it; dae.SdA.load rebuilds the SdA
    save_metrics(
        args.output / "metrics.json",
        {
            "command": " ".join(sys.argv),
            "config": settings(args),
            "dataset": dataset_name,
            "pretraining": {"cost": pretraining_costs, "seconds": round(pretraining_seconds, 1)},
            "finetuning": {**result, "seconds": round(finetuning_seconds, 1)},
            "test_error": result["test_error"],
            "total_seconds": round(total, 1),
        },
    )
    monitor.finish()
    n = len(args.hidden)
    print(
        f"wrote filters_layer1..{n}.png, params.npz, metrics.json and metrics.jsonl "
        f"to {args.output}"
    )
    return result


if __name__ == "__main__":
    run(main, dae.backend.DeviceError)
