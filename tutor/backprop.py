"""Every parameter's gradient at once, in named quantities, for either kind of model.

``Backprop(net)`` gives a network's by back-propagation: the forward pass, the errors
δ = ∂c/∂z from the output down, and each parameter's gradient in them. ``ModelGradients(model)``
gives an expression model's, by the chain rule for each parameter. Both offer the same
(``Gradients``): ``equations``, ``gradient``, ``result``, ``str()``, ``latex()``, ``as_dict()``.

>>> import tutor
>>> bp = Backprop(tutor.mlp([1, 1, 1], "tanh"))
>>> for p, g in bp.gradient.items():
...     print(f"∂c/∂{tutor.unicode(p)} = {tutor.unicode(g)}")
∂c/∂α₁^(1) = δ₁
∂c/∂β₁^(1,1) = δ₁·x₁
∂c/∂α₂^(1) = δ₂
∂c/∂β₂^(1,1) = δ₂·h₁
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Protocol

import sympy

from .derivation import _delta_equations, _named_outputs, model_derivation
from .notation import latex, unicode
from .steps import aligned

__all__ = ["Backprop", "Gradients", "ModelGradients"]

Equations = tuple[tuple[sympy.Symbol, sympy.Expr], ...]


class Gradients(Protocol):
    """Every parameter's gradient, whatever the kind of model: what ``derive --all`` prints."""

    model: object  # the network or the expression model
    equations: Equations  # the named quantities, (name, expression) in the order computed
    gradient: dict[sympy.Symbol, sympy.Expr]  # parameter → its gradient in the named quantities

    @property
    def result(self) -> Mapping[sympy.Symbol, sympy.Expr]:
        """Parameter → one sample's gradient in inputs, targets and parameters only."""

    def latex(self) -> str: ...

    def as_dict(self) -> dict:
        """Plain data for JSON: expressions as SymPy strings, parameters by name."""


class _OnDemand(Mapping):
    """A read-only mapping whose values are computed once each, when first looked up."""

    def __init__(self, keys: Iterable, compute: Callable):
        self._keys, self._compute, self._done = dict.fromkeys(keys), compute, {}

    def __getitem__(self, key):
        if key not in self._done:
            if key not in self._keys:
                raise KeyError(key)
            self._done[key] = self._compute(key)
        return self._done[key]

    def __iter__(self) -> Iterator:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


def _gradient_row(p, g) -> str:
    return r"\frac{\partial c}{\partial %s} &= %s" % (latex(p), latex(g))


