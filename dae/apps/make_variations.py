"""Write the benchmark sets of Larochelle et al. (2007), regenerated from their recipes.

    python scripts/make_variations.py --mnist ../shared/mnist --output data/variations

Each set becomes a folder, OUTPUT/<set> (basic, rot, bg-rand, bg-img, rot-bg-img,
rect, rect-img, convex), that ``--data`` of every training script reads: MNIST's
four IDX file names and a manifest (recipe version and parameters, seed, split
sizes, MD5s). A folder already written with the same recipe, seed and fraction is
kept; one written otherwise is an error. The recipes and the choices they leave
open are in :mod:`dae.data.variations`.
"""

import argparse
import inspect
import json
import sys
import time
from pathlib import Path

from tqdm import tqdm

from dae import backend
from dae.apps import cli
from dae.checks import DataError
from dae.data import variations
from dae.data.manifest import read_manifest

__all__ = ["main", "make_variations"]


def main(argv=None):
    """Write the sets of the command line ``argv`` (None: ``sys.argv``); bad data or
    a folder that holds something else ends it with a one-line message."""
    backend.configure()
    with cli.one_line_errors():
        make_variations(**vars(parse_args(argv)))


def make_variations(*, output, sets, seed, fraction, mnist, images, combine, quiet):
    """Write each of the ``sets`` to its folder in ``output``, drawn with ``seed``,
    each split scaled by ``fraction``; the digits from the MNIST folder ``mnist``
    (None: the sample), the backgrounds from the photographs in ``images`` (None:
    scikit-image's), a background shown as ``combine`` says. A folder written before
    with the same recipe is kept."""
    output = Path(output)
    needs_digits = [s for s in sets if s not in ("rect", "rect-img", "convex")]
    needs_images = [s for s in sets if s.endswith("img")]
    digits, digits_name = variations.mnist_digits(mnist) if needs_digits else (None, None)
    if needs_digits and digits_name != "mnist":
        print(f"digits: {digits_name}, not full MNIST: fine for tests only", file=sys.stderr)
    photographs = variations.load_images(images) if needs_images else None
    start = time.perf_counter()
    for name in tqdm(sets, desc="sets", unit="set", disable=quiet or None):
        folder = output / name
        parameters = recipe(name, combine, images, digits_name)
        if folder.exists() and same_recipe(folder, name, seed, fraction, parameters):
            tqdm.write(f"{folder}: already written with this recipe, seed and fraction")
            continue
        began = time.perf_counter()
        splits, _ = variations.make_set(
            name, seed, fraction, digits, photographs, combine_how=combine
        )
        manifest = variations.write_set(folder, name, splits, seed, fraction, parameters)
        sizes = " / ".join(f"{n:,}" for n in manifest["splits"].values())
        tqdm.write(f"{folder}: {sizes} ({time.perf_counter() - began:.1f} s)")
    print(f"{len(sets)} sets in {output} ({time.perf_counter() - start:.0f} s)")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--output", type=Path, default=cli.VARIATIONS, help="(default: %(default)s)"
    )
    cli.add_set_arguments(parser, data=False)
    parser.add_argument("--seed", type=non_negative_int, default=0, help="(default: %(default)s)")
    parser.add_argument(
        "--fraction",
        type=fraction,
        default=1.0,
        help="scale every split by F in (0, 1], for tests (default: %(default)s)",
    )
    parser.add_argument(
        "--mnist",
        type=Path,
        default=Path("data/mnist"),
        help="folder of MNIST's four IDX files, whose 70,000 digits the digit sets draw "
        "from, or 'sample' for the 5,000 shipped with dae (default: %(default)s)",
    )
    parser.add_argument(
        "--images",
        type=Path,
        default=None,
        help="folder of PNG or JPEG photographs for the image backgrounds (default: "
        "the 20 in scikit-image's wheel)",
    )
    parser.add_argument(
        "--combine",
        choices=["replace", "max"],
        default="replace",
        help="a background shows where the digit has no ink, or is the brighter of the "
        "two (default: %(default)s)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if str(args.mnist) == "sample":
        args.mnist = None
    return args


def non_negative_int(text):
    """argparse type: an integer of 0 or more."""
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def fraction(text):
    """argparse type: a number in (0, 1]."""
    value = float(text)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"must be in (0, 1], got {text}")
    return value


def recipe(name, combine, images, digits_name):
    """The parameters that decide set ``name``, for its manifest: the generator's
    defaults, ``combine``, the digits' data set and the folder of ``images``."""
    defaults = {
        key: p.default
        for key, p in inspect.signature(variations.generate).parameters.items()
        if p.default is not inspect.Parameter.empty and key not in ("mnist", "images")
    }
    parameters = {**defaults, "combine_how": combine}
    if name not in ("rect", "rect-img", "convex"):
        parameters["digits"] = digits_name
    if name.endswith("img"):
        parameters["images"] = list(variations.DEFAULT_IMAGES) if images is None else str(images)
    return json.loads(json.dumps(parameters))  # tuples as JSON gives them back: lists


def same_recipe(folder, name, seed, fraction, parameters):
    """Whether ``folder`` holds set ``name`` written with ``seed``, ``fraction`` and
    ``parameters``; a DataError if it holds something else, which is never
    overwritten."""
    manifest = read_manifest(folder)
    if manifest is None:
        raise DataError(f"{folder}: exists but holds no manifest; remove it to write set {name!r}")
    asked = {
        "set": name,
        "version": variations.VERSION,
        "seed": seed,
        "fraction": fraction,
        "parameters": parameters,
    }
    found = {key: manifest.get(key) for key in asked}
    if found != asked:
        differ = ", ".join(k for k in asked if found[k] != asked[k])
        raise DataError(
            f"{folder}: holds a set written with another {differ}; remove it to write again"
        )
    return True
