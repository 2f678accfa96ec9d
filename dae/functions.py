"""Compiled functions called the tutorials' way, and the minibatch they work on."""

import pytensor.tensor as pt
from pytensor.compile import Function

__all__ = ["CompiledFunction", "minibatch"]


def minibatch(data, index, batch_size):
    """Rows ``index * batch_size`` to ``(index + 1) * batch_size`` of ``data``.

    Taken as the rows ``index * batch_size + arange(batch_size)`` rather than the
    tutorial's slice: the same rows, but a length every backend knows at compile
    time (JAX cannot compile a slice whose length depends on ``index``).
    """
    return data[index * batch_size + pt.arange(batch_size)]


class CompiledFunction(Function):
    """A compiled PyTensor function, called the way the tutorials called theirs.

    It is the PyTensor ``Function`` it is made from (``maker``, ``fgraph``,
    ``profile``, ``copy``, ``free`` and ``pytensor.printing.debugprint`` work) and
    takes its inputs by position or by name, ``fn(0, 0.2, 0.1)`` or ``fn(index=0,
    corruption=0.2)``, as Theano's did. It adds what PyTensor dropped:

    * ``defaults``: values of inputs, by name, used when a call leaves them out,
      as Theano's ``In(x, value=...)`` did (PyTensor refuses those);
    * ``checks``: functions, by input name, that raise on a bad value given at
      call time (the defaults are the caller's to check);
    * ``n_batches``: with it, a call without arguments returns the list of the
      function's values on minibatches ``0 .. n_batches - 1``, as the tutorials'
      ``validate_score()`` did;
    * ``chunk``: None, or a function that takes ``chunk.steps`` training steps in
      one call, on minibatches ``index`` to ``index + chunk.steps - 1``, and
      returns their values in order; the same steps as as many calls of this
      function (see :func:`dae.backend.function`). The training loops use it when
      it is there.

    Examples
    --------
    >>> import pytensor, pytensor.tensor as pt
    >>> from dae.functions import CompiledFunction
    >>> index, lr = pt.lscalar("index"), pt.scalar("lr")
    >>> fn = CompiledFunction(pytensor.function([index, lr], index * lr), defaults={"lr": 0.5})
    >>> float(fn(4)), float(fn(4, 0.25)), float(fn(index=4, lr=1.0))
    (2.0, 1.0, 4.0)
    """

    __slots__ = ("defaults", "checks", "n_batches", "input_names", "chunk", "steps")

    def __init__(self, function, defaults=None, checks=None, n_batches=None):
        super().__init__(
            vm=function.vm,
            input_storage=function.input_storage,
            output_storage=function.output_storage,
            outputs=function.outputs,
            unpack_single=function.unpack_single,
            return_none=function.return_none,
            maker=function.maker,
            trust_input=function.trust_input,
            name=function.name,
        )
        self.profile = function.profile
        self.input_names = tuple(i.name for i in function.maker.inputs if not i.implicit)
        self.defaults, self.checks = dict(defaults or {}), dict(checks or {})
        unknown = (self.defaults.keys() | self.checks.keys()) - set(self.input_names)
        if unknown:
            raise ValueError(f"no input named {sorted(unknown)}; the inputs are {self.input_names}")
        self.n_batches = n_batches
        self.chunk, self.steps = None, 1

    def __call__(self, *args, **kwargs):
        if self.n_batches is not None and not args and not kwargs:
            return [super(CompiledFunction, self).__call__(i) for i in range(self.n_batches)]
        if not (self.defaults or self.checks):
            return super().__call__(*args, **kwargs)
        names = self.input_names
        if len(args) > len(names):
            raise TypeError(f"{len(args)} arguments given for the inputs {names}")
        values = dict(zip(names, args))
        for name, value in kwargs.items():
            if name not in names:
                raise TypeError(f"unexpected argument {name!r}; the inputs are {names}")
            if name in values:
                raise TypeError(f"two values given for {name!r}")
            values[name] = value
        for name, check in self.checks.items():
            if name in values:
                check(values[name])
        missing = [n for n in names if n not in values and n not in self.defaults]
        if missing:
            raise TypeError(f"missing argument(s) {missing}")
        return super().__call__(*[values[n] if n in values else self.defaults[n] for n in names])

    @property
    def fgraph(self):
        """The optimised graph that runs, ``maker.fgraph``."""
        return self.maker.fgraph

    def copy(self, *args, **kwargs):
        """A copy (see ``Function.copy``) that keeps the defaults and checks."""
        return CompiledFunction(
            super().copy(*args, **kwargs), self.defaults, self.checks, self.n_batches
        )
