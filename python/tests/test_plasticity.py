"""The four learning rules and streamed inputs from Python: a rule on a sparse projection holding
every synapse equals the same rule on the dense ngclearn synapse (two code paths of the engine),
modulators streamed per step equal modulators set between runs, a zero reward freezes MSTDP-ET
weights, and a streamed drive equals a standalone population's per-step drive."""

import numpy as np
import pytest

import spikegpu

N_PRE, N_POST = 12, 5
RULES = {
    "trace": dict(A_plus=1e-2, A_minus=2e-3, mu=1.0, w_bound=1.0),
    "exp": dict(A_plus=1e-2, A_minus=2e-3, exp_beta=1.5, w_bound=1.0),
    "event": dict(eta=0.05, lmbda=0.02, presyn_win_len=3.0),
    "mstdpet": dict(A_plus=1e-2, A_minus=2e-3, tau_elg=20.0, elg_decay=0.9, w_bound=1.0),
}
ALL_PAIRS = [(i, j) for i in range(N_PRE) for j in range(N_POST)]


def network(rule, kind, backend="cpu", **extra):
    b = spikegpu.NetworkBuilder(key=3)
    b.population("pre", "LIFCell", N_PRE, tau_m=10.0)
    b.population("post", "LIFCell", N_POST, tau_m=10.0)
    traces = ()
    if rule != "event":
        b.trace("x_pre", "pre", tau_tr=20.0, a_delta=0.0, decay_type="exp")
        b.trace("x_post", "post", tau_tr=20.0, a_delta=0.0, decay_type="exp")
        traces = ("x_pre", "x_post")
    connection = dict(weight=0.4) if kind == "dense" else dict(synapses=[(i, j, 0.4) for i, j in ALL_PAIRS])
    b.plastic("w", "pre", "post", *traces, rule=rule, kind=kind, **connection, **RULES.get(rule, {}), **extra)
    net = b.build(backend)
    net.set_drive("pre", np.linspace(15.0, 40.0, N_PRE))
    net.set_drive("post", np.linspace(18.0, 30.0, N_POST))
    if rule == "mstdpet":
        net.set_modulator("w", 0.5)
    return net


@pytest.mark.parametrize("rule", sorted(RULES))
def test_sparse_rule_equals_dense_rule(rule):
    dense, sparse = network(rule, "dense"), network(rule, "list")
    runs = [net.run(300, spikes=["pre", "post"]) for net in (dense, sparse)]
    assert runs[0]["spikes"]["post"].any() and runs[0]["spikes"]["pre"].any()
    w_dense = dense.read_projection("w", "weights")
    w_sparse = sparse.read_projection("w", "weights")
    assert w_dense.shape == (N_PRE * N_POST,)
    assert np.any(w_dense != np.float32(0.4)), "the weights learned"
    # A sparse projection stores its weights by (post, pre).
    np.testing.assert_array_equal(w_sparse.reshape(N_POST, N_PRE).T, w_dense.reshape(N_PRE, N_POST))


@pytest.mark.parametrize("rule", sorted(RULES))
def test_rules_run_the_same_on_cpu_and_gpu(backend, rule):
    nets = [network(rule, "dense", on) for on in ("cpu", backend)]
    for net in nets:
        net.run(200)
    a, b = (net.read_projection("w", "weights") for net in nets)
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_streamed_modulators_equal_modulators_set_between_runs(backend):
    rewards = np.repeat(np.array([0.0, 1.0, -0.5, 2.0], np.float32), 50)
    streamed = network("mstdpet", "dense", backend)
    streamed.run(200, modulators={"w": rewards})
    stepped = network("mstdpet", "dense", backend)
    for value in (0.0, 1.0, -0.5, 2.0):
        stepped.set_modulator("w", value)
        stepped.run(50)
    np.testing.assert_array_equal(streamed.read_projection("w", "weights"), stepped.read_projection("w", "weights"))
    np.testing.assert_array_equal(streamed.read_projection("w", "modulator"), np.array([2.0], np.float32))


def test_a_zero_reward_freezes_the_weights():
    net = network("mstdpet", "dense")
    net.set_modulator("w", 0.0)
    net.run(200)
    np.testing.assert_array_equal(net.read_projection("w", "weights"), np.full(N_PRE * N_POST, 0.4, np.float32))
    assert np.any(net.read_projection("w", "eligibility") != 0.0)


