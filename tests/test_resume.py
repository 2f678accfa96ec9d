"""Stopping and resuming the training scripts: killed, interrupted, diverged, rerun."""

import json
import random
import signal
import time

import numpy as np
import pytest
from helpers.scripts import run_script, start_script
from PIL import Image

# A small SdA on the embedded sample (no MNIST needed): 4 + 4 pretraining epochs,
# 6 fine-tuning epochs with dropout and momentum, so velocities and generator
# states must be restored too.
SDA = dict(
    data="sample",
    hidden=[200, 200],
    corruption=[0.1, 0.2],
    pretraining_epochs=4,
    training_epochs=6,
    momentum=0.5,
    quiet=True,
)


def interrupt(script, options, out, after_epochs):
    """Start ``script`` with ``options``, press Ctrl-C once ``after_epochs`` epochs are
    logged; its stderr."""
    process = start_script(script, **options, output=out)
    log = out / "metrics.jsonl"
    while not (log.exists() and len(log.read_text().splitlines()) >= after_epochs):
        assert process.poll() is None, process.communicate()[1]
        time.sleep(0.005)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    return stderr


def records(folder):
    """The metrics log without its wall-clock times."""
    lines = (folder / "metrics.jsonl").read_text().splitlines()
    return [{k: v for k, v in json.loads(line).items() if k != "seconds"} for line in lines]


def assert_same_run(a, b):
    with np.load(a / "params.npz") as pa, np.load(b / "params.npz") as pb:
        assert pa.files == pb.files
        for name in pa.files:
            np.testing.assert_array_equal(pa[name], pb[name], err_msg=name)
    assert records(a) == records(b)
    ma, mb = (json.loads((f / "metrics.json").read_text()) for f in (a, b))
    assert ma["pretraining"]["cost"] == mb["pretraining"]["cost"]
    for key in ("best_validation_error", "test_error", "best_epoch", "epochs"):
        assert ma["finetuning"][key] == mb["finetuning"][key]


@pytest.mark.slow
def test_killed_at_random_points_then_resumed_ends_bit_identical(tmp_path):
    reference = tmp_path / "reference"
    result = run_script("train_sda.py", **SDA, output=reference)
    assert result.returncode == 0, result.stderr
    n_epochs = len(records(reference))
    assert n_epochs == 4 + 4 + 6
    assert not (reference / "checkpoint.npz").exists()  # removed once the run is done

    seed = random.randrange(2**32)
    rng = random.Random(seed)
    epoch_seconds = json.loads((reference / "metrics.jsonl").read_text().splitlines()[-1])
    epoch_seconds = epoch_seconds["seconds"] / n_epochs
    # Kill once while starting up, then after a random number of finished epochs
    # plus a random part of the next one: mid-epoch, mid-checkpoint, between. The
    # last two epochs are never a target, so each kill finds the run unfinished.
    targets = sorted(rng.sample(range(1, n_epochs - 1), 4))
    out = tmp_path / "killed"
    log = out / "metrics.jsonl"
    kills = []
    for target in [0, *targets]:
        process = start_script("train_sda.py", **SDA, output=out, resume=True)
        deadline = time.monotonic() + 300
        while (log.exists() and len(log.read_text().splitlines())) < target:
            assert process.poll() is None, process.communicate()[1]
            assert time.monotonic() < deadline
            time.sleep(0.005)
        time.sleep(rng.uniform(0, epoch_seconds) if target else rng.uniform(0, 2))
        process.send_signal(signal.SIGSTOP)  # frozen where it is, to be looked at
        done = len(log.read_text().splitlines()) if log.exists() else 0
        kills.append((target, done, process.poll()))
        process.send_signal(signal.SIGKILL)
        process.communicate()
    # Every kill found the run going (poll None) and unfinished, and all but the
    # first after the epochs it waited for.
    assert all(code is None and done < n_epochs for _, done, code in kills), (seed, kills)
    assert all(done >= target for target, done, _ in kills), (seed, kills)

    result = run_script("train_sda.py", **SDA, output=out, resume=True)
    assert result.returncode == 0, (seed, kills, result.stderr)
    assert "resuming from" in result.stdout
    assert_same_run(reference, out)


@pytest.mark.slow
def test_ctrl_c_saves_and_exits_cleanly_then_resume_ends_identical(tmp_path):
    reference, out = tmp_path / "reference", tmp_path / "interrupted"
    assert run_script("train_sda.py", **SDA, output=reference).returncode == 0
    stderr = interrupt("train_sda.py", SDA, out, after_epochs=6)
    assert "Traceback" not in stderr
    assert "saved in" in stderr and "--resume" in stderr
    assert (out / "checkpoint.npz").exists() and not (out / "params.npz").exists()

    again = run_script("train_sda.py", **SDA, output=out)
    assert again.returncode != 0 and "--resume" in again.stderr  # nothing overwritten
    resumed = run_script("train_sda.py", **SDA, output=out, resume=True)
    assert resumed.returncode == 0, resumed.stderr
    assert_same_run(reference, out)


