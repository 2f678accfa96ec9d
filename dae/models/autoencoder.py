r"""The autoencoder that :class:`dae.dA`, :class:`dae.cA` and the layers of
:class:`dae.DeepAutoencoder` are: a corruption, an encoder and a decoder.

.. math::

    \tilde x = q(x), \qquad y = f(\tilde x W + b), \qquad z = g(y W' + b'),

with the decoder's weights tied, :math:`W' = W^T`, or a matrix of their own. The
noise :math:`q` is one of :data:`dae.random.NOISES` or none; the code's activation
:math:`f` and the decoder's :math:`g` are among :data:`dae.activations.ACTIVATIONS`
(None for linear units). Each subclass adds its cost.
"""

import numpy as np
import pytensor
import pytensor.tensor as pt
from pytensor.graph.basic import Variable
from pytensor.tensor.math import sigmoid

from dae.activations import ACTIVATIONS
from dae.backend import function
from dae.checks import check_sizes, registered_name, resolve
from dae.init import initial_weights, zeros
from dae.models.base import Model, float_type, input_or_matrix
from dae.random import NOISES, gaussian, shared_generator

__all__ = ["Autoencoder"]


class Autoencoder(Model):
    """An encoder and its decoder, with tied weights by default, and a corruption.

    Parameters
    ----------
    numpy_rng : numpy.random.RandomState or numpy.random.Generator
        Draws the initial weights that are not given.
    theano_rng : shared random generator or random streams, optional
        Where the noise comes from (see :class:`dae.dA`); by default one seeded
        from ``numpy_rng``. Without a noise the autoencoder has no generator.
    input : symbolic matrix, optional
        One example per row; a new float32 ``pt.matrix`` if None. The parameters
        take its float type.
    n_visible, n_hidden : int
        Number of visible and hidden units.
    W, bhid, bvis, W_prime : shared variables, optional
        Shared variables to use instead of new ones (weight sharing); ``W_prime``
        only when untied.
    activation, decoder_activation : callable, name or None
        The code's nonlinearity :math:`f`, which also sets the initial weights'
        range (:func:`dae.init.initial_weights`), and the decoder's :math:`g`;
        None for linear units.
    tied : bool
        Decode with ``W.T`` (True) or with a matrix ``W_prime`` of its own.
    noise : callable, name or None
        The corruption :math:`q`, one of :data:`dae.random.NOISES`; None for none.

    Attributes
    ----------
    W, b, b_prime : shared variables
        Weights, hidden and visible biases, registered under those names.
    W_prime : symbolic or shared matrix
        ``W.T`` when tied, else a parameter registered as ``W_prime``.
    x : symbolic matrix
        The input.
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
        W_prime=None,
        activation=sigmoid,
        decoder_activation=sigmoid,
        tied=True,
        noise=None,
    ):
        check_sizes(n_visible=n_visible, n_hidden=n_hidden)
        if tied and W_prime is not None:
            raise ValueError("W_prime is an untied decoder's weights; pass tied=False with it")
        self.activation = resolve("activation", activation, ACTIVATIONS)
        self.decoder_activation = resolve("decoder_activation", decoder_activation, ACTIVATIONS)
        self.noise = resolve("noise", noise, NOISES)
        self.n_visible, self.n_hidden, self.tied = n_visible, n_hidden, tied
        if self.noise is not None:  # seeded before any weight is drawn
            self.theano_rng = shared_generator(theano_rng, numpy_rng)
        self.x = input_or_matrix(input)
        dtype = float_type(self.x)
        if W is None:
            W = initial_weights(numpy_rng, n_visible, n_hidden, self.activation, dtype)
            W = pytensor.shared(W, name="W", borrow=True)
        if bvis is None:
            bvis = pytensor.shared(zeros(n_visible, dtype=dtype), name="b_prime", borrow=True)
        if bhid is None:
            bhid = pytensor.shared(zeros(n_hidden, dtype=dtype), name="b", borrow=True)
        self.W = self.add_param(W, "W")
        self.b = self.add_param(bhid, "b", regularizable=False)
        self.b_prime = self.add_param(bvis, "b_prime", regularizable=False)
        if tied:
            self.W_prime = self.W.T
        else:
            if W_prime is None:
                W_prime = initial_weights(numpy_rng, n_hidden, n_visible, self.activation, dtype)
                W_prime = pytensor.shared(W_prime, name="W_prime", borrow=True)
            self.W_prime = self.add_param(W_prime, "W_prime")

    def config(self):
        """The constructor arguments that rebuild the autoencoder, functions by name."""
        return {
            "n_visible": self.n_visible,
            "n_hidden": self.n_hidden,
            "activation": registered_name("activation", self.activation, ACTIVATIONS),
            "decoder_activation": registered_name(
                "decoder_activation", self.decoder_activation, ACTIVATIONS
            ),
            "tied": self.tied,
            "noise": None if self.noise is None else registered_name("noise", self.noise, NOISES),
        }

    def get_corrupted_input(self, input, corruption_level):
        """``input`` corrupted by the noise at ``corruption_level``; ``input`` itself
        without a noise.

        The random numbers come from ``theano_rng``; compile with
        ``updates=rng_updates(out)`` (as ``get_cost_updates`` does) for new noise
        on every call.
        """
        if self.noise is None:
            return input
        return self.noise(self.theano_rng, input, corruption_level)[1]

    def check_corruption_level(self, level, name="corruption_level"):
        """Refuse a value that is no corruption level for this noise: a probability in
        [0, 1), or a standard deviation of 0 or more for Gaussian noise.

        A symbolic level is left to whoever supplies its value; ``name`` is what
        to call the value in the message.
        """
        if isinstance(level, Variable):
            return
        try:
            level = float(level)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be a number, got {level!r}") from None
        if self.noise is gaussian and not level >= 0:
            raise ValueError(f"{name}: Gaussian noise needs sigma >= 0, got {level}")
        if self.noise is not gaussian and not 0 <= level < 1:
            raise ValueError(f"{name} must be in [0, 1), got {level}")

    def encoder_preactivation(self, input):
        """The code before its nonlinearity: ``dot(input, W) + b``."""
        return pt.dot(input, self.W) + self.b

    def get_hidden_values(self, input):
        """Code of ``input``: ``activation(dot(input, W) + b)``, sigmoid by default."""
        pre = self.encoder_preactivation(input)
        return pre if self.activation is None else self.activation(pre)

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

    def decoder_preactivation(self, hidden):
        """The reconstruction before its nonlinearity: ``dot(hidden, W_prime) + b_prime``,
        from which the losses are computed."""
        return pt.dot(hidden, self.W_prime) + self.b_prime

    def get_reconstructed_input(self, hidden):
        """Reconstruction from a code: ``decoder_activation(dot(hidden, W_prime) +
        b_prime)``, sigmoid by default."""
        pre = self.decoder_preactivation(hidden)
        return pre if self.decoder_activation is None else self.decoder_activation(pre)
