"""Writing IDX files, MNIST's format, for tests that need small synthetic ones."""

import numpy as np


def idx_bytes(array):
    """Encode a uint8 array as an IDX file."""
    header = bytes([0, 0, 8, array.ndim]) + b"".join(n.to_bytes(4, "big") for n in array.shape)
    return header + np.asarray(array, np.uint8).tobytes()
