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
from dae.checks import check_sizes
from dae.init import initial_weights
from dae.models.autoencoder import Autoencoder
from dae.models.base import Model, float_type, input_or_matrix, minibatch_function
from dae.objectives import cross_entropy_from_logits, l2
from dae.updates import sgd

__all__ = ["DeepAutoencoder"]


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
    activation : callable or name
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
        The symbolic input matrix; a new float32 ``pt.matrix`` if None. The
        parameters take its float type.

    Attributes
    ----------
    layers : list of Autoencoder
        Layer :math:`i` (from 0) is the :class:`~dae.models.autoencoder.Autoencoder`
        of :math:`h_i` with the weights :math:`W_i, b_i, W'_i, c_i`; the decoder
        runs them in reverse.
    code, output_preactivation : symbolic matrices
        The code :math:`h_L` of ``x`` and the pre-sigmoid output.
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
        activation = activations.ACTIVATIONS[activations.name_of(activation)]  # a named one
        self.x = input_or_matrix(input)
        self.n_visible, self.hidden_layers_sizes = n_visible, hidden_layers_sizes
        self.tied, self.activation = tied, activation
        self.weight_decay = weight_decay
        sizes = list(zip([n_visible] + hidden_layers_sizes, hidden_layers_sizes))
        given = encoder_params if encoder_params is not None else [(None, None)] * len(sizes)
        biases = decoder_biases[::-1] if decoder_biases is not None else [None] * len(sizes)
        W, W_prime = _weights(numpy_rng, sizes, [w for w, _ in given], activation, tied, self.x)
        self.layers = []
        h = self.x
        for i, ((n_in, n_out), (_, b)) in enumerate(zip(sizes, given)):
            layer = Autoencoder(
                numpy_rng,
                input=h,
                n_visible=n_in,
                n_hidden=n_out,
                W=W[i],
                bhid=b,
                bvis=biases[i],
                W_prime=W_prime[i],
                activation=activation,
                decoder_activation=activation if i > 0 else sigmoid,
                tied=tied,
            )
            self.layers.append(layer)
            h = layer.get_hidden_values(h)
        self.code = h
        for layer in self.layers[:0:-1]:  # decoded down to the first layer's code
            h = layer.get_reconstructed_input(h)
        # The cost takes the output before its sigmoid.
        self.output_preactivation = self.layers[0].decoder_preactivation(h)
        for i, layer in enumerate(self.layers, start=1):
            self.add_param(layer.W, f"W{i}")
            self.add_param(layer.b, f"b{i}", regularizable=False)
        for i in range(len(self.layers), 0, -1):  # the decoder, from the code down
            layer = self.layers[i - 1]
            if not tied:
                self.add_param(layer.W_prime, f"W_prime{i}")
            self.add_param(layer.b_prime, f"b_prime{i}", regularizable=False)

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
            cost += np.float32(self.weight_decay) * l2(self.get_params(regularizable=True))
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
        cost, updates = self.get_cost_updates(learning_rate)
        return minibatch_function(
            cost,
            {self.x: train_set_x},
            batch_size,
            expect={"n_ins": self.n_visible},
            updates=updates,
        )


def _weights(numpy_rng, sizes, given, activation, tied, input):
    """The layers' weights, new where ``given`` has None, and an untied decoder's
    (None where tied), in ``input``'s float type.

    They are drawn in the order dae has always drawn them, so that a seed gives the
    same weights: the encoder's from the input up, then the decoder's from the code
    down, the bottom one's in the range of a linear unit (the output's sigmoid is
    the cost's).
    """
    dtype = float_type(input)

    def new(n_in, n_out, f, name):
        return pytensor.shared(
            initial_weights(numpy_rng, n_in, n_out, f, dtype), name=name, borrow=True
        )

    encoder = [
        W if W is not None else new(n_in, n_out, activation, "W")
        for W, (n_in, n_out) in zip(given, sizes)
    ]
    decoder = [None] * len(sizes)
    if not tied:
        for i in reversed(range(len(sizes))):
            n_in, n_out = sizes[i]
            decoder[i] = new(n_out, n_in, activation if i > 0 else None, "W_prime")
    return encoder, decoder
