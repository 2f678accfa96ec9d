"""The base of every model: parameters registered once, by name and with tags.

As Lasagne's layers do, a model registers each parameter once with
:meth:`Model.add_param`, under the name it is saved by and with tags saying what
it is: ``trainable`` (trained by the model's own cost; in ``params``) and
``regularizable`` (a weight, penalised by weight decay; biases are not). Everything
else derives from that one registry: ``params``, :meth:`Model.named_params`, the
weight-decay set ``get_params(regularizable=True)`` and the saved files.

Defining a subclass registers it for :func:`dae.load <dae.models.persistence.load>`
under its class name.
"""

from collections import OrderedDict

import numpy as np
import pytensor.tensor as pt

from dae.backend import function
from dae.checks import check_batch_size, check_data
from dae.functions import minibatch
from dae.models import persistence

__all__ = ["Model", "minibatch_function"]


class Model:
    """Base class of dae's models: a parameter registry, saving and pickling.

    A subclass calls :meth:`add_param` for each parameter in its constructor and
    defines ``config()``, the JSON-able constructor arguments that rebuild it
    (nonlinearities by name). Its random generator, if any, is the attribute
    ``theano_rng``. :meth:`from_config` calls the constructor as
    ``cls(numpy_rng, input=input, **config)``, with a new matrix as ``input`` if
    None; a class whose constructor differs overrides it.

    Examples
    --------
    >>> import numpy as np, pytensor
    >>> from dae.models.base import Model
    >>> class Scale(Model):
    ...     def __init__(self, numpy_rng, input=None):
    ...         self.a = self.add_param(pytensor.shared(np.float32(2.0)), "a")
    ...         self.c = self.add_param(pytensor.shared(np.float32(0.0)), "c",
    ...                                 regularizable=False)
    ...     def config(self):
    ...         return {}
    >>> model = Scale(None)
    >>> list(model.named_params()), model.get_params(regularizable=True) == [model.a]
    (['a', 'c'], True)
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        persistence.register(cls)

    def add_param(self, param, name, **tags):
        """Register ``param`` under ``name`` and return it.

        Parameters
        ----------
        param : shared variable or expression
            The parameter; an expression cannot be saved.
        name : str
            Its name in :meth:`named_params` and in saved files.
        **tags : bool
            ``trainable`` and ``regularizable`` are True unless given; any other
            tag is False unless given.
        """
        registry = self.__dict__.setdefault("_params", OrderedDict())
        if name in registry:
            raise ValueError(f"{type(self).__name__} already has a parameter named {name}")
        tags = {"trainable": True, "regularizable": True, **tags}
        registry[name] = (param, {tag for tag, on in tags.items() if on})
        return param

    def get_params(self, **tags):
        """The registered parameters, in order, that have (True) or lack (False)
        each of ``tags``; all of them without tags."""
        return [
            param
            for param, own in self.__dict__.get("_params", {}).values()
            if all((tag in own) == bool(want) for tag, want in tags.items())
        ]

    @property
    def params(self):
        """The trainable parameters, a list: what the model's own cost trains."""
        return self.get_params(trainable=True)

    def named_params(self):
        """Every registered parameter by name, in order, trainable or not."""
        return OrderedDict((name, param) for name, (param, _) in self._params.items())

    def config(self):
        """The JSON-able constructor arguments that rebuild the model."""
        raise NotImplementedError

    @classmethod
    def from_config(cls, config, input=None):
        """A new model built from ``config()``'s arguments, ``input`` as its input.

        Its parameters are drawn as the constructor draws them; :meth:`load` then
        replaces them. The functions named in ``config`` (a nonlinearity, a loss, a
        noise) are passed by name, which the constructors take as the functions.
        """
        return cls(np.random.RandomState(0), input=input_or_matrix(input), **config)

    def save(self, path):
        """Write the model to ``path`` (an ``.npz`` file), whole or not at all.

        Raises ValueError when a parameter is not a shared variable of its own
        (e.g. a layer built on another layer's transposed weights).
        """
        persistence.save(self, path)

    @classmethod
    def load(cls, path, input=None):
        """The model saved in ``path``, rebuilt on the symbolic ``input`` if given.

        Raises DataError when the file is not a saved model of this class.
        """
        return persistence.load(path, input=input, cls=cls)

    def __getstate__(self):
        config, arrays, rng = persistence.snapshot(self)
        return {"config": config, "params": arrays, "rng": rng}

    def __setstate__(self, state):
        # Rebuilt through the constructor: the symbolic graph is never pickled.
        model = type(self).from_config(state["config"])
        persistence.restore(model, state["params"], state["rng"], f"pickled {type(self).__name__}")
        self.__dict__.update(model.__dict__)


def input_or_matrix(input):
    """A model's symbolic input: ``input``, or a new float32 matrix ``x`` if None."""
    return pt.matrix("x", dtype="float32") if input is None else input


def float_type(input):
    """The float type of a model's parameters: its input's, if that is a float type
    (float64 for a gradient check), else float32."""
    return input.dtype if input.dtype.startswith("float") else "float32"


def minibatch_function(
    outputs, data, batch_size, inputs=(), source="train_set_x", expect=None, **kwargs
):
    """Compile ``fn(index, *inputs)``: ``outputs`` on minibatch ``index`` of shared data.

    Each symbolic variable in ``data`` stands for the rows ``index * batch_size`` to
    ``(index + 1) * batch_size`` of its shared variable (:func:`dae.functions.minibatch`).

    Parameters
    ----------
    outputs : symbolic variable or list of them
        What the function returns.
    data : dict
        The variables the minibatch replaces, each mapped to its shared data: a
        model's ``{x: set_x}``, or ``{x: set_x, y: set_y}``.
    batch_size : int
        Rows in a minibatch, checked against the data first.
    inputs : sequence of symbolic scalars
        The function's inputs after ``index``.
    source : str
        What to call the data in a message.
    expect : dict, optional
        What the data must be, as the keywords of :func:`dae.checks.check_data`
        (``n_ins``, ``n_outs``, ``unit_interval``), checked after the batch size;
        None leaves that to the caller.
    **kwargs
        The rest of :func:`dae.backend.function`'s arguments: ``updates``,
        ``defaults``, ``checks``, ``n_batches``, ``steps_per_call``, ``name``.

    Raises
    ------
    ValueError
        For a ``batch_size`` outside 1 to the rows of the data.
    DataError
        When the data are not what ``expect`` says.
    """
    sets = list(data.values())
    check_batch_size(batch_size, {source: sets[0]})
    if expect is not None:
        check_data(*sets, source=source, **expect)
    index = pt.lscalar("index")
    givens = {var: minibatch(values, index, batch_size) for var, values in data.items()}
    # The inputs are scalars (a corruption level, a learning rate): a Python float
    # for a float32 one is taken whatever floatX is, as Theano took it under float32.
    kwargs.setdefault("allow_input_downcast", True)
    return function([index, *inputs], outputs, givens=givens, **kwargs)