@pytest.mark.slow
def test_the_same_seed_gives_bit_identical_runs(tmp_path):
    for name in ("a", "b"):
        assert run_script("train_sda.py", **SDA, output=tmp_path / name).returncode == 0
    assert_same_run(tmp_path / "a", tmp_path / "b")
    other = run_script("train_sda.py", **SDA, output=tmp_path / "c", seed=1)
    assert records(tmp_path / "c") != records(tmp_path / "a"), other.stderr


@pytest.mark.slow
def test_fine_tuning_from_a_saved_pretraining_is_the_whole_run(tmp_path):
    """--training-epochs 0 saves the pretrained SdA with its generator; --init of it
    with --pretraining-epochs 0 fine-tunes exactly as the run that does both."""
    sda = {**SDA, "hidden": [40, 30], "limit": 1000, "pretraining_epochs": 1, "seed": 5}
    whole = run_script("train_sda.py", **sda, output=tmp_path / "whole")
    assert whole.returncode == 0, whole.stderr
    pretrained = run_script(
        "train_sda.py", **{**sda, "training_epochs": 0}, output=tmp_path / "pre"
    )
    assert pretrained.returncode == 0 and "pretraining only" in pretrained.stdout
    metrics = json.loads((tmp_path / "pre" / "metrics.json").read_text())
    assert metrics["finetuning"] is None and metrics["test_error"] is None
    init = tmp_path / "pre" / "params.npz"
    tuned = run_script(
        "train_sda.py", **{**sda, "pretraining_epochs": 0}, init=init, output=tmp_path / "tuned"
    )
    assert tuned.returncode == 0, tuned.stderr
    assert f"weights and random generator from {init}" in tuned.stdout
    with (
        np.load(tmp_path / "whole" / "params.npz") as a,
        np.load(tmp_path / "tuned" / "params.npz") as b,
    ):
        for name in a.files:
            np.testing.assert_array_equal(a[name], b[name], err_msg=name)
    finetuning = [r for r in records(tmp_path / "whole") if r["phase"] == "fine-tuning"]
    assert records(tmp_path / "tuned") == finetuning
    # An SdA of other sizes is refused, naming the file and the parameter.
    other = run_script(
        "train_sda.py", **{**sda, "hidden": [40, 20]}, init=init, output=tmp_path / "x"
    )
    assert other.returncode == 1 and "Traceback" not in other.stderr
    assert str(init) in other.stderr and "parameter W2" in other.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    "script, options",
    [
        ("train_da.py", dict(hidden=100, epochs=6)),
        ("train_vae.py", dict(hidden=100, epochs=6)),
    ],
)
def test_other_scripts_resume_where_they_stopped(tmp_path, script, options):
    common = dict(data="sample", quiet=True, **options)
    assert run_script(script, **common, output=tmp_path / "reference").returncode == 0
    out = tmp_path / "interrupted"
    interrupt(script, common, out, after_epochs=3)
    resumed = run_script(script, **common, output=out, resume=True)
    assert resumed.returncode == 0, resumed.stderr
    assert records(out) == records(tmp_path / "reference")


@pytest.mark.slow
def test_resume_under_other_settings_is_refused(tmp_path):
    out = tmp_path / "run"
    interrupt("train_sda.py", SDA, out, after_epochs=1)
    result = run_script("train_sda.py", **SDA, output=out, resume=True, finetune_lr=0.5)
    assert result.returncode == 1
    assert "other settings (finetune_lr)" in result.stderr and "Traceback" not in result.stderr


def test_divergence_stops_with_the_phase_and_epoch(tmp_path):
    # A linear autoencoder at a far too large learning rate blows up at once.
    da = dict(activation="linear", loss="squared_error", corruption=0, learning_rate=10, hidden=20)
    result = run_script("train_da.py", data="sample", output=tmp_path / "da", quiet=True, **da)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "error: corruption 0%, epoch 1, minibatch" in result.stderr
    assert "the cost is" in result.stderr and "dA1_W" in result.stderr


@pytest.mark.slow
def test_plot_metrics_draws_the_learning_curves(tmp_path):
    out = tmp_path / "run"
    assert run_script("train_sda.py", **SDA, output=out).returncode == 0
    result = run_script("plot_metrics.py", out)
    assert result.returncode == 0, result.stderr
    with Image.open(out / "learning_curves.png") as image:
        assert image.format == "PNG" and image.size == (1500, 400)  # three panels
        pixels = np.asarray(image.convert("L"))
    assert pixels.min() < 100 and pixels.max() > 200  # drawn, not blank


def test_plot_metrics_names_a_bad_line(tmp_path):
    log = tmp_path / "metrics.jsonl"
    log.write_text('{"phase": "training", "epoch": 1, "cost": 2.0}\n{"phase": \n')
    result = run_script("plot_metrics.py", log)
    assert result.returncode == 1
    assert f"{log}, line 2: not JSON" in result.stderr
    assert not (tmp_path / "learning_curves.png").exists()
    missing = run_script("plot_metrics.py", tmp_path / "nothing")
    assert missing.returncode == 1 and "nothing" in missing.stderr
