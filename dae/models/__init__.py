"""The models, one short file each, and :func:`~dae.models.persistence.load` for any
saved one.

Importing this package defines, and so registers for
:func:`~dae.models.persistence.load`, every model.
"""

from dae.models.ca import cA
from dae.models.da import dA
from dae.models.deep_ae import DeepAutoencoder
from dae.models.logistic import LogisticRegression
from dae.models.mlp import MLP, HiddenLayer
from dae.models.persistence import load
from dae.models.sda import SdA
from dae.models.vae import VAE

__all__ = [
    "MLP",
    "VAE",
    "DeepAutoencoder",
    "HiddenLayer",
    "LogisticRegression",
    "SdA",
    "cA",
    "dA",
    "load",
]
