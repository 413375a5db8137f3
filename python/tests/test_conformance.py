"""ngclearn's golden traces replayed from Python.

Every cell and network trace through spikegpu's own replay (the comparison `spikegpu validate
--traces` makes: spikes and spike times bit for bit, states within the README's tolerance), on
the CPU and the GPU; and a few cell traces replayed purely through the Python API (the cell built
from the trace's parameters, its inputs fed as a NumPy drive, its outputs compared here).
"""

import numpy as np
import pytest

import spikegpu
from conftest import cell_traces, conformance_dir, network_traces, require_backend


def _ids(paths):
    return [p.stem for p in paths]


@pytest.mark.parametrize("backend_name", ["cpu", "gpu"])
@pytest.mark.parametrize("path", cell_traces() + network_traces(), ids=_ids(cell_traces() + network_traces()))
def test_trace_replays(path, backend_name):
    require_backend(backend_name)
    outcome, detail = spikegpu.replay_trace(str(path), backend_name)
    assert outcome == "PASS", "{} on {}: {} {}".format(path.name, backend_name, outcome, detail)


def test_every_cell_has_traces():
    folder = conformance_dir()
    cells = {spikegpu.load_trace(str(p))["cell"] for p in sorted(folder.glob("*.json"))}
    assert cells == {c["class_name"] for c in spikegpu.CELLS}


# Cases replayed through the Python API: one per cell family that steps element-wise, each
# integrator, and a batch; RNG-free so that the key plays no part beyond construction.
PYTHON_API_CASES = [
    "LIFCell_euler_straight_through_dt0.1",
    "LIFCell_midpoint_triangular_dt1",
    "IFCell_midpoint_arctan",
    "QuadLIFCell_euler_arctan",
    "AdExCell_euler",
    "IzhikevichCell_midpoint",
    "RAFCell_euler",
    "FitzhughNagumoCell_euler",
    "SLIFCell_euler_batch2",
    "WTASCell_batch3",
]


def _rel_err(ours, reference):
    # The conformance metric: absolute below 1, relative above.
    return np.abs(ours - reference) / np.maximum(np.abs(reference), 1.0)


def _check_step(name, ours, reference, tolerance, k, case):
    if name in ("s", "s_raw", "tols"):
        mismatch = np.argwhere(ours.view(np.uint32) != reference.view(np.uint32))
        assert mismatch.size == 0, "{}: `{}` differs at step {} (batch, unit) {}: {} vs reference {}".format(
            case, name, k, tuple(mismatch[0]), ours[tuple(mismatch[0])], reference[tuple(mismatch[0])]
        )
    else:
        err = _rel_err(ours, reference)
        assert np.all(err <= tolerance), "{}: `{}` at step {}: max err {:.2e} > {:.0e}".format(
            case, name, k, float(np.nanmax(err)), tolerance
        )


@pytest.mark.parametrize("case", PYTHON_API_CASES)
def test_trace_through_python_api(case, backend):
    path = conformance_dir() / (case + ".json")
    trace = spikegpu.load_trace(str(path))
    b, n, steps = trace["batch_size"], trace["n_units"], trace["steps"]
    params = dict(trace["params"])
    # Some cells list ngclearn's `batch_size` among their parameters; here it is the population's.
    assert params.pop("batch_size", b) == b
    pop = spikegpu.Population(trace["cell"], n, batch_size=b, key=trace["key_seed"], backend=backend, **params)
    assert pop.key == tuple(trace["key"])
    pop.set_time(trace["t0"])
    pop.reset()
    for name, reference in trace["initial"].items():
        _check_step(name, pop[name], reference, trace["tolerance"], -1, case)
    outputs = trace["outputs"]
    # The whole run in one call, every compartment of every neuron recorded every step.
    states = [c for c in outputs if c != "s"]
    rec = pop.run(steps, dt=trace["dt"], drive=trace["inputs"], record=["spikes"] + states)
    assert rec.sample_steps == list(range(steps))
    spikes = rec.raster.astype(np.float32)
    np.testing.assert_array_equal(spikes, outputs["s"], err_msg=case + ": spike trains differ")
    for name in states:
        values = rec[name].reshape(steps, b, n)
        for k in range(steps):
            _check_step(name, values[k], outputs[name][k], trace["tolerance"], k, case)
    # The state after the run is the state after the last step.
    for name in outputs:
        _check_step(name, pop[name], outputs[name][-1], trace["tolerance"], steps - 1, case)


def test_trace_step_by_step(backend):
    """ngclearn's loop, written in Python: set `j`, advance one step, read the compartments."""
    case = "IzhikevichCell_euler"
    trace = spikegpu.load_trace(str(conformance_dir() / (case + ".json")))
    pop = spikegpu.IzhikevichCell(
        trace["n_units"], batch_size=trace["batch_size"], key=trace["key_seed"], backend=backend, **trace["params"]
    )
    pop.reset()
    for k in range(trace["steps"]):
        pop.step(trace["inputs"][k], dt=trace["dt"])
        for name, rows in trace["outputs"].items():
            _check_step(name, pop[name], rows[k], trace["tolerance"], k, case)
