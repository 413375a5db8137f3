"""Heterogeneous populations from Python: per-neuron parameters as NumPy arrays or drawn
distributions, checked against populations whose parameters are uniform (the Rust engine through
another path)."""

import numpy as np
import pytest

import spikegpu

N = 6
STEPS = 400
# Izhikevich's regular-spiking to chattering range (Izhikevich 2003): a and d per neuron.
A = np.linspace(0.02, 0.1, N)
D = np.linspace(8.0, 2.0, N)
DRIVE = np.linspace(6.0, 16.0, N).astype(np.float32)


def tolerance(class_name):
    return next(c["tolerance"] for c in spikegpu.CELLS if c["class_name"] == class_name)


def test_per_neuron_arrays_equal_uniform_populations(backend):
    het = spikegpu.IzhikevichCell(n_units=N, tau_w=1.0 / A, coupling_factor=0.2, v_reset=-65.0,
                                  w_reset=D, key=3, backend=backend)
    het_rec = het.run(STEPS, dt=0.1, drive=DRIVE, record=["spikes", "v"])
    assert het_rec.raster.any()
    tol = tolerance("IzhikevichCell")
    for n in range(N):
        one = spikegpu.IzhikevichCell(n_units=1, tau_w=float(1.0 / A[n]), coupling_factor=0.2, v_reset=-65.0,
                                      w_reset=float(D[n]), key=3, backend="cpu")
        rec = one.run(STEPS, dt=0.1, drive=DRIVE[n:n + 1], record=["spikes", "v"])
        np.testing.assert_array_equal(het_rec.raster[:, :, n], rec.raster[:, :, 0])
        if backend == "cpu":
            np.testing.assert_array_equal(het_rec["v"][:, n], rec["v"][:, 0])
        else:
            np.testing.assert_allclose(het_rec["v"][:, n], rec["v"][:, 0], rtol=tol, atol=tol)


def test_several_parameters_per_neuron_in_a_batch():
    """Two parameters per neuron (LIF's tau_m and v_thr), broadcast over a batch of 2."""
    tau_m = np.array([8.0, 10.0, 12.0, 10.0])
    thr = np.array([-52.0, -50.0, -50.0, -55.0], dtype=np.float64)
    het = spikegpu.LIFCell(4, batch_size=2, tau_m=tau_m, thr=thr, key=1)
    drive = np.linspace(15.0, 30.0, 8).reshape(2, 4)
    rec = het.run(300, drive=drive, record=["spikes"])
    assert rec.raster.any()
    for n in range(4):
        one = spikegpu.LIFCell(1, batch_size=2, tau_m=float(tau_m[n]), thr=float(thr[n]), key=1)
        r = one.run(300, drive=drive[:, n:n + 1], record=["spikes"])
        np.testing.assert_array_equal(rec.raster[:, :, n], r.raster[:, :, 0])


def test_drawn_values_are_the_populations_and_the_networks(backend):
    """v0 drawn from uniform(-70, -60) is the initial voltage; the same key gives the same
    values in a network population and on every backend."""
    pop = spikegpu.IzhikevichCell(50, v0=spikegpu.uniform(-70.0, -60.0), key=11, backend=backend)
    v = pop["v"][0]
    assert np.all((v >= -70.0) & (v < -60.0)) and len(np.unique(v)) > 40
    cpu = spikegpu.IzhikevichCell(50, v0=spikegpu.uniform(-70.0, -60.0), key=11)
    np.testing.assert_array_equal(v, cpu["v"][0])
    b = spikegpu.NetworkBuilder(key=11)
    b.population("p", "IzhikevichCell", 50, v0=spikegpu.uniform(-70.0, -60.0))
    net = b.build("cpu")
    np.testing.assert_array_equal(net["p", "v"][0], v)
    # The layer added k-th draws from the builder's key + k; an explicit key overrides it.
    b = spikegpu.NetworkBuilder(key=10)
    b.poisson("in", 3)
    b.population("p", "IzhikevichCell", 50, v0=spikegpu.uniform(-70.0, -60.0))
    b.population("q", "IzhikevichCell", 50, key=11, v0=spikegpu.uniform(-70.0, -60.0))
    net = b.build("cpu")
    np.testing.assert_array_equal(net["p", "v"][0], v)
    np.testing.assert_array_equal(net["q", "v"][0], v)
    other = spikegpu.IzhikevichCell(50, v0=spikegpu.normal(-65.0, 2.0), key=11)
    assert abs(float(np.mean(other["v"])) + 65.0) < 1.5


def test_per_neuron_errors():
    with pytest.raises(ValueError, match="expected n_units = 4"):
        spikegpu.LIFCell(4, tau_m=np.ones(3) * 10.0)
    with pytest.raises(ValueError, match="integration_type"):
        spikegpu.LIFCell(2, tau_m=10.0, integration_type=["euler", "rk2"])
    with pytest.raises(ValueError, match="did you mean `uniform`"):
        spikegpu.LIFCell(2, tau_m={"unifrm": [5.0, 10.0]})
    with pytest.raises(ValueError, match="tau_m"):
        spikegpu.LIFCell(2, tau_m=np.array([10.0, -1.0]))
    with pytest.raises(ValueError):
        spikegpu.WTASCell(3, tau_m=np.array([10.0, 11.0, 12.0]))


def test_docstrings_say_which_parameters_vary_per_neuron():
    lif = {line.split("|")[1].strip(): line.split("|")[5].strip()
           for line in spikegpu.LIFCell.__doc__.splitlines() if line.startswith("| ") and line.count("|") == 7}
    assert lif["tau_m"] == "yes" and lif["integration_type"] == "no"
    wtas = {line.split("|")[1].strip(): line.split("|")[5].strip()
            for line in spikegpu.WTASCell.__doc__.splitlines() if line.startswith("| ") and line.count("|") == 7}
    assert wtas["tau_m"] == "no"
