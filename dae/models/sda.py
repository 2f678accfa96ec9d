r"""Stacked denoising autoencoder (Vincent et al., 2010).

An MLP of sigmoid hidden layers topped by logistic regression. Hidden layer
:math:`i` shares its weights and hidden biases with a denoising autoencoder
(:class:`dae.dA`) that reconstructs the layer's input,

.. math:: h^{(0)} = x, \qquad h^{(i+1)} = s(h^{(i)} W_i + b_i),

so training happens in two phases:

1. *pretraining*, greedy and layer-wise: dA :math:`i` learns to reconstruct
   :math:`h^{(i)}` from a corrupted copy, which shapes :math:`W_i, b_i`;
2. *fine-tuning*: the whole MLP minimises the negative log-likelihood of the labels
   by gradient descent, starting from the pretrained weights.
"""

from collections import OrderedDict

import pytensor.tensor as pt
from pytensor.tensor.math import sigmoid

from dae.checks import check_batch_size, check_data, check_fractions, check_sizes
from dae.models.base import Model, input_or_matrix, minibatch_function
from dae.models.da import dA
from dae.models.logistic import LogisticRegression
from dae.models.mlp import HiddenLayer
from dae.random import dropout as apply_dropout
from dae.random import shared_generator
from dae.updates import apply_momentum, norm_constraint, sgd

__all__ = ["SdA"]


