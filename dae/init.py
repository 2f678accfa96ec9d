r"""Initial values of parameters, as float32 arrays (or of the float type asked for).

Weights are drawn uniform in :math:`\pm\sqrt{6 / (n_{in} + n_{out})}`, the range
Glorot and Bengio (2010) derived for tanh units, as the tutorials do; four times
wider for the logistic sigmoid, whose slope at 0 is a quarter of tanh's; and
:math:`\pm\sqrt{6 / n_{in}}` (He et al., 2015) for relu and elu units. Biases start
at zero.
"""

import numpy as np
import pytensor.tensor as pt
from pytensor.tensor.math import sigmoid

from dae.activations import elu, relu

__all__ = ["initial_weights", "zeros"]


def initial_weights(rng, n_in, n_out, activation=pt.tanh, dtype="float32"):
    """Uniform initial weights for ``activation`` units, of shape (n_in, n_out).

    Parameters
    ----------
    rng : numpy.random.RandomState or numpy.random.Generator
        Draws the weights.
    n_in, n_out : int
        Number of input and output units.
    activation : callable or None
        The units' nonlinearity, which sets the range (see the module docstring).
    dtype : str
        The float type of the array; the weights are drawn in float64 and rounded
        to it.

    Examples
    --------
    >>> import numpy as np
    >>> from dae.init import initial_weights
    >>> W = initial_weights(np.random.RandomState(0), 6, 2)
    >>> W.shape, W.dtype.name, bool(np.abs(W).max() <= np.sqrt(6 / 8))
    ((6, 2), 'float32', True)
    """
    if activation in (relu, elu):
        bound = np.sqrt(6.0 / n_in)
    else:
        bound = np.sqrt(6.0 / (n_in + n_out))
    if activation is sigmoid:
        bound *= 4
    W = rng.uniform(low=-bound, high=bound, size=(n_in, n_out))
    return np.asarray(W, dtype=dtype)


def zeros(*shape, dtype="float32"):
    """An array of zeros, float32 unless ``dtype`` says otherwise, e.g. the initial
    biases ``zeros(n_out)``."""
    return np.zeros(shape, dtype=dtype)
