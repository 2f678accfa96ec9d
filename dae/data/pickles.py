"""Unpickling numpy arrays, and nothing else: the reader of ``mnist.pkl.gz``.

A pickle is a program: unpickling can call any function it names. The loader runs it
only after two checks. A scan (pickletools, which builds nothing) allows the opcodes
that tuples, lists and numpy arrays need in protocols 0 to 5 and Python 2, and no
others: no dicts or sets, whose keys are hashed (hashing a deeply nested tuple
crashes Python), no objects built without their constructor. Then `_ArrayUnpickler`
gives each global a file may name a stand-in that checks its arguments before numpy
sees them; everything else is refused.
"""

import io
import math
import pickle
import pickletools
import warnings

import numpy as np

__all__ = ["unpickle_arrays"]

OPCODES = frozenset(
    """PROTO FRAME STOP MARK GLOBAL STACK_GLOBAL REDUCE BUILD NONE NEWTRUE NEWFALSE
    INT BININT BININT1 BININT2 LONG LONG1 STRING BINSTRING SHORT_BINSTRING
    UNICODE SHORT_BINUNICODE BINUNICODE BINUNICODE8 BINBYTES SHORT_BINBYTES BINBYTES8
    BYTEARRAY8 EMPTY_TUPLE TUPLE TUPLE1 TUPLE2 TUPLE3 EMPTY_LIST LIST APPEND APPENDS
    PUT BINPUT LONG_BINPUT MEMOIZE GET BINGET LONG_BINGET""".split()
)
# The three (x, y) pairs of arrays take about 50 opcodes per protocol; allowing far
# more still bounds the scan's time and how deep a structure can nest.
MAX_OPCODES = 1000
# The plain numeric dtypes an array in the pickle may have (numpy's names for them).
DTYPES = ("b1", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8")


def _scan_pickle(data):
    """Raise UnpicklingError unless `data` is one pickle of allowed opcodes and nothing else."""
    for n, (opcode, arg, pos) in enumerate(pickletools.genops(data)):
        if n == MAX_OPCODES:
            raise pickle.UnpicklingError(f"more than {MAX_OPCODES} opcodes")
        if opcode.name not in OPCODES:
            raise pickle.UnpicklingError(f"opcode {opcode.name} at byte {pos} is not allowed")
        # A pickler numbers memo entries 0, 1, 2...; CPython's unpickler sizes its memo
        # table by the index a PUT names, so a corrupt index could fill gigabytes.
        if opcode.name.endswith("PUT") and arg > n:
            raise pickle.UnpicklingError(f"memo index {arg} at byte {pos}")
    if pos + 1 != len(data):
        raise pickle.UnpicklingError(f"{len(data) - pos - 1} bytes after the end of the pickle")


class _PickledDtype:
    """Stand-in for ``numpy.dtype``: only plain numeric types, in either byte order."""

    dtype = None

    def __init__(self, spec, align=False, copy=False):
        if type(spec) is not str or spec not in DTYPES:
            raise pickle.UnpicklingError("an array's dtype is not a plain number type")
        self.dtype = np.dtype(spec)

    def __setstate__(self, state):
        # numpy's state: (version, byte order, subarray, names, fields, sizes, flags).
        order, structure = state[1], state[2:5]
        if self.dtype is None or order not in ("<", ">", "|", "=") or structure != (None,) * 3:
            raise pickle.UnpicklingError("an array's dtype is not a plain number type")
        if order in ("<", ">"):
            self.dtype = self.dtype.newbyteorder(order)


class _PickledArray:
    """Stand-in for numpy's ``_reconstruct(ndarray, ...)``, its state set by BUILD."""

    array = None

    def __init__(self, subtype, shape, typecode):
        pass  # numpy makes an empty array here; the state gives the content

    def __setstate__(self, state):
        # numpy's state: ([version,] shape, dtype, is_fortran, data).
        shape, dtype, fortran, data = state[-4:]
        if isinstance(data, str):
            data = data.encode("latin1")  # Python 2 pickled the bytes as a str
        self.array = _pickled_array(data, dtype, shape, "F" if fortran else "C")


class _PickledBuffer(_PickledArray):
    """Stand-in for numpy's ``_frombuffer``: how protocol 5 pickles an array."""

    def __init__(self, buffer, dtype, shape, order):
        self.array = _pickled_array(buffer, dtype, shape, order)


class _PickledBytes:
    """Stand-in for ``_codecs.encode`` and ``bytes()``: how protocols 0-2 store bytes."""

    def __new__(cls, text="", encoding="latin1"):
        if type(text) is not str or encoding not in ("latin1", "latin-1"):
            raise pickle.UnpicklingError("bytes must be pickled as latin-1 text")
        return text.encode("latin1")

    def __setstate__(self, state):
        raise pickle.UnpicklingError("bytes have no state")


def _pickled_array(data, dtype, shape, order):
    """Return the array a pickle describes, checked before numpy touches it."""
    if not isinstance(data, (bytes, bytearray)):
        raise pickle.UnpicklingError("an array's data is not bytes")
    if not isinstance(dtype, _PickledDtype) or dtype.dtype is None:
        raise pickle.UnpicklingError("an array's dtype is not a numpy dtype")
    if type(shape) is not tuple or not all(type(n) is int and 0 <= n < 2**63 for n in shape):
        raise pickle.UnpicklingError("an array's shape is not a tuple of sizes")
    if order not in ("C", "F"):
        raise pickle.UnpicklingError("an array's order is neither C nor F")
    if math.prod(shape) * dtype.dtype.itemsize != len(data):
        raise pickle.UnpicklingError(
            f"an array of shape {shape} and dtype {dtype.dtype} does not fit its "
            f"{len(data)} bytes of data"
        )
    return np.frombuffer(data, dtype.dtype).reshape(shape, order=order).copy()


# The globals a pickle of numpy arrays names: numpy 1 and 2 module paths, and Python 2's.
GLOBALS = {
    ("numpy", "ndarray"): _PickledArray,
    ("numpy.core.multiarray", "_reconstruct"): _PickledArray,
    ("numpy._core.multiarray", "_reconstruct"): _PickledArray,
    ("numpy.core.numeric", "_frombuffer"): _PickledBuffer,
    ("numpy._core.numeric", "_frombuffer"): _PickledBuffer,
    ("numpy", "dtype"): _PickledDtype,
    ("_codecs", "encode"): _PickledBytes,
    ("__builtin__", "bytes"): _PickledBytes,
    ("builtins", "bytes"): _PickledBytes,
}


class _ArrayUnpickler(pickle.Unpickler):
    """An unpickler that can build tuples, lists and numpy arrays, and nothing else."""

    def find_class(self, module, name):
        standin = GLOBALS.get((module, name))
        if standin is None:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in an MNIST pickle")
        return standin


def unpickle_arrays(data):
    """The tuples, lists and numpy arrays pickled in the bytes ``data``.

    Raises pickle.UnpicklingError, or whatever a damaged pickle makes the
    unpickler raise, for anything else; warnings are raised as errors too.
    """
    with warnings.catch_warnings():
        # A warning here (an invalid escape in a text string) also means damage.
        warnings.simplefilter("error")
        _scan_pickle(data)
        # latin1 decodes the str in which Python 2 pickled numpy's bytes.
        return _plain(_ArrayUnpickler(io.BytesIO(data), encoding="latin1").load())


def _plain(value):
    """``value`` with each stand-in array replaced by its numpy array."""
    if isinstance(value, _PickledArray):
        if value.array is None:
            raise pickle.UnpicklingError("an array without its data")
        return value.array
    if isinstance(value, (tuple, list)):
        return type(value)(_plain(v) for v in value)
    return value
