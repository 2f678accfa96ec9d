"""A contractive autoencoder (CAE) trained on MNIST, as in the Theano tutorial's cA.py.

The CAE (Rifai et al., 2011) learns the code h(x) = s(W x + b) and the
reconstruction r(x) = s(W' h(x) + b') with tied weights W' = W^T, minimising
the reconstruction cross-entropy plus ``contraction_level`` times the squared
Frobenius norm of the Jacobian dh/dx, which makes the code insensitive to small
moves of the input.
"""

import os
import sys
import timeit

import numpy
import PIL.Image as Image
from logistic_sgd import load_data

import dae.theano as theano
import dae.theano.tensor as T
from dae import tile_raster_images


class cA:
    """Contractive autoencoder with sigmoid units and tied weights."""

    def __init__(
        self,
        numpy_rng,
        input=None,
        n_visible=784,
        n_hidden=100,
        n_batchsize=1,
        W=None,
        bhid=None,
        bvis=None,
    ):
        """
        :param numpy_rng: numpy RandomState for the initial weights.
        :param input: symbolic minibatch, one example per row; a new matrix if None.
        :param n_visible: input units.
        :param n_hidden: hidden units.
        :param n_batchsize: examples per minibatch; the Jacobian is built for
            exactly this many.
        :param W, bhid, bvis: shared weights, hidden and visible biases to use
            instead of new ones (to share them with another model).
        """
        self.n_visible = n_visible
        self.n_hidden = n_hidden
        self.n_batchsize = n_batchsize
        if not W:
            # Sigmoid units: four times the tanh range of Glorot & Bengio.
            initial_W = numpy.asarray(
                numpy_rng.uniform(
                    low=-4 * numpy.sqrt(6.0 / (n_hidden + n_visible)),
                    high=4 * numpy.sqrt(6.0 / (n_hidden + n_visible)),
                    size=(n_visible, n_hidden),
                ),
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
        self.b = bhid  # hidden biases
        self.b_prime = bvis  # visible biases
        self.W_prime = self.W.T  # tied weights

        if input == None:  # noqa: E711
            self.x = T.dmatrix(name="input")
        else:
            self.x = input

        self.params = [self.W, self.b, self.b_prime]

    def get_hidden_values(self, input):
        """The code h(x) = s(x W + b), one row per example."""
        return T.nnet.sigmoid(T.dot(input, self.W) + self.b)

    def get_jacobian(self, hidden, W):
        """The Jacobian dh/dx of each example, shape (n_batchsize, n_visible, n_hidden).

        For sigmoid units J[n, i, j] = h_nj (1 - h_nj) W_ij; the reshapes line the
        axes up so that one broadcast product builds all of them.
        """
        return T.reshape(hidden * (1 - hidden), (self.n_batchsize, 1, self.n_hidden)) * T.reshape(
            W, (1, self.n_visible, self.n_hidden)
        )

    def get_reconstructed_input(self, hidden):
        """The reconstruction s(h W' + b') of the input from its code."""
        return T.nnet.sigmoid(T.dot(hidden, self.W_prime) + self.b_prime)

    def get_cost_updates(self, contraction_level, learning_rate):
        """The cost of one minibatch and the SGD updates of the parameters."""
        y = self.get_hidden_values(self.x)
        z = self.get_reconstructed_input(y)
        J = self.get_jacobian(y, self.W)
        # Cross-entropy summed over the pixels: one value per example.
        self.L_rec = -T.sum(self.x * T.log(z) + (1 - self.x) * T.log(1 - z), axis=1)

        # Squared Frobenius norm of the Jacobians, averaged over the minibatch.
        self.L_jacob = T.sum(J**2) / self.n_batchsize

        cost = T.mean(self.L_rec) + contraction_level * T.mean(self.L_jacob)

        gparams = T.grad(cost, self.params)
        updates = []
        for param, gparam in zip(self.params, gparams):
            updates.append((param, param - learning_rate * gparam))

        return (cost, updates)


def test_cA(
    learning_rate=0.01,
    training_epochs=20,
    dataset="mnist.pkl.gz",
    batch_size=10,
    output_folder="cA_plots",
    contraction_level=0.1,
    n_hidden=500,
):
    """Train a CAE on MNIST and save its filters as cae_filters.png.

    :param learning_rate: SGD step size.
    :param training_epochs: passes over the training set.
    :param dataset: path of mnist.pkl.gz.
    :param batch_size: examples per minibatch.
    :param output_folder: where the filters are saved.
    :param contraction_level: weight of the Jacobian penalty.
    :param n_hidden: hidden units.
    """
    datasets = load_data(dataset)
    train_set_x, train_set_y = datasets[0]

    n_train_batches = train_set_x.get_value(borrow=True).shape[0] // batch_size

    index = T.lscalar()  # minibatch number
    x = T.matrix("x")  # images, one per row

    if not os.path.isdir(output_folder):
        os.makedirs(output_folder)
    os.chdir(output_folder)

    rng = numpy.random.RandomState(123)

    ca = cA(numpy_rng=rng, input=x, n_visible=28 * 28, n_hidden=n_hidden, n_batchsize=batch_size)

    cost, updates = ca.get_cost_updates(
        contraction_level=contraction_level, learning_rate=learning_rate
    )

    # One SGD step; returns the minibatch's mean reconstruction cost and its L_jacob.
    train_ca = theano.function(
        [index],
        [T.mean(ca.L_rec), ca.L_jacob],
        updates=updates,
        givens={x: train_set_x[index * batch_size : (index + 1) * batch_size]},
    )

    start_time = timeit.default_timer()

    for epoch in range(training_epochs):
        c = []
        for batch_index in range(n_train_batches):
            c.append(train_ca(batch_index))

        # One row per minibatch: (reconstruction cost, L_jacob).
        c_array = numpy.vstack(c)
        print(
            f"Training epoch {epoch}, reconstruction cost ",
            numpy.mean(c_array[:, 0]),
            " jacobian norm ",
            numpy.mean(numpy.sqrt(c_array[:, 1])),
        )

    end_time = timeit.default_timer()

    training_time = end_time - start_time

    print(
        f"The code for file {os.path.split(__file__)[1]} ran for {training_time / 60.0:.2f}m",
        file=sys.stderr,
    )
    image = Image.fromarray(
        tile_raster_images(
            X=ca.W.get_value(borrow=True).T,
            img_shape=(28, 28),
            tile_shape=(10, 10),
            tile_spacing=(1, 1),
        )
    )

    image.save("cae_filters.png")

    os.chdir("../")


if __name__ == "__main__":
    test_cA()
