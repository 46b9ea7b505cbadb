"""The scipy reference for the loss fit's per-refit cost (issue #15): the same
bootstrap refit as `sdsl` — Huber (delta = 1e-3, summed) on ln L with the
log-sum-exp prediction, Epoch's table without its 5 highest losses, each
replicate a case resample refitted from Hoffmann's unrounded start — with
scipy's BFGS and an analytic gradient (numpy, vectorised over rows).

    python benches/scipy_reference.py [REPLICATES] [SEED]

needs numpy and scipy (pip install numpy scipy). For each gradient tolerance
it prints the CPU time per refit (time.process_time, so the interpreter's
start and the imports are not counted), the iterations and evaluations, and
how far each refit's objective is above the best of all the tolerances' refits
of the same replicate. `gtol = 1e-11` is sdsl's tolerance (its default
`tol_grad`; scipy's gtol is the largest gradient component, sdsl's the
Euclidean norm), "equal convergence"; 1e-5 is scipy's default, which stops
early. Single-threaded numpy is enforced so CPU and wall time agree.
"""

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import csv  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from scipy.optimize import minimize  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
EPOCH = REPO / "datasets" / "chinchilla" / "svg_extracted_data.csv"
HOFFMANN_INIT = np.array([6.0073404, 6.0179186, 0.5267228, 0.33917084, 0.2849083])
DELTA = 1e-3


def load():
    """ln N, ln D, ln L of Epoch's table, rows with loss >= the 5th largest
    dropped (D = C / (6 N)), as in `sdsl fit loss --drop-highest 5`."""
    rows = []
    with open(EPOCH, newline="") as f:
        for r in csv.DictReader(f):
            n, c, loss = float(r["Model Size"]), float(r["Training FLOP"]), float(r["loss"])
            rows.append((n, c / (6.0 * n), loss))
    fifth = sorted((r[2] for r in rows), reverse=True)[4]
    rows = [r for r in rows if r[2] < fifth]
    a = np.array(rows)
    return np.log(a[:, 0]), np.log(a[:, 1]), np.log(a[:, 2])


def objective(theta, ln_n, ln_d, ln_l):
    """Sum of Huber_delta(ln L - LSE(a - alpha ln N, b - beta ln D, e)) and
    its gradient in theta = [a, b, e, alpha, beta]."""
    a, b, e, al, be = theta
    t = np.stack([a - al * ln_n, b - be * ln_d, np.full_like(ln_n, e)])
    m = t.max(axis=0)
    w = np.exp(t - m)
    s = w.sum(axis=0)
    pred = m + np.log(s)
    r = ln_l - pred
    inside = np.abs(r) <= DELTA
    f = np.where(inside, 0.5 * r * r, DELTA * (np.abs(r) - 0.5 * DELTA)).sum()
    psi = np.where(inside, r, DELTA * np.sign(r))
    q = -psi / s
    g = np.array(
        [
            (q * w[0]).sum(),
            (q * w[1]).sum(),
            (q * w[2]).sum(),
            -(q * w[0] * ln_n).sum(),
            -(q * w[1] * ln_d).sum(),
        ]
    )
    return f, g


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 2024
    ln_n, ln_d, ln_l = load()
    n = len(ln_l)
    rng = np.random.default_rng(seed)
    samples = [rng.integers(0, n, n) for _ in range(reps)]
    tols = [1e-5, 1e-8, 1e-11]
    out = {g: {"cpu": [], "nit": [], "nfev": [], "f": []} for g in tols}
    warnings.simplefilter("ignore")
    for idx in samples:
        args = (ln_n[idx], ln_d[idx], ln_l[idx])
        for gtol in tols:
            t0 = time.process_time()
            res = minimize(
                objective, HOFFMANN_INIT, args=args, jac=True, method="BFGS",
                options={"gtol": gtol, "maxiter": 10_000},
            )
            out[gtol]["cpu"].append(time.process_time() - t0)
            out[gtol]["nit"].append(res.nit)
            out[gtol]["nfev"].append(res.nfev)
            out[gtol]["f"].append(res.fun)
    best = [min(out[g]["f"][i] for g in tols) for i in range(reps)]
    full = {}
    for gtol in tols:
        t0 = time.process_time()
        res = minimize(
            objective, HOFFMANN_INIT, args=(ln_n, ln_d, ln_l), jac=True, method="BFGS",
            options={"gtol": gtol, "maxiter": 10_000},
        )
        full[gtol] = (res.fun, time.process_time() - t0, res.nit)
    print(f"scipy BFGS (analytic gradient), {reps} bootstrap refits of {n} rows, seed {seed}")
    print("gtol      CPU ms/refit (median, mean)  iterations  evaluations  objective above best (median, max)")
    for g in tols:
        o = out[g]
        gap = [(f - b) / b for f, b in zip(o["f"], best)]
        print(
            f"{g:<8.0e}  {1e3 * statistics.median(o['cpu']):8.2f} {1e3 * statistics.mean(o['cpu']):8.2f}"
            f"           {statistics.median(o['nit']):6.0f}      {statistics.median(o['nfev']):6.0f}"
            f"        {statistics.median(gap):.1e}  {max(gap):.1e}"
        )
    print("the full table from Hoffmann's start (compare `sdsl fit loss --grid init`):")
    for g in tols:
        f, cpu, nit = full[g]
        print(f"gtol {g:.0e}: objective {f:.16g} after {nit} iterations, {1e3 * cpu:.2f} ms CPU")


if __name__ == "__main__":
    main()
