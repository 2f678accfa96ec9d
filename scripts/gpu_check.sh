#!/usr/bin/env bash
# The GPU check: on one GPU, in about 8 minutes at most,
#   1. bench.py --device gpu: dae's dA and fine-tuning steps there at batches 20, 128
#      and 1024, against dae on the CPU and, if it is installed, PyTorch with CUDA;
#   2. train_sda.py --device gpu: the default run on full MNIST there;
#   3. tests/test_jax.py, whose JAX functions then run on the GPU;
# and one JSON file of the results, OUTPUT/gpu_check.json.
#
#   scripts/gpu_check.sh [--dry-run] [--data MNIST_FOLDER] [--output OUTPUT]
#
# --dry-run checks this script where there is no GPU (CI does): JAX on the CPU
# (--device jax), the embedded sample, tiny sizes, a test or two, nothing installed.
#
# Setup: without --dry-run, dae's dependencies are installed first unless dae
# already imports: `pip install -e ".[gpu]"`, or `pip install -e .` where JAX already
# sees a GPU. On a machine cut off from the package index, set DAE_WHEELS to a folder
# of wheels of what is missing there (PyTensor and its dependencies, for the Python
# there): they are installed from it without the index, and dae runs from this
# checkout (PYTHONPATH). Each step has a time limit; a step that fails or runs out
# of time is recorded as such, the others still run, and the script exits 1.
set -uo pipefail
cd "$(dirname "$0")/.."

dry_run=0
data=../shared/mnist
output=runs/gpu_check
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) dry_run=1 ;;
    --data) data=$2; shift ;;
    --output) output=$2; shift ;;
    *) echo "usage: scripts/gpu_check.sh [--dry-run] [--data MNIST_FOLDER] [--output OUTPUT]" >&2
       exit 2 ;;
  esac
  shift
done
python=${PYTHON:-python3}
mkdir -p "$output"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1

install() {
  if "$python" -c "import dae" 2>/dev/null; then
    return 0
  fi
  if [ -n "${DAE_WHEELS:-}" ]; then
    "$python" -m pip install -q --no-index --no-deps "$DAE_WHEELS"/*.whl
  elif "$python" -c "import jax, sys; sys.exit(not jax.devices('gpu'))" 2>/dev/null; then
    "$python" -m pip install -q -e .
  else
    "$python" -m pip install -q -e ".[gpu]"
  fi
}

# run NAME SECONDS COMMAND...: run a step with a time limit; its log, exit status
# and seconds go to OUTPUT/NAME.log and OUTPUT/steps.tsv.
run() {
  local name=$1 limit=$2 start status
  shift 2
  start=$(date +%s%N)
  echo "== $name: $*"
  timeout "$limit" "$@" > "$output/$name.log" 2>&1
  status=$?
  printf '%s\t%s\t%s\t%s\n' "$name" "$status" $(( ($(date +%s%N) - start) / 1000000 )) \
    "$*" >> "$output/steps.tsv"
  tail -n 15 "$output/$name.log"
}

: > "$output/steps.tsv"
if [ $dry_run = 1 ]; then
  device=jax
  bench=(--data sample --batches 20 --rounds 1 --examples 200 --without pytorch)
  sda=(--data sample --limit 400 --hidden 30 20 --corruption 0.1 0.2
       --pretraining-epochs 1 --training-epochs 2)
  tests=(-k "pretraining_step_matches or stay_on_the_device")
else
  device=gpu
  bench=(--data "$data" --rounds 3 --examples 20000)
  sda=(--data "$data")
  tests=()
  export python
  export -f install
  run install 300 bash -c install
fi

run bench 150 "$python" scripts/bench.py --device "$device" "${bench[@]}" \
  --json "$output/bench.json"
run train_sda 240 "$python" scripts/train_sda.py --device "$device" "${sda[@]}" \
  --output "$output/sda" --quiet
run test_jax 90 "$python" -m pytest -q -p no:cacheprovider tests/test_jax.py "${tests[@]}"

"$python" - "$output" "$device" "$dry_run" <<'EOF'
"""Gather the steps' results into OUTPUT/gpu_check.json; exit 1 if a step failed."""
import json
import platform
import subprocess
import sys
from pathlib import Path

output, device, dry_run = Path(sys.argv[1]), sys.argv[2], sys.argv[3] == "1"


def read_json(path):
    return json.loads(path.read_text()) if path.exists() else None


def gpu_name():
    try:
        query = ["nvidia-smi", "--query-gpu=name,driver_version", "--format=csv,noheader"]
        return subprocess.run(query, capture_output=True, text=True, timeout=20).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


steps = {}
for line in (output / "steps.tsv").read_text().splitlines():
    name, status, milliseconds, command = line.split("\t")
    steps[name] = {"status": int(status), "seconds": int(milliseconds) / 1000, "command": command}
    steps[name]["timed_out"] = int(status) == 124
log = (output / "test_jax.log").read_text().splitlines() if (output / "test_jax.log").exists() else []
sda = read_json(output / "sda" / "metrics.json")
result = {
    "dry_run": dry_run,
    "device": device,
    "gpu": gpu_name(),
    "host": platform.node(),
    "python": platform.python_version(),
    "steps": steps,
    "bench": read_json(output / "bench.json"),
    "train_sda": sda and {
        key: sda[key] for key in ("test_error", "total_seconds", "gemm_bound", "command")
    } | {"best_validation_error": sda["finetuning"]["best_validation_error"]},
    "test_jax": next((line for line in reversed(log) if " passed" in line or " failed" in line), None),
}
(output / "gpu_check.json").write_text(json.dumps(result, indent=2) + "\n")
failed = [name for name, step in steps.items() if step["status"] != 0]
print(f"wrote {output / 'gpu_check.json'}" + (f"; failed: {', '.join(failed)}" if failed else ""))
sys.exit(1 if failed else 0)
EOF
