"""Helpers for compiling functions the tutorials' way."""

import numpy as np
import pytensor.tensor as pt


def random_seed(numpy_rng):
    """A seed for a symbolic generator, drawn from a RandomState or a Generator."""
    if isinstance(numpy_rng, np.random.Generator):
        return int(numpy_rng.integers(2**30))
    return int(numpy_rng.randint(2**30))


def minibatch(data, index, batch_size):
    """Rows ``index * batch_size`` to ``(index + 1) * batch_size`` of ``data``.

    Taken as the rows ``index * batch_size + arange(batch_size)`` rather than the
    tutorial's slice: the same rows, but a length every backend knows at compile
    time (JAX cannot compile a slice whose length depends on ``index``).
    """
    return data[index * batch_size + pt.arange(batch_size)]


def with_keyword_defaults(fn, **defaults):
    """Call a compiled ``fn(index, *values)`` as ``f(index, name=value, ...)``.

    The tutorial gave its scalar inputs defaults with ``theano.In(x, value=...)``,
    which PyTensor no longer accepts; this keeps the tutorial's calling form.
    The compiled function stays reachable as ``f.function``.
    """

    def call(index, **values):
        unknown = set(values) - set(defaults)
        if unknown:
            raise TypeError(f"unexpected argument(s) {sorted(unknown)}; expected {list(defaults)}")
        return fn(index, *[values.get(name, default) for name, default in defaults.items()])

    call.function = fn
    return call
