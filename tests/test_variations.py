"""The regenerated benchmark sets of Larochelle et al. (2007): each set's defining
property, split sizes, value ranges and determinism, on small fractions drawn from
the embedded sample (full size needs full MNIST and carries the slow marker)."""

import json

import numpy as np
import pytest
from PIL import Image

from dae.checks import DataError
from dae.data import variations
from dae.data.variations import SETS, SIDE
from tests.helpers.scripts import run_script

FRACTION = 0.02  # 1,240 digits per MNIST set: the sample holds 5,000


@pytest.fixture(scope="module")
def digits():
    return variations.mnist_digits(None)[0]


@pytest.fixture(scope="module")
def photos():
    return variations.load_images()


@pytest.fixture(scope="module")
def made(digits, photos):
    """Every set at FRACTION, seed 0: name -> (x, y, info), the splits concatenated."""
    sets = {}
    for name in SETS:
        splits, info = variations.make_set(name, 0, FRACTION, digits, photos)
        x = np.concatenate([s[0] for s in splits])
        y = np.concatenate([s[1] for s in splits])
        sets[name] = (x, y, info, [len(s[1]) for s in splits])
    return sets


@pytest.mark.parametrize("name", SETS)
def test_each_set_has_its_splits_and_uint8_images(made, name):
    x, y, _, sizes = made[name]
    assert sizes == [max(1, round(n * FRACTION)) for n in variations.SPLITS[name]]
    assert x.dtype == np.uint8 and x.shape == (sum(sizes), SIDE, SIDE)
    assert y.dtype == np.uint8
    assert set(np.unique(y)) == (
        set(range(10)) if name not in ("rect", "rect-img", "convex") else {0, 1}
    )
    assert x.max() == 255 and x.min() == 0


def test_the_digit_sets_draw_distinct_digits(made, digits):
    for name in ("basic", "rot", "bg-rand", "bg-img", "rot-bg-img"):
        x, y, info, _ = made[name]
        source = info["source"]
        assert len(np.unique(source)) == len(source)  # no digit in two splits
        assert np.array_equal(y, digits[1][source])
    x, _, info, _ = made["basic"]
    assert np.array_equal(x, digits[0][info["source"]])


def test_rot_turned_back_by_its_angle_gives_its_digit(made, digits):
    x, _, info, _ = made["rot"]
    back = variations.rotate(x[:200] / 255, -info["angle"][:200])
    source = digits[0][info["source"][:200]] / 255
    # Each turned-back image is nearest its own source among the 200.
    distance = ((back.reshape(200, 1, -1) - source.reshape(1, 200, -1)) ** 2).sum(axis=2)
    assert (distance.argmin(axis=1) == np.arange(200)).all()
    # And close to it: two bilinear resamplings only blur the strokes.
    mse = ((back - source) ** 2).mean(axis=(1, 2))
    assert np.median(mse) < 0.01


def test_rotate_by_a_quarter_turn_moves_pixels_exactly():
    image = np.zeros((1, SIDE, SIDE), np.float32)
    image[0, 3, 20] = 1  # row 3, column 20: up and to the right of the centre
    turned = variations.rotate(image, np.array([np.pi / 2]))[0]
    # A quarter turn counter-clockwise takes up-right to up-left.
    assert turned[7, 3] == pytest.approx(1) and turned.sum() == pytest.approx(1)


