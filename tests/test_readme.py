"""The README's example runs as written."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_example_runs_and_learns(capsys):
    section = README.read_text().split("## In your own code", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    exec(compile(code, str(README), "exec"), {})
    error = float(
        re.search(r"validation error after one epoch: ([\d.]+)%", capsys.readouterr().out)[1]
    )
    assert error < 20  # chance is 90%


def test_readme_saving_example_runs(tmp_path, monkeypatch):
    section = README.read_text().split("### Saving and loading models", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    namespace = {}
    exec(compile(code, str(README), "exec"), namespace)
    assert namespace["W1"].shape == (784, 500)
    assert (tmp_path / "runs" / "sda.npz").exists()
