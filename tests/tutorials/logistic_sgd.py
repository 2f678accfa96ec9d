"""Multi-class logistic regression trained by minibatch SGD on MNIST, as in the
Theano tutorial's logistic_sgd.py.

The model is P(Y=i | x) = softmax_i(x W + b) and the prediction is the most
probable class. Training minimises the mean negative log-likelihood of the
labels, one minibatch at a time, and stops early once the validation error no
longer improves enough (patience). The best model is pickled to best_model.pkl;
``predict()`` reloads it.
"""

import gzip
import os
import pickle
import sys
import timeit

import numpy

import dae.theano as theano
import dae.theano.tensor as T


class LogisticRegression:
    """Softmax classifier: weights W (n_in, n_out) and biases b (n_out,)."""

    def __init__(self, input, n_in, n_out):
        # Zero weights are fine here: the loss is convex, there is no symmetry to break.
        self.W = theano.shared(
            value=numpy.zeros((n_in, n_out), dtype=theano.config.floatX), name="W", borrow=True
        )
        self.b = theano.shared(
            value=numpy.zeros((n_out,), dtype=theano.config.floatX), name="b", borrow=True
        )
        # One row of class probabilities per example (row) of input.
        self.p_y_given_x = T.nnet.softmax(T.dot(input, self.W) + self.b)
        self.y_pred = T.argmax(self.p_y_given_x, axis=1)
        self.params = [self.W, self.b]
        # Kept so that a pickled model can be compiled again on its own input.
        self.input = input

    def negative_log_likelihood(self, y):
        """Mean over the minibatch of -log P(Y = y_n | x_n).

        The mean, not the sum, keeps the learning rate independent of the batch size.
        """
        # Row n, column y[n]: the log-probability of each example's own label.
        return -T.mean(T.log(self.p_y_given_x)[T.arange(y.shape[0]), y])

    def errors(self, y):
        """Fraction of the minibatch that is misclassified (zero-one loss)."""
        if y.ndim != self.y_pred.ndim:
            raise TypeError(
                "y should have the same shape as self.y_pred",
                ("y", y.type, "y_pred", self.y_pred.type),
            )
        if y.dtype.startswith("int"):
            return T.mean(T.neq(self.y_pred, y))
        raise NotImplementedError()


def load_data(dataset):
    """Load the pickled MNIST split and put each set in shared variables.

    :param dataset: path of mnist.pkl.gz; a bare file name not found in the working
        directory is looked for in ../data next to this file (and downloaded there).
    """
    data_dir, data_file = os.path.split(dataset)
    if data_dir == "" and not os.path.isfile(dataset):
        new_path = os.path.join(os.path.split(__file__)[0], "..", "data", dataset)
        if os.path.isfile(new_path) or data_file == "mnist.pkl.gz":
            dataset = new_path

    if (not os.path.isfile(dataset)) and data_file == "mnist.pkl.gz":
        from urllib.request import urlretrieve

        origin = "http://www.iro.umontreal.ca/~lisa/deep/data/mnist/mnist.pkl.gz"
        print(f"Downloading data from {origin}")
        urlretrieve(origin, dataset)

    print("... loading data")

    # Each set is a pair (x, y): x a float matrix with one 28x28 image per row,
    # y the vector of the images' digits.
    with gzip.open(dataset, "rb") as f:
        try:
            # The file was pickled by Python 2; its numpy arrays need latin1.
            train_set, valid_set, test_set = pickle.load(f, encoding="latin1")
        except Exception:
            f.seek(0)
            train_set, valid_set, test_set = pickle.load(f)

    def shared_dataset(data_xy, borrow=True):
        """Copy a set into shared variables, so that a GPU could hold it whole and
        minibatches are slices of it rather than copies from the host."""
        data_x, data_y = data_xy
        shared_x = theano.shared(numpy.asarray(data_x, dtype=theano.config.floatX), borrow=borrow)
        shared_y = theano.shared(numpy.asarray(data_y, dtype=theano.config.floatX), borrow=borrow)
        # Shared storage on a GPU has to be float, but labels are indices, so the
        # code sees them through a cast to int.
        return shared_x, T.cast(shared_y, "int32")

    test_set_x, test_set_y = shared_dataset(test_set)
    valid_set_x, valid_set_y = shared_dataset(valid_set)
    train_set_x, train_set_y = shared_dataset(train_set)

    rval = [
        (train_set_x, train_set_y),
        (valid_set_x, valid_set_y),
        (test_set_x, test_set_y),
    ]
    return rval


def sgd_optimization_mnist(
    learning_rate=0.13, n_epochs=1000, dataset="mnist.pkl.gz", batch_size=600
):
    """Train the logistic regression on MNIST by minibatch SGD with early stopping.

    :param learning_rate: SGD step size.
    :param n_epochs: most passes over the training set.
    :param dataset: path of mnist.pkl.gz.
    :param batch_size: examples per minibatch.
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

    classifier = LogisticRegression(input=x, n_in=28 * 28, n_out=10)
    cost = classifier.negative_log_likelihood(y)

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

    g_W = T.grad(cost=cost, wrt=classifier.W)
    g_b = T.grad(cost=cost, wrt=classifier.b)
    updates = [
        (classifier.W, classifier.W - learning_rate * g_W),
        (classifier.b, classifier.b - learning_rate * g_b),
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

    print("... training the model")
    patience = 5000  # look at this many minibatches at least
    patience_increase = 2  # wait this much longer after a significant improvement
    improvement_threshold = 0.995  # a relative improvement this large is significant
    # Validate at least once an epoch, and at least twice before patience runs out.
    validation_frequency = min(n_train_batches, patience // 2)

    best_validation_loss = numpy.inf
    test_score = 0.0
    start_time = timeit.default_timer()

    done_looping = False
    epoch = 0
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

                    test_losses = [test_model(i) for i in range(n_test_batches)]
                    test_score = numpy.mean(test_losses)
                    print(
                        f"     epoch {epoch}, minibatch {minibatch_index + 1}/{n_train_batches},"
                        f" test error of best model {test_score * 100.0:f} %"
                    )

                    # Keep the best model so far.
                    with open("best_model.pkl", "wb") as f:
                        pickle.dump(classifier, f)

            if patience <= iter:
                done_looping = True
                break

    end_time = timeit.default_timer()
    print(
        f"Optimization complete with best validation score of {best_validation_loss * 100.0:f} %,"
        f" with test performance {test_score * 100.0:f} %"
    )
    print(
        f"The code run for {epoch} epochs,"
        f" with {1.0 * epoch / (end_time - start_time):f} epochs/sec"
    )
    print(
        f"The code for file {os.path.split(__file__)[1]} ran for {end_time - start_time:.1f}s",
        file=sys.stderr,
    )


def predict():
    """Load best_model.pkl and print its predictions for the first 10 test images."""
    with open("best_model.pkl", "rb") as f:
        classifier = pickle.load(f)

    predict_model = theano.function(inputs=[classifier.input], outputs=classifier.y_pred)

    dataset = "mnist.pkl.gz"
    datasets = load_data(dataset)
    test_set_x, test_set_y = datasets[2]
    test_set_x = test_set_x.get_value()

    predicted_values = predict_model(test_set_x[:10])
    print("Predicted values for the first 10 examples in test set:")
    print(predicted_values)


if __name__ == "__main__":
    sgd_optimization_mnist()
