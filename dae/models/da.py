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

Those are the defaults. The family around it, each an option:

* ``noise``: ``"masking"`` (above); ``"dropout"``, masking whose survivors are
  scaled by :math:`1/(1-p)`; ``"salt_and_pepper"``, a fraction :math:`p` of the
  components set to 0 or 1 with equal odds; ``"gaussian"``, :math:`\tilde x = x +
  \sigma \epsilon` with the corruption level as :math:`\sigma`.
* ``loss``: ``"cross_entropy"`` (sigmoid decoder) or ``"squared_error"``,
  :math:`\sum_k (z_k - x_k)^2` with a linear decoder :math:`z = y W' + b'`.
* ``activation`` of the code: sigmoid, tanh, relu, elu or linear (None), each with
  its initialisation (:mod:`dae.activations`, :func:`dae.init.initial_weights`).
* ``tied=False``: a decoder :math:`W'` of its own instead of :math:`W^T`.
* penalties added to the mean loss: ``weight_decay`` :math:`\lambda \sum W^2` (and
  :math:`W'` when untied); sparsity, :math:`\beta \sum_j \mathrm{KL}(\rho \|
  \hat\rho_j)` with :math:`\hat\rho_j` unit :math:`j`'s mean code over the
  minibatch (sigmoid codes); and the contractive penalty of Rifai et al. (2011),
  :math:`c \, \lVert \partial y / \partial \tilde x \rVert_F^2
  = c \sum_j s'(\cdot)_j^2 \sum_i W_{ij}^2`, averaged over the minibatch.

A linear code with squared error and no noise is the linear autoencoder, whose
weights span the principal subspace of the data (Baldi and Hornik, 1989).

