"""Times a 4000-replicate bootstrap of the loss fit on Epoch's table (the
refit's setting: Hoffmann's 4500-start grid, sum-Huber, drop_highest=5, each
replicate refitted from Hoffmann's start) from Python and from the command
line, alternating, and prints the wall times.

    python py/benches/bootstrap_4000.py [RUNS]

The command line is $SDSL_BIN, else target/release/sdsl (build it with
`cargo build --release`). Both compute the same record (checked here).
Python's time is the call alone (the interpreter and import are not
counted); the command's is the whole process, as a user would run it.
"""

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import sdsl_laws

REPO = Path(__file__).resolve().parents[2]
EPOCH = "datasets/chinchilla/svg_extracted_data.csv"
runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
exe = os.environ.get("SDSL_BIN") or str(
    Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target")) / "release" / "sdsl"
)
os.chdir(REPO)

py_times, cli_times = [], []
for i in range(runs):
    t = time.perf_counter()
    rec = sdsl_laws.fit_loss(EPOCH, drop_highest=5, bootstrap=4000, seed=2024)
    py_times.append(time.perf_counter() - t)
    t = time.perf_counter()
    out = subprocess.run(
        [exe, "fit", "loss", EPOCH, "--drop-highest", "5", "--bootstrap", "4000",
         "--seed", "2024", "--json", "--quiet"],
        capture_output=True, text=True, check=True,
    ).stdout
    cli_times.append(time.perf_counter() - t)
    assert json.loads(out) == rec, "Python and the command line disagree"

fmt = lambda ts: ", ".join(f"{t:.2f}" for t in ts)
print(f"cores: {os.cpu_count()}; load average before: {os.getloadavg()[0]:.2f}")
print(f"python  fit_loss(bootstrap=4000): median {statistics.median(py_times):.2f} s  ({fmt(py_times)})")
print(f"command sdsl fit loss --bootstrap 4000: median {statistics.median(cli_times):.2f} s  ({fmt(cli_times)})")
