"""scripts/gpu_check.sh in its dry run: the GPU check's steps, on JAX's CPU device."""

import json
import os
import subprocess
import sys

import pytest
from helpers.scripts import ROOT

pytest.importorskip("jax", reason="the GPU check runs dae on PyTensor's JAX backend")


@pytest.mark.slow
def test_the_gpu_check_runs_every_step_and_writes_one_json_file(tmp_path):
    out = tmp_path / "gpu"
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "gpu_check.sh"), "--dry-run", "--output", str(out)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHON": sys.executable},
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    check = json.loads((out / "gpu_check.json").read_text())
    assert check["dry_run"] is True and check["device"] == "jax"
    assert list(check["steps"]) == ["bench", "train_sda", "test_jax"]
    assert all(step["status"] == 0 and step["seconds"] > 0 for step in check["steps"].values())
    rows = check["bench"]["rows"]
    assert [(row["step"], row["batch"]) for row in rows] == [("dA", 20), ("fine-tune", 20)]
    assert all(row["dae"] > 0 and row["dae-cpu"] > 0 and row["dae/dae-cpu"] > 0 for row in rows)
    assert "JAX backend" in check["bench"]["describe"]
    sda = check["train_sda"]
    assert 0 <= sda["test_error"] < 0.9 and sda["gemm_bound"]["flops"] > 0
    assert "--device jax" in sda["command"]
    assert check["test_jax"].startswith("2 passed")
