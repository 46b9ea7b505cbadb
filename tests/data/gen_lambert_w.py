"""Reference values of Lambert W for tests/lambert_w.rs.

Made with mpmath at 60 significant digits: for each double x (written with
repr, so the exact double is what both sides evaluate), W0(x) and, for
x < 0, W_{-1}(x), rounded to 17 significant digits.

Run: python3 tests/data/gen_lambert_w.py > tests/data/lambert_w_mpmath.csv
"""
import mpmath as mp

mp.mp.dps = 60
e_inv = 1 / mp.e
xs = []
# next to the branch point: -1/e rounded to double is slightly above -1/e
b = float(-e_inv)
import math
x = b
for k in range(8):  # the first 8 doubles from the branch point upward
    xs.append(x)
    x = math.nextafter(x, 0.0)
for k in range(1, 33):  # then offsets 1e-16 ... 1e-0.5 above it
    xs.append(b + 10.0 ** (-(33 - k) / 2.0))
for v in [-0.3, -0.25, -0.2, -0.1, -0.05, -1e-2, -1e-3, -1e-5, -1e-8, -1e-12, -1e-20, -1e-50, -1e-100, -1e-200, -1e-300]:
    xs.append(v)
for v in [0.0, 1e-300, 1e-10, 1e-3, 0.1, 0.5, 1.0, 2.718281828459045, 10.0, 1e3, 1e10, 1e100, 1e300]:
    xs.append(v)
print("x,w0,wm1")
for x in xs:
    xm = mp.mpf(x)
    if xm < -e_inv:
        continue
    w0 = mp.lambertw(xm, 0).real
    wm1 = mp.lambertw(xm, -1).real if x < 0 else None
    print(f"{x!r},{mp.nstr(w0, 17, strip_zeros=False)},{'' if wm1 is None else mp.nstr(wm1, 17, strip_zeros=False)}")
