"""dae: denoising autoencoders in the style of the Theano tutorials, on PyTensor.

Importing ``dae`` changes no global setting: dae's variables are float32 and its
functions compile with the fastest CPU backend found (:mod:`dae.backend`), while
other PyTensor code in the process keeps its own ``floatX``, mode and flags.
:func:`dae.backend.configure` (called by the scripts) and :mod:`dae.theano` make
float32 the process's ``floatX``, as the tutorials ran with
``THEANO_FLAGS=floatX=float32``.

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
