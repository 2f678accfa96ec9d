"""Data sets in MNIST's format: Fashion-MNIST, MNIST and others told apart by their MD5s,
and a --data path typed by the user that holds nothing."""

import json

import numpy as np
import pytest
from helpers.idx import idx_bytes
from helpers.scripts import command_line, import_script, run_script

from dae.apps import cli
from dae.data import DataError, mnist
from dae.data.mnist import UNRECOGNISED, identify, load_dataset

NAMES = list(mnist.MD5)
UNREACHABLE = "http://127.0.0.1:1/"  # nothing listens on port 1: refused at once


def data_lines(err):
    return [line for line in err.splitlines() if line.startswith("data:")]


def link_files(folder, sources):
    """Fill `folder` with links to the IDX files named in `sources` (name -> folder)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, source in sources.items():
        (folder / f"{name}.gz").symlink_to(source / f"{name}.gz")
    return folder


def test_fashion_mnist_loads_with_the_classic_split(fashion_dir, capsys):
    datasets, name = cli.load_mnist_or_sample(fashion_dir)
    assert name == "fashion-mnist"
    assert data_lines(capsys.readouterr().err) == [f"data: fashion-mnist from {fashion_dir}"]
    sizes = [len(x.get_value(borrow=True)) for x, _ in datasets]
    assert sizes == [50_000, 10_000, 10_000]
    for x, y in datasets:
        x, y = x.get_value(borrow=True), y.get_value(borrow=True)
        assert x.shape[1] == 784 and 0 <= x.min() and x.max() <= 1
        assert sorted(np.unique(y)) == list(range(10))
    assert identify(fashion_dir) == "fashion-mnist"


def test_mnist_is_identified(mnist_dir):
    assert identify(mnist_dir) == "mnist"


def test_other_idx_files_load_as_unrecognised(tmp_path, monkeypatch, no_download, capsys):
    monkeypatch.setattr(mnist, "N_VALID", 4)  # so that a dozen images make a split
    rng = np.random.default_rng(0)
    for part, n in (("train", 12), ("t10k", 5)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        (tmp_path / f"{part}-images-idx3-ubyte").write_bytes(idx_bytes(images))
        (tmp_path / f"{part}-labels-idx1-ubyte").write_bytes(idx_bytes(np.arange(n) % 10))
    sets, name = load_dataset(tmp_path)
    assert name == UNRECOGNISED == identify(tmp_path)
    assert [len(x) for x, _ in sets] == [8, 4, 5]
    _, name = cli.load_mnist_or_sample(tmp_path)
    assert name == UNRECOGNISED
    [line] = data_lines(capsys.readouterr().err)
    assert UNRECOGNISED in line and str(tmp_path) in line


def test_a_mix_of_mnist_and_fashion_files_is_unrecognised(mnist_dir, fashion_dir, tmp_path):
    sources = {name: mnist_dir if name.startswith("train") else fashion_dir for name in NAMES}
    assert identify(link_files(tmp_path, sources)) == UNRECOGNISED


def test_identify_needs_idx_files(tmp_path):
    for name in NAMES:
        (tmp_path / name).write_bytes(b"not an IDX file")
    with pytest.raises(DataError, match="IDX magic number") as error:
        identify(tmp_path)
    assert str(tmp_path) in str(error.value)


def test_mnist_is_not_downloaded_beside_other_files(fashion_dir, tmp_path, no_download):
    # Fashion-MNIST's training files without its test files: completing them with
    # MNIST's would mix two data sets.
    folder = link_files(tmp_path / "data", {name: fashion_dir for name in NAMES[:2]})
    with pytest.raises(DataError, match="not MNIST's file") as error:
        load_dataset(folder)
    assert str(folder / NAMES[0]) in str(error.value)
    with pytest.raises(DataError, match=f"only some of the four IDX files: no {NAMES[2]}, "):
        load_dataset(folder, download=False)
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{n}.gz" for n in NAMES[:2])


def test_a_mistyped_data_path_is_an_error(tmp_path):
    typo = tmp_path / "no" / "such" / "folder"
    out = tmp_path / "run"
    result = run_script("train_sda.py", data=typo, output=out, limit=100)
    assert result.returncode == 1
    assert f"error: {typo}: no such file or folder" in result.stderr
    assert "Traceback" not in result.stderr
    assert "sample" not in result.stderr and "NOT AVAILABLE" not in result.stderr
    assert "fine-tuning" not in result.stdout
    assert not (tmp_path / "no").exists() and not out.exists()


def test_a_typed_empty_folder_is_an_error_not_a_download(tmp_path, no_download):
    empty = tmp_path / "empty"
    empty.mkdir()
    train_sda = import_script("train_sda")
    args = command_line(data=empty, output=tmp_path / "run", limit=100)
    with pytest.raises(SystemExit, match="^error: .*holds no data") as error:
        train_sda.main(args)  # the command's one-line message, not a traceback
    assert str(empty) in str(error.value)
    assert list(empty.iterdir()) == [] and not (tmp_path / "run").exists()


def test_the_default_path_falls_back_to_the_sample_loudly(tmp_path, monkeypatch, capsys):
    # The default data/mnist is relative: under tmp_path it is empty, and the
    # unreachable mirror makes the download fail.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(mnist, "MIRRORS", (UNREACHABLE,))
    train_sda = import_script("train_sda")
    schedule = dict(pretraining_epochs=1, training_epochs=1, batch_size=50)
    train_sda.main(command_line(output="run", limit=500, hidden=20, corruption=0.1, **schedule))
    err = capsys.readouterr().err
    assert "FULL MNIST IS NOT AVAILABLE" in err and "NOT comparable" in err
    assert str(cli.DEFAULT_DATA) in err
    assert data_lines(err)[-1].startswith("data: the 5,000-digit sample")
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["dataset"] == "mnist-5k-sample"
