r"""Cost terms: plain functions on symbolic expressions.

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
