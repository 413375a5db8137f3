#!/usr/bin/env python3
"""The polynomial of spikegpu's `exp` (src/math.rs, shaders/lib/math.wgsl), reproduced.

`exp(r) ≈ 1 + r + r²·Q(r)` on the reduced range |r| ≤ ln 2 / 2, with Q of degree 4 fitted to
minimise the largest relative error of `exp(r)` (Lawson's iteratively reweighted least squares on
Chebyshev points, which converges to the minimax fit), then rounded to float32. Prints the
coefficients as bits and the fit's relative error; the error of the whole f32 function is
checked over every f32 of its domain by tests/math_library.rs.

Usage: python3 scripts/exp_polynomial.py   (needs numpy)
"""
import numpy as np

HALF_LN2 = 0.34658  # ln 2 / 2 and the reduction's rounding slack
DEGREE = 4

r = np.cos(np.linspace(0.0, np.pi, 4001)) * HALF_LN2
target = np.where(r == 0.0, 0.5, (np.expm1(r) - r) / np.where(r == 0.0, 1.0, r * r))
scale = r * r / np.exp(r)  # an error in Q, as a relative error of exp(r)
basis = np.vander(r, DEGREE + 1, increasing=True)
weights = np.ones_like(r)
for _ in range(200):
    coefficients, *_ = np.linalg.lstsq(basis * (scale * weights)[:, None], target * scale * weights, rcond=None)
    error = np.abs(scale * (basis @ coefficients - target))
    weights = weights * np.sqrt(error / error.max()) + 1e-12
    weights /= weights.sum()

print(f"fit error: {error.max():.2e} relative; {error.max() / 2**-24:.3f} ulp of a result below 1 (2^-24), "
      f"{error.max() / 2**-23:.3f} above")
for power, c in enumerate(coefficients.astype(np.float32), start=2):
    print(f"C{power} = {float(c)!r:<24} 0x{int(c.view(np.uint32)):08x}")
