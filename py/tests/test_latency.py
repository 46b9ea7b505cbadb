"""sdsl_laws.fit_latency against `sdsl fit latency --json` on the same table."""

import pytest

import sdsl_laws
from conftest import REPO, read_csv_exact, sdsl_cli

H200 = "datasets/hardware/h200_decode_latency.csv"
H200_BATCHED = "datasets/hardware/h200_decode_latency_batched.csv"


def test_fit_latency_equals_the_command_line():
    with pytest.warns(sdsl_laws.SdslWarning, match="verification ratios are below 1"):
        r = sdsl_laws.fit_latency(str(REPO / H200), bootstrap=50, seed=3)
    cli = sdsl_cli("fit", "latency", H200, "--bootstrap", "50", "--seed", "3")
    # the table's label is the path as given
    r["source"], cli["source"] = None, None
    assert r == cli
    # published check (SPEC §5 / datasets/hardware/SOURCE.md): graph-mode decode
    # time is affine in parameters; the fitted law's relative error stays small
    assert r["selection"]["mode"] == "graph"
    assert r["nstar_form"] == "affine"


def test_the_shipped_tables_are_the_bundled_files():
    with pytest.warns(sdsl_laws.SdslWarning):
        shipped = sdsl_laws.fit_latency("h200-graph", bootstrap=0)
        path = sdsl_laws.fit_latency(str(REPO / H200), bootstrap=0)
    shipped["source"], path["source"] = None, None
    assert shipped == path
    eager = sdsl_laws.fit_latency("h200-eager", bootstrap=0)
    assert eager["selection"]["mode"] == "eager"
    assert eager == sdsl_cli(
        "fit", "latency", H200, "--mode", "eager", "--bootstrap", "0"
    ) | {"source": eager["source"]}
    batched = sdsl_laws.fit_latency("h200-graph", batch=8, bootstrap=0)
    cli = sdsl_cli(
        "fit", "latency", H200_BATCHED, "--batch", "8", "--bootstrap", "0",
        "--meta", "datasets/hardware/h200_decode_latency.meta",
    )
    batched["source"], cli["source"] = None, None
    assert batched == cli


def test_a_dataframe_fits_like_the_file():
    df = read_csv_exact(H200)
    meta = REPO / "datasets/hardware/h200_decode_latency.meta"
    with pytest.warns(sdsl_laws.SdslWarning):
        frame = sdsl_laws.fit_latency(df, meta=meta, bootstrap=0)
        path = sdsl_laws.fit_latency(str(REPO / H200), bootstrap=0)
    frame["source"], path["source"] = None, None
    assert frame == path


def test_bad_settings_are_refused_with_their_names():
    with pytest.raises(sdsl_laws.SdslError, match="unknown mode 'fast'"):
        sdsl_laws.fit_latency("h200-graph", mode="fast")
    with pytest.raises(sdsl_laws.SdslError, match="batch 64 in eager mode was not measured"):
        sdsl_laws.fit_latency("h200-eager", batch=64, bootstrap=0)
    with pytest.raises(sdsl_laws.SdslError, match="ctx = 0"):
        sdsl_laws.fit_latency("h200-graph", ctx=0)
    with pytest.raises(sdsl_laws.SdslError, match="carries its own hardware description"):
        sdsl_laws.fit_latency("h200-graph", meta="x.meta")
    with pytest.raises(sdsl_laws.SdslError) as e:
        sdsl_laws.fit_latency({"arch": ["a"], "params_total": [1e9]})
    assert e.value.column == "mode"
