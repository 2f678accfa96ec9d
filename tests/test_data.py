"""Tests for dae.data: MNIST from IDX files or the classic pickle, download, the sample."""

import contextlib
import functools
import gzip
import hashlib
import http.server
import json
import os
import pickle
import struct
import threading
import tracemalloc

import numpy as np
import pytensor
import pytest
from helpers.idx import idx_bytes

from dae.apps import cli
from dae.data import (
    DataError,
    check_data,
    download_mnist,
    identify,
    load_data,
    load_dataset,
    load_mnist,
    load_sample,
    load_sample_arrays,
    mnist,
    read_idx,
)

NAMES = list(mnist.MD5)
UNREACHABLE = "http://127.0.0.1:1/"  # nothing listens on port 1: refused at once


def values(datasets):
    """The numpy arrays inside load_data's shared variables."""
    return [(x.get_value(borrow=True), y.get_value(borrow=True)) for x, y in datasets]


def assert_same(a, b):
    for (ax, ay), (bx, by) in zip(a, b, strict=True):
        np.testing.assert_array_equal(ax, bx)
        np.testing.assert_array_equal(ay, by)


@contextlib.contextmanager
def serve(directory):
    """Serve `directory` over HTTP on a loopback port; yield its URL."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def mnist_sets(mnist_dir):
    """Full MNIST through load_data, loaded once for the module."""
    return values(load_data(mnist_dir))


# Full MNIST ------------------------------------------------------------------------------


def test_load_data_idx_folder(mnist_dir, mnist_sets):
    (train_x, train_y), (valid_x, valid_y), (test_x, test_y) = mnist_sets
    assert [len(x) for x, _ in mnist_sets] == [50_000, 10_000, 10_000]
    for x, y in mnist_sets:
        assert x.shape[1] == 784
        assert x.dtype == np.float32 and y.dtype == np.int32
        assert x.min() == 0.0 and x.max() == 1.0
        assert set(np.unique(y)) == set(range(10))
    # The classic split: first 50,000 training images train, the last 10,000 validate.
    images = read_idx(mnist_dir / "train-images-idx3-ubyte.gz").reshape(60_000, 784)
    labels = read_idx(mnist_dir / "train-labels-idx1-ubyte.gz")
    np.testing.assert_array_equal(np.rint(train_x * 255), images[:50_000])
    np.testing.assert_array_equal(np.rint(valid_x * 255), images[50_000:])
    np.testing.assert_array_equal(train_y, labels[:50_000])
    np.testing.assert_array_equal(valid_y, labels[50_000:])
    test_images = read_idx(mnist_dir / "t10k-images-idx3-ubyte.gz").reshape(10_000, 784)
    np.testing.assert_array_equal(np.rint(test_x * 255), test_images)
    np.testing.assert_array_equal(test_y, read_idx(mnist_dir / "t10k-labels-idx1-ubyte.gz"))


def test_load_data_plain_idx_wins_over_pickle(mnist_dir, mnist_sets, tmp_path):
    for name in NAMES:
        (tmp_path / name).write_bytes(gzip.decompress((mnist_dir / f"{name}.gz").read_bytes()))
    (tmp_path / "mnist.pkl.gz").write_bytes(b"not read: IDX files come first")
    assert_same(values(load_data(tmp_path)), mnist_sets)


@pytest.mark.slow
def test_load_data_pickle(mnist_sets, tmp_path):
    path = tmp_path / "mnist.pkl.gz"
    # The deeplearning.net format: protocol 2, labels int64.
    classic = tuple((x, y.astype(np.int64)) for x, y in mnist_sets)
    with gzip.open(path, "wb", compresslevel=1) as f:
        pickle.dump(classic, f, protocol=2)
    assert_same(values(load_data(path)), mnist_sets)
    assert_same(values(load_data(tmp_path)), mnist_sets)


# Download ---------------------------------------------------------------------------------


def test_download_then_load(mnist_dir, mnist_sets, tmp_path, monkeypatch):
    folder = tmp_path / "new" / "mnist"  # does not exist yet
    with serve(mnist_dir) as url:
        # An unreachable mirror first: the download must fall through to the next one.
        monkeypatch.setattr(mnist, "MIRRORS", (UNREACHABLE, url))
        sets = values(load_data(folder))
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{n}.gz" for n in NAMES)
    for name in NAMES:
        assert (folder / f"{name}.gz").read_bytes() == (mnist_dir / f"{name}.gz").read_bytes()
    assert_same(sets, mnist_sets)


def test_download_rejects_corrupt_file(mnist_dir, tmp_path):
    name = "t10k-labels-idx1-ubyte"
    for sub in ("missing", "bad", "good"):
        (tmp_path / "mirror" / sub).mkdir(parents=True)
    good = (mnist_dir / f"{name}.gz").read_bytes()
    (tmp_path / "mirror" / "good" / f"{name}.gz").write_bytes(good)
    content = bytearray(gzip.decompress(good))
    content[-1] = (content[-1] + 1) % 10  # still a valid label: only the MD5 can tell
    (tmp_path / "mirror" / "bad" / f"{name}.gz").write_bytes(gzip.compress(bytes(content)))
    # Only one file is missing from the target folder, so only that one is downloaded.
    folder = tmp_path / "mnist"
    folder.mkdir()
    for other in NAMES:
        if other != name:
            (folder / f"{other}.gz").symlink_to(mnist_dir / f"{other}.gz")
    before = sorted(folder.iterdir())

    with serve(tmp_path / "mirror") as url:
        with pytest.raises(DataError, match="MD5") as error:
            download_mnist(folder, [url + "missing/", url + "bad/"], timeout=5)
        assert "404" in str(error.value) and name in str(error.value)
        assert sorted(folder.iterdir()) == before  # no file, no temporary file
        download_mnist(folder, [url + "missing/", url + "bad/", url + "good/"], timeout=5)
    assert (folder / f"{name}.gz").read_bytes() == good
    assert len(list(folder.iterdir())) == 4


def test_download_unreachable(tmp_path, monkeypatch):
    folder = tmp_path / "mnist"
    monkeypatch.setattr(mnist, "MIRRORS", (UNREACHABLE,))
    with pytest.raises(DataError) as error:
        load_data(folder)  # strict: no fallback to the sample
    message = str(error.value)
    assert str(folder) in message and UNREACHABLE.rstrip("/") in message
    assert all(name in message for name in NAMES)
    assert not folder.exists()


# Damaged files (synthetic, no full MNIST needed) ----------------------------------------


def tiny_mnist(folder, n_train=12, n_test=5, gz=False, seed=0):
    """Write four small valid IDX files (28x28 images, labels 0..9) into `folder`."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for part, n in (("train", n_train), ("t10k", n_test)):
        for kind, array in (
            ("images-idx3", rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)),
            ("labels-idx1", rng.integers(0, 10, n, dtype=np.uint8)),
        ):
            content = idx_bytes(array)
            name = f"{part}-{kind}-ubyte"
            if gz:
                (folder / f"{name}.gz").write_bytes(gzip.compress(content))
            else:
                (folder / name).write_bytes(content)
    return folder


