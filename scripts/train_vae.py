#!/usr/bin/env python
"""Train a variational autoencoder on MNIST and draw what it learned.

Runs :func:`dae.apps.train_vae.main`, also installed as the command ``dae-train-vae``;
``--help`` lists its options.
"""

from dae.apps.train_vae import main

if __name__ == "__main__":
    main()
