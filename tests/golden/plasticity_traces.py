"""Golden traces of ngclearn 3.2.3's ExpSTDPSynapse and MSTDPETSynapse, made with the real
ngclearn (JAX CPU, float32, jit-compiled processes) in the format of
`conformance/network/README.md` ("ngclearn-network-trace/1"), for tests/plasticity.rs.

    /work/venv-ngc/bin/python tests/golden/plasticity_traces.py tests/data

Each file holds two independent components driven by given spikes and traces (Bernoulli spikes,
gated exponential traces of them computed in float32 NumPy, a reward per step for MSTDPET), run
as the README's section 1 describes: reset, then per step set the inputs, `advance_state`,
`evolve`, record every compartment.
"""
import json
import os
import sys

import jax
import numpy as np
from ngclearn import Context, MethodProcess
from ngclearn.components import ExpSTDPSynapse, MSTDPETSynapse
from ngclearn.utils.distribution_generator import DistributionGenerator as dist

REFERENCE = "ngclearn 3.2.3 / jax %s (CPU, float32, jit)" % jax.__version__


def f32(x):
    """Shortest decimal that round-trips the float32 value (nested lists kept)."""
    a = np.asarray(x, dtype=np.float32)
    if a.ndim == 0:
        v = float(str(a))
        return int(v) if v == int(v) and abs(v) < 2**24 else v
    return [f32(y) for y in a]


def spikes_and_traces(rng, steps, batch, n, p, tau, dt):
    """Bernoulli spikes and their gated exponential trace (the DC traces), float32."""
    s = (rng.random((steps, batch, n)) < p).astype(np.float32)
    d = np.float32(np.exp(-dt / tau))
    x = np.zeros((batch, n), np.float32)
    tr = np.zeros_like(s)
    for k in range(steps):
        x = (x * d) * (1 - s[k]) + s[k]
        tr[k] = x
    return s, tr


