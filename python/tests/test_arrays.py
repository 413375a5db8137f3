"""NumPy in and out: dtypes, contiguity, shapes, and the drives `run` takes."""

import numpy as np
import pytest

import spikegpu


def lif(n=6, batch=2, backend="cpu"):
    return spikegpu.LIFCell(n_units=n, batch_size=batch, tau_m=10.0, key=3, backend=backend)


def test_compartments_are_float32_batch_by_units():
    pop = lif()
    v = pop["v"]
    assert v.dtype == np.float32 and v.shape == (2, 6) and v.flags.c_contiguous
    assert pop.compartments[:2] == ["j", "v"]


def test_write_then_read_round_trips():
    pop = lif()
    values = np.arange(12, dtype=np.float32).reshape(2, 6) - 70.0
    pop["v"] = values
    np.testing.assert_array_equal(pop["v"], values)
    pop["v"] = -60.5
    np.testing.assert_array_equal(pop["v"], np.full((2, 6), -60.5, np.float32))


def test_float64_and_non_contiguous_inputs_are_converted_once():
    j32 = np.linspace(5, 40, 12, dtype=np.float32).reshape(2, 6)
    j64 = j32.astype(np.float64)
    # A non-contiguous view holding the same values.
    wide = np.zeros((2, 12), np.float32)
    wide[:, ::2] = j32
    strided = wide[:, ::2]
    assert not strided.flags.c_contiguous
    results = []
    for j in (j32, j64, strided, j32.tolist()):
        pop = lif()
        for _ in range(50):
            pop.step(j)
        results.append((pop["v"], pop["tols"]))
    for v, tols in results[1:]:
        np.testing.assert_array_equal(v, results[0][0])
        np.testing.assert_array_equal(tols, results[0][1])


def test_complex_and_object_inputs_are_rejected():
    pop = lif()
    with pytest.raises(TypeError, match="expected real numbers"):
        pop.step(np.ones((2, 6), np.complex64))
    with pytest.raises(TypeError, match="expected real numbers"):
        pop["v"] = np.array([["a"] * 6] * 2)


def test_wrong_shapes_say_which_shapes_fit():
    pop = lif()
    with pytest.raises(ValueError, match=r"expected shape \(2, 6\), got \(6,\)"):
        pop.step(np.ones(6))
    one_row = lif(batch=1)
    one_row.step(np.ones(6) * 30)  # (N,) is fine with batch 1
    with pytest.raises(ValueError, match=r"drive: expected shape .*\(10, 2, 6\).*got \(9, 2, 6\)"):
        pop.run(10, drive=np.ones((9, 2, 6)))


def test_drives_agree():
    """A constant, a per-neuron array and a per-step array of the same currents give one result."""
    steps, currents = 200, np.full((2, 6), 30.0, np.float32)
    recs = []
    for drive in (30.0, currents, np.broadcast_to(currents, (steps, 2, 6))):
        pop = lif()
        recs.append(pop.run(steps, dt=0.1, drive=drive, record=["spikes"]).raster)
    assert recs[0].any()
    for r in recs[1:]:
        np.testing.assert_array_equal(r, recs[0])


def test_run_equals_steps():
    """`run` over a per-step drive leaves what the same steps taken one by one leave."""
    rng = np.random.default_rng(0)
    drive = rng.uniform(0, 40, (300, 2, 6)).astype(np.float32)
    a, b = lif(), lif()
    rec = a.run(300, dt=0.1, drive=drive, record=["spikes", "v"], neurons=[0, 7], every=10)
    raster = []
    for k in range(300):
        b.step(drive[k])
        raster.append(b["s"] > 0)
    np.testing.assert_array_equal(rec.raster, np.array(raster))
    np.testing.assert_array_equal(a["v"], b["v"])
    assert rec["v"].shape == (30, 2) and rec.sample_steps[:2] == [9, 19]
    assert rec.events.shape == (int(np.array(raster).sum()), 3)
    np.testing.assert_array_equal(rec.counts, np.array(raster).sum(axis=0))


def test_random_drives_match_across_backends(backend):
    pops = [lif(backend="cpu"), lif(backend=backend)]
    drive = spikegpu.RandomDrive.poisson(rate_hz=400.0, amplitude=300.0, seed=5)
    rasters = [p.run(500, dt=0.1, drive=drive, record=["spikes"]).raster for p in pops]
    assert rasters[0].any()
    np.testing.assert_array_equal(rasters[0], rasters[1])
