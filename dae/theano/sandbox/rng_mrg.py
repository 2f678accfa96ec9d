"""``theano.sandbox.rng_mrg``: ``MRG_RandomStreams``, with the tutorials' calls."""

from dae.theano.tensor.shared_randomstreams import RandomStreams

__all__ = ["MRG_RandomStreams"]


class MRG_RandomStreams(RandomStreams):
    """Theano's ``MRG_RandomStreams(seed=12345)``, as
    :class:`~dae.theano.tensor.shared_randomstreams.RandomStreams`.

    Theano drew these numbers with the MRG31k3p generator, in many parallel
    streams for the GPU; here they are NumPy's, on every backend: the same
    distributions, other numbers. ``nstreams`` is accepted and unused.
    """

    def __init__(self, seed=12345):
        super().__init__(seed)

    def uniform(self, size=None, low=0.0, high=1.0, ndim=None, dtype=None, nstreams=None):
        """:meth:`RandomStreams.uniform
        <dae.theano.tensor.shared_randomstreams.RandomStreams.uniform>`;
        ``nstreams`` is unused."""
        return super().uniform(size, low, high, ndim, dtype)

    def normal(self, size=None, avg=0.0, std=1.0, ndim=None, dtype=None, nstreams=None):
        """:meth:`RandomStreams.normal
        <dae.theano.tensor.shared_randomstreams.RandomStreams.normal>`;
        ``nstreams`` is unused."""
        return super().normal(size, avg, std, ndim, dtype)

    def binomial(self, size=None, n=1, p=None, ndim=None, dtype="int64", nstreams=None):
        """:meth:`RandomStreams.binomial
        <dae.theano.tensor.shared_randomstreams.RandomStreams.binomial>`;
        ``nstreams`` is unused."""
        return super().binomial(size, n, p, ndim, dtype)
