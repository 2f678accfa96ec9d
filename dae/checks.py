"""Checks of the arguments and data a model is given, and the error for bad data.

Every model checks what it is given before it builds or compiles anything, so a
mistake is reported once, in words that name the argument or the file, instead of
as a shape error deep inside a compiled function.
"""

import numbers

import numpy as np
from pytensor.compile.sharedvalue import SharedVariable
from pytensor.graph.basic import Constant, Variable
from pytensor.graph.traversal import graph_inputs

__all__ = ["DataError", "check_batch_size", "check_data", "resolve"]


class DataError(ValueError):
    """A data file is missing, damaged or inconsistent, or could not be downloaded."""


def check_data(x, y=None, n_ins=None, n_outs=None, unit_interval=True, source="data"):
    """Refuse data a model cannot learn from, with a DataError naming ``source``.

    Parameters
    ----------
    x : array, shared variable or expression of shared variables
        The examples, one per row (e.g. the tutorials' ``T.cast(shared_y,
        'int32')`` for labels). Every value must be a finite number, and in
        [0, 1] when ``unit_interval`` (cross-entropy needs it).
    y : array, shared variable or expression of shared variables, optional
        Labels, one integer per row of ``x``, each in 0..n_outs-1.
    n_ins : int, optional
        The number of columns ``x`` must have (a model's input size).
    n_outs : int, optional
        The number of classes.
    unit_interval : bool
        Whether the values of ``x`` must lie in [0, 1].
    source : str
        What to call the data in a message: a file name or a split.

    Notes
    -----
    An expression that depends on a function's inputs has no value until the
    function is called; it is not checked.

    Examples
    --------
    >>> import numpy as np
    >>> from dae.checks import check_data
    >>> check_data(np.array([[0.5, 2.0]]), source="the test set")
    Traceback (most recent call last):
    ...
    dae.checks.DataError: the test set: values must lie in [0, 1], found 0.5 to 2
    """
    x = _value(x)
    if x is None:
        return
    if x.dtype.kind not in "biuf":
        raise DataError(f"{source}: examples must be real numbers, got dtype {x.dtype}")
    if x.ndim != 2:
        raise DataError(f"{source}: expected a matrix of examples, got shape {x.shape}")
    if n_ins is not None and x.shape[1] != n_ins:
        raise DataError(
            f"{source}: examples have {x.shape[1]} values but the model takes n_ins={n_ins}"
        )
    if x.size and not np.isfinite(x).all():
        bad = np.flatnonzero(~np.isfinite(x).all(axis=1))
        raise DataError(
            f"{source}: NaN or infinite values in {len(bad)} of {len(x)} rows (first: row {bad[0]})"
        )
    if unit_interval and x.size and (x.min() < 0 or x.max() > 1):
        raise DataError(f"{source}: values must lie in [0, 1], found {x.min():g} to {x.max():g}")
    if y is None:
        return
    y = _value(y)
    if y is None:
        return
    if y.shape != (len(x),):
        raise DataError(f"{source}: {len(x)} examples but labels of shape {y.shape}")
    if y.size and not np.issubdtype(y.dtype, np.integer):
        raise DataError(f"{source}: labels must be integers, got {y.dtype}")
    if y.size and n_outs is not None and (y.min() < 0 or y.max() >= n_outs):
        raise DataError(
            f"{source}: labels must be in 0..{n_outs - 1} (n_outs={n_outs}), "
            f"found {y.min()} to {y.max()}"
        )


def _value(data):
    """The array held by ``data``: an array, a shared variable, or an expression of
    shared variables and constants (evaluated once); None for an expression of
    other symbolic inputs."""
    if isinstance(data, SharedVariable):
        return np.asarray(data.get_value(borrow=True))
    if isinstance(data, Variable):
        if not all(isinstance(v, (SharedVariable, Constant)) for v in graph_inputs([data])):
            return None
        return np.asarray(data.eval())
    return np.asarray(data)


def n_rows(data):
    """The number of rows of a shared variable or an array."""
    return (data.get_value(borrow=True) if hasattr(data, "get_value") else data).shape[0]


def check_batch_size(batch_size, sets):
    """Refuse a ``batch_size`` that is not a whole number from 1 to the rows of every set.

    A minibatch larger than a set would leave it with no minibatch at all.

    Parameters
    ----------
    batch_size : int
        The minibatch size to check.
    sets : dict
        Maps what to call each set in a message (``"train_set_x"``, ``"the
        validation set"``) to its data, an array or a shared variable.

    Raises
    ------
    ValueError
        Naming the sets too small for ``batch_size``.
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

    Examples
    --------
    >>> from dae.checks import check_sizes
    >>> check_sizes(n_visible=784, hidden_layers_sizes=[500, 0])
    Traceback (most recent call last):
    ...
    ValueError: hidden_layers_sizes contains a non-positive size: [500, 0]
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


def check_choice(name, value, allowed):
    """Refuse a ``value`` of the argument ``name`` that is not one of ``allowed``."""
    if value not in allowed:
        raise ValueError(f"{name} must be one of {tuple(allowed)}, got {value!r}")


def check_fractions(name, values, count, what):
    """Refuse ``values`` unless there are ``count`` of them, each in [0, 1).

    ``what`` says what the values are for, e.g. ``"hidden layers"``.
    """
    if len(values) != count:
        raise ValueError(f"{name} has {len(values)} entries for {count} {what}")
    for value in values:
        if not 0 <= value < 1:
            raise ValueError(f"{name} values must be in [0, 1), got {value}")


def check_nonnegative(**weights):
    """Refuse penalty weights below 0, naming the argument."""
    for name, value in weights.items():
        if value < 0:
            raise ValueError(f"{name} must be 0 or more, got {value}")


def resolve(option, value, known):
    """The function that ``value`` names in ``known``, or ``value`` itself if it is
    not a name.

    How every option that takes a function (an activation, a loss, a noise) also
    takes its name. ``known`` maps names to functions; ``option`` is the argument's
    name, for the message.

    Raises ValueError for a name not in ``known``, listing the names that are.

    Examples
    --------
    >>> from dae.checks import resolve
    >>> resolve("loss", "absolute", {"absolute": abs}) is resolve("loss", abs, {}) is abs
    True
    >>> resolve("loss", "huber", {"absolute": abs})
    Traceback (most recent call last):
    ...
    ValueError: unknown loss 'huber'; the known ones are: absolute
    """
    if not isinstance(value, str):
        return value
    if value not in known:
        raise ValueError(f"unknown {option} {value!r}; the known ones are: {', '.join(known)}")
    return known[value]


def registered_name(option, value, known):
    """The name of ``value``, a function or its name, in ``known``: what a model's
    config stores. ValueError if ``value`` has none."""
    function = resolve(option, value, known)
    for name, f in known.items():
        if f is function:
            return name
    raise ValueError(
        f"{option} {value!r} has no name; a model is saved and pickled with one of "
        f"the named ones only: {', '.join(known)}"
    )
