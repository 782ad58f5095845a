"""The fast form of a network's kernel: back-propagation as in-place array updates.

Forward, z_l = h_{l−1} β_lᵀ (+ α_l) and h_l = G(z_l) written over z_l's array where G′ is
through h; backward, δ_L = ∂c/∂z_L over ŷ's array and δ_{l−1} = (δ_l β_l) ⊙ G′ multiplied in
place, with ∂c/∂α_l and ∂c/∂β_l written straight into the gradient's slots (``out=``) where the
backend has it. This is what ``kernel(theta, X, Y)`` runs; ``kernel.source`` shows the same
computation one equation a line.
"""

from __future__ import annotations

import sympy

from .activations import SOFTMAX, h, z
from .array_code import code, function
from .inplace import InPlace
from .losses import y, yhat
from .network_rules import (
    arrays_of_output,
    delta_rule,
    guard_lines,
    logistic_log_lines,
    loss_term,
    parameter_lines,
    stable_log_symbols,
)

__all__ = ["fast_source"]


def _folds_bias(act, hidden: bool) -> bool:
    """Whether α goes into a hidden layer's G as it is written, not into z first.

    The logistic starts from −z: written over h β, −z = −α − h β is one pass,
    ``xp.subtract(-alpha, z, out=z)``, where ``z += α`` and then negating take two. Only where G′
    is through h, so that z itself is never needed.
    """
    return (hidden and act is not SOFTMAX and act.derivative_in_h() is not None
            and any(arg == -z for arg in sympy.preorder_traversal(act.kernel_expr())))


def _activation_code(layer, hidden: bool, writer: InPlace, fold: bool) -> tuple[list[str], sympy.Expr]:
    """Lines computing h_l = G(z_l), and G′ for the backward pass, in the writer's names.

    G′ is written through the cached h when it can be (h(1 − h) for the logistic): z is then
    dead once h exists, and a hidden layer computes h in z's own array. Otherwise G and G′
    share their common subexpressions, computed once in the forward pass and kept, as
    back-propagation keeps its intermediates.
    """
    l, act = layer.index, layer.activation
    G = act.kernel_expr()
    in_h = act.derivative_in_h()
    z_l, h_l = sympy.Symbol(f"z_{l}"), sympy.Symbol(f"h_{l}")
    writer.names |= {z_l: f"z_{l}", h_l: f"h_{l}"}
    if in_h is not None:
        argument = z_l
        if fold:  # z_l holds h β only: α is added inside G (_folds_bias)
            alpha_l = sympy.Symbol(f"alpha_{l}")
            writer.names[alpha_l] = f"alpha_{l}"
            argument = z_l + alpha_l
        if G == z:
            lines = [f"h_{l} = z_{l}"]
        else:
            lines = writer.assign(f"h_{l}", G.xreplace({z: argument}), free={z_l} if hidden else ())
        # G′ is written through h, so z is no longer needed: free it now, not at the return
        # (it keeps the peak memory at hand-written back-propagation's)
        release = [f"del z_{l}  # G′ needs only h"] if hidden else []
        return [*lines, *release], in_h.xreplace({h: h_l})
    shared, (G_cse, dG_cse) = sympy.cse([G.xreplace({z: z_l}), act.derivative.xreplace({z: z_l})],
                                        symbols=sympy.numbered_symbols(f"shared_{l}_"))
    lines = []
    for s, e in shared:
        lines.append(f"{s.name} = {code(e, writer.names)}")
        writer.names[s] = s.name
    return [*lines, *writer.assign(f"h_{l}", G_cse)], dG_cse


def _forward_lines(net, writer: InPlace, guard: bool) -> tuple[list[str], dict[int, sympy.Expr]]:
    lines, derivatives = parameter_lines(net), {}
    for layer in net.layers:
        l, act = layer.index, layer.activation
        below = "X" if l == 1 else f"h_{l - 1}"
        lines.append(f"# layer {l}: z = α + h β, then h = {act.symbol}(z)")
        lines.append(f"z_{l} = {below} @ beta_{l}.T")
        fold = _folds_bias(act, l < len(net.layers))
        if fold:
            lines.append(f"# α_{l} is added as −z is formed, in one pass with the sign change")
        else:
            lines.append(f"z_{l} += alpha_{l}")
        if guard:
            lines += guard_lines(l)
        if act is SOFTMAX:
            lines += [
                f"z_{l} -= xp.max(z_{l}, axis=1, keepdims=True)  # shifted: e^z without overflow",
                f"h_{l} = xp.exp(z_{l})",
                f"total_{l} = xp.sum(h_{l}, axis=1, keepdims=True)",
                f"h_{l} /= total_{l}",
            ]
            writer.names |= {sympy.Symbol(f"h_{l}"): f"h_{l}"}
        else:
            forward, derivatives[l] = _activation_code(layer, l < len(net.layers), writer, fold)
            lines += forward
    return lines, derivatives


