"""Every script in py/examples/ runs to the end from the repository root (as
the READMEs show them): quickstart.py, whose output py/README.md shows, and
first_steps.py, whose text is the Python snippet of README.md and py/README.md
(tests/readme.rs checks that)."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((REPO / "py" / "examples").glob("*.py"))


def test_there_are_examples():
    assert {p.name for p in EXAMPLES} >= {"quickstart.py", "first_steps.py"}


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(script):
    proc = subprocess.run(
        [sys.executable, str(script.relative_to(REPO))],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, f"{script.name} failed:\n{proc.stderr}"
    # both examples end with N* for OPT-13B, whose best real OPT draft is OPT-125M
    assert "OPT-125M" in proc.stdout, proc.stdout


def test_quickstart_prints_what_py_readme_shows():
    """py/README.md shows the quickstart's output after `$ python py/examples/quickstart.py`."""
    readme = (REPO / "py" / "README.md").read_text()
    command = "$ python py/examples/quickstart.py\n"
    assert command in readme
    shown = readme.split(command, 1)[1].split("```", 1)[0]
    proc = subprocess.run(
        [sys.executable, "py/examples/quickstart.py"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert _lines(proc.stdout) == _lines(shown)


def _lines(text):
    """Lines without trailing whitespace, without leading and trailing empty lines."""
    return [line.rstrip() for line in text.strip("\n").splitlines()]
