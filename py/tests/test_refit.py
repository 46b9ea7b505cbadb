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


def test_refit_runs_on_a_loss_table_held_in_memory(record):
    """The manifest's loss table replaced by one built in Python: the refit
    uses it (the report lists it and its fit matches fit_loss on the same
    rows) and every other input still comes from the manifest."""
    import csv

    rows = list(csv.DictReader(open(REPO / "datasets/chinchilla/svg_extracted_data.csv")))
    # every other row: a different table, so a different law
    half = rows[::2]
    table = {k: [float(r[k]) for r in half] for k in ("Model Size", "Training FLOP", "loss")}
    got = sdsl_laws.refit(FIXTURE, loss_table=table)
    # the manifest's outlier rule (drop_highest = 5) and start grid apply to it too
    loss_inputs = [i for i in got["inputs"] if i["role"] == "loss"]
    assert len(loss_inputs) == 1 and loss_inputs[0]["rows_used"] == len(half) - 5
    assert loss_inputs[0]["path"] != record["inputs"][1]["path"]
    alone = sdsl_laws.fit_loss(table, bootstrap=0, drop_highest=5, grid="init")
    for k in ("E", "A", "B", "alpha", "beta"):
        assert got["loss"]["params"][k] == pytest.approx(alone["params"][k], rel=1e-9)
        assert got["loss"]["params"][k] != pytest.approx(record["loss"]["params"][k], rel=1e-6)
    # the acceptance law and the lab are untouched
    assert got["alpha"] == record["alpha"]


def test_refit_refuses_a_loss_table_too_small_to_fit():
    with pytest.raises(sdsl_laws.SdslError) as e:
        sdsl_laws.refit(
            FIXTURE,
            loss_table={"N": [1e8 * (i + 1) for i in range(9)], "D": [2e9] * 9, "loss": [3.0] * 9},
        )
    # 9 rows, 5 dropped by the manifest's rule: 4 left for 5 parameters
    assert "loss_table" in str(e.value) and "more rows than" in str(e.value)
