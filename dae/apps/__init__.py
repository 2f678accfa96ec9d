"""The application: dae's commands, built on the library.

Each command is a module whose ``main(argv=None)`` is its command line: it
configures PyTensor (:func:`dae.backend.configure`), reads the options, and hands
their values to a function that does the work and takes them as keyword arguments,
such as :func:`dae.apps.train_sda.train_sda`. The scripts in ``scripts/`` call these
``main`` functions, and so do the console commands installed with dae
(``dae-train-sda``, ``dae-sweep``, ...):

* training: ``train_sda``, ``train_da``, ``train_vae``, ``compare_autoencoders``,
  ``few_labels``;
* many trainings: ``sweep``, ``variations_table``;
* data and pictures: ``make_variations``, ``plot_variations``, ``plot_metrics``.

What they share: :mod:`dae.apps.cli` (options, loading the data, the run's Monitor,
one-line errors), :mod:`dae.apps.sweep_engine` (sweeps on Ray Tune) and
:mod:`dae.apps.gemm_bound` (a run against its GEMM bound). The library, every other
module of dae, never imports this package.
"""

__all__ = []
