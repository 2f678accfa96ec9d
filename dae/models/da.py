r"""Denoising autoencoder (Vincent et al., 2008) with tied weights.

An input :math:`x \in [0, 1]^d` is corrupted by masking: each component is set to
zero with probability :math:`p` (the corruption level), giving :math:`\tilde x`.
The corrupted input is encoded and decoded with tied weights :math:`W' = W^T`,

.. math::

    y = s(\tilde x W + b), \qquad z = s(y W^T + b'),

and the autoencoder learns to reconstruct the *clean* input, minimising the
cross-entropy of the reconstruction averaged over the minibatch:

.. math::

    L(x, z) = -\sum_{k=1}^{d} \left[ x_k \log z_k + (1 - x_k) \log (1 - z_k) \right].

With :math:`z = s(a)` this equals :math:`\sum_k \mathrm{softplus}(a_k) - x_k a_k`,
which is how it is computed: the same number without the logarithm of a
saturated sigmoid.
"""

import numpy as np
import pytensor
import pytensor.tensor as pt
from pytensor.tensor.math import sigmoid, softplus

from dae.backend import function
from dae.functions import minibatch, random_seed, with_keyword_defaults
from dae.models.mlp import initial_weights
from dae.random import unit_uniform
from dae.updates import rng_updates, sgd


