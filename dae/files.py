"""Writing results: every file appears whole or not at all."""

import io
import json
import os
import tempfile
from pathlib import Path

import numpy as np
from filelock import FileLock, Timeout

from dae.checks import DataError

__all__ = [
    "HeldLock",
    "load_arrays",
    "lock_folder",
    "markdown_table",
    "save_arrays",
    "save_metrics",
    "save_table",
    "write_atomic",
]


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


def markdown_table(header, rows):
    """A Markdown table: a header row, then one row of cells per item.

    >>> print(markdown_table(["labels", "error"], [[100, "19.5%"]]))
    | labels | error |
    |---|---|
    | 100 | 19.5% |
    """
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def save_table(path, header, rows):
    """Write :func:`markdown_table` of ``header`` and ``rows`` atomically; the table."""
    table = markdown_table(header, rows)
    write_atomic(path, (table + "\n").encode())
    return table


#: The lock file :func:`lock_folder` holds in a folder.
LOCK = ".lock"


def lock_folder(folder):
    """Make ``folder`` this process's to write in, or raise DataError.

    Takes an exclusive lock on ``folder/.lock`` at once or not at all (creating
    the folder), through :mod:`filelock`: ``flock`` on POSIX, ``msvcrt`` locking
    on Windows. The lock lasts as long as the returned object lives: it is
    released when a ``with`` block on it ends, when it is collected, and when the
    process ends, even by SIGKILL, so a crash never leaves a folder locked. A
    second process asking for the same folder is refused at once; the lock is on
    the file, so it also holds between processes of one machine writing to a
    shared file system that supports ``flock`` (local disks, NFS v4).

    Parameters
    ----------
    folder : str or path-like
        The output folder of a run.

    Returns
    -------
    HeldLock
        The held lock; keep it (or use it in a ``with`` block) while writing.

    Raises
    ------
    DataError
        Another process holds the lock.

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> with lock_folder(folder):
    ...     pass  # write the run's files here
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    lock = FileLock(folder / LOCK)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise DataError(
            f"{folder} is in use: another process is writing there. Wait for it to end, "
            "or choose another output folder"
        ) from None
    return HeldLock(lock)


class HeldLock:
    """A lock :func:`lock_folder` holds, until :meth:`close`, the end of a ``with``
    block on it, its collection, or the end of the process."""

    def __init__(self, lock):
        self._lock = lock

    def close(self):
        """Release the lock."""
        self._lock.release()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
