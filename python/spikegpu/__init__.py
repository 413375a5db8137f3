"""spikegpu: ngclearn 3.2.3's spiking cells on any GPU (Vulkan, Metal, DX12, GL) or the CPU.

The same spikes as ngclearn, from NumPy arrays::

    import spikegpu
    pop = spikegpu.LIFCell(n_units=1000, tau_m=10.0, batch_size=1, key=7, backend="gpu")
    rec = pop.run(1000, dt=0.1, drive=25.0, record=["spikes", "v"], neurons=[0, 1])
    rec.raster          # bool (1000, 1, 1000)
    pop["v"]            # float32 (1, 1000)

One class per ngclearn cell (``LIFCell``, ``AdExCell``, ...) is generated at import time from
spikegpu's cell registry, with the cell's equations and parameter table as its docstring;
``Population("LIFCell", n_units, ...)`` is the generic form. Any float parameter may be given
per neuron: an array of ``n_units`` values, or ``uniform(low, high)`` / ``normal(mean, std)``
drawn from the population's key. ``NetworkBuilder`` wires populations, ngclearn's encoders,
projections (gather or event-driven, stored, procedural or fan-out), traces and the learning
rules (TraceSTDP, ExpSTDP, EventSTDP, MSTDP-ET with its reward modulator) into a ``Network``,
whose ``run`` also takes per-step drives and modulators.

Arrays in: float32 C-contiguous arrays are used where they lie; other real dtypes (float64,
integers, bool) and non-contiguous arrays are converted once to float32 (as JAX does with x64
off); complex, object and string arrays raise ``TypeError``; wrong shapes raise ``ValueError``.
Errors: bad parameters, shapes, names and step sizes raise ``ValueError`` with spikegpu's
message (misspelled parameters name the closest one); a missing GPU raises ``NoAdapterError``.
"""

from . import _spikegpu
from ._spikegpu import (
    Network,
    NetworkBuilder,
    NoAdapterError,
    Population,
    RandomDrive,
    Recording,
    load_trace,
    replay_trace,
    trace_files,
)
from ._cells import CELLS, cell_class, cell_doc
from ._per_neuron import normal, uniform

__all__ = [
    "CELLS",
    "Network",
    "NetworkBuilder",
    "NoAdapterError",
    "Population",
    "RandomDrive",
    "Recording",
    "cell_class",
    "cell_doc",
    "load_trace",
    "normal",
    "replay_trace",
    "trace_files",
    "uniform",
]

# One class per ngclearn cell, named as ngclearn names it.
for _description in CELLS:
    globals()[_description["class_name"]] = cell_class(_description)
    __all__.append(_description["class_name"])
del _description
