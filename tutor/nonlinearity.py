"""Why activations must be non-linear: with a linear G₁ the hidden layer collapses.

With h₁ = G₁(α₁ + β₁x) and h₂ = G₂(α₂ + β₂h₁), a linear G₁ gives
h₂ = G₂(α₂ + β₂(α₁ + β₁x)) = G₂(α₂′ + β₂′x): a regression again, so the hidden layer adds
nothing. ``collapse`` finds α₂′ and β₂′ by asking SymPy whether the output's pre-activation
is affine in x (all second derivatives zero) and reading off the intercept and slopes.

>>> import tutor
>>> c = tutor.collapse(tutor.mlp([1, 2, 1], activation="identity"))
>>> c.collapses
True
>>> c.alpha[0]
alpha_1^(1)*beta_2^(1,1) + alpha_1^(2)*beta_2^(1,2) + alpha_2^(1)
>>> tutor.collapse(tutor.mlp([1, 2, 1], activation="tanh")).collapses
False
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from .activations import z
from .notation import unicode

__all__ = ["Collapse", "collapse"]


@dataclass(frozen=True)
class Collapse:
    """The answer: whether z_L is affine in x, and if so its α′ (per output) and β′ (per
    output, per input). ``reason`` explains a "no"."""

    collapses: bool
    alpha: tuple[sympy.Expr, ...] = ()
    beta: tuple[tuple[sympy.Expr, ...], ...] = ()
    reason: str = ""
    output: str = "G"

    def __str__(self) -> str:
        if not self.collapses:
            return f"no collapse: {self.reason}"
        lines = ["the hidden layers collapse: every output is a regression on x,"]
        for k, (a, b) in enumerate(zip(self.alpha, self.beta, strict=True), 1):
            slopes = ", ".join(unicode(v) for v in b)
            lines.append(f"  output {k}: {self.output}(α′ + xβ′) with α′ = {unicode(a)}, "
                         f"β′ = ({slopes})")
        return "\n".join(lines)


def collapse(net) -> Collapse:
    """Is the network's output G_L(α′ + xβ′) for some α′, β′ (the slides' collapse)?"""
    if len(net.layers) < 2:
        return Collapse(False, reason="there is no hidden layer to collapse")
    for layer in net.layers[:-1]:
        act = layer.activation
        if act.is_undefined:
            return Collapse(False, reason=(
                f"{act.symbol} is unspecified: the layers collapse exactly when {act.symbol} is "
                f"affine, {act.symbol}(z) = a + bz"))
        if not act.is_affine:
            curvature = unicode(sympy.simplify(sympy.diff(act.expr, z, 2)))
            return Collapse(False, reason=(
                f"layer {layer.index}'s activation {act.symbol} is not linear (G″(z) = "
                f"{curvature}, not 0), so the output is not an affine function of x"))
    # the pre-activation of the outputs, with every hidden layer substituted in
    values = net.inputs
    for layer in net.layers[:-1]:
        values = net.activate(layer, [net.affine(layer, j, values) for j in range(layer.width)])
    last = net.layers[-1]
    zs = [sympy.expand(net.affine(last, j, values)) for j in range(last.width)]
    x = net.inputs
    for zj in zs:  # affine in x: every second derivative vanishes
        if any(sympy.simplify(sympy.diff(zj, a, b)) != 0 for a in x for b in x):
            return Collapse(False, reason="the output is not affine in x")
    at_zero = {xi: 0 for xi in x}
    alpha = tuple(sympy.factor_terms(zj.subs(at_zero)) for zj in zs)
    beta = tuple(tuple(sympy.factor_terms(sympy.diff(zj, xi)) for xi in x) for zj in zs)
    return Collapse(True, alpha, beta, output=getattr(last.activation, "symbol", "G"))