def pickle_gz(path, sets, protocol=None):
    """Write `sets` as a gzipped pickle at `path`; return the path."""
    path.write_bytes(gzip.compress(pickle.dumps(sets, protocol=protocol)))
    return path


def tiny_sets(n=3, seed=0):
    """Three (x, y) sets the way deeplearning.net pickled them: x float32, y int64."""
    rng = np.random.default_rng(seed)
    return tuple((rng.random((n, 784), dtype=np.float32), rng.integers(0, 10, n)) for _ in range(3))


def py2_pickle(sets):
    """Pickle (x, y) pairs of arrays as Python 2's cPickle wrote ``mnist.pkl.gz``.

    Protocol 2 with numpy's old module path ``numpy.core.multiarray``, the array
    bytes as a Python 2 str (SHORT_BINSTRING or BINSTRING) and the dtype's
    arguments as the ints 0 and 1.
    """

    def string(s):
        if len(s) < 256:
            return b"U" + bytes([len(s)]) + s
        return b"T" + struct.pack("<i", len(s)) + s

    def array(a):
        a = np.ascontiguousarray(a)
        order, spec = a.dtype.str[0].encode(), a.dtype.str[1:].encode()
        shape = b"(" + b"".join(b"J" + struct.pack("<i", n) for n in a.shape) + b"t"
        dtype = b"cnumpy\ndtype\n" + string(spec) + b"K\x00K\x01\x87R"
        dtype += b"(K\x03" + string(order) + b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb"
        head = b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85"
        head += string(b"b") + b"\x87R"
        return head + b"(K\x01" + shape + dtype + b"\x89" + string(a.tobytes()) + b"tb"

    return b"\x80\x02(" + b"".join(b"(" + array(x) + array(y) + b"t" for x, y in sets) + b"t."


@pytest.fixture
def small_split(monkeypatch):
    """Validate on the last 4 training images, so that tiny files make a split."""
    monkeypatch.setattr(mnist, "N_VALID", 4)


def test_read_idx_roundtrip(tmp_path):
    images = np.arange(3 * 28 * 28).reshape(3, 28, 28).astype(np.uint8)
    (tmp_path / "a").write_bytes(idx_bytes(images))
    (tmp_path / "a.gz").write_bytes(gzip.compress(idx_bytes(images)))
    np.testing.assert_array_equal(read_idx(tmp_path / "a"), images)
    np.testing.assert_array_equal(read_idx(tmp_path / "a.gz"), images)


LABELS = np.arange(100, dtype=np.uint8) % 10
IMAGES = np.arange(3 * 28 * 28).reshape(3, 28, 28).astype(np.uint8)


