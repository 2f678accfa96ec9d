"""A train_sda run against its GEMM bound: the FLOPs of its matrix products at the
machine's float32 GEMM rate, the time no implementation of the run can beat there.

The formulas and the rate are :mod:`dae.flops`'s; this module counts a whole run
with them, and says how far the run's time is from the bound. The ratio says how
much of a run is not arithmetic, on whatever machine it ran.
"""

from dae import flops

__all__ = ["describe", "measure_gemm_rate", "sda_run_bound"]


def measure_gemm_rate(device):
    """The float32 GEMM rate of ``device`` in FLOP/s, measured now (about a second),
    and printed."""
    rate = flops.gemm_rate(device=device)
    print(f"float32 GEMM rate: {rate / 1e9:,.0f} GFLOP/s", flush=True)
    return rate


def sda_run_bound(
    sizes,
    n_examples,
    batch_size,
    pretraining_epochs,
    cached,
    finetuning,
    rate,
    tested_each_best=True,
    seconds=None,
):
    """The GEMM FLOPs of an SdA's run, and the seconds they take at ``rate``.

    Counted: each pretraining epoch's dA steps, the codes of the layers below
    (computed once with ``cached``, else run again at every step), and each
    fine-tuning epoch's steps and validation pass, with a test pass at each new
    best validation error.

    Parameters
    ----------
    sizes : list of int
        The layer sizes: input, each hidden layer, output.
    n_examples : tuple of int
        The examples in the training, validation and test sets.
    batch_size : int
        Minibatch size: only whole minibatches are stepped and scored.
    pretraining_epochs : int
        Epochs per layer.
    cached : bool
        Whether each layer learned from the codes of the one below, computed once.
    finetuning : dict or None
        The result of :func:`dae.training.early_stopping` (``epochs`` and its
        ``history``), or None when the run only pretrained.
    rate : float
        The GEMM rate, in FLOP/s.
    tested_each_best : bool
        Whether the test set was scored at each new best validation error, or
        once, at the end.
    seconds : float, optional
        The run's time, for the ratio; None leaves the ratio out.

    Returns
    -------
    dict
        ``gemm_rate``, ``flops``, ``seconds`` (of the bound) and ``ratio`` (the
        run's time over the bound's, or None).
    """
    n_train, n_valid, n_test = n_examples
    stepped = n_train // batch_size * batch_size
    total = 0
    for k in range(len(sizes) - 2):
        total += pretraining_epochs * stepped * flops.da_step(sizes[k], sizes[k + 1])
        if k > 0 and cached:  # layer k-1's codes, once
            total += n_train * flops.mlp_forward(sizes[k - 1 : k + 1])
        elif k > 0:  # every step runs the layers below again
            total += pretraining_epochs * stepped * flops.mlp_forward(sizes[: k + 1])
    if finetuning is not None:
        best = [record["best_validation_error"] for record in finetuning["history"]]
        new_bests = sum(b < a for a, b in zip([float("inf"), *best], best))
        tests = new_bests if tested_each_best else min(new_bests, 1)
        scored = [n // batch_size * batch_size for n in (n_valid, n_test)]
        total += finetuning["epochs"] * stepped * flops.mlp_step(sizes)
        total += (finetuning["epochs"] * scored[0] + tests * scored[1]) * flops.mlp_forward(sizes)
    bound = total / rate
    ratio = None if seconds is None else seconds / bound
    return {"gemm_rate": rate, "flops": total, "seconds": bound, "ratio": ratio}


def describe(bound):
    """The run's ratio to its ``bound`` and the bound itself, as the last words of a
    run's report: ``2.11x the GEMM bound of 4.9 min (1.2e+13 FLOPs at 133 GFLOP/s)``."""
    ratio = "" if bound["ratio"] is None else f"{bound['ratio']:.2f}x "
    return (
        f"{ratio}the GEMM bound of {bound['seconds'] / 60:.1f} min ({bound['flops']:.2e} "
        f"FLOPs at {bound['gemm_rate'] / 1e9:,.0f} GFLOP/s)"
    )
