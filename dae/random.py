r"""Random numbers for corruption masks, drawn fast on every backend, and the noises
that corrupt an autoencoder's input.

Each noise is a function ``noise(rng, x, level)`` of a shared generator, the
input and the corruption level, that returns ``(next_rng, x_tilde)``:

===============  =================================================================
name             :math:`\tilde x`
===============  =================================================================
masking          each component of :math:`x` set to 0 with probability :math:`p`
dropout          masking, the survivors scaled by :math:`1 / (1 - p)`
salt_and_pepper  a fraction :math:`p` of the components set to 0 or 1, equal odds
gaussian         :math:`x + \sigma \epsilon`, :math:`\epsilon \sim \mathcal{N}(0, I)`,
                 the level as :math:`\sigma`
===============  =================================================================
"""

import math

import numpy as np
import pytensor
import pytensor.tensor as pt
from pytensor.tensor.random.basic import IntegersRV, UniformRV
from pytensor.tensor.random.type import RandomGeneratorType

from dae.checks import DataError

__all__ = [
    "NOISES",
    "dropout",
    "gaussian",
    "keep_mask",
    "masking",
    "salt_and_pepper",
    "shared_generator",
    "standard_normal",
    "unit_uniform",
]

# NumPy's bit generators; a saved state may name no other.
BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")
# Those whose raw output is 64 random bits (MT19937's is 32).
RAW_64 = ("PCG64", "PCG64DXSM", "Philox", "SFC64")


class UnitUniformRV(UniformRV):
    """PyTensor's uniform variable, drawn in the output's own precision.

    On the C and Python backends PyTensor hands NumPy its bounds as broadcast
    arrays, which sends NumPy down its slow broadcasting path and through float64;
    for U[0, 1) this draws ``Generator.random(size, dtype)`` directly, about three
    times faster for a minibatch mask. Numba and JAX compile it as a uniform.
    """

    name = "uniform"  # JAX looks its sampler up by this name

    def rng_fn(self, rng, low, high, size):
        """A draw from ``rng``: ``rng.random(size, dtype)`` for U[0, 1) of a given
        size, PyTensor's uniform otherwise."""
        if np.all(low == 0) and np.all(high == 1) and size is not None:
            return rng.random(size, dtype=self.dtype)
        return super().rng_fn(rng, low, high, size)