@pytest.mark.parametrize(
    "array, damage, match",
    [
        (LABELS, lambda b: b"\x12\x34" + b[2:], "bad IDX magic number 0x12340801"),
        (LABELS, lambda b: b[:2] + b"\x09" + b[3:], r"data type 0x09 \(signed byte\)"),
        (LABELS, lambda b: b[:2] + b"\x0d" + b[3:], r"data type 0x0d \(float\)"),
        (LABELS, lambda b: b[:2] + b"\x07" + b[3:], r"data type 0x07 \(not an IDX type\)"),
        (LABELS, lambda b: b[:3] + b"\x02" + b[4:], "of 2 dimensions"),
        (LABELS, lambda b: b[:3] + b"\x00" + b[4:], "of 0 dimensions"),
        (LABELS, lambda b: b[:6], "header truncated: 1 dimensions need 8 bytes, the file has 6"),
        (IMAGES, lambda b: b[:14], "header truncated: 3 dimensions need 16 bytes"),
        (LABELS, lambda b: b[:-1], r"truncated: .*shape \(100,\) \(100 bytes\) .* payload has 99"),
        (LABELS, lambda b: b + b"\x00", r"too long: .*\(100 bytes\) but the payload has more"),
        (LABELS, lambda b: gzip.compress(b + b"\x00" * 10**6), "too long"),
        (IMAGES, lambda b: b[:8] + (27).to_bytes(4, "big") + b[12:], "27x28 pixels"),
        (IMAGES, lambda b: b[:4] + (2**32 - 1).to_bytes(4, "big") + b[8:], "3367254359280 bytes"),
        # Once the product of these sizes wrapped around int64 to 0, the size of this
        # empty payload, and reshape raised a plain ValueError.
        (IMAGES, lambda b: bytes([0, 0, 8, 3, 0, 64, 0, 0, 0, 32, 0, 0, 0, 32, 0, 0]), "pixels"),
        (LABELS, lambda b: gzip.compress(b)[:-20], "EOFError"),
        (LABELS, lambda b: gzip.compress(b)[:-8] + b"\x00" * 8, "BadGzipFile: CRC check failed"),
        (LABELS, lambda b: gzip.compress(b)[:10] + b"\xff" * 20, "corrupt gzip data"),
        (LABELS, lambda b: gzip.compress(b) + b"junk", "BadGzipFile"),
        (LABELS, lambda b: b"", "0 bytes, too short"),
    ],
)
def test_read_idx_errors(tmp_path, array, damage, match):
    path = tmp_path / "t10k-labels-idx1-ubyte"
    path.write_bytes(damage(idx_bytes(array)))
    with pytest.raises(DataError, match=match) as error:
        read_idx(path)
    assert str(path) in str(error.value)


