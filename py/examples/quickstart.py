"""Quickstart: refit the loss law on Epoch AI's Chinchilla table, then the
throughput-optimal draft size N* for OPT-13B under SDSL's FLOP model and on an
NVIDIA H200 (measured latencies, CUDA graphs), as a pandas DataFrame.

    python3 -m venv .venv && . .venv/bin/activate && pip install ./py pandas
    python py/examples/quickstart.py
"""

import json
import tempfile
from pathlib import Path

import pandas as pd

import sdsl_laws

REPO = Path(__file__).resolve().parents[2]

# 1. The loss law L(N, D) = E + A/N^alpha + B/D^beta on Epoch's digitised Chinchilla
#    data: Hoffmann et al.'s 4500-start grid, sum-Huber objective (delta = 1e-3),
#    Epoch's outlier rule (drop the 5 highest losses; 240 of 245 rows remain).
fit = sdsl_laws.fit_loss(REPO / "datasets/chinchilla/svg_extracted_data.csv", drop_highest=5)
p = fit["params"]
print(
    f"loss law refitted on {fit['rows_used']} rows: E = {p['E']:.5f}, A = {p['A']:.1f}, "
    f"B = {p['B']:.1f}, alpha = {p['alpha']:.5f}, beta = {p['beta']:.5f}"
)

# The refitted law as a law file (what `sdsl fit loss --out` writes), usable as loss_law.
law_file = Path(tempfile.mkdtemp()) / "refit_loss.json"
law_file.write_text(json.dumps({"kind": "loss", **p, "source": "quickstart refit"}))

# 2. N* for OPT-13B (its registry entry: 12.85e9 parameters, 1.8e11 tokens) with OPT drafts.
#    FLOP model (SDSL's): c = N/M, a forward pass costs 2·params FLOPs, verification is free.
#    latency:h200-graph: c and the verification cost from measured H200 decode latencies.
rows = []
for loss_law, cost_model in [
    ("besiroglu2024", "params"),
    ("besiroglu2024", "latency:h200-graph"),
    (str(law_file), "params"),
]:
    r = sdsl_laws.predict(
        target="OPT-13B", draft_family="OPT", loss_law=loss_law, cost_model=cost_model
    )
    rows.append(
        {
            "loss law": "refit (above)" if loss_law == str(law_file) else loss_law,
            "cost model": cost_model,
            "N* (M params)": round(r["n_star"] / 1e6, 1),
            "alpha(N*)": round(r["alpha"], 4),
            "best integer gamma": r["gamma_star_int"],
            "S at that gamma": round(r["speedup_int"], 3),
            "best real draft": r["best_family_draft"],
        }
    )
print(pd.DataFrame(rows).to_string(index=False))
