"""The benchmark sets of Larochelle et al. (2007), regenerated from their published recipes.

Larochelle, Erhan, Courville, Bergstra and Bengio, "An Empirical Evaluation of Deep
Architectures on Problems with Many Factors of Variation" (ICML 2007), built eight
problems on which Vincent et al. (ICML 2008, JMLR 2010) evaluated the stacked
denoising autoencoder. Their files are no longer served; their recipes are
published, and this module follows them:

========== ======================= =================================================
set        train / valid / test    recipe
========== ======================= =================================================
basic      10,000 / 2,000 / 50,000 MNIST digits
rot        same                    digits rotated by an angle uniform in [0, 2 pi)
bg-rand    same                    background pixels uniform in 0..255
bg-img     same                    background: a textured patch of one of 20 photos
rot-bg-img same                    rot, then bg-img
rect       1,000 / 200 / 50,000    a white rectangle's outline: tall (1) or wide (0)
rect-img   10,000 / 2,000 / 50,000 the rectangle and the rest: patches of two photos
convex     6,000 / 2,000 / 50,000  a white convex region (1) or a non-convex one (0)
========== ======================= =================================================

Where the recipes are silent, the choice made is a parameter of the generator and
its docstring says why it was made:

- the 62,000 digits of an MNIST set are drawn without replacement from MNIST's
  70,000 (its 50,000 test digits outnumber MNIST's 10,000);
- a background shows where the digit has no ink; the digit is kept as it is
  (``combine="replace"``), or the brighter of the two is taken (``"max"``);
- rotation is bilinear, about the image's centre;
- the 20 photographs are those bundled with scikit-image (`DEFAULT_IMAGES`), in
  grey; a patch whose pixels' standard deviation is under 0.1 (on [0, 1]) is drawn
  again (`MIN_STD`);
- rectangles have sides of 3 to 28 pixels, so that an outline has an inside.

A set is drawn whole, from a generator seeded by the seed and the set's name, and
cut into its splits, so that no digit appears in two of them. Images are uint8,
28 x 28. `write_set` writes a set as a folder that :func:`dae.data.load_dataset`
reads: MNIST's four IDX file names (validation last in the training files) and a
manifest of the recipe's version and parameters, the seed, the split sizes and the
MD5 of each file's content.
"""

import gzip
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from dae.checks import DataError
from dae.data.manifest import FILES, MANIFEST, check_manifest

__all__ = [
    "SETS",
    "SPLITS",
    "VERSION",
    "convex_regions",
    "generate",
    "is_convex",
    "make_set",
    "mnist_digits",
    "nonconvex_regions",
    "rotate",
    "split_sizes",
    "write_set",
]

#: The version of the recipes below; written into every manifest.
VERSION = 1
#: The eight sets, in the order of Larochelle et al.'s table.
SETS = ("basic", "rot", "bg-rand", "bg-img", "rot-bg-img", "rect", "rect-img", "convex")
#: Train / valid / test sizes of each set (JMLR 2010, Table 3).
SPLITS = {
    **dict.fromkeys(("basic", "rot", "bg-rand", "bg-img", "rot-bg-img"), (10_000, 2_000, 50_000)),
    "rect": (1_000, 200, 50_000),
    "rect-img": (10_000, 2_000, 50_000),
    "convex": (6_000, 2_000, 50_000),
}
#: Photographs bundled in scikit-image's wheel that stand in for the 20 unnamed ones.
DEFAULT_IMAGES = (
    "astronaut.png",
    "brick.png",
    "camera.png",
    "cell.png",
    "chelsea.png",
    "clock_motion.png",
    "coffee.png",
    "coins.png",
    "grass.png",
    "gravel.png",
    "hubble_deep_field.jpg",
    "ihc.png",
    "microaneurysms.png",
    "moon.png",
    "motorcycle_left.png",
    "motorcycle_right.png",
    "page.png",
    "retina.jpg",
    "rocket.jpg",
    "text.png",
)
#: A background patch whose pixels vary less than this (standard deviation, on [0, 1])
#: "contains little texture" and is drawn again.
MIN_STD = 0.1
SIDE = 28
_CENTRE = (SIDE - 1) / 2
# Pixel coordinates, row-major: what every vectorised drawing below works on.
_ROWS, _COLS = np.divmod(np.arange(SIDE * SIDE), SIDE)


