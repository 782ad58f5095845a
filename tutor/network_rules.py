"""What both forms of a network's kernel share: θ's layout, each layer's G and G′, the loss's
stable logs and δ_L, as SymPy gives them. :mod:`tutor.readable_source` writes them one equation
a line, :mod:`tutor.fast_source` as in-place updates; the formulas are the same, so the two
compute the same numbers.
"""

from __future__ import annotations

import sympy

from .activations import SOFTMAX, h, z
from .derivation import output_delta
from .losses import y, yhat

__all__ = ["require_compilable", "parameter_lines", "guard_lines", "slope", "stable_log_symbols",
           "logistic_log_lines", "loss_term", "delta_rule", "arrays_of_output"]


def require_compilable(net) -> None:
    for layer in net.layers:
        act = layer.activation
        if act is not SOFTMAX and act.is_undefined:
            raise ValueError(
                f"cannot compile: layer {layer.index}'s activation {act.symbol} is an undefined "
                "function, which has no numbers in it; it is for deriving the general formula. "
                "Choose one of logistic, tanh, relu, identity, softplus, or give a SymPy Lambda"
            )


def parameter_lines(net) -> list[str]:
    """θ → each layer's biases α_l (n_l,) and weights β_l (n_l, n_{l−1}), as views of θ."""
    lines, start = [], 0
    for layer in net.layers:
        l, n, k = layer.index, layer.width, layer.fan_in
        lines.append(f"alpha_{l} = theta[{start}:{start + n}]")
        lines.append(f"beta_{l} = xp.reshape(theta[{start + n}:{start + layer.size}], ({n}, {k}))")
        start += layer.size
    return lines


def slope(act, l: int) -> tuple[sympy.Expr, bool]:
    """G′ of layer l in its arrays h_l or z_l, and whether it is through h (h(1 − h) for the
    logistic: back-propagation reuses the cached h rather than computing eᶻ again)."""
    in_h = act.derivative_in_h()
    if in_h is not None:
        return in_h.xreplace({h: sympy.Symbol(f"h_{l}")}), True
    return act.derivative.xreplace({z: sympy.Symbol(f"z_{l}")}), False


def stable_log_symbols(net) -> dict:
    """log ŷ (and log(1 − ŷ)) → the arrays that hold them, written through z so that a
    saturated output gives no log(0); empty where the loss has no log or the output is
    neither the softmax nor the logistic."""
    if not loss_term(net).has(sympy.log):
        return {}
    if net.output is SOFTMAX:
        return {sympy.log(yhat): sympy.Symbol("log_h")}
    if getattr(net.output, "name", None) == "logistic":
        return {sympy.log(yhat): sympy.Symbol("log_h"), sympy.log(1 - yhat): sympy.Symbol("log_1mh")}
    return {}


def logistic_log_lines(L: int) -> list[str]:
    """log ŷ and log(1 − ŷ) of a logistic output, from z_L."""
    return [f"log_h = -xp.logaddexp(0.0, -z_{L})  # log G(z) = −log(1 + e^−z)",
            f"log_1mh = -xp.logaddexp(0.0, z_{L})  # log(1 − G(z)) = −log(1 + e^z)"]


def guard_lines(l: int) -> list[str]:
    """In a float32 kernel: stop if z_l overflowed (a finite sum of z_l has no inf in it; the
    ``overflowed`` the kernel binds confirms element by element before it raises)."""
    return [f"if not xp.isfinite(xp.sum(z_{l})):  # float32 overflow: stop, not a wrong loss",
            f"    overflowed({l}, z_{l})"]


def loss_term(net) -> sympy.Expr:
    """φ(ŷ, y), one output's term of the loss."""
    return net.loss_row.term_for(net.output is SOFTMAX)


def arrays_of_output(L: int) -> dict:
    """ŷ, y and z of the output layer → the arrays h_L, Y and z_L."""
    return {yhat: sympy.Symbol(f"h_{L}"), y: sympy.Symbol("Y"), z: sympy.Symbol(f"z_{L}")}


def delta_rule(net) -> sympy.Expr:
    """δ_L = ∂c/∂z_L in ŷ, y (and z), or, for the softmax, u = ŷ ⊙ ∂c/∂ŷ, from which
    δ = u − ŷ Σ_k u_k."""
    return output_delta(net)
