r"""The arithmetic bound of a training run: its GEMM FLOPs at the machine's GEMM rate.

Nearly all the arithmetic of a dA or an SdA is matrix products. A product of an
``m x k`` and a ``k x n`` matrix is :math:`2mkn` FLOPs (a multiply and an add per
term), so per example

* a dA step (encode, decode, and the gradients through the decoder, the encoder
  and the tied weights) is five products, :math:`10\,n_v n_h`;
* an MLP's forward pass over layer sizes :math:`s_0, \dots, s_L` is
  :math:`2 \sum_l s_{l-1} s_l`, and its training step three times that, less the
  input gradient of the first layer, which nothing needs.

A run can go no faster than its FLOPs at the machine's float32 GEMM rate, measured
on large square products (:func:`gemm_rate`): the ratio of a run's time to that
bound says how much of it is not arithmetic.

Examples
--------
>>> da_step(784, 1000), mlp_forward([784, 1000, 10]), mlp_step([784, 1000, 10])
(7840000, 1588000, 3196000)
"""

import time

import numpy as np

__all__ = ["da_step", "gemm_rate", "mlp_forward", "mlp_step"]


def da_step(n_visible, n_hidden):
    """FLOPs of one example's dA training step: five ``n_visible x n_hidden`` products."""
    return 10 * n_visible * n_hidden


def mlp_forward(sizes):
    """FLOPs of one example's forward pass through dense layers of ``sizes``."""
    return 2 * sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))


def mlp_step(sizes):
    """FLOPs of one example's training step: the forward pass, the weight gradients,
    and the input gradients of every layer but the first."""
    return 2 * mlp_forward(sizes) + mlp_forward(sizes[1:])


def gemm_rate(n=None, repeats=5, device="cpu"):
    """The float32 GEMM rate of ``device`` in FLOP/s: the best of ``repeats`` products
    of two ``n x n`` matrices, through NumPy's BLAS on ``"cpu"`` (n 2048 by default,
    about a second in all) and through JAX on ``"gpu"`` (n 8192: smaller products
    leave a GPU idle) and on ``"jax"``, JAX's default device."""
    n = n or (8192 if device == "gpu" else 2048)
    rng = np.random.default_rng(0)
    a, b = (rng.random((n, n), dtype=np.float32) for _ in range(2))
    if device in ("gpu", "jax"):
        import jax.numpy as jnp

        a, b = jnp.asarray(a), jnp.asarray(b)

        def product():
            (a @ b).block_until_ready()
    else:

        def product():
            a @ b

    product()  # threads start, memory is touched, JAX compiles: untimed
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        product()
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best