def _stable_logs(net) -> tuple[dict, list[str]]:
    """log ŷ and log(1 − ŷ) written through z, so a saturated output gives no log(0).

    Only the logs the loss has are written: squared error needs none of them.
    """
    L = len(net.layers)
    logs = stable_log_symbols(net)
    if logs and net.output is SOFTMAX:
        # z_L holds z − max z. log Σ e^(z − max z) = log(1 + rest), rest the sum without one of
        # the maxima (whose e^0 is 1): log1p(rest) keeps a confident right answer's loss,
        # log(1 + e^−40) = 4.2e−18, where log(total) rounds 1 + 4.2e−18 to 1 and gives 0.
        # rest = the terms below the maximum, plus 1 for each further tie: round(total − below)
        # is the number of ties. In place, z_L becomes log ŷ.
        return (logs,
                # e^(z − max z) = ŷ · total, to an ulp or two: no second exp
                [f"below_{L} = xp.sum(xp.where(z_{L} < 0, h_{L}, 0.0), axis=1, keepdims=True) * total_{L}",
                 f"z_{L} -= xp.log1p(below_{L} + (xp.round(total_{L} - below_{L}) - 1))"
                 "  # log ŷ = z − log Σ e^z",
                 f"log_h = z_{L}"])
    return logs, logistic_log_lines(L) if logs else []


def _loss_lines(net, writer: InPlace) -> tuple[list[str], dict]:
    """The mean loss; returns its lines and the substitutions that let δ_L reuse its arrays.

    A loss of the form r² keeps r, so that δ_L, which has r in it (−2(y − ŷ) for the squared
    error), is computed from it in place.
    """
    L = len(net.layers)
    term = loss_term(net)
    replacements, lines = _stable_logs(net)
    for name in ("log_h", "log_1mh", "Y", "residual"):
        writer.names[sympy.Symbol(name)] = name
    term = term.xreplace(replacements)
    arrays = arrays_of_output(L)
    if term.is_Pow and term.exp == 2 and term.base.free_symbols & {yhat, y}:
        lines += writer.assign("residual", term.base.xreplace(arrays))
        lines.append("loss = xp.sum(residual * residual) / n")
        return lines, {term.base: sympy.Symbol("residual")}
    lines.append(f"loss = xp.sum({code(term.xreplace(arrays), writer.names)}) / n")
    return lines, {}


def _delta_lines(net, writer: InPlace, shared: dict) -> list[str]:
    """δ_L = ∂c/∂z_L divided by n, written over ŷ's (or the residual's) array."""
    L = len(net.layers)
    h_L = sympy.Symbol(f"h_{L}")
    arrays = arrays_of_output(L)
    # the loss's arrays replace their formulas before the output's symbols go in, as SymPy
    # would multiply −2(y − ŷ) out once y and ŷ are replaced
    coefficient, rest = delta_rule(net).xreplace(shared).as_coeff_Mul()
    rest = rest.xreplace(arrays)
    if not writer._is_array(rest):  # ∂c/∂ŷ a number (a loss linear in ŷ): one per sample
        value = code(coefficient * rest, {})
        if net.output is not SOFTMAX:
            return [f"delta_{L} = xp.full_like(h_{L}, {value} / n)"]
        rest, coefficient = sympy.Symbol("u"), sympy.Integer(1)
        writer.names[rest] = "u"
        lines = [f"u = xp.full_like(h_{L}, {value})"]
        return ["# δ = u − ŷ Σ_j u_j with u = ŷ ⊙ ∂c/∂ŷ", *lines, *_softmax_delta(L, "u", 1)]
    if net.output is not SOFTMAX:
        lines = writer.assign(f"delta_{L}", rest, free={h_L, *shared.values()})
        return [*lines, f"delta_{L} *= {code(coefficient, {})} / n"]
    # δ = u − ŷ Σ_j u_j, with u = ŷ ⊙ ∂c/∂ŷ = c·v (for cross-entropy c = −1, v = y: δ = ŷ Σ_j y_j − y)
    if rest in writer.names and rest != h_L:
        v = writer.names[rest]
        return [f"# δ = u − ŷ Σ_j u_j with u = ŷ ⊙ ∂c/∂ŷ = {coefficient}·{v}",
                f"h_{L} *= xp.sum({v}, axis=1, keepdims=True)", f"h_{L} -= {v}",
                f"h_{L} *= {code(-coefficient, {})} / n", f"delta_{L} = h_{L}"]
    lines = writer.assign("u", coefficient * rest)
    return ["# δ = u − ŷ Σ_j u_j with u = ŷ ⊙ ∂c/∂ŷ", *lines, *_softmax_delta(L, "u", 1)]


