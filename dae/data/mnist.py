"""MNIST for the tutorials: the full data set (IDX files or ``mnist.pkl.gz``) and a sample.

``load_data`` gives the classic split as PyTensor shared variables: the first 50,000
training images train, the last 10,000 validate, the 10,000 t10k images test.
``load_sample`` gives 5,000 real MNIST digits shipped inside the package, for
demos and tests that must run without network or data files.

Any four IDX files in MNIST's format load the same way (Fashion-MNIST, for one);
``load_dataset`` and ``identify`` name them by the MD5s of their content: "mnist",
"fashion-mnist", or UNRECOGNISED. Only MNIST is ever downloaded. A generated set
(the Larochelle et al. 2007 variations, say) holds a ``manifest.json`` beside its
files (see `dae.data.manifest`): it is named by the manifest's ``set``, each file's
MD5 must match the manifest's, and its last ``splits["valid"]`` training examples
validate, the split sizes being the manifest's.

Every file is checked before it is used: a missing, truncated, corrupt or hostile
file raises DataError naming the file and what is wrong with it. Reading is bounded:
an IDX file is read no further than one byte past the payload its header declares,
``mnist.pkl.gz`` no further than PICKLE_MAX_BYTES, so a small gzip file that inflates
to gigabytes is refused without filling memory.
"""

import contextlib
import gzip
import hashlib
import http.client
import math
import urllib.request
import zlib
from pathlib import Path

import numpy as np
import pytensor

from dae.checks import DataError, check_data
from dae.data.manifest import MANIFEST, has_manifest, read_manifest
from dae.data.pickles import unpickle_arrays
from dae.files import write_atomic

__all__ = [
    "FASHION_MD5",
    "MD5",
    "DownloadError",
    "download_mnist",
    "identify",
    "load_data",
    "load_dataset",
    "load_mnist",
    "load_sample",
    "load_sample_arrays",
    "read_idx",
    "shared_dataset",
]

#: Published MD5 checksums of the uncompressed IDX files (gzip headers differ between copies).
MD5 = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}
#: The same for Fashion-MNIST (Xiao, Rasul and Vollgraf 2017): 28x28 grey images of
#: clothes in 10 classes, in MNIST's format. Its authors list the MD5s of their .gz
#: files, which a copy gzipped again does not match; these are of the content.
FASHION_MD5 = {
    "train-images-idx3-ubyte": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
    "train-labels-idx1-ubyte": "9018921c3c673c538a1fc5bad174d6f9",
    "t10k-images-idx3-ubyte": "8181f5470baa50b63fa0f6fddb340f0a",
    "t10k-labels-idx1-ubyte": "15d484375f8d13e6eb1aabb0c3f46965",
}
# Data sets recognised by the MD5s of their four files. Other files in MNIST's format
# load as well, named UNRECOGNISED, so that a result is never credited to the wrong set.
KNOWN = {"mnist": MD5, "fashion-mnist": FASHION_MD5}
#: What `identify` and `load_dataset` call IDX files of no known data set.
UNRECOGNISED = "unrecognised IDX files"
#: Base URLs that `download_mnist` tries in turn for each file.
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
PICKLE = "mnist.pkl.gz"
N_VALID = 10_000  # the last 10,000 training images validate
SAMPLE = Path(__file__).with_name("mnist_5k.npz")
SAMPLE_SPLIT = (300, 100, 100)  # train / valid / test digits per class

#: The most ``mnist.pkl.gz`` may inflate to: a gzip stream is refused past it, unread.
PICKLE_MAX_BYTES = 2**30

# What reading a damaged or missing file can raise; all become DataError.
_READ_ERRORS = (OSError, EOFError, zlib.error)
# The data types an IDX file may declare (its third byte); MNIST uses only 0x08.
_IDX_TYPES = {
    0x08: "unsigned byte",
    0x09: "signed byte",
    0x0B: "short",
    0x0C: "int",
    0x0D: "float",
    0x0E: "double",
}
# How much one read asks for: files are read in pieces of at most this many bytes.
_PIECE = 2**20


