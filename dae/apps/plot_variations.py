"""Draw examples of the benchmark sets that ``make_variations.py`` wrote: a row per
set, labelled with its name, each image with its class.

    python scripts/make_variations.py --mnist data/mnist --output data/variations
    python scripts/plot_variations.py --data data/variations   # writes variations.png there

The examples are the first training images of each set. Needs matplotlib
(``pip install "dae[plot]"``).
"""

import argparse
import io
from pathlib import Path

from dae import backend
from dae.apps import cli
from dae.apps.cli import positive_int
from dae.checks import DataError
from dae.data.manifest import read_manifest
from dae.data.mnist import read_idx
from dae.files import write_atomic

__all__ = ["main", "plot_variations"]

# The classes of the shape sets; the digit sets' classes are their digits.
CLASSES = {
    "rect": ("wide", "tall"),
    "rect-img": ("wide", "tall"),
    "convex": ("non-convex", "convex"),
}


def main(argv=None):
    """Draw the sets of the command line ``argv`` (None: ``sys.argv``); a folder that
    holds no such set ends it with a one-line message."""
    backend.configure()
    with cli.one_line_errors():
        args = parse_args(argv)
        plot_variations(args.data, args.sets, args.examples, args.output)


def plot_variations(data, sets, examples_per_set, output=None):
    """Draw ``examples_per_set`` examples of each of the ``sets`` in the folder
    ``data`` into the PNG file ``output`` (None: ``data/variations.png``)."""
    cli.require_matplotlib()
    data = Path(data)
    rows = [examples(data / name, name, examples_per_set) for name in sets]
    output = output or data / "variations.png"
    plot(rows, output)
    print(f"wrote {output}")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    cli.add_set_arguments(parser)
    parser.add_argument(
        "--examples", type=positive_int, default=10, help="images per set (default: %(default)s)"
    )
    parser.add_argument("--output", type=Path, help="PNG to write (default: DATA/variations.png)")
    return parser.parse_args(argv)


def examples(folder, name, n):
    """The first ``n`` training images of set ``name`` in ``folder``, and their classes'
    names; a DataError unless the folder's manifest names that set."""
    manifest = read_manifest(folder)
    if manifest is None or manifest["set"] != name:
        raise DataError(f"{folder}: holds no set {name!r} (see make_variations.py)")
    images = read_idx(folder / "train-images-idx3-ubyte.gz")[:n]
    labels = read_idx(folder / "train-labels-idx1-ubyte.gz")[:n]
    names = CLASSES.get(name)
    return name, images, [names[y] if names else str(y) for y in labels]


def plot(rows, path):
    """A grid of the ``rows`` of :func:`examples`, into the PNG file ``path``."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no window
    import matplotlib.pyplot as plt

    n = max(len(images) for _, images, _ in rows)
    fig, axes = plt.subplots(len(rows), n, figsize=(0.9 * n + 1, 1.05 * len(rows)), squeeze=False)
    for ax_row, (name, images, labels) in zip(axes, rows):
        for ax in ax_row:
            ax.set_xticks([])
            ax.set_yticks([])
            ax.axis("off")
        for ax, image, label in zip(ax_row, images, labels):
            ax.axis("on")
            ax.imshow(image, cmap="gray", vmin=0, vmax=255)
            ax.set_title(label, fontsize=7, pad=2)
        ax_row[0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=9)
    fig.tight_layout(pad=0.3, h_pad=0.4, w_pad=0.1)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    write_atomic(path, buffer.getvalue())