def _softmax_delta(L: int, u: str, scale) -> list[str]:
    """δ = (u − ŷ Σ_j u_j)/n, written over u's array (ŷ's is overwritten with ŷ Σ_j u_j)."""
    return [f"h_{L} *= xp.sum({u}, axis=1, keepdims=True)", f"{u} -= h_{L}", f"{u} *= {scale} / n",
            f"delta_{L} = {u}"]


def fast_source(net, out_functions: bool = False, guard: bool = False) -> str:
    """The kernel's in-place source; ``out_functions`` lets element-wise functions write in
    place (NumPy's and CuPy's ``out=``), ``guard`` stops a float32 kernel whose pre-activations
    overflowed."""
    L = len(net.layers)
    writer = InPlace(code, {}, out_functions=out_functions)
    body = ["n = X.shape[0]", "# θ → each layer's biases α_l (n_l,) and weights β_l (n_l, n_{l-1})"]
    forward_lines, derivatives = _forward_lines(net, writer, guard)
    body += forward_lines
    forward = list(body)
    loss_lines, shared = _loss_lines(net, writer)
    body += ["# the loss: the mean over samples of Σ_k φ(ŷ_k, y_k)", *loss_lines]
    body.append("# backward pass: δ_l = ∂c/∂z_l, divided by n here so the sums below are means")
    body += _delta_lines(net, writer, shared)
    body.append(f"grad = xp.empty({net.n_parameters}, dtype=theta.dtype)")
    if out_functions:
        body.append("ones = xp.ones(n, dtype=theta.dtype)")
    starts = net._offsets()
    for layer in reversed(net.layers):
        l, s, n = layer.index, starts[layer.index - 1], layer.width
        below = "X" if l == 1 else f"h_{l - 1}"
        alpha, beta = f"grad[{s}:{s + n}]", f"grad[{s + n}:{s + layer.size}]"
        if out_functions:  # straight into θ's slots, with no array in between
            # Σ over the samples as a product with a row of ones: BLAS's gemv, two to three
            # times faster than a column sum on these arrays
            body.append(f"xp.matmul(ones, delta_{l}, out={alpha})  # ∂c/∂α_{l} = 1ᵀδ, Σ over samples")
            body.append(f"xp.matmul(delta_{l}.T, {below}, out=xp.reshape({beta}, ({n}, "
                        f"{layer.fan_in})))  # ∂c/∂β_{l}")
        else:
            body.append(f"{alpha} = xp.sum(delta_{l}, axis=0)  # ∂c/∂α_{l}")
            body.append(f"{beta} = xp.reshape(delta_{l}.T @ {below}, (-1,))  # ∂c/∂β_{l}")
        if l > 1:
            act, factor = net.layers[l - 2].activation, derivatives[l - 1]
            body.append(f"delta_{l - 1} = delta_{l} @ beta_{l}")
            scaling = writer.scale(f"delta_{l - 1}", factor, free={sympy.Symbol(f"h_{l - 1}")})
            if scaling:
                body += [f"# × {act.symbol}′(z) = {code(factor, writer.names)}", *scaling]
            body.append(f"del delta_{l}, h_{l - 1}")
    body.append("return loss, grad")
    return function("loss_and_gradient", "theta, X, Y", body) + "\n\n" + function(
        "predict", "theta, X", [*forward, f"return h_{L}"])


