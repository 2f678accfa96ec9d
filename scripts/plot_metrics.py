#!/usr/bin/env python
"""Draw the learning curves of a training run from its ``metrics.jsonl``.

Runs :func:`dae.apps.plot_metrics.main`, also installed as the command
``dae-plot-metrics``; ``--help`` lists its options.
"""

from dae.apps.plot_metrics import main

if __name__ == "__main__":
    main()
