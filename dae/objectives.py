r"""Cost terms: plain functions on symbolic expressions, each written once.

The cross-entropy of a sigmoid reconstruction :math:`z = s(a)` of :math:`x \in
[0, 1]^d`, taken from the pre-activation :math:`a`:

.. math::

    -\sum_k \left[ x_k \log z_k + (1 - x_k) \log(1 - z_k) \right]
    = \sum_k \mathrm{softplus}(a_k) - x_k a_k,

the same number without the logarithm of a saturated sigmoid.

The contractive penalty of Rifai et al. (2011) is the squared Frobenius norm of
the encoder's Jacobian. For a code :math:`h = f(x W + b)` of an input
:math:`x \in \mathbb{R}^d`, with :math:`W` of shape :math:`d \times n`,

.. math::

    J_{ij} = \frac{\partial h_j}{\partial x_i} = f'_j \, W_{ij}, \qquad
    \lVert J \rVert_F^2 = \sum_{i,j} f'_j{}^2 W_{ij}^2
                        = \sum_j f'_j{}^2 \sum_i W_{ij}^2,

where :math:`f'_j` is the slope of unit :math:`j` at its pre-activation. The right
side costs a matrix-vector product per minibatch, where forming :math:`J` costs
:math:`d \times n` numbers per example.
"""

import pytensor.tensor as pt
from pytensor.tensor.math import softplus


def cross_entropy_from_logits(a, x):
    r"""Cross-entropy of the reconstruction ``sigmoid(a)`` of ``x``, one per row.

    .. math:: \sum_k \mathrm{softplus}(a_k) - x_k a_k

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> from dae.objectives import cross_entropy_from_logits
    >>> a, x = pt.as_tensor(np.array([[0.0, 2.0]])), pt.as_tensor(np.array([[1.0, 0.0]]))
    >>> z = 1 / (1 + np.exp(-np.array([0.0, 2.0])))
    >>> bool(np.isclose(cross_entropy_from_logits(a, x).eval()[0],
    ...                 -np.log(z[0]) - np.log(1 - z[1])))
    True
    """
    return pt.sum(softplus(a) - x * a, axis=1)


def jacobian_norm(slope, W):
    r"""Squared Frobenius norm of the encoder's Jacobian, one per example.

    .. math:: \lVert J \rVert_F^2 = \sum_j f'_j{}^2 \sum_i W_{ij}^2

    Parameters
    ----------
    slope : symbolic matrix (batch, n_hidden), each code unit's derivative
        :math:`f'_j` at its pre-activation, e.g. :math:`h (1 - h)` for a sigmoid.
    W : symbolic or shared matrix (n_visible, n_hidden), the encoder's weights.

    Returns
    -------
    Symbolic vector of length batch.

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> from dae.objectives import jacobian_norm
    >>> W = pt.as_tensor(np.array([[1.0, 2.0], [3.0, 0.0]]))
    >>> slope = pt.as_tensor(np.array([[0.5, 1.0], [1.0, 0.0]]))
    >>> jacobian_norm(slope, W).eval()  # 0.25 * 10 + 1 * 4, then 1 * 10
    array([ 6.5, 10. ])
    """
    return pt.dot(pt.sqr(slope), pt.sum(pt.sqr(W), axis=0))
