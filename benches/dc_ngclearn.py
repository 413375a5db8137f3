"""ngclearn 3.2.3's own Diehl & Cook network (the exhibit's components, parameters and schedule,
as `conformance/network/README.md` §4.11 states them) timed on JAX CPU, for a side-by-side with
`spikegpu bench --network dc` on the same machine.

    python3.12 -m venv venv && venv/bin/pip install ngclearn==3.2.3
    venv/bin/python benches/dc_ngclearn.py --n-exc 100 --samples 3

Each sample: the reset process, z0.inputs = a random image in [0, 1] (784 values), T = 200 steps
of the advance + evolve processes through ngclearn's jit-compiled scan (as the exhibit runs
them), then the per-column weight normalisation. Compilation is excluded (one warm-up sample).
"""
import argparse
import time

import jax
import jax.numpy as jnp
import numpy as np
from ngclearn import Context, JointProcess, MethodProcess, Summation
from ngcsimlib.global_state import stateManager
from ngclearn.components import LIFCell, PoissonCell, StaticSynapse, TraceSTDPSynapse, VarTrace
from ngclearn.utils.distribution_generator import DistributionGenerator as dist


def build(n_in, n_exc, seed):
    dkey, *subkeys = jax.random.split(jax.random.PRNGKey(seed), 10)
    tau_m = 100.500896468
    with Context("dc") as ctx:
        z0 = PoissonCell("z0", n_units=n_in, target_freq=63.75, key=subkeys[0])
        W1 = TraceSTDPSynapse("W1", shape=(n_in, n_exc), A_plus=1e-2, A_minus=1e-4, eta=1.0,
                              pretrace_target=0.0, weight_init=dist.uniform(0.0, 0.3), key=subkeys[1])
        z1e = LIFCell("z1e", n_units=n_exc, tau_m=tau_m, resist_m=tau_m, thr=-52.0, v_rest=-65.0,
                      v_reset=-60.0, tau_theta=1e7, theta_plus=0.05, refract_time=5.0,
                      one_spike=True, key=subkeys[2])
        z1i = LIFCell("z1i", n_units=n_exc, tau_m=tau_m, resist_m=tau_m, thr=-40.0, v_rest=-60.0,
                      v_reset=-45.0, tau_theta=0.0, refract_time=5.0, key=subkeys[3])
        W1ie = StaticSynapse("W1ie", shape=(n_exc, n_exc), weight_init=dist.constant(-120.0, hollow=True),
                             key=subkeys[4])
        W1ei = StaticSynapse("W1ei", shape=(n_exc, n_exc), weight_init=dist.constant(22.5, eye=True),
                             key=subkeys[5])
        tr0 = VarTrace("tr0", n_units=n_in, tau_tr=20.0, decay_type="exp", a_delta=0.0, key=subkeys[6])
        tr1 = VarTrace("tr1", n_units=n_exc, tau_tr=20.0, decay_type="exp", a_delta=0.0, key=subkeys[7])
        z0.outputs >> W1.inputs
        z1i.s >> W1ie.inputs
        Summation(W1.outputs, W1ie.outputs) >> z1e.j
        z1e.s >> W1ei.inputs
        W1ei.outputs >> z1i.j
        z0.outputs >> tr0.inputs
        z1e.s >> tr1.inputs
        tr0.trace >> W1.preTrace
        z0.outputs >> W1.preSpike
        tr1.trace >> W1.postTrace
        z1e.s >> W1.postSpike
        advance = (MethodProcess("advance") >> W1.advance_state >> W1ie.advance_state >> W1ei.advance_state
                   >> z0.advance_state >> z1e.advance_state >> z1i.advance_state >> tr0.advance_state
                   >> tr1.advance_state)
        evolve = MethodProcess("evolve") >> W1.evolve
        reset = (MethodProcess("reset") >> z0.reset >> z1e.reset >> z1i.reset >> tr0.reset >> tr1.reset
                 >> W1.reset >> W1ie.reset >> W1ei.reset)
        step = JointProcess("step") >> advance >> evolve
    return ctx, z0, W1, step, reset


def normalize(W, wnorm):
    s = jnp.maximum(jnp.sum(jnp.abs(W), axis=0, keepdims=True), 1e-8)
    return W * (wnorm / s)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n-in", type=int, default=784)
    ap.add_argument("--n-exc", type=int, default=100)
    ap.add_argument("--samples", type=int, default=3)
    ap.add_argument("--steps", type=int, default=200)
    args = ap.parse_args()
    ctx, z0, W1, step, reset = build(args.n_in, args.n_exc, 1234)
    rows = jnp.array(step.pack_rows(args.steps, t=lambda x: x, dt=1.0))
    rng = np.random.default_rng(7)
    wnorm = 0.1 * args.n_in
    timed = 0.0
    for s in range(args.samples + 1):
        image = jnp.asarray(rng.random((1, args.n_in)), dtype=jnp.float32)
        start = time.perf_counter()
        reset.run()
        z0.inputs.set(image)
        # As ngclearn's own modules do: the scan returns the final state, which becomes the
        # context's state (without this the weights would not learn and the timing would not wait
        # for the scan).
        stateManager.state, _ = step.scan(rows)
        W1.weights.set(normalize(W1.weights.get(), wnorm))
        jax.block_until_ready(W1.weights.get())
        if s > 0:
            timed += time.perf_counter() - start
    print(f"ngclearn 3.2.3 (JAX {jax.__version__}, {jax.devices()[0].platform}): {args.n_in} inputs, "
          f"{args.n_exc} cells, {args.steps} steps per sample")
    print(f"training samples/s: {args.samples / timed:.2f}")


if __name__ == "__main__":
    main()
