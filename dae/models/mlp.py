r"""A fully connected hidden layer, and the multilayer perceptron built of one.

.. math:: h = s(x W + b)

:math:`W` starts uniform in :math:`\pm\sqrt{6 / (n_{in} + n_{out})}`, the range
Glorot and Bengio (2010) derived for tanh; for the logistic sigmoid it is four
times wider.

The MLP puts a logistic regression on one such layer,

.. math::

    P(Y = i \mid x) = \mathrm{softmax}_i\left(\tanh(x W^{(1)} + b^{(1)}) W^{(2)}
    + b^{(2)}\right),

and is trained on the mean negative log-likelihood of the labels plus the
regularisers :math:`\lambda_1 L_1 + \lambda_2 L_2^2`, with
:math:`L_1 = \sum |W^{(1)}| + \sum |W^{(2)}|` and
:math:`L_2^2 = \sum (W^{(1)})^2 + \sum (W^{(2)})^2` (the biases are not penalised).
"""

import numpy as np
import pytensor
import pytensor.tensor as pt
from pytensor.tensor.math import sigmoid

from dae.functions import check_sizes
from dae.models.logistic import LogisticRegression
from dae.models.persistence import Persistent


def relu(x):
    """Rectified linear unit: max(x, 0)."""
    return pt.maximum(x, 0)


def elu(x):
    """Exponential linear unit (Clevert et al., 2016): x if x > 0, else exp(x) - 1."""
    return pt.switch(x > 0, x, pt.expm1(x))


# The nonlinearities by name: how a model's options and saved files refer to them.
ACTIVATIONS = {"sigmoid": sigmoid, "tanh": pt.tanh, "relu": relu, "elu": elu, "linear": None}


def initial_weights(rng, n_in, n_out, activation=pt.tanh):
    r"""Uniform initial weights, as a floatX array of shape (n_in, n_out).

    The tutorial's range for tanh, linear and sigmoid units (four times wider for
    the sigmoid); He et al.'s (2015) :math:`\pm\sqrt{6 / n_{in}}` for relu and elu.
    """
    if activation in (relu, elu):
        bound = np.sqrt(6.0 / n_in)
    else:
        bound = np.sqrt(6.0 / (n_in + n_out))
    if activation is sigmoid:
        bound *= 4
    W = rng.uniform(low=-bound, high=bound, size=(n_in, n_out))
    return np.asarray(W, dtype=pytensor.config.floatX)


class HiddenLayer(Persistent):
    """Fully connected layer with ``output = activation(dot(input, W) + b)``.

    Parameters
    ----------
    rng : numpy.random.RandomState or Generator, draws the initial weights.
    input : symbolic matrix, one example per row.
    n_in, n_out : number of input and output units.
    W, b : optional shared variables to use instead of new ones (weight sharing).
    activation : elementwise nonlinearity, or None for a linear layer; a layer
        can be saved when it is one of :data:`ACTIVATIONS`.
    """

    def __init__(self, rng, input, n_in, n_out, W=None, b=None, activation=pt.tanh):
        floatX = pytensor.config.floatX
        check_sizes(n_in=n_in, n_out=n_out)
        if W is None:
            W = pytensor.shared(
                initial_weights(rng, n_in, n_out, activation), name="W", borrow=True
            )
        if b is None:
            b = pytensor.shared(np.zeros((n_out,), dtype=floatX), name="b", borrow=True)
        self.input = input
        self.n_in, self.n_out, self.activation = n_in, n_out, activation
        self.W = W
        self.b = b
        lin_output = pt.dot(input, self.W) + self.b
        self.output = lin_output if activation is None else activation(lin_output)
        self.params = [self.W, self.b]

    def config(self):
        """The constructor arguments that rebuild the layer, the activation by name."""
        names = [name for name, f in ACTIVATIONS.items() if f is self.activation]
        if not names:
            raise ValueError(
                f"activation {self.activation!r} has no name; a layer can be saved or "
                f"pickled with one of {tuple(ACTIVATIONS)} only"
            )
        return {"n_in": self.n_in, "n_out": self.n_out, "activation": names[0]}

    def named_params(self):
        """``{"W": W, "b": b}``."""
        return {"W": self.W, "b": self.b}

    @classmethod
    def from_config(cls, config, input=None):
        """A new layer from :meth:`config`, on ``input`` or a new matrix."""
        config = dict(config)
        activation = config.pop("activation", None)
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {tuple(ACTIVATIONS)}, got {activation!r}")
        x = pt.matrix("x") if input is None else input
        return cls(np.random.RandomState(0), x, activation=ACTIVATIONS[activation], **config)


class MLP(Persistent):
    """Multilayer perceptron: one hidden layer under a logistic regression.

    Parameters
    ----------
    rng : numpy.random.RandomState or Generator, draws the hidden layer's weights.
    input : symbolic matrix, one example per row.
    n_in, n_hidden, n_out : number of input units, hidden units and classes.
    activation : the hidden layer's nonlinearity, tanh as in the tutorial.

    Attributes
    ----------
    hiddenLayer : :class:`HiddenLayer` on ``input``.
    logRegressionLayer : :class:`~dae.models.logistic.LogisticRegression` on the
        hidden layer's output.
    L1, L2_sqr : symbolic regularisers, the sum of the absolute values and of the
        squares of both layers' weights.
    negative_log_likelihood, errors : the logistic regression's methods.
    params : the hidden layer's ``[W, b]`` then the logistic regression's, the same
        shared variables, so training the MLP trains its layers.

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
        # Only the weights are penalised, as in the tutorial, not the biases.
        weights = [self.hiddenLayer.W, self.logRegressionLayer.W]
        self.L1 = sum(pt.sum(abs(W)) for W in weights)
        self.L2_sqr = sum(pt.sum(pt.sqr(W)) for W in weights)
        self.negative_log_likelihood = self.logRegressionLayer.negative_log_likelihood
        self.errors = self.logRegressionLayer.errors
        self.params = self.hiddenLayer.params + self.logRegressionLayer.params
        self.input = input
        self.n_in, self.n_hidden, self.n_out = n_in, n_hidden, n_out

    def config(self):
        """The constructor arguments that rebuild the MLP, the activation by name."""
        activation = self.hiddenLayer.config()["activation"]
        return {
            "n_in": self.n_in,
            "n_hidden": self.n_hidden,
            "n_out": self.n_out,
            "activation": activation,
        }

    def named_params(self):
        """``W1, b1`` (the hidden layer) and ``W_out, b_out`` (the logistic
        regression), as an SdA names its layers."""
        return {
            "W1": self.hiddenLayer.W,
            "b1": self.hiddenLayer.b,
            "W_out": self.logRegressionLayer.W,
            "b_out": self.logRegressionLayer.b,
        }

    @classmethod
    def from_config(cls, config, input=None):
        """A new MLP from :meth:`config`, on ``input`` or a new matrix."""
        config = dict(config)
        activation = config.pop("activation", "tanh")
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {tuple(ACTIVATIONS)}, got {activation!r}")
        x = pt.matrix("x") if input is None else input
        return cls(np.random.RandomState(0), x, activation=ACTIVATIONS[activation], **config)
