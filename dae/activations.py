r"""Nonlinearities, and the names by which options and saved files refer to them.

A model takes its nonlinearity as a function of a symbolic tensor, as the
tutorials' ``HiddenLayer(activation=T.tanh)`` does, None for a linear unit, or
the name of either, as command lines and saved models give it; :func:`get` and
:func:`name_of` translate, and :func:`slope` gives each one's derivative written
in terms of its output, which the contractive penalty needs:

=========  =====================================  ===========================
name       :math:`f(a)`                           :math:`f'` from :math:`y = f(a)`
=========  =====================================  ===========================
sigmoid    :math:`1 / (1 + e^{-a})`               :math:`y (1 - y)`
tanh       :math:`\tanh a`                        :math:`1 - y^2`
relu       :math:`\max(a, 0)`                     :math:`[y > 0]`
elu        :math:`a` if :math:`a > 0`, else       :math:`1` if :math:`y > 0`, else
           :math:`e^a - 1`                        :math:`y + 1`
linear     :math:`a` (``None``)                   :math:`1`
=========  =====================================  ===========================
"""

import pytensor.tensor as pt
from pytensor.tensor.math import sigmoid

from dae.checks import registered_name, resolve

__all__ = ["ACTIVATIONS", "elu", "relu"]

tanh = pt.tanh


def relu(x):
    """Rectified linear unit: max(x, 0)."""
    return pt.maximum(x, 0)


def elu(x):
    """Exponential linear unit (Clevert et al., 2016): x if x > 0, else exp(x) - 1."""
    return pt.switch(x > 0, x, pt.expm1(x))


# sigmoid and tanh are PyTensor's own objects, so graphs built with them are the
# ones PyTensor's rewrites recognise (and the tutorials' T.nnet.sigmoid is sigmoid).
#: The named nonlinearities: name to function, None for linear units.
ACTIVATIONS = {"sigmoid": sigmoid, "tanh": tanh, "relu": relu, "elu": elu, "linear": None}


def get(name):
    """The nonlinearity called ``name``, one of :data:`ACTIVATIONS` (None for linear);
    a function is returned as it is.

    Examples
    --------
    >>> from dae import activations
    >>> activations.get("relu") is activations.get(activations.relu) is activations.relu
    True
    """
    return resolve("activation", name, ACTIVATIONS)


def name_of(activation):
    """The name of the nonlinearity ``activation`` (a function or a name); ValueError
    if it has none.

    Examples
    --------
    >>> import pytensor.tensor as pt
    >>> from dae import activations
    >>> activations.name_of(pt.tanh), activations.name_of(None), activations.name_of("elu")
    ('tanh', 'linear', 'elu')
    """
    return registered_name("activation", activation, ACTIVATIONS)


def slope(activation, y):
    """The derivative of ``activation`` at each unit, written in terms of its output ``y``.

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> from dae import activations
    >>> y = pt.as_tensor(np.array([0.5, 0.9]))
    >>> activations.slope(activations.get("sigmoid"), y).eval()
    array([0.25, 0.09])
    """
    name = name_of(activation)
    if name == "sigmoid":
        return y * (1 - y)
    if name == "tanh":
        return 1 - pt.sqr(y)
    if name == "relu":
        return pt.cast(y > 0, y.dtype)
    if name == "elu":
        return pt.switch(y > 0, pt.ones_like(y), y + 1)
    return pt.ones_like(y)
