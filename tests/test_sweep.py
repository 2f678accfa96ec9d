"""Sweeps: the plan, the statistics, the output-folder lock, and a small grid run
on this machine's own Ray (tests/test_sweep_cluster.py has the failures)."""

import csv
import json
import os
import signal
import subprocess
import sys

import pytest
from helpers.scripts import ROOT, command_line, run_script

from dae.apps.sweep_engine import (
    FAILED,
    STOPPED,
    grid_settings,
    make_plan,
    parse_grid,
    plan_trials,
    random_settings,
    setting_name,
    stopped_early,
    summarize,
    trial_row,
)
from dae.checks import DataError
from dae.files import lock_folder

# A tiny SdA on the embedded sample: seconds per trial.
TINY = command_line(
    data="sample",
    limit=500,
    hidden=[20, 20],
    corruption=[0.1, 0.2],
    pretraining_epochs=1,
    training_epochs=2,
    batch_size=50,
)


def test_a_plan_names_its_trials_and_refuses_what_the_sweep_sets():
    grids = [parse_grid("finetune-lr=0.5,1.0"), parse_grid("corruption=0.1 0.2 0.3,0.2 0.3 0.4")]
    settings = grid_settings(grids)
    assert len(settings) == 4 and settings[1] == {"finetune-lr": "0.5", "corruption": "0.2 0.3 0.4"}
    assert setting_name(settings[1]) == "finetune-lr=0.5,corruption=0.2_0.3_0.4"
    trials = plan_trials(make_plan(settings, 2, ["--hidden", "20"]), "runs/s")
    # Seed by seed: a sweep stopped early has as many seeds of every setting.
    assert [t["seed"] for t in trials] == [1, 1, 1, 1, 2, 2, 2, 2]
    assert len(trials) == 8 and trials[5]["folder"].endswith(
        "trials/finetune-lr=0.5,corruption=0.2_0.3_0.4/seed-2"
    )
    assert trials[5]["argv"][:8] == [
        *("--hidden", "20", "--finetune-lr", "0.5", "--corruption", "0.2", "0.3", "0.4")
    ]
    assert make_plan(settings, 3, first_seed=101)["seeds"] == [101, 102, 103]
    for options in (["--seed", "3"], ["--finetune-lr=2"], ["--output", "x"]):
        with pytest.raises(ValueError, match="the sweep sets"):
            make_plan(settings, 1, options)
    with pytest.raises(ValueError, match="OPTION=VALUE"):
        parse_grid("finetune-lr")
    space = {"finetune-lr": {"loguniform": [0.1, 1]}, "hidden": {"choice": ["20 20", "30 30"]}}
    drawn = random_settings(space, 3, seed=1)
    assert drawn == random_settings(space, 3, seed=1) and drawn[0]["hidden"] in ("20 20", "30 30")
    assert 0.1 <= float(drawn[0]["finetune-lr"]) <= 1


def test_settings_are_ranked_by_validation_error_never_test_error():
    def row(setting, valid, test):
        errors = {"best_validation_error": valid, "test_error": test}
        return {"setting": setting, "status": "finished", **errors, "minutes": 1.0}

    rows = [row("a", 0.2, 0.01), row("a", 0.2, 0.01), row("b", 0.1, 0.5), row("b", 0.1, 0.5)]
    assert [entry["setting"] for entry in summarize(rows)] == ["b", "a"]