The corruption, the encoder and the decoder are those of
:class:`~dae.models.autoencoder.Autoencoder`; the dA adds its cost.
"""

from functools import partial

import numpy as np
import pytensor.tensor as pt
from pytensor.tensor.math import sigmoid

from dae import activations
from dae.checks import check_nonnegative, registered_name
from dae.models.autoencoder import Autoencoder
from dae.models.base import minibatch_function
from dae.objectives import (
    LOSSES,
    bernoulli_kl_from_logits,
    cross_entropy_from_logits,
    jacobian_norm,
    l2,
)
from dae.random import NOISES
from dae.updates import rng_updates, sgd

__all__ = ["dA"]


class dA(Autoencoder):
    """Denoising autoencoder with tied weights, masking noise and cross-entropy loss.

    Parameters
    ----------
    numpy_rng : numpy.random.RandomState or numpy.random.Generator
        Draws the initial weights.
    theano_rng : shared random generator or random streams, optional
        Where the corruption masks come from: a shared generator
        (``pytensor.tensor.random.shared_rng``), or the tutorials' random streams
        (:class:`dae.theano.tensor.shared_randomstreams.RandomStreams` or
        PyTensor's ``RandomStream``), from which the dA takes a generator of its
        own; by default one seeded from ``numpy_rng``. ``self.theano_rng`` is the
        shared generator.
    input : symbolic matrix, optional
        One example per row; a new float32 ``pt.matrix`` if None. Pass another
        layer's output to stack autoencoders. The parameters take its float type.
    n_visible, n_hidden : int
        Number of visible and hidden units.
    W, bhid, bvis : shared variables, optional
        Shared variables to use instead of new ones, so a dA can share its
        weights with a hidden layer of an MLP.
    noise : {"masking", "dropout", "salt_and_pepper", "gaussian"} or callable
        How the input is corrupted: one of :data:`dae.random.NOISES`, by name or
        as the function.
    loss : {"cross_entropy", "squared_error"} or callable
        The reconstruction loss: one of :data:`dae.objectives.LOSSES`, by name or
        as the function.
    activation : callable, name or None
        The code's nonlinearity: ``sigmoid`` (the default), ``pt.tanh``, or any
        of :data:`dae.activations.ACTIVATIONS`, by name or as the function (None
        or ``"linear"`` for linear codes).
    tied : bool
        Decode with ``W.T`` (True) or with a matrix ``W_prime`` of its own.
    weight_decay, sparsity_target, sparsity_weight, contraction_level : float or None
        Penalty weights (see the module docstring); 0 or None turns each off.

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
        noise="masking",
        loss="cross_entropy",
        activation=sigmoid,
        tied=True,
        weight_decay=0.0,
        sparsity_target=None,
        sparsity_weight=0.0,
        contraction_level=0.0,
    ):
        # Named functions only, or their names: the config names them.
        registered_name("noise", noise, NOISES)
        loss = LOSSES[registered_name("loss", loss, LOSSES)]
        activation = activations.ACTIVATIONS[activations.name_of(activation)]
        if sparsity_weight and not (sparsity_target is not None and 0 < sparsity_target < 1):
            raise ValueError(
                f"sparsity_weight needs a sparsity_target in (0, 1), got {sparsity_target}"
            )
        if sparsity_weight and activation is not sigmoid:
            raise ValueError("the sparsity penalty needs sigmoid codes (activation=sigmoid)")
        check_nonnegative(
            weight_decay=weight_decay,
            sparsity_weight=sparsity_weight,
            contraction_level=contraction_level,
        )
        self.loss = loss
        self.weight_decay, self.contraction_level = weight_decay, contraction_level
        self.sparsity_target, self.sparsity_weight = sparsity_target, sparsity_weight
        super().__init__(
            numpy_rng,
            theano_rng,
            input,
            n_visible,
            n_hidden,
            W,
            bhid,
            bvis,
            activation=activation,
            decoder_activation=sigmoid if loss is cross_entropy_from_logits else None,
            tied=tied,
            noise=noise,
        )

    def config(self):
        """The constructor arguments that rebuild the dA (all but the shared variables)."""
        return {
            "n_visible": self.n_visible,
            "n_hidden": self.n_hidden,
            "noise": registered_name("noise", self.noise, NOISES),
            "loss": registered_name("loss", self.loss, LOSSES),
            "activation": activations.name_of(self.activation),
            "tied": self.tied,
            "weight_decay": self.weight_decay,
            "sparsity_target": self.sparsity_target,
            "sparsity_weight": self.sparsity_weight,
            "contraction_level": self.contraction_level,
        }

    def get_reconstruction_cost(self, corruption_level):
        """Mean loss between ``x`` and the reconstruction of its corruption, plus
        the penalties the dA was given (none by default)."""
        tilde_x = self.get_corrupted_input(self.x, corruption_level)
        y = self.get_hidden_values(tilde_x)
        cost = pt.mean(self.loss(self.decoder_preactivation(y), self.x))
        if self.weight_decay:
            cost += np.float32(self.weight_decay) * l2(self.get_params(regularizable=True))
        if self.sparsity_weight:
            # From the pre-activations (the same products as y's, merged when
            # compiled): finite where a unit's mean code rounds to 0 or 1.
            pre = self.encoder_preactivation(tilde_x)
            kl = bernoulli_kl_from_logits(self.sparsity_target, pre)
            cost += np.float32(self.sparsity_weight) * pt.sum(kl)
        if self.contraction_level:
            cost += np.float32(self.contraction_level) * pt.mean(self.jacobian_norm(y))
        return cost

    def jacobian_norm(self, y):
        r"""Squared Frobenius norm of the encoder's Jacobian, one per row of codes ``y``.

        For a code :math:`y = f(\tilde x W + b)`, :math:`\lVert J \rVert_F^2 =
        \sum_j f'_j{}^2 \sum_i W_{ij}^2` (:func:`dae.objectives.jacobian_norm`), with
        :math:`f'` written in terms of ``y`` (:func:`dae.activations.slope`).
        """
        return jacobian_norm(activations.slope(self.activation, y), self.W)

    def get_cost_updates(self, corruption_level, learning_rate):
        """The cost of one SGD step and the updates that take it.

        Parameters
        ----------
        corruption_level : float or symbolic scalar
            In [0, 1).
        learning_rate : float, symbolic scalar or shared scalar
            The SGD step size.

        Returns
        -------
        cost : symbolic scalar
            The mean reconstruction cross-entropy.
        updates : OrderedDict
            An update dictionary for ``W``, ``b``, ``b_prime`` and the corruption
            generator.
        """
        self.check_corruption_level(corruption_level)
        cost = self.get_reconstruction_cost(corruption_level)
        updates = sgd(cost, self.params, learning_rate)
        updates.update(rng_updates(cost))
        return cost, updates

    def pretraining_function(
        self,
        train_set_x,
        batch_size,
        corruption_level=0.0,
        learning_rate=0.1,
        x=None,
        steps_per_call=None,
    ):
        """Compile one SGD step on minibatch ``index`` of the shared ``train_set_x``.

        Returns ``fn(index, corruption=corruption_level, lr=learning_rate)``, which
        takes the step and returns the minibatch's mean reconstruction cost; the
        keyword values given here are its defaults, and a ``corruption`` given at
        call time is checked like them. ``x`` is the variable that the minibatch
        replaces: the dA's own input by default, the network's input when the dA
        sits on top of other layers. With ``steps_per_call`` above 1, ``fn.chunk(index,
        ...)`` takes that many steps, on minibatches ``index`` onwards, in one call
        (:func:`dae.backend.function`); None is the backend's default
        (:func:`dae.backend.default_steps_per_call`).

        Raises ValueError for a ``batch_size`` outside 1 to the rows of
        ``train_set_x`` or a bad corruption level, and DataError when, for the
        dA's own input, ``train_set_x`` does not have ``n_visible`` columns of
        finite values, in [0, 1] for the cross-entropy loss.
        """
        self.check_corruption_level(corruption_level)
        corruption = pt.scalar("corruption", dtype="float32")
        lr = pt.scalar("lr", dtype="float32")
        cost, updates = self.get_cost_updates(corruption, lr)
        # Data that replace the dA's own input can be checked against its size and loss.
        own = {"n_ins": self.n_visible, "unit_interval": self.loss is cross_entropy_from_logits}
        return minibatch_function(
            cost,
            {self.x if x is None else x: train_set_x},
            batch_size,
            inputs=[corruption, lr],
            expect=own if x is None else None,
            updates=updates,
            # float32 values: a Python float becomes one only where floatX is float32
            defaults={"corruption": np.float32(corruption_level), "lr": np.float32(learning_rate)},
            checks={"corruption": partial(self.check_corruption_level, name="corruption")},
            steps_per_call=steps_per_call,
        )
