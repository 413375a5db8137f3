"""spikegpu's errors as Python exceptions, with spikegpu's messages."""

import numpy as np
import pytest

import spikegpu


def test_misspelled_parameter_names_the_closest():
    with pytest.raises(ValueError, match="tau_m"):
        spikegpu.LIFCell(n_units=4, tau_mm=10.0)


def test_bad_parameter_value_says_why():
    with pytest.raises(ValueError, match="tau_m"):
        spikegpu.LIFCell(n_units=4, tau_m=-1.0)
    with pytest.raises(ValueError, match="tau_m"):
        spikegpu.LIFCell(n_units=4, tau_m=float("nan"))


def test_unknown_names():
    with pytest.raises(ValueError, match="known cells"):
        spikegpu.Population("LIFFCell", 4)
    pop = spikegpu.LIFCell(n_units=4, tau_m=10.0)
    with pytest.raises(ValueError, match="vv"):
        pop["vv"]
    with pytest.raises(ValueError):
        spikegpu.LIFCell(n_units=4, tau_m=10.0, backend="cuda-magic")
    with pytest.raises(ValueError, match="does not implement the `rk4` integrator"):
        spikegpu.LIFCell(n_units=4, tau_m=10.0, integration_type="rk4")


def test_bad_runs():
    pop = spikegpu.LIFCell(n_units=4, tau_m=10.0)
    with pytest.raises(ValueError):
        pop.step(dt=0.0)
    with pytest.raises(ValueError, match="finite"):
        pop.step(np.array([1.0, np.nan, 0.0, 0.0]))
    with pytest.raises(ValueError):
        pop.run(10, drive=spikegpu.RandomDrive.bernoulli(p=1.5, amplitude=1.0))
    with pytest.raises(ValueError, match="mode"):
        pop.run(10, mode="warp")
    with pytest.raises(ValueError):
        spikegpu.LIFCell(n_units=0, tau_m=10.0)


def test_required_parameter():
    with pytest.raises(ValueError, match="no default"):
        spikegpu.LIFCell(n_units=4)