def test_a_second_writer_is_refused(tmp_path):
    out = tmp_path / "run"
    hold = f"from dae.files import lock_folder; lock = lock_folder({str(out)!r}); print('locked')"
    holder = subprocess.Popen(
        [sys.executable, "-u", "-c", hold + "; import time; time.sleep(60)"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert holder.stdout.readline() == "locked\n"
        result = run_script("train_sda.py", *TINY, output=out)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert f"error: {out} is in use: another process is writing there" in result.stderr
        assert sorted(p.name for p in out.iterdir()) == [".lock"]  # nothing written
        with pytest.raises(DataError, match="in use"):
            lock_folder(out)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    lock_folder(out).close()  # a killed holder leaves the folder free


@pytest.mark.slow
def test_trials_that_cannot_run_end_the_sweep_with_the_reason(tmp_path):
    pytest.importorskip("ray", reason="sweeps need the sweep extra: pip install -e '.[sweep]'")
    trial = command_line(data="sample", batch_size=2000, training_epochs=1)
    result = run_script("sweep.py", "--output", tmp_path / "sweep", "--", *trial)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr[-3000:]
    assert "error: the trials cannot run: --batch-size 2000 is larger than" in result.stderr


@pytest.mark.slow
def test_a_two_by_two_grid_with_two_seeds(tmp_path):
    pytest.importorskip("ray", reason="sweeps need the sweep extra: pip install -e '.[sweep]'")
    out = tmp_path / "sweep"
    grids = ["--grid", "finetune-lr=0.5,1.0", "--grid", "pretrain-lr=0.1,0.2"]
    result = run_script("sweep.py", "--output", out, "--seeds", "2", *grids, "--", *TINY)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "sweep: 8/8 done, 0 running, 0 left" in result.stdout
    rows = list(csv.DictReader((out / "results.csv").open()))
    assert len(rows) == 8 and {r["status"] for r in rows} == {"finished"}
    assert {(r["finetune-lr"], r["pretrain-lr"], r["seed"]) for r in rows} == {
        (lr, plr, seed) for lr in ("0.5", "1.0") for plr in ("0.1", "0.2") for seed in "12"
    }
    assert all(0 <= float(r["best_validation_error"]) <= 1 and r["host"] for r in rows)
    summary = (out / "summary.md").read_text()
    table = [line.split(" | ") for line in summary.splitlines() if line.startswith("| ")]
    assert [cells[2] for cells in table[1:]] == ["2"] * 4 and "95% CI" in table[0]
    assert (out / "summary.png").read_bytes()[:4] == b"\x89PNG"
    # Same seed, same trial: seeds 1 of two settings that differ only in their
    # fine-tuning rate start fine-tuning from the same pretrained weights.
    metrics = json.loads(
        (out / "trials/finetune-lr=0.5,pretrain-lr=0.1/seed-1/metrics.json").read_text()
    )
    assert metrics["config"]["seed"] == 1 and metrics["config"]["finetune_lr"] == 0.5

    again = run_script("sweep.py", "--output", out, "--seeds", "2", *grids, "--resume", "--", *TINY)
    assert again.returncode == 0 and "8 trials, 8 finished before" in again.stdout
    assert "Started a local Ray" not in again.stderr  # nothing left to run: no Ray at all
    other = run_script("sweep.py", "--output", out, "--seeds", "3", *grids, "--resume", "--", *TINY)
    assert other.returncode == 1 and "is another plan (seeds differ)" in other.stderr


@pytest.mark.slow
def test_a_random_search_draws_its_settings_and_reports_every_trial(tmp_path):
    pytest.importorskip("ray", reason="sweeps need the sweep extra: pip install -e '.[sweep]'")
    out, space = tmp_path / "search", tmp_path / "space.json"
    options = {"finetune-lr": {"loguniform": [0.001, 2]}, "lr-decay": {"uniform": [0.9, 1]}}
    space.write_text(json.dumps(options))
    search = ["--search", "random", "--samples", "5", "--space", space, "--search-seed", "3"]
    trial = [*TINY[: TINY.index("--training-epochs")], "--training-epochs", "8"]
    result = run_script("sweep.py", "--output", out, *search, "--first-seed", "7", "--", *trial)
    assert result.returncode == 0, result.stderr[-3000:]
    rows = list(csv.DictReader((out / "results.csv").open()))
    drawn = random_settings(options, 5, seed=3)
    assert [(r["finetune-lr"], r["lr-decay"]) for r in rows] == [
        (s["finetune-lr"], s["lr-decay"]) for s in drawn
    ]
    assert {r["seed"] for r in rows} == {"7"}
    # ASHA may stop a trial at a rung (2 or 6 epochs); it then counts as unfinished.
    for row in rows:
        folder = out / "trials" / row["setting"] / "seed-7"
        if row["status"] == "finished":
            assert (folder / "metrics.json").exists()
        else:
            assert row["status"] == "stopped early" and int(row["epochs"]) < 8
            assert (folder / STOPPED).exists() and not (folder / "metrics.json").exists()
    summary = (out / "summary.md").read_text()
    stopped = sum(r["status"] != "finished" for r in rows)
    assert summary.count("(1 unfinished)") == stopped
    # Ranked by validation error: the finished settings first, best first.
    errors = {
        r["setting"]: float(r["best_validation_error"]) for r in rows if r["status"] == "finished"
    }
    ranked = [line.split(" | ")[1] for line in summary.splitlines() if line.startswith("| ")]
    ranked = ranked[1 : 1 + len(errors)]
    assert set(ranked) == set(errors) and [errors[s] for s in ranked] == sorted(errors.values())


def test_a_pretraining_only_trial_is_reported_not_averaged(tmp_path):
    """A trial run with --training-epochs 0 has no errors: its row says so, and the
    summary counts it as unfinished rather than failing on it."""
    (tmp_path / "metrics.json").write_text(json.dumps({"finetuning": None}))
    row = trial_row({"folder": str(tmp_path), "values": {}, "seed": 1, "setting": "pre"})
    assert row["status"] == "pretrained only" and row["best_validation_error"] is None
    assert summarize([row]) == [{"setting": "pre", "n": 0, "unfinished": 1}]


def test_a_trial_without_results_is_failed_only_if_its_error_was_kept(tmp_path):
    """An interrupted sweep leaves trials it never ran, or cut short: unfinished, for
    --resume. Failed are the trials whose last attempt ended in an error."""
    trial = {"folder": str(tmp_path), "values": {}, "seed": 1, "setting": "s"}
    assert trial_row(trial)["status"] == "unfinished"
    (tmp_path / FAILED).write_text(json.dumps({"error": "DivergenceError"}))
    assert trial_row(trial)["status"] == "failed"
    assert summarize([trial_row(trial)]) == [{"setting": "s", "n": 0, "unfinished": 1}]


def test_only_the_scheduler_stops_a_trial_early(tmp_path):
    """A trial ASHA ended is done in Tune's last result; one cut short by a sweep
    that was interrupted is not, and must not be marked, so --resume runs it on."""
    trial = {"folder": str(tmp_path)}
    assert stopped_early(trial, {"epoch": 7, "done": True})
    assert not stopped_early(trial, {"epoch": 23, "done": False})
    assert not stopped_early(trial, None)
    (tmp_path / "metrics.json").write_text("{}")
    assert not stopped_early(trial, {"done": True})  # it wrote its results: finished