class DownloadError(DataError):
    """MNIST is not on disk and no mirror could provide it."""


@contextlib.contextmanager
def _opened(path, gzipped=None):
    """Open `path` as a stream of its content, gunzipped if it is a gzip file.

    `gzipped` None sniffs the first bytes rather than trusting the name (an IDX
    file starts with two zero bytes); True requires gzip. A read error in the
    block becomes a DataError naming `path`.
    """
    try:
        with open(path, "rb") as raw:
            if gzipped or (gzipped is None and raw.peek(2)[:2] == b"\x1f\x8b"):
                # GzipFile checks each member's CRC and length when it reaches its end.
                with gzip.GzipFile(fileobj=raw) as stream:
                    yield stream
            else:
                yield raw
    except _READ_ERRORS as e:
        # zlib's exception is called plain "error": say what it means.
        kind = "corrupt gzip data" if isinstance(e, zlib.error) else type(e).__name__
        raise DataError(f"{path}: cannot read ({kind}: {e})") from e


def _read_upto(stream, n):
    """Read `n` bytes from `stream`, fewer only at its end, as a bytearray.

    Read in pieces: memory grows with what the stream holds, never with an `n`
    taken from an untrusted header.
    """
    data = bytearray()
    while len(data) < n:
        piece = stream.read(min(n - len(data), _PIECE))
        if not piece:
            break
        data += piece
    return data


def read_idx(path):
    """Read an IDX file of unsigned bytes (MNIST images or labels), gzipped or not.

    The header is read first; the payload is read only up to one byte past the
    size it declares, so a file or gzip stream that holds more is refused without
    being read to its end, and memory stays within the declared size.

    Returns
    -------
    numpy.ndarray
        uint8 array of shape (n, 28, 28) for images or (n,) for labels.

    Raises
    ------
    DataError
        If the file cannot be read or is not such an IDX file: wrong magic number,
        data type or number of dimensions, images other than 28x28, a payload
        shorter or longer than its header declares, or a gzip stream that is
        damaged or incomplete.

    """
    return _read_idx_md5(Path(path))[0]


def _read_idx_md5(path):
    """Read the IDX file `path` (see `read_idx`); return its array and the MD5 of its
    uncompressed content, from one read."""
    with _opened(path) as stream:
        head = _read_upto(stream, 4)
        if len(head) < 4:
            raise DataError(f"{path}: {len(head)} bytes, too short for an IDX file")
        if head[:2] != b"\0\0":
            raise DataError(
                f"{path}: bad IDX magic number 0x{head.hex()} (an IDX file starts with "
                "two zero bytes: 0x00000801 for MNIST labels, 0x00000803 for images)"
            )
        dtype, ndim = head[2], head[3]
        if dtype != 0x08:
            kind = _IDX_TYPES.get(dtype, "not an IDX type")
            raise DataError(
                f"{path}: IDX data type 0x{dtype:02x} ({kind}); MNIST files hold unsigned "
                "bytes (0x08)"
            )
        if ndim not in (1, 3):
            raise DataError(f"{path}: IDX file of {ndim} dimensions; MNIST labels have 1, images 3")
        dims = _read_upto(stream, 4 * ndim)
        if len(dims) < 4 * ndim:
            raise DataError(
                f"{path}: IDX header truncated: {ndim} dimensions need {4 + 4 * ndim} bytes, "
                f"the file has {4 + len(dims)}"
            )
        shape = tuple(int.from_bytes(dims[4 * i : 4 * i + 4], "big") for i in range(ndim))
        if ndim == 3 and shape[1:] != (28, 28):
            raise DataError(f"{path}: images of {shape[1]}x{shape[2]} pixels; MNIST's are 28x28")
        # Exact integers: numpy's int64 product of header fields can wrap around.
        size = math.prod(shape)
        # One byte more than declared tells a longer file; a payload of exactly the
        # declared size is read to its end, where GzipFile checks the CRC.
        payload = _read_upto(stream, size + 1)
    if len(payload) > size:
        raise DataError(
            f"{path}: too long: header declares shape {shape} ({size} bytes) but the "
            "payload has more; the rest was not read"
        )
    if len(payload) < size:
        raise DataError(
            f"{path}: truncated: header declares shape {shape} ({size} bytes) "
            f"but the payload has {len(payload)} bytes"
        )
    digest = hashlib.md5(head)
    digest.update(dims)
    digest.update(payload)
    return np.frombuffer(payload, np.uint8).reshape(shape), digest.hexdigest()


