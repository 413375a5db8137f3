"""The Python side of BENCHMARKS.md's binding-overhead figure: 1,000 steps of 1e5 LIF cells.

The same run as `spikegpu bench --cells lif --n 1e5 --steps 1000 --backend cpu,vulkan --mode
step,fused` times in Rust: the benchmark variant (`LIFCell`, tau_m = 10 ms, tau_theta = 50 ms,
Euler), a per-neuron drive uniform in [12, 28), dt = 0.1 ms, no recording, one warm-up run, the
median of `--repeats` timed runs, each waiting until the backend has finished.

    python benches/python_lif.py --backend cpu,vulkan
"""

import argparse
import time

import numpy as np

import spikegpu

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--backend", default="cpu,gpu")
parser.add_argument("--n", type=float, default=1e5)
parser.add_argument("--steps", type=int, default=1000)
parser.add_argument("--mode", default="step,fused")
parser.add_argument("--repeats", type=int, default=3)
args = parser.parse_args()

n = int(args.n)
drive = np.random.default_rng(2024).uniform(12.0, 28.0, n).astype(np.float32)
print("{:<8} {:<6} {:>12} {:>16}".format("backend", "mode", "median (s)", "neuron-steps/s"))
for backend in args.backend.split(","):
    for mode in args.mode.split(","):
        pop = spikegpu.LIFCell(n_units=n, tau_m=10.0, tau_theta=50.0, key=1, backend=backend)
        pop.run(args.steps, dt=0.1, drive=drive, mode=mode)
        pop.synchronize()
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            pop.run(args.steps, dt=0.1, drive=drive, mode=mode)
            pop.synchronize()
            times.append(time.perf_counter() - start)
        seconds = sorted(times)[len(times) // 2]
        print("{:<8} {:<6} {:>12.4f} {:>16.3e}".format(backend, mode, seconds, n * args.steps / seconds))
