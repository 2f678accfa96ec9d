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
