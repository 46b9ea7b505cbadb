"""fit_loss: Besiroglu et al.'s numbers on Epoch's table, and the command
line's record to the last digit, from a path, a DataFrame, numpy arrays and
pandas Series."""

import json

import numpy as np
import pandas as pd
import pytest

import sdsl_laws
from conftest import read_csv_exact, sdsl_cli

EPOCH = "datasets/chinchilla/svg_extracted_data.csv"


@pytest.fixture(scope="module")
def from_path():
    return sdsl_laws.fit_loss(EPOCH, drop_highest=5)


@pytest.fixture(scope="module")
def epoch_columns():
    """N, D, loss of the 240 rows that Epoch's rule keeps, as the library
    derives them (D = C/(6N))."""
    df = read_csv_exact(EPOCH)
    keep = df["loss"] < np.sort(df["loss"].to_numpy())[-5]
    df = df[keep]
    n = df["Model Size"]
    return n, df["Training FLOP"] / (6.0 * n), df["loss"]


def test_reproduces_besiroglu_2024_on_the_epoch_table(from_path):
    # Besiroglu, Erdil, Barnett & You (2024), arXiv:2404.10102, as quoted in
    # SPEC §3 (Hoffmann's objective, full 4500-start grid):
    # f* = 0.001018274018, A ≈ 477.8, B ≈ 2143.4, E = 1.81722, α = 0.34731, β = 0.36717
    r = from_path
    assert r["rows_used"] == 240
    assert r["input"]["dropped_rows"] == [1, 2, 3, 4, 5]
    assert r["objective"]["name"] == "huber"
    assert r["objective"]["value"] == pytest.approx(0.001018274018, abs=1e-12)
    p = r["params"]
    assert p["E"] == pytest.approx(1.81722, abs=1e-5)
    assert p["alpha"] == pytest.approx(0.34731, abs=1e-5)
    assert p["beta"] == pytest.approx(0.36717, abs=1e-5)
    assert p["A"] == pytest.approx(477.8, rel=5e-3)
    assert p["B"] == pytest.approx(2143.4, rel=5e-3)
    assert r["starts"]["total"] == 4500


def test_equals_the_command_line_record_on_the_same_file(from_path):
    cli = sdsl_cli("fit", "loss", EPOCH, "--drop-highest", "5")
    # the whole record: input (path, sha256), objective, params, starts, solver ...
    assert from_path == cli
    # and printed floats identical to the last digit
    assert json.dumps(from_path["params"]) == json.dumps(cli["params"])


def test_numpy_arrays_give_the_command_line_parameters_to_the_last_digit(from_path, epoch_columns):
    n, d, loss = (c.to_numpy() for c in epoch_columns)
    assert isinstance(n, np.ndarray)
    r = sdsl_laws.fit_loss(n, d, loss)
    assert r["params"] == from_path["params"]
    assert r["objective"]["value"] == from_path["objective"]["value"]
    assert r["rows_used"] == 240
    assert r["input"]["path"] == "columns"


def test_pandas_series_and_dataframe_inputs(from_path, epoch_columns):
    n, d, loss = epoch_columns
    assert isinstance(n, pd.Series)
    # a filtered Series keeps its original index; rows are taken in order
    r = sdsl_laws.fit_loss(n, d, loss, grid="init")
    df = pd.DataFrame({"N": n, "D": d, "loss": loss})
    r2 = sdsl_laws.fit_loss(df, grid="init")
    assert r["params"] == r2["params"]
    # the full file as a DataFrame, Epoch's layout recognised
    full = read_csv_exact(EPOCH)
    r3 = sdsl_laws.fit_loss(full, drop_highest=5)
    assert r3["params"] == from_path["params"]
    assert r3["input"]["layout"] == from_path["input"]["layout"]


def test_bootstrap_equals_the_command_line_and_does_not_depend_on_threads():
    args = dict(drop_highest=5, grid="init", bootstrap=40, seed=3)
    one = sdsl_laws.fit_loss(EPOCH, threads=1, **args)
    two = sdsl_laws.fit_loss(EPOCH, threads=2, **args)
    assert one == two
    cli = sdsl_cli(
        "fit", "loss", EPOCH, "--drop-highest", "5", "--grid", "init",
        "--bootstrap", "40", "--seed", "3",
    )
    assert one == cli
    assert one["bootstrap"]["replicates"] == 40
    lo, hi = one["bootstrap"]["estimates"]["E"]["ci95"]
    assert lo < one["params"]["E"] < hi


def test_fix_and_tie_constrain_the_fit():
    r = sdsl_laws.fit_loss(EPOCH, drop_highest=5, grid="init", fix={"E": 1.69})
    assert r["params"]["E"] == 1.69
    assert r["constraints"]["fixed"] == {"E": 1.69}
    t = sdsl_laws.fit_loss(EPOCH, drop_highest=5, grid="init", tie="alpha=beta")
    assert t["params"]["alpha"] == t["params"]["beta"]
    assert t["constraints"]["tie"] == "alpha=beta"


def test_a_long_call_releases_the_gil():
    # while a bootstrap runs (over a second) in another thread, this thread keeps running
    # Python; with the GIL held it could not run at all until the call returned
    import threading
    import time

    done = threading.Event()
    worker = threading.Thread(
        target=lambda: (
            # 16000 replicates on one thread: ≈ 1.6 s with AVX-512, longer without
            sdsl_laws.fit_loss(EPOCH, drop_highest=5, grid="init", bootstrap=16000, threads=1),
            done.set(),
        )
    )
    start = time.perf_counter()
    worker.start()
    ticks = 0
    while not done.is_set():
        if time.perf_counter() - start > 0.2:  # by now the worker is inside the native call
            ticks += 1
    worker.join()
    assert time.perf_counter() - start > 0.5, "the fit was too quick to tell"
    assert ticks > 10_000