def split_sizes(name, fraction=1.0):
    """The (train, valid, test) sizes of set ``name`` scaled by ``fraction``, each >= 1."""
    if name not in SPLITS:
        raise ValueError(f"unknown set {name!r}; the sets are {', '.join(SETS)}")
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    return tuple(max(1, round(n * fraction)) for n in SPLITS[name])


# --- Digits -----------------------------------------------------------------------


def rotate(images, angles, order=1):
    """Rotate each image counter-clockwise by its angle (radians) about its centre.

    Parameters
    ----------
    images : array of shape (n, 28, 28)
    angles : array of shape (n,)
    order : {0, 1}
        Interpolation: 0 nearest pixel, 1 bilinear (the default: the recipe names
        none, and bilinear keeps strokes smooth). Pixels that come from outside the
        image are 0.

    Returns
    -------
    float32 array of shape (n, 28, 28), in the range of `images`.
    """
    images = np.asarray(images, np.float32).reshape(len(images), -1)
    cos, sin = np.cos(angles)[:, None], np.sin(angles)[:, None]
    # For each output pixel, the point of the input it shows: the inverse rotation,
    # with y pointing up as the image is seen.
    x, y = _COLS - _CENTRE, _CENTRE - _ROWS
    src_col = cos * x + sin * y + _CENTRE
    src_row = _CENTRE - (-sin * x + cos * y)
    if order == 0:
        return _sample(images, np.rint(src_row), np.rint(src_col)).reshape(-1, SIDE, SIDE)
    if order != 1:
        raise ValueError(f"order must be 0 or 1, got {order}")
    row0, col0 = np.floor(src_row), np.floor(src_col)
    dr, dc = (src_row - row0).astype(np.float32), (src_col - col0).astype(np.float32)
    out = (1 - dr) * (1 - dc) * _sample(images, row0, col0)
    out += (1 - dr) * dc * _sample(images, row0, col0 + 1)
    out += dr * (1 - dc) * _sample(images, row0 + 1, col0)
    out += dr * dc * _sample(images, row0 + 1, col0 + 1)
    return out.reshape(-1, SIDE, SIDE)


def _sample(flat, rows, cols):
    """``flat[k]`` at the (row, col) of each output pixel of image k; 0 outside."""
    inside = (rows >= 0) & (rows < SIDE) & (cols >= 0) & (cols < SIDE)
    index = np.where(inside, rows * SIDE + cols, 0).astype(np.intp)
    return np.where(inside, np.take_along_axis(flat, index, axis=1), np.float32(0))


def combine(digits, backgrounds, how="replace"):
    """Put each digit on its background; both float in [0, 1], same shape.

    ``"replace"`` shows the background only where the digit has no ink, so the
    digit's pixels are those of MNIST (the recipe says the background "was
    inserted in the digit image"); ``"max"`` takes the brighter of the two, which
    hides the dark rim that anti-aliased strokes draw on a bright background.
    """
    if how == "replace":
        return np.where(digits > 0, digits, backgrounds)
    if how == "max":
        return np.maximum(digits, backgrounds)
    raise ValueError(f"combine must be 'replace' or 'max', got {how!r}")


def random_backgrounds(rng, n):
    """``n`` backgrounds of pixels uniform in 0..255, scaled to [0, 1]."""
    return rng.integers(0, 256, size=(n, SIDE, SIDE), dtype=np.uint8).astype(np.float32) / 255


# --- Photographs -----------------------------------------------------------------


