"""The command-line scripts, end to end on small slices of real digits, and the console
commands installed for them."""

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers.scripts import ROOT, SCRIPTS, command_line, import_script, run_script
from PIL import Image

import dae.data.mnist

# The scripts that run a command of dae.apps: scripts/train_sda.py runs dae.apps.train_sda.
COMMANDS = sorted(p.stem for p in SCRIPTS.glob("*.py") if (ROOT / "dae" / "apps" / p.name).exists())


def console_script(command):
    """The name a command is installed under: ``dae-train-sda`` for ``train_sda``."""
    return "dae-" + command.replace("_", "-")


def test_each_command_is_a_console_script_that_runs_what_its_script_runs():
    """Reads the console scripts of the installed distribution: dae must be installed
    from this checkout (``pip install -e .``) since its entry points last changed."""
    installed = {
        entry.name: entry
        for entry in importlib.metadata.entry_points(group="console_scripts")
        if entry.dist is not None and entry.dist.name == "dae"
    }
    assert "train_sda" in COMMANDS and "bench" not in COMMANDS
    assert sorted(installed) == sorted(map(console_script, COMMANDS)), "pip install -e ."
    for command in COMMANDS:
        main = import_script(command).main
        assert main.__module__ == f"dae.apps.{command}"
        assert installed[console_script(command)].load() is main
    # Console scripts are installed beside the interpreter, whether or not it is on PATH.
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    executable = shutil.which("dae-train-sda", path=path)
    assert executable is not None
    result = subprocess.run(
        [executable, "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.startswith("usage: dae-train-sda ")
        and "--pretraining-epochs" in result.stdout
    )


def test_train_sda_end_to_end_on_a_slice_of_mnist(mnist_dir, tmp_path):
    out = tmp_path / "run"
    sda = dict(hidden=[40, 30], corruption=[0.1, 0.2], pretraining_epochs=2, training_epochs=3)
    result = run_script("train_sda.py", data=mnist_dir, output=out, limit=1000, **sda)
    assert result.returncode == 0, result.stderr
    assert "pretraining layer 2, epoch 2" in result.stdout
    assert "fine-tuning epoch 3" in result.stdout
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["dataset"] == "mnist"
    assert [len(c) for c in metrics["pretraining"]["cost"]] == [2, 2]
    assert metrics["pretraining"]["cost"][0][1] < metrics["pretraining"]["cost"][0][0]
    assert len(metrics["finetuning"]["history"]) == 3
    assert 0 <= metrics["test_error"] < 0.5  # 1,000 digits, 3 epochs: far better than chance
    # The GEMM FLOPs, counted by hand: 1,000 digits in each split, 50 minibatches of 20.
    # Pretraining: 2 epochs of five 784 x 40 products per digit, then layer 1's codes
    # once (one 784 x 40 product per digit) and 2 epochs of five 40 x 30 products.
    pretraining = 2 * 1000 * 10 * 784 * 40 + 1000 * 2 * 784 * 40 + 2 * 1000 * 10 * 40 * 30
    # Fine-tuning, per digit: forward 784 x 40, 40 x 30, 30 x 10; as many for the weight
    # gradients; input gradients of the two upper layers. Validation: forward only, each
    # epoch; test: forward only, at each new best validation error.
    forward = 2 * (784 * 40 + 40 * 30 + 30 * 10)
    step = 2 * forward + 2 * (40 * 30 + 30 * 10)
    best = [r["best_validation_error"] for r in metrics["finetuning"]["history"]]
    tests = 1 + sum(b < a for a, b in zip(best, best[1:]))
    finetuning = 3 * 1000 * step + 3 * 1000 * forward + tests * 1000 * forward
    bound = metrics["gemm_bound"]
    assert bound["flops"] == pretraining + finetuning and bound["gemm_rate"] > 1e9
    assert bound["ratio"] * bound["seconds"] == pytest.approx(metrics["total_seconds"], abs=0.06)
    assert f"{bound['ratio']:.2f}x the GEMM bound" in result.stdout
    with np.load(out / "params.npz") as params:
        assert params["W1"].shape == (784, 40) and params["W2"].shape == (40, 30)
        assert params["W_out"].shape == (30, 10) and params["W1"].dtype == np.float32
    for k in (1, 2):
        with Image.open(out / f"filters_layer{k}.png") as img:
            assert img.size == (10 * 29 - 1, 10 * 29 - 1)


def test_a_damaged_data_file_is_an_error_not_a_fallback(tmp_path):
    data = tmp_path / "mnist"
    data.mkdir()
    for name in dae.data.mnist.MD5:
        (data / name).write_bytes(b"\x00\x00\x08\x03 this is not an IDX file")
    result = run_script("train_sda.py", data=data, output=tmp_path / "run")
    assert result.returncode == 1
    assert "error:" in result.stderr and "idx" in result.stderr
    assert "Traceback" not in result.stderr
    assert "NOT AVAILABLE" not in result.stderr
    assert not (tmp_path / "run").exists()


def test_testing_once_at_the_end_gives_the_test_error_of_each_new_best(tmp_path):
    """--test-at end scores the restored best parameters once: the very number the
    tutorial's test of each new best gave, without the epochs' test errors."""
    sda = dict(data="sample", limit=1000, hidden=[40, 30], corruption=[0.1, 0.2])
    sda.update(pretraining_epochs=1, training_epochs=4, quiet=True)
    metrics = {}
    for when in ("best", "end"):
        result = run_script("train_sda.py", output=tmp_path / when, test_at=when, **sda)
        assert result.returncode == 0, result.stderr
        metrics[when] = json.loads((tmp_path / when / "metrics.json").read_text())
    assert metrics["end"]["test_error"] == metrics["best"]["test_error"]
    history = {when: m["finetuning"]["history"] for when, m in metrics.items()}
    assert all(r["test_error"] is not None for r in history["best"])
    assert all(
        r["test_error"] is None or r["test_error"] != r["test_error"] for r in history["end"]
    )
    assert [r["validation_error"] for r in history["end"]] == [
        r["validation_error"] for r in history["best"]
    ]


def test_train_sda_refuses_bad_arguments():
    result = run_script("train_sda.py", corruption=[1.5, 0.1, 0.1])
    assert result.returncode == 2 and "must be in [0, 1)" in result.stderr
    result = run_script("train_sda.py", hidden=[100, 100], corruption=0.1)
    assert result.returncode == 2 and "1 levels for 2 layers" in result.stderr
    result = run_script("train_sda.py", hidden=0)
    assert result.returncode == 2 and "positive integer" in result.stderr


def test_train_sda_refuses_a_batch_larger_than_the_data(tmp_path):
    out = tmp_path / "run"
    result = run_script("train_sda.py", data="sample", batch_size=4000, output=out)
    assert result.returncode == 1
    assert "--batch-size 4000 is larger than the training set" in result.stderr
    assert not out.exists()


def test_train_da_writes_both_filter_images(mnist_dir, tmp_path):
    out = tmp_path / "da"
    result = run_script("train_da.py", data=mnist_dir, output=out, limit=500, hidden=25, epochs=2)
    assert result.returncode == 0, result.stderr
    images = [np.asarray(Image.open(out / f"filters_corruption_{c}.png")) for c in (0, 30)]
    assert all(img.shape == (289, 289) for img in images)
    assert not np.array_equal(images[0], images[1])  # masking changes what is learned


def test_train_sda_refuses_a_gpu_it_cannot_have(tmp_path):
    jax = pytest.importorskip("jax")
    if any(d.platform == "gpu" for d in jax.devices()):
        pytest.skip("this machine has a GPU")
    result = run_script("train_sda.py", device="gpu", output=tmp_path / "run")
    assert result.returncode == 1
    assert 'error: device "gpu": JAX finds no GPU' in result.stderr
    assert not (tmp_path / "run").exists()


def test_train_da_exposes_the_family(mnist_dir, tmp_path):
    out = tmp_path / "da"
    small = dict(data=mnist_dir, output=out, limit=500, hidden=25, epochs=2)
    family = dict(corruption=0.2, noise="salt_and_pepper", activation="relu", loss="squared_error")
    result = run_script("train_da.py", **small, **family, untied=True, weight_decay=0.001)
    assert result.returncode == 0, result.stderr
    assert (out / "filters_corruption_20.png").exists()
    assert not (out / "filters_corruption_0.png").exists()


@pytest.mark.parametrize(
    "options, message",
    [
        (dict(corruption=1.5), "--corruption must be in [0, 1), got 1.5"),
        (dict(noise="gaussian", corruption=-1), "Gaussian noise needs sigma >= 0, got -1.0"),
        (
            dict(sparsity_weight=3),
            "--sparsity-weight needs a --sparsity-target in (0, 1), got None",
        ),
    ],
)
def test_train_da_refuses_bad_options(tmp_path, options, message):
    result = run_script("train_da.py", output=tmp_path / "da", **options)
    assert result.returncode == 2
    assert message in result.stderr
    assert not (tmp_path / "da").exists()


def test_train_vae_writes_its_pictures_and_elbo(mnist_dir, tmp_path):
    out = tmp_path / "vae"
    result = run_script("train_vae.py", data=mnist_dir, output=out, limit=1000, hidden=50, epochs=3)
    assert result.returncode == 0, result.stderr
    history = json.loads((out / "metrics.json").read_text())["history"]
    assert history[-1]["negative_elbo"] < history[0]["negative_elbo"]
    assert all(h["kl"] > 0 for h in history)
    with Image.open(out / "samples.png") as img:
        assert img.size == (10 * 29 - 1, 10 * 29 - 1)
    with Image.open(out / "reconstructions.png") as img:
        assert img.size == (20 * 29 - 1, 2 * 29 - 1)  # originals above reconstructions
    with Image.open(out / "latent_grid.png") as img:
        assert img.size == (20 * 29 - 1, 20 * 29 - 1)


@pytest.mark.slow
def test_compare_autoencoders_writes_one_row_per_variant(mnist_dir, tmp_path):
    out = tmp_path / "compare"
    result = run_script(
        "compare_autoencoders.py", data=mnist_dir, output=out, limit=600, hidden=30, epochs=2
    )
    assert result.returncode == 0, result.stderr
    rows = {r["variant"]: r for r in json.loads((out / "comparison.json").read_text())["rows"]}
    assert len(rows) == 8 and len(list(out.glob("filters_*.png"))) == 8
    assert rows["sparse, rho 0.05"]["mean code"] < rows["autoencoder"]["mean code"]
    assert rows["contractive, 0.5"]["Jacobian norm"] < rows["autoencoder"]["Jacobian norm"]
    assert all(0.1 < r["probe accuracy"] <= 1 for r in rows.values())  # chance is 0.1
    with Image.open(out / "sheet.png") as img:
        assert img.size == (16 * 29 - 1, 10 * 29 - 1)  # originals, noisy, 8 variants
    assert (out / "comparison.md").read_text().startswith("| variant |")


def test_few_labels_compares_both_starts_on_each_budget_over_seeds(mnist_dir, tmp_path):
    out = tmp_path / "fl"
    settings = dict(labels=[100, 500], hidden=40, pretraining_epochs=1, steps=200, seed=3)
    result = run_script(
        "few_labels.py", data=mnist_dir, output=out, limit=1000, seeds=2, **settings
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / "few_labels.json").read_text())
    rows, methods = summary["rows"], ("random initialisation", "SdA pretraining")
    assert summary["seeds"] == [3, 4] and [r["labels"] for r in rows] == [100, 500]
    for seed in (3, 4):
        alone = json.loads((out / f"seed-{seed}" / "few_labels.json").read_text())["rows"]
        assert [r["labels"] for r in alone] == [100, 500]
        assert all(0 <= r[k] < 0.9 for r in alone for k in methods)
    # The summary is the mean over the seeds' own results, and the gain is paired.
    per_seed = [r["per_seed"] for r in rows]
    for row, seeds in zip(rows, per_seed):
        for k in methods:
            assert row[k] == pytest.approx((seeds["3"][k] + seeds["4"][k]) / 2)
            assert row["statistics"][k][0] == 2
        gains = [s[methods[0]] - s[methods[1]] for s in seeds.values()]
        assert row["statistics"]["gain"][1] == pytest.approx(sum(gains) / 2)
    assert "| 100 |" in (out / "few_labels.md").read_text()
    # Run again with --resume: both seeds are read back, not trained again.
    again = run_script(
        "few_labels.py", data=mnist_dir, output=out, limit=1000, seeds=2, resume=True, **settings
    )
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("finished before") == 2 and "pretrained on" not in again.stdout
    assert json.loads((out / "few_labels.json").read_text())["rows"] == rows


