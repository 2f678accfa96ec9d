#!/usr/bin/env python
"""Run many train_sda.py trainings on Ray: a grid of settings, or a random search.

Runs :func:`dae.apps.sweep.main`, also installed as the command ``dae-sweep``;
``--help`` lists its options.
"""

from dae.apps.sweep import main

if __name__ == "__main__":
    main()