def _check(x, y, source):
    """Check one MNIST (x, y) set: n x 784 pixels in [0, 1], n labels in 0..9."""
    check_data(x, y, n_ins=784, n_outs=10, source=source)


def _dataset_name(digests):
    """The name in KNOWN whose MD5s are `digests` (file name -> MD5), else UNRECOGNISED."""
    return next((name for name, md5 in KNOWN.items() if md5 == digests), UNRECOGNISED)


def _read_listed(folder, name, manifest):
    """Read the IDX file `name` in `folder`: its path, array and MD5, the MD5 checked
    against `manifest`, the folder's manifest or None."""
    path = _require(folder, name)
    array, digest = _read_idx_md5(path)
    if manifest is not None and digest != manifest["md5"][name]:
        raise DataError(
            f"{path}: does not match its manifest: MD5 {digest} of its content, "
            f"{manifest['md5'][name]} in {folder / MANIFEST}"
        )
    return path, array, digest


def _set_name(folder, manifest, digests):
    """The name of the set in `folder`: its manifest's, else by the MD5s `digests`."""
    known = _dataset_name(digests)
    if manifest is None:
        return known
    if known != UNRECOGNISED:  # a manifest may not rename a known data set
        raise DataError(
            f"{folder / MANIFEST}: names the set {manifest['set']!r}, but the four files "
            f"are {known}'s"
        )
    return manifest["set"]


def identify(folder):
    """Name the data set held by the four IDX files in `folder`.

    A generated set is named by its ``manifest.json`` (see `dae.data.manifest`),
    once each file's MD5 matches the manifest's; other files by their MD5s.
    `load_dataset` names what it loads without reading the files twice; this is
    for a folder that is not to be loaded.

    Parameters
    ----------
    folder : str or Path
        A folder with the four IDX files, gzipped or not, and perhaps a manifest.

    Returns
    -------
    str
        The manifest's ``set`` (``"bg-rand"``, say) for a generated set; else
        ``"mnist"`` or ``"fashion-mnist"`` when all four files are the published
        ones, else `UNRECOGNISED` (``"unrecognised IDX files"``).

    Raises
    ------
    DataError
        If a file is missing, unreadable or not an IDX file of MNIST's format, if
        the manifest is invalid, or if a file does not match it.

    """
    folder = Path(folder)
    manifest = read_manifest(folder)
    # Parsed as well as hashed: only IDX files may be called "unrecognised IDX files".
    digests = {name: _read_listed(folder, name, manifest)[2] for name in MD5}
    return _set_name(folder, manifest, digests)