class dA:
    """Denoising autoencoder with tied weights, masking noise and cross-entropy loss.

    Parameters
    ----------
    numpy_rng : numpy.random.RandomState or Generator, draws the initial weights.
    theano_rng : shared random generator (``pytensor.tensor.random.shared_rng``)
        for the corruption masks; by default one seeded from ``numpy_rng``.
    input : symbolic matrix, one example per row; a new ``pt.matrix`` if None.
        Pass another layer's output to stack autoencoders.
    n_visible, n_hidden : number of visible and hidden units.
    W, bhid, bvis : optional shared variables to use instead of new ones, so a dA
        can share its weights with a hidden layer of an MLP.

    Examples
    --------
    >>> import numpy as np, pytensor
    >>> from dae import dA
    >>> da = dA(np.random.RandomState(0), n_visible=4, n_hidden=3)
    >>> cost, updates = da.get_cost_updates(corruption_level=0.3, learning_rate=0.1)
    >>> train = pytensor.function([da.x], cost, updates=updates)
    >>> x = np.random.RandomState(1).rand(5, 4).astype("float32")
    >>> costs = [float(train(x)) for _ in range(200)]
    >>> costs[-1] < costs[0]
    True
    """

    def __init__(
        self,
        numpy_rng,
        theano_rng=None,
        input=None,
        n_visible=784,
        n_hidden=500,
        W=None,
        bhid=None,
        bvis=None,
    ):
        floatX = pytensor.config.floatX
        if n_visible <= 0 or n_hidden <= 0:
            raise ValueError(
                f"layer sizes must be positive, got n_visible={n_visible}, n_hidden={n_hidden}"
            )
        self.n_visible = n_visible
        self.n_hidden = n_hidden
        if theano_rng is None:
            theano_rng = pt.random.shared_rng(seed=random_seed(numpy_rng))
        if W is None:
            W = pytensor.shared(
                initial_weights(numpy_rng, n_visible, n_hidden, sigmoid), name="W", borrow=True
            )
        if bvis is None:
            bvis = pytensor.shared(np.zeros(n_visible, dtype=floatX), name="b_prime", borrow=True)
        if bhid is None:
            bhid = pytensor.shared(np.zeros(n_hidden, dtype=floatX), name="b", borrow=True)
        self.W = W
        self.b = bhid
        self.b_prime = bvis
        self.W_prime = self.W.T
        self.theano_rng = theano_rng
        self.x = pt.matrix("x") if input is None else input
        self.params = [self.W, self.b, self.b_prime]

    def get_corrupted_input(self, input, corruption_level):
        """Zero each component of ``input`` with probability ``corruption_level``.

        The mask comes from ``theano_rng``; compile with ``updates=rng_updates(out)``
        (``get_cost_updates`` does) for a new mask on every call.
        """
        _, u = unit_uniform(self.theano_rng, input.shape, input.dtype)
        # Comparing a uniform with p is a Bernoulli(1 - p) mask, and much cheaper
        # to draw than a binomial, which PyTensor can only make as an integer.
        keep = pt.cast(u >= corruption_level, input.dtype)
        return keep * input

    def get_hidden_values(self, input):
        """Code of ``input``: ``sigmoid(dot(input, W) + b)``."""
        return sigmoid(pt.dot(input, self.W) + self.b)

    def hidden_representation(self, set_x, batch_size=1000):
        """The codes of every row of the shared matrix ``set_x``, as a new shared matrix.

        No corruption is applied: these are the inputs the layer above sees. Cached
        pretraining computes them once per layer instead of once per minibatch.
        """
        x = pt.matrix("x", dtype=set_x.dtype)
        encode = function([x], self.get_hidden_values(x))
        rows = set_x.get_value(borrow=True)
        codes = np.concatenate(
            [encode(rows[i : i + batch_size]) for i in range(0, len(rows), batch_size)]
        )
        return pytensor.shared(codes, name=f"codes_{self.n_hidden}", borrow=True)

    def get_reconstructed_input(self, hidden):
        """Reconstruction from a code: ``sigmoid(dot(hidden, W.T) + b_prime)``."""
        return sigmoid(self._decoder_preactivation(hidden))

    def _decoder_preactivation(self, hidden):
        return pt.dot(hidden, self.W_prime) + self.b_prime

    def get_reconstruction_cost(self, corruption_level):
        """Mean cross-entropy between ``x`` and the reconstruction of its corruption."""
        tilde_x = self.get_corrupted_input(self.x, corruption_level)
        y = self.get_hidden_values(tilde_x)
        a = self._decoder_preactivation(y)
        L = pt.sum(softplus(a) - self.x * a, axis=1)
        return pt.mean(L)

    def get_cost_updates(self, corruption_level, learning_rate):
        """The cost of one SGD step and the updates that take it.

        Parameters
        ----------
        corruption_level : float or symbolic scalar in [0, 1).
        learning_rate : float, symbolic scalar or shared scalar.

        Returns
        -------
        (cost, updates): the mean reconstruction cross-entropy, and an update
        dictionary for ``W``, ``b``, ``b_prime`` and the corruption generator.
        """
        if isinstance(corruption_level, (int, float)) and not 0 <= corruption_level < 1:
            raise ValueError(f"corruption_level must be in [0, 1), got {corruption_level}")
        cost = self.get_reconstruction_cost(corruption_level)
        updates = sgd(cost, self.params, learning_rate)
        updates.update(rng_updates(cost))
        return cost, updates

    def pretraining_function(
        self, train_set_x, batch_size, corruption_level=0.0, learning_rate=0.1, x=None
    ):
        """Compile one SGD step on minibatch ``index`` of the shared ``train_set_x``.

        Returns ``fn(index, corruption=corruption_level, lr=learning_rate)``, which
        takes the step and returns the minibatch's mean reconstruction cost; the
        keyword values given here are its defaults. ``x`` is the variable that the
        minibatch replaces: the dA's own input by default, the network's input when
        the dA sits on top of other layers.
        """
        floatX = pytensor.config.floatX
        index = pt.lscalar("index")
        corruption = pt.scalar("corruption", dtype=floatX)
        lr = pt.scalar("lr", dtype=floatX)
        cost, updates = self.get_cost_updates(corruption, lr)
        fn = function(
            [index, corruption, lr],
            cost,
            updates=updates,
            givens={self.x if x is None else x: minibatch(train_set_x, index, batch_size)},
        )
        return with_keyword_defaults(fn, corruption=corruption_level, lr=learning_rate)
