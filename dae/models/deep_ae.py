r"""Deep autoencoder: an encoder stack and its mirrored decoder, trained end to end.

With layer sizes :math:`n_0, \dots, n_L` (``n_visible`` and then
``hidden_layers_sizes``, as an SdA's), the encoder computes
:math:`h_{i+1} = f(h_i W_i + b_i)` up to the code :math:`h_L`, and the decoder mirrors it,

.. math:: g_{i} = f(g_{i+1} W'_i + c_i), \qquad g_L = h_L, \qquad
          z = s(g_1 W'_0 + c_0),

with tied weights :math:`W'_i = W_i^T` or untied ones of their own. The cost is the
mean reconstruction cross-entropy of :math:`x` (computed from the pre-sigmoid output, as
in :class:`dae.dA`), plus an optional L2 weight decay :math:`\lambda \sum_i \lVert W_i \rVert^2`.
:meth:`DeepAutoencoder.from_sda <dae.DeepAutoencoder.from_sda>` starts the encoder from
a pretrained SdA's weights, shared, and the decoder from its autoencoders' visible
biases (Hinton and Salakhutdinov, 2006, did this with RBMs).
"""

import numpy as np
import pytensor
import pytensor.tensor as pt
from pytensor.tensor.math import sigmoid

from dae import activations
from dae.backend import function
from dae.checks import check_batch_size, check_data, check_sizes
from dae.functions import minibatch
from dae.init import zeros
from dae.models.base import Model, input_or_matrix
from dae.models.mlp import HiddenLayer
from dae.objectives import cross_entropy_from_logits, l2
from dae.updates import sgd


class DeepAutoencoder(Model):
    """Encoder stack with a mirrored decoder.

    Parameters
    ----------
    numpy_rng : numpy.random.RandomState or numpy.random.Generator
        Draws the initial weights.
    n_visible : int
        Input dimension.
    hidden_layers_sizes : sequence of int
        ``[n_1, ..., n_code]``, the encoder's layers up to the code, at least one.
    tied : bool
        Decode with the encoder's transposed weights (True) or with new ones.
    activation : callable
        Nonlinearity of the hidden layers, one of
        :data:`dae.activations.ACTIVATIONS` (``sigmoid`` by default; the output
        is always a sigmoid), with matching initialisation.
    weight_decay : float
        L2 penalty on every weight matrix.
    encoder_params : list of (W, b) pairs of shared variables, optional
        ``[(W_1, b_1), ...]``, shared variables to use in the encoder.
    decoder_biases : list of shared variables, optional
        Shared biases, one per decoder layer, ordered from the code to the output.
    input : symbolic matrix, optional
        The symbolic input matrix; a new ``pt.matrix`` if None.
    """

    def __init__(
        self,
        numpy_rng,
        n_visible=784,
        hidden_layers_sizes=(1000, 500, 250, 30),
        tied=True,
        activation=sigmoid,
        weight_decay=0.0,
        encoder_params=None,
        decoder_biases=None,
        input=None,
    ):
        hidden_layers_sizes = list(hidden_layers_sizes)
        if not hidden_layers_sizes:
            raise ValueError("hidden_layers_sizes must name at least one layer")
        check_sizes(n_visible=n_visible, hidden_layers_sizes=hidden_layers_sizes)
        activations.name_of(activation)  # one of the named ones, or an error saying so
        sizes = [n_visible] + hidden_layers_sizes
        self.x = input_or_matrix(input)
        self.n_visible, self.hidden_layers_sizes = n_visible, hidden_layers_sizes
        self.tied, self.activation = tied, activation
        self.weight_decay = weight_decay
        self.encoder, self.decoder = [], []
        h = self.x
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            W, b = encoder_params[i] if encoder_params is not None else (None, None)
            layer = HiddenLayer(numpy_rng, h, n_in, n_out, W=W, b=b, activation=activation)
            self.encoder.append(layer)
            h = layer.output
        self.code = h
        for j, encoder_layer in enumerate(reversed(self.encoder)):
            n_out, n_in = encoder_layer.W.get_value(borrow=True).shape
            last = j == len(self.encoder) - 1
            if decoder_biases is not None:
                c = decoder_biases[j]
            else:
                c = pytensor.shared(zeros(n_out), name="c", borrow=True)
            W = encoder_layer.W.T if tied else None
            f = None if last else activation
            layer = HiddenLayer(numpy_rng, h, n_in, n_out, W=W, b=c, activation=f)
            self.decoder.append(layer)
            h = layer.output
        self.output_preactivation = h
        for i, layer in enumerate(self.encoder, start=1):
            self.add_param(layer.W, f"W{i}")
            self.add_param(layer.b, f"b{i}", regularizable=False)
        # The decoder layer that mirrors encoder layer i, from the code down.
        for i, layer in zip(range(len(self.decoder), 0, -1), self.decoder):
            if not tied:
                self.add_param(layer.W, f"W_prime{i}")
            self.add_param(layer.b, f"b_prime{i}", regularizable=False)

    def config(self):
        """The constructor arguments that rebuild the autoencoder (not the sharing
        of :meth:`from_sda`: a rebuilt one has weights of its own)."""
        return {
            "n_visible": self.n_visible,
            "hidden_layers_sizes": list(self.hidden_layers_sizes),
            "tied": self.tied,
            "activation": activations.name_of(self.activation),
            "weight_decay": self.weight_decay,
        }

    @classmethod
    def from_sda(cls, sda, tied=True, numpy_rng=None, **kwargs):
        """A deep autoencoder whose encoder *is* the SdA's MLP (shared weights) and
        whose decoder starts from its autoencoders' visible biases; untied decoder
        weights are drawn from ``numpy_rng`` (``RandomState(0)`` if None)."""
        return cls(
            np.random.RandomState(0) if numpy_rng is None else numpy_rng,
            n_visible=sda.n_ins,
            hidden_layers_sizes=sda.hidden_layers_sizes,
            tied=tied,
            encoder_params=[(layer.W, layer.b) for layer in sda.sigmoid_layers],
            decoder_biases=[da.b_prime for da in reversed(sda.dA_layers)],
            **kwargs,
        )

    def reconstruction(self):
        """Symbolic reconstruction :math:`z` of ``x``."""
        return pt.sigmoid(self.output_preactivation)

    def get_cost(self):
        """Mean reconstruction cross-entropy, plus the weight decay if any."""
        a = self.output_preactivation
        cost = pt.mean(cross_entropy_from_logits(a, self.x))
        if self.weight_decay:
            cost += self.weight_decay * l2(self.get_params(regularizable=True))
        return cost

    def get_cost_updates(self, learning_rate):
        """(cost, SGD updates of every parameter)."""
        cost = self.get_cost()
        return cost, sgd(cost, self.params, learning_rate)

    def training_function(self, train_set_x, batch_size, learning_rate):
        """Compile ``fn(index)``: one SGD step on minibatch ``index``, returning its cost.

        Raises ValueError for a ``batch_size`` outside 1 to the rows of
        ``train_set_x``, and DataError unless it has ``n_visible`` columns of
        values in [0, 1].
        """
        check_batch_size(batch_size, {"train_set_x": train_set_x})
        check_data(train_set_x, n_ins=self.n_visible, source="train_set_x")
        index = pt.lscalar("index")
        cost, updates = self.get_cost_updates(learning_rate)
        givens = {self.x: minibatch(train_set_x, index, batch_size)}
        return function([index], cost, updates=updates, givens=givens)
