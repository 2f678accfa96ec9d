"""dae: denoising autoencoders in the style of the Theano tutorials, on PyTensor.

Importing ``dae`` makes float32 PyTensor's default float type (``floatX``), as the
tutorials ran with ``THEANO_FLAGS=floatX=float32``, and picks the fastest CPU
backend found (:mod:`dae.backend`); settings given in ``PYTENSOR_FLAGS`` win.
"""

import os as _os

import pytensor as _pytensor

if "floatX" not in _os.environ.get("PYTENSOR_FLAGS", ""):
    _pytensor.config.floatX = "float32"

from dae import backend  # noqa: E402

backend.configure_cpu()

from dae import objectives, training, updates  # noqa: E402
from dae.data import DataError, load_data, load_sample  # noqa: E402
from dae.images import scale_to_unit_interval, tile_raster_images  # noqa: E402
from dae.models.ca import cA  # noqa: E402
from dae.models.da import dA  # noqa: E402
from dae.models.logistic import LogisticRegression  # noqa: E402
from dae.models.mlp import MLP, HiddenLayer  # noqa: E402
from dae.models.sda import SdA  # noqa: E402
from dae.updates import rng_updates, sgd  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "DataError",
    "HiddenLayer",
    "LogisticRegression",
    "MLP",
    "SdA",
    "cA",
    "dA",
    "load_data",
    "load_sample",
    "objectives",
    "rng_updates",
    "scale_to_unit_interval",
    "sgd",
    "tile_raster_images",
    "training",
    "updates",
]
