r"""Cost terms: plain functions of symbolic expressions, each written once.

Every model builds its cost from these, so a loss or a penalty means the same
arithmetic wherever it appears. Per-example terms return one value per row, for
the model to average over the minibatch; penalties on parameters return a scalar.

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

import numpy as np
import pytensor.tensor as pt
from pytensor.gradient import disconnected_grad
from pytensor.tensor.math import softplus

__all__ = [
    "LOSSES",
    "bernoulli_kl",
    "bernoulli_kl_from_logits",
    "categorical_crossentropy_from_logits",
    "cross_entropy_from_logits",
    "gaussian_kl",
    "jacobian_norm",
    "l1",
    "l2",
    "squared_error",
]


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


def categorical_crossentropy_from_logits(a, y):
    r"""Negative log-probability of the integer labels ``y`` under ``softmax(a)``,
    one per row.

    .. math:: -\log \mathrm{softmax}_{y}(a) = \log \sum_k e^{a_k} - a_y
              = \log \sum_k e^{a_k - m} - (a_y - m), \qquad m = \max_k a_k

    Shifting by the row's maximum keeps the exponentials finite; the shift does
    not change the value, so no gradient flows through it. The label is picked by
    comparing ``y`` with the class numbers, and the whole cost and its gradient,
    :math:`\mathrm{softmax}(a) - \mathrm{onehot}(y)`, are elementwise loops and
    row sums that compile to C.

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> from dae.objectives import categorical_crossentropy_from_logits
    >>> a = np.array([[1.0, 2.0, 3.0]])
    >>> cost = categorical_crossentropy_from_logits(pt.as_tensor(a), pt.as_tensor([2]))
    >>> bool(np.isclose(cost.eval()[0], -np.log(np.exp(3) / np.exp(a).sum())))
    True
    """
    m = disconnected_grad(pt.max(a, axis=1, keepdims=True))
    shifted = a - m
    # a static number of classes keeps the arange a constant, which JAX requires
    classes = a.type.shape[1] if a.type.shape[1] is not None else a.shape[1]
    label = pt.eq(y[:, None], pt.arange(classes))
    return pt.log(pt.sum(pt.exp(shifted), axis=1)) - pt.sum(shifted * label, axis=1)


def jacobian_norm(slope, W):
    r"""Squared Frobenius norm of the encoder's Jacobian, one per example.

    .. math:: \lVert J \rVert_F^2 = \sum_j f'_j{}^2 \sum_i W_{ij}^2

    Parameters
    ----------
    slope : symbolic matrix (batch, n_hidden)
        Each code unit's derivative :math:`f'_j` at its pre-activation, e.g.
        :math:`h (1 - h)` for a sigmoid.
    W : symbolic or shared matrix (n_visible, n_hidden)
        The encoder's weights.

    Returns
    -------
    symbolic vector
        Of length batch.

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


def squared_error(a, x):
    r"""Squared error of the reconstruction ``a`` of ``x``, one per row.

    .. math:: \sum_k (a_k - x_k)^2

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> from dae.objectives import squared_error
    >>> a, x = pt.as_tensor(np.array([[1.0, 2.0]])), pt.as_tensor(np.array([[0.0, 4.0]]))
    >>> squared_error(a, x).eval()
    array([5.])
    """
    return pt.sum(pt.sqr(a - x), axis=1)


#: The reconstruction losses by name, each a function ``loss(a, x)`` of the decoder's
#: pre-activation ``a`` and the input ``x``, one value per row: the cross-entropy of
#: a sigmoid reconstruction, and the squared error of a linear one.
LOSSES = {"cross_entropy": cross_entropy_from_logits, "squared_error": squared_error}


def l1(params):
    r"""Sum of the absolute values of every entry of ``params``: :math:`\sum_W \sum |W|`.

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> from dae.objectives import l1
    >>> float(l1([pt.as_tensor(np.array([[1.0, -2.0]])), pt.as_tensor(np.array([-3.0]))]).eval())
    6.0
    """
    return sum(pt.sum(abs(p)) for p in params)


def l2(params):
    r"""Sum of the squares of every entry of ``params``: :math:`\sum_W \sum W^2`.

    The weight decay penalty; its gradient is :math:`2 W`.

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> from dae.objectives import l2
    >>> float(l2([pt.as_tensor(np.array([[1.0, -2.0]])), pt.as_tensor(np.array([-3.0]))]).eval())
    14.0
    """
    return sum(pt.sum(pt.sqr(p)) for p in params)


def bernoulli_kl(rho, rho_hat):
    r"""KL divergence of a Bernoulli(``rho_hat``) from a Bernoulli(``rho``), elementwise.

    .. math::

        \mathrm{KL}(\rho \,\|\, \hat\rho) = \rho \log\frac{\rho}{\hat\rho}
        + (1 - \rho) \log\frac{1 - \rho}{1 - \hat\rho}

    The sparsity penalty: with :math:`\hat\rho_j` the mean activation of sigmoid
    unit :math:`j` over a minibatch and :math:`\rho` the target, :math:`\sum_j
    \mathrm{KL}(\rho \| \hat\rho_j)` is zero when every unit is on a fraction
    :math:`\rho` of the time.

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> from dae.objectives import bernoulli_kl
    >>> kl = bernoulli_kl(0.1, pt.as_tensor(np.array([0.1, 0.5]))).eval()
    >>> expected = [0.0, 0.1 * np.log(0.2) + 0.9 * np.log(1.8)]
    >>> bool(np.allclose(kl, expected, atol=1e-6))
    True
    """
    rho, rest = _constants(rho_hat.dtype, rho, 1 - rho)
    return rho * pt.log(rho / rho_hat) + rest * pt.log(rest / (1 - rho_hat))


def bernoulli_kl_from_logits(rho, a, axis=0):
    r""":func:`bernoulli_kl` of ``rho`` and the mean of ``sigmoid(a)`` over ``axis``,
    computed from the pre-activations ``a`` in log space.

    .. math::

        \log \hat\rho = \log \tfrac1n \textstyle\sum_i e^{\log\sigma(a_i)},
        \qquad
        \log (1 - \hat\rho) = \log \tfrac1n \textstyle\sum_i e^{\log\sigma(-a_i)},

    with :math:`\log\sigma(a) = -\mathrm{softplus}(-a)`. The sparsity penalty of a
    sigmoid layer, ``a`` its minibatch of pre-activations. Where the codes saturate,
    the mean of :math:`\sigma(a)` rounds to 0 or 1 in float32 and
    :func:`bernoulli_kl` of it is infinite; here the cost is large but finite, and so
    is its gradient, which pushes the units back.

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> from dae.objectives import bernoulli_kl, bernoulli_kl_from_logits
    >>> a = pt.as_tensor(np.array([[-1.0, 2.0], [0.5, -120.0]], dtype="float32"))
    >>> kl = bernoulli_kl_from_logits(0.1, a).eval()
    >>> bool(np.allclose(kl[0], bernoulli_kl(0.1, pt.mean(pt.sigmoid(a), axis=0)).eval()[0]))
    True
    >>> saturated = pt.as_tensor(np.full((2, 1), -120.0, dtype="float32"))
    >>> float(bernoulli_kl(0.1, pt.mean(pt.sigmoid(saturated), axis=0)).eval()[0])
    inf
    >>> kl = bernoulli_kl_from_logits(0.1, saturated).eval()[0]  # log rho_hat = -120
    >>> bool(np.isclose(kl, 0.1 * (np.log(0.1) + 120) + 0.9 * np.log(0.9)))
    True
    """
    log_rho_hat = _log_mean_exp(-softplus(-a), axis)
    log_one_minus = _log_mean_exp(-softplus(a), axis)
    rho, rest = _constants(a.dtype, rho, 1 - rho)
    return rho * (pt.log(rho) - log_rho_hat) + rest * (pt.log(rest) - log_one_minus)


def _constants(dtype, *numbers):
    """``numbers`` as constants of ``dtype``, the float type of the terms they meet:
    a Python float would be one of PyTensor's ``floatX``, which can upcast them."""
    return [np.asarray(n, dtype=dtype) for n in numbers]


def _log_mean_exp(v, axis):
    """``log(mean(exp(v), axis))`` without overflow or underflow."""
    m = disconnected_grad(pt.max(v, axis=axis, keepdims=True))
    return pt.squeeze(m, axis=axis) + pt.log(pt.mean(pt.exp(v - m), axis=axis))


def gaussian_kl(mu, log_var):
    r"""KL divergence of :math:`\mathcal{N}(\mu, \mathrm{diag}\,\sigma^2)` from
    :math:`\mathcal{N}(0, I)`, one per row.

    .. math:: \tfrac12 \sum_j \left(\mu_j^2 + \sigma_j^2 - \log \sigma_j^2 - 1\right)

    The regulariser of a variational autoencoder's code, given its mean and
    log-variance.

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> from dae.objectives import gaussian_kl
    >>> mu, log_var = pt.as_tensor(np.array([[0.0, 1.0]])), pt.as_tensor(np.zeros((1, 2)))
    >>> gaussian_kl(mu, log_var).eval()
    array([0.5])
    """
    (half,) = _constants(mu.dtype, 0.5)
    return half * pt.sum(pt.sqr(mu) + pt.exp(log_var) - log_var - 1, axis=1)
