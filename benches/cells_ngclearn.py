"""The ten spiking cells in ngclearn 3.2.3 (JAX CPU, jit-compiled scan) side by side with
`spikegpu bench --backend cpu` on the same machine: neuron-steps per second, N = 1e5, batch 1,
100 steps, default parameters (the required ones as below), a constant per-neuron input.

    python3.12 -m venv venv && venv/bin/pip install ngclearn==3.2.3
    cargo build --release
    venv/bin/python benches/cells_ngclearn.py --spikegpu target/release/spikegpu [--rounds 3] [--cells lif,wtas]

For each cell, `--rounds` times: ngclearn (compilation excluded: one warm-up scan, then the
median of three timed scans), then at once `spikegpu bench` for that cell (`--mode step,fused`,
the better of the two; for WTAS the long row split over threads), so that each pair sees the
same machine load. A cell ngclearn cannot build at N (SLIF: its dense N × N inhibition matrix is
40 GB at N = 1e5) runs at `--fallback-n` on both sides. Prints one table row per cell: the
medians, the median of the per-round ratios, and every round's ratio.
"""
import argparse
import json
import statistics
import subprocess
import tempfile
import time

import jax
import jax.numpy as jnp
import numpy as np
from ngclearn import Context, MethodProcess
from ngcsimlib.global_state import stateManager
from ngclearn.components import (AdExCell, FitzhughNagumoCell, HodgkinHuxleyCell, IFCell, IzhikevichCell,
                                 LIFCell, QuadLIFCell, RAFCell, SLIFCell, WTASCell)

# ngclearn class, spikegpu key, required/extra parameters, input range (spikegpu's bench uses
# inputs in the same part of each cell's range).
CELLS = [
    (LIFCell, "lif", dict(tau_m=10.0), (10.0, 30.0)),
    (IFCell, "integrate_and_fire", dict(tau_m=10.0), (10.0, 30.0)),
    (QuadLIFCell, "quad_lif", dict(tau_m=10.0), (10.0, 30.0)),
    (SLIFCell, "slif", dict(tau_m=10.0, resist_m=1.0, thr=0.5), (0.3, 1.0)),
    (WTASCell, "wtas", dict(tau_m=1.0), (0.0, 2.0)),
    (AdExCell, "adex", dict(), (50.0, 100.0)),
    (FitzhughNagumoCell, "fitzhugh_nagumo", dict(), (0.3, 1.0)),
    (HodgkinHuxleyCell, "hodgkin_huxley", dict(tau_v=1.0), (5.0, 15.0)),
    (IzhikevichCell, "izhikevich", dict(), (5.0, 15.0)),
    (RAFCell, "resonate_and_fire", dict(), (5.0, 15.0)),
]


def ngclearn_rate(cls, params, lo_hi, n, steps, dt):
    with Context(f"bench_{cls.__name__}") as ctx:
        cell = cls("z", n_units=n, key=jax.random.PRNGKey(1), **params)
        advance = MethodProcess("advance") >> cell.advance_state
        reset = MethodProcess("reset") >> cell.reset
    reset.run()
    rng = np.random.default_rng(2024)
    lo, hi = lo_hi
    cell.j.set(jnp.asarray(rng.uniform(lo, hi, (1, n)), dtype=jnp.float32))
    rows = jnp.array(advance.pack_rows(steps, t=lambda x: x * dt, dt=dt))
    # As ngclearn's own modules do: the scan returns the final state, which becomes the context's.
    stateManager.state, _ = advance.scan(rows)  # compile
    jax.block_until_ready(stateManager.state)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        stateManager.state, _ = advance.scan(rows)
        jax.block_until_ready(stateManager.state)
        times.append(time.perf_counter() - start)
    return n * steps / statistics.median(times)


def spikegpu_rates(binary, keys, n, steps):
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        subprocess.run([binary, "bench", "--backend", "cpu", "--cells", ",".join(keys), "--n", str(n),
                        "--steps", str(steps), "--json", f.name], check=True, capture_output=True)
        rows = json.load(open(f.name))
    best = {}
    for r in rows:
        best[r["cell"]] = max(best.get(r["cell"], 0.0), r["neuron_steps_per_s"])
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spikegpu", default="target/release/spikegpu")
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--dt", type=float, default=0.1)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--fallback-n", type=int, default=10_000,
                    help="N for a cell ngclearn cannot build at --n (SLIF's N × N matrix), both sides")
    ap.add_argument("--cells", default="all",
                    help="comma-separated spikegpu keys (e.g. lif,wtas), or all")
    args = ap.parse_args()
    print(f"ngclearn 3.2.3 on JAX {jax.__version__} ({jax.devices()[0].platform}) vs spikegpu CPU; "
          f"N = {args.n}, {args.steps} steps")
    print("| cell | ngclearn (neuron-steps/s) | spikegpu CPU | spikegpu / ngclearn (median) | per round |")
    print("|---|---|---|---|---|")
    wanted = None if args.cells == "all" else set(args.cells.split(","))
    unknown = (wanted or set()) - {key for _, key, _, _ in CELLS}
    if unknown:
        ap.error(f"unknown cells {sorted(unknown)}; known: {', '.join(key for _, key, _, _ in CELLS)}")
    for cls, key, p, r in CELLS:
        if wanted is not None and key not in wanted:
            continue
        # The N ngclearn can build (SLIFCell's N × N inhibition matrix is 40 GB at N = 1e5).
        n, failure = args.n, None
        try:
            ngclearn_rate(cls, p, r, n, 2, args.dt)
        except Exception as e:
            failure = f"{type(e).__name__}: {str(e).splitlines()[0][:60]}"
            n = args.fallback_n
        theirs, ours = [], []
        # Rounds alternate the two sides cell by cell, so each pair sees the same machine load.
        for _ in range(args.rounds):
            theirs.append(ngclearn_rate(cls, p, r, n, args.steps, args.dt))
            # JAX's CPU thread pool spins for a while after a scan: let it go idle first, so
            # that spikegpu does not share the cores with it.
            time.sleep(3.0)
            ours.append(spikegpu_rates(args.spikegpu, [key], n, args.steps)[key])
        ratios = sorted(o / t for o, t in zip(ours, theirs))
        at = "" if failure is None else f" (N = {n:.0e}; at {args.n:.0e} ngclearn fails: {failure})"
        print(f"| {cls.__name__}{at} | {statistics.median(theirs):.2g} | {statistics.median(ours):.2g} | "
              f"{statistics.median(ratios):.2f}× | {', '.join(f'{x:.1f}' for x in ratios)} |", flush=True)


if __name__ == "__main__":
    main()
