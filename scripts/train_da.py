#!/usr/bin/env python
"""Train a denoising autoencoder on MNIST: the tutorial's ``test_dA``.

Runs :func:`dae.apps.train_da.main`, also installed as the command ``dae-train-da``;
``--help`` lists its options.
"""

from dae.apps.train_da import main

if __name__ == "__main__":
    main()
