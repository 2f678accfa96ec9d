"""Fuzzing the MNIST loaders: every file either loads or raises DataError.

Hypothesis feeds random bytes, and small valid files damaged in random ways (bytes
flipped, cut, inserted or deleted, header fields rewritten), to ``read_idx``,
``load_mnist`` on a folder of IDX files and ``load_mnist`` on ``mnist.pkl.gz``, and
damaged manifests to ``load_dataset`` on a generated set.
A call must return arrays of the documented shapes and dtypes or raise DataError;
any other exception, a download, or an example running past a few seconds fails.
The seed files are synthetic: random pixels and labels, no MNIST.
"""

import copy
import gzip
import hashlib
import json
import math
import pickle
import pickletools
import tempfile
from pathlib import Path

import numpy as np
import pytest
from helpers.fuzzing import FUZZ, damaged, loaded_or_refused
from helpers.idx import idx_bytes
from hypothesis import given
from hypothesis import strategies as st

from dae.data import load_dataset, load_mnist, mnist, read_idx


@pytest.fixture(scope="module", autouse=True)
def tiny_split_no_download():
    """Validate on 4 images, so tiny files load; fail at any attempt to download."""

    def download(*args, **kwargs):
        pytest.fail("load_mnist tried to download", pytrace=False)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(mnist, "N_VALID", 4)
        patch.setattr(mnist, "download_mnist", download)
        yield


# Seed files -------------------------------------------------------------------------------


RNG = np.random.default_rng(0)
FILES = {
    "train-images-idx3-ubyte": idx_bytes(RNG.integers(0, 256, (12, 28, 28), dtype=np.uint8)),
    "train-labels-idx1-ubyte": idx_bytes(RNG.integers(0, 10, 12, dtype=np.uint8)),
    "t10k-images-idx3-ubyte": idx_bytes(RNG.integers(0, 256, (5, 28, 28), dtype=np.uint8)),
    "t10k-labels-idx1-ubyte": idx_bytes(RNG.integers(0, 10, 5, dtype=np.uint8)),
}
# The seed files as a generated set: the manifest that matches them.
MANIFEST = {
    "set": "bg-rand",
    "recipe": "dae.data.variations",
    "version": 1,
    "seed": 0,
    "fraction": 1.0,
    "parameters": {"background": "uniform noise"},
    "splits": {"train": 8, "valid": 4, "test": 5},
    "md5": {name: hashlib.md5(content).hexdigest() for name, content in FILES.items()},
}
IDX_HEADER = range(16)  # magic number and up to three sizes
SETS = tuple((RNG.random((2, 784), dtype=np.float32), RNG.integers(0, 10, 2)) for _ in range(3))
PICKLES = [
    pickle.dumps(SETS, protocol=2),
    pickle.dumps(SETS),
    pickle.dumps(((SETS[0][0].astype(np.float64), SETS[0][1]),) * 3, protocol=0),
]


def structure(content):
    """Where a pickle's opcodes and their first argument bytes lie (not its array data)."""
    return sorted({p for _, _, pos in pickletools.genops(content) for p in (pos, pos + 1)})


STRUCTURES = [structure(p) for p in PICKLES]


# Edits ------------------------------------------------------------------------------------


