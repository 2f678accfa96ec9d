"""``theano.tensor`` on PyTensor: ``pytensor.tensor``, with ``nnet`` and
``shared_randomstreams`` back."""

from pytensor.tensor import *  # noqa: F403

from dae.theano.tensor import nnet, shared_randomstreams  # noqa: F401

# What a star import gives: PyTensor's names, and the ones this module adds.
__all__ = [name for name in dir() if not name.startswith("_")]
