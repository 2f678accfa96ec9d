"""``theano.tensor`` on PyTensor: ``pytensor.tensor``, with ``nnet`` and
``shared_randomstreams`` back."""

from pytensor.tensor import *  # noqa: F403

from dae.theano.tensor import nnet, shared_randomstreams  # noqa: F401
