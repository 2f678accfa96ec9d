"""``theano.tensor.shared_randomstreams``: random draws that advance by themselves."""

import numpy as np
import pytensor
import pytensor.tensor as pt

from dae.random import keep_mask, unit_uniform

__all__ = ["RandomStreams"]


class RandomStreams:
    """Theano's ``RandomStreams(seed)``: symbolic random draws that change on every call.

    Each draw gets a shared generator of its own, spawned from ``seed``. A
    function compiled by :func:`dae.theano.function` writes back the next state
    of every generator it draws from, so each call sees new numbers without
    anything in ``updates``, as with Theano (``pytensor.function`` needs them in
    ``updates``: :meth:`updates` or :func:`dae.rng_updates <dae.updates.rng_updates>`).
    dae's models take a ``RandomStreams`` as ``theano_rng`` and spawn their
    generator from it.

    The numbers are NumPy's (PCG64), not Theano's: the same distributions, other
    draws. ``binomial`` takes any ``dtype``, float32 masks included.

    Examples
    --------
    >>> import dae.theano as theano
    >>> from dae.theano.tensor.shared_randomstreams import RandomStreams
    >>> srng = RandomStreams(seed=234)
    >>> mask = srng.binomial(size=(10, 10), n=1, p=0.5, dtype=theano.config.floatX)
    >>> draw = theano.function([], mask)
    >>> first, second = draw(), draw()
    >>> first.dtype, bool((first != second).any())
    (dtype('float32'), True)
    """

    def __init__(self, seed=None):
        self.default_instance_seed = seed
        self.gen_seedgen = np.random.SeedSequence(seed)
        self.state_updates = []  # (shared generator, its next state), one pair per draw
        self.generators = []  # every generator spawned, for seed()

    def updates(self):
        """The ``(generator, next state)`` pairs of every draw so far."""
        return list(self.state_updates)

    def seed(self, seed=None):
        """Reseed every generator spawned so far, by draws and by models given the
        stream, from ``seed`` (by default the stream's own), and later ones."""
        self.gen_seedgen = np.random.SeedSequence(
            self.default_instance_seed if seed is None else seed
        )
        for rng, child in zip(self.generators, self.gen_seedgen.spawn(len(self.generators))):
            rng.set_value(np.random.default_rng(child), borrow=True)

    def generator(self):
        """A new shared generator spawned from the stream, reseeded by :meth:`seed`:
        what a dae model given the stream as ``theano_rng`` draws its noise from."""
        (child,) = self.gen_seedgen.spawn(1)
        rng = pytensor.shared(np.random.default_rng(child), borrow=True)
        self.generators.append(rng)
        return rng

    def _draw(self, sample):
        """``sample(rng) -> (next_rng, value)`` on a new shared generator."""
        rng = self.generator()
        next_rng, value = sample(rng)
        self.state_updates.append((rng, next_rng))
        return value

    def uniform(self, size=None, low=0.0, high=1.0, ndim=None, dtype=None):
        """Uniform on ``[low, high)``, of shape ``size``, in ``dtype`` (floatX by
        default). ``ndim`` is accepted and unused: PyTensor infers it."""
        dtype = dtype or pytensor.config.floatX
        if size is not None and isinstance(low, int | float) and isinstance(high, int | float):
            if (low, high) == (0, 1):
                return self._draw(lambda rng: unit_uniform(rng, size, dtype))
        return self._draw(
            lambda rng: pt.random.uniform(
                low, high, size=size, rng=rng, dtype=dtype, return_next_rng=True
            )
        )

    def normal(self, size=None, avg=0.0, std=1.0, ndim=None, dtype=None):
        """Normal with mean ``avg`` and standard deviation ``std``, in ``dtype``."""
        dtype = dtype or pytensor.config.floatX
        return self._draw(
            lambda rng: pt.random.normal(
                avg, std, size=size, rng=rng, dtype=dtype, return_next_rng=True
            )
        )

    def binomial(self, size=None, n=1, p=0.5, ndim=None, dtype="int64"):
        """Number of successes in ``n`` trials of probability ``p``, in ``dtype``.

        With ``n=1`` (the tutorials' corruption masks) it is a mask that is 0 with
        probability ``1 - p`` (:func:`dae.random.keep_mask`): a Bernoulli draw made
        directly in ``dtype``, cheaper than a binomial.
        """
        if isinstance(n, int) and n == 1:
            return self._draw(lambda rng: keep_mask(rng, size, 1 - p, dtype))

        def counts(rng):
            next_rng, k = pt.random.binomial(n, p, size=size, rng=rng, return_next_rng=True)
            return next_rng, pt.cast(k, dtype)

        return self._draw(counts)
