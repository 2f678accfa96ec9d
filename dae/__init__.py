"""dae: denoising autoencoders in the style of the Theano tutorials, on PyTensor.

Importing ``dae`` makes float32 PyTensor's default float type (``floatX``), as the
tutorials ran with ``THEANO_FLAGS=floatX=float32``, and picks the fastest CPU
backend found (:mod:`dae.backend`); settings given in ``PYTENSOR_FLAGS`` win.

The models are the tutorials' (:class:`dA`, :class:`SdA`, :class:`cA`,
:class:`HiddenLayer`, :class:`LogisticRegression`, :class:`MLP`) and their wider
family (:class:`VAE`, :class:`DeepAutoencoder`); :func:`~dae.models.persistence.load`
reads any of them from a file. Costs are built from :mod:`dae.objectives` and
trained with the rules of :mod:`dae.updates`, in the loops of :mod:`dae.training`.
"""

from dae import activations, backend, data, images, init, models, objectives, training, updates
from dae.data import DataError, load_data, load_sample
from dae.images import scale_to_unit_interval, tile_raster_images
from dae.models import (
    MLP,
    VAE,
    DeepAutoencoder,
    HiddenLayer,
    LogisticRegression,
    SdA,
    cA,
    dA,
    load,
)
from dae.updates import apply_momentum, momentum, rng_updates, sgd
from dae.version import __version__

__all__ = [
    "MLP",
    "VAE",
    "DataError",
    "DeepAutoencoder",
    "HiddenLayer",
    "LogisticRegression",
    "SdA",
    "__version__",
    "activations",
    "apply_momentum",
    "backend",
    "cA",
    "dA",
    "data",
    "images",
    "init",
    "load",
    "load_data",
    "load_sample",
    "models",
    "momentum",
    "objectives",
    "rng_updates",
    "scale_to_unit_interval",
    "sgd",
    "tile_raster_images",
    "training",
    "updates",
]
