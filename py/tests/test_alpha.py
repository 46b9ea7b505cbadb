"""fit_alpha and estimate_alpha: the command line's records from a path, a
DataFrame and sequences."""

import pandas as pd
import pytest

import sdsl_laws
from conftest import read_csv_exact, sdsl_cli

# synthetic, from the published SDSL coefficients (tests/data/gen_acceptance_synthetic.py)
SYNTHETIC = "tests/data/acceptance_synthetic.csv"
SWEEP = "datasets/acceptance/qwen3_32b_window_sweep.csv"


def test_fit_alpha_equals_the_command_line():
    r = sdsl_laws.fit_alpha(SYNTHETIC, bootstrap=50, seed=1)
    assert r == sdsl_cli("fit", "alpha", SYNTHETIC, "--bootstrap", "50", "--seed", "1")
    # the table was generated from A = −0.0067, B = 0.01297, C = 0.642 (SDSL) plus noise
    c = r["global"]["coefficients"]
    lo, hi = c["A"]["ci95"]
    assert c["A"]["method"] == "ols-t"
    assert lo <= -0.0067 <= hi
    assert c["C"]["point"] == pytest.approx(0.642, abs=0.05)


def test_library_warnings_become_python_warnings():
    # the command line prints these on stderr ("warning: leave-one-target-out: ...")
    with pytest.warns(sdsl_laws.SdslWarning, match="leave-one-target-out"):
        sdsl_laws.fit_alpha(SYNTHETIC)


def test_fit_alpha_from_sequences_and_a_dataframe_match_the_file():
    path = sdsl_laws.fit_alpha(SYNTHETIC)
    df = read_csv_exact(SYNTHETIC)
    frame = sdsl_laws.fit_alpha(df)
    cols = sdsl_laws.fit_alpha(
        df["draft"], df["target"], df["draft_ppl"], df["target_ppl"], df["alpha"],
        draft_family=df["draft_family"] if "draft_family" in df else None,
    )
    for r in (frame, cols):
        assert r["global"] == path["global"]
        assert r["input"]["rows_used"] == path["input"]["rows_used"]
    assert frame["per_target"] == path["per_target"]


def test_estimate_alpha_equals_the_command_line_from_a_path_and_a_dataframe():
    rows = sdsl_laws.estimate_alpha(SWEEP)
    assert rows == sdsl_cli("alpha", "estimate", SWEEP)
    # as text, so grouping values (e.g. draft_params 1700000000) keep their spelling
    df = pd.read_csv(SWEEP, keep_default_na=False, dtype=str)
    assert sdsl_laws.estimate_alpha(df) == rows
    frame = sdsl_laws.to_frame(rows)
    assert list(frame["alpha.point"]) == [r["alpha"]["point"] for r in rows]


def test_estimate_alpha_from_logs_is_the_closed_form_mle():
    # per-iteration accepted counts of a capped geometric: alpha = S / (S + #{k < gamma})
    logs = {
        "draft": ["d"] * 4,
        "target": ["t"] * 4,
        "gamma": [4, 4, 4, 4],
        "accepted": [4, 2, 3, 0],
    }
    (row,) = sdsl_laws.estimate_alpha(logs)
    assert row["estimator"] == "logs-mle"
    assert row["alpha"]["method"] == "likelihood-ratio"
    assert row["alpha"]["point"] == pytest.approx(9 / (9 + 3), rel=1e-12)
