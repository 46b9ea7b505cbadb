"""refit: the report record, written only when `out` is given."""

import json

import pytest

import sdsl_laws
from conftest import REPO

# the small manifest of the library's own pipeline test (tests/pipeline.rs)
FIXTURE = "tests/data/pipeline/refit.toml"


@pytest.fixture(scope="module")
def record():
    return sdsl_laws.refit(FIXTURE)


def test_refit_returns_the_library_report_record(record):
    # the same record tests/pipeline.rs snapshots from pipeline::refit
    with open("tests/snapshots/pipeline_report.json") as f:
        assert record == json.load(f)
    assert record["schema_version"] >= 1
    assert record["loss"]["rows_used"] == 240


def test_refit_writes_nothing_without_out(tmp_path, monkeypatch):
    fixture = (REPO / FIXTURE).resolve()
    before = sorted(p.name for p in fixture.parent.iterdir())
    monkeypatch.chdir(tmp_path)
    r = sdsl_laws.refit(fixture)
    assert r["manifest"]["path"] == str(fixture)
    assert list(tmp_path.iterdir()) == []
    assert sorted(p.name for p in fixture.parent.iterdir()) == before


def test_refit_writes_the_report_when_out_is_given(record, tmp_path):
    out = tmp_path / "reports"
    again = sdsl_laws.refit(FIXTURE, out=out, threads=1)
    assert again == record  # any thread count, the same record
    with open(out / "report.json") as f:
        assert json.load(f) == record
    assert (out / "report.md").is_file()
    assert any((out / "figures").iterdir())


def test_refit_refuses_an_out_that_is_not_a_report(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(sdsl_laws.SdslError, match="choose an empty or new directory"):
        sdsl_laws.refit(FIXTURE, out=tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_refit_seed_overrides_the_manifest(record):
    other = sdsl_laws.refit(FIXTURE, seed=8)
    assert other["seed"] == 8
    assert other["loss"]["params"] == record["loss"]["params"]  # the point fit has no randomness
    assert other["loss"]["bootstrap"] != record["loss"]["bootstrap"]


def test_a_bad_manifest_names_its_line(tmp_path):
    m = tmp_path / "refit.toml"
    m.write_text('seed = 1\nregistry = "models.csv"\n[loss]\npath = "nope.csv"\n')
    with pytest.raises(sdsl_laws.SdslError) as e:
        sdsl_laws.refit(m)
    assert str(m) in str(e.value)
