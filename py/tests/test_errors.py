"""Bad input raises SdslError (a ValueError) naming the row and the column;
never a panic or a crashed interpreter."""

import math

import numpy as np
import pandas as pd
import pytest

import sdsl_laws
from sdsl_laws import SdslError


def test_a_bad_value_in_an_array_names_its_row_and_column():
    n = np.array([1e8, 2e8, 4e8, 8e8, 1.6e9, 3.2e9, 6.4e9])
    d = np.full(7, 2e10)
    loss = np.array([3.1, 3.0, -2.9, 2.8, 2.7, 2.6, 2.5])
    with pytest.raises(ValueError) as e:
        sdsl_laws.fit_loss(n, d, loss)
    err = e.value
    assert isinstance(err, SdslError)
    assert (err.row, err.column, err.kind) == (3, "loss", "data")
    assert "row 3" in str(err) and "column 'loss'" in str(err)
    assert "line" not in str(err)  # no CSV line numbers for in-memory input


def test_a_missing_value_in_a_dataframe_names_its_row_and_column():
    df = pd.DataFrame({"N": [1e8, 2e8, 4e8, 8e8, 1.6e9, 3.2e9], "D": [2e10] * 6,
                       "loss": [3.1, 3.0, 2.9, math.nan, 2.7, 2.6]})
    with pytest.raises(SdslError) as e:
        sdsl_laws.fit_loss(df)
    assert (e.value.row, e.value.column) == (4, "loss")
    assert "missing value" in str(e.value)


def test_text_in_a_numeric_column_names_its_row_and_column():
    df = pd.DataFrame({"N": ["1e8", "2e8", "4e8", "8e8", "1,6e9", "3.2e9"], "D": [2e10] * 6,
                       "loss": [3.1, 3.0, 2.9, 2.8, 2.7, 2.6]})
    with pytest.raises(SdslError) as e:
        sdsl_laws.fit_loss(df)
    assert (e.value.row, e.value.column) == (5, "N")
    assert "is not a number" in str(e.value)


def test_a_bad_file_names_the_file_row_and_column(tmp_path):
    p = tmp_path / "loss.csv"
    p.write_text("N,D,loss\n1e8,2e10,3.1\n2e8,oops,3.0\n")
    with pytest.raises(SdslError) as e:
        sdsl_laws.fit_loss(p)
    assert e.value.path == str(p)
    assert (e.value.row, e.value.column) == (2, "D")
    assert str(p) in str(e.value) and "line 3" in str(e.value)


def test_an_acceptance_rate_outside_0_1_is_refused_by_row():
    with pytest.raises(SdslError) as e:
        sdsl_laws.fit_alpha(["a", "b"], ["T", "T"], [10.0, 12.0], [5.0, 5.0], [0.7, 1.3])
    assert (e.value.row, e.value.column) == (2, "alpha")


def test_argument_errors_name_the_parameter():
    with pytest.raises(SdslError, match="target_tokens"):
        sdsl_laws.predict(12.85e9)
    with pytest.raises(SdslError, match="unknown target 'OPT-14B'"):
        sdsl_laws.predict(target="OPT-14B")
    with pytest.raises(SdslError, match="cost model 'latency:nope'"):
        sdsl_laws.predict(12.85e9, 1.8e11, cost_model="latency:nope")
    with pytest.raises(SdslError, match="cost model 'flops'"):
        sdsl_laws.predict(12.85e9, 1.8e11, cost_model="flops")
    with pytest.raises(SdslError, match="unknown loss law"):
        sdsl_laws.predict(12.85e9, 1.8e11, loss_law="nope2099")
    with pytest.raises(SdslError, match="alpha = 1.5"):
        sdsl_laws.speedup(1.5, 0.1)
    with pytest.raises(SdslError, match="cost_ratio"):
        sdsl_laws.speedup(0.5, float("nan"))
    with pytest.raises(SdslError, match="threads = 0"):
        sdsl_laws.fit_loss([1e8] * 7, [1e10] * 7, [3.0] * 7, threads=0)
    with pytest.raises(SdslError, match="different lengths"):
        sdsl_laws.fit_loss([1e8, 2e8], [1e10], [3.0, 2.9])
    with pytest.raises(SdslError, match="objective"):
        sdsl_laws.fit_loss("datasets/chinchilla/svg_extracted_data.csv", objective="l1")
    with pytest.raises(SdslError, match="bootstrap replicates = 1"):
        sdsl_laws.fit_loss("datasets/chinchilla/svg_extracted_data.csv", grid="init", bootstrap=1)


