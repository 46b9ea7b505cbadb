"""Shared helpers: the repository root, and the `sdsl` command line whose
`--json` output the package must reproduce exactly.

The command is `$SDSL_BIN` when set, else `cargo run --release -- …` in the
repository (a no-op build when `cargo test --release` or `cargo build
--release` already built it; CI runs pytest after the cargo tests)."""

import csv
import json
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def in_repo(monkeypatch):
    """Run every test from the repository root, so that relative paths (and the
    paths recorded in the records) are the command line's."""
    monkeypatch.chdir(REPO)


def sdsl_cli(*args: str):
    """Runs `sdsl ARGS --json` from the repository root; its parsed stdout."""
    exe = os.environ.get("SDSL_BIN")
    cmd = [exe] if exe else ["cargo", "run", "--release", "--quiet", "--bin", "sdsl", "--"]
    proc = subprocess.run(
        cmd + list(args) + ["--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, f"{' '.join(cmd + list(args))} failed:\n{proc.stderr}"
    return json.loads(proc.stdout)


def read_csv_exact(path):
    """A CSV file as a pandas DataFrame whose numeric columns were parsed with
    Python's float() (correctly rounded, whatever the pandas version's own
    parser does); other columns stay text."""
    import pandas as pd

    with open(REPO / path, newline="") as f:
        rows = list(csv.DictReader(f))
    columns = {}
    for name in rows[0]:
        values = [r[name] for r in rows]
        try:
            columns[name] = [float(v) for v in values]
        except ValueError:
            columns[name] = values
    return pd.DataFrame(columns)
