"""tile_raster_images and the PNG files made from it."""

import numpy as np
import pytest
from PIL import Image

from dae import scale_to_unit_interval, tile_raster_images
from dae.images import save_filters


def test_scale_to_unit_interval():
    out = scale_to_unit_interval(np.array([[-2.0, 0.0], [2.0, 6.0]]))
    np.testing.assert_allclose(out, [[0, 0.25], [0.5, 1]], atol=1e-7)


def test_shape_with_spacing():
    X = np.random.RandomState(0).rand(12, 6)
    out = tile_raster_images(X, img_shape=(2, 3), tile_shape=(3, 4), tile_spacing=(1, 2))
    # 3 tiles of 2 rows with 2 gaps of 1; 4 tiles of 3 columns with 3 gaps of 2.
    assert out.shape == (3 * 2 + 2, 4 * 3 + 3 * 2)
    assert out.dtype == np.uint8


def test_each_row_lands_in_its_tile_scaled_to_0_255():
    X = np.arange(2 * 4, dtype=np.float64).reshape(2, 4)  # two 2x2 images
    out = tile_raster_images(X, img_shape=(2, 2), tile_shape=(1, 2), tile_spacing=(0, 1))
    expected_tile = np.array([[0, 85], [170, 255]])
    np.testing.assert_array_equal(out[:, 0:2], expected_tile)
    np.testing.assert_array_equal(out[:, 2], [0, 0])  # the gap stays black
    np.testing.assert_array_equal(out[:, 3:5], expected_tile)


def test_unscaled_float_output_keeps_values():
    X = np.array([[0.1, 0.2, 0.3, 0.4]])
    out = tile_raster_images(
        X, (2, 2), (1, 1), scale_rows_to_unit_interval=False, output_pixel_vals=False
    )
    np.testing.assert_allclose(out, [[0.1, 0.2], [0.3, 0.4]])


def test_missing_rows_leave_black_tiles():
    out = tile_raster_images(np.ones((1, 4)), (2, 2), (2, 2), scale_rows_to_unit_interval=False)
    assert out[:2, :2].min() == 255
    assert out[2:, :].max() == 0 and out[:, 2:].max() == 0


def test_four_channels_with_missing_ones():
    X = np.random.RandomState(1).rand(4, 9)
    out = tile_raster_images((X, None, X, None), (3, 3), (2, 2), tile_spacing=(1, 1))
    assert out.shape == (7, 7, 4) and out.dtype == np.uint8
    np.testing.assert_array_equal(out[..., 0], tile_raster_images(X, (3, 3), (2, 2), (1, 1)))
    np.testing.assert_array_equal(out[..., 0], out[..., 2])
    assert out[..., 1].max() == 0  # a missing colour is black
    assert out[..., 3].min() == 255  # a missing alpha is opaque


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError, match="needs 4"):
        tile_raster_images(np.ones((2, 5)), (2, 2), (1, 2))
    with pytest.raises(ValueError, match="4 channels"):
        tile_raster_images((np.ones((1, 4)),) * 3, (2, 2), (1, 1))


def test_save_filters_writes_a_png(tmp_path):
    W = np.random.RandomState(2).randn(784, 30).astype(np.float32)
    path = tmp_path / "filters.png"
    save_filters(path, W, tile_shape=(5, 6))
    with Image.open(path) as img:
        assert img.format == "PNG"
        assert img.size == (6 * 29 - 1, 5 * 29 - 1)
        pixels = np.asarray(img)
    np.testing.assert_array_equal(pixels[:28, :28], tile_raster_images(W.T[:1], (28, 28), (1, 1)))
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_save_comparison_stacks_matched_rows_without_rescaling(tmp_path):
    from dae.images import save_comparison

    top = np.full((3, 4), 0.5, dtype="float32")
    bottom = np.ones((3, 4), dtype="float32")
    save_comparison(tmp_path / "pairs.png", top, bottom, img_shape=(2, 2))
    pixels = np.asarray(Image.open(tmp_path / "pairs.png"))
    assert pixels.shape == (2 * 3 - 1, 3 * 3 - 1)
    assert pixels[0, 0] == 128 and pixels[3, 0] == 255  # intensities kept, not stretched
    with pytest.raises(ValueError, match="every row needs 3 images"):
        save_comparison(tmp_path / "bad.png", top, bottom[:2], img_shape=(2, 2))
    assert not (tmp_path / "bad.png").exists()
