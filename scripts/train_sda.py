#!/usr/bin/env python
"""Train a stacked denoising autoencoder on MNIST: the tutorial's ``test_SdA``.

The run itself is :func:`dae.experiments.train_sda`, which sweeps call too; its
options and what it writes are in ``--help`` and the README.
"""

import dae
from dae.cli import run
from dae.experiments import train_sda


def main(argv=None):
    return train_sda(argv)


if __name__ == "__main__":
    run(main, dae.backend.DeviceError)