def test_few_labels_refuses_a_budget_it_cannot_balance(tmp_path):
    result = run_script("few_labels.py", labels=105, output=tmp_path / "fl")
    assert result.returncode == 2 and "multiples of 10" in result.stderr


# Each script on the embedded sample with its defaults but for the epochs (or steps),
# which only make it take longer: what a newcomer without MNIST runs first. The
# sparse autoencoder of compare_autoencoders.py saturates in its first minibatch.
ON_THE_SAMPLE = {  # options, and a file the run writes last
    "train_sda.py": (dict(pretraining_epochs=1, training_epochs=1), "metrics.json"),
    "train_da.py": (dict(epochs=1), "filters_corruption_30.png"),
    "train_vae.py": (dict(epochs=1), "metrics.json"),
    "compare_autoencoders.py": (dict(epochs=1), "comparison.json"),
    "few_labels.py": (dict(pretraining_epochs=1, steps=100), "few_labels.json"),
}


@pytest.mark.slow
@pytest.mark.parametrize("script", ON_THE_SAMPLE)
def test_each_script_finishes_on_the_sample_with_its_defaults(script, tmp_path):
    out = tmp_path / "run"
    options, last = ON_THE_SAMPLE[script]
    result = run_script(script, data="sample", output=out, **options)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr and (out / last).exists()
    if script == "train_sda.py":  # its log, drawn by plot_metrics.py
        drawn = run_script("plot_metrics.py", out)
        assert drawn.returncode == 0, drawn.stderr
        with Image.open(out / "learning_curves.png") as img:
            assert img.size[0] > 100
    if script == "few_labels.py":  # 3,000 training digits: 10,000 labels do not fit
        assert "default budgets 10000 are left out" in result.stdout
        rows = json.loads((out / "few_labels.json").read_text())["rows"]
        assert [r["labels"] for r in rows] == [100, 1000]


@pytest.mark.slow
def test_a_sweep_finishes_on_the_sample_with_its_defaults(tmp_path):
    pytest.importorskip("ray", reason="sweeps need the sweep extra: pip install -e '.[sweep]'")
    out = tmp_path / "sweep"
    trial = dict(data="sample", pretraining_epochs=1, training_epochs=1)
    result = run_script("sweep.py", "--output", out, "--", *command_line(**trial))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (out / "results.csv").read_text().count("finished") == 1
    assert (out / "summary.md").exists() and (out / "summary.png").exists()
