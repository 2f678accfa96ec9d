"""Running the scripts in ``scripts/`` from tests: as a process, or imported."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"


def command_line(*args, **options):
    """The command line ``args`` then ``options`` spell, as a list of strings.

    ``args`` come first, in their order; then each option ``name=value`` in the
    order given, as ``--name`` (underscores become dashes) and its value. A list or
    tuple gives several values after the one option, ``True`` the bare flag, and
    ``False`` or ``None`` leaves the option out. Every value goes through ``str``.

    >>> command_line("run", limit=500, batch_size=5, corruption=[0.1, 0.2], resume=True)
    ['run', '--limit', '500', '--batch-size', '5', '--corruption', '0.1', '0.2', '--resume']
    >>> command_line(corruption=0, quiet=False, seed=None)
    ['--corruption', '0']
    """
    line = [str(arg) for arg in args]
    for name, value in options.items():
        if value is None or value is False:
            continue
        line.append("--" + name.replace("_", "-"))
        if value is not True:
            values = value if isinstance(value, list | tuple) else [value]
            line.extend(str(v) for v in values)
    return line


def run_script(name, /, *args, **options):
    """Run ``scripts/name`` in a new Python process, with the command line
    :func:`command_line` makes of ``args`` and ``options``; its CompletedProcess."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, str(SCRIPTS / name), *command_line(*args, **options)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def import_script(name):
    """``scripts/name.py`` imported as a module, to call its ``main`` in this process."""
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def start_script(name, /, *args, **options):
    """Start ``scripts/name`` in a new Python process, with the command line
    :func:`command_line` makes of ``args`` and ``options``, its output piped."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, str(SCRIPTS / name), *command_line(*args, **options)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
