#!/usr/bin/env python
"""Table 3 of Vincent et al. (JMLR 2010), the SdA-3 column, on the regenerated sets.

Runs :func:`dae.apps.variations_table.main`, also installed as the command
``dae-variations-table``; ``--help`` lists its options.
"""

from dae.apps.variations_table import main

if __name__ == "__main__":
    main()
