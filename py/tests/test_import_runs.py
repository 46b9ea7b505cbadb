"""sdsl_laws.import_runs returns the rows of `sdsl import --json` on the
bundled vLLM logs (datasets/engines/vllm/), as a DataFrame with pandas and as
a list of dicts without it; its errors are the command's."""

import sys

import pytest

import sdsl_laws
from conftest import REPO, sdsl_cli

VLLM = REPO / "datasets" / "engines" / "vllm"


def bundled():
    names = sorted(p.name for p in VLLM.iterdir() if p.suffix == ".log")
    assert len(names) == 20
    return [f"datasets/engines/vllm/{n}" for n in names]


def test_rows_equal_the_command_line_without_pandas(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # `import pandas` raises ImportError
    files = bundled()
    rows = sdsl_laws.import_runs(files, gpu="H100-80GB")
    assert isinstance(rows, list)
    assert rows == sdsl_cli("import", *files, "--gpu", "H100-80GB")
    # the k = 4 run's α̂ from its printed counts: 609 / (609 + 267 − round(267 × 0.3970))
    k4 = next(r for r in rows if r["source"].endswith("bench-sd-32b-1.7b-k4.log"))
    assert k4["alpha"]["point"] == pytest.approx(609 / (609 + 267 - round(267 * 0.3970)), abs=1e-12)
    assert k4["gamma"] == 4 and k4["draft"] == "Qwen/Qwen3-1.7B"


def test_a_dataframe_where_pandas_is_installed():
    pd = pytest.importorskip("pandas")
    files = bundled()
    frame = sdsl_laws.import_runs(files)
    assert isinstance(frame, pd.DataFrame)
    expected = sdsl_laws.to_frame(sdsl_cli("import", *files))
    pd.testing.assert_frame_equal(frame, expected)
    assert len(frame) == 10 and "alpha.point" in frame.columns


def test_one_path_and_the_flags():
    pytest.importorskip("pandas")
    one = sdsl_laws.import_runs(
        "datasets/engines/vllm/bench-sd-32b-1.7b-k4.log", draft="Qwen/Qwen3-1.7B", gamma=4
    )
    assert list(one["gamma"]) == [4]


def test_errors_are_the_command_s():
    with pytest.raises(sdsl_laws.SdslError) as e:
        sdsl_laws.import_runs("datasets/engines/vllm/bench-sd-32b-1.7b-k4.log")
    assert "--draft NAME" in str(e.value)
    assert e.value.path.endswith("bench-sd-32b-1.7b-k4.log")
    with pytest.raises(sdsl_laws.SdslError):
        sdsl_laws.import_runs("no/such/file.log")
    with pytest.raises(sdsl_laws.SdslError):
        sdsl_laws.import_runs(bundled(), format="nope")
