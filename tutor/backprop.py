"""Every parameter's gradient at once, in named quantities, for either kind of model.

``Backprop(net)`` gives a network's, by back-propagation: the forward pass, the errors
δ = ∂c/∂z from the output down, and each parameter's gradient in them.

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

import sympy

from .derivation import _delta_equations
from .notation import latex, unicode
from .steps import aligned

__all__ = ["Backprop"]


class Backprop:
    """Every parameter's gradient by back-propagation, in named quantities, layer by layer:

        δ_L^(k) = ∂c/∂z_L^(k)                          (from the loss and the output G)
        δ_l^(j) = G_l′(z_l^(j)) · Σ_r β_{l+1}^(r,j) δ_{l+1}^(r)
        ∂c/∂α_l^(j) = δ_l^(j),    ∂c/∂β_l^(j,i) = δ_l^(j) · h_{l−1}^(i)

    ``equations`` lists (named quantity, expression) in the order they are computed;
    ``gradient`` maps each parameter to its expression in the δ and h.
    """

    def __init__(self, net):
        self.net = net
        eqs: list[tuple[sympy.Symbol, sympy.Expr]] = []
        for layer in net.layers:
            eqs += [(layer.z[j], net.affine(layer, j)) for j in range(layer.width)]
            acts = net.activate(layer, layer.z)
            eqs += [(layer.h[j], acts[j]) for j in range(layer.width)]
        eqs += list(_delta_equations(net, 1).items())
        self.equations = tuple(eqs)
        self.gradient: dict[sympy.Symbol, sympy.Expr] = {}
        for layer in net.layers:
            below = net.inputs if layer.index == 1 else net.layers[layer.index - 2].h
            for j in range(layer.width):
                self.gradient[layer.alpha[j]] = layer.delta[j]
                for i, b in enumerate(layer.beta[j]):
                    self.gradient[b] = layer.delta[j] * below[i]

    def __str__(self) -> str:
        lines = [f"back-propagation for the {self.net.describe()}"]
        lines += [f"  {unicode(lhs)} = {unicode(rhs)}" for lhs, rhs in self.equations]
        lines += [f"  ∂c/∂{unicode(p)} = {unicode(g)}" for p, g in self.gradient.items()]
        return "\n".join(lines)

    def latex(self) -> str:
        rows = [f"{latex(lhs)} &= {latex(rhs)}" for lhs, rhs in self.equations]
        rows += [r"\frac{\partial c}{\partial %s} &= %s" % (latex(p), latex(g))
                 for p, g in self.gradient.items()]
        return aligned(rows)
