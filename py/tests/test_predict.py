"""predict, speedup, nstar_table, nstar_law: N* for OPT-13B and equality
with the command line's records."""

import math

import pytest

import sdsl_laws
from conftest import sdsl_cli

# OPT-13B: M = 12.85e9 parameters, 1.8e11 pre-training tokens, drafts trained on
# the same 1.8e11 (Zhang et al. 2022 model card; datasets/models.csv).
OPT13B = (12.85e9, 1.8e11, 1.8e11)


def test_nstar_for_opt_13b_is_117_3m_under_the_flop_model():
    # SPEC §4 (SDSL, arXiv:2603.11053, with Besiroglu et al.'s constants): N* ≈ 117.3M
    r = sdsl_laws.predict(*OPT13B)
    assert r["n_star"] / 1e6 == pytest.approx(117.3, abs=0.05)
    assert r["cost_model"] == "params"
    assert r["loss_law"]["id"] == "besiroglu2024"
    assert r["alpha_law"]["id"] == "sdsl2026"
    assert 0 < r["alpha"] < 1 and r["speedup"] > 1


def test_predict_equals_the_command_line():
    r = sdsl_laws.predict(*OPT13B)
    cli = sdsl_cli(
        "predict", "--target-params", "12.85e9", "--target-tokens", "1.8e11",
        "--draft-tokens", "1.8e11",
    )
    assert r == cli


def test_registry_names_and_a_draft_family():
    r = sdsl_laws.predict(target="OPT-13B", draft_family="OPT")
    assert r["target"] == "OPT-13B" and r["draft_family"] == "OPT"
    assert r["n_star"] == sdsl_laws.predict(*OPT13B)["n_star"]
    assert [d["name"] for d in r["family_drafts"]] == [
        "OPT-125M", "OPT-350M", "OPT-1.3B", "OPT-2.7B",
    ]
    assert r["best_family_draft"] in {d["name"] for d in r["family_drafts"]}
    assert r == sdsl_cli("predict", "--target", "OPT-13B", "--draft-family", "OPT")


def test_latency_cost_model_is_the_command_lines():
    # the shipped H200 tables are compiled into the extension
    r = sdsl_laws.predict(target="OPT-13B", draft_family="OPT", cost_model="latency:h200-graph")
    assert r["cost_model"] == "latency:h200-graph"
    # with a measured verification ratio only integer γ applies (null γ*, S*)
    assert r["gamma_star"] is None and r["speedup"] is None
    assert r["speedup_int"] > 1 and r["gamma_star_int"] >= 1
    assert r["ms_per_token"] > 0 and "H200" in r["hardware"]
    # larger than the FLOP model's N*: small drafts are overhead-bound on a GPU
    assert r["n_star"] > sdsl_laws.predict(*OPT13B)["n_star"]
    cli = sdsl_cli(
        "predict", "--target", "OPT-13B", "--draft-family", "OPT",
        "--cost-model", "latency:h200-graph",
    )
    assert r == cli


@pytest.mark.parametrize("model", ["affine:0.5,6e-10", "fixed:0.05"])
def test_other_cost_models_parse_as_on_the_command_line(model):
    if model.startswith("fixed"):
        # a fixed c makes N* degenerate (α only grows with N): refused
        with pytest.raises(sdsl_laws.SdslError):
            sdsl_laws.predict(*OPT13B, cost_model=model)
        return
    r = sdsl_laws.predict(*OPT13B, cost_model=model)
    assert r["cost_model"] == "affine:0.5,0.0000000006"  # the parsed model, printed as the CLI does
    assert r == sdsl_cli(
        "predict", "--target-params", "12.85e9", "--target-tokens", "1.8e11",
        "--draft-tokens", "1.8e11", "--cost-model", model,
    )


def test_speedup_equals_the_command_line_and_its_closed_form():
    r = sdsl_laws.speedup(0.8, 0.05, gamma=4)
    assert r == sdsl_cli("speedup", "--alpha", "0.8", "--cost-ratio", "0.05", "--gamma", "4")
    # S(α, γ, c) = (1 − α^(γ+1)) / ((1 − α)(γc + 1)) (Leviathan et al. 2023, Thm 3.8)
    assert r["speedup"] == pytest.approx((1 - 0.8**5) / (0.2 * (4 * 0.05 + 1)), rel=1e-12)
    assert r["speedup_star"] >= r["speedup"]
    assert "gamma" not in sdsl_laws.speedup(0.8, 0.05)


def test_nstar_table_equals_the_command_line_and_makes_a_frame():
    t = sdsl_laws.nstar_table()
    assert t == sdsl_cli("nstar", "table")
    frame = sdsl_laws.to_frame(t, "rows")
    assert len(frame) == len(t["rows"]) == len(t["draft_families"]) * frame["target"].nunique()
    row = frame[(frame["target"] == "OPT-13B") & (frame["draft_family"] == "OPT")].iloc[0]
    assert math.isclose(row["n_star"], sdsl_laws.predict(target="OPT-13B", draft_family="OPT")["n_star"])


def test_nstar_law_equals_the_command_line_and_its_points_are_predicts():
    law = sdsl_laws.nstar_law()
    assert law == sdsl_cli("nstar", "law")
    assert law["paper"] == {"mu": 2.71e-3, "m0": 8.71e7}
    points = sdsl_laws.to_frame(law, "grid.points")
    assert len(points) == 12 * 7 == law["linear"]["n"]
    # an independent path to one grid point: predict at its (M, D), the draft
    # trained on the target's D
    p = points.iloc[40]
    one = sdsl_laws.predict(p["m"], p["d"], p["d"])
    assert one["n_star"] == pytest.approx(p["n_star"], rel=1e-9)
    # the line through the grid: residuals are what R² says they are
    mu, m0 = law["mu"]["point"], law["m0"]["point"]
    resid = points["n_star"] - (mu * points["m"] + m0)
    ss_tot = ((points["n_star"] - points["n_star"].mean()) ** 2).sum()
    assert 1 - (resid**2).sum() / ss_tot == pytest.approx(law["linear"]["r2"], rel=1e-9)


def test_nstar_law_refuses_a_bad_grid_by_name():
    with pytest.raises(sdsl_laws.SdslError, match="too few"):
        sdsl_laws.nstar_law(m_count=1)
    with pytest.raises(sdsl_laws.SdslError, match="at most"):
        sdsl_laws.nstar_law(m_count=10**6, d_count=10**6)
    with pytest.raises(sdsl_laws.SdslError, match="m_count"):
        sdsl_laws.nstar_law(m_count=2.5)
