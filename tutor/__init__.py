"""tutor: the slides' neural-network models in SymPy, their gradients by the chain rule,
NumPy/CuPy kernels, gradient checks and gradient descent.

>>> import tutor
>>> net = tutor.mlp([2, 2, 1], activation="logistic", output="identity", loss="squared_error")
>>> kernel = net.compile()
>>> report = tutor.gradcheck(kernel, net.init(seed=0), *tutor.datasets.toy(net, seed=0))
>>> report.ok
True

The public names load on first use (``import tutor`` itself imports neither SymPy nor NumPy),
so the terminal UI can draw its first screen before the maths libraries have loaded.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# public name → the module that defines it
_PUBLIC = {
    "activations": ["ACTIVATIONS", "SOFTMAX", "Activation", "activation"],
    "backends": ["BackendError", "gpu_available"],
    "nonlinearity": ["Collapse", "collapse"],
    "data": ["Data", "DataError"],
    "csvfile": ["load_csv"],
    "derivation": ["Derivation"],
    "backprop": ["Backprop", "ModelGradients"],
    "descent": ["Divergence", "Step", "descend"],
    "econometrics": ["logit_mle", "ols"],
    "gradient_check": ["GradCheckReport", "gradcheck"],
    "kernel": ["Kernel", "KernelInputError", "KernelOverflowError"],
    "losses": ["LOSSES", "Loss"],
    "expression": ["Model", "model"],
    "network": ["Network", "linear_regression", "logistic_regression", "mlp", "neuron"],
    "notation": ["latex", "symbol", "unicode"],
    "parser": ["ParseError", "parse", "parse_activation", "parse_loss"],
    "session": ["Session"],
    "spec": ["DataSpec", "ModelSpec", "PRESETS", "Preset", "RunSpec", "SpecError"],
    "problem": ["Problem", "build", "start"],
}
_WHERE = {name: module for module, names in _PUBLIC.items() for name in names}
__all__ = sorted([*_WHERE, "datasets"])


def __getattr__(name: str):
    if name == "datasets":
        return importlib.import_module(".datasets", __name__)
    if name not in _WHERE:
        raise AttributeError(f"module 'tutor' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
