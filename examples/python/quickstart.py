"""spikegpu from Python: a population and a small network, with NumPy arrays in and out.

    pip install ./python
    python examples/python/quickstart.py [--backend cpu|gpu|vulkan|metal|dx12|gl]

Draws quickstart_raster.png with matplotlib if it is installed (skipped otherwise).
"""

import argparse

import numpy as np

import spikegpu

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--backend", default="cpu", help="cpu, gpu (the best adapter), vulkan, metal, dx12 or gl")
parser.add_argument("--out", default="quickstart_raster.png", help="where to draw the raster")
args = parser.parse_args()

# 1. A population: ngclearn's LIFCell("z", n_units=1000, tau_m=10., key=PRNGKey(7)).
pop = spikegpu.LIFCell("z", n_units=1000, tau_m=10.0, batch_size=1, key=7, backend=args.backend)
print(pop, "on", pop.backend)

# One step at a time, as in ngclearn's loop (z.j.set(x); advance.run(t=t, dt=dt)) ...
currents = np.linspace(0.0, 40.0, 1000, dtype=np.float32)
for _ in range(10):
    pop.step(currents, dt=0.1)
print("v after 10 steps:", pop["v"][0, :4])

# ... or many steps in one call, without returning to Python between them.
rec = pop.run(1000, dt=0.1, drive=currents, record=["spikes", "v"], neurons=[100, 999])
print("1000 steps: {} spikes; the most active unit fired {} times".format(len(rec.events), rec.counts.max()))
print("v of units 100 and 999, every step:", rec["v"].shape)

# 2. A small network: 100 Poisson inputs -> 80 excitatory LIF cells <-> 20 inhibitory ones. The
# excitatory membrane time constants vary per neuron (drawn once from the builder's key), and the
# input spikes are propagated event-driven (cost ∝ spikes × fan-out, integer sums).
b = spikegpu.NetworkBuilder(batch_size=1, key=42)
b.poisson("input", 100, target_freq=63.75)
b.population("exc", "LIFCell", 80, tau_m=spikegpu.uniform(8.0, 12.0))
b.population("inh", "LIFCell", 20, tau_m=10.0)
b.project("input_exc", "input", "exc", "fixed_probability", p=0.2, weight=8.0, tau=5.0, propagation="event")
b.project("exc_inh", "exc", "inh", "fixed_probability", p=0.3, weight=6.0, tau=5.0)
b.project("inh_exc", "inh", "exc", "dense", weight=-4.0, tau=10.0, delay=1)
net = b.build(args.backend)
net.set_input("input", np.ones(100))  # Poisson intensity: 63.75 Hz each
run = net.run(2000, dt=0.1, spikes=["input", "exc", "inh"])
for layer, raster in run["spikes"].items():
    print("{:>5}: {:6.1f} Hz".format(layer, raster.sum() / raster[0].size / 0.2))

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("matplotlib is not installed: no raster drawn")
else:
    fig, ax = plt.subplots(figsize=(8, 4))
    offset = 0
    for layer, colour in (("input", "tab:gray"), ("exc", "tab:blue"), ("inh", "tab:red")):
        steps, _, units = np.nonzero(run["spikes"][layer])
        ax.scatter(run["times"][steps], units + offset, s=1, c=colour, label=layer)
        offset += run["spikes"][layer].shape[2]
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("neuron")
    ax.legend(loc="upper right", markerscale=8)
    fig.tight_layout()
    fig.savefig(args.out, dpi=120)
    print("wrote", args.out)