def load_images(paths=None):
    """Grey images in [0, 1] for the image backgrounds.

    ``paths`` None reads `DEFAULT_IMAGES` from scikit-image's wheel (``pip install
    scikit-image``); otherwise a list of image files, or one folder whose PNG and
    JPEG files are read in name order. Colour becomes grey by the ITU-R 709 luma
    weights. Each image must be at least 28 x 28.
    """
    from PIL import Image, UnidentifiedImageError

    if paths is None:
        paths = [_skimage_data() / name for name in DEFAULT_IMAGES]
    elif isinstance(paths, (str, os.PathLike)):
        folder = Path(paths)
        if not folder.is_dir():
            raise DataError(f"{folder}: no such folder of images")
        paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".png", ".jpg", ".jpeg"))
        if len(paths) < 2:
            raise DataError(f"{folder}: holds {len(paths)} PNG or JPEG files; need at least 2")
    images = []
    for path in paths:
        try:
            with Image.open(path) as image:
                rgb = np.asarray(image.convert("RGB"), np.float32) / 255
        except (OSError, UnidentifiedImageError) as e:
            raise DataError(f"{path}: cannot read the image ({e})") from e
        grey = rgb @ np.array([0.2125, 0.7154, 0.0721], np.float32)
        if min(grey.shape) < SIDE:
            raise DataError(f"{path}: {grey.shape[1]} x {grey.shape[0]} pixels, under 28 x 28")
        images.append(grey)
    return images


def _skimage_data():
    """The folder of images in scikit-image's wheel, or a DataError saying how to get it."""
    import importlib.util

    spec = importlib.util.find_spec("skimage")
    if spec is None or spec.origin is None:
        raise DataError(
            "the image backgrounds need scikit-image's photographs: pip install scikit-image "
            "(or pass your own images)"
        )
    return Path(spec.origin).parent / "data"


def image_patches(rng, n, images, min_std=MIN_STD, exclude=None):
    """``n`` patches of 28 x 28 pixels, each from an image drawn uniformly, at a
    uniform position; a patch with a standard deviation under ``min_std`` is drawn
    again. With ``exclude`` (one image index per patch), patch k never comes from
    image ``exclude[k]``.

    Returns the patches (n, 28, 28) and the index of the image of each.
    """
    patches = np.empty((n, SIDE, SIDE), np.float32)
    sources = np.empty(n, np.intp)
    todo = np.arange(n)
    for _ in range(1000):
        if not len(todo):
            return patches, sources
        k = rng.integers(0, len(images) - (exclude is not None), size=len(todo))
        if exclude is not None:  # draw among the others: skip the excluded index
            k += k >= exclude[todo]
        drawn = np.empty((len(todo), SIDE, SIDE), np.float32)
        for i, image in enumerate(images):
            mine = np.flatnonzero(k == i)
            rows = rng.integers(0, image.shape[0] - SIDE + 1, size=len(mine))
            cols = rng.integers(0, image.shape[1] - SIDE + 1, size=len(mine))
            windows = np.lib.stride_tricks.sliding_window_view(image, (SIDE, SIDE))
            drawn[mine] = windows[rows, cols]
        good = drawn.reshape(len(todo), -1).std(axis=1) >= min_std
        patches[todo[good]], sources[todo[good]] = drawn[good], k[good]
        todo = todo[~good]
    raise DataError(f"the images give almost no patch with a standard deviation of {min_std}")


# --- Rectangles ------------------------------------------------------------------


def rectangle_boxes(rng, n, sides=(3, SIDE), min_difference=3):
    """``n`` rectangles: heights and widths uniform in ``sides`` (inclusive), a pair
    whose sides differ by under ``min_difference`` drawn again, and a top-left
    corner uniform among those that keep the rectangle inside the image.

    Returns (top, left, height, width), four int arrays of length n.
    """
    lo, hi = sides
    if not 1 <= lo and hi <= SIDE and hi - lo >= min_difference:
        raise ValueError(f"sides must lie in 1..{SIDE} and differ by {min_difference}")
    height, width = np.empty(n, np.intp), np.empty(n, np.intp)
    todo = np.arange(n)
    while len(todo):
        h, w = rng.integers(lo, hi + 1, size=(2, len(todo)))
        good = np.abs(h - w) >= min_difference
        height[todo[good]], width[todo[good]] = h[good], w[good]
        todo = todo[~good]
    top = rng.integers(0, SIDE - height + 1)
    left = rng.integers(0, SIDE - width + 1)
    return top, left, height, width