def test_read_idx_refuses_a_stream_longer_than_its_header_unread(tmp_path):
    """A tiny gzip file inflating far past the size its header declares is refused
    having read that size, not all it inflates to."""
    path = tmp_path / "train-images-idx3-ubyte.gz"
    header = idx_bytes(np.zeros((10_000, 28, 28), np.uint8))[:16]  # declares 7.8 MB
    # Gzip members concatenated make one stream: 200 MiB of zeros after the header.
    path.write_bytes(gzip.compress(header) + gzip.compress(bytes(2**20), mtime=0) * 200)
    assert path.stat().st_size < 2**20
    tracemalloc.start()
    try:
        with pytest.raises(DataError, match=r"\(7840000 bytes\)") as error:
            read_idx(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(path) in str(error.value)
    # The declared 7.8 MB and a piece of reading: inflating it all would take 200 MiB.
    assert peak < 16 * 2**20, f"peak memory {peak / 2**20:.0f} MiB"


def test_read_idx_missing_file(tmp_path):
    with pytest.raises(DataError, match="nothing-here"):
        read_idx(tmp_path / "nothing-here")


def test_read_idx_directory(tmp_path):
    with pytest.raises(DataError, match="cannot read .*IsADirectoryError"):
        read_idx(tmp_path)


@pytest.mark.parametrize("gz", [False, True])
def test_load_mnist_tiny(tmp_path, small_split, no_download, gz):
    sets = load_mnist(tiny_mnist(tmp_path, n_train=12, n_test=5, gz=gz))
    assert [x.shape for x, _ in sets] == [(8, 784), (4, 784), (5, 784)]
    for x, y in sets:
        assert x.dtype == np.float32 and y.dtype == np.int32 and y.shape == (len(x),)
        assert 0 <= x.min() and x.max() <= 1 and 0 <= y.min() and y.max() <= 9


def test_load_mnist_no_test_images(tmp_path, small_split):
    # An empty t10k set once crashed in reshape(0, -1) with a plain ValueError.
    (_, _), (_, _), (test_x, test_y) = load_mnist(tiny_mnist(tmp_path, n_test=0))
    assert test_x.shape == (0, 784) and test_y.shape == (0,)


def test_count_mismatch(tmp_path):
    rng = np.random.default_rng(0)
    for part, n_images, n_labels in (("train", 20, 19), ("t10k", 5, 5)):
        images = rng.integers(0, 256, (n_images, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, n_labels, dtype=np.uint8)
        (tmp_path / f"{part}-images-idx3-ubyte").write_bytes(idx_bytes(images))
        (tmp_path / f"{part}-labels-idx1-ubyte.gz").write_bytes(gzip.compress(idx_bytes(labels)))
    with pytest.raises(DataError, match="20 images .* 19 labels"):
        load_mnist(tmp_path)


@pytest.mark.parametrize(
    "name, content, match",
    [
        ("t10k-images-idx3-ubyte", idx_bytes(LABELS[:5]), r"expected images, found labels"),
        ("t10k-labels-idx1-ubyte", idx_bytes(IMAGES), r"expected labels, found images"),
        ("train-labels-idx1-ubyte", idx_bytes(np.full(12, 10)), r"labels must be in 0\.\.9"),
        ("train-images-idx3-ubyte", idx_bytes(IMAGES[:, :, :27]), "27 pixels"),
    ],
)
def test_load_mnist_bad_idx(tmp_path, small_split, no_download, name, content, match):
    tiny_mnist(tmp_path)
    (tmp_path / name).write_bytes(content)
    with pytest.raises(DataError, match=match) as error:
        load_mnist(tmp_path)
    assert name in str(error.value)


def test_too_few_training_images(tmp_path):
    with pytest.raises(DataError, match="only 12 training images, need more than 10000"):
        load_mnist(tiny_mnist(tmp_path))


@pytest.mark.parametrize("keep", [NAMES, NAMES[:2]])
def test_damaged_file_never_downloads(tmp_path, no_download, keep):
    """A damaged file is reported, even with other files missing, and nothing is fetched."""
    tiny_mnist(tmp_path)
    for name in set(NAMES) - set(keep):
        (tmp_path / name).unlink()
    damaged = tmp_path / keep[-1]
    damaged.write_bytes(damaged.read_bytes()[:-1])
    with pytest.raises(DataError, match="payload") as error:
        load_data(tmp_path)
    assert str(damaged) in str(error.value)


def test_damaged_pickle_never_downloads(tmp_path, no_download):
    (tmp_path / "mnist.pkl.gz").write_bytes(gzip.compress(b"\x80\x02N")[:-3])
    with pytest.raises(DataError, match="mnist.pkl.gz: cannot read"):
        load_mnist(tmp_path)


def test_not_a_folder_or_file(tmp_path, no_download):
    fifo = tmp_path / "mnist"
    os.mkfifo(fifo)
    with pytest.raises(DataError, match="neither a folder nor a regular file"):
        load_mnist(fifo)


# Generated sets: four IDX files and manifest.json ------------------------------------------


def generated_set(folder, splits=(6, 3, 5), name="bg-rand", seed=0):
    """Write a small generated set into `folder`, in the format of dae.data.variations:
    four gzipped IDX files of random images and 0/1 labels, and their manifest.

    Returns the manifest and {"train": (images, labels), "t10k": (images, labels)}.
    """
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    n_train, n_valid, n_test = splits
    arrays, md5 = {}, {}
    for part, n in (("train", n_train + n_valid), ("t10k", n_test)):
        arrays[part] = (
            rng.integers(0, 256, (n, 28, 28), dtype=np.uint8),
            rng.integers(0, 2, n, dtype=np.uint8),
        )
        for kind, array in zip(("images-idx3", "labels-idx1"), arrays[part], strict=True):
            content = idx_bytes(array)
            (folder / f"{part}-{kind}-ubyte.gz").write_bytes(gzip.compress(content))
            md5[f"{part}-{kind}-ubyte"] = hashlib.md5(content).hexdigest()
    manifest = {
        "set": name,
        "recipe": "dae.data.variations",
        "version": 1,
        "seed": seed,
        "fraction": 1.0,
        "parameters": {"background": "uniform noise"},
        "splits": dict(zip(("train", "valid", "test"), splits, strict=True)),
        "md5": md5,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return manifest, arrays


def test_generated_set_loads(tmp_path, no_download, capsys):
    folder = tmp_path / "bg-rand"
    _, arrays = generated_set(folder, splits=(6, 3, 5))
    sets, name = load_dataset(folder)
    assert name == identify(folder) == "bg-rand"
    # 9 training examples: MNIST's 10,000 could not validate, the manifest's 3 do.
    assert [len(x) for x, _ in sets] == [6, 3, 5]
    (images, labels), (test_images, test_labels) = arrays["train"], arrays["t10k"]
    expected = (images[:6], labels[:6]), (images[6:], labels[6:]), (test_images, test_labels)
    for (x, y), (ex, ey) in zip(sets, expected, strict=True):
        assert x.dtype == np.float32 and y.dtype == np.int32
        np.testing.assert_array_equal(np.rint(x * 255), ex.reshape(len(ex), 784))
        np.testing.assert_array_equal(y, ey)
    # The scripts name it by its manifest, not as unrecognised IDX files.
    assert cli.load_mnist_or_sample(folder)[1] == "bg-rand"
    data_lines = [line for line in capsys.readouterr().err.splitlines() if "data:" in line]
    assert data_lines == [f"data: bg-rand from {folder}"]


@pytest.mark.parametrize("name", NAMES)
def test_generated_file_changed_after_writing(tmp_path, no_download, name):
    manifest, _ = generated_set(tmp_path)
    path = tmp_path / f"{name}.gz"
    content = bytearray(gzip.decompress(path.read_bytes()))
    content[-1] ^= 1  # one pixel or 0/1 label: still a valid file, only the MD5 can tell
    path.write_bytes(gzip.compress(bytes(content)))
    for load in (load_dataset, identify):
        with pytest.raises(DataError, match="does not match its manifest") as error:
            load(tmp_path)
        message = str(error.value)
        assert message.startswith(f"{path}: ")
        assert hashlib.md5(content).hexdigest() in message and manifest["md5"][name] in message


def changed(key, value=None, within=None):
    """A function writing the manifest with `key` set to `value` (or deleted, for
    None), in its `within` entry if given."""

    def write(manifest):
        part = manifest[within] if within else manifest
        if value is None:
            del part[key]
        else:
            part[key] = value
        return json.dumps(manifest)

    return write


@pytest.mark.parametrize(
    "write, match",
    [
        (lambda m: json.dumps(m)[:-1], r"not JSON \(JSONDecodeError"),
        (lambda m: b"\x80" + json.dumps(m).encode(), r"not JSON \(UnicodeDecodeError"),
        (lambda m: "[" * 100_000 + "]" * 100_000, r"not JSON \(RecursionError"),
        (lambda m: json.dumps([m]), r"a manifest is a JSON object, not \[\{"),
        (changed("splits"), "no 'splits' "),
        (changed("set", "mnist"), "'set' is 'mnist', the name of a data set known by its MD5s"),
        (changed("set", "fashion-mnist"), "'set' is 'fashion-mnist'"),
        (changed("set", "bg rand"), "'set' must be a name of at most 64 lowercase"),
        (changed("set", "BG-RAND"), "'set' must be"),
        (changed("set", 3), "'set' must be"),
        (changed("recipe", ""), "'recipe' must be a non-empty string"),
        (changed("version", 1.5), "'version' must be a positive integer, not 1.5"),
        (changed("seed", -1), "'seed' must be an integer of 0 or more"),
        (changed("fraction", 0), r"'fraction' must be a number in \(0, 1\], not 0"),
        (changed("fraction", float("nan")), "'fraction' must be .*, not NaN"),
        (changed("parameters", []), "'parameters' must be a JSON object"),
        (changed("valid", 0, within="splits"), "'splits' must be a JSON object of positive"),
        (changed("valid", True, within="splits"), "'splits' must be"),
        (changed("valid", "3", within="splits"), "'splits' must be"),
        (changed("valid", within="splits"), "'splits' must be"),
        (changed("extra", 1, within="splits"), "'splits' must be"),
        (changed(NAMES[0], within="md5"), "'md5' must be a JSON object of 32 lowercase hex"),
        (changed(NAMES[0], "ABCDEF" * 5 + "AB", within="md5"), "'md5' must be"),
        (changed(NAMES[0], "0" * 31, within="md5"), "'md5' must be"),
        (changed("parameters", {"pad": "x" * 2**20}), "more than 1048576 bytes, too long"),
    ],
)
def test_bad_manifest(tmp_path, no_download, write, match):
    manifest, _ = generated_set(tmp_path)
    content = write(manifest)
    path = tmp_path / "manifest.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    for load in (load_dataset, identify):
        with pytest.raises(DataError, match=match) as error:
            load(tmp_path)
        assert str(error.value).startswith(f"{path}: ")


@pytest.mark.parametrize("kind", ["broken link", "folder"])
def test_unreadable_manifest_is_refused_not_ignored(tmp_path, no_download, kind):
    generated_set(tmp_path)
    path = tmp_path / "manifest.json"
    path.unlink()
    if kind == "folder":
        path.mkdir()
    else:
        path.symlink_to(tmp_path / "gone.json")
    with pytest.raises(DataError, match="cannot read") as error:
        load_dataset(tmp_path)
    assert str(error.value).startswith(f"{path}: ")


@pytest.mark.parametrize(
    "splits, match",
    [
        ({"train": 5}, "9 training and 5 test examples, but .* train 5 \\+ valid 3, test 5"),
        ({"valid": 4}, "train 6 \\+ valid 4"),
        ({"test": 6}, "test 6"),
    ],
)
def test_generated_split_sizes_must_match_the_manifest(tmp_path, no_download, splits, match):
    manifest, _ = generated_set(tmp_path, splits=(6, 3, 5))
    manifest["splits"].update(splits)
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(DataError, match=match) as error:
        load_dataset(tmp_path)
    assert str(tmp_path / "manifest.json") in str(error.value)


def test_generated_labels_are_checked(tmp_path, no_download):
    manifest, _ = generated_set(tmp_path)
    content = idx_bytes(np.array([0, 1, 10, 1, 0, 1, 0, 1, 0], np.uint8))
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(content))
    manifest["md5"]["train-labels-idx1-ubyte"] = hashlib.md5(content).hexdigest()
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(DataError, match=r"train-labels-idx1-ubyte.gz: labels must be in 0\.\.9"):
        load_dataset(tmp_path)


def test_generated_set_is_never_completed(tmp_path, no_download):
    """A generated set missing a file is an error: no download, no fallback to a pickle."""
    generated_set(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    pickle_gz(tmp_path / "mnist.pkl.gz", tiny_sets())
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte: no such file"):
        load_dataset(tmp_path)  # download=True: the default folder's behaviour


def test_a_manifest_may_not_rename_mnist(mnist_dir, tmp_path):
    for name in NAMES:
        (tmp_path / f"{name}.gz").symlink_to(mnist_dir / f"{name}.gz")
    manifest = {
        "set": "basic",
        "recipe": "dae.data.variations",
        "version": 1,
        "seed": 0,
        "fraction": 1.0,
        "parameters": {},
        "splits": {"train": 50_000, "valid": 10_000, "test": 10_000},
        "md5": mnist.MD5,
    }
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(DataError, match="names the set 'basic', but the four files are mnist's"):
        identify(tmp_path)


# mnist.pkl.gz -----------------------------------------------------------------------------


@pytest.mark.parametrize("protocol", [0, 1, 2, 3, 4, 5])
def test_pickle_protocols(tmp_path, protocol):
    sets = tiny_sets()
    # numpy pickles C-ordered, Fortran-ordered and strided arrays differently.
    x = sets[1][0]
    sets = (sets[0], (np.asfortranarray(x), sets[1][1]), (x[::-1], sets[2][1]))
    loaded = load_mnist(pickle_gz(tmp_path / "mnist.pkl.gz", sets, protocol))
    for (x, y), (lx, ly) in zip(sets, loaded, strict=True):
        assert lx.dtype == np.float32 and ly.dtype == np.int32
        np.testing.assert_array_equal(lx, x)
        np.testing.assert_array_equal(ly, y)


def test_pickle_real_shape(tmp_path):
    """Full-width sets pickled as ((x, y),) * 3, with protocol 2 and the default one."""
    x = np.random.default_rng(1).random((20, 784), dtype=np.float32)
    y = np.arange(20) % 10
    for protocol in (2, None):
        path = tmp_path / "mnist.pkl.gz"
        path.write_bytes(gzip.compress(pickle.dumps(((x, y),) * 3, protocol=protocol)))
        for lx, ly in load_mnist(path):
            np.testing.assert_array_equal(lx, x)
            np.testing.assert_array_equal(ly, y)


def test_pickle_python2(tmp_path):
    sets = ((np.linspace(0, 1, 3 * 784, dtype=np.float32).reshape(3, 784), np.arange(3)),) * 3
    content = py2_pickle(sets)
    # numpy itself reads it back: the hand-made pickle is a faithful Python 2 one.
    for (x, y), (px, py) in zip(sets, pickle.loads(content, encoding="latin1"), strict=True):
        np.testing.assert_array_equal(px, x)
        np.testing.assert_array_equal(py, y)
    path = tmp_path / "mnist.pkl.gz"
    path.write_bytes(gzip.compress(content))
    for (x, y), (lx, ly) in zip(sets, load_mnist(path), strict=True):
        np.testing.assert_array_equal(lx, x)
        np.testing.assert_array_equal(ly, y)


CALLS = []


def record(*args):
    """A function a hostile pickle names: it must never run."""
    CALLS.append(args)


@pytest.mark.parametrize(
    "module, name",
    [
        (__name__, "record"),
        ("os", "system"),
        ("posix", "system"),
        ("builtins", "eval"),
        ("__builtin__", "eval"),
        ("numpy", "load"),
        ("numpy.core.multiarray", "scalar"),
        ("copyreg", "_reconstructor"),
        ("dae.data.pickles", "_PickledArray"),
    ],
)
def test_pickle_hostile_global(tmp_path, module, name):
    path = tmp_path / "mnist.pkl.gz"
    content = b"\x80\x02c" + f"{module}\n{name}\n".encode() + b"X\x04\x00\x00\x00echo\x85R."
    path.write_bytes(gzip.compress(content))
    with pytest.raises(DataError, match=f"{module}.{name} is not allowed") as error:
        load_mnist(path)
    assert str(path) in str(error.value) and not CALLS


def protocol2(sets):
    """Pickle `sets` with protocol 2, as Python 2 wrote the classic file."""
    return pickle.dumps(sets, protocol=2)


@pytest.mark.parametrize(
    "content, match",
    [
        (b"plain bytes", "BadGzipFile"),
        (gzip.compress(b"not a pickle"), "not a readable MNIST pickle"),
        (gzip.compress(protocol2(tiny_sets())[:-30]), "not a readable MNIST pickle"),
        (gzip.compress(protocol2(tiny_sets()) + b"\x00"), "1 bytes after the end"),
        (gzip.compress(protocol2(tiny_sets()[:2])), "expected 3 sets .* found 2"),
        (gzip.compress(protocol2(None)), "expected 3 sets .* found NoneType"),
        (gzip.compress(protocol2(((1, 2),) * 3)), r"pair of numpy arrays \(x, y\)"),
        (gzip.compress(protocol2({"train": 1})), "opcode EMPTY_DICT at byte 2"),
        # Hashing a dict key nested 10**6 deep would crash Python: refused unread.
        (gzip.compress(b"\x80\x02})" + b"\x85" * 10**6 + b"Ns."), "opcode EMPTY_DICT"),
        (gzip.compress(b"\x80\x02)" + b"\x85" * 10**6 + b"."), "more than 1000 opcodes"),
        # CPython's unpickler would fill a 32 GiB memo table for this index.
        (gzip.compress(b"\x80\x02Nr\x00\x00\x00\x80."), "memo index 2147483648"),
        (gzip.compress(b"\x80\x02X\x01\x00\x00\x00\xff."), "UnicodeDecodeError"),
        (gzip.compress(b"S'a\\?'\n."), "invalid escape sequence"),  # a warning is damage too
        (gzip.compress(b"\x80\x02\x95" + b"\xff" * 8 + b"."), "not a readable MNIST pickle"),
        (gzip.compress(protocol2(((np.zeros((2, 3), object), np.zeros(2, int)),) * 3)), "dtype"),
        (gzip.compress(protocol2(((np.zeros((2, 784), "c8"), np.zeros(2, int)),) * 3)), "dtype"),
        # A structured dtype pickles its fields as a dict.
        (gzip.compress(protocol2(((np.zeros(2, [("a", "f4")]), np.zeros(2, int)),) * 3)), "DICT"),
        (
            gzip.compress(protocol2(tiny_sets()).replace(b"M\x10\x03", b"M\x11\x03", 1)),
            r"shape \(3, 785\) and dtype float32 does not fit its 9408 bytes",
        ),
        (
            gzip.compress(protocol2(((np.zeros((2, 784)), np.zeros(3, int)),) * 3)),
            "labels of shape",
        ),
    ],
)
def test_bad_pickle(tmp_path, content, match):
    path = tmp_path / "mnist.pkl.gz"
    path.write_bytes(content)
    with pytest.raises(DataError, match=match) as error:
        load_mnist(path)
    assert str(path) in str(error.value)


def test_pickle_inflating_past_the_cap_is_refused(tmp_path, monkeypatch):
    content = protocol2(tiny_sets())
    path = tmp_path / "mnist.pkl.gz"
    path.write_bytes(gzip.compress(content))
    monkeypatch.setattr(mnist, "PICKLE_MAX_BYTES", len(content))
    load_mnist(path)  # exactly at the cap
    monkeypatch.setattr(mnist, "PICKLE_MAX_BYTES", len(content) - 1)
    with pytest.raises(DataError, match=f"inflates to more than {len(content) - 1} bytes") as error:
        load_mnist(path)
    assert str(path) in str(error.value)
    # A stream of exactly the cap is read to its end, where its CRC is checked.
    monkeypatch.setattr(mnist, "PICKLE_MAX_BYTES", len(content))
    path.write_bytes(gzip.compress(content)[:-8] + b"\x00" * 8)
    with pytest.raises(DataError, match="CRC check failed"):
        load_mnist(path)


def with_set(x=None, y=None):
    """tiny_sets with the train set's x or y replaced."""
    (tx, ty), valid, test = tiny_sets()
    return ((tx if x is None else x, ty if y is None else y), valid, test)


X = np.full((3, 784), 0.5)


@pytest.mark.parametrize(
    "sets, match",
    [
        (with_set(x=np.where(np.eye(3, 784), np.nan, X)), "NaN or infinite values in 3 of 3"),
        (with_set(x=np.where(np.eye(3, 784), np.inf, X)), "NaN or infinite"),
        (with_set(x=np.where(np.eye(3, 784), -np.inf, X)), "NaN or infinite"),
        (with_set(x=np.full((3, 784), 255.0)), r"values must lie in \[0, 1\], found 255 to 255"),
        (with_set(x=X - 1), r"values must lie in \[0, 1\], found -0.5"),
        (with_set(x=np.full((3, 784), 1e300)), r"\[0, 1\]"),  # would overflow float32
        (
            with_set(x=X.reshape(3, 28, 28)),
            r"expected a matrix of examples, got shape \(3, 28, 28\)",
        ),
        (with_set(x=X[:, :783]), "783 values but the model takes n_ins=784"),
        (with_set(y=np.array([0.0, 1.0, 2.0])), "labels must be integers, got float64"),
        (with_set(y=np.array([0, 1, 10])), r"labels must be in 0\.\.9 \(n_outs=10\)"),
        (with_set(y=np.array([0, 1, -1])), r"labels must be in 0\.\.9"),
        # Cast to int32 this label would wrap around to 3.
        (with_set(y=np.array([0, 1, 2**32 + 3])), r"labels must be in 0\.\.9"),
    ],
)
def test_bad_pickled_values(tmp_path, sets, match):
    path = pickle_gz(tmp_path / "mnist.pkl.gz", sets)
    with pytest.raises(DataError, match=match) as error:
        load_mnist(path)
    assert f"{path} (train set)" in str(error.value)


def test_missing_pickle(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        load_mnist(tmp_path / "mnist.pkl.gz")


# check_data -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "x, y, match",
    [
        (
            [[0.5, np.nan], [0.5, 0.5]],
            None,
            r"NaN or infinite values in 1 of 2 rows \(first: row 0\)",
        ),
        (
            [[0.5, 0.5], [np.inf, 0.5]],
            None,
            r"NaN or infinite values in 1 of 2 rows \(first: row 1\)",
        ),
        ([[0.5, -np.inf]], None, "NaN or infinite"),
        ([[0.5, -0.1]], None, r"values must lie in \[0, 1\], found -0.1 to 0.5"),
        ([[0.5, 1.5]], None, r"values must lie in \[0, 1\], found 0.5 to 1.5"),
        ([[0.5, 0.5, 0.5]], None, "examples have 3 values but the model takes n_ins=2"),
        ([0.5, 0.5], None, r"expected a matrix of examples, got shape \(2,\)"),
        ([["a", "b"]], None, "examples must be real numbers, got dtype <U1"),
        ([[0.5, 0.5]], [3], r"labels must be in 0\.\.2 \(n_outs=3\), found 3 to 3"),
        ([[0.5, 0.5]], [-1], r"labels must be in 0\.\.2 \(n_outs=3\), found -1"),
        ([[0.5, 0.5]], [0, 1], r"1 examples but labels of shape \(2,\)"),
        ([[0.5, 0.5]], [[0]], r"1 examples but labels of shape \(1, 1\)"),
        ([[0.5, 0.5]], [0.0], "labels must be integers, got float64"),
    ],
)
def test_check_data_refuses(x, y, match):
    with pytest.raises(DataError, match=f"^the set: {match}"):
        check_data(np.asarray(x), y, n_ins=2, n_outs=3, source="the set")


def test_check_data_accepts():
    x, y = np.array([[0.0, 1.0], [0.25, 0.5]], np.float32), np.array([2, 0], np.int32)
    check_data(x, y, n_ins=2, n_outs=3)
    check_data(pytensor.shared(x), pytensor.shared(y), n_ins=2, n_outs=3)  # shared variables
    check_data(np.zeros((0, 2)), np.zeros(0, int), n_ins=2, n_outs=3)  # an empty set


def test_check_data_unit_interval_false():
    wide = np.array([[-3.0, 7.5], [0.0, 1e6]])
    with pytest.raises(DataError, match=r"\[0, 1\]"):
        check_data(wide)
    check_data(wide, unit_interval=False)  # finite values outside [0, 1] are fine
    with pytest.raises(DataError, match="NaN"):
        check_data(np.array([[-3.0, np.nan]]), unit_interval=False)


# Embedded sample --------------------------------------------------------------------------


def test_load_sample(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the sample must not touch the network")

    monkeypatch.setattr(mnist.urllib.request, "urlopen", no_network)
    sets = values(load_sample())
    assert [x.shape for x, _ in sets] == [(3000, 784), (1000, 784), (1000, 784)]
    for (x, y), per_class in zip(sets, (300, 100, 100), strict=True):
        assert x.dtype == np.float32 and y.dtype == np.int32
        assert 0.0 <= x.min() and x.max() <= 1.0
        assert np.bincount(y, minlength=10).tolist() == [per_class] * 10
        assert 0.05 < x.mean() < 0.3  # mostly dark background, some ink: digits
        assert len(set(y[:50])) >= 5  # shuffled, not sorted by label
    rows = [{row.tobytes() for row in x} for x, _ in sets]
    assert sum(map(len, rows)) == len(set.union(*rows)) == 5000  # disjoint splits


def test_load_sample_arrays_deterministic():
    a, b = load_sample_arrays(), load_sample_arrays()
    assert_same(a, b)
    assert not np.array_equal(a[0][1], load_sample_arrays(seed=7)[0][1])
    assert a[0][0].dtype == np.float32
