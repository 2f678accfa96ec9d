#!/usr/bin/env python
"""When labels are scarce: the same MLP with and without SdA pretraining.

Runs :func:`dae.apps.few_labels.main`, also installed as the command ``dae-few-labels``;
``--help`` lists its options.
"""

from dae.apps.few_labels import main

if __name__ == "__main__":
    main()
