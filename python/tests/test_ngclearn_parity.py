"""Parity with ngclearn itself: the same cell, parameters, key and inputs give the same spikes.

Runs only where ngclearn (3.2.3) and JAX are importable; skipped with the reason otherwise. The
cells are driven as ngclearn's users drive them (a Context, MethodProcesses, `j.set`, `advance.run`).
"""

import itertools

import numpy as np
import pytest

import spikegpu

ngclearn = pytest.importorskip("ngclearn", reason="ngclearn is not installed: the parity test needs it")
jax = pytest.importorskip("jax", reason="JAX is not installed: the parity test needs it")

from ngclearn import Context, MethodProcess  # noqa: E402
from ngclearn.components.neurons import spiking  # noqa: E402

_contexts = itertools.count()

CASES = [
    # (class, params, steps, dt, input range): RNG-free, per-step RNG (one_spike), RNG at
    # construction (threshold jitter), and cells with other integrators.
    ("LIFCell", dict(tau_m=10.0), 300, 0.1, (0.0, 40.0)),
    ("LIFCell", dict(tau_m=10.0, one_spike=True, integration_type="midpoint"), 300, 0.1, (10.0, 40.0)),
    ("WTASCell", dict(), 150, 1.0, (0.0, 2.0)),
    ("IzhikevichCell", dict(), 300, 0.1, (0.0, 20.0)),
    ("AdExCell", dict(integration_type="midpoint"), 300, 0.1, (0.0, 1500.0)),
]


def ngclearn_spikes(cls, params, n, batch, seed, inputs, dt):
    with Context("spikegpu_parity_{}".format(next(_contexts))):
        z = getattr(spiking, cls)("z", n_units=n, batch_size=batch, key=jax.random.PRNGKey(seed), **params)
        advance = MethodProcess("advance") >> z.advance_state
        reset = MethodProcess("reset") >> z.reset
    reset.run()
    spikes = []
    for k in range(inputs.shape[0]):
        z.j.set(jax.numpy.asarray(inputs[k]))
        advance.run(t=k * dt, dt=dt)
        spikes.append(np.asarray(z.s.get()))
    return np.array(spikes)


@pytest.mark.parametrize("cls,params,steps,dt,span", CASES, ids=[c[0] + str(i) for i, c in enumerate(CASES)])
def test_same_spikes_as_ngclearn(cls, params, steps, dt, span, backend):
    n, batch, seed = 16, 2, 7
    rng = np.random.default_rng(11)
    inputs = rng.uniform(span[0], span[1], (steps, batch, n)).astype(np.float32)
    reference = ngclearn_spikes(cls, params, n, batch, seed, inputs, dt)
    pop = spikegpu.Population(cls, n, batch_size=batch, key=seed, backend=backend, **params)
    ours = pop.run(steps, dt=dt, drive=inputs, record=["spikes"]).raster.astype(np.float32)
    assert reference.sum() > 0, "the case should spike"
    np.testing.assert_array_equal(ours, reference.reshape(ours.shape))
