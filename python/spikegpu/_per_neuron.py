"""Per-neuron parameter distributions, spelled as spikegpu's configuration reads them
(``{uniform = [low, high]}`` / ``{normal = [mean, std]}`` in TOML): pass one as any float
parameter of a cell (``spikegpu.IzhikevichCell(1000, d=spikegpu.uniform(2.0, 8.0), key=7)``)
and each neuron's value is drawn once, on the host, from the population's ``PRNGKey(key)``
(each parameter folded in by its position in the cell's parameter table), so CPU and GPU
populations get the same values."""


def uniform(low, high):
    """Values uniform in ``[low, high)``: ``low + u·(high − low)`` (ngclearn's uniform initialiser)."""
    return {"uniform": [float(low), float(high)]}


def normal(mean, std):
    """Normally distributed values ``mean + std·z`` (ngclearn's gaussian initialiser)."""
    return {"normal": [float(mean), float(std)]}
