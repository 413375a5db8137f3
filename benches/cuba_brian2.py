"""The CUBA benchmark (Brette et al. 2007) in Brian2's C++ standalone mode, with the same
equations and parameters as spikegpu's `examples/cuba.rs`, for a side-by-side comparison of
rates, ISI CV and loop time on one machine.

    pip install brian2 "numpy<2"        # brian2 2.9 does not run on NumPy >= 2.x here
    python benches/cuba_brian2.py [--scale S] [--threads T] [--seconds 1] [--seed N]

Prints the same lines as the example (`excitatory: … Hz`, `CV of ISIs: …`, `loop: … s`). The
loop time is Brian's own measurement of the simulation run (code generation and compilation
excluded), read from `device._last_run_time`.
"""
import argparse
import tempfile

import numpy as np
from brian2 import (NeuronGroup, SpikeMonitor, Synapses, defaultclock, device, ms, mV, prefs, run,
                    seed, set_device)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--method", default="euler", help="euler (as spikegpu's LIFCell) or exact")
    ap.add_argument("--classic", action="store_true",
                    help="Brette et al.'s clamped refractory period instead of ngclearn's LIFCell "
                         "(whose refractory mask blocks the input only; the leak continues)")
    args = ap.parse_args()

    build_dir = tempfile.mkdtemp(prefix="cuba_brian2_")
    set_device("cpp_standalone", directory=build_dir)
    prefs.devices.cpp_standalone.openmp_threads = args.threads
    seed(args.seed)
    defaultclock.dt = 0.1 * ms

    n = int(round(4000 * args.scale))
    n_exc = n * 4 // 5
    p = 0.02 / args.scale
    taum, taue, taui = 20 * ms, 5 * ms, 10 * ms
    vt, vr, el = -50 * mV, -60 * mV, -49 * mV
    we, wi = 1.62 * mV, -9 * mV
    if args.classic:
        membrane = "dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)"
    else:
        # ngclearn's LIFCell (SEMANTICS.md §2): during the refractory period the input is masked
        # out and the leak goes on.
        membrane = "dv/dt  = (int(not_refractory)*(ge+gi)-(v-El))/taum : volt"
    eqs = membrane + """
    dge/dt = -ge/taue : volt
    dgi/dt = -gi/taui : volt
    """
    namespace = dict(El=el, taum=taum, taue=taue, taui=taui)
    P = NeuronGroup(n, eqs, threshold="v>Vt", reset="v = Vr", refractory=5 * ms,
                    method=args.method, namespace=dict(namespace, Vt=vt, Vr=vr))
    P.v = "Vr + rand() * (Vt - Vr)"
    P.ge = 0 * mV
    P.gi = 0 * mV
    Ce = Synapses(P, P, on_pre="ge += we", namespace={"we": we})
    Ci = Synapses(P, P, on_pre="gi += wi", namespace={"wi": wi})
    Ce.connect("i<n_exc", p=p, namespace={"n_exc": n_exc})
    Ci.connect("i>=n_exc", p=p, namespace={"n_exc": n_exc})
    P.namespace.update({"Vt": vt, "Vr": vr})
    mon = SpikeMonitor(P)
    run(args.seconds * 1000 * ms)

    i = np.asarray(mon.i)
    t = np.asarray(mon.t / ms)
    exc = i < n_exc
    model = "classic refractory" if args.classic else "ngclearn LIF refractory"
    print(f"brian2 {args.method}, {model}, {n} cells, {args.threads} thread(s)")
    print(f"excitatory: {exc.sum() / n_exc / args.seconds:.1f} Hz")
    print(f"inhibitory: {(~exc).sum() / (n - n_exc) / args.seconds:.1f} Hz")
    cvs = []
    order = np.argsort(i, kind="stable")
    i_sorted, t_sorted = i[order], t[order]
    bounds = np.searchsorted(i_sorted, np.arange(n_exc + 1))
    for k in range(n_exc):
        ts = t_sorted[bounds[k]:bounds[k + 1]]
        if len(ts) >= 3:
            isi = np.diff(ts)
            cvs.append(isi.std() / isi.mean())
    print(f"CV of ISIs: {np.mean(cvs):.2f}" if cvs else "CV of ISIs: no cell fired three times")
    print(f"loop: {device._last_run_time:.3f} s for {args.seconds} s of biological time")


if __name__ == "__main__":
    main()
