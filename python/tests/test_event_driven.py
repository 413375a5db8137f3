"""Event-driven propagation and procedural fan-out from Python, against the exact sums of the
recorded spikes and the given weights (computed here in float64) and the documented fixed-point
bound."""

import math

import numpy as np
import pytest

import spikegpu

N_PRE, N_POST, STEPS = 40, 8, 60


def quantum(max_abs_term, in_degree):
    """The fixed-point quantum q = 2^-s of an event-driven projection (spikegpu's
    `network::event` docs): limit = the largest float32 <= floor((2^31 - 1) / D), s the largest
    integer with M·2^s <= limit."""
    exact = (2**31 - 1) // in_degree
    limit = float(np.float32(exact))
    if limit > exact:
        limit = float(np.nextafter(np.float32(exact), np.float32(0)))
    s = math.floor(math.log2(limit / max_abs_term))
    while max_abs_term * 2.0**s > limit:
        s -= 1
    while max_abs_term * 2.0 ** (s + 1) <= limit:
        s += 1
    return 2.0**-s


def dense_network(backend, propagation, weights):
    b = spikegpu.NetworkBuilder(key=5)
    b.poisson("input", N_PRE, target_freq=2000.0)
    b.population("out", "LIFCell", N_POST, tau_m=10.0)
    b.project("w", "input", "out", "dense", weights=weights, propagation=propagation)
    net = b.build(backend)
    net.set_input("input", 1.0)
    return net.run(STEPS, spikes=["input"], traces=[("out", "j")])


def test_event_sums_are_within_the_fixed_point_bound(backend):
    rng = np.random.default_rng(0)
    weights = rng.uniform(-3.0, 3.0, (N_PRE, N_POST)).astype(np.float32)
    event = dense_network(backend, "event", weights)
    gather = dense_network("cpu", "gather", weights)
    spikes = event["spikes"]["input"][:, 0, :]
    np.testing.assert_array_equal(spikes, gather["spikes"]["input"][:, 0, :])
    assert spikes.sum() > 100
    # A projection sees the previous step's spikes.
    exact = np.zeros((STEPS, N_POST))
    exact[1:] = spikes[:-1].astype(np.float64) @ weights.astype(np.float64)
    j_event = event["traces"][("out", "j")][:, 0, :].astype(np.float64)
    j_gather = gather["traces"][("out", "j")][:, 0, :].astype(np.float64)
    # Gather: float32 sums in presynaptic order (a relative error of n float32 roundings).
    n_terms = np.zeros(STEPS)
    n_terms[1:] = spikes[:-1].sum(axis=1)
    magnitude = np.zeros((STEPS, N_POST))
    magnitude[1:] = spikes[:-1].astype(np.float64) @ np.abs(weights.astype(np.float64))
    assert np.all(np.abs(j_gather - exact) <= n_terms[:, None] * 2.0**-24 * magnitude + 1e-30)
    # Event: n·q/2 per unit, plus half an ulp of the result.
    q = quantum(float(np.abs(weights).max()), N_PRE)
    bound = n_terms[:, None] * q / 2 + np.spacing(np.abs(exact).astype(np.float32)).astype(np.float64) / 2
    assert np.all(np.abs(j_event - exact) <= bound)
    assert np.any(j_event != j_gather)  # the quantisation is real, and the test can tell


def test_event_propagation_is_the_same_on_cpu_and_gpu(backend):
    weights = np.random.default_rng(1).uniform(-3.0, 3.0, (N_PRE, N_POST)).astype(np.float32)
    a = dense_network("cpu", "event", weights)
    b = dense_network(backend, "event", weights)
    np.testing.assert_array_equal(a["traces"][("out", "j")], b["traces"][("out", "j")])


def test_fan_out_delivers_k_weights_per_spike(backend):
    """Each spike reaches exactly k targets (with replacement): the population's summed input
    is k·w per presynaptic spike, exactly (w = 0.5 is exact on the fixed-point scale)."""
    k, w = 7, 0.5
    b = spikegpu.NetworkBuilder(key=9)
    b.poisson("input", 300, target_freq=1000.0)
    b.population("out", "LIFCell", 50, tau_m=10.0)
    b.project("fan", "input", "out", "fan_out", k=k, weight=w)
    net = b.build(backend)
    net.set_input("input", 1.0)
    run = net.run(40, spikes=["input"], traces=[("out", "j")])
    spikes = run["spikes"]["input"][:, 0, :].sum(axis=1)
    total = run["traces"][("out", "j")][:, 0, :].sum(axis=1)
    assert spikes.sum() > 50
    np.testing.assert_array_equal(total[1:], k * w * spikes[:-1])
    # The targets spread over the population rather than landing on one unit.
    assert np.count_nonzero(run["traces"][("out", "j")][1:].sum(axis=(0, 1))) > 40


def test_propagation_errors():
    b = spikegpu.NetworkBuilder()
    b.poisson("input", 4)
    b.population("out", "LIFCell", 3, tau_m=10.0)
    with pytest.raises(ValueError, match='expected "gather" or "event"'):
        b.project("p", "input", "out", "dense", weight=1.0, propagation="scatter")
    with pytest.raises(ValueError, match="max_signal"):
        b.project("p", "input", "out", "dense", weight=1.0, max_signal=2.0)
    with pytest.raises(ValueError, match="needs k="):
        b.project("p", "input", "out", "fan_out", weight=1.0)
