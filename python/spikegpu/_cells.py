"""The cell classes, generated from spikegpu's registry (``_spikegpu.cells()``): one
description per cell in the Rust sources, nothing restated here."""

import re

from ._spikegpu import Population, cells as _registry_cells

#: Every cell's description: class name, key, docs (equations), integrators, tolerance, elementwise,
#: parameters (name, default, unit, rule, doc, per_neuron) and compartments (name, role, doc).
CELLS = list(_registry_cells())


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(x) for x in row) + " |" for row in rows]
    return "\n".join(lines)


def _python_default(text):
    """A default as the Rust description writes it, spelled as Python takes it:
    ``false`` -> ``False``, ``Integrator::Euler`` -> ``'euler'``."""
    text = text.strip("`")
    if text in ("true", "false"):
        return text.capitalize()
    if "::" in text:
        name = text.rsplit("::", 1)[1]
        return repr(re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower())
    return text


def _per_neuron(description, param):
    """Whether a parameter may be an array or distribution: a float parameter of a cell whose
    step is element-wise (options that couple a row, SLIF's inhibition or LIF's ``one_spike``,
    are refused with a message when given)."""
    return "yes" if param["per_neuron"] and description["elementwise"] else "no"


def _plain(doc):
    """Rust doc links as plain text: ``[`X`](path)`` and ``[`X`]`` -> ``X``."""
    doc = re.sub(r"\[(`[^`]*`)\]\([^)]*\)", r"\1", doc)
    return re.sub(r"\[(`[^`]*`)\]", r"\1", doc)


def cell_doc(description):
    """The docstring of a cell class: its constructor, equations and parameter and compartment
    tables, from the registry's description."""
    name = description["class_name"]
    params = description["params"]
    signature = ", ".join(
        p["name"] if p["default"] == "required" else "{}={}".format(p["name"], _python_default(p["default"]))
        for p in params
    )
    return "\n\n".join(
        [
            "{}(n_units, *, batch_size=1, key=0, backend='cpu', {})".format(name, signature),
            "ngclearn's ``{}`` on spikegpu (key ``{}``; integrators: {}; conformance tolerance {:g}). "
            "Keyword parameters have ngclearn's names and defaults; ``key`` is the seed of "
            "``PRNGKey(key)`` (or a JAX key's two uint32 words); ``backend`` is \"cpu\", \"gpu\", "
            "\"vulkan\", \"metal\", \"dx12\" or \"gl\". An optional first positional string is "
            "ngclearn's component name. Float parameters may be given per neuron: an array of "
            "``n_units`` values or ``spikegpu.uniform(low, high)`` / ``spikegpu.normal(mean, std)`` "
            "drawn from ``PRNGKey(key)``. See ``Population`` for ``step``, ``run`` and compartment "
            "access.".format(name, description["key"], description["integrators"], description["tolerance"]),
            _plain(description["doc"]),
            "Parameters\n----------\n\n"
            + _table(
                ["parameter", "default", "unit", "rule", "per neuron", "meaning"],
                [
                    [p["name"], _python_default(p["default"]), p["unit"], p["rule"], _per_neuron(description, p),
                     p["doc"]]
                    for p in params
                ],
            ),
            "Compartments\n------------\n\n"
            + _table(
                ["compartment", "role", "meaning"],
                [[c["name"], c["role"], c["doc"]] for c in description["compartments"]],
            ),
        ]
    )


def cell_class(description):
    """A ``Population`` subclass for one cell: ``LIFCell(n_units=..., tau_m=...)``."""
    class_name = description["class_name"]

    def __new__(cls, *args, n_units=None, batch_size=1, key=None, backend="cpu", **params):
        # ngclearn's signature starts with the component's name: LIFCell("z", n_units, ...).
        args = list(args)
        name = args.pop(0) if args and isinstance(args[0], str) else params.pop("name", None)
        if args:
            if n_units is not None:
                raise TypeError("{}: n_units given twice".format(class_name))
            n_units = args.pop(0)
        if args:
            raise TypeError("{}: only the name and n_units may be positional".format(class_name))
        if n_units is None:
            raise TypeError("{}: n_units is required".format(class_name))
        pop = Population.__new__(cls, class_name, n_units, batch_size, key, backend, **params)
        pop.name = name
        return pop

    def __init__(self, *args, **kwargs):
        pass

    return type(
        class_name,
        (Population,),
        {"__new__": __new__, "__init__": __init__, "__doc__": cell_doc(description), "__module__": "spikegpu"},
    )
