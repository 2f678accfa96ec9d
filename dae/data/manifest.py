"""The manifest of a generated data set: ``manifest.json`` beside its four IDX files.

A data set generated in MNIST's format (the Larochelle et al. 2007 variations that
``dae.data.variations`` writes) says in its manifest what it is and how it was made::

    {"set": "bg-rand", "recipe": "dae.data.variations", "version": 1, "seed": 0,
     "fraction": 1.0, "parameters": {...},
     "splits": {"train": 10000, "valid": 2000, "test": 50000},
     "md5": {"train-images-idx3-ubyte": "<hex>", ...}}

``md5`` holds the MD5 of each file's uncompressed content; ``splits`` the size of each
split, validation being the last ``valid`` examples of the training files. The loader
(`dae.data.mnist`) names the set by ``set`` and checks the files against ``md5`` and
``splits``; `read_manifest` checks the manifest itself.
"""

import json
import math
import re
from pathlib import Path

from dae.checks import DataError

__all__ = ["MANIFEST", "check_manifest", "has_manifest", "read_manifest"]

#: The manifest's file name in a generated set's folder.
MANIFEST = "manifest.json"
#: The most bytes a manifest may hold; a longer file is refused unread.
MAX_BYTES = 2**20
#: The IDX files a manifest lists, by their names without ``.gz``.
FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
SPLITS = ("train", "valid", "test")
# The keys a manifest must have, with what each must hold; other keys are allowed.
KEYS = {
    "set": "a name of at most 64 lowercase letters and digits in words joined by dashes",
    "recipe": "a non-empty string",
    "version": "a positive integer",
    "seed": "an integer of 0 or more",
    "fraction": "a number in (0, 1]",
    "parameters": "a JSON object",
    "splits": f"a JSON object of positive integers, keys {', '.join(SPLITS)}",
    "md5": f"a JSON object of 32 lowercase hex digits, keys {', '.join(FILES)}",
}
# A set name goes into output lines, metrics and folder names: lowercase words and dashes.
_NAME = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
# The names dae gives MNIST and Fashion-MNIST (known by their MD5s) and its embedded
# sample: a generated set must never be credited as one of them.
RESERVED = ("mnist", "fashion-mnist", "mnist-5k-sample")


def has_manifest(folder):
    """Whether `folder` holds a ``manifest.json``, even a broken link: such a folder
    is a generated set, to be read as one or refused, never loaded as plain files."""
    path = Path(folder) / MANIFEST
    return path.exists() or path.is_symlink()


def read_manifest(folder):
    """Read and check the manifest of the generated set in `folder`.

    Parameters
    ----------
    folder : str or Path
        A folder that may hold ``manifest.json``.

    Returns
    -------
    dict or None
        The manifest, checked by `check_manifest`; None when `folder` has none.

    Raises
    ------
    DataError
        Naming ``manifest.json``, if it cannot be read, is longer than MAX_BYTES,
        is not JSON or is not a valid manifest.

    """
    if not has_manifest(folder):
        return None
    path = Path(folder) / MANIFEST
    try:
        with open(path, "rb") as f:
            text = f.read(MAX_BYTES + 1)
    except OSError as e:
        raise DataError(f"{path}: cannot read ({type(e).__name__}: {e})") from e
    if len(text) > MAX_BYTES:
        raise DataError(f"{path}: more than {MAX_BYTES} bytes, too long for a manifest")
    try:
        manifest = json.loads(text)
    # JSONDecodeError and UnicodeDecodeError are ValueErrors; deep nesting recurses.
    except (ValueError, RecursionError) as e:
        raise DataError(f"{path}: not JSON ({type(e).__name__}: {e})") from e
    check_manifest(manifest, path)
    return manifest


def check_manifest(manifest, source=MANIFEST):
    """Raise DataError naming `source` unless `manifest` is a valid manifest (a dict
    with the keys and values the module docstring shows)."""
    problem = _problem(manifest)
    if problem is not None:
        raise DataError(f"{source}: {problem}")


def _problem(manifest):
    """What is wrong with `manifest`, or None."""
    if not isinstance(manifest, dict):
        return f"a manifest is a JSON object, not {_shown(manifest)}"
    missing = [key for key in KEYS if key not in manifest]
    if missing:
        return f"no {', '.join(repr(key) for key in missing)} (a manifest has {', '.join(KEYS)})"
    if manifest["set"] in RESERVED:
        return (
            f"'set' is {manifest['set']!r}, the name of a data set known by its MD5s "
            "(or of the embedded sample), not of a generated one"
        )
    for key, valid in _VALID.items():
        if not valid(manifest[key]):
            return f"{key!r} must be {KEYS[key]}, not {_shown(manifest[key])}"
    return None


def _is_int(value):
    """Whether `value` is a JSON integer (bool, a subclass of int, is not)."""
    return type(value) is int


def _is_number(value):
    return type(value) in (int, float) and math.isfinite(value)


def _is_md5(value):
    return isinstance(value, str) and re.fullmatch(r"[0-9a-f]{32}", value) is not None


def _keyed(value, keys, valid):
    """Whether `value` is a dict of exactly `keys`, each value `valid`."""
    return (
        isinstance(value, dict)
        and sorted(value) == sorted(keys)
        and all(map(valid, value.values()))
    )


# How each of KEYS is checked.
_VALID = {
    "set": lambda v: isinstance(v, str) and len(v) <= 64 and _NAME.fullmatch(v) is not None,
    "recipe": lambda v: isinstance(v, str) and v != "",
    "version": lambda v: _is_int(v) and v > 0,
    "seed": lambda v: _is_int(v) and v >= 0,
    "fraction": lambda v: _is_number(v) and 0 < v <= 1,
    "parameters": lambda v: isinstance(v, dict),
    "splits": lambda v: _keyed(v, SPLITS, lambda n: _is_int(n) and n > 0),
    "md5": lambda v: _keyed(v, FILES, _is_md5),
}


def _shown(value):
    """`value` as JSON, cut short for an error message."""
    text = json.dumps(value)
    return text if len(text) <= 80 else text[:77] + "..."
