"""The readable form of a network's kernel: back-propagation one equation a line, as it is
written by hand, with the maths in the comments.

Forward, z_l = h_{l−1} β_lᵀ + α_l and h_l = G(z_l) (h_0 = X); the loss; backward,
δ_L = ∂c/∂z_L, ∂c/∂α_l = Σ δ_l, ∂c/∂β_l = δ_lᵀ h_{l−1} and δ_{l−1} = (δ_l β_l) ⊙ G′(z_{l−1}),
G′ through h where it can be. No array is updated in place, but every formula is the one the
fast form (:mod:`tutor.fast_source`) computes, stable forms included: the capped e^−z of the
logistic, the shifted softmax and its log1p log-sum-exp, cross-entropy's logs through z. This
is ``kernel.source``, and ``kernel.readable`` runs it.

>>> import tutor
>>> source = tutor.mlp([1, 1, 1], activation="tanh").compile().source
>>> for line in source.split("def predict")[0].splitlines():
...     if line.lstrip().startswith(("z_", "h_", "loss", "delta_")):
...         print(line.split("  #")[0].strip())
z_1 = X @ beta_1.T + alpha_1
h_1 = xp.tanh(z_1)
z_2 = h_1 @ beta_2.T + alpha_2
h_2 = z_2
loss = xp.sum((Y - h_2)**2) / n
delta_2 = -2*(Y - h_2) / n
delta_1 = (delta_2 @ beta_2) * (1 - h_1**2)
"""

from __future__ import annotations

import sympy

from .activations import EXP_CAP, SOFTMAX, z
from .array_code import code, function
from .network_rules import (
    arrays_of_output,
    delta_rule,
    guard_lines,
    logistic_log_lines,
    loss_term,
    parameter_lines,
    slope,
    stable_log_symbols,
)
from .notation import unicode

__all__ = ["readable_source"]


def _array(expr: sympy.Expr, arrays: dict, names: dict, like: str, over: str = "") -> str:
    """``expr`` of ŷ, y, z with ``arrays`` put in (divided by ``over``) as array code, its
    number kept outside as it is written, −2*(Y - h_2) / n; a constant becomes an array of
    ``like``'s shape (∂c/∂ŷ of a loss linear in ŷ is a number, but δ has one value per sample
    and output)."""
    coefficient, rest = expr.as_coeff_Mul()  # before the arrays go in, as SymPy would expand
    rest = rest.xreplace(arrays)
    if not rest.free_symbols & names.keys():
        return f"xp.full_like({like}, {code(expr, {})}{over})"
    text = code(rest, names)
    if rest.is_Add and (coefficient != 1 or over):
        text = f"({text})"
    if coefficient == -1:
        text = f"-{text}"
    elif coefficient != 1:
        text = f"{code(coefficient, {})}*{text}"
    return text + over


def _factor(expr: sympy.Expr, names: dict) -> str:
    """A factor after ``*``, parenthesized where it would not bind as one."""
    text = code(expr, names)
    return f"({text})" if expr.is_Add or expr.could_extract_minus_sign() else text


def _layer_lines(net, layer, guard: bool, names: dict) -> list[str]:
    """z_l = h_{l−1} β_lᵀ + α_l, then h_l = G(z_l)."""
    l, act = layer.index, layer.activation
    below = "X" if l == 1 else f"h_{l - 1}"
    z_l, h_l = sympy.Symbol(f"z_{l}"), sympy.Symbol(f"h_{l}")
    names |= {z_l: f"z_{l}", h_l: f"h_{l}"}
    out = "ŷ = " if l == len(net.layers) else ""
    lines = [f"# layer {l}: z_{l} = {below} β_{l}ᵀ + α_{l}, then {out}h_{l} = {act.symbol}(z_{l})",
             f"z_{l} = {below} @ beta_{l}.T + alpha_{l}", *(guard_lines(l) if guard else [])]
    if act is SOFTMAX:
        return [*lines,
                f"s_{l} = z_{l} - xp.max(z_{l}, axis=1, keepdims=True)  # softmax(z) = "
                "softmax(z − max z), whose eᶻ cannot overflow",
                f"e_{l} = xp.exp(s_{l})",
                f"total_{l} = xp.sum(e_{l}, axis=1, keepdims=True)  # Σ_j e^(z_j − max z) ≥ 1",
                f"h_{l} = e_{l} / total_{l}"]
    G = act.kernel_expr()
    if G == z:
        return [*lines, f"h_{l} = z_{l}"]
    note = ""
    if G != act.expr:
        how = ("e^x capped at exp_cap, the largest x with a finite eˣ in this dtype"
               if G.has(EXP_CAP) else "written so as neither to overflow nor to cancel")
        note = f"  # {act.symbol}(z) = {unicode(act.expr)}, {how}"
    return [*lines, f"h_{l} = {code(G.xreplace({z: z_l}), names)}{note}"]


