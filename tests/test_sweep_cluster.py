"""Sweeps that lose nothing, on a real two-node Ray cluster on this machine: a head and
a worker node, each started by its own ``ray start``, with token authentication.

One cluster serves the module and is stopped at its end. The head listens on the
loopback address only; see ``cluster`` for how, and for what Ray does not allow.
"""

import contextlib
import csv
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
from helpers.scripts import ROOT, command_line

from dae.apps.sweep_engine import THREAD_VARIABLES

pytest.importorskip("ray")
pytestmark = pytest.mark.slow

RAY = str(Path(sys.executable).parent / "ray")
TRIAL_EPOCHS = 8  # of fine-tuning
# Trials of some seconds. The tests act at points they make known by pausing the
# sweep's driver (see ``paused``), not at points in time.
TRIAL = command_line(
    data="sample",
    limit=1000,
    hidden=[20, 20],
    corruption=[0.1, 0.2],
    pretraining_epochs=2,
    training_epochs=TRIAL_EPOCHS,
    batch_size=20,
)


@pytest.fixture(scope="module")
def cluster():
    """A head and a worker node of one CPU each; yields the address to give --address.

    Ray 2.60's ``ray start`` turns a loopback --node-ip-address or --address into the
    machine's routable address, unless RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0, with
    which the head takes 127.0.0.1 as its address and listens there only, but a
    worker node refuses to start. The worker node and the sweep therefore reach the
    head by its IPv4-mapped IPv6 form, ``[::ffff:127.0.0.1]``, which Ray does not
    rewrite; the worker node's own raylet listens on every interface (Ray binds to
    127.0.0.1 only for a node whose address is exactly that), behind the token.
    """
    temp = tempfile.mkdtemp(prefix="ray-", dir="/tmp")  # short: Ray's socket paths
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "RAY_AUTH_MODE": "token",
        # A lost node is noticed within seconds, not the default half a minute.
        "RAY_health_check_period_ms": "1000",
        "RAY_health_check_failure_threshold": "3",
    }
    address = f"[::ffff:127.0.0.1]:{port}"
    head = [RAY, "start", "--head", "--node-ip-address=127.0.0.1", f"--port={port}"]
    head += ["--include-dashboard=false", f"--temp-dir={temp}"]
    worker = [RAY, "start", f"--address={address}"]
    common = ["--num-cpus=1", "--disable-usage-stats"]
    nodes = {}
    try:
        for name, command, extra in (
            ("head", head, {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}),
            ("worker", worker, {}),
        ):
            # Each node in its own session: its processes are one group to kill,
            # whose id is that of the `ray start` that made it.
            start = subprocess.Popen(
                command + common,
                env={**env, **extra},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                start_new_session=True,
            )
            nodes[name] = start.pid
            _, err = start.communicate(timeout=120)
            assert start.returncode == 0, err[-3000:]
        yield {"address": address, "env": env, "nodes": nodes}
    finally:
        for group in nodes.values():
            kill_node(group)


def node_processes(group):
    """The processes of the node started in process group ``group``: its daemons and
    the workers its raylet started, which Ray puts in process groups of their own."""
    parents, found = {}, set()
    for proc in Path("/proc").iterdir():
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            parents[int(proc.name)] = (int(fields[1]), int(fields[2]))  # ppid, pgid
        except (OSError, ValueError, IndexError):
            continue
    found = {pid for pid, (_, pgid) in parents.items() if pgid == group}
    while more := {pid for pid, (ppid, _) in parents.items() if ppid in found} - found:
        found |= more
    return found


def kill_node(group):
    for pid in node_processes(group):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def sweep(cluster, out, *args):
    """Start a sweep on the cluster; its Popen."""
    line = ["--address", cluster["address"], "--output", out, *args]
    return subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "sweep.py"), *line],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=cluster["env"],
        start_new_session=True,
    )


def wait_for(condition, timeout=180, interval=0.2):
    """Wait until ``condition()`` is true; fail after ``timeout`` seconds."""
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(interval)


