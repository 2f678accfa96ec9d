r"""Contractive autoencoder (Rifai et al., 2011) with tied weights.

The input :math:`x \in [0, 1]^d` is encoded and decoded with sigmoids and tied
weights :math:`W' = W^T`, without corruption,

.. math::

    h = s(x W + b), \qquad z = s(h W^T + b'),

and the autoencoder learns a code that reconstructs :math:`x` yet changes little
when :math:`x` does: its cost adds to the reconstruction cross-entropy the squared
Frobenius norm of the encoder's Jacobian,

.. math::

    J_{ij} = \frac{\partial h_j}{\partial x_i} = h_j (1 - h_j) W_{ij}, \qquad
    C = \frac{1}{N} \sum_{n=1}^{N} L(x_n, z_n)
      + \lambda \, \frac{1}{N} \sum_{n=1}^{N} \lVert J(x_n) \rVert_F^2,

with :math:`L(x, z) = -\sum_k [x_k \log z_k + (1 - x_k) \log(1 - z_k)]` and
:math:`\lambda` the contraction level. The cross-entropy is computed from the
decoder's pre-activation :math:`a` as :math:`\sum_k \mathrm{softplus}(a_k) - x_k
a_k`, and the penalty as :math:`\sum_j (h_j (1 - h_j))^2 \sum_i W_{ij}^2`
(:func:`dae.objectives.jacobian_norm`): the same numbers, without the logarithm of
a saturated sigmoid or the :math:`d \times n` Jacobian of every example.

The encoder and the decoder are those of
:class:`~dae.models.autoencoder.Autoencoder`, without a noise; the cA adds its cost.
"""

import numpy as np
import pytensor.tensor as pt
from pytensor.graph.basic import Variable
from pytensor.tensor.math import sigmoid

from dae.checks import check_sizes
from dae.models.autoencoder import Autoencoder
from dae.objectives import cross_entropy_from_logits, jacobian_norm
from dae.updates import sgd

__all__ = ["cA"]


class cA(Autoencoder):
    """Contractive autoencoder with tied weights and sigmoid units.

    Parameters
    ----------
    numpy_rng : numpy.random.RandomState or numpy.random.Generator
        Draws the initial weights.
    input : symbolic matrix, optional
        One example per row; a new float32 ``pt.matrix`` if None. The parameters
        take its float type.
    n_visible, n_hidden : int
        Number of visible and hidden units.
    n_batchsize : int
        Number of examples in a minibatch; the Jacobian penalty is summed over
        the minibatch and divided by it.
    W, bhid, bvis : shared variables, optional
        Shared variables to use instead of new ones (weight sharing).

    Attributes
    ----------
    W, b, b_prime : shared variables
        Weights, hidden and visible biases; ``W_prime = W.T``.
    x : symbolic matrix
        The symbolic input.
    params : list
        ``[W, b, b_prime]``.
    L_rec, L_jacob : symbolic vector and scalar
        Set by :meth:`get_cost_updates`: the reconstruction cross-entropy of each
        example (a vector) and the Jacobian penalty of the minibatch (a scalar).

    Examples
    --------
    >>> import numpy as np, pytensor, pytensor.tensor as pt
    >>> from dae.models.ca import cA
    >>> ca = cA(np.random.RandomState(0), n_visible=4, n_hidden=3, n_batchsize=5)
    >>> cost, updates = ca.get_cost_updates(contraction_level=0.1, learning_rate=0.1)
    >>> train = pytensor.function([ca.x], [pt.mean(ca.L_rec), ca.L_jacob], updates=updates)
    >>> x = np.random.RandomState(1).rand(5, 4).astype("float32")
    >>> costs = [float(train(x)[0]) for _ in range(200)]
    >>> costs[-1] < costs[0]
    True
    """

    def __init__(
        self,
        numpy_rng,
        input=None,
        n_visible=784,
        n_hidden=100,
        n_batchsize=1,
        W=None,
        bhid=None,
        bvis=None,
    ):
        check_sizes(n_batchsize=n_batchsize)
        self.n_batchsize = n_batchsize
        # Sigmoid units: initial weights in the sigmoid's range, four times the tanh's.
        super().__init__(
            numpy_rng,
            input=input,
            n_visible=n_visible,
            n_hidden=n_hidden,
            W=W,
            bhid=bhid,
            bvis=bvis,
            activation=sigmoid,
            decoder_activation=sigmoid,
        )

    def config(self):
        """The constructor arguments that rebuild the cA (all but the shared variables)."""
        return {
            "n_visible": self.n_visible,
            "n_hidden": self.n_hidden,
            "n_batchsize": self.n_batchsize,
        }

    def get_jacobian(self, hidden, W):
        """Jacobian of the code with respect to the input, one matrix per example.

        A tensor of shape (batch, n_visible, n_hidden) with ``J[k, i, j] =
        hidden[k, j] * (1 - hidden[k, j]) * W[i, j]``, for the sigmoid code
        ``hidden`` of a minibatch. The cost does not form it.
        """
        slope = hidden * (1 - hidden)
        return slope.dimshuffle(0, "x", 1) * W.dimshuffle("x", 0, 1)

    def get_cost_updates(self, contraction_level, learning_rate):
        r"""The cost of one SGD step and the updates that take it.

        Sets ``L_rec``, the reconstruction cross-entropy of each example of ``x``,
        and ``L_jacob``, the squared Frobenius norms of the examples' Jacobians
        summed and divided by ``n_batchsize``.

        Parameters
        ----------
        contraction_level : float or symbolic scalar
            The penalty's weight :math:`\lambda \geq 0`.
        learning_rate : float, symbolic scalar or shared scalar
            The SGD step size.

        Returns
        -------
        cost : symbolic scalar
            ``mean(L_rec) + contraction_level * mean(L_jacob)``.
        updates : OrderedDict
            An update dictionary for ``W``, ``b`` and ``b_prime``.
        """
        if not isinstance(contraction_level, Variable):
            if not contraction_level >= 0:
                raise ValueError(f"contraction_level must be 0 or more, got {contraction_level}")
            contraction_level = np.float32(contraction_level)
        y = self.get_hidden_values(self.x)
        a = self.decoder_preactivation(y)
        self.L_rec = cross_entropy_from_logits(a, self.x)
        self.L_jacob = pt.sum(jacobian_norm(y * (1 - y), self.W)) / self.n_batchsize
        cost = pt.mean(self.L_rec) + contraction_level * pt.mean(self.L_jacob)
        return cost, sgd(cost, self.params, learning_rate)
