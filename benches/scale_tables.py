"""Synthetic tables for the scale measurements in docs/performance.md ("Large tables"):

    python benches/scale_tables.py OUT_DIR

writes OUT_DIR/loss_1e6.csv (10^6 rows of N, D, loss from Besiroglu et al.'s
law with 1% log-normal noise; N in 1e7..1e10, D in 1e9..1e12, log-uniform),
OUT_DIR/loss_2e5.csv (its first 2*10^5 rows) and OUT_DIR/accept_{1e4,1e5,2e5}.csv
(targets x 100 drafts, alpha from the paper's affine law with noise 0.02,
five draft families). Then, e.g.:

    /usr/bin/time -v sdsl fit loss OUT_DIR/loss_1e6.csv --n-col N --d-col D --loss-col loss --grid init --quiet --json
    /usr/bin/time -v sdsl fit alpha OUT_DIR/accept_1e5.csv --quiet --json
"""

import math
import random
import sys
from pathlib import Path

out = Path(sys.argv[1] if len(sys.argv) > 1 else "scale")
out.mkdir(parents=True, exist_ok=True)
random.seed(7)
E, A, B, AL, BE = 1.8172, 482.01, 2085.43, 0.3478, 0.3658
lines = []
for _ in range(10**6):
    n, d = 10 ** random.uniform(7, 10), 10 ** random.uniform(9, 12)
    loss = (E + A / n**AL + B / d**BE) * math.exp(random.gauss(0, 0.01))
    lines.append(f"{n:.6e},{d:.6e},{loss:.6f}\n")
(out / "loss_1e6.csv").write_text("N,D,loss\n" + "".join(lines))
(out / "loss_2e5.csv").write_text("N,D,loss\n" + "".join(lines[: 2 * 10**5]))
for rows, name in [(10**4, "accept_1e4.csv"), (10**5, "accept_1e5.csv"), (2 * 10**5, "accept_2e5.csv")]:
    with open(out / name, "w") as f:
        f.write("draft,target,draft_family,draft_ppl,target_ppl,alpha\n")
        for t in range(rows // 100):
            tp = random.uniform(5, 12)
            for dr in range(100):
                dp = tp + random.uniform(2, 20)
                alpha = min(0.99, max(0.01, -0.012 * dp + 0.02 * tp + 0.75 + random.gauss(0, 0.02)))
                f.write(f"d{dr},T{t},fam{dr % 5},{dp:.4f},{tp:.4f},{alpha:.5f}\n")