@contextlib.contextmanager
def paused(driver):
    """The sweep's driver stopped, so that the test acts at a known point.

    Tune's function trainables report synchronously: a trial's report of an epoch
    returns only when the driver asks for the next result. With the driver stopped,
    each running trial goes on to the end of the epoch it is in, at most, and waits
    there, checkpointed; no trial starts or is started again.
    """
    os.kill(driver.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(driver.pid, signal.SIGCONT)


def alive(pid):
    """Whether process ``pid`` runs (a zombie does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def records(folder):
    path = Path(folder) / "metrics.jsonl"
    return path.read_text().splitlines() if path.exists() else []


def finetuning_epochs(folder):
    """The fine-tuning epochs ``folder``'s trial has checkpointed."""
    return sum("validation_error" in json.loads(line) for line in records(folder))


def finished(folder):
    return (Path(folder) / "metrics.json").exists()


def trial_info(folder):
    path = Path(folder) / "trial.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def rows(out):
    return list(csv.DictReader((Path(out) / "results.csv").open()))


def test_a_killed_trial_resumes_and_ends_as_an_unbroken_one(cluster, tmp_path):
    out = tmp_path / "sweep"
    folder = out / "trials" / "default" / "seed-1"
    driver = sweep(cluster, out, "--", *TRIAL)
    # Pause the sweep as soon as the trial starts: the trial then waits, unfinished,
    # at its first fine-tuning epoch, where its worker is killed.
    wait_for(lambda: trial_info(folder).get("pid"), interval=0.01)
    with paused(driver):
        wait_for(lambda: finetuning_epochs(folder) >= 1)
        assert not finished(folder) and finetuning_epochs(folder) < TRIAL_EPOCHS
        os.kill(trial_info(folder)["pid"], signal.SIGKILL)
    output, _ = driver.communicate(timeout=300)
    assert driver.returncode == 0, output[-3000:]
    assert trial_info(folder)["attempts"] == 2
    assert "resuming from" in (folder / "output.log").read_text()

    # The same run unbroken, with a trial's one BLAS thread (more threads sum in
    # another order).
    unbroken = tmp_path / "unbroken"
    one_thread = {variable: "1" for variable in THREAD_VARIABLES}
    line = [*TRIAL, *command_line(seed=1, output=unbroken, quiet=True)]
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "train_sda.py"), *line],
        env={**cluster["env"], **one_thread},
        check=True,
        capture_output=True,
    )
    a, b = np.load(folder / "params.npz"), np.load(unbroken / "params.npz")
    assert all(np.array_equal(a[k], b[k]) for k in a.files)
    mine, theirs = (json.loads((f / "metrics.json").read_text()) for f in (folder, unbroken))
    for key in ("best_validation_error", "test_error", "best_epoch", "epochs"):
        assert mine["finetuning"][key] == theirs["finetuning"][key]
    assert mine["pretraining"]["cost"] == theirs["pretraining"]["cost"]


def test_a_killed_driver_resumes_without_rerunning_finished_trials(cluster, tmp_path):
    out = tmp_path / "sweep"
    args = ["--seeds", "2", "--grid", "finetune-lr=0.5,1.0", "--", *TRIAL]
    driver = sweep(cluster, out, *args)

    def done_trials():
        return sorted(out.glob("trials/*/seed-*/metrics.json"))

    wait_for(lambda: done_trials())
    driver.send_signal(signal.SIGSTOP)  # no trial starts; the running ones wait (paused)
    driver.send_signal(signal.SIGKILL)
    driver.wait()
    # Ray ends the killed driver's workers: once they are gone, nothing more is written.
    pids = [trial_info(folder)["pid"] for folder in out.glob("trials/*/seed-*")]
    wait_for(lambda: not any(alive(pid) for pid in pids))
    done = {path: path.stat().st_mtime_ns for path in done_trials()}
    assert 1 <= len(done) < 4
    attempts = {path.parent: trial_info(path.parent)["attempts"] for path in done}

    again = sweep(cluster, out, "--resume", *args)
    output, _ = again.communicate(timeout=300)
    assert again.returncode == 0, output[-3000:]
    assert f"4 trials, {len(done)} finished before" in output
    assert {path: path.stat().st_mtime_ns for path in done} == done  # not run again
    assert {folder: trial_info(folder)["attempts"] for folder in attempts} == attempts
    assert [r["status"] for r in rows(out)] == ["finished"] * 4


def test_an_interrupted_driver_stops_cleanly_and_resumes(cluster, tmp_path):
    """Ctrl-C while trials wait for a core: no traceback, the unfinished trials are
    reported, and --resume ends them all."""
    out = tmp_path / "sweep"
    args = ["--seeds", "2", "--grid", "finetune-lr=0.5,1.0", "--", *TRIAL]
    driver = sweep(cluster, out, *args)
    wait_for(lambda: any(records(folder) for folder in out.glob("trials/*/seed-*")))
    with paused(driver):  # 2 cores: 2 trials running or about to, 2 waiting
        assert not any(finished(folder) for folder in out.glob("trials/*/seed-*"))
        driver.send_signal(signal.SIGINT)  # handled once the driver goes on
    output, _ = driver.communicate(timeout=300)
    assert "Traceback" not in output, output[-3000:]
    assert "trials unfinished; the same command with --resume goes on" in output
    assert {r["status"] for r in rows(out)} <= {"finished", "unfinished"}

    again = sweep(cluster, out, "--resume", *args)
    output, _ = again.communicate(timeout=300)
    assert again.returncode == 0, output[-3000:]
    assert [r["status"] for r in rows(out)] == ["finished"] * 4


def test_a_killed_worker_node_loses_no_trial(cluster, tmp_path):
    out = tmp_path / "sweep"
    worker = cluster["nodes"]["worker"]
    driver = sweep(cluster, out, "--seeds", "2", "--grid", "finetune-lr=0.5,1.0", "--", *TRIAL)

    def on_worker_node():
        """The trial folders whose trial runs on the worker node."""
        return [
            folder
            for folder in out.glob("trials/*/seed-*")
            if trial_info(folder).get("pid") in node_processes(worker)
        ]

    wait_for(on_worker_node, interval=0.01)
    with paused(driver):  # the worker node's trial goes on to a checkpoint and waits
        (folder,) = on_worker_node()
        wait_for(lambda: finetuning_epochs(folder) >= 1)
        assert not finished(folder)
        kill_node(worker)  # the raylet and every process of the node
    output, _ = driver.communicate(timeout=300)
    assert driver.returncode == 0, output[-3000:]
    assert [r["status"] for r in rows(out)] == ["finished"] * 4
    assert max(trial_info(f)["attempts"] for f in out.glob("trials/*/seed-*")) >= 2
