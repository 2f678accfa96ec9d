"""The README's Python code runs as written."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
EXAMPLE = "## In your own code"
SAVING = "### Saving and loading models"
TUTORIAL_STYLE = "tutorials' labels (`T.cast(shared_y, 'int32')`) and random streams:"


def section_code(heading):
    """The first Python block after ``heading``."""
    return re.search(r"```python\n(.*?)```", README.read_text().split(heading, 1)[1], re.S)[1]


# Blocks without a test of their own below only have to run.
OTHER_BLOCKS = [b for b in BLOCKS if b not in map(section_code, (EXAMPLE, SAVING, TUTORIAL_STYLE))]


def run(code, namespace=None):
    exec(compile(code, str(README), "exec"), {} if namespace is None else namespace)


@pytest.mark.parametrize("code", OTHER_BLOCKS, ids=lambda code: code.splitlines()[0])
def test_every_other_python_block_runs(code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # blocks that save files write here
    run(code)


def test_readme_example_learns(capsys):
    run(section_code(EXAMPLE))
    error = float(
        re.search(r"validation error after one epoch: ([\d.]+)%", capsys.readouterr().out)[1]
    )
    assert error < 20  # chance is 90%


def test_readme_saving_example_saves(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace = {}
    run(section_code(SAVING), namespace)
    assert namespace["W1"].shape == (784, 500)
    assert (tmp_path / "runs" / "sda.npz").exists()


def test_readme_tutorial_style_da_learns(capsys):
    run(section_code(TUTORIAL_STYLE))
    before, after = map(
        float, re.search(r"cost ([\d.]+) -> ([\d.]+)", capsys.readouterr().out).groups()
    )
    assert after < 0.8 * before
