#!/usr/bin/env python3
"""Check that the data in norris.txt / longley.txt reproduce the NIST certified values.

Solves OLS (with intercept) via the normal equations in 50-digit arithmetic
(mpmath, `pip install mpmath`) and compares coefficients, their standard
errors, the residual standard deviation and R^2 with the certified values in
each file's header. Exits non-zero if any relative difference exceeds 1e-12.
"""
import os
import sys

from mpmath import mp, mpf, matrix, lu_solve, inverse, sqrt

mp.dps = 50
HERE = os.path.dirname(os.path.abspath(__file__))
TOL = mpf("1e-12")


def load(path):
    cert = {}
    header = None
    rows = []
    with open(path) as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            if line.startswith("#"):
                tok = line[1:].split()
                if tok and (tok[0].startswith("beta") and tok[0][4:].isdigit()):
                    cert[tok[0]] = (mpf(tok[1]), mpf(tok[2]))
                elif tok and tok[0] in ("residual_sd", "r_squared"):
                    cert[tok[0]] = mpf(tok[1])
                continue
            if header is None:
                header = line.split()
                continue
            vals = [mpf(t) for t in line.split()]  # mpf parses the decimal string exactly-ish at 50 digits
            assert len(vals) == len(header), (path, line)
            rows.append(vals)
    return header, rows, cert


def ols(rows):
    n = len(rows)
    p = len(rows[0])  # intercept + (columns - 1) regressors
    X = matrix(n, p)
    y = matrix(n, 1)
    for i, r in enumerate(rows):
        y[i] = r[0]
        X[i, 0] = 1
        for j in range(1, p):
            X[i, j] = r[j]
    XtX = X.T * X
    b = lu_solve(XtX, X.T * y)
    res = y - X * b
    rss = sum(res[i] ** 2 for i in range(n))
    ybar = sum(y[i] for i in range(n)) / n
    tss = sum((y[i] - ybar) ** 2 for i in range(n))
    s2 = rss / (n - p)
    inv = inverse(XtX)
    se = [sqrt(s2 * inv[j, j]) for j in range(p)]
    return [b[j] for j in range(p)], se, sqrt(s2), 1 - rss / tss


def check(name, fname, nobs):
    header, rows, cert = load(os.path.join(HERE, fname))
    assert len(rows) == nobs, (fname, len(rows))
    b, se, rsd, r2 = ols(rows)
    print(f"{name}: n={len(rows)}, p={len(b)}")
    print(f"  {'quantity':<12} {'computed (50 digits, shown 18)':>28} {'certified':>24} {'rel diff':>10}")
    worst = mpf(0)

    def cmp(label, got, want):
        nonlocal worst
        rel = abs(got - want) / abs(want)
        worst = max(worst, rel)
        print(f"  {label:<12} {mp.nstr(got, 18):>28} {mp.nstr(want, 15):>24} {mp.nstr(rel, 3):>10}")

    for j in range(len(b)):
        cb, cs = cert[f"beta{j}"]
        cmp(f"beta{j}", b[j], cb)
        cmp(f"sd(beta{j})", se[j], cs)
    cmp("residual_sd", rsd, cert["residual_sd"])
    cmp("r_squared", r2, cert["r_squared"])
    ok = worst <= TOL
    print(f"  max relative difference: {mp.nstr(worst, 3)}  -> {'OK' if ok else 'FAIL'} (tol {mp.nstr(TOL, 1)})\n")
    return ok


if __name__ == "__main__":
    ok = check("Norris", "norris.txt", 36)
    ok = check("Longley", "longley.txt", 16) and ok
    sys.exit(0 if ok else 1)
