#!/usr/bin/env python
"""Draw examples of the benchmark sets that ``make_variations.py`` wrote.

Runs :func:`dae.apps.plot_variations.main`, also installed as the command
``dae-plot-variations``; ``--help`` lists its options.
"""

from dae.apps.plot_variations import main

if __name__ == "__main__":
    main()