def run_case(case, notes, dt, steps, specs, seed):
    """specs: (name, class, ctor kwargs, resolved params, extra per-step inputs fn)."""
    rng = np.random.default_rng(seed)
    comps = {}
    with Context(case):
        for name, cls, kwargs, _, _ in specs:
            comps[name] = cls(name, **kwargs)
        advance = MethodProcess("advance")
        evolve = MethodProcess("evolve")
        reset = MethodProcess("reset")
        for name in comps:
            advance = advance >> comps[name].advance_state
            evolve = evolve >> comps[name].evolve
            reset = reset >> comps[name].reset
    reset.run()
    t = [np.float32(k * dt) for k in range(steps)]
    inputs, shapes, outputs, initial = {}, {}, {}, {}
    state_names = {}
    for name, cls, kwargs, resolved, extra in specs:
        c = comps[name]
        batch = resolved["batch_size"]
        n_pre, n_post = resolved["shape"]
        pre, pre_tr = spikes_and_traces(rng, steps, batch, n_pre, 0.25, 20.0, dt)
        post, post_tr = spikes_and_traces(rng, steps, batch, n_post, 0.2, 20.0, dt)
        rows = {"inputs": pre, "preSpike": pre, "postSpike": post, "preTrace": pre_tr, "postTrace": post_tr}
        rows.update(extra(rng, steps, batch))
        for q, v in rows.items():
            inputs[f"{name}.{q}"] = v
        names = ["inputs", "outputs", "weights", "mask", "biases", "gate", "delayed_inputs",
                 "preSpike", "postSpike", "preTrace", "postTrace", "dWeights"]
        if cls is ExpSTDPSynapse:
            names.append("eta")
        else:
            names += ["modulator", "eligibility", "outmask"]
        state_names[name] = names
        for q in names:
            v = np.asarray(getattr(c, q).get(), np.float32)
            shapes[f"{name}.{q}"] = list(v.shape)
            initial[f"{name}.{q}"] = v.reshape(-1)
    recorded = {}
    for name, cls, *_ in specs:
        rec = ["outputs", "weights", "dWeights"] + (["eligibility"] if cls is MSTDPETSynapse else [])
        recorded[name] = rec
        for q in rec:
            outputs[f"{name}.{q}"] = []
    for k in range(steps):
        for q, v in inputs.items():
            name, comp = q.split(".")
            getattr(comps[name], comp).set(v[k])
        advance.run(t=t[k], dt=np.float32(dt))
        evolve.run(t=t[k], dt=np.float32(dt))
        for name, rec in recorded.items():
            for q in rec:
                outputs[f"{name}.{q}"].append(np.asarray(getattr(comps[name], q).get(), np.float32).reshape(-1))
    port_err = {}
    for name, cls, _, resolved, _ in specs:
        rows = {q.split(".")[1]: v for q, v in inputs.items() if q.startswith(name + ".")}
        init = {q.split(".")[1]: v for q, v in initial.items() if q.startswith(name + ".")}
        ours = port_run(cls, resolved, init, rows, steps, dt)
        for q in recorded[name]:
            ref = np.asarray(outputs[f"{name}.{q}"], np.float64)
            got = np.asarray(ours[q], np.float64)
            port_err[f"{name}.{q}"] = float(np.max(np.abs(got - ref) / np.maximum(1.0, np.abs(ref))))
    components, compare, constant, same_as, set_names, keys = [], {}, [], {}, [], {}
    for name, cls, kwargs, resolved, _ in specs:
        components.append({
            "name": name,
            "class": cls.__name__,
            "params": {k: v for k, v in resolved.items() if k in kwargs or k in ("weight_init",)},
            "resolved_params": resolved,
            "key": [0, resolved_seed(kwargs)],
            "key_seed": resolved_seed(kwargs),
        })
        keys[f"{name}.key"] = [0, resolved_seed(kwargs)]
        for q in recorded[name]:
            compare[f"{name}.{q}"] = {"tol": tolerance(port_err[f"{name}.{q}"], FLOOR[q])}
        for q in ["mask", "biases", "gate"] + (["eta"] if cls is ExpSTDPSynapse else ["outmask"]):
            compare[f"{name}.{q}"] = "exact"
            constant.append(f"{name}.{q}")
        constant.append(f"{name}.key")
        same_as[f"{name}.delayed_inputs"] = f"{name}.inputs"
        set_names += [q for q in inputs if q.startswith(name + ".")]
    doc = {
        "case": case,
        "format": "ngclearn-network-trace/1",
        "kind": "component",
        "reference": REFERENCE,
        "notes": notes + " Generated by spikegpu's tests/golden/plasticity_traces.py; tolerances from "
                 "its float32 NumPy port (largest free-run errors in port_max_err).",
        "port_max_err": port_err,
        "components": components,
        "wiring": [],
        "schedule": {
            "reset": [f"{n}.reset" for n in comps],
            "set_once": [],
            "step": [{"set": set_names},
                     {"process": "advance", "calls": [f"{n}.advance_state" for n in comps]},
                     {"process": "evolve", "calls": [f"{n}.evolve" for n in comps]}],
            "call_args": {"t": "t[k]", "dt": "dt"},
            "end": [],
        },
        "dt": dt,
        "steps": steps,
        "t0": 0.0,
        "t": f32(t),
        "shapes": shapes,
        "same_as": same_as,
        "constant": sorted(constant),
        "record_steps": {},
        "compare": compare,
        "rng": {"scope": "init", "init_draws": ["weights"], "bit_exact_init": True},
        "inputs": {q: [f32(r.reshape(-1)) for r in v] for q, v in inputs.items()},
        "initial": {q: f32(v) for q, v in initial.items()},
        "outputs": {q: [f32(r) for r in v] for q, v in outputs.items()},
        "keys": {"initial": keys, "outputs": {}},
        "final": {},
        "aux": {},
    }
    return doc


