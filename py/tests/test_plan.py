"""plan: the serving plan, equal to the command line's `sdsl plan --json`
record, with α from the laws and with α measured in the bundled vLLM runs."""

import glob

import pytest

import sdsl_laws
from conftest import sdsl_cli


def test_plan_equals_the_command_line():
    r = sdsl_laws.plan(
        "OPT-13B",
        drafts="OPT",
        hardware="h200-graph",
        batch_mix={1: 0.5, 8: 0.3, 32: 0.2},
    )
    cli = sdsl_cli(
        "plan", "--target", "OPT-13B", "--drafts", "OPT", "--hardware", "h200-graph",
        "--batch-mix", "1:0.5,8:0.3,32:0.2",
    )
    assert r == cli
    assert r["recommendation"]["draft"] == "OPT-125M"


def test_plan_on_a_catalogue_gpu_with_measured_alpha_equals_the_command_line():
    runs = sorted(glob.glob("datasets/engines/vllm/*.log"))
    r = sdsl_laws.plan(
        "Qwen3-32B",
        drafts="Qwen3",
        hardware="roofline:h100-sxm",
        batch=[1, 4, 16],
        alpha=runs,
        registry="datasets/models-engines.csv",
    )
    cli = sdsl_cli(
        "plan", "--target", "Qwen3-32B", "--drafts", "Qwen3", "--hardware",
        "roofline:h100-sxm", "--batch", "1,4,16", "--alpha", ",".join(runs),
        "--registry", "datasets/models-engines.csv",
    )
    assert r == cli
    sources = {row["draft"]: row["alpha_source"] for row in r["rows"]}
    assert sources == {"Qwen3-0.6B": "laws", "Qwen3-1.7B": "runs", "Qwen3-4B": "laws"}


def test_bad_plan_inputs_raise_sdsl_error():
    with pytest.raises(sdsl_laws.SdslError, match="sum to 0"):
        sdsl_laws.plan("OPT-13B", drafts="OPT", hardware="h200-graph", batch_mix={1: 0, 8: 0})
    with pytest.raises(sdsl_laws.SdslError, match="not in the catalogue"):
        sdsl_laws.plan("OPT-13B", drafts="OPT", hardware="roofline:h100-sxn")
