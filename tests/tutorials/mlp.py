"""A multilayer perceptron trained by minibatch SGD on MNIST, as in the Theano
tutorial's mlp.py.

One hidden layer of tanh units feeds a logistic regression output layer:
f(x) = softmax(b2 + W2 s(b1 + W1 x)). The cost is the negative log-likelihood
plus L1 and L2 penalties on the weights, and training stops early once the
validation error no longer improves enough (patience).
"""

import os
import sys
import timeit

import numpy
import pytensor as theano
import pytensor.tensor as T
from logistic_sgd import load_data

from dae import LogisticRegression


class HiddenLayer:
    def __init__(self, rng, input, n_in, n_out, W=None, b=None, activation=T.tanh):
        """Fully connected layer: output = activation(input W + b).

        :param rng: numpy RandomState for the initial weights.
        :param input: symbolic matrix of shape (n_examples, n_in).
        :param n_in: number of inputs.
        :param n_out: number of hidden units.
        :param W, b: shared variables to use instead of new ones (weight sharing).
        :param activation: nonlinearity of the layer; None for a linear layer.
        """
        self.input = input

        if W is None:
            # Uniform in +-sqrt(6 / (fan_in + fan_out)) keeps tanh units in their
            # linear regime at the start, where gradients flow best (Glorot & Bengio).
            W_values = numpy.asarray(
                rng.uniform(
                    low=-numpy.sqrt(6.0 / (n_in + n_out)),
                    high=numpy.sqrt(6.0 / (n_in + n_out)),
                    size=(n_in, n_out),
                ),
                dtype=theano.config.floatX,
            )
            # The sigmoid is flatter than tanh at 0: four times wider weights.
            if activation == theano.tensor.sigmoid:
                W_values *= 4

            W = theano.shared(value=W_values, name="W", borrow=True)

        if b is None:
            b_values = numpy.zeros((n_out,), dtype=theano.config.floatX)
            b = theano.shared(value=b_values, name="b", borrow=True)

        self.W = W
        self.b = b

        lin_output = T.dot(input, self.W) + self.b
        self.output = lin_output if activation is None else activation(lin_output)
        self.params = [self.W, self.b]


class MLP:
    """One hidden layer of tanh units under a softmax output layer."""

    def __init__(self, rng, input, n_in, n_hidden, n_out):
        """
        :param rng: numpy RandomState for the hidden layer's initial weights.
        :param input: symbolic matrix, one example per row.
        :param n_in: input units (pixels).
        :param n_hidden: hidden units.
        :param n_out: output units (classes).
        """
        self.hiddenLayer = HiddenLayer(
            rng=rng, input=input, n_in=n_in, n_out=n_hidden, activation=T.tanh
        )

        # The output layer reads the hidden units.
        self.logRegressionLayer = LogisticRegression(
            input=self.hiddenLayer.output, n_in=n_hidden, n_out=n_out
        )

        # Regularisers on the weights (not the biases) of both layers.
        self.L1 = abs(self.hiddenLayer.W).sum() + abs(self.logRegressionLayer.W).sum()
        self.L2_sqr = (self.hiddenLayer.W**2).sum() + (self.logRegressionLayer.W**2).sum()

        # The likelihood and the errors are the output layer's.
        self.negative_log_likelihood = self.logRegressionLayer.negative_log_likelihood
        self.errors = self.logRegressionLayer.errors

        self.params = self.hiddenLayer.params + self.logRegressionLayer.params

        self.input = input


