r"""Variational autoencoder (Kingma and Welling, 2014).

A Gaussian encoder maps :math:`x` to the mean and log-variance of
:math:`q(z \mid x) = \mathcal{N}(\mu(x), \mathrm{diag}\,\sigma^2(x))`; a Bernoulli decoder
maps a latent :math:`z` to pixel probabilities :math:`p(x \mid z) = s(a(z))`. Training
maximises the evidence lower bound, here minimised as its negative, averaged over the
minibatch:

.. math::

    -\mathrm{ELBO}(x) = \underbrace{\sum_k \mathrm{softplus}(a_k) - x_k a_k}_{\text{reconstruction}}
    + \underbrace{\tfrac12 \sum_j \left(\mu_j^2 + \sigma_j^2 - \log \sigma_j^2 - 1\right)}_
    {\mathrm{KL}(q(z \mid x) \,\|\, \mathcal{N}(0, I))},

with :math:`a = a(z)` for one draw :math:`z = \mu + \sigma \epsilon`,
:math:`\epsilon \sim \mathcal{N}(0, I)` (the reparameterisation trick, which lets the
gradient flow through the draw). New digits come from decoding :math:`z \sim \mathcal{N}(0, I)`.
"""

import numpy as np
import pytensor.tensor as pt
from pytensor.graph.replace import clone_replace
from pytensor.tensor.math import sigmoid

from dae.backend import function
from dae.checks import check_sizes
from dae.models.base import Model, float_type, input_or_matrix, minibatch_function
from dae.models.mlp import HiddenLayer
from dae.objectives import cross_entropy_from_logits, gaussian_kl
from dae.random import shared_generator, standard_normal
from dae.updates import apply_momentum, rng_updates, sgd

__all__ = ["VAE", "latent_grid"]


class VAE(Model):
    r"""Variational autoencoder with one tanh hidden layer on each side.

    Parameters
    ----------
    numpy_rng : numpy.random.RandomState or numpy.random.Generator
        Draws the initial weights.
    theano_rng : shared random generator, optional
        The generator of :math:`\epsilon`; by default one seeded from
        ``numpy_rng``.
    input : symbolic matrix, optional
        One example per row; a new float32 ``pt.matrix`` if None. The parameters
        take its float type.
    n_visible, n_hidden, n_latent : int
        Sizes of the data, the hidden layers and the code.

    Attributes
    ----------
    encoder, mu_layer, log_var_layer, decoder, output_layer : HiddenLayer
        The :class:`~dae.models.mlp.HiddenLayer` objects; their weights and
        biases are named ``W_encoder, b_encoder, W_mu, ..., W_output, b_output``.
    mu, log_var : symbolic matrices
        The mean and log-variance of :math:`q(z \mid x)`.

    Examples
    --------
    >>> import numpy as np
    >>> from dae.models.vae import VAE
    >>> vae = VAE(np.random.RandomState(0), n_visible=6, n_hidden=5, n_latent=2)
    >>> vae.sample_function()(3).shape
    (3, 6)
    """

    def __init__(
        self, numpy_rng, theano_rng=None, input=None, n_visible=784, n_hidden=500, n_latent=20
    ):
        check_sizes(n_visible=n_visible, n_hidden=n_hidden, n_latent=n_latent)
        theano_rng = shared_generator(theano_rng, numpy_rng)
        self.theano_rng = theano_rng
        self.n_visible, self.n_hidden, self.n_latent = n_visible, n_hidden, n_latent
        self.x = input_or_matrix(input)
        self.z = pt.matrix("z", dtype=float_type(self.x))

        def layer(inp, n_in, n_out, activation):
            return HiddenLayer(numpy_rng, inp, n_in, n_out, activation=activation)

        self.encoder = layer(self.x, n_visible, n_hidden, pt.tanh)
        self.mu_layer = layer(self.encoder.output, n_hidden, n_latent, None)
        self.log_var_layer = layer(self.encoder.output, n_hidden, n_latent, None)
        self.decoder = layer(self.z, n_latent, n_hidden, pt.tanh)
        self.output_layer = layer(self.decoder.output, n_hidden, n_visible, None)
        parts = {
            "encoder": self.encoder,
            "mu": self.mu_layer,
            "log_var": self.log_var_layer,
            "decoder": self.decoder,
            "output": self.output_layer,
        }
        for part, layer in parts.items():
            self.add_param(layer.W, f"W_{part}")
            self.add_param(layer.b, f"b_{part}", regularizable=False)
        self.mu = self.mu_layer.output
        self.log_var = self.log_var_layer.output

    def config(self):
        """The constructor arguments that rebuild the VAE."""
        return {"n_visible": self.n_visible, "n_hidden": self.n_hidden, "n_latent": self.n_latent}

    def decoder_logits(self, z):
        """Pre-sigmoid pixel values :math:`a(z)` for a symbolic latent ``z``."""
        return clone_replace(self.output_layer.output, {self.z: z})

    def get_cost_terms(self):
        """Symbolic (reconstruction, KL), each a mean over the minibatch, and the
        update advancing ``theano_rng`` for a new :math:`\\epsilon` on every call."""
        _, eps = standard_normal(self.theano_rng, self.mu.shape, self.mu.dtype)
        z = self.mu + pt.exp(np.float32(0.5) * self.log_var) * eps
        a = self.decoder_logits(z)
        reconstruction = pt.mean(cross_entropy_from_logits(a, self.x))
        kl = pt.mean(gaussian_kl(self.mu, self.log_var))
        return reconstruction, kl, rng_updates(reconstruction)

    def training_function(self, train_set_x, batch_size, learning_rate=5e-4, momentum=0.9):
        """Compile one step on minibatch ``index`` of ``train_set_x``.

        Returns ``fn(index) -> [negative ELBO, reconstruction, KL]``, each the
        minibatch mean, after a step of SGD with momentum on the negative ELBO.
        Raises ValueError for a ``batch_size`` outside 1 to the rows of
        ``train_set_x``, and DataError unless it has ``n_visible`` columns of
        values in [0, 1].
        """
        reconstruction, kl, updates = self.get_cost_terms()
        cost = reconstruction + kl
        steps = apply_momentum(sgd(cost, self.params, learning_rate), self.params, momentum)
        steps.update(updates)
        return minibatch_function(
            [cost, reconstruction, kl],
            {self.x: train_set_x},
            batch_size,
            expect={"n_ins": self.n_visible},
            updates=steps,
        )

    def sample_function(self):
        """Compile ``fn(n)``: pixel probabilities of ``n`` new digits, decoded from
        :math:`z \\sim \\mathcal{N}(0, I)`."""
        n = pt.lscalar("n")
        _, z = standard_normal(self.theano_rng, (n, self.n_latent), self.z.dtype)
        probabilities = sigmoid(self.decoder_logits(z))
        return function([n], probabilities, updates=rng_updates(probabilities))

    def decode_function(self):
        """Compile ``fn(z)``: pixel probabilities for the rows of a latent matrix ``z``,
        e.g. a grid over a 2-D latent space."""
        return function([self.z], sigmoid(self.output_layer.output))

    def encode_function(self):
        """Compile ``fn(x) -> [mu, log_var]`` of :math:`q(z \\mid x)`."""
        return function([self.x], [self.mu, self.log_var])


def latent_grid(n=20, bound=2.0):
    """An ``n * n`` by 2 grid of latent points over ``[-bound, bound]^2``, row by row."""
    axis = np.linspace(-bound, bound, n, dtype=np.float32)
    return np.array([(x, y) for y in axis[::-1] for x in axis], dtype=np.float32)