def _load_idx(folder):
    """Read the four IDX files in `folder`, split off validation and name the set.

    Validation is the last `N_VALID` training examples, or as many as a manifest
    says. Each file is hashed as it is read, so checking it against the manifest
    and naming the data set cost no second read.
    """
    manifest = read_manifest(folder)
    sets, digests = [], {}
    for part in ("train", "t10k"):
        images_name, labels_name = f"{part}-images-idx3-ubyte", f"{part}-labels-idx1-ubyte"
        images, x, digests[images_name] = _read_listed(folder, images_name, manifest)
        labels, y, digests[labels_name] = _read_listed(folder, labels_name, manifest)
        if x.ndim != 3:
            raise DataError(f"{images}: expected images, found labels of shape {x.shape}")
        if y.ndim != 1:
            raise DataError(f"{labels}: expected labels, found images of shape {y.shape}")
        if len(x) != len(y):
            raise DataError(f"{images} has {len(x)} images but {labels} has {len(y)} labels")
        if y.size and y.max() > 9:
            raise DataError(f"{labels}: labels must be in 0..9, found {y.max()}")
        x = x.reshape(len(x), 28 * 28).astype(np.float32)
        x /= 255.0
        y = y.astype(np.int32)
        _check(x, y, images)
        sets.append((x, y))
    (x, y), test = sets
    if manifest is None:
        n_valid = N_VALID
        if len(x) <= n_valid:
            raise DataError(f"{folder}: only {len(x)} training images, need more than {n_valid}")
    else:
        n_train, n_valid, n_test = (manifest["splits"][k] for k in ("train", "valid", "test"))
        if (len(x), len(test[0])) != (n_train + n_valid, n_test):
            raise DataError(
                f"{folder}: {len(x)} training and {len(test[0])} test examples, but "
                f"{folder / MANIFEST} gives the splits train {n_train} + valid {n_valid}, "
                f"test {n_test}"
            )
    split = (x[:-n_valid], y[:-n_valid]), (x[-n_valid:], y[-n_valid:]), test
    return split, _set_name(folder, manifest, digests)


def _unpickled_set(pair, source):
    """Return the arrays of one unpickled (x, y) pair, or raise DataError."""
    if not (
        isinstance(pair, (tuple, list))
        and len(pair) == 2
        and all(isinstance(a, np.ndarray) for a in pair)
    ):
        raise DataError(f"{source}: expected a pair of numpy arrays (x, y)")
    return pair


def _load_pickle(path):
    """Read the deeplearning.net ``mnist.pkl.gz``: a gzipped (train, valid, test) pickle."""
    with _opened(path, gzipped=True) as stream:
        data = _read_upto(stream, PICKLE_MAX_BYTES + 1)
    if len(data) > PICKLE_MAX_BYTES:
        raise DataError(
            f"{path}: inflates to more than {PICKLE_MAX_BYTES} bytes, the most an MNIST "
            "pickle may hold (MNIST's is about 220 MB); the rest was not read"
        )
    try:
        sets = unpickle_arrays(data)
    # A damaged pickle can fail in any way (UnpicklingError, ValueError, struct.error,
    # RecursionError, MemoryError...); none may escape as anything but DataError.
    except Exception as e:
        reason = f"{type(e).__name__}: {e}"
        if len(reason) > 200:
            reason = reason[:200] + "..."
        raise DataError(
            f"{path}: not a readable MNIST pickle of (train, valid, test), "
            f"each (x, y) of numpy arrays ({reason})"
        ) from e
    if not isinstance(sets, (tuple, list)) or len(sets) != 3:
        found = len(sets) if isinstance(sets, (tuple, list)) else type(sets).__name__
        raise DataError(f"{path}: expected 3 sets (train, valid, test), found {found}")
    checked = []
    for pair, name in zip(sets, ("train", "valid", "test"), strict=True):
        source = f"{path} ({name} set)"
        x, y = _unpickled_set(pair, source)
        # Check before converting: float64 pixels could overflow float32, and int64
        # labels could wrap around into 0..9 as int32.
        _check(x, y, source)
        checked.append((np.asarray(x, np.float32), y.astype(np.int32)))
    return tuple(checked)


def _find(folder, name):
    """Return the path of `name` or ``name.gz`` in `folder`, or None."""
    for path in (folder / name, folder / f"{name}.gz"):
        if path.is_file():
            return path
    return None


