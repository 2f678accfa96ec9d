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


def relu(x):
    """Rectified linear unit: max(x, 0)."""
    return pt.maximum(x, 0)


def elu(x):
    """Exponential linear unit (Clevert et al., 2016): x if x > 0, else exp(x) - 1."""
    return pt.switch(x > 0, x, pt.expm1(x))


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


class HiddenLayer:
    """Fully connected layer with ``output = activation(dot(input, W) + b)``.

    Parameters
    ----------
    rng : numpy.random.RandomState or Generator, draws the initial weights.
    input : symbolic matrix, one example per row.
    n_in, n_out : number of input and output units.
    W, b : optional shared variables to use instead of new ones (weight sharing).
    activation : elementwise nonlinearity, or None for a linear layer.
    """

    def __init__(self, rng, input, n_in, n_out, W=None, b=None, activation=pt.tanh):
        floatX = pytensor.config.floatX
        if n_in <= 0 or n_out <= 0:
            raise ValueError(f"layer sizes must be positive, got n_in={n_in}, n_out={n_out}")
        if W is None:
            W = pytensor.shared(
                initial_weights(rng, n_in, n_out, activation), name="W", borrow=True
            )
        if b is None:
            b = pytensor.shared(np.zeros((n_out,), dtype=floatX), name="b", borrow=True)
        self.input = input
        self.W = W
        self.b = b
        lin_output = pt.dot(input, self.W) + self.b
        self.output = lin_output if activation is None else activation(lin_output)
        self.params = [self.W, self.b]