class SdA(Model):
    """Stacked denoising autoencoder for classification.

    Parameters
    ----------
    numpy_rng : numpy.random.RandomState or numpy.random.Generator
        Draws the initial weights.
    theano_rng : shared random generator or random streams, optional
        For the corruption masks (see :class:`dae.dA`); by default one seeded
        from ``numpy_rng``.
    n_ins : int
        Input dimension.
    hidden_layers_sizes : sequence of int
        Sizes of the hidden layers, at least one.
    n_outs : int
        Number of classes.
    corruption_levels : sequence of float, optional
        One masking level per layer, each in [0, 1): the defaults of the
        pretraining functions, which also take a level at call time as the
        tutorial's do. 0.1 for every layer by default.
    input : symbolic matrix, optional
        The symbolic input matrix; a new float32 ``pt.matrix`` if None. The
        parameters take its float type.

    Attributes
    ----------
    sigmoid_layers : list of HiddenLayer
        The MLP's :class:`HiddenLayer` objects.
    dA_layers : list of dA
        The autoencoders; ``dA_layers[i].W is sigmoid_layers[i].W`` and
        ``dA_layers[i].b is sigmoid_layers[i].b``.
    logLayer : LogisticRegression
        The :class:`LogisticRegression` output layer.
    params : list
        The MLP's parameters, which fine-tuning trains (the dAs' visible biases
        are not among them). ``named_params()`` has them all: ``W1, b1,
        b_prime1, ..., W_out, b_out``, each layer's weights and biases (shared by
        the layer and its dA, so named once) and its dA's visible biases, then
        the logistic regression's.
    x, y : symbolic matrix and symbolic vector
        The input matrix and the integer label vector.
    finetune_cost, errors : symbolic scalars
        The mean NLL and the error rate of the MLP on (x, y).
    """

    def __init__(
        self,
        numpy_rng,
        theano_rng=None,
        n_ins=784,
        hidden_layers_sizes=(500, 500),
        n_outs=10,
        corruption_levels=None,
        input=None,
    ):
        hidden_layers_sizes = list(hidden_layers_sizes)
        if not hidden_layers_sizes:
            raise ValueError("hidden_layers_sizes must name at least one layer")
        check_sizes(n_ins=n_ins, n_outs=n_outs, hidden_layers_sizes=hidden_layers_sizes)
        if corruption_levels is None:
            corruption_levels = [0.1] * len(hidden_layers_sizes)
        check_fractions(
            "corruption_levels", corruption_levels, len(hidden_layers_sizes), "hidden layers"
        )
        theano_rng = shared_generator(theano_rng, numpy_rng)

        self.theano_rng = theano_rng
        self.n_ins, self.hidden_layers_sizes, self.n_outs = n_ins, hidden_layers_sizes, n_outs
        self.n_layers = len(hidden_layers_sizes)
        self.corruption_levels = list(corruption_levels)
        self.sigmoid_layers = []
        self.dA_layers = []
        self.x = input_or_matrix(input)
        self.y = pt.ivector("y")

        sizes = [n_ins] + hidden_layers_sizes
        for i in range(self.n_layers):
            layer_input = self.x if i == 0 else self.sigmoid_layers[-1].output
            sigmoid_layer = HiddenLayer(
                rng=numpy_rng,
                input=layer_input,
                n_in=sizes[i],
                n_out=sizes[i + 1],
                activation=sigmoid,
            )
            dA_layer = dA(
                numpy_rng=numpy_rng,
                theano_rng=theano_rng,
                input=layer_input,
                n_visible=sizes[i],
                n_hidden=sizes[i + 1],
                W=sigmoid_layer.W,
                bhid=sigmoid_layer.b,
            )
            self.sigmoid_layers.append(sigmoid_layer)
            self.dA_layers.append(dA_layer)
            self.add_param(sigmoid_layer.W, f"W{i + 1}")
            self.add_param(sigmoid_layer.b, f"b{i + 1}", regularizable=False)
            # Pretraining trains the visible biases; fine-tuning has no use for them.
            self.add_param(
                dA_layer.b_prime, f"b_prime{i + 1}", trainable=False, regularizable=False
            )

        self.logLayer = LogisticRegression(
            input=self.sigmoid_layers[-1].output, n_in=sizes[-1], n_out=n_outs
        )
        self.add_param(self.logLayer.W, "W_out")
        self.add_param(self.logLayer.b, "b_out", regularizable=False)
        self.finetune_cost = self.logLayer.negative_log_likelihood(self.y)
        self.errors = self.logLayer.errors(self.y)

    def config(self):
        """The constructor arguments that rebuild the SdA."""
        return {
            "n_ins": self.n_ins,
            "hidden_layers_sizes": list(self.hidden_layers_sizes),
            "n_outs": self.n_outs,
            "corruption_levels": list(self.corruption_levels),
        }

    def _check_training_set(self, train_set_x, batch_size):
        """Refuse a batch size or pretraining data the SdA cannot use."""
        check_batch_size(batch_size, {"train_set_x": train_set_x})
        check_data(train_set_x, n_ins=self.n_ins, source="train_set_x")

    def pretraining_functions(self, train_set_x, batch_size, steps_per_call=None):
        """One compiled SGD step per layer, on minibatch ``index`` of ``train_set_x``.

        Each is called as ``fn(index, corruption=level, lr=rate)`` and returns the
        minibatch's mean reconstruction cost; ``corruption`` defaults to the
        layer's level from the constructor and ``lr`` to 0.1. Layer ``i``'s step
        runs ``x`` through the layers below it on every call;
        :meth:`cached_pretraining_functions` does not.

        ``steps_per_call`` goes to :meth:`dA.pretraining_function`: with more than
        one, each function also has a ``chunk`` that takes that many steps in one
        call.

        Raises ValueError for a ``batch_size`` outside 1 to the rows of
        ``train_set_x``, and DataError unless ``train_set_x`` has ``n_ins``
        columns of values in [0, 1].
        """
        self._check_training_set(train_set_x, batch_size)
        return [
            da.pretraining_function(
                train_set_x, batch_size, level, x=self.x, steps_per_call=steps_per_call
            )
            for da, level in zip(self.dA_layers, self.corruption_levels)
        ]

    def cached_pretraining_functions(self, train_set_x, batch_size, steps_per_call=None):
        """The pretraining steps of :meth:`pretraining_functions`, on cached inputs.

        The tutorials' own tip: once layer ``i - 1`` is trained, its codes of the
        training set are computed once (:meth:`dA.hidden_representation`) and
        layer ``i`` learns from them, instead of running every lower layer again
        for each minibatch. The same arithmetic, so the same costs and weights up
        to float32 rounding, for a fraction of the time of the upper layers.

        A generator: layer ``i``'s function is compiled, and its inputs computed,
        when it is asked for, so train each layer before asking for the next, as
        :func:`dae.training.pretrain <dae.training.loops.pretrain>` does. The
        arguments are checked at once, as by :meth:`pretraining_functions`.
        """
        self._check_training_set(train_set_x, batch_size)
        return self._cached_pretraining_functions(train_set_x, batch_size, steps_per_call)

    def _cached_pretraining_functions(self, train_set_x, batch_size, steps_per_call):
        layer_x = train_set_x
        for i, (da, level) in enumerate(zip(self.dA_layers, self.corruption_levels)):
            if i > 0:
                layer_x = self.dA_layers[i - 1].hidden_representation(layer_x)
            yield da.pretraining_function(layer_x, batch_size, level, steps_per_call=steps_per_call)

    def dropout_finetune_cost(self, rates):
        """The fine-tuning cost of the MLP with dropout (Srivastava et al., 2014).

        Parameters
        ----------
        rates : sequence of float
            Drop probability of the input and of each hidden layer's output,
            ``n_layers + 1`` numbers in [0, 1).

        Returns
        -------
        cost : symbolic scalar
            The mean NLL of ``y`` given ``x`` through a copy of the MLP that
            shares its weights and drops units at random.
        updates : OrderedDict
            The update that advances ``theano_rng``.

        Notes
        -----
        ``self.errors`` is unchanged: the weights are used whole at test time,
        which is why survivors are scaled up.
        """
        rates = list(rates)
        check_fractions("dropout", rates, self.n_layers + 1, "rates (input and hidden layers)")
        rng = self.theano_rng
        rng, h = apply_dropout(rng, self.x, rates[0])
        for layer, rate in zip(self.sigmoid_layers, rates[1:]):
            # The same weights on the dropped-out input: a layer built on them.
            shared_layer = HiddenLayer(
                None, h, layer.n_in, layer.n_out, W=layer.W, b=layer.b, activation=sigmoid
            )
            rng, h = apply_dropout(rng, shared_layer.output, rate)
        top = self.logLayer
        top = LogisticRegression(h, top.n_in, top.n_out, W=top.W, b=top.b)
        return top.negative_log_likelihood(self.y), OrderedDict([(self.theano_rng, rng)])

    def build_finetune_functions(
        self,
        datasets,
        batch_size,
        learning_rate,
        momentum=0.0,
        dropout=None,
        max_norm=None,
        steps_per_call=None,
        score_rows=None,
    ):
        """Compile the fine-tuning step and the validation and test scores.

        Parameters
        ----------
        datasets : list of three (x, y) pairs of shared variables
            ``[(train_x, train_y), (valid_x, valid_y), (test_x, test_y)]``, as
            returned by :func:`dae.load_data <dae.data.mnist.load_data>`.
        batch_size : int
            Minibatch size.
        learning_rate : float or shared scalar
            The SGD step size; a shared scalar can be changed between calls.
        momentum : float or shared scalar
            Classical momentum (:func:`dae.updates.apply_momentum`); 0, the
            tutorial's plain SGD, by default.
        dropout : sequence of float, optional
            None (the tutorial's fine-tuning), or the drop rates of the input and
            of each hidden layer (:meth:`dropout_finetune_cost`).
        max_norm : float, optional
            After each step, scale every unit's incoming weights, in each layer, to
            a norm of at most ``max_norm`` (:func:`dae.updates.norm_constraint`);
            None, the tutorial's fine-tuning, by default.
        steps_per_call : int, optional
            With more than one, ``train_fn.chunk(index)`` takes that many steps in
            one call (:func:`dae.backend.function`); None: the backend's default,
            :func:`dae.backend.default_steps_per_call`.
        score_rows : int, optional
            None: the scores take one minibatch a call, as in the tutorial. A
            number: up to that many rows a call, a whole number of minibatches
            that divides the minibatches of the set, so the same rows are scored,
            the error rate is the same, and a pass makes fewer, larger calls;
            ``score(i)`` is then the ``i``-th such block.

        Returns
        -------
        train_fn : dae.functions.CompiledFunction
            ``train_fn(index)`` takes one SGD step on training minibatch
            ``index`` and returns its cost; the training loops also use its
            ``chunk``.
        valid_score, test_score : dae.functions.CompiledFunction
            Return the list of error rates of all validation or test minibatches.

        Raises
        ------
        ValueError
            For a ``batch_size`` outside 1 to the rows of each set.
        DataError
            Naming the set, unless its examples have ``n_ins`` values in [0, 1]
            and its labels lie in 0..n_outs-1.
        """
        self._check_labelled_sets(datasets, batch_size)
        (train_x, train_y), (valid_x, valid_y), (test_x, test_y) = datasets
        cost, rng_update = self.finetune_cost, {}
        if dropout is not None:
            cost, rng_update = self.dropout_finetune_cost(dropout)
        updates = self._finetune_updates(cost, learning_rate, momentum, max_norm)
        updates.update(rng_update)
        train_fn = minibatch_function(
            cost,
            {self.x: train_x, self.y: train_y},
            batch_size,
            source="the training set",
            updates=updates,
            name="train",
            steps_per_call=steps_per_call,
        )
        valid_score = self._score(valid_x, valid_y, batch_size, "the validation set", score_rows)
        test_score = self._score(test_x, test_y, batch_size, "the test set", score_rows)
        return train_fn, valid_score, test_score

    def _check_labelled_sets(self, datasets, batch_size):
        """Refuse a batch size larger than any of the three sets, naming all that are
        too small, then examples or labels the SdA cannot use, naming the set."""
        names = ("the training set", "the validation set", "the test set")
        check_batch_size(batch_size, {name: x for name, (x, _) in zip(names, datasets)})
        for name, (x, y) in zip(names, datasets):
            check_data(x, y, n_ins=self.n_ins, n_outs=self.n_outs, source=name)

    def _finetune_updates(self, cost, learning_rate, momentum, max_norm):
        """SGD on ``cost`` for the MLP's parameters, with momentum unless it is 0, and
        the weights bounded to ``max_norm`` unless it is None."""
        updates = sgd(cost, self.params, learning_rate)
        if not (isinstance(momentum, (int, float)) and momentum == 0):
            updates = apply_momentum(updates, self.params, momentum)
        if max_norm is not None:
            if not max_norm > 0:
                raise ValueError(f"max_norm must be positive, got {max_norm}")
            for W in self.get_params(regularizable=True):
                updates[W] = norm_constraint(updates[W], max_norm)
        return updates

    def _score(self, set_x, set_y, batch_size, source, score_rows=None):
        """``score()``: the error rate of every minibatch of (set_x, set_y), in a list;
        ``score(i)``: that of minibatch ``i``. With ``score_rows``, a block of
        minibatches stands for each minibatch (see :meth:`build_finetune_functions`)."""
        n_batches = set_x.get_value(borrow=True).shape[0] // batch_size
        if score_rows is not None:
            per_call = _largest_divisor(n_batches, at_most=max(1, score_rows // batch_size))
            batch_size, n_batches = batch_size * per_call, n_batches // per_call
        data = {self.x: set_x, self.y: set_y}
        return minibatch_function(self.errors, data, batch_size, source=source, n_batches=n_batches)


def _largest_divisor(n, at_most):
    """The largest divisor of ``n`` that is at most ``at_most``.

    >>> _largest_divisor(500, 500), _largest_divisor(750, 500), _largest_divisor(7, 5)
    (500, 375, 1)
    """
    return max(k for k in range(1, min(n, at_most) + 1) if n % k == 0)