@st.composite
def resized(draw, content):
    """IDX `content` with one size in its header changed and the payload cut or padded to fit."""
    ndim = content[3]
    sizes = [int.from_bytes(content[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    sizes[draw(st.integers(0, ndim - 1))] = draw(st.integers(0, 30))
    size = math.prod(sizes)
    payload = content[4 + 4 * ndim :][:size].ljust(size, b"\0")
    return content[:4] + b"".join(n.to_bytes(4, "big") for n in sizes) + payload


@st.composite
def damaged_idx(draw, name):
    """The IDX file `name`, damaged before or after gzip, as (file name, content)."""
    content = FILES[name]
    how = draw(st.sampled_from(["plain", "then gzip", "gzip then", "resized"]))
    if how == "resized":  # a header that agrees with its payload, but sizes MNIST lacks
        return name, draw(resized(content))
    if how == "gzip then":  # damage the compressed stream itself
        return f"{name}.gz", draw(damaged(gzip.compress(content, mtime=0), hot=range(20)))
    content = draw(damaged(content, hot=IDX_HEADER, fields=(0, 4, 8, 12)))
    if how == "then gzip":
        return f"{name}.gz", gzip.compress(content, mtime=0)
    return name, content


@st.composite
def damaged_pickle(draw):
    """A small mnist.pkl.gz, damaged before or after gzip."""
    i = draw(st.integers(0, len(PICKLES) - 1))
    if draw(st.booleans()):
        return draw(damaged(gzip.compress(PICKLES[i], mtime=0), hot=range(20)))
    return gzip.compress(draw(damaged(PICKLES[i], hot=STRUCTURES[i])), mtime=0)


# Any JSON value, for a manifest's entries.
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)


@st.composite
def damaged_manifest(draw):
    """The seed set's manifest with an entry replaced, added or deleted, or its bytes damaged."""
    manifest = copy.deepcopy(MANIFEST)
    if draw(st.booleans()):
        return draw(damaged(json.dumps(manifest).encode()))
    part = draw(st.sampled_from([manifest, manifest["splits"], manifest["md5"]]))
    key = draw(st.sampled_from(sorted(part)) | st.text(max_size=8))
    if draw(st.booleans()):
        part.pop(key, None)
    else:
        part[key] = draw(JSON)
    return json.dumps(manifest).encode()


# Pieces of pickles to assemble hostile ones from. Globals, allowed and refused:
GLOBALS = [
    b"cnumpy\ndtype\n",
    b"cnumpy\nndarray\n",
    b"cnumpy._core.multiarray\n_reconstruct\n",
    b"cnumpy.core.numeric\n_frombuffer\n",
    b"c_codecs\nencode\n",
    b"cbuiltins\nbytes\n",
    b"cbuiltins\neval\n",
    b"cos\nsystem\n",
    b"cnumpy\nload\n",
    b"ccopyreg\n_reconstructor\n",
    f"c{__name__}\nforbidden\n".encode(),
]
# ...values the stand-ins take as arguments, good and bad (each pushes one value)...
VALUES = [
    b"N",
    b"\x88",
    b"\x89",
    b"K\x00",
    b"K\x01",
    b"K\x03",
    b"J\xff\xff\xff\xff",
    b"M\x10\x03",
    b"\x8a\x09" + (2**64).to_bytes(9, "little"),
    b"U\x01<",
    b"U\x01|",
    b"U\x02f4",
    b"U\x02i8",
    b"U\x02O8",
    b"U\x02c8",
    b"U\x01b",
    b"U\x01C",
    b"U\x01F",
    b"X\x06\x00\x00\x00latin1",
    b"X\x03\x00\x00\x00hex",
    b"X\x02\x00\x00\x00\xc4\x80",
    b"C\x00",
    b"C\x04\x00\x00\x80?",
    b"C\x08\x03\x00\x00\x00\x00\x00\x00\x00",
    b"B\x40\x0c\x00\x00" + b"\x00" * 3136,
    b"\x96\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80?",
    b"(K\x01M\x10\x03t",
    b"(K\x00M\x10\x03t",
    b"K\x01\x85",
    b"(J\xff\xff\xff\xffM\x10\x03t",
    b"(\x8a\x08\x00\x00\x00\x00\x00\x00\x00\x40\x8a\x08\x00\x00\x00\x00\x00\x00\x00\x40t",
    b"(K\x03U\x01<NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00t",
    b")",
    b"]",
    b"h\x00",
]
# ...and opcodes that build, reuse or drop values, refused ones among them.
OPCODES = [
    b"(",
    b"t",
    b"\x85",
    b"\x86",
    b"\x87",
    b"a",
    b"e",
    b"l",
    b"R",
    b"b",
    b"\x94",
    b"q\x00",
    b"r\x00\x00\x00\x10",
    b"j\x01\x00\x00\x00",
    b"0",
    b"1",
    b"2",
    b"}",
    b"s",
    b"\x8f",
    b"\x91",
    b"\x81",
    b"\x92",
    b"P0\n",
    b"\x82\x01",
    b"G?\xe0\x00\x00\x00\x00\x00\x00",
]


def call(args):
    """A pickled call: a global applied to `args`, perhaps given a state by BUILD."""

    def assemble(function, arguments, state):
        built = function + b"(" + b"".join(arguments) + b"tR"
        return built if state is None else built + b"(" + b"".join(state) + b"tb"

    return st.builds(
        assemble,
        st.sampled_from(GLOBALS),
        st.lists(args, min_size=1, max_size=4),
        st.none() | st.lists(args, min_size=1, max_size=5),
    )


# A value: a piece above, a call, or a tuple of values.
VALUE = st.recursive(
    st.sampled_from(VALUES),
    lambda inner: (
        call(inner) | st.lists(inner, max_size=4).map(lambda v: b"(" + b"".join(v) + b"t")
    ),
    max_leaves=12,
)
# Hostile pickles shaped like mnist.pkl.gz: a tuple of (x, y) pairs of values.
HOSTILE = st.lists(st.tuples(VALUE, VALUE), max_size=4).map(
    lambda pairs: b"\x80\x02(" + b"".join(b"(" + x + y + b"t" for x, y in pairs) + b"t."
)
# Opcode soup: any piece in any order.
SOUP = st.lists(st.sampled_from(GLOBALS + VALUES + OPCODES), max_size=40).map(
    lambda pieces: b"\x80\x04" + b"".join(pieces) + b"."
)
CALLS = []


def forbidden(*args):
    """A function the hostile pickles name: if it ever runs, the test fails."""
    CALLS.append(args)


def check_sets(sets):
    """What load_mnist promises: three (x, y), x float32 (n, 784) in [0, 1], y int32 0..9."""
    assert len(sets) == 3
    for x, y in sets:
        assert x.dtype == np.float32 and x.ndim == 2 and x.shape[1] == 784
        assert y.dtype == np.int32 and y.shape == (len(x),)
        assert np.isfinite(x).all()
        if len(x):
            assert 0 <= x.min() and x.max() <= 1 and 0 <= y.min() and y.max() <= 9


def load_pickle_bytes(content):
    """load_mnist on `content` written as mnist.pkl.gz; None when it raises DataError."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mnist.pkl.gz"
        path.write_bytes(content)
        return loaded_or_refused(load_mnist, path)


def load_folder(name, content):
    """load_mnist on a folder of three seed files and `content` as `name`."""
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        for seed, seed_content in FILES.items():
            if not name.startswith(seed):
                (folder / seed).write_bytes(seed_content)
        (folder / name).write_bytes(content)
        return loaded_or_refused(load_mnist, folder)


# read_idx ---------------------------------------------------------------------------------


def read_idx_bytes(content):
    """read_idx on `content`; check what it returns. None when it raises DataError."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t10k-images-idx3-ubyte"
        path.write_bytes(content)
        array = loaded_or_refused(read_idx, path)
    if array is None:
        return None
    assert array.dtype == np.uint8
    assert array.ndim == 1 or (array.ndim == 3 and array.shape[1:] == (28, 28))
    return array


@FUZZ
@given(st.one_of(st.binary(max_size=64), st.binary(max_size=64).map(gzip.compress)))
def test_read_idx_random_bytes(content):
    read_idx_bytes(content)


@FUZZ
@given(st.sampled_from(sorted(FILES)).flatmap(damaged_idx))
def test_read_idx_damaged(named):
    read_idx_bytes(named[1])


# load_mnist on a folder of IDX files ------------------------------------------------------


@FUZZ
@given(st.sampled_from(sorted(FILES)), st.binary(max_size=64))
def test_load_folder_random_file(name, content):
    sets = load_folder(name, content)
    if sets is not None:
        check_sets(sets)


@FUZZ
@given(st.sampled_from(sorted(FILES)).flatmap(damaged_idx))
def test_load_folder_damaged_file(named):
    sets = load_folder(*named)
    if sets is not None:
        check_sets(sets)
        assert [len(x) for x, _ in sets] == [8, 4, 5]


# load_dataset on a generated set ----------------------------------------------------------


def load_generated(manifest):
    """load_dataset on a folder of the seed files and `manifest` as manifest.json."""
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        for name, content in FILES.items():
            (folder / name).write_bytes(content)
        (folder / "manifest.json").write_bytes(manifest)
        return loaded_or_refused(load_dataset, folder)


@FUZZ
@given(damaged_manifest())
def test_load_generated_set_damaged_manifest(manifest):
    loaded = load_generated(manifest)
    if loaded is not None:
        sets, name = loaded
        check_sets(sets)
        assert [len(x) for x, _ in sets] == [8, 4, 5]
        assert isinstance(name, str) and name not in ("mnist", "fashion-mnist")


# load_mnist on mnist.pkl.gz ---------------------------------------------------------------


@FUZZ
@given(st.one_of(st.binary(max_size=256), st.binary(max_size=256).map(gzip.compress)))
def test_pickle_random_bytes(content):
    sets = load_pickle_bytes(content)
    if sets is not None:
        check_sets(sets)


@FUZZ
@given(damaged_pickle())
def test_pickle_damaged(content):
    sets = load_pickle_bytes(content)
    if sets is not None:
        check_sets(sets)


@FUZZ
@given(st.one_of(HOSTILE, SOUP))
def test_pickle_hostile(content):
    CALLS.clear()
    sets = load_pickle_bytes(gzip.compress(content))
    assert not CALLS, "a pickle ran a function it named"
    if sets is not None:
        check_sets(sets)


def test_seeds_load():
    """The undamaged seeds load: the fuzzing starts from valid files."""
    for name, content in FILES.items():
        assert read_idx_bytes(content) is not None
        check_sets(load_folder(name, content))
        check_sets(load_folder(f"{name}.gz", gzip.compress(content)))
    for content in PICKLES:
        check_sets(load_pickle_bytes(gzip.compress(content)))
    sets, name = load_generated(json.dumps(MANIFEST).encode())
    check_sets(sets)
    assert name == "bg-rand" and [len(x) for x, _ in sets] == [8, 4, 5]
