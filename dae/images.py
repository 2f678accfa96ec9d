"""Pictures of what a model learned: rows of a matrix tiled into one image.

Save the result with Pillow::

    from PIL import Image
    Image.fromarray(tile_raster_images(da.W.get_value(borrow=True).T,
                                       img_shape=(28, 28), tile_shape=(10, 10),
                                       tile_spacing=(1, 1))).save("filters.png")
"""

import io

import numpy as np
from PIL import Image

from dae.files import write_atomic

__all__ = [
    "save_comparison",
    "save_digits",
    "save_filters",
    "save_image",
    "scale_to_unit_interval",
    "tile_raster_images",
]


def scale_to_unit_interval(ndar, eps=1e-8):
    """Linearly rescale ``ndar`` so that its minimum is 0 and its maximum about 1."""
    ndar = np.asarray(ndar, dtype=np.float64)
    ndar = ndar - ndar.min()
    return ndar / (ndar.max() + eps)


def tile_raster_images(
    X,
    img_shape,
    tile_shape,
    tile_spacing=(0, 0),
    scale_rows_to_unit_interval=True,
    output_pixel_vals=True,
):
    """Lay out the rows of ``X`` as a grid of small images.

    Parameters
    ----------
    X : 2-D array, or tuple of four 2-D arrays or None
        One flattened image per row (filters are ``W.T``); or a tuple of four
        such arrays (or None) for the red, green, blue and alpha channels.
    img_shape : (height, width)
        The shape of each image.
    tile_shape : (rows, columns)
        The shape of the grid; rows of ``X`` beyond it are ignored, missing ones
        leave black tiles.
    tile_spacing : (vertical, horizontal)
        Pixels between tiles.
    scale_rows_to_unit_interval : bool
        Rescale each image to [0, 1] before drawing it.
    output_pixel_vals : bool
        Return uint8 pixels in 0..255 (for ``PIL.Image.fromarray``) rather than
        floats in the input's range.

    Returns
    -------
    numpy.ndarray
        A (H, W) array, or (H, W, 4) when ``X`` is a tuple, where
        ``H = (height + vertical) * rows - vertical`` and likewise ``W``.

    Examples
    --------
    >>> import numpy as np
    >>> from dae import tile_raster_images
    >>> tile_raster_images(np.eye(6), (2, 3), (2, 1), tile_spacing=(1, 0)).shape
    (5, 3)
    """
    if len(img_shape) != 2 or len(tile_shape) != 2 or len(tile_spacing) != 2:
        raise ValueError("img_shape, tile_shape and tile_spacing must each have two entries")
    out_shape = [
        (ishp + tsp) * tshp - tsp for ishp, tshp, tsp in zip(img_shape, tile_shape, tile_spacing)
    ]

    if isinstance(X, tuple):
        if len(X) != 4:
            raise ValueError(f"a tuple X must hold 4 channels (R, G, B, A), got {len(X)}")
        dtype = np.uint8 if output_pixel_vals else _float_dtype(X)
        out = np.zeros(out_shape + [4], dtype=dtype)
        # A missing channel is black, except a missing alpha, which is opaque.
        full = 255 if output_pixel_vals else 1
        for channel, x in enumerate(X):
            if x is None:
                out[:, :, channel] = full if channel == 3 else 0
            else:
                out[:, :, channel] = tile_raster_images(
                    x,
                    img_shape,
                    tile_shape,
                    tile_spacing,
                    scale_rows_to_unit_interval,
                    output_pixel_vals,
                )
        return out

    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (one image per row), got shape {X.shape}")
    H, W = img_shape
    if X.shape[1] != H * W:
        raise ValueError(f"rows of X have {X.shape[1]} values, img_shape {img_shape} needs {H * W}")
    Hs, Ws = tile_spacing
    dtype = np.uint8 if output_pixel_vals else X.dtype
    out = np.zeros(out_shape, dtype=dtype)
    for row in range(tile_shape[0]):
        for col in range(tile_shape[1]):
            i = row * tile_shape[1] + col
            if i >= X.shape[0]:
                return out
            img = X[i].reshape(img_shape)
            if scale_rows_to_unit_interval:
                img = scale_to_unit_interval(img)
            top, left = row * (H + Hs), col * (W + Ws)
            # Round, not truncate: the brightest pixel of a scaled image is 255.
            out[top : top + H, left : left + W] = np.rint(img * 255) if output_pixel_vals else img
    return out


def _float_dtype(channels):
    present = [np.asarray(x).dtype for x in channels if x is not None]
    return np.result_type(*present) if present else np.float64


def save_image(path, pixels):
    """Save a uint8 array (from :func:`tile_raster_images`) as a PNG file, atomically."""
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    write_atomic(path, buffer.getvalue())


def save_filters(path, W, img_shape=(28, 28), tile_shape=(10, 10)):
    """Save the first ``rows * columns`` filters (columns of ``W``) as a PNG grid.

    ``W`` is a weight matrix of shape (n_visible, n_hidden), or its shared variable.
    """
    W = W.get_value() if hasattr(W, "get_value") else np.asarray(W)
    save_image(path, tile_raster_images(W.T, img_shape, tile_shape, tile_spacing=(1, 1)))


def save_digits(path, X, img_shape=(28, 28), tile_shape=None):
    """Save the rows of ``X`` (pixel values in [0, 1]) as a PNG grid, unscaled.

    Unlike filters, digits keep their own intensities, so samples and
    reconstructions can be compared by eye. ``tile_shape`` defaults to a square.
    """
    X = np.asarray(X)
    if tile_shape is None:
        side = int(np.ceil(np.sqrt(len(X))))
        tile_shape = (int(np.ceil(len(X) / side)), side)
    pixels = tile_raster_images(
        np.clip(X, 0, 1),
        img_shape,
        tile_shape,
        tile_spacing=(1, 1),
        scale_rows_to_unit_interval=False,
    )
    save_image(path, pixels)


def save_comparison(path, *rows, img_shape=(28, 28)):
    """Save matched sets of images one above the other, e.g. originals, noisy
    inputs and reconstructions: row ``i`` of the picture is ``rows[i]``."""
    rows = [np.asarray(r) for r in rows]
    n = len(rows[0])
    if any(len(r) != n for r in rows):
        raise ValueError(f"every row needs {n} images, got {[len(r) for r in rows]}")
    save_digits(path, np.concatenate(rows), img_shape, tile_shape=(len(rows), n))