def _loss_lines(net, names: dict) -> list[str]:
    """The mean loss, with cross-entropy's logs through z (no log(0) at a saturated output)."""
    L = len(net.layers)
    term = loss_term(net)
    lines = [f"# the loss: c = (1/n) Σ_samples Σ_k φ(ŷ_k, y_k) with φ = {unicode(term)}"]
    logs = stable_log_symbols(net)
    if logs and net.output is SOFTMAX:
        # log Σ e^s = log(1 + the terms below the maximum + 1 for each further tie): log1p
        # keeps a confident right answer's loss, log(1 + e^−40) = 4.2e−18, which log(total) loses
        lines += [f"below_{L} = xp.sum(xp.where(s_{L} < 0, e_{L}, 0.0), axis=1, keepdims=True)",
                  f"log_h = s_{L} - xp.log1p(below_{L} + (xp.round(total_{L} - below_{L}) - 1))"
                  "  # log ŷ = s − log Σ e^s"]
    elif logs:
        lines += logistic_log_lines(L)
    names |= {s: s.name for s in logs.values()} | {sympy.Symbol("Y"): "Y"}
    arrays = arrays_of_output(L)
    lines.append(f"loss = xp.sum({code(term.xreplace(logs).xreplace(arrays), names)}) / n")
    return lines


def _output_delta_lines(net, names: dict) -> list[str]:
    L = len(net.layers)
    rule = delta_rule(net)
    arrays = arrays_of_output(L)
    h_L = f"h_{L}"
    if net.output is not SOFTMAX:
        return [f"delta_{L} = {_array(rule, arrays, names, h_L, ' / n')}  "
                f"# δ_{L} = ∂c/∂ŷ ⊙ {net.output.symbol}′(z_{L}) = {unicode(rule)}"]
    return [f"u_{L} = {_array(rule, arrays, names, h_L)}  # u = ŷ ⊙ ∂c/∂ŷ = {unicode(rule)}",
            f"delta_{L} = (u_{L} - {h_L} * xp.sum(u_{L}, axis=1, keepdims=True)) / n  "
            f"# δ_{L} = u − ŷ Σ_k u_k, through the softmax's Jacobian"]


def _backward_lines(net, names: dict) -> list[str]:
    L = len(net.layers)
    lines = [f"# backward pass: δ_l = ∂c/∂z_l, with the mean's 1/n in δ_{L}",
             *_output_delta_lines(net, names),
             f"grad = xp.empty({net.n_parameters}, dtype=theta.dtype)"]
    starts = net._offsets()
    for layer in reversed(net.layers):
        l, s, n = layer.index, starts[layer.index - 1], layer.width
        below = "X" if l == 1 else f"h_{l - 1}"
        lines += [f"grad[{s}:{s + n}] = xp.sum(delta_{l}, axis=0)  # ∂c/∂α_{l} = Σ δ_{l}",
                  f"grad[{s + n}:{s + layer.size}] = xp.reshape(delta_{l}.T @ {below}, (-1,))  "
                  f"# ∂c/∂β_{l} = δ_{l}ᵀ {below}"]
        if l == 1:
            continue
        act = net.layers[l - 2].activation
        factor, in_h = slope(act, l - 1)
        back = f"delta_{l - 1} = delta_{l} @ beta_{l}"
        if factor == 1:
            lines.append(f"{back}  # δ_{l - 1} = δ_{l} β_{l}, as {act.symbol}′ = 1")
            continue
        written = unicode(factor.xreplace({sympy.Symbol(f"h_{l - 1}"): sympy.Symbol("h"),
                                           sympy.Symbol(f"z_{l - 1}"): z}))
        lines.append(f"delta_{l - 1} = (delta_{l} @ beta_{l}) * {_factor(factor, names)}  "
                     f"# δ_{l - 1} = (δ_{l} β_{l}) ⊙ {act.symbol}′(z_{l - 1}), "
                     f"{act.symbol}′ = {written}{' through h' * in_h}")
    return lines


def readable_source(net, guard: bool = False) -> str:
    """The kernel's source, one equation a line; ``guard`` stops a float32 kernel whose
    pre-activations overflowed (see :class:`tutor.kernel.KernelOverflowError`)."""
    names: dict = {}
    forward = ["n = X.shape[0]", "# θ → each layer's biases α_l (n_l,) and weights β_l (n_l, n_{l−1})",
               *parameter_lines(net)]
    for layer in net.layers:
        forward += _layer_lines(net, layer, guard, names)
    body = [*forward, *_loss_lines(net, names), *_backward_lines(net, names), "return loss, grad"]
    L = len(net.layers)
    return function("loss_and_gradient", "theta, X, Y", body) + "\n\n" + function(
        "predict", "theta, X", [*forward, f"return h_{L}"])
