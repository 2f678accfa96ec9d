"""Theano's namespace on PyTensor, for code written against the Theano tutorials.

A port changes its import lines and nothing else::

    import dae.theano as theano
    import dae.theano.tensor as T
    from dae.theano.tensor.shared_randomstreams import RandomStreams

This module is PyTensor's (``shared``, ``config``, ``grad``, ``scan``,
``printing``, ...) with back what the tutorials use that PyTensor dropped:

* :func:`function` and :class:`In` honour default values,
  ``theano.In(corruption_level, value=0.2)``, and a function advances every
  random generator it draws from, as Theano's random streams did;
* :mod:`dae.theano.tensor` has ``nnet`` (``T.nnet.sigmoid``, ``softmax``, the
  cross-entropies) and ``shared_randomstreams.RandomStreams``;
* :mod:`dae.theano.sandbox.rng_mrg` has ``MRG_RandomStreams``;
* shared variables are true, as Theano's were, so the tutorials' constructors can
  ask ``if not W:`` whether weights were given (PyTensor's tensors refuse a truth
  value); other tensors, comparisons included, still refuse, as comparisons did
  in Theano.

Importing this module changes two things for the whole process, as the
tutorials' setup did: float32 becomes PyTensor's ``floatX`` (what
``THEANO_FLAGS=floatX=float32`` did; :func:`dae.backend.configure`), and every
PyTensor shared tensor, in any code, answers True to ``bool()``. ``import dae``
alone changes neither.

Functions compile through :func:`dae.backend.function`, on the backend dae
picked, and are :class:`dae.functions.CompiledFunction` objects.
"""

from collections import OrderedDict as _OrderedDict

from pytensor import *  # noqa: F403
from pytensor.compile import In as _PyTensorIn
from pytensor.tensor.sharedvar import TensorSharedVariable as _TensorSharedVariable

from dae import backend as _backend
from dae.theano import sandbox, tensor  # noqa: F401
from dae.updates import rng_updates as _rng_updates


def _true(self):
    return True


# Theano's `if not W:` asked whether weights were given; PyTensor's tensors refuse
# it. A shared variable is never a comparison, so answering True is safe.
_TensorSharedVariable.__bool__ = _true
_backend.configure()


class In(_PyTensorIn):
    """A function input, as ``pytensor.In``, that may also have a default ``value``.

    Parameters
    ----------
    variable : symbolic variable
        The symbolic input.
    name : str, optional
        What to call it as a keyword; the variable's name by default.
    value : optional
        Used when a call of the compiled function leaves the input out.
    **kwargs
        The other options of ``pytensor.In``.
    """

    def __init__(self, variable, name=None, value=None, **kwargs):
        # PyTensor keeps only shared storage as an input's value; a plain default
        # is kept here and filled in at call time by the compiled function.
        self.default = value
        super().__init__(variable, name=name, **kwargs)


def function(inputs, outputs=None, **kwargs):
    """``theano.function``: compile ``outputs`` of ``inputs``; inputs given as
    :class:`In` with a ``value`` may be left out of a call.

    The other arguments (``updates``, ``givens``, ``mode``, ...) are
    ``pytensor.function``'s.

    Examples
    --------
    >>> import dae.theano as theano
    >>> import dae.theano.tensor as T
    >>> x, scale = T.scalar("x"), T.scalar("scale")
    >>> f = theano.function([x, theano.In(scale, value=2.0)], x * scale)
    >>> float(f(3)), float(f(3, 10)), float(f(x=3, scale=0.5))
    (6.0, 30.0, 1.5)
    """
    defaults = {}
    for i in inputs:
        if getattr(i, "default", None) is None:
            continue
        if i.name is None:
            raise ValueError(f"input {i.variable} has a default value but no name to call it by")
        defaults[i.name] = i.default
    updates = _OrderedDict(kwargs.pop("updates", None) or {})
    listed = outputs if isinstance(outputs, list | tuple) else [] if outputs is None else [outputs]
    drawn = [getattr(o, "variable", o) for o in listed] + list(updates.values())
    # Theano's random streams advanced by themselves: each generator drawn from
    # gets its next state as an update, unless the caller gave it one or asked
    # for none with no_default_updates=True.
    if kwargs.get("no_default_updates") is not True:
        for rng, next_rng in _rng_updates(*drawn).items():
            updates.setdefault(rng, next_rng)
    return _backend.function(inputs, outputs, defaults=defaults, updates=updates, **kwargs)


# What a star import gives: PyTensor's names, and the ones this module adds.
__all__ = [name for name in dir() if not name.startswith("_")]
