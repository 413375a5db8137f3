"""How closely a formulation of HodgkinHuxleyCell's rates reproduces ngclearn's own float32
arithmetic, one step at a time, with XLA's `exp` held equal on both sides.

ngclearn runs jit-compiled, and XLA rewrites a division by a constant into a multiplication by
the constant's float32 reciprocal. This script takes the golden Euler trace (ngclearn 3.2.3,
jit), feeds each recorded state through one gate update computed two ways in numpy float32,
with JAX's `exp` for the exponentials, and counts the updates equal bit for bit to the next
recorded state:

* "as written": the Python expressions with true divisions, `(scale·x)/denominator`;
* "as compiled" (spikegpu's kernels): `x·f32(1/c)` for every division by a constant and
  `scale·(x/denominator)`, the order of ngclearn's source.

    python3.12 -m venv venv && venv/bin/pip install ngclearn==3.2.3
    venv/bin/python scripts/reference_arithmetic.py [--trace ../shared/conformance/HodgkinHuxleyCell_euler.json]

Measured: m updates 88.9 % exact as written, 96.8 % as compiled (n 99.6 → 99.8 %, h 99.0 →
99.1 %).
"""
import argparse
import json

import jax
import jax.numpy as jnp
import numpy as np

f = np.float32
exp = jax.jit(jnp.exp)


def e(x):
    return np.asarray(exp(x))


def rates(v, compiled):
    """`[a_n, b_n, a_m, b_m, a_h, b_h]` at `v` (float32 arrays)."""
    if compiled:
        inv10, inv18, inv20, inv80 = f(1 / 10), f(1 / 18), f(1 / 20), f(1 / 80)
        a_n = f(.01) * ((f(10) - v) / (e((f(10) - v) * inv10) - f(1)))
        a_m = f(.1) * ((f(25) - v) / (e((f(25) - v) * inv10) - f(1)))
        b_n, b_m, a_h = f(.125) * e(-v * inv80), f(4) * e(-v * inv18), f(.07) * e(-v * inv20)
        b_h = f(1) / (e((f(30) - v) * inv10) + f(1))
    else:
        a_n = (f(.01) * (f(10) - v)) / (e((f(10) - v) / f(10)) - f(1))
        a_m = (f(.1) * (f(25) - v)) / (e((f(25) - v) / f(10)) - f(1))
        b_n, b_m, a_h = f(.125) * e(-v / f(80)), f(4) * e(-v / f(18)), f(.07) * e(-v / f(20))
        b_h = f(1) / (e((f(30) - v) / f(10)) + f(1))
    return a_n, b_n, a_m, b_m, a_h, b_h


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trace", default="../shared/conformance/HodgkinHuxleyCell_euler.json")
    trace = json.load(open(ap.parse_args().trace))
    steps, dt = trace["steps"], f(trace["dt"])
    if trace["resolved_params"]["integration_type"] != "euler":
        raise SystemExit("this check replays Euler gate updates: pass an Euler trace")
    states = {
        k: np.concatenate([np.asarray(trace["initial"][k], f).reshape(1, -1),
                           np.asarray(trace["outputs"][k], f).reshape(steps, -1)])
        for k in ("v", "n", "m", "h")
    }
    for compiled in (False, True):
        exact, total = {"n": 0, "m": 0, "h": 0}, 0
        for k in range(steps):
            a_n, b_n, a_m, b_m, a_h, b_h = rates(states["v"][k], compiled)
            for gate, a, b in (("n", a_n, b_n), ("m", a_m, b_m), ("h", a_h, b_h)):
                x = states[gate][k]
                x1 = x + dt * (a * (f(1) - x) - b * x)
                exact[gate] += int(np.sum(x1.view(np.uint32) == states[gate][k + 1].view(np.uint32)))
            total += states["v"][k].size
        label = "as compiled (spikegpu)" if compiled else "as written"
        shares = ", ".join(f"{g} {100 * c / total:.1f} %" for g, c in exact.items())
        print(f"{label:24} one-step gate updates bit-exact: {shares} (of {total} each)")


if __name__ == "__main__":
    main()