def box_masks(top, left, height, width, outline):
    """Boolean (n, 28, 28): each box filled, or only its one-pixel outline."""
    r, c = _ROWS[None, :], _COLS[None, :]
    top, left = top[:, None], left[:, None]
    bottom, right = top + height[:, None] - 1, left + width[:, None] - 1
    inside = (r >= top) & (r <= bottom) & (c >= left) & (c <= right)
    if outline:
        inside &= (r == top) | (r == bottom) | (c == left) | (c == right)
    return inside.reshape(-1, SIDE, SIDE)


# --- Convex regions --------------------------------------------------------------


def convex_regions(rng, n, p, min_pixels):
    """``n`` convex regions (boolean (n, 28, 28)): each the pixels whose centres lie
    in the intersection of a number of half-planes, geometric with parameter
    ``p``, each bounded by a line through a point uniform in the image at an angle
    uniform in [0, 2 pi). A region of fewer than ``min_pixels`` pixels is drawn again.
    """
    regions = np.empty((n, SIDE * SIDE), bool)
    centres = np.stack([_COLS + 0.5, _ROWS + 0.5]).astype(np.float32)
    done = 0
    while done < n:
        m = 2 * (n - done) + 16
        cuts_left = rng.geometric(p, size=m)
        # The candidates still being cut, compacted: cutting only removes pixels, so
        # one already under min_pixels is dropped at once.
        region, index = np.ones((m, SIDE * SIDE), bool), np.arange(m)
        kept, kept_index = [], []
        while len(region):
            point = rng.uniform(0, SIDE, size=(len(region), 2))
            angle = rng.uniform(0, 2 * np.pi, size=len(region))
            normal = np.stack([np.cos(angle), np.sin(angle)], axis=1)
            offset = (point * normal).sum(axis=1).astype(np.float32)
            region &= normal.astype(np.float32) @ centres >= offset[:, None]
            cuts_left -= 1
            big = region.sum(axis=1) >= min_pixels
            kept.append(region[big & (cuts_left == 0)])
            kept_index.append(index[big & (cuts_left == 0)])
            going = big & (cuts_left > 0)
            region, index, cuts_left = region[going], index[going], cuts_left[going]
        # In the order drawn, not the order finished, which would favour few cuts.
        order = np.argsort(np.concatenate(kept_index))[: n - done]
        regions[done : done + len(order)] = np.concatenate(kept)[order]
        done += len(order)
    return regions.reshape(n, SIDE, SIDE)


def is_convex(images):
    """Whether each binary image is digitally convex: every pixel whose centre lies
    in the convex hull of the set's pixel centres belongs to the set.

    The pixels of a region cut out of the plane by half-planes always pass; a
    union with a dent, a hole or a gap fails. An empty image passes.

    Parameters
    ----------
    images : array of shape (n, 28, 28), nonzero pixels in the set

    Returns
    -------
    bool array of shape (n,)

    Notes
    -----
    The hull's vertices are among the leftmost and rightmost pixels of the rows,
    and its right edge at row y is the highest line through two rightmost pixels,
    one at or above y and one at or below it (the left edge likewise). So row y of
    the hull spans ``[lo(y), hi(y)]``, and the set is convex when each row holds
    every pixel of that span. All pairs of rows are tried at once, 28^3 numbers an
    image, which is faster than a hull per image.
    """
    member = np.asarray(images).reshape(len(images), SIDE, SIDE) != 0
    # A row or column with a gap fails at once; only the rest need the hull.
    result = _contiguous(member) & _contiguous(member.transpose(0, 2, 1))
    maybe = np.flatnonzero(result)
    for start in range(0, len(maybe), 256):
        chunk = maybe[start : start + 256]
        result[chunk] = _rows_span_their_hull(member[chunk])
    return result


