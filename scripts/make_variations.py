#!/usr/bin/env python
"""Write the benchmark sets of Larochelle et al. (2007), regenerated from their recipes.

Runs :func:`dae.apps.make_variations.main`, also installed as the command
``dae-make-variations``; ``--help`` lists its options.
"""

from dae.apps.make_variations import main

if __name__ == "__main__":
    main()
