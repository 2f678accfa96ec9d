r"""A fully connected hidden layer, the building block of the MLP and the SdA.

.. math:: h = s(x W + b)

:math:`W` starts uniform in :math:`\pm\sqrt{6 / (n_{in} + n_{out})}`, the range
Glorot and Bengio (2010) derived for tanh; for the logistic sigmoid it is four
times wider.
"""

import numpy as np
import pytensor
import pytensor.tensor as pt
from pytensor.tensor.math import sigmoid

from dae.functions import check_sizes
from dae.models.persistence import Persistent


def relu(x):
    """Rectified linear unit: max(x, 0)."""
    return pt.maximum(x, 0)


def elu(x):
    """Exponential linear unit (Clevert et al., 2016): x if x > 0, else exp(x) - 1."""
    return pt.switch(x > 0, x, pt.expm1(x))


# The nonlinearities by name: how a model's options and saved files refer to them.
ACTIVATIONS = {"sigmoid": sigmoid, "tanh": pt.tanh, "relu": relu, "elu": elu, "linear": None}


def initial_weights(rng, n_in, n_out, activation=pt.tanh):
    r"""Uniform initial weights, as a floatX array of shape (n_in, n_out).

    The tutorial's range for tanh, linear and sigmoid units (four times wider for
    the sigmoid); He et al.'s (2015) :math:`\pm\sqrt{6 / n_{in}}` for relu and elu.
    """
    if activation in (relu, elu):
        bound = np.sqrt(6.0 / n_in)
    else:
        bound = np.sqrt(6.0 / (n_in + n_out))
    if activation is sigmoid:
        bound *= 4
    W = rng.uniform(low=-bound, high=bound, size=(n_in, n_out))
    return np.asarray(W, dtype=pytensor.config.floatX)


class HiddenLayer(Persistent):
    """Fully connected layer with ``output = activation(dot(input, W) + b)``.

    Parameters
    ----------
    rng : numpy.random.RandomState or Generator, draws the initial weights.
    input : symbolic matrix, one example per row.
    n_in, n_out : number of input and output units.
    W, b : optional shared variables to use instead of new ones (weight sharing).
    activation : elementwise nonlinearity, or None for a linear layer; a layer
        can be saved when it is one of :data:`ACTIVATIONS`.
    """

    def __init__(self, rng, input, n_in, n_out, W=None, b=None, activation=pt.tanh):
        floatX = pytensor.config.floatX
        check_sizes(n_in=n_in, n_out=n_out)
        if W is None:
            W = pytensor.shared(
                initial_weights(rng, n_in, n_out, activation), name="W", borrow=True
            )
        if b is None:
            b = pytensor.shared(np.zeros((n_out,), dtype=floatX), name="b", borrow=True)
        self.input = input
        self.n_in, self.n_out, self.activation = n_in, n_out, activation
        self.W = W
        self.b = b
        lin_output = pt.dot(input, self.W) + self.b
        self.output = lin_output if activation is None else activation(lin_output)
        self.params = [self.W, self.b]

    def config(self):
        """The constructor arguments that rebuild the layer, the activation by name."""
        names = [name for name, f in ACTIVATIONS.items() if f is self.activation]
        if not names:
            raise ValueError(
                f"activation {self.activation!r} has no name; a layer can be saved or "
                f"pickled with one of {tuple(ACTIVATIONS)} only"
            )
        return {"n_in": self.n_in, "n_out": self.n_out, "activation": names[0]}

    def named_params(self):
        """``{"W": W, "b": b}``."""
        return {"W": self.W, "b": self.b}

    @classmethod
    def from_config(cls, config, input=None):
        """A new layer from :meth:`config`, on ``input`` or a new matrix."""
        config = dict(config)
        activation = config.pop("activation", None)
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {tuple(ACTIVATIONS)}, got {activation!r}")
        x = pt.matrix("x") if input is None else input
        return cls(np.random.RandomState(0), x, activation=ACTIVATIONS[activation], **config)