def _contiguous(member):
    """Whether each row of each image is empty or one run of pixels. (A thin convex
    region may skip rows, so empty rows between full ones are allowed.)"""
    cols = np.arange(SIDE)
    right = np.where(member, cols, -1).max(axis=2)
    left = np.where(member, cols, SIDE).min(axis=2)
    count = member.sum(axis=2)
    return ((count == 0) | (count == right - left + 1)).all(axis=1)


# For every triple (a, y, b) of rows: how far y lies from a towards b, for the line
# through a row-a pixel and a row-b pixel, and a penalty that rules out y outside a..b.
_A, _Y, _B = np.ix_(range(SIDE), range(SIDE), range(SIDE))
_T = np.where(_B > _A, (_Y - _A) / np.maximum(_B - _A, 1), 0).astype(np.float32)
_OUTSIDE = np.where((_A <= _Y) & (_Y <= _B), 0, -1e6).astype(np.float32)
# Far enough outside the image that a line through such a point stays outside it.
_FAR = np.float32(1e4)


def _rows_span_their_hull(member):
    """`is_convex` for a few hundred boolean images (n, 28, 28)."""
    cols = np.arange(SIDE, dtype=np.float32)
    # An empty row's ends lie far outside, so lines through them never win.
    right = np.where(member, cols, -_FAR).max(axis=2)
    left = np.where(member, cols, _FAR).min(axis=2)
    hi = (right[:, :, None, None] * (1 - _T) + right[:, None, None, :] * _T + _OUTSIDE).max(
        axis=(1, 3)
    )
    lo = -(-left[:, :, None, None] * (1 - _T) - left[:, None, None, :] * _T + _OUTSIDE).max(
        axis=(1, 3)
    )
    span = np.maximum(np.floor(hi + 1e-4) - np.ceil(lo - 1e-4) + 1, 0)
    return (span == member.sum(axis=2)).all(axis=1)


def nonconvex_regions(rng, n, p=0.07, min_pixels=10, parts=(2, 4), mean_pixels=None):
    """``n`` non-convex regions: unions of ``parts`` (uniform, inclusive) convex
    regions (parameter ``p``, at least ``min_pixels`` each) that fail `is_convex`;
    a union that passes is drawn again.

    With ``mean_pixels``, the regions' mean count of pixels is brought to it, as the
    recipe balances the two classes: each region is kept with a probability
    proportional to ``exp(-t * pixels)``, ``t`` chosen on the first draws so that
    the kept ones have that mean. Of the changes to the distribution of regions
    that match the mean, this is the smallest (in KL divergence).
    """
    regions = np.empty((n, SIDE, SIDE), bool)
    done, tilt = 0, None
    while done < n:
        m = 2 * (n - done) + 16
        count = rng.integers(parts[0], parts[1] + 1, size=m)
        union = np.zeros((m, SIDE, SIDE), bool)
        for j in range(parts[1]):
            use = np.flatnonzero(count > j)
            union[use] |= convex_regions(rng, len(use), p, min_pixels)
        union = union[~is_convex(union)]
        if mean_pixels is not None:
            pixels = union.sum(axis=(1, 2)).astype(np.float64)
            if tilt is None:
                tilt = _tilt(pixels, mean_pixels)
                top = np.max(-tilt[0] * pixels)
            keep = rng.uniform(size=len(union)) < np.exp(-tilt[0] * pixels - top)
            union = union[keep]
        union = union[: n - done]
        regions[done : done + len(union)] = union
        done += len(union)
    return regions


def _tilt(values, target):
    """``(t,)`` such that the mean of ``values`` weighted by ``exp(-t * values)`` is
    ``target``, found by bisection."""
    if not values.min() < target < values.max():
        raise ValueError(f"cannot bring values in {values.min()}..{values.max()} to mean {target}")
    centred = values - values.mean()

    def mean(t):
        w = np.exp(-t * centred)
        return (w * values).sum() / w.sum()

    lo, hi = -1.0, 1.0
    while mean(lo) < target:
        lo *= 2
    while mean(hi) > target:
        hi *= 2
    for _ in range(200):
        t = (lo + hi) / 2
        lo, hi = (t, hi) if mean(t) > target else (lo, t)
    return ((lo + hi) / 2,)