class MaskBitsRV(IntegersRV):
    """Uniform 16-bit integers, ``integers(0, 2**16)`` as uint16: the random bits of
    a mask, drawn fast on every backend.

    On the C and Python backends a 64-bit bit generator's raw output is cut into
    four 16-bit draws, faster than ``Generator.random`` in float32 for a minibatch
    mask (``scripts/bench.py`` times both); Numba and JAX compile it as ``integers``.
    """

    dtype = "uint16"

    def rng_fn(self, rng, low, high, size):
        """A draw from ``rng``: its raw 64-bit words cut into 16-bit integers for
        ``integers(0, 2**16)`` of a given size, NumPy's ``integers`` otherwise."""
        bits = rng.bit_generator
        whole = np.all(low == 0) and np.all(high == 2**16) and size is not None
        if whole and type(bits).__name__ in RAW_64:
            n = math.prod(size)
            return bits.random_raw(-(-n // 4)).view(np.uint16)[:n].reshape(size)
        return rng.integers(low, high, size, dtype=np.uint16)


def random_seed(numpy_rng):
    """A seed for a symbolic generator, drawn from a RandomState or a Generator."""
    if isinstance(numpy_rng, np.random.Generator):
        return int(numpy_rng.integers(2**30))
    return int(numpy_rng.randint(2**30))


def shared_generator(theano_rng, numpy_rng):
    """The shared generator a model draws its noise from, given its ``theano_rng``.

    A generator variable (``pt.random.shared_rng``) is used as it is, so models
    given the same one draw from one stream. Random streams give a new generator
    spawned from their seed, as each of their draws gets one: the tutorials'
    ``RandomStreams`` (:mod:`dae.theano`), whose ``seed()`` then reseeds it too,
    or PyTensor's ``RandomStream``. None gives a new generator seeded from
    ``numpy_rng``.
    """
    if theano_rng is None:
        return pt.random.shared_rng(seed=random_seed(numpy_rng))
    if isinstance(getattr(theano_rng, "type", None), RandomGeneratorType):
        return theano_rng
    if callable(getattr(theano_rng, "generator", None)):
        return theano_rng.generator()
    seeds = getattr(theano_rng, "gen_seedgen", None)
    if isinstance(seeds, np.random.SeedSequence):
        (seed,) = seeds.spawn(1)
        return pytensor.shared(np.random.default_rng(seed), borrow=True)
    raise TypeError(
        "theano_rng must be a shared random generator (pt.random.shared_rng) or random "
        f"streams (dae.theano.tensor.shared_randomstreams.RandomStreams), got {theano_rng!r}"
    )


def unit_uniform(rng, shape, dtype):
    """``(next_rng, u)``: a draw of U[0, 1) of ``shape`` from the shared generator ``rng``."""
    low, high = _constants(dtype, 0, 1)
    return _unit_uniform(low, high, size=shape, rng=rng, dtype=dtype, return_next_rng=True)


def standard_normal(rng, shape, dtype):
    """``(next_rng, e)``: a draw of N(0, 1) of ``shape`` from the shared generator ``rng``."""
    mean, sd = _constants(dtype, 0, 1)
    return pt.random.normal(mean, sd, size=shape, rng=rng, dtype=dtype, return_next_rng=True)


def _constants(dtype, *numbers):
    """A draw's parameters as constants of its own float type: a Python float would
    be one of PyTensor's ``floatX``."""
    return [np.asarray(n, dtype=dtype) for n in numbers]


def keep_mask(rng, shape, p, dtype):
    r"""``(next_rng, keep)``: a mask of ``shape`` in ``dtype``, 0 with probability
    ``p`` (rounded up to a multiple of :math:`2^{-16}`) and 1 otherwise.

    It compares 16-bit random integers with :math:`\lceil 2^{16} p \rceil`,
    the cheapest Bernoulli draw on every backend; ``p`` may be symbolic.
    """
    next_rng, bits = _mask_bits(0, 2**16, size=shape, rng=rng, return_next_rng=True)
    threshold = pt.ceil(pt.cast(p, "float32") * np.float32(2**16))
    return next_rng, pt.cast(bits >= threshold, dtype)


def dropout(rng, input, p):
    r"""``(next_rng, output)``: ``input`` with each unit zeroed with probability ``p``.

    The survivors are scaled by :math:`1 / (1 - p)` ("inverted" dropout), so the
    expected output is the input and the network is used unchanged at test time.
    """
    next_rng, keep = keep_mask(rng, input.shape, p, input.dtype)
    return next_rng, input * keep * pt.cast(1 / (1 - p), input.dtype)


def masking(rng, input, p):
    """``(next_rng, output)``: ``input`` with each component zeroed with probability
    ``p``, the tutorials' corruption."""
    next_rng, keep = keep_mask(rng, input.shape, p, input.dtype)
    return next_rng, keep * input


def salt_and_pepper(rng, input, p):
    """``(next_rng, output)``: ``input`` with a fraction ``p`` of its components set
    to 0 or 1, with equal odds."""
    next_rng, u = unit_uniform(rng, input.shape, input.dtype)
    p = pt.cast(p, input.dtype)
    # u < p / 2 gives 0, p / 2 <= u < p gives 1
    keep = pt.cast(u >= p, input.dtype)
    salt = pt.cast(u >= p / 2, input.dtype) * (1 - keep)
    return next_rng, keep * input + salt


def gaussian(rng, input, sigma):
    """``(next_rng, output)``: ``input`` plus Gaussian noise of standard deviation
    ``sigma``."""
    next_rng, eps = standard_normal(rng, input.shape, input.dtype)
    return next_rng, input + pt.cast(sigma, input.dtype) * eps


#: The noises by name (see the module docstring).
NOISES = {
    "masking": masking,
    "dropout": dropout,
    "salt_and_pepper": salt_and_pepper,
    "gaussian": gaussian,
}


_unit_uniform = UnitUniformRV()
_mask_bits = MaskBitsRV()


def generator_from_state(state, source, what="the random generator"):
    """A ``numpy.random.Generator`` in the saved ``bit_generator.state`` ``state``.

    How saved models and checkpoints restore a shared generator; a state that is
    not one raises DataError naming ``source`` (a file) and ``what`` it is for.
    """
    if not isinstance(state, dict):
        raise DataError(f"{source}: no state for {what}")
    name = state.get("bit_generator")
    if name not in BIT_GENERATORS:
        raise DataError(
            f"{source}: {what} names bit generator {name!r}, not one of {BIT_GENERATORS}"
        )
    generator = np.random.Generator(getattr(np.random, name)())
    try:
        generator.bit_generator.state = state
    except (TypeError, ValueError, KeyError, OverflowError) as e:
        raise DataError(f"{source}: {what} is not a valid {name} state ({e})") from e
    return generator
