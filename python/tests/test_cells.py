"""The generated cell classes: one per registry entry, with ngclearn's signature and the Rust
docs' equations and parameter tables as docstrings."""

import numpy as np

import spikegpu

NGCLEARN_CELLS = {
    "IFCell", "LIFCell", "QuadLIFCell", "AdExCell", "FitzhughNagumoCell", "HodgkinHuxleyCell",
    "IzhikevichCell", "RAFCell", "SLIFCell", "WTASCell",
}


def test_one_class_per_cell():
    assert {c["class_name"] for c in spikegpu.CELLS} == NGCLEARN_CELLS
    for name in NGCLEARN_CELLS:
        cls = getattr(spikegpu, name)
        assert issubclass(cls, spikegpu.Population)


def test_docstrings_carry_the_description():
    for c in spikegpu.CELLS:
        doc = getattr(spikegpu, c["class_name"]).__doc__
        for p in c["params"]:
            assert "| {} |".format(p["name"]) in doc
        for comp in c["compartments"]:
            assert "| {} |".format(comp["name"]) in doc
    assert "tau_m · dv/dt" in spikegpu.LIFCell.__doc__


def test_class_equals_generic_population():
    a = spikegpu.LIFCell("z", 50, tau_m=10.0, key=7)
    b = spikegpu.Population("LIFCell", 50, key=7, tau_m=10.0)
    assert a.name == "z" and isinstance(a, spikegpu.LIFCell)
    ra = a.run(300, drive=np.linspace(10, 40, 50), record=["spikes"]).raster
    rb = b.run(300, drive=np.linspace(10, 40, 50), record=["spikes"]).raster
    assert ra.any()
    np.testing.assert_array_equal(ra, rb)


def test_every_cell_runs_on_every_backend(backend):
    for c in spikegpu.CELLS:
        required = {p["name"]: 10.0 for p in c["params"] if p["default"] == "required"}
        pop = spikegpu.Population(c["class_name"], 8, batch_size=2, key=1, backend=backend, **required)
        rec = pop.run(20, dt=0.05, drive=5.0, record=["spikes"])
        assert rec.raster.shape == (20, 2, 8)


def test_jax_key_words():
    a = spikegpu.LIFCell(4, tau_m=10.0, key=7)
    b = spikegpu.LIFCell(4, tau_m=10.0, key=np.array(a.key, dtype=np.uint32))
    assert a.key == b.key