def _require(folder, name):
    """Return the path of `name` or ``name.gz`` in `folder`, or raise DataError."""
    path = _find(folder, name)
    if path is None:
        raise DataError(f"{folder / name}: no such file (nor {name}.gz)")
    return path


def load_dataset(path, download=True):
    """Load MNIST, or another data set in its format, as numpy arrays, and name it.

    Parameters
    ----------
    path : str or Path
        A folder with the four IDX files (gzipped or not) or ``mnist.pkl.gz``,
        or the path of ``mnist.pkl.gz`` itself. IDX files win when both are there.
        A folder with a ``manifest.json`` is a generated set: its four files are
        checked against the manifest, and validate on its last ``splits["valid"]``
        training examples instead of MNIST's last 10,000.
    download : bool
        Whether to download MNIST's IDX files when `path` holds no data or only
        some of MNIST's files. Without it, such a `path` is an error. Nothing is
        ever downloaded into a folder with a manifest.

    Returns
    -------
    tuple
        ``(sets, name)``: `sets` is ``((train_x, train_y), (valid_x, valid_y),
        (test_x, test_y))``, x float32 of shape (n, 784) in [0, 1], y int32;
        `name` is what `identify` says of the IDX files (the manifest's ``set``
        for a generated set), or ``"mnist"`` for the pickle, a format in which
        only MNIST was published.

    Raises
    ------
    DataError
        If a file is damaged or inconsistent, or a missing one cannot be
        downloaded; for a generated set, if the manifest is invalid or a file's
        MD5 or a split's size differs from it. Only missing files are
        downloaded, and only beside MNIST's own: a damaged file or one of
        another data set is reported, never replaced or completed.

    """
    path = Path(path)
    if path.is_file():
        return _load_pickle(path), "mnist"
    if path.suffix in (".gz", ".pkl"):
        raise DataError(f"{path}: no such file")
    if path.exists() and not path.is_dir():
        raise DataError(f"{path}: neither a folder nor a regular file")
    # A generated set is read as one, never completed by a download or a pickle.
    if has_manifest(path) or all(_find(path, name) for name in MD5):
        return _load_idx(path)
    if (path / PICKLE).is_file():
        return _load_pickle(path / PICKLE), "mnist"
    # Read what is there before downloading the rest: a damaged file is an error to
    # report, never a reason to go to the network.
    present = {name: found for name in MD5 if (found := _find(path, name)) is not None}
    digests = {name: _read_idx_md5(found)[1] for name, found in present.items()}
    if not download:
        if not path.exists():
            raise DataError(f"{path}: no such file or folder")
        if not present:
            raise DataError(
                f"{path}: holds no data: neither the four IDX files ({', '.join(MD5)}, "
                f"gzipped or not) nor {PICKLE}"
            )
        missing = [name for name in MD5 if name not in present]
        raise DataError(
            f"{path}: holds only some of the four IDX files: no {', '.join(missing)} "
            "(plain or as NAME.gz)"
        )
    for name, digest in digests.items():
        if digest != MD5[name]:
            raise DataError(
                f"{present[name]}: not MNIST's file (MD5 {digest} of its content, MNIST's "
                f"is {MD5[name]}): MNIST's missing files are not downloaded beside it"
            )
    download_mnist(path, MIRRORS)  # looked up now, so tests can patch MIRRORS
    return _load_idx(path)


def load_mnist(path, download=True):
    """Load MNIST, or another data set in its format, as numpy arrays.

    `load_dataset` without the name: see it for the parameters and errors.

    Returns
    -------
    tuple
        ``((train_x, train_y), (valid_x, valid_y), (test_x, test_y))``; x float32
        of shape (n, 784) in [0, 1], y int32.

    """
    return load_dataset(path, download)[0]


