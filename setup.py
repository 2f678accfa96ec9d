import re
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent
# Read, not imported: importing dae needs its dependencies installed first.
VERSION = re.search(r'__version__ = "([^"]+)"', (HERE / "dae" / "version.py").read_text()).group(1)

setup(
    name="dae",
    version=VERSION,
    description="Denoising autoencoders in the style of the Theano tutorials, on PyTensor",
    long_description=(HERE / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="BSD-3-Clause",
    packages=find_packages(include=["dae", "dae.*"]),  # the library and dae.apps
    package_data={"dae.data": ["mnist_5k.npz"]},
    python_requires=">=3.10",
    install_requires=[
        "pytensor>=3.0.7,<3.1",
        "numpy>=1.26",
        "pillow>=10",
        "tqdm>=4.60",
        # The output folder's lock, on POSIX and Windows alike (see dae/files.py).
        "filelock>=3.12",
        # BLAS for PyTensor's C linker (see dae/backend.py); wheels exist for x86-64.
        'mkl>=2024; platform_machine == "x86_64" and sys_platform != "darwin"',
    ],
    # The commands: each runs the main of its module in dae.apps, as scripts/<module>.py does.
    entry_points={
        "console_scripts": [
            "dae-train-sda = dae.apps.train_sda:main",
            "dae-train-da = dae.apps.train_da:main",
            "dae-train-vae = dae.apps.train_vae:main",
            "dae-compare-autoencoders = dae.apps.compare_autoencoders:main",
            "dae-few-labels = dae.apps.few_labels:main",
            "dae-sweep = dae.apps.sweep:main",
            "dae-variations-table = dae.apps.variations_table:main",
            "dae-make-variations = dae.apps.make_variations:main",
            "dae-plot-variations = dae.apps.plot_variations:main",
            "dae-plot-metrics = dae.apps.plot_metrics:main",
        ]
    },
    extras_require={
        "test": [
            "pytest>=8",
            "ruff>=0.6",
            "import-linter>=2.1",
            "jax>=0.4.30",
            "hypothesis>=6.100",
            "matplotlib>=3.7",
            "scikit-image>=0.22",
        ],
        "docs": ["sphinx>=7", "numpydoc>=1.6"],
        "plot": ["matplotlib>=3.7"],
        # scripts/make_variations.py: the photographs behind the image backgrounds.
        "variations": ["scikit-image>=0.22"],
        # scripts/sweep.py: trials on Ray Tune; summary.png.
        "sweep": ["ray[tune]>=2.40", "matplotlib>=3.7"],
        "gpu": ["jax[cuda12]>=0.4.30"],
        "bench": ["torch==2.13.0"],
    },
)
