"""Helpers for compiling functions the tutorials' way, and for checking their arguments."""

import numbers

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


def with_keyword_defaults(fn, checks=None, **defaults):
    """Call a compiled ``fn(index, *values)`` as ``f(index, name=value, ...)``.

    The tutorial gave its scalar inputs defaults with ``theano.In(x, value=...)``,
    which PyTensor no longer accepts; this keeps the tutorial's calling form.
    ``checks`` maps a name to a function that raises on a bad value; it is run on
    the values given at call time (the defaults are the caller's to check).
    The compiled function stays reachable as ``f.function``.
    """
    names, checks = set(defaults), checks or {}

    def call(index, **values):
        if not values.keys() <= names:
            unknown = sorted(values.keys() - names)
            raise TypeError(f"unexpected argument(s) {unknown}; expected {list(defaults)}")
        for name, value in values.items():
            if name in checks:
                checks[name](value)
        return fn(index, *[values.get(name, default) for name, default in defaults.items()])

    call.function = fn
    return call


def n_rows(data):
    """The number of rows of a shared variable or an array."""
    return (data.get_value(borrow=True) if hasattr(data, "get_value") else data).shape[0]


def check_batch_size(batch_size, sets):
    """Refuse a ``batch_size`` that is not a whole number from 1 to the rows of every set.

    ``sets`` maps what to call each set in a message (``"train_set_x"``, ``"the
    validation set"``) to its data. A minibatch larger than a set would leave it
    with no minibatch at all.
    """
    rows = {name: n_rows(data) for name, data in sets.items()}
    sizes = " and ".join(f"{name} ({n} rows)" for name, n in rows.items())
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral):
        raise ValueError(f"batch_size must be a whole number, got {batch_size!r} for {sizes}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size} for {sizes}")
    small = [f"{name} ({n} rows)" for name, n in rows.items() if n < batch_size]
    if small:
        raise ValueError(f"batch_size={batch_size} is larger than {' and '.join(small)}")


def check_sizes(**sizes):
    """Refuse layer sizes that are not positive whole numbers, naming the argument.

    Each keyword is an argument's name; its value a size or a list of sizes.
    """
    for name, value in sizes.items():
        listed = isinstance(value, (list, tuple))
        for n in value if listed else [value]:
            whole = isinstance(n, numbers.Integral) and not isinstance(n, bool)
            if whole and n > 0:
                continue
            if listed:
                kind = "non-positive" if whole else "non-integer"
                raise ValueError(f"{name} contains a {kind} size: {list(value)}")
            raise ValueError(f"layer sizes must be positive integers, got {name}={n!r}")
