"""``theano.sandbox``: only ``rng_mrg``, whose random streams the tutorials use."""

from dae.theano.sandbox import rng_mrg  # noqa: F401

__all__ = ["rng_mrg"]