# Tolerances as README §6 derives them: about 4× the largest error of an independent float32
# NumPy port of the rule (below, written from ngclearn's source; NumPy's float32 `exp` is not
# correctly rounded, nor is XLA's), rounded up to 1, 3 or 5 × 10ⁿ, and never tighter than the
# README's tolerance of the same compartment of TraceSTDPSynapse (outputs 1e-6, weights 5e-7,
# dWeights 5e-8; the eligibility is a dWeights sum: 5e-8).
FLOOR = {"outputs": 1e-6, "weights": 5e-7, "dWeights": 5e-8, "eligibility": 5e-8}
F = np.float32


def port_run(cls, resolved, initial, rows, steps, dt):
    """The rule in float32 NumPy, free run from `initial`: per step the recorded compartments."""
    W = initial["weights"].reshape(resolved["shape"]).astype(F)
    n_pre, n_post = resolved["shape"]
    dW = np.zeros_like(W)
    elg = np.zeros_like(W)
    out = {q: [] for q in ("outputs", "weights", "dWeights", "eligibility")}
    for k in range(steps):
        x, pre, post = rows["inputs"][k], rows["preSpike"][k], rows["postSpike"][k]
        xpre, xpost = rows["preTrace"][k], rows["postTrace"][k]
        out["outputs"].append((x @ W).reshape(-1))
        if cls is ExpSTDPSynapse:
            nb = F(-resolved["exp_beta"])
            e1 = np.exp(nb * W)
            e2 = np.exp(nb * (F(resolved["w_bound"]) - W))
            tar = np.zeros_like(xpre) + F(resolved["pretrace_target"])
            d = (e1 * (xpre.T @ post) - e2 * (tar.T @ post)) * F(resolved["A_plus"])
            if resolved["A_minus"] > 0:
                d = d + ((-e1) * (pre.T @ xpost)) * F(resolved["A_minus"])
            Wn = np.clip(W + d * F(resolved["eta"]), F(0.01), F(resolved["w_bound"] - 0.01))
            mask = resolved["weight_mask"]
            W = np.where(np.asarray(mask if mask is not None else [[1.0]], F) != 0, Wn, F(0)).astype(F)
            dW = d.astype(F)
        else:
            if resolved["tau_elg"] > 0:
                fac = np.exp(F(-F(dt) / F(resolved["tau_elg"])))
                elg = ((elg * fac) * F(resolved["elg_decay"]) + dW / F(resolved["tau_elg"])).astype(F)
            else:
                elg = dW
            Wn = W + ((elg * rows["modulator"][k]) * F(resolved["eta"])) * F(1)
            if resolved["tau_w"] > 0:
                Wn = Wn - W * F(1.0 / resolved["tau_w"])
            mu, ap, am = resolved["mu"], F(resolved["A_plus"]), F(resolved["A_minus"])
            xh = xpre - F(resolved["pretrace_target"])
            if mu > 0:
                d = (np.power(F(resolved["w_bound"]) - W, F(mu)) * (xh.T @ post)) * ap
                if am > 0:
                    d = d + (-(np.power(W, F(mu)) * (pre.T @ xpost)) * am)
            else:
                d = xh.T @ (post * ap)
                if am > 0:
                    d = d + (-(pre.T @ (xpost * am)))
            dW = d.astype(F)
            W = np.clip(Wn, F(0), F(resolved["w_bound"])).astype(F)
        out["weights"].append(W.reshape(-1))
        out["dWeights"].append(dW.reshape(-1))
        out["eligibility"].append(elg.reshape(-1))
    return out


def tolerance(err, floor):
    """About 4× the port's largest error, rounded up to 1, 3 or 5 × 10ⁿ, at least `floor`."""
    target = 4 * err
    for e in range(-9, 0):
        for m in (1, 3, 5):
            tol = m * 10.0 ** e
            if tol >= target:
                return max(tol, floor)
    return 1.0


def resolved_seed(kwargs):
    return int(np.asarray(kwargs["key"])[1])


def no_extra(rng, steps, batch):
    return {}


def rewards(rng, steps, batch):
    return {"modulator": rng.uniform(-1.0, 1.0, (steps, batch, 1)).astype(np.float32)}