def test_mlp(
    learning_rate=0.01,
    L1_reg=0.00,
    L2_reg=0.0001,
    n_epochs=1000,
    dataset="mnist.pkl.gz",
    batch_size=20,
    n_hidden=500,
):
    """Train the MLP on MNIST by minibatch SGD with early stopping.

    :param learning_rate: SGD step size.
    :param L1_reg: weight of the L1 penalty in the cost.
    :param L2_reg: weight of the squared L2 penalty in the cost.
    :param n_epochs: most passes over the training set.
    :param dataset: path of mnist.pkl.gz.
    :param batch_size: examples per minibatch.
    :param n_hidden: hidden units.
    """
    datasets = load_data(dataset)

    train_set_x, train_set_y = datasets[0]
    valid_set_x, valid_set_y = datasets[1]
    test_set_x, test_set_y = datasets[2]

    n_train_batches = train_set_x.get_value(borrow=True).shape[0] // batch_size
    n_valid_batches = valid_set_x.get_value(borrow=True).shape[0] // batch_size
    n_test_batches = test_set_x.get_value(borrow=True).shape[0] // batch_size

    print("... building the model")

    index = T.lscalar()  # minibatch number
    x = T.matrix("x")  # images, one per row
    y = T.ivector("y")  # their labels

    rng = numpy.random.RandomState(1234)

    classifier = MLP(rng=rng, input=x, n_in=28 * 28, n_hidden=n_hidden, n_out=10)

    cost = (
        classifier.negative_log_likelihood(y) + L1_reg * classifier.L1 + L2_reg * classifier.L2_sqr
    )

    test_model = theano.function(
        inputs=[index],
        outputs=classifier.errors(y),
        givens={
            x: test_set_x[index * batch_size : (index + 1) * batch_size],
            y: test_set_y[index * batch_size : (index + 1) * batch_size],
        },
    )
    validate_model = theano.function(
        inputs=[index],
        outputs=classifier.errors(y),
        givens={
            x: valid_set_x[index * batch_size : (index + 1) * batch_size],
            y: valid_set_y[index * batch_size : (index + 1) * batch_size],
        },
    )

    # The gradient of the cost with respect to each parameter, in params' order.
    gparams = [T.grad(cost, param) for param in classifier.params]

    updates = [
        (param, param - learning_rate * gparam) for param, gparam in zip(classifier.params, gparams)
    ]

    # One SGD step on minibatch `index`; returns the cost before the step.
    train_model = theano.function(
        inputs=[index],
        outputs=cost,
        updates=updates,
        givens={
            x: train_set_x[index * batch_size : (index + 1) * batch_size],
            y: train_set_y[index * batch_size : (index + 1) * batch_size],
        },
    )

    print("... training")

    patience = 10000  # look at this many minibatches at least
    patience_increase = 2  # wait this much longer after a significant improvement
    improvement_threshold = 0.995  # a relative improvement this large is significant
    # Validate at least once an epoch, and at least twice before patience runs out.
    validation_frequency = min(n_train_batches, patience // 2)

    best_validation_loss = numpy.inf
    best_iter = 0
    test_score = 0.0
    start_time = timeit.default_timer()

    epoch = 0
    done_looping = False

    while (epoch < n_epochs) and (not done_looping):
        epoch = epoch + 1
        for minibatch_index in range(n_train_batches):
            minibatch_avg_cost = train_model(minibatch_index)  # noqa: F841
            iter = (epoch - 1) * n_train_batches + minibatch_index

            if (iter + 1) % validation_frequency == 0:
                validation_losses = [validate_model(i) for i in range(n_valid_batches)]
                this_validation_loss = numpy.mean(validation_losses)

                print(
                    f"epoch {epoch}, minibatch {minibatch_index + 1}/{n_train_batches},"
                    f" validation error {this_validation_loss * 100.0:f} %"
                )

                if this_validation_loss < best_validation_loss:
                    if this_validation_loss < best_validation_loss * improvement_threshold:
                        patience = max(patience, iter * patience_increase)

                    best_validation_loss = this_validation_loss
                    best_iter = iter

                    test_losses = [test_model(i) for i in range(n_test_batches)]
                    test_score = numpy.mean(test_losses)

                    print(
                        f"     epoch {epoch}, minibatch {minibatch_index + 1}/{n_train_batches},"
                        f" test error of best model {test_score * 100.0:f} %"
                    )

            if patience <= iter:
                done_looping = True
                break

    end_time = timeit.default_timer()
    print(
        f"Optimization complete. Best validation score of {best_validation_loss * 100.0:f} %"
        f" obtained at iteration {best_iter + 1}, with test performance {test_score * 100.0:f} %"
    )
    print(
        f"The code for file {os.path.split(__file__)[1]}"
        f" ran for {(end_time - start_time) / 60.0:.2f}m",
        file=sys.stderr,
    )


if __name__ == "__main__":
    test_mlp()