def test_an_unknown_simd_level_is_refused_by_every_call(monkeypatch):
    """SDSL_SIMD caps the loss fits' instruction set; like the command line,
    the package refuses a value that is not a level instead of ignoring it."""
    monkeypatch.delenv("SDSL_SIMD", raising=False)
    unset = sdsl_laws.speedup(0.6, 0.1)
    monkeypatch.setenv("SDSL_SIMD", "sse9")
    with pytest.raises(SdslError, match="SDSL_SIMD='sse9': expected baseline, avx2 or avx512"):
        sdsl_laws.fit_loss("datasets/chinchilla/svg_extracted_data.csv", grid="init")
    with pytest.raises(SdslError, match="SDSL_SIMD"):
        sdsl_laws.speedup(0.6, 0.1)
    monkeypatch.setenv("SDSL_SIMD", "AVX2")  # a level, in any case: accepted
    assert sdsl_laws.speedup(0.6, 0.1) == unset


def test_a_design_the_fit_cannot_identify_is_refused_not_crashed():
    # every row at one N: the N term is not identified
    with pytest.raises(SdslError):
        sdsl_laws.fit_loss([1e8] * 8, [1e10 * (i + 1) for i in range(8)], [3.0 - 0.1 * i for i in range(8)])
    with pytest.raises(SdslError, match="rows used for 5 free parameters"):
        sdsl_laws.fit_loss([1e8, 2e8, 4e8], [1e10, 2e10, 3e10], [3.0, 2.9, 2.8])


def test_a_missing_file_is_an_error_naming_it():
    with pytest.raises(SdslError) as e:
        sdsl_laws.estimate_alpha("no/such/file.csv")
    assert "no/such/file.csv" in str(e.value)


def _readers():
    return [
        lambda p: sdsl_laws.fit_loss(p, grid="init"),
        lambda p: sdsl_laws.fit_alpha(p),
        lambda p: sdsl_laws.estimate_alpha(p),
    ]


def test_the_repositorys_bad_tables_raise_sdsl_error_from_every_reader():
    from conftest import REPO

    files = sorted(
        p for d in ("tests/data/bad", "tests/data/bad_alpha", "tests/data/parquet")
        for p in (REPO / d).iterdir() if p.suffix in (".csv", ".parquet")
    )
    assert len(files) >= 15
    for path in files:
        for read in _readers():
            try:
                read(path)
            except SdslError as e:
                assert e.path == str(path), (path, str(e))


def test_random_and_truncated_parquet_bytes_are_errors_not_crashes(tmp_path):
    # polars can panic on corrupt Parquet; the library turns that into an error naming the file
    import random

    from conftest import REPO

    good = (REPO / "tests/data/parquet/loss_unused_exotic.parquet").read_bytes()
    rng = random.Random(13)
    samples = [good[: len(good) // 2], good[:-9] + good[-8:], bytes(rng.randrange(256) for _ in range(600))]
    for i in range(8):  # flip a few bytes of a valid file
        b = bytearray(good)
        for _ in range(4):
            b[rng.randrange(len(b))] = rng.randrange(256)
        samples.append(bytes(b))
    for i, data in enumerate(samples):
        p = tmp_path / f"corrupt{i}.parquet"
        p.write_bytes(data)
        for read in _readers():
            try:
                read(p)
            except SdslError as e:
                assert str(p) in str(e)