def exp_case():
    mask = (np.random.default_rng(3).random((6, 4)) < 0.75).astype(np.float32)
    a = dict(shape=(6, 4), A_plus=0.05, A_minus=0.03, exp_beta=1.5, eta=0.5, pretrace_target=0.1,
             weight_init=dist.uniform(0.1, 1.1), w_bound=1.2, tau_w=100.0, weight_mask=mask,
             batch_size=1, key=jax.random.PRNGKey(201))
    ra = dict(shape=[6, 4], A_plus=0.05, A_minus=0.03, exp_beta=1.5, eta=0.5, pretrace_target=0.1,
              weight_init={"dist": "uniform", "low": 0.1, "high": 1.1}, g_conduct_factor=1.0,
              p_conn=1.0, w_bound=1.2, tau_w=100.0, weight_mask=mask.tolist(), batch_size=1)
    b = dict(shape=(6, 4), A_plus=0.02, A_minus=0.0, exp_beta=3.0,
             weight_init=dist.uniform(0.2, 0.9), batch_size=2, key=jax.random.PRNGKey(202))
    rb = dict(shape=[6, 4], A_plus=0.02, A_minus=0.0, exp_beta=3.0, eta=1.0, pretrace_target=0.0,
              weight_init={"dist": "uniform", "low": 0.2, "high": 0.9}, g_conduct_factor=1.0,
              p_conn=1.0, w_bound=1.0, tau_w=0.0, weight_mask=None, batch_size=2)
    return run_case(
        "ExpSTDPSynapse_mask_tauw_b1_nodep_b2",
        "X: exp_beta 1.5, eta 0.5, pretrace_target 0.1, w_bound 1.2, tau_w 100 (never applied), "
        "weight_mask; Y: exp_beta 3, A_minus 0 (no depression term), batch 2.",
        1.0, 30, [("X", ExpSTDPSynapse, a, ra, no_extra), ("Y", ExpSTDPSynapse, b, rb, no_extra)], 61)


def mstdpet_case():
    a = dict(shape=(6, 4), A_plus=0.05, A_minus=0.04, eta=0.8, pretrace_target=0.05, tau_elg=10.0,
             elg_decay=0.9, tau_w=50.0, weight_init=dist.uniform(0.1, 0.9), w_bound=1.0,
             batch_size=1, key=jax.random.PRNGKey(301))
    ra = dict(shape=[6, 4], A_plus=0.05, A_minus=0.04, eta=0.8, mu=0.0, pretrace_target=0.05,
              tau_elg=10.0, elg_decay=0.9, tau_w=50.0,
              weight_init={"dist": "uniform", "low": 0.1, "high": 0.9}, g_conduct_factor=1.0,
              p_conn=1.0, w_bound=1.0, batch_size=1)
    b = dict(shape=(6, 4), A_plus=0.06, A_minus=0.05, eta=1.5, mu=0.6,
             weight_init=dist.uniform(0.2, 1.2), w_bound=1.4, batch_size=1, key=jax.random.PRNGKey(302))
    rb = dict(shape=[6, 4], A_plus=0.06, A_minus=0.05, eta=1.5, mu=0.6, pretrace_target=0.0,
              tau_elg=0.0, elg_decay=1.0, tau_w=0.0,
              weight_init={"dist": "uniform", "low": 0.2, "high": 1.2}, g_conduct_factor=1.0,
              p_conn=1.0, w_bound=1.4, batch_size=1)
    return run_case(
        "MSTDPETSynapse_elg_decay_mstdp_mu",
        "R: M-STDP-ET, tau_elg 10, elg_decay 0.9, tau_w 50, pretrace_target 0.05, dt 0.5; "
        "S: M-STDP (tau_elg 0), mu 0.6, w_bound 1.4; a reward in [-1, 1] per step.",
        0.5, 30, [("R", MSTDPETSynapse, a, ra, rewards), ("S", MSTDPETSynapse, b, rb, rewards)], 62)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/data"
    os.makedirs(out, exist_ok=True)
    for doc in (exp_case(), mstdpet_case()):
        path = os.path.join(out, doc["case"] + ".json")
        with open(path, "w") as f:
            json.dump(doc, f, separators=(",", ":"))
        print(path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
