"""Synthetic acceptance table for tests/fit_alpha.rs (not a measurement).

alpha = A*draft_ppl + B*target_ppl + C + noise with A = -0.0067, B = 0.01297,
C = 0.642 (the published SDSL coefficients), 6 targets x 5 drafts from two
draft families, Gaussian noise sd 0.004 from a fixed seed.

Run: python3 tests/data/gen_acceptance_synthetic.py > tests/data/acceptance_synthetic.csv
"""
import random

random.seed(20261129)
A, B, C = -0.0067, 0.01297, 0.642
targets = [("T-13B", 9.1), ("T-30B", 8.4), ("T-66B", 7.9), ("U-14B", 8.8), ("U-32B", 8.1), ("U-72B", 7.5)]
drafts = [("opt-125m", "fam-a", 19.0), ("opt-350m", "fam-a", 15.5), ("opt-1.3b", "fam-a", 12.0),
          ("qw-0.5b", "fam-b", 14.0), ("qw-1.8b", "fam-b", 11.2)]
print("draft,target,draft_family,draft_ppl,target_ppl,alpha")
for t, y in targets:
    for d, fam, x in drafts:
        xx = x * (1 + 0.03 * random.uniform(-1, 1))
        a = A * xx + B * y + C + random.gauss(0, 0.004)
        print(f"{d},{t},{fam},{xx:.6f},{y},{a:.6f}")
