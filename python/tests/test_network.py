"""The network API from Python: builder errors, runs, and the CPU and GPU engines agreeing."""

import numpy as np
import pytest

import spikegpu


def small_network(backend, plastic=False):
    b = spikegpu.NetworkBuilder(batch_size=1, key=42)
    b.poisson("input", 40, target_freq=63.75)
    b.population("exc", "LIFCell", 20, tau_m=10.0)
    b.population("inh", "LIFCell", 10, tau_m=5.0, v_rest=-60.0)
    if plastic:
        b.trace("x_in", "input", tau_tr=20.0, a_delta=0.0, decay_type="exp")
        b.trace("x_exc", "exc", tau_tr=20.0, a_delta=0.0, decay_type="exp")
        b.plastic("input_exc", "input", "exc", "x_in", "x_exc", A_plus=1e-2, A_minus=1e-3, w_bound=300.0, uniform=(0.0, 300.0))
    else:
        b.project("input_exc", "input", "exc", "dense", uniform=(0.0, 300.0))
    b.project("exc_inh", "exc", "inh", "fixed_probability", p=0.5, weight=20.0, tau=5.0, delay=2)
    b.project("inh_exc", "inh", "exc", "procedural", p=0.3, weight=-10.0)
    net = b.build(backend)
    net.set_input("input", np.full(40, 1.0))
    net.set_drive("inh", 2.0)
    return net


@pytest.mark.parametrize("plastic", [False, True])
def test_cpu_and_gpu_give_the_same_spikes(backend, plastic):
    runs = []
    for on in ("cpu", backend):
        net = small_network(on, plastic)
        run = net.run(400, dt=0.1, spikes=["input", "exc", "inh"], traces=[("exc", "v")])
        runs.append((run, net["exc", "v"], net.read_trace("x_exc") if plastic else None))
    (a, va, ta), (b, vb, tb) = runs
    assert a["spikes"]["exc"].shape == (400, 1, 20)
    assert a["spikes"]["input"].any() and a["spikes"]["exc"].any()
    for layer in ("input", "exc", "inh"):
        np.testing.assert_array_equal(a["spikes"][layer], b["spikes"][layer])
    np.testing.assert_allclose(a["traces"][("exc", "v")], b["traces"][("exc", "v")], rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(va, vb, rtol=1e-5, atol=1e-4)
    if plastic:
        np.testing.assert_allclose(ta, tb, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(a["times"][:3], np.array([0.0, 0.1, 0.2], np.float32))


def test_a_network_population_steps_as_a_population():
    """One population driven by a constant current in a network spikes as the same population alone."""
    b = spikegpu.NetworkBuilder(batch_size=2, key=0)
    b.population("p", "LIFCell", 16, tau_m=10.0)
    net = b.build("cpu")
    drive = np.linspace(10.0, 40.0, 32).reshape(2, 16)
    net.set_drive("p", drive)
    run = net.run(300, dt=0.1, spikes=["p"])
    pop = spikegpu.LIFCell(16, batch_size=2, tau_m=10.0)
    rec = pop.run(300, dt=0.1, drive=drive, record=["spikes"])
    assert rec.raster.any()
    np.testing.assert_array_equal(run["spikes"]["p"], rec.raster)
    np.testing.assert_array_equal(net["p", "v"], pop["v"])


def test_builder_errors():
    b = spikegpu.NetworkBuilder()
    b.poisson("input", 4)
    b.population("exc", "LIFCell", 3, tau_m=10.0)
    with pytest.raises(ValueError, match="no layer `ex`"):
        b.project("p", "input", "ex", "dense", weight=1.0)
    with pytest.raises(ValueError, match="encoders take no input"):
        b.project("p", "exc", "input", "dense", weight=1.0)
    with pytest.raises(ValueError, match=r"expected shape \(4, 3\)"):
        b.project("p", "input", "exc", "dense", weights=np.ones((3, 4)))
    with pytest.raises(ValueError, match="exactly one"):
        b.project("p", "input", "exc", "dense")
    with pytest.raises(ValueError, match="needs p="):
        b.project("p", "input", "exc", "fixed_probability", weight=1.0)
    with pytest.raises(ValueError, match="tau_m"):
        b.population("bad", "LIFCell", 3, tau_mm=10.0)
    b.build("cpu")
    with pytest.raises(ValueError, match="already built"):
        b.build("cpu")