def test_bg_rand_keeps_the_digit_and_fills_the_rest_uniformly(made, digits):
    x, _, info, _ = made["bg-rand"]
    source = digits[0][info["source"]]
    ink = source > 0
    assert np.array_equal(x[ink], source[ink])
    background = x[~ink]
    counts = np.bincount(background // 16, minlength=16)  # 16 bins of 16 grey levels
    expected = len(background) / 16
    chi2 = ((counts - expected) ** 2 / expected).sum()
    assert chi2 < 37.7  # the 0.1% point of chi-square with 15 degrees of freedom
    assert np.bincount(background, minlength=256).min() > 0  # all of 0..255 appear


def test_image_backgrounds_are_textured_patches_of_the_photographs(made, digits, photos):
    for name in ("bg-img", "rot-bg-img"):
        x, _, info, _ = made[name]
        assert set(np.unique(info["image"])) <= set(range(len(photos)))
        assert len(np.unique(info["image"])) > 10
    x, _, info, _ = made["bg-img"]
    source = digits[0][info["source"]]
    ink = source > 0
    assert np.array_equal(x[ink], source[ink])
    # Each background, seen where the digit has no ink, is no flat patch.
    shown = np.where(ink, np.nan, x.astype(float))
    assert (np.nanstd(shown.reshape(len(x), -1), axis=1) > 5).mean() > 0.95


def test_rect_labels_tall_against_wide_with_sides_three_apart(made):
    x, y, info, _ = made["rect"]
    rows, cols = (x > 0).any(axis=2), (x > 0).any(axis=1)
    height, width = rows.sum(axis=1), cols.sum(axis=1)
    assert np.array_equal(height, info["height"]) and np.array_equal(width, info["width"])
    assert (np.abs(height - width) >= 3).all()
    assert np.array_equal(y, (height > width).astype(np.uint8))
    # An outline: the box's perimeter is white, its inside black.
    assert np.array_equal((x > 0).sum(axis=(1, 2)), 2 * (height + width) - 4)
    assert set(np.unique(x)) == {0, 255}


def test_rect_img_has_two_photographs_inside_and_out(made):
    x, y, info, _ = made["rect-img"]
    assert (info["image"] != info["inside_image"]).all()
    assert np.array_equal(y, (info["height"] > info["width"]).astype(np.uint8))
    assert (np.abs(info["height"] - info["width"]) >= 3).all()


def test_convex_images_pass_the_convexity_test_and_the_others_fail_it(made):
    x, y, info, _ = made["convex"]
    convex = variations.is_convex(x)
    assert convex[y == 1].all()
    assert not convex[y == 0].any()
    assert set(np.unique(x)) == {0, 255}
    assert ((x > 0).sum(axis=(1, 2))[y == 1] >= 19).all()


def test_the_convex_classes_have_the_same_mean_number_of_white_pixels(made):
    x, y, _, _ = made["convex"]
    pixels = (x > 0).sum(axis=(1, 2))
    a, b = pixels[y == 1], pixels[y == 0]
    standard_error = np.sqrt(a.var() / len(a) + b.var() / len(b))
    assert abs(a.mean() - b.mean()) < 4 * standard_error


def test_is_convex_on_shapes_drawn_by_hand():
    def image(*pixels):
        out = np.zeros((SIDE, SIDE), bool)
        for r, c in pixels:
            out[r, c] = True
        return out

    square = np.zeros((SIDE, SIDE), bool)
    square[5:10, 5:10] = True
    ell = square.copy()
    ell[5:8, 7:10] = False  # an L: the hull covers the cut corner
    ring = square.copy()
    ring[7, 7] = False
    shapes = {
        "square": (square, True),
        "L": (ell, False),
        "square with a hole": (ring, False),
        "two dots": (image((3, 3), (3, 6)), False),
        "a diagonal": (image((1, 1), (2, 2), (3, 3)), True),
        "a diagonal with a gap": (image((1, 1), (3, 3)), False),
        "a knight's move": (image((1, 1), (3, 2)), True),  # no pixel centre between them
        "empty": (np.zeros((SIDE, SIDE), bool), True),
    }
    found = variations.is_convex(np.stack([shape for shape, _ in shapes.values()]))
    assert dict(zip(shapes, found, strict=True)) == {k: v for k, (_, v) in shapes.items()}


def test_is_convex_agrees_with_a_hull_computed_by_qhull():
    from scipy.spatial import ConvexHull

    rng = np.random.default_rng(5)
    parts = [variations.convex_regions(rng, 300, 0.07, 10) for _ in range(2)]
    unions = parts[0] | parts[1]
    grid = np.stack(np.divmod(np.arange(SIDE * SIDE), SIDE), axis=1).astype(float)
    expected = []
    for member in unions.reshape(len(unions), -1):
        hull = ConvexHull(grid[member])  # two regions of 10+ pixels: never flat
        inside = (grid @ hull.equations[:, :2].T + hull.equations[:, 2] <= 1e-9).all(axis=1)
        expected.append(not (inside & ~member).any())
    assert np.array_equal(variations.is_convex(unions), expected)
    assert 0 < np.mean(expected) < 1  # both answers occur


def test_the_same_seed_gives_the_same_files_and_another_seed_others(tmp_path, digits, photos):
    manifests = []
    for seed, folder in ((3, "a"), (3, "b"), (4, "c")):
        splits, _ = variations.make_set("rot-bg-img", seed, 0.01, digits, photos)
        manifests.append(
            variations.write_set(tmp_path / folder, "rot-bg-img", splits, seed, 0.01, {})
        )
    assert manifests[0]["md5"] == manifests[1]["md5"]
    assert all(manifests[2]["md5"][f] != manifests[0]["md5"][f] for f in variations.FILES)
    # The gzip wrappers too: a set written twice is the same bytes.
    for file in variations.FILES:
        a, b = (tmp_path / d / f"{file}.gz" for d in "ab")
        assert a.read_bytes() == b.read_bytes()


def test_a_set_folder_holds_its_files_and_manifest(tmp_path, digits):
    splits, _ = variations.make_set("basic", 7, 0.01, digits)
    manifest = variations.write_set(tmp_path / "basic", "basic", splits, 7, 0.01, {"x": 1})
    assert sorted(p.name for p in (tmp_path / "basic").iterdir()) == sorted(
        [f"{f}.gz" for f in variations.FILES] + ["manifest.json"]
    )
    assert json.loads((tmp_path / "basic" / "manifest.json").read_text()) == manifest
    assert manifest["splits"] == {"train": 100, "valid": 20, "test": 500}
    assert manifest["set"] == "basic" and manifest["seed"] == 7
    assert manifest["version"] == variations.VERSION and manifest["parameters"] == {"x": 1}
    # Nothing else was left beside it.
    assert [p.name for p in tmp_path.iterdir()] == ["basic"]


def test_an_existing_folder_is_never_overwritten(tmp_path, digits):
    (tmp_path / "basic").mkdir()
    (tmp_path / "basic" / "mine.txt").write_text("keep")
    splits, _ = variations.make_set("basic", 0, 0.01, digits)
    with pytest.raises(DataError, match="already exists"):
        variations.write_set(tmp_path / "basic", "basic", splits, 0, 0.01, {})
    assert (tmp_path / "basic" / "mine.txt").read_text() == "keep"


def test_too_few_digits_and_unknown_sets_are_refused(digits):
    with pytest.raises(DataError, match="needs 62000 digits; the source has 5000"):
        variations.make_set("basic", 0, 1.0, digits)
    with pytest.raises(ValueError, match="unknown set 'mnist-rot'"):
        variations.make_set("mnist-rot", 0, 0.1, digits)
    with pytest.raises(ValueError, match=r"fraction must be in \(0, 1\]"):
        variations.split_sizes("rot", 1.5)


def test_unreadable_photographs_are_named(tmp_path):
    (tmp_path / "a.png").write_bytes(b"not a png")
    (tmp_path / "b.png").write_bytes(b"nor this")
    with pytest.raises(DataError, match="a.png: cannot read the image"):
        variations.load_images(tmp_path)
    with pytest.raises(DataError, match="no such folder"):
        variations.load_images(tmp_path / "missing")


def test_make_variations_writes_every_set_and_keeps_what_is_written(tmp_path):
    options = {"mnist": "sample", "fraction": 0.01, "output": tmp_path, "quiet": True}
    first = run_script("make_variations.py", **options)
    assert first.returncode == 0, first.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(SETS)
    md5 = {s: json.loads((tmp_path / s / "manifest.json").read_text())["md5"] for s in SETS}
    assert "8 sets" in first.stdout
    second = run_script("make_variations.py", **options)
    assert second.stdout.count("already written") == len(SETS)
    assert md5 == {s: json.loads((tmp_path / s / "manifest.json").read_text())["md5"] for s in SETS}
    other = run_script("make_variations.py", **options, seed=1, sets="rect")
    assert other.returncode != 0 and "with another seed" in other.stderr
    drawn = run_script("plot_variations.py", data=tmp_path, examples=4)
    assert drawn.returncode == 0, drawn.stderr
    with Image.open(tmp_path / "variations.png") as image:
        assert image.format == "PNG" and image.size[1] > image.size[0] > 200  # 8 rows of 4
    wrong = run_script("plot_variations.py", data=tmp_path / "rect", sets="rect")
    assert wrong.returncode == 1 and "holds no set 'rect'" in wrong.stderr
