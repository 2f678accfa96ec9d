"""Stacked denoising autoencoders on MNIST, as in the Theano tutorial's SdA.py.

An SdA is an MLP of sigmoid layers topped by a logistic regression, where each
hidden layer shares its weights and hidden biases with a denoising autoencoder
that reconstructs the layer's input. It is trained in two phases:

1. pretraining, one layer at a time: each dA learns to reconstruct its
   (uncorrupted) input from a corrupted copy, which shapes the layer's weights;
2. fine-tuning: the whole MLP minimises the negative log-likelihood of the
   labels by minibatch SGD, with early stopping on the validation error.
"""

import os
import sys
import timeit

import numpy
from logistic_sgd import load_data

import dae.theano as theano
import dae.theano.tensor as T
from dae import HiddenLayer, LogisticRegression, dA
from dae.theano.tensor.shared_randomstreams import RandomStreams


class SdA:
    """Stacked denoising autoencoder.

    :param numpy_rng: numpy.random.RandomState that draws the initial weights.
    :param theano_rng: RandomStreams for the corruption; one seeded from
        numpy_rng when not given.
    :param n_ins: input dimension.
    :param hidden_layers_sizes: size of each hidden layer, at least one.
    :param n_outs: number of classes.
    :param corruption_levels: corruption level of each layer.
    """

    def __init__(
        self,
        numpy_rng,
        theano_rng=None,
        n_ins=784,
        hidden_layers_sizes=[500, 500],  # noqa: B006
        n_outs=10,
        corruption_levels=[0.1, 0.1],  # noqa: B006
    ):
        self.sigmoid_layers = []
        self.dA_layers = []
        self.params = []
        self.n_layers = len(hidden_layers_sizes)

        assert self.n_layers > 0

        if not theano_rng:
            theano_rng = RandomStreams(numpy_rng.randint(2**30))

        self.x = T.matrix("x")  # images, one per row
        self.y = T.ivector("y")  # their labels

        for i in range(self.n_layers):
            # The first layer reads the images, each other one the layer below.
            if i == 0:
                input_size = n_ins
                layer_input = self.x
            else:
                input_size = hidden_layers_sizes[i - 1]
                layer_input = self.sigmoid_layers[-1].output

            sigmoid_layer = HiddenLayer(
                rng=numpy_rng,
                input=layer_input,
                n_in=input_size,
                n_out=hidden_layers_sizes[i],
                activation=T.nnet.sigmoid,
            )
            self.sigmoid_layers.append(sigmoid_layer)
            # Only the MLP's parameters are the SdA's: the dA's visible biases
            # matter for pretraining alone.
            self.params.extend(sigmoid_layer.params)

            # The dA works on the same weights and hidden biases as the layer, so
            # pretraining it pretrains the layer.
            dA_layer = dA(
                numpy_rng=numpy_rng,
                theano_rng=theano_rng,
                input=layer_input,
                n_visible=input_size,
                n_hidden=hidden_layers_sizes[i],
                W=sigmoid_layer.W,
                bhid=sigmoid_layer.b,
            )
            self.dA_layers.append(dA_layer)

        self.logLayer = LogisticRegression(
            input=self.sigmoid_layers[-1].output, n_in=hidden_layers_sizes[-1], n_out=n_outs
        )
        self.params.extend(self.logLayer.params)

        self.finetune_cost = self.logLayer.negative_log_likelihood(self.y)
        self.errors = self.logLayer.errors(self.y)

    def pretraining_functions(self, train_set_x, batch_size):
        """One compiled SGD step per dA on minibatch ``index`` of ``train_set_x``.

        Each is called as ``fn(index, corruption=level, lr=rate)`` and returns the
        minibatch's reconstruction cost; corruption defaults to 0.2, lr to 0.1.
        """
        index = T.lscalar("index")
        corruption_level = T.scalar("corruption")
        learning_rate = T.scalar("lr")
        batch_begin = index * batch_size
        batch_end = batch_begin + batch_size

        pretrain_fns = []
        for dA_layer in self.dA_layers:
            cost, updates = dA_layer.get_cost_updates(corruption_level, learning_rate)
            # The minibatch replaces the SdA's input, which layer i's dA sees
            # through the layers below it.
            fn = theano.function(
                inputs=[
                    index,
                    theano.In(corruption_level, value=0.2),
                    theano.In(learning_rate, value=0.1),
                ],
                outputs=cost,
                updates=updates,
                givens={self.x: train_set_x[batch_begin:batch_end]},
            )
            pretrain_fns.append(fn)
        return pretrain_fns

    def build_finetune_functions(self, datasets, batch_size, learning_rate):
        """The fine-tuning step and the validation and test scores.

        :param datasets: [(train_x, train_y), (valid_x, valid_y), (test_x, test_y)]
            as load_data returns them.
        :param batch_size: examples per minibatch.
        :param learning_rate: SGD step size.
        :returns: train_fn(index), one SGD step on a training minibatch returning
            its cost; valid_score() and test_score(), the error of every
            minibatch of the validation and test sets, in a list.
        """
        (train_set_x, train_set_y) = datasets[0]
        (valid_set_x, valid_set_y) = datasets[1]
        (test_set_x, test_set_y) = datasets[2]

        n_valid_batches = valid_set_x.get_value(borrow=True).shape[0] // batch_size
        n_test_batches = test_set_x.get_value(borrow=True).shape[0] // batch_size

        index = T.lscalar("index")

        gparams = T.grad(self.finetune_cost, self.params)
        updates = [
            (param, param - gparam * learning_rate) for param, gparam in zip(self.params, gparams)
        ]

        train_fn = theano.function(
            inputs=[index],
            outputs=self.finetune_cost,
            updates=updates,
            givens={
                self.x: train_set_x[index * batch_size : (index + 1) * batch_size],
                self.y: train_set_y[index * batch_size : (index + 1) * batch_size],
            },
            name="train",
        )
        test_score_i = theano.function(
            [index],
            self.errors,
            givens={
                self.x: test_set_x[index * batch_size : (index + 1) * batch_size],
                self.y: test_set_y[index * batch_size : (index + 1) * batch_size],
            },
            name="test",
        )
        valid_score_i = theano.function(
            [index],
            self.errors,
            givens={
                self.x: valid_set_x[index * batch_size : (index + 1) * batch_size],
                self.y: valid_set_y[index * batch_size : (index + 1) * batch_size],
            },
            name="valid",
        )

        def valid_score():
            return [valid_score_i(i) for i in range(n_valid_batches)]

        def test_score():
            return [test_score_i(i) for i in range(n_test_batches)]

        return train_fn, valid_score, test_score