def test_streamed_drive_equals_a_populations_per_step_drive(backend):
    steps = 300
    drive = np.random.default_rng(4).uniform(0.0, 45.0, (steps, 2, 10)).astype(np.float32)
    b = spikegpu.NetworkBuilder(batch_size=2)
    b.population("p", "LIFCell", 10, tau_m=10.0)
    b.stream_drive("p")
    net = b.build(backend)
    run = net.run(steps, spikes=["p"], drives={"p": drive})
    pop = spikegpu.LIFCell(10, batch_size=2, tau_m=10.0)
    rec = pop.run(steps, drive=drive, record=["spikes"])
    assert rec.raster.any()
    np.testing.assert_array_equal(run["spikes"]["p"], rec.raster)
    if backend == "cpu":
        np.testing.assert_array_equal(net["p", "v"], pop["v"])
    else:
        tol = next(c["tolerance"] for c in spikegpu.CELLS if c["class_name"] == "LIFCell")
        np.testing.assert_allclose(net["p", "v"], pop["v"], rtol=tol, atol=tol)


def test_rule_and_stream_errors():
    with pytest.raises(ValueError, match="rule \"hebb\""):
        network("hebb", "dense")
    with pytest.raises(ValueError, match="A_plus"):
        network("trace", "dense", A_plsu=1.0)
    with pytest.raises(ValueError, match="weight_init"):
        network("trace", "dense", weight_init={"dist": "constant", "value": 1.0})
    with pytest.raises(ValueError, match="weight_mask is for"):
        network("trace", "list", weight_mask=np.ones((N_PRE, N_POST)))
    with pytest.raises(ValueError, match="needs stored weights"):
        b = spikegpu.NetworkBuilder()
        b.population("a", "LIFCell", 3, tau_m=10.0)
        b.plastic("w", "a", "a", rule="event", kind="procedural", p=0.5, weight=1.0, eta=0.1)
    b = spikegpu.NetworkBuilder(batch_size=2)
    b.population("a", "LIFCell", 3, tau_m=10.0)
    with pytest.raises(ValueError, match="batch 1"):
        b.plastic("w", "a", "a", rule="event", weight=0.1, eta=0.1)
    net = network("trace", "dense")
    with pytest.raises(ValueError, match="only an MSTDPETSynapse"):
        net.set_modulator("w", 1.0)
    with pytest.raises(ValueError, match="no projection"):
        net.set_modulator("v", 1.0)
    net = network("mstdpet", "dense")
    with pytest.raises(ValueError, match=r"expected shape \(10,\)"):
        net.run(10, modulators={"w": np.zeros(9)})
    b = spikegpu.NetworkBuilder()
    b.population("p", "LIFCell", 3, tau_m=10.0)
    b.stream_drive("p")
    net = b.build("cpu")
    with pytest.raises(ValueError, match="streamed"):
        net.run(5)


@pytest.mark.parametrize("rule", ["trace", "exp"])
def test_masked_dense_rule_equals_sparse_rule_on_the_unmasked_synapses(rule):
    """A 0/1 weight_mask on the dense synapse is a sparse projection holding the unmasked
    synapses only (the masked weights stay 0 under these rules)."""
    mask = np.array([[float((i + 2 * j) % 3 != 0) for j in range(N_POST)] for i in range(N_PRE)])
    kept = [(i, j) for i, j in ALL_PAIRS if mask[i, j]]
    nets = []
    for kind, connection in (("dense", dict(weight=0.4, weight_mask=mask)),
                             ("list", dict(synapses=[(i, j, 0.4) for i, j in kept]))):
        b = spikegpu.NetworkBuilder(key=3)
        b.population("pre", "LIFCell", N_PRE, tau_m=10.0)
        b.population("post", "LIFCell", N_POST, tau_m=10.0)
        b.trace("x_pre", "pre", tau_tr=20.0, a_delta=0.0, decay_type="exp")
        b.trace("x_post", "post", tau_tr=20.0, a_delta=0.0, decay_type="exp")
        b.plastic("w", "pre", "post", "x_pre", "x_post", rule=rule, kind=kind, **connection, **RULES[rule])
        net = b.build("cpu")
        net.set_drive("pre", np.linspace(15.0, 40.0, N_PRE))
        net.set_drive("post", np.linspace(18.0, 30.0, N_POST))
        net.run(300)
        nets.append(net)
    dense = nets[0].read_projection("w", "weights").reshape(N_PRE, N_POST)
    sparse = nets[1].read_projection("w", "weights")
    assert np.all(dense[mask == 0] == 0.0) and np.any(dense[mask == 1] != np.float32(0.4))
    by_post = sorted(kept, key=lambda ij: (ij[1], ij[0]))
    np.testing.assert_array_equal(sparse, np.array([dense[i, j] for i, j in by_post], np.float32))
