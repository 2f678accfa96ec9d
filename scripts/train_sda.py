#!/usr/bin/env python
"""Train a stacked denoising autoencoder on MNIST: the tutorial's ``test_SdA``.

Runs :func:`dae.apps.train_sda.main`, also installed as the command ``dae-train-sda``;
``--help`` lists its options.
"""

from dae.apps.train_sda import main

if __name__ == "__main__":
    main()
