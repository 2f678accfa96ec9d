"""Denoising autoencoder on MNIST, as in the Theano tutorial's dA.py.

A dA corrupts its input by zeroing a random fraction of it (the corruption
level), encodes the corrupted copy with y = sigmoid(x~ W + b), decodes it with
the transposed weights, z = sigmoid(y W' + b'), W' = W^T, and learns to
reconstruct the clean input by minimising the cross-entropy between x and z.

``test_dA`` trains one dA without corruption and one with 30% corruption on the
training set, and saves the learnt filters of each as an image.
"""

import os
import sys
import timeit

import numpy
from logistic_sgd import load_data
from PIL import Image

import dae.theano as theano
import dae.theano.tensor as T
from dae import tile_raster_images
from dae.theano.tensor.shared_randomstreams import RandomStreams


class dA:
    """Denoising autoencoder with tied weights.

    :param numpy_rng: numpy.random.RandomState that draws the initial weights.
    :param theano_rng: RandomStreams for the corruption; one seeded from
        numpy_rng when not given.
    :param input: symbolic input (one example per row), e.g. the output of a
        layer below; a new matrix when None.
    :param n_visible: number of visible (input) units.
    :param n_hidden: number of hidden units.
    :param W, bhid, bvis: shared weights, hidden and visible biases to use
        instead of new ones, so that a dA can share them with an MLP's layer.
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
    ):
        self.n_visible = n_visible
        self.n_hidden = n_hidden

        if not theano_rng:
            theano_rng = RandomStreams(numpy_rng.randint(2**30))

        if not W:
            # Uniform in +-4 sqrt(6 / (fan_in + fan_out)): the range suited to
            # sigmoid units (four times the one for tanh).
            bound = 4 * numpy.sqrt(6.0 / (n_hidden + n_visible))
            initial_W = numpy.asarray(
                numpy_rng.uniform(low=-bound, high=bound, size=(n_visible, n_hidden)),
                dtype=theano.config.floatX,
            )
            W = theano.shared(value=initial_W, name="W", borrow=True)
        if not bvis:
            bvis = theano.shared(
                value=numpy.zeros(n_visible, dtype=theano.config.floatX), borrow=True
            )
        if not bhid:
            bhid = theano.shared(
                value=numpy.zeros(n_hidden, dtype=theano.config.floatX), name="b", borrow=True
            )

        self.W = W
        self.b = bhid
        self.b_prime = bvis
        # Tied weights: the decoder is the encoder's transpose, not a parameter.
        self.W_prime = self.W.T
        self.theano_rng = theano_rng
        if input is None:
            self.x = T.dmatrix(name="input")
        else:
            self.x = input

        self.params = [self.W, self.b, self.b_prime]

    def get_corrupted_input(self, input, corruption_level):
        """``input`` with each component kept with probability 1 - corruption_level
        and set to zero otherwise."""
        # A binomial with n=1 is a 0/1 mask; drawn in floatX so that the product
        # keeps the input's type.
        return (
            self.theano_rng.binomial(
                size=input.shape, n=1, p=1 - corruption_level, dtype=theano.config.floatX
            )
            * input
        )

    def get_hidden_values(self, input):
        """Code of ``input``."""
        return T.nnet.sigmoid(T.dot(input, self.W) + self.b)

    def get_reconstructed_input(self, hidden):
        """Reconstruction of the input from its code."""
        return T.nnet.sigmoid(T.dot(hidden, self.W_prime) + self.b_prime)

    def get_cost_updates(self, corruption_level, learning_rate):
        """Cost of one SGD step on the current minibatch, and its updates."""
        tilde_x = self.get_corrupted_input(self.x, corruption_level)
        y = self.get_hidden_values(tilde_x)
        z = self.get_reconstructed_input(y)
        # Cross-entropy of the reconstruction against the clean input, one value
        # per example; the cost is its mean over the minibatch.
        L = -T.sum(self.x * T.log(z) + (1 - self.x) * T.log(1 - z), axis=1)
        cost = T.mean(L)

        gparams = T.grad(cost, self.params)
        updates = [
            (param, param - learning_rate * gparam) for param, gparam in zip(self.params, gparams)
        ]
        return (cost, updates)


def test_dA(
    learning_rate=0.1,
    training_epochs=15,
    dataset="mnist.pkl.gz",
    batch_size=20,
    output_folder="dA_plots",
):
    """Train a dA on MNIST without corruption, then with 30% corruption, and save
    the filters each learnt.

    :param learning_rate: SGD step size.
    :param training_epochs: passes over the training set for each dA.
    :param dataset: path of mnist.pkl.gz.
    :param batch_size: examples per minibatch.
    :param output_folder: where the filter images go.
    """
    datasets = load_data(dataset)
    train_set_x, train_set_y = datasets[0]

    n_train_batches = train_set_x.get_value(borrow=True).shape[0] // batch_size

    index = T.lscalar()  # minibatch number
    x = T.matrix("x")  # images, one per row

    if not os.path.isdir(output_folder):
        os.makedirs(output_folder)
    os.chdir(output_folder)

    for corruption_level, label in [(0.0, "no corruption"), (0.3, "30% corruption")]:
        # The same seed for both, so that only the corruption differs.
        rng = numpy.random.RandomState(123)
        theano_rng = RandomStreams(rng.randint(2**30))

        da = dA(
            numpy_rng=rng,
            theano_rng=theano_rng,
            input=x,
            n_visible=28 * 28,
            n_hidden=500,
        )
        cost, updates = da.get_cost_updates(
            corruption_level=corruption_level, learning_rate=learning_rate
        )
        train_da = theano.function(
            [index],
            cost,
            updates=updates,
            givens={x: train_set_x[index * batch_size : (index + 1) * batch_size]},
        )

        start_time = timeit.default_timer()
        for epoch in range(training_epochs):
            c = []
            for batch_index in range(n_train_batches):
                c.append(train_da(batch_index))
            print(f"Training epoch {epoch}, cost ", numpy.mean(c, dtype="float64"))
        end_time = timeit.default_timer()
        training_time = end_time - start_time
        print(
            f"The {label} code for file {os.path.split(__file__)[1]}"
            f" ran for {training_time / 60.0:.2f}m",
            file=sys.stderr,
        )

        # Each hidden unit's weights, as a 28x28 image.
        image = Image.fromarray(
            tile_raster_images(
                X=da.W.get_value(borrow=True).T,
                img_shape=(28, 28),
                tile_shape=(10, 10),
                tile_spacing=(1, 1),
            )
        )
        image.save(f"filters_corruption_{round(corruption_level * 100)}.png")

    os.chdir("../")


if __name__ == "__main__":
    test_dA()
