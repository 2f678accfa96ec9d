"""Sphinx configuration of dae's API reference.

Build from the repository root; warnings are errors::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

The reference documents the checkout it is built from: the repository root goes
first on ``sys.path``. dae and PyTensor are imported for real, nothing is mocked.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dae.version import __version__  # noqa: E402

project = "dae"
author = "dae contributors"
copyright = "dae contributors"
version = release = __version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "numpydoc",
]

# Everything needed is local: no intersphinx, nothing fetched at build time.
exclude_patterns = ["_build"]
default_role = "py:obj"
# The contents list the pages and their sections, not every function.
toc_object_entries = False

autodoc_member_order = "bysource"
# Signatures only; the docstrings say what each argument is.
autodoc_typehints = "none"
# Defaults as written in the source (``activation=sigmoid``), not their repr.
autodoc_preserve_defaults = True

# numpydoc lists no class members of its own: autodoc's :members: documents them.
numpydoc_show_class_members = False
numpydoc_xref_param_type = False

html_theme = "alabaster"
html_theme_options = {"description": "Denoising autoencoders on PyTensor"}
html_static_path = []
