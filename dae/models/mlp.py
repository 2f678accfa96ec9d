r"""A fully connected hidden layer, and the multilayer perceptron built of one.

.. math:: h = s(x W + b)

:math:`W` starts uniform in :math:`\pm\sqrt{6 / (n_{in} + n_{out})}`, the range
Glorot and Bengio (2010) derived for tanh; for the logistic sigmoid it is four
times wider (:func:`dae.init.initial_weights`).

The MLP puts a logistic regression on one such layer,

.. math::

    P(Y = i \mid x) = \mathrm{softmax}_i\left(\tanh(x W^{(1)} + b^{(1)}) W^{(2)}
    + b^{(2)}\right),

and is trained on the mean negative log-likelihood of the labels plus the
regularisers :math:`\lambda_1 L_1 + \lambda_2 L_2^2`, with
:math:`L_1 = \sum |W^{(1)}| + \sum |W^{(2)}|` and
:math:`L_2^2 = \sum (W^{(1)})^2 + \sum (W^{(2)})^2` (the biases are not penalised).
"""

import pytensor
import pytensor.tensor as pt

from dae import activations
from dae.checks import check_sizes
from dae.init import initial_weights, zeros
from dae.models.base import Model, float_type
from dae.models.logistic import LogisticRegression
from dae.objectives import l1, l2

__all__ = ["MLP", "HiddenLayer"]


class HiddenLayer(Model):
    """Fully connected layer with ``output = activation(dot(input, W) + b)``.

    Parameters
    ----------
    rng : numpy.random.RandomState or numpy.random.Generator
        Draws the initial weights.
    input : symbolic matrix
        One example per row; the parameters take its float type.
    n_in, n_out : int
        Number of input and output units.
    W, b : shared variables, optional
        Shared variables to use instead of new ones (weight sharing).
    activation : callable, name or None
        Elementwise nonlinearity, or None for a linear layer; a layer can be
        saved when it is one of :data:`dae.activations.ACTIVATIONS`, which can
        also be given by name.
    """

    def __init__(self, rng, input, n_in, n_out, W=None, b=None, activation=pt.tanh):
        check_sizes(n_in=n_in, n_out=n_out)
        activation = activations.get(activation)
        dtype = float_type(input)
        if W is None:
            W = pytensor.shared(
                initial_weights(rng, n_in, n_out, activation, dtype), name="W", borrow=True
            )
        if b is None:
            b = pytensor.shared(zeros(n_out, dtype=dtype), name="b", borrow=True)
        self.input = input
        self.n_in, self.n_out, self.activation = n_in, n_out, activation
        self.W = self.add_param(W, "W")
        self.b = self.add_param(b, "b", regularizable=False)
        lin_output = pt.dot(input, self.W) + self.b
        self.output = lin_output if activation is None else activation(lin_output)

    def config(self):
        """The constructor arguments that rebuild the layer, the activation by name."""
        activation = activations.name_of(self.activation)
        return {"n_in": self.n_in, "n_out": self.n_out, "activation": activation}


class MLP(Model):
    """Multilayer perceptron: one hidden layer under a logistic regression.

    Parameters
    ----------
    rng : numpy.random.RandomState or numpy.random.Generator
        Draws the hidden layer's weights.
    input : symbolic matrix
        One example per row.
    n_in, n_hidden, n_out : int
        Number of input units, hidden units and classes.
    activation : callable or name
        The hidden layer's nonlinearity, tanh as in the tutorial.

    Attributes
    ----------
    hiddenLayer : HiddenLayer
        The :class:`HiddenLayer` on ``input``.
    logRegressionLayer : LogisticRegression
        The :class:`~dae.models.logistic.LogisticRegression` on the hidden
        layer's output.
    L1, L2_sqr : symbolic scalars
        Regularisers: the sum of the absolute values and of the squares of both
        layers' weights.
    negative_log_likelihood, errors : methods
        The logistic regression's methods.
    params : list
        The hidden layer's ``[W, b]`` then the logistic regression's, the same
        shared variables, so training the MLP trains its layers; saved as ``W1,
        b1, W_out, b_out``, as an SdA names its layers.

    Examples
    --------
    >>> import numpy as np, pytensor, pytensor.tensor as pt
    >>> from dae.models.mlp import MLP
    >>> x, y = pt.matrix("x"), pt.ivector("y")
    >>> classifier = MLP(np.random.RandomState(0), x, n_in=2, n_hidden=8, n_out=2)
    >>> cost = classifier.negative_log_likelihood(y) + 1e-4 * classifier.L2_sqr
    >>> updates = [(p, p - 0.5 * pytensor.grad(cost, p)) for p in classifier.params]
    >>> train = pytensor.function([x, y], cost, updates=updates)
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype="float32")
    >>> Y = np.array([0, 1, 1, 0], dtype="int32")  # XOR: no linear classifier solves it
    >>> for _ in range(300):
    ...     _ = train(X, Y)
    >>> float(pytensor.function([x, y], classifier.errors(y))(X, Y))
    0.0
    """

    def __init__(self, rng, input, n_in, n_hidden, n_out, activation=pt.tanh):
        check_sizes(n_in=n_in, n_hidden=n_hidden, n_out=n_out)
        self.hiddenLayer = HiddenLayer(
            rng=rng, input=input, n_in=n_in, n_out=n_hidden, activation=activation
        )
        self.logRegressionLayer = LogisticRegression(
            input=self.hiddenLayer.output, n_in=n_hidden, n_out=n_out
        )
        for suffix, layer in (("1", self.hiddenLayer), ("_out", self.logRegressionLayer)):
            for name, param in layer.named_params().items():
                self.add_param(param, name + suffix, regularizable=name == "W")
        # Only the weights are penalised, as in the tutorial, not the biases.
        self.L1 = l1(self.get_params(regularizable=True))
        self.L2_sqr = l2(self.get_params(regularizable=True))
        self.negative_log_likelihood = self.logRegressionLayer.negative_log_likelihood
        self.errors = self.logRegressionLayer.errors
        self.input = input
        self.n_in, self.n_hidden, self.n_out = n_in, n_hidden, n_out

    def config(self):
        """The constructor arguments that rebuild the MLP, the activation by name."""
        return {
            "n_in": self.n_in,
            "n_hidden": self.n_hidden,
            "n_out": self.n_out,
            "activation": activations.name_of(self.hiddenLayer.activation),
        }
