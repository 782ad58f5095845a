"""Any model given as a SymPy expression, such as the slides' ŷ = α + x.

>>> import sympy, tutor
>>> alpha, x = sympy.symbols("alpha x")
>>> m = tutor.model(alpha + x, parameters=[alpha], inputs=[x], loss="squared_error")
>>> m.loss
(-alpha - x + y)**2
>>> str(m.derivation(alpha).compact)
'-2*epsilon'
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

import numpy
import sympy

from .losses import Loss
from .losses import loss as _loss
from .notation import Symbol, unicode

__all__ = ["Model", "model", "find_parameter"]


def find_parameter(parameters: Sequence[sympy.Symbol], param) -> sympy.Symbol:
    """``param`` among ``parameters``: the symbol itself, its name as typed, or its index."""
    if isinstance(param, int | numpy.integer) and not isinstance(param, bool):
        if not -len(parameters) <= param < len(parameters):
            raise IndexError(f"parameter index {param} is out of range: there are "
                             f"{len(parameters)} parameters")
        return parameters[param]
    if isinstance(param, sympy.Symbol):
        for p in parameters:
            if p == param or p.name == param.name:
                return p
        key = param.name
    elif isinstance(param, str):
        key = param.strip().replace(" ", "")
        for p in parameters:
            if p.name == key or unicode(p) == key:
                return p
    else:
        raise TypeError(f"a parameter is a symbol, its name or its index, not {type(param).__name__}")
    shown = ", ".join(p.name for p in parameters[:8]) + (", …" if len(parameters) > 8 else "")
    raise ValueError(f"no parameter called {key!r}; the parameters are {shown}")


def _symbols(items, what: str) -> tuple[sympy.Symbol, ...]:
    items = tuple(items)
    for item in items:
        if not isinstance(item, sympy.Symbol):
            raise TypeError(f"{what} must be SymPy symbols, got {item!r} ({type(item).__name__})")
    if len(set(items)) != len(items):
        raise ValueError(f"{what} repeat a symbol: {[str(s) for s in items]}")
    return items


class Model:
    """ŷ = f(x; θ) for a SymPy expression f (or one expression per output) and a loss."""

    def __init__(self, expr, parameters, inputs, loss="squared_error", targets=None):
        exprs = tuple(expr) if isinstance(expr, Sequence) else (expr,)
        for e in exprs:
            if not isinstance(e, sympy.Expr):
                raise TypeError(f"the model must be a SymPy expression, got {type(e).__name__}")
        self.expressions: tuple[sympy.Expr, ...] = exprs
        self.parameters = _symbols(parameters, "parameters")
        self.inputs = _symbols(inputs, "inputs")
        if not self.parameters:
            raise ValueError("a model needs at least one parameter to learn")
        m = len(exprs)
        if targets is None:
            targets = (Symbol("y"),) if m == 1 else tuple(Symbol(f"y_{j}") for j in range(1, m + 1))
        self.targets = _symbols(targets, "targets")
        if len(self.targets) != m:
            raise ValueError(f"{m} outputs need {m} targets, got {len(self.targets)}")
        overlap = set(self.parameters) & (set(self.inputs) | set(self.targets))
        if overlap:
            raise ValueError(f"{sorted(map(str, overlap))} cannot be both a parameter and data")
        known = set(self.parameters) | set(self.inputs)
        for e in exprs:
            unknown = e.free_symbols - known
            if unknown:
                raise ValueError(
                    f"the model uses {sorted(map(str, unknown))}, which is neither a parameter "
                    f"nor an input: add it to parameters=[…] or inputs=[…]"
                )
        self.loss_row: Loss = _loss(loss)

    @property
    def n_outputs(self) -> int:
        return len(self.expressions)

    @property
    def n_parameters(self) -> int:
        return len(self.parameters)

    output = None  # no output activation: ŷ is the expression itself

    @property
    def default_parameter(self) -> sympy.Symbol:
        """The parameter shown first: the first one."""
        return self.parameters[0]

    @property
    def formula(self) -> sympy.Expr | None:
        """ŷ as written, for a model with one output (None with several)."""
        return self.expressions[0] if len(self.expressions) == 1 else None

    def memory_needed(self, n: int, itemsize: int = 8) -> int:
        """Bytes a descent on n rows holds at once, roughly: θ, its gradient, and a few arrays of
        one value per sample for the loss and each parameter's gradient."""
        return itemsize * (4 * self.n_parameters + 4 * n * (self.n_parameters + 1))

    @cached_property
    def loss(self) -> sympy.Expr:
        """One sample's loss c = Σ_k φ(ŷ_k, y_k)."""
        return sympy.Add(*[self.loss_row(e, t) for e, t in zip(self.expressions, self.targets,
                                                                strict=True)])

    def parameter(self, param) -> sympy.Symbol:
        return find_parameter(self.parameters, param)

    def init(self, seed: int | None = 0, scale: float = 0.1) -> numpy.ndarray:
        """Seeded small starting values N(0, scale²)."""
        return numpy.random.default_rng(seed).normal(0.0, scale, size=len(self.parameters))

    def derivation(self, param=None):
        """The chain rule for ∂c/∂param, step by step (default: the first parameter)."""
        from .derivation import model_derivation

        return model_derivation(self, self.parameter(self.default_parameter if param is None
                                                     else param))

    def backprop(self):
        """Every parameter's gradient: ŷ, ε and ∂c/∂θ_j for each θ_j."""
        from .backprop import ModelGradients

        return ModelGradients(self)

    def compile(self, backend="numpy", dtype: str = "float64"):
        """A kernel ``loss, grad = kernel(theta, X, Y)`` vectorized over samples."""
        from .kernel import compile_model

        return compile_model(self, backend=backend, dtype=dtype)

    def describe(self) -> str:
        shown = ", ".join(unicode(e) for e in self.expressions)
        count = len(self.parameters)
        return (f"model ŷ = {shown}, loss {self.loss_row.name}, {count} "
                f"parameter{'s' if count != 1 else ''}")

    def __repr__(self) -> str:
        return f"<{self.describe()}>"

    def __str__(self) -> str:
        return self.describe()


def model(expr, parameters, inputs, loss="squared_error", targets=None) -> Model:
    """A model from a SymPy expression: ``model(alpha + x, parameters=[alpha], inputs=[x])``."""
    return Model(expr, parameters, inputs, loss=loss, targets=targets)