# --- The sets --------------------------------------------------------------------


def generate(
    name,
    n,
    rng,
    mnist=None,
    images=None,
    combine_how="replace",
    order=1,
    min_std=MIN_STD,
    rect_sides=(3, SIDE),
    rect_min_difference=3,
    convex_p=0.195,
    convex_min_pixels=19,
    nonconvex_p=0.07,
    nonconvex_min_pixels=10,
    nonconvex_parts=(2, 4),
):
    """Draw ``n`` examples of set ``name``.

    Parameters
    ----------
    name : str
        One of `SETS`.
    n : int
        The number of examples.
    rng : numpy.random.Generator
    mnist : tuple of arrays, optional
        ``(images, labels)``, uint8 (m, 28, 28) and (m,), for the digit sets: ``n``
        of them are drawn without replacement.
    images : list of arrays, optional
        Grey photographs in [0, 1] (`load_images`), for the image sets.
    combine_how, order, min_std, rect_sides, rect_min_difference
        The choices of `combine`, `rotate`, `image_patches` and `rectangle_boxes`.
    convex_p, convex_min_pixels, nonconvex_p, nonconvex_min_pixels, nonconvex_parts
        Those of `convex_regions` for the convex class, and of `nonconvex_regions`.

    Returns
    -------
    (x, y, info)
        uint8 images (n, 28, 28), uint8 labels (n,) and a dict of arrays saying
        how each example was made: ``source`` (the row of ``mnist``), ``angle``,
        ``image`` and ``inside_image`` (the photographs used), ``height`` and
        ``width`` (rectangles), ``pixels`` (white pixels of a region).
    """
    info = {}
    if name in ("basic", "rot", "bg-rand", "bg-img", "rot-bg-img"):
        if mnist is None:
            raise ValueError(f"set {name!r} needs MNIST's digits")
        digits, labels = mnist
        if n > len(digits):
            raise DataError(f"set {name!r} needs {n} digits; the source has {len(digits)}")
        info["source"] = rng.choice(len(digits), size=n, replace=False)
        x = digits[info["source"]].astype(np.float32) / 255
        y = labels[info["source"]]
        if name.startswith("rot"):
            info["angle"] = rng.uniform(0, 2 * np.pi, size=n)
            x = rotate(x, info["angle"], order)
        if name == "bg-rand":
            x = combine(x, random_backgrounds(rng, n), combine_how)
        elif name.endswith("bg-img"):
            patches, info["image"] = image_patches(rng, n, images, min_std)
            x = combine(x, patches, combine_how)
    elif name in ("rect", "rect-img"):
        top, left, info["height"], info["width"] = rectangle_boxes(
            rng, n, rect_sides, rect_min_difference
        )
        y = (info["height"] > info["width"]).astype(np.uint8)  # 1: tall, 0: wide
        if name == "rect":
            x = box_masks(top, left, info["height"], info["width"], outline=True)
        else:
            outside, info["image"] = image_patches(rng, n, images, min_std)
            inside, info["inside_image"] = image_patches(rng, n, images, min_std, info["image"])
            box = box_masks(top, left, info["height"], info["width"], outline=False)
            x = np.where(box, inside, outside)
    elif name == "convex":
        half = n // 2
        convex = convex_regions(rng, n - half, convex_p, convex_min_pixels)
        target = convex.sum(axis=(1, 2)).mean() if n - half else None
        nonconvex = nonconvex_regions(
            rng, half, nonconvex_p, nonconvex_min_pixels, nonconvex_parts, mean_pixels=target
        )
        order_ = rng.permutation(n)
        x = np.concatenate([convex, nonconvex])[order_]
        y = np.repeat(np.array([1, 0], np.uint8), [n - half, half])[order_]
        info["pixels"] = x.sum(axis=(1, 2))
    else:
        raise ValueError(f"unknown set {name!r}; the sets are {', '.join(SETS)}")
    x = np.rint(np.asarray(x, np.float32) * 255).astype(np.uint8)
    return x, np.asarray(y, np.uint8), info


