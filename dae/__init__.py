"""dae: denoising autoencoders in the style of the Theano tutorials, on PyTensor.

Importing ``dae`` makes float32 PyTensor's default float type (``floatX``), as the
tutorials ran with ``THEANO_FLAGS=floatX=float32``, and picks the fastest CPU
backend found (:mod:`dae.backend`); settings given in ``PYTENSOR_FLAGS`` win.
"""

import os

import pytensor

if "floatX" not in os.environ.get("PYTENSOR_FLAGS", ""):
    pytensor.config.floatX = "float32"

from dae import backend  # noqa: E402

backend.configure_cpu()

from dae.data import DataError, load_data, load_sample  # noqa: E402
from dae.images import scale_to_unit_interval, tile_raster_images  # noqa: E402
from dae.models.da import dA  # noqa: E402
from dae.models.logistic import LogisticRegression  # noqa: E402
from dae.models.mlp import HiddenLayer  # noqa: E402
from dae.models.sda import SdA  # noqa: E402
from dae.updates import rng_updates, sgd  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "DataError",
    "HiddenLayer",
    "LogisticRegression",
    "SdA",
    "dA",
    "load_data",
    "load_sample",
    "rng_updates",
    "scale_to_unit_interval",
    "sgd",
    "tile_raster_images",
]
