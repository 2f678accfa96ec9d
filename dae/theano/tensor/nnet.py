r"""``theano.tensor.nnet``, which PyTensor removed: the functions the tutorials call.

``sigmoid`` and ``softplus`` are PyTensor's own, so dae's models recognise them
(a ``HiddenLayer`` given ``T.nnet.sigmoid`` starts with the sigmoid's weights).
"""

import pytensor.tensor as pt
from pytensor.tensor.math import sigmoid, softplus
from pytensor.tensor.special import softmax as _softmax

__all__ = [
    "binary_crossentropy",
    "categorical_crossentropy",
    "relu",
    "sigmoid",
    "softmax",
    "softplus",
]


def softmax(x):
    r"""Row-wise softmax, :math:`e^{x_{ij}} / \sum_k e^{x_{ik}}`, as Theano's
    (PyTensor's ``softmax`` normalises over all axes unless told one)."""
    return _softmax(x, axis=-1)


def relu(x, alpha=0):
    """Rectified linear unit, :math:`\\max(x, 0)`; ``alpha`` is the slope below 0."""
    return pt.switch(x > 0, x, alpha * x)


def binary_crossentropy(output, target):
    r"""Elementwise :math:`-(t \log o + (1 - t) \log(1 - o))` of probabilities ``output``."""
    return -(target * pt.log(output) + (1 - target) * pt.log(1 - output))


def categorical_crossentropy(coding_dist, true_dist):
    r"""Per row, :math:`-\sum_k t_k \log p_k`; ``true_dist`` is one-hot rows or a
    vector of integer classes, for which it is :math:`-\log p_{y}`."""
    if true_dist.ndim == coding_dist.ndim:
        return -pt.sum(true_dist * pt.log(coding_dist), axis=-1)
    return -pt.log(coding_dist[pt.arange(true_dist.shape[0]), true_dist])