def test_SdA(
    finetune_lr=0.1,
    pretraining_epochs=15,
    pretrain_lr=0.001,
    training_epochs=1000,
    dataset="mnist.pkl.gz",
    batch_size=1,
    hidden_layers_sizes=(1000, 1000, 1000),
):
    """Pretrain an SdA on MNIST layer by layer, then fine-tune it with early stopping.

    :param finetune_lr: SGD step size of fine-tuning.
    :param pretraining_epochs: passes over the training set for each layer.
    :param pretrain_lr: SGD step size of pretraining.
    :param training_epochs: most passes over the training set in fine-tuning.
    :param dataset: path of mnist.pkl.gz.
    :param batch_size: examples per minibatch.
    :param hidden_layers_sizes: sizes of the three hidden layers.
    """
    datasets = load_data(dataset)

    train_set_x, train_set_y = datasets[0]
    valid_set_x, valid_set_y = datasets[1]
    test_set_x, test_set_y = datasets[2]

    n_train_batches = train_set_x.get_value(borrow=True).shape[0] // batch_size

    numpy_rng = numpy.random.RandomState(89677)
    print("... building the model")
    sda = SdA(
        numpy_rng=numpy_rng,
        n_ins=28 * 28,
        hidden_layers_sizes=list(hidden_layers_sizes),
        n_outs=10,
    )

    #########################
    # PRETRAINING THE MODEL #
    #########################
    print("... getting the pretraining functions")
    pretraining_fns = sda.pretraining_functions(train_set_x=train_set_x, batch_size=batch_size)

    print("... pre-training the model")
    start_time = timeit.default_timer()
    # Each layer up is corrupted more.
    corruption_levels = [0.1, 0.2, 0.3]
    for i in range(sda.n_layers):
        for epoch in range(pretraining_epochs):
            c = []
            for batch_index in range(n_train_batches):
                c.append(
                    pretraining_fns[i](
                        index=batch_index, corruption=corruption_levels[i], lr=pretrain_lr
                    )
                )
            print(f"Pre-training layer {i}, epoch {epoch}, cost {numpy.mean(c, dtype='float64'):f}")
    end_time = timeit.default_timer()
    print(
        f"The pretraining code for file {os.path.split(__file__)[1]}"
        f" ran for {(end_time - start_time) / 60.0:.2f}m",
        file=sys.stderr,
    )

    ########################
    # FINETUNING THE MODEL #
    ########################
    print("... getting the finetuning functions")
    train_fn, validate_model, test_model = sda.build_finetune_functions(
        datasets=datasets, batch_size=batch_size, learning_rate=finetune_lr
    )

    print("... finetuning the model")
    patience = 10 * n_train_batches  # look at this many minibatches at least
    patience_increase = 2.0  # wait this much longer after a significant improvement
    improvement_threshold = 0.995  # a relative improvement this large is significant
    # Validate at least once an epoch, and at least twice before patience runs out.
    validation_frequency = min(n_train_batches, patience // 2)

    best_validation_loss = numpy.inf
    test_score = 0.0
    start_time = timeit.default_timer()

    done_looping = False
    epoch = 0
    while (epoch < training_epochs) and (not done_looping):
        epoch = epoch + 1
        for minibatch_index in range(n_train_batches):
            minibatch_avg_cost = train_fn(minibatch_index)  # noqa: F841
            iter = (epoch - 1) * n_train_batches + minibatch_index

            if (iter + 1) % validation_frequency == 0:
                validation_losses = validate_model()
                this_validation_loss = numpy.mean(validation_losses, dtype="float64")
                print(
                    f"epoch {epoch}, minibatch {minibatch_index + 1}/{n_train_batches},"
                    f" validation error {this_validation_loss * 100.0:f} %"
                )

                if this_validation_loss < best_validation_loss:
                    if this_validation_loss < best_validation_loss * improvement_threshold:
                        patience = max(patience, iter * patience_increase)
                    best_validation_loss = this_validation_loss
                    best_iter = iter

                    test_losses = test_model()
                    test_score = numpy.mean(test_losses, dtype="float64")
                    print(
                        f"     epoch {epoch}, minibatch {minibatch_index + 1}/{n_train_batches},"
                        f" test error of best model {test_score * 100.0:f} %"
                    )

            if patience <= iter:
                done_looping = True
                break

    end_time = timeit.default_timer()
    print(
        f"Optimization complete with best validation score of {best_validation_loss * 100.0:f} %,"
        f" on iteration {best_iter + 1}, with test performance {test_score * 100.0:f} %"
    )
    print(
        f"The training code for file {os.path.split(__file__)[1]}"
        f" ran for {(end_time - start_time) / 60.0:.2f}m",
        file=sys.stderr,
    )


if __name__ == "__main__":
    test_SdA()