def download_mnist(folder, mirrors=MIRRORS, timeout=30):
    """Download the IDX files missing from `folder`, checking each by its MD5.

    Each file is fetched from the first of `mirrors` (base URLs) that serves it
    intact, and written atomically as ``NAME.gz``: a failed or mismatching download
    leaves nothing behind. `folder` is created if needed. Raises DataError when
    every mirror fails for a file; `timeout` (seconds) bounds a stalled connection.
    """
    folder = Path(folder)
    missing = [name for name in MD5 if not _find(folder, name)]
    for name in missing:
        errors = []
        for mirror in mirrors:
            url = f"{mirror.rstrip('/')}/{name}.gz"
            try:
                with urllib.request.urlopen(url, timeout=timeout) as response:
                    data = response.read()
                digest = hashlib.md5(gzip.decompress(data)).hexdigest()
            # URLError, HTTPError and timeouts are OSErrors; a cut connection is an HTTPException.
            except (*_READ_ERRORS, http.client.HTTPException, ValueError) as e:
                errors.append(f"{url}: {type(e).__name__}: {e}")
                continue
            if digest != MD5[name]:
                errors.append(f"{url}: MD5 of the uncompressed file is {digest}, not {MD5[name]}")
                continue
            try:
                write_atomic(folder / f"{name}.gz", data)
            except OSError as e:
                raise DataError(f"{folder / name}.gz: cannot write ({e})") from e
            break
        else:
            still = [n for n in MD5 if not _find(folder, n)]
            raise DownloadError(
                f"Could not download MNIST into {folder}: {name}.gz failed from every mirror:"
                + "".join(f"\n  {e}" for e in errors)
                + f"\nMissing from {folder}: {', '.join(still)}.\nWithout network, copy "
                f"these files, named as shown (or gzipped, as NAME.gz), into {folder}."
            )


def shared_dataset(data_xy, borrow=True):
    """Put (x, y) into shared variables: x as float32, y as int32.

    Shared variables let PyTensor keep the whole data set on the device, so a
    minibatch is a slice rather than a copy from host memory.
    """
    data_x, data_y = data_xy
    shared_x = pytensor.shared(np.asarray(data_x, dtype=np.float32), borrow=borrow)
    shared_y = pytensor.shared(np.asarray(data_y, dtype=np.int32), borrow=borrow)
    return shared_x, shared_y


def load_data(path, download=True):
    """Load MNIST (see `load_dataset`) as shared variables, x float32 and y int32.

    Returns ``[(train_x, train_y), (valid_x, valid_y), (test_x, test_y)]``, the
    tutorials' ``datasets``.
    """
    return [shared_dataset(xy) for xy in load_mnist(path, download)]


def load_sample_arrays(seed=1234):
    """Split the embedded 5,000-digit sample into train 3,000 / valid 1,000 / test 1,000.

    The split is stratified (300 / 100 / 100 per class) and fixed by `seed`.
    The sample file is sorted by label, so each split is shuffled: minibatch SGD
    needs mixed classes.

    Returns
    -------
    tuple
        Same structure and dtypes as `load_mnist`.

    """
    with np.load(SAMPLE) as sample:
        x, y = sample["images"], sample["labels"]
    # RandomState's stream is frozen across numpy versions, so the split is too.
    rng = np.random.RandomState(seed)
    bounds = np.cumsum((0, *SAMPLE_SPLIT))
    parts = [[] for _ in SAMPLE_SPLIT]
    for digit in range(10):
        where = rng.permutation(np.flatnonzero(y == digit))
        for part, lo, hi in zip(parts, bounds[:-1], bounds[1:], strict=True):
            part.append(where[lo:hi])
    splits = []
    for part in parts:
        i = rng.permutation(np.concatenate(part))
        splits.append((x[i].astype(np.float32) / 255.0, y[i].astype(np.int32)))
    return tuple(splits)


def load_sample(seed=1234):
    """Load the embedded sample (see `load_sample_arrays`) as shared variables.

    Same structure as `load_data`: real MNIST digits, but too few to reproduce
    the tutorials' results.
    """
    return [shared_dataset(xy) for xy in load_sample_arrays(seed)]
