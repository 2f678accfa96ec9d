"""Writing results: every file appears whole or not at all."""

import io
import json
import os
import tempfile
from pathlib import Path

import numpy as np

from dae.checks import DataError


def write_atomic(path, data):
    """Write the bytes ``data`` to ``path`` through a temporary file in its folder.

    The file is flushed to disk and then renamed over ``path``, so a crash leaves
    either the old file or the new one, never a part of it.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        # mkstemp makes the file private; give it the permissions open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def save_arrays(path, arrays):
    """Save a dict of arrays to an ``.npz`` file atomically; ``np.load`` reads it."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    write_atomic(path, buffer.getvalue())


def load_arrays(path):
    """The arrays of an ``.npz`` file as a dict, or DataError naming the file.

    Nothing is unpickled. A damaged archive can fail in many ways (a bad CRC, a
    flag saying it is encrypted, an unknown compression, a truncated entry...);
    each becomes DataError.
    """
    try:
        npz = np.load(path, allow_pickle=False)
        if not isinstance(npz, np.lib.npyio.NpzFile):
            raise DataError(f"{path}: a single NumPy array, not an .npz file of named arrays")
        with npz:
            return {name: npz[name] for name in npz.files}
    except DataError:
        raise
    except Exception as e:
        raise DataError(f"{path}: not a readable .npz file ({type(e).__name__}: {e})") from e


def save_metrics(path, metrics):
    """Save a dictionary of numbers and text as indented JSON."""
    write_atomic(path, (json.dumps(metrics, indent=2) + "\n").encode())


def save_table(path, header, rows):
    """Write a Markdown table (a header row, then one row of cells per item) atomically."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    write_atomic(path, ("\n".join(lines) + "\n").encode())
    return "\n".join(lines)