def make_set(name, seed=0, fraction=1.0, mnist=None, images=None, **choices):
    """Set ``name`` at ``fraction`` of its size, drawn from ``seed``.

    The arguments after ``fraction`` are `generate`'s.

    Returns
    -------
    (splits, info)
        ``splits`` is ``[(x, y) of train, of valid, of test]``, uint8; ``info`` is
        `generate`'s, for the examples in that order.
    """
    sizes = split_sizes(name, fraction)
    rng = np.random.default_rng([seed, SETS.index(name)])
    x, y, info = generate(name, sum(sizes), rng, mnist, images, **choices)
    bounds = np.cumsum(sizes)[:-1]
    return list(zip(np.split(x, bounds), np.split(y, bounds), strict=True)), info


def idx_bytes(array):
    """The content of an IDX file of unsigned bytes holding ``array`` (uint8)."""
    array = np.ascontiguousarray(array, np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(d).to_bytes(4, "big") for d in array.shape
    )
    return header + array.tobytes()


def write_set(folder, name, splits, seed, fraction, parameters):
    """Write ``splits`` (`make_set`'s) as a data folder, whole or not at all.

    The folder is written beside ``folder`` under a temporary name and renamed into
    place; an existing ``folder`` is an error (DataError), never overwritten.

    Returns the manifest written, a dict.
    """
    folder = Path(folder)
    if folder.exists():
        raise DataError(f"{folder}: already exists; remove it to write set {name!r} again")
    (train, valid, test) = splits
    contents = {
        FILES[0]: idx_bytes(np.concatenate([train[0], valid[0]])),
        FILES[1]: idx_bytes(np.concatenate([train[1], valid[1]])),
        FILES[2]: idx_bytes(test[0]),
        FILES[3]: idx_bytes(test[1]),
    }
    manifest = {
        "set": name,
        "recipe": __name__,
        "version": VERSION,
        "seed": seed,
        "fraction": fraction,
        "parameters": parameters,
        "splits": {"train": len(train[1]), "valid": len(valid[1]), "test": len(test[1])},
        "md5": {file: hashlib.md5(data).hexdigest() for file, data in contents.items()},
    }
    check_manifest(manifest, f"set {name!r}")
    folder.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.", suffix=".part"))
    try:
        for file, data in contents.items():
            # mtime 0: the same set gives the same bytes, gzip wrapper included.
            (partial / f"{file}.gz").write_bytes(gzip.compress(data, compresslevel=4, mtime=0))
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        os.chmod(partial, 0o777 & ~_umask())
        os.replace(partial, folder)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return manifest


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def mnist_digits(folder=None):
    """All of MNIST's digits, its 60,000 training and 10,000 test images in that
    order, as uint8 (70000, 28, 28) and labels (70000,), from the IDX files in
    ``folder``; ``folder`` None gives the 5,000 digits of the embedded sample
    instead, enough for small fractions of the sets.

    Returns ``((images, labels), name)``, ``name`` as :func:`dae.data.identify`
    says it (or ``"mnist-5k-sample"``).
    """
    from dae.data.mnist import SAMPLE, _require, identify, read_idx

    if folder is None:
        with np.load(SAMPLE) as sample:
            return (sample["images"].reshape(-1, SIDE, SIDE), sample["labels"]), "mnist-5k-sample"
    folder = Path(folder)
    parts = [
        [
            read_idx(_require(folder, f"{part}-{kind}"))
            for kind in ("images-idx3-ubyte", "labels-idx1-ubyte")
        ]
        for part in ("train", "t10k")
    ]
    images = np.concatenate([parts[0][0], parts[1][0]])
    labels = np.concatenate([parts[0][1], parts[1][1]])
    return (images, labels), identify(folder)