class Backprop:
    """Every parameter's gradient by back-propagation, in named quantities, layer by layer:

        δ_L^(k) = ∂c/∂z_L^(k)                          (from the loss and the output G)
        δ_l^(j) = G_l′(z_l^(j)) · Σ_r β_{l+1}^(r,j) δ_{l+1}^(r)
        ∂c/∂α_l^(j) = δ_l^(j),    ∂c/∂β_l^(j,i) = δ_l^(j) · h_{l−1}^(i)

    ``equations`` lists (named quantity, expression) in the order they are computed;
    ``gradient`` maps each parameter to its expression in the δ and h; ``result`` to one
    sample's gradient in inputs, targets and parameters, the equations substituted back.
    ``result`` is worked out for a parameter when it is first looked up: written out, a
    gradient grows with the width (tens of thousands of operations in a 2-8-8-3 network,
    seconds to substitute), which back-propagation's named quantities avoid.
    """

    def __init__(self, net):
        self.model = self.net = net
        eqs: list[tuple[sympy.Symbol, sympy.Expr]] = []
        for layer in net.layers:
            eqs += [(layer.z[j], net.affine(layer, j)) for j in range(layer.width)]
            acts = net.activate(layer, layer.z)
            eqs += [(layer.h[j], acts[j]) for j in range(layer.width)]
        eqs += list(_delta_equations(net, 1).items())
        self.equations: Equations = tuple(eqs)
        self.gradient: dict[sympy.Symbol, sympy.Expr] = {}
        for layer in net.layers:
            below = net.inputs if layer.index == 1 else net.layers[layer.index - 2].h
            for j in range(layer.width):
                self.gradient[layer.alpha[j]] = layer.delta[j]
                for i, b in enumerate(layer.beta[j]):
                    self.gradient[b] = layer.delta[j] * below[i]
        self.result: Mapping[sympy.Symbol, sympy.Expr] = _OnDemand(self.gradient, self._result)

    def _result(self, p) -> sympy.Expr:
        # the δ of the lowest layer first, then up to δ_L, then h_L, z_L, …, h_1, z_1: each
        # substitution leaves only quantities defined later in the list, or data and parameters
        expr = self.gradient[p]
        for name, value in reversed(self.equations):
            expr = expr.subs(name, value)
        return expr

    def __str__(self) -> str:
        lines = [f"back-propagation for the {self.net.describe()}"]
        lines += [f"  {unicode(lhs)} = {unicode(rhs)}" for lhs, rhs in self.equations]
        lines += [f"  ∂c/∂{unicode(p)} = {unicode(g)}" for p, g in self.gradient.items()]
        return "\n".join(lines)

    def latex(self) -> str:
        rows = [f"{latex(lhs)} &= {latex(rhs)}" for lhs, rhs in self.equations]
        rows += [_gradient_row(p, g) for p, g in self.gradient.items()]
        return aligned(rows)

    def as_dict(self) -> dict:
        return {"model": self.net.describe(),
                "equations": [{"lhs": lhs.name, "rhs": sympy.sstr(rhs)} for lhs, rhs in self.equations],
                "gradient": {p.name: sympy.sstr(g) for p, g in self.gradient.items()}}


class ModelGradients:
    """Every parameter's gradient of an expression model ŷ = f(x; θ), by the chain rule:

        ŷ = f(x; θ),    ε = y − ŷ and c = ε² for a squared error,    ∂c/∂θ_j = −2ε · ∂f/∂θ_j

    ``equations`` lists the named quantities (ŷ, and ε for a squared error); ``gradient`` maps
    each parameter to its gradient in them (−2ε·x), ``result`` to one sample's gradient in
    inputs, targets and parameters; ``derivations`` holds each parameter's steps.

    >>> import tutor
    >>> alpha, beta, x = (tutor.symbol(name) for name in ("alpha", "beta", "x"))
    >>> print(ModelGradients(tutor.model(alpha + beta * x, [alpha, beta], [x])))
    model ŷ = α + β·x, loss squared_error, 2 parameters
      ∂c/∂α = −2ε = −2y + 2α + 2β·x
      ∂c/∂β = −2ε·x = −2x·(y − α − β·x)
    """

    def __init__(self, model):
        self.model = model
        yhats, errors = _named_outputs(model)
        eqs = list(zip(yhats, model.expressions, strict=True))
        if errors:  # a squared error names the error ε = y − ŷ, so that c = ε²
            eqs += [(e, t - yh) for e, t, yh in zip(errors, model.targets, yhats, strict=True)]
        self.equations: Equations = tuple(eqs)
        self.derivations = {p: model_derivation(model, p) for p in model.parameters}
        self.gradient: dict[sympy.Symbol, sympy.Expr] = {p: d.compact
                                                          for p, d in self.derivations.items()}
        self.result: Mapping[sympy.Symbol, sympy.Expr] = _OnDemand(
            self.gradient, lambda p: self.derivations[p].result)

    def __str__(self) -> str:
        lines = [self.model.describe()]
        lines += [f"  ∂c/∂{unicode(p)} = {unicode(g)} = {unicode(self.result[p])}"
                  for p, g in self.gradient.items()]
        return "\n".join(lines)

    def latex(self) -> str:
        return aligned(_gradient_row(p, g) for p, g in self.gradient.items())

    def as_dict(self) -> dict:
        return {"model": self.model.describe(),
                "gradient": {p.name: sympy.sstr(g) for p, g in self.gradient.items()},
                "result": {p.name: sympy.sstr(r) for p, r in self.result.items()}}
