"""Random numbers for corruption masks, drawn fast on every backend."""

import numpy as np
import pytensor.tensor as pt
from pytensor.tensor.random.basic import UniformRV


class UnitUniformRV(UniformRV):
    """PyTensor's uniform variable, drawn in the output's own precision.

    On the C and Python backends PyTensor hands NumPy its bounds as broadcast
    arrays, which sends NumPy down its slow broadcasting path and through float64;
    for U[0, 1) this draws ``Generator.random(size, dtype)`` directly, about three
    times faster for a minibatch mask. Numba and JAX compile it as a uniform.
    """

    name = "uniform"  # JAX looks its sampler up by this name

    def rng_fn(self, rng, low, high, size):
        if np.all(low == 0) and np.all(high == 1) and size is not None:
            return rng.random(size, dtype=self.dtype)
        return super().rng_fn(rng, low, high, size)


def unit_uniform(rng, shape, dtype):
    """``(next_rng, u)``: a draw of U[0, 1) of ``shape`` from the shared generator ``rng``."""
    return _unit_uniform(0.0, 1.0, size=shape, rng=rng, dtype=dtype, return_next_rng=True)


def standard_normal(rng, shape, dtype):
    """``(next_rng, e)``: a draw of N(0, 1) of ``shape`` from the shared generator ``rng``."""
    return pt.random.normal(0.0, 1.0, size=shape, rng=rng, dtype=dtype, return_next_rng=True)


def dropout(rng, input, p):
    r"""``(next_rng, output)``: ``input`` with each unit zeroed with probability ``p``.

    The survivors are scaled by :math:`1 / (1 - p)` ("inverted" dropout), so the
    expected output is the input and the network is used unchanged at test time.
    """
    next_rng, u = unit_uniform(rng, input.shape, input.dtype)
    keep = pt.cast(u >= p, input.dtype)
    return next_rng, input * keep * pt.cast(1 / (1 - p), input.dtype)


_unit_uniform = UnitUniformRV()
