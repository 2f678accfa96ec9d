"""Tests for dae.data: MNIST from IDX files or the classic pickle, download, the sample."""

import contextlib
import functools
import gzip
import http.server
import pickle
import threading

import numpy as np
import pytensor
import pytest

from dae.data import (
    DataError,
    download_mnist,
    load_data,
    load_mnist,
    load_sample,
    load_sample_arrays,
    mnist,
    read_idx,
)

NAMES = list(mnist.MD5)
UNREACHABLE = "http://127.0.0.1:1/"  # nothing listens on port 1: refused at once


def idx_bytes(array):
    """Encode a uint8 array as an IDX file."""
    header = bytes([0, 0, 8, array.ndim]) + b"".join(n.to_bytes(4, "big") for n in array.shape)
    return header + np.asarray(array, np.uint8).tobytes()


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
        assert x.dtype == pytensor.config.floatX and y.dtype == np.int32
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


def test_read_idx_roundtrip(tmp_path):
    images = np.arange(3 * 28 * 28).reshape(3, 28, 28).astype(np.uint8)
    (tmp_path / "a").write_bytes(idx_bytes(images))
    (tmp_path / "a.gz").write_bytes(gzip.compress(idx_bytes(images)))
    np.testing.assert_array_equal(read_idx(tmp_path / "a"), images)
    np.testing.assert_array_equal(read_idx(tmp_path / "a.gz"), images)


@pytest.mark.parametrize(
    "damage, match",
    [
        (lambda b: b[:2] + b"\x09" + b[3:], "magic"),  # dtype byte 0x09: not unsigned bytes
        (lambda b: b[:-1], "payload"),
        (lambda b: b + b"\x00", "payload"),
        (lambda b: b[:6], "header"),
        (lambda b: gzip.compress(b)[:-20], "EOFError"),  # truncated gzip
        (lambda b: gzip.compress(b)[:-8] + b"\x00" * 8, "BadGzipFile"),  # bad CRC
        (lambda b: b"", "too short"),
    ],
)
def test_read_idx_errors(tmp_path, damage, match):
    path = tmp_path / "t10k-labels-idx1-ubyte"
    path.write_bytes(damage(idx_bytes(np.arange(100, dtype=np.uint8) % 10)))
    with pytest.raises(DataError, match=match) as error:
        read_idx(path)
    assert str(path) in str(error.value)


def test_read_idx_missing_file(tmp_path):
    with pytest.raises(DataError, match="nothing-here"):
        read_idx(tmp_path / "nothing-here")


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
    "content, match",
    [
        (b"plain bytes", "BadGzipFile"),
        (gzip.compress(b"not a pickle"), "pickle"),
        (gzip.compress(pickle.dumps(((np.zeros((2, 784)), np.zeros(2)),) * 2)), "3 sets"),
        (gzip.compress(pickle.dumps(((np.full((2, 784), 255.0), np.zeros(2)),) * 3)), r"\[0, 1\]"),
        (gzip.compress(pickle.dumps(((np.zeros((2, 784)), np.zeros(3)),) * 3)), "labels of shape"),
    ],
)
def test_bad_pickle(tmp_path, content, match):
    path = tmp_path / "mnist.pkl.gz"
    path.write_bytes(content)
    with pytest.raises(DataError, match=match) as error:
        load_mnist(path)
    assert str(path) in str(error.value)


def test_missing_pickle(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        load_mnist(tmp_path / "mnist.pkl.gz")


# Embedded sample --------------------------------------------------------------------------


def test_load_sample(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the sample must not touch the network")

    monkeypatch.setattr(mnist.urllib.request, "urlopen", no_network)
    sets = values(load_sample())
    assert [x.shape for x, _ in sets] == [(3000, 784), (1000, 784), (1000, 784)]
    for (x, y), per_class in zip(sets, (300, 100, 100), strict=True):
        assert x.dtype == pytensor.config.floatX and y.dtype == np.int32
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
