#!/usr/bin/env python
"""Train members of the autoencoder family on the same digits and compare them.

Runs :func:`dae.apps.compare_autoencoders.main`, also installed as the command
``dae-compare-autoencoders``; ``--help`` lists its options.
"""

from dae.apps.compare_autoencoders import main

if __name__ == "__main__":
    main()
