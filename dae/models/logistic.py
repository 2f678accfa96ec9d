r"""Multi-class logistic regression, the output layer of the MLP and the SdA.

.. math::

    P(Y = i \mid x, W, b) = \mathrm{softmax}_i(x W + b), \qquad
    y_{pred} = \arg\max_i P(Y = i \mid x, W, b)

Trained by minimising the mean negative log-likelihood of the labels,
:math:`-\frac{1}{N} \sum_n \log P(Y = y_n \mid x_n)`.
"""

import pytensor
import pytensor.tensor as pt
from pytensor.tensor.special import softmax

from dae.checks import check_sizes
from dae.init import zeros
from dae.models.base import Model, float_type, input_or_matrix
from dae.objectives import categorical_crossentropy_from_logits

__all__ = ["LogisticRegression"]


class LogisticRegression(Model):
    """Softmax classifier on a symbolic ``input`` of shape (batch, n_in).

    Parameters
    ----------
    input : symbolic matrix
        One example per row; the parameters take its float type.
    n_in, n_out : int
        Number of input units and of classes.
    W, b : shared variables, optional
        Shared variables to use instead of new ones (weight sharing).

    Attributes
    ----------
    W, b : shared variables
        Initialised to zero as in the tutorial.
    p_y_given_x : symbolic matrix
        Class probabilities, one row per example.
    y_pred : symbolic vector
        Predicted class of each example.
    params : list
        ``[W, b]``.
    """

    def __init__(self, input, n_in, n_out, W=None, b=None):
        check_sizes(n_in=n_in, n_out=n_out)
        self.n_in, self.n_out = n_in, n_out
        dtype = float_type(input)
        if W is None:
            W = pytensor.shared(zeros(n_in, n_out, dtype=dtype), name="W", borrow=True)
        if b is None:
            b = pytensor.shared(zeros(n_out, dtype=dtype), name="b", borrow=True)
        self.W = self.add_param(W, "W")
        self.b = self.add_param(b, "b", regularizable=False)
        self._logits = pt.specify_shape(pt.dot(input, self.W) + self.b, (None, n_out))
        self.p_y_given_x = softmax(self._logits, axis=1)
        # softmax keeps the order of the logits: the same class, without computing it
        self.y_pred = pt.argmax(self._logits, axis=1)
        self.input = input

    def config(self):
        """The constructor arguments that rebuild the classifier."""
        return {"n_in": self.n_in, "n_out": self.n_out}

    @classmethod
    def from_config(cls, config, input=None):
        """A new classifier from :meth:`config`, on ``input`` or a new matrix."""
        return cls(input_or_matrix(input), **config)

    def negative_log_likelihood(self, y):
        """Mean negative log-likelihood of the integer labels ``y`` (a vector):
        ``-mean(log(p_y_given_x)[arange(n), y])``, computed from the logits
        (:func:`dae.objectives.categorical_crossentropy_from_logits`)."""
        return pt.mean(categorical_crossentropy_from_logits(self._logits, y))

    def errors(self, y):
        """Fraction of examples in the minibatch whose label ``y`` is mispredicted, a
        float32 scalar."""
        if y.ndim != self.y_pred.ndim:
            raise TypeError(f"y should have the shape of y_pred: y.ndim={y.ndim}, y_pred.ndim=1")
        if not y.dtype.startswith("int"):
            raise TypeError(f"y should hold integer labels, not {y.dtype}")
        return pt.mean(pt.neq(self.y_pred, y), dtype="float32")
