"""The chain rule, step by step, for one parameter: what the slides do by hand for β_1^(1,2).

Each step names the rule it applies and shows the expression after it. The intermediate
quantities keep their names (ŷ, ε, z, h), so the result reads as a product of factors:

>>> import sympy, tutor
>>> net = tutor.mlp([2, 2, 1], activation=sympy.Function("F_1"), output=sympy.Function("F_2"))
>>> d = net.derivation("beta_1^(1,2)")
>>> print(d.chain)  # doctest: +NORMALIZE_WHITESPACE
−2(y − h₂) · F₂′(α₂^(1) + β₂^(1,1)·h₁^(1) + β₂^(1,2)·h₁^(2)) · β₂^(1,1)
· F₁′(α₁^(1) + β₁^(1,1)·x₁ + β₁^(1,2)·x₂) · x₂

``d.result`` is the same gradient as one SymPy expression of inputs, targets and parameters.
How a derivation prints (``Product``, ``Step``, ``Derivation``) is ``tutor/steps.py``.
"""

from __future__ import annotations

import math

import sympy

from .activations import SOFTMAX, h, z
from .losses import y as y_sym
from .losses import yhat
from .notation import Symbol, latex, unicode
from .steps import Derivation, Product, Step, partial

__all__ = ["Derivation", "Step", "Product", "network_derivation", "model_derivation", "output_delta"]

_MAX_PATHS = 4  # more paths than this are shown through the deltas δ = ∂c/∂z
_MAX_SHOWN = 4  # neurons of a layer shown one by one; the rest are "likewise"
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _loss_derivative(term: sympy.Expr, prediction, target) -> tuple[sympy.Expr, ...]:
    """∂φ/∂ŷ as factors: −2(y − ŷ) stays −2 · (y − ŷ), as on the slides."""
    d = sympy.diff(term.subs({yhat: prediction, y_sym: target}, simultaneous=True), prediction)
    error = target - prediction
    ratio = sympy.cancel(d / error)
    if ratio.is_Number:
        return (ratio, error)
    return (sympy.factor(d),)


def _activation_derivative(act, zq, hq) -> sympy.Expr:
    """G′(z) at a named z: F′(z) for an undefined F, else the concrete G′, through h if it can."""
    if act.is_undefined:
        return sympy.Derivative(act(zq), zq)
    in_h = act.derivative_in_h()
    return in_h.subs(h, hq) if in_h is not None else act.derivative.subs(z, zq)


class _Steps(list):
    """The steps so far: ``add`` writes one, ``likewise`` stands for the neurons not shown."""

    def add(self, rule: str, lhs: tuple[str, str], rhs) -> None:
        self.append(Step(rule, lhs[0], rhs, lhs[1]))

    def likewise(self, rule: str, count: int) -> None:
        if count > _MAX_SHOWN:
            self.add(rule, ("…", r"\ldots"), f"and likewise for the other {count - _MAX_SHOWN} neurons")


def _name(quantity) -> tuple[str, str]:
    """A named quantity (z, h, δ, ŷ, ε) as the left-hand side of a step."""
    return unicode(quantity), latex(quantity)


def network_derivation(net, p) -> Derivation:
    """∂c/∂p for one weight or bias p, as the slides derive it: up to the loss, back down to p.

    With few paths from p to the loss the result is their sum of products of factors; with
    many, the errors δ = ∂c/∂z are named and passed down a layer at a time (back-propagation).
    """
    l, j, i = _locate(net, p)
    steps = _Steps()
    loss = _forward_steps(net, l, j, steps)
    chains = _top_of_chain(net, steps)
    paths = math.prod(lay.width for lay in net.layers[l:])  # one per neuron above, layer by layer
    chains = _down_the_layers(net, l, j, chains, paths <= _MAX_PATHS, steps)
    last = _bottom_of_chain(net, p, (l, j, i), steps)
    if paths <= _MAX_PATHS:
        shown, definitions = _every_path(net, l, chains[j], last), []
    else:
        shown, definitions = _through_deltas(net, l, j, last, steps)
    steps.add("chain rule", partial("c", p), shown)
    return Derivation(p, loss, steps, shown, lambda: [*definitions, *_forward_definitions(net)])


def _forward_steps(net, l: int, j: int, steps: _Steps) -> sympy.Expr:
    """The forward pass from p's neuron j of layer l up to the loss, which it returns.

    z_m^(q) = α_m^(q) + Σ_i β_m^(q,i) h_{m−1}^(i) and h_m^(q) = G_m(z_m^(q)), for neuron j of
    layer l and every neuron (the first few, shown) of the layers above it.
    """
    for m in range(l, len(net.layers) + 1):
        lay = net.layers[m - 1]
        neurons = [j] if m == l else range(min(lay.width, _MAX_SHOWN))
        for q in neurons:
            steps.add("forward pass", _name(lay.z[q]), net.affine(lay, q))
        for q in neurons:
            rhs = (SOFTMAX(lay.z)[q] if lay.activation is SOFTMAX
                   else sympy.Function(lay.activation.symbol)(lay.z[q]))
            steps.add("forward pass", _name(lay.h[q]), rhs)
        if m > l:
            steps.likewise("forward pass", lay.width)
    loss = net.loss_of(net.layers[-1].h)
    steps.add("the loss", ("c", "c"), loss)
    return loss


def _top_of_chain(net, steps: _Steps) -> dict[int, list[tuple]]:
    """δ_L = ∂c/∂z_L at each output k, as factors: [(∂c/∂h_L^(k), ∂h_L^(k)/∂z_L^(k))].

    An element-wise G gives ∂c/∂z_L^(k) = φ′(h_L^(k)) · G′(z_L^(k)). The softmax ties the
    outputs together: ∂c/∂z_L^(q) = Σ_k φ′(h_L^(k)) · h_L^(k) (𝟙[k = q] − h_L^(q)).
    """
    out, L = net.layers[-1], len(net.layers)
    softmax = out.activation is SOFTMAX
    term = net.loss_row.term_for(softmax)
    top: dict[int, list[tuple]] = {}
    for k in range(out.width):
        dphi = _loss_derivative(term, out.h[k], net.targets[k])
        shown_k = k < _MAX_SHOWN
        if shown_k:
            steps.add("derivative of the loss", partial("c", out.h[k]), Product((dphi,)))
        if not softmax:
            dG = _activation_derivative(out.activation, out.z[k], out.h[k])
            if shown_k:
                steps.add(f"derivative of the activation {out.activation.symbol}",
                          partial(out.h[k], out.z[k]), dG)
            top[k] = [(*dphi, dG)]
    steps.likewise("derivative of the loss", out.width)
    if softmax:
        sub = str(L).translate(_SUB)
        steps.add("derivative of the softmax",
                  (f"∂h_{L}^(k)/∂z_{L}^(q)",
                   rf"\frac{{\partial h_{L}^{{(k)}}}}{{\partial z_{L}^{{(q)}}}}"),
                  f"h{sub}^(k)·(𝟙[k = q] − h{sub}^(q))")
        for q in range(out.width):
            delta = sum(sympy.Mul(*_loss_derivative(term, out.h[k], net.targets[k]))
                        * out.h[k] * ((1 if k == q else 0) - out.h[q]) for k in range(out.width))
            top[q] = [(sympy.factor(sympy.simplify(delta)),)]
    return top


def _down_the_layers(net, l: int, j: int, chains: dict[int, list[tuple]], keep: bool,
                     steps: _Steps) -> dict[int, list[tuple]]:
    """From layer L − 1 down to layer l, each path's factors: one more β and G′ per layer.

    ∂c/∂z_m^(q) = Σ_r ∂c/∂z_{m+1}^(r) · β_{m+1}^(r,q) · G_m′(z_m^(q)); each product in
    ``chains[q]`` is one path from z_m^(q) to the loss (kept only when ``keep``).
    """
    for m in range(len(net.layers) - 1, l - 1, -1):
        lay, above = net.layers[m - 1], net.layers[m]
        neurons = [j] if m == l else range(lay.width)
        new = {}
        for q in neurons:
            dG = _activation_derivative(lay.activation, lay.z[q], lay.h[q])
            if q == j or q < _MAX_SHOWN:
                for r in range(min(above.width, _MAX_SHOWN)):
                    steps.add("derivative of the affine map", partial(above.z[r], lay.h[q]),
                              above.beta[r][q])
                steps.add(f"derivative of the activation {lay.activation.symbol}",
                          partial(lay.h[q], lay.z[q]), dG)
            if keep:
                new[q] = [(*t, above.beta[r][q], dG) for r in range(above.width)
                          for t in chains[r]]
        if m > l:
            steps.likewise("derivative of the activation", lay.width)
        chains = new
    return chains


def _bottom_of_chain(net, p, where: tuple[int, int, int | None], steps: _Steps) -> sympy.Expr:
    """∂z_l^(j)/∂p: the input h_{l−1}^(i) that the weight β_l^(j,i) multiplies, or 1 for α_l^(j)."""
    l, j, i = where
    below = net.inputs if l == 1 else net.layers[l - 2].h
    last = sympy.S.One if i is None else below[i]
    steps.add("derivative of the affine map", partial(net.layers[l - 1].z[j], p), last)
    return last


def _every_path(net, l: int, paths: list[tuple], last) -> Product:
    """Every path from p to the loss, one product each, with each z shown as the slides do:
    α + hβ in the named h below it."""
    zs = {lay.z[q]: net.affine(lay, q) for lay in net.layers[l - 1:] for q in range(lay.width)}
    return Product(tuple(tuple(f.subs(zs) for f in (*t, last)) for t in paths))


def _through_deltas(net, l: int, j: int, last, steps: _Steps) -> tuple[Product, list]:
    """∂c/∂p = δ_l^(j) · ∂z_l^(j)/∂p, and the δ = ∂c/∂z it needs, from layer l up to L.

    Too many paths to read one by one: name the error at each neuron and pass it down a layer
    at a time, which is what back-propagation computes. Returns the product and the δ's
    definitions (for ``.result``).
    """
    deltas, definitions = _delta_equations(net, l), []
    for m in range(l, len(net.layers) + 1):
        lay = net.layers[m - 1]
        for q in [j] if m == l else range(lay.width):
            if q == j or q < _MAX_SHOWN:
                steps.add("back-propagated error δ = ∂c/∂z", _name(lay.delta[q]),
                          deltas[lay.delta[q]])
            definitions.append((lay.delta[q], deltas[lay.delta[q]]))
        if m > l:
            steps.likewise("back-propagated error δ = ∂c/∂z", lay.width)
    return Product(((net.layers[l - 1].delta[j], last),)), definitions


def _forward_definitions(net):
    """Every h and z, from the output down, for ``.result``: h = G(z), z = α + βh."""
    for lay in reversed(net.layers):
        acts = net.activate(lay, lay.z)
        yield from ((lay.h[q], acts[q]) for q in range(lay.width))
        yield from ((lay.z[q], net.affine(lay, q)) for q in range(lay.width))


def output_delta(net) -> sympy.Expr:
    """δ_L = ∂c/∂z_L for one output, in ŷ, y (and z): SymPy's chain rule, simplified.

    For an element-wise G: δ = φ′(ŷ) G′(z) with G′ through h = ŷ (cross-entropy with the
    logistic gives ŷ − y). For the softmax the returned u = ŷ ⊙ φ′(ŷ) feeds δ = u − ŷ Σ_j u_j.
    """
    term = net.loss_row.term_for(net.output is SOFTMAX)
    dphi = sympy.diff(term, yhat)
    if net.output is SOFTMAX:
        return sympy.simplify(yhat * dphi)
    dG = net.output.derivative_in_h()
    dG = dG.subs(h, yhat) if dG is not None else net.output.derivative
    return sympy.factor(sympy.simplify(dphi * dG))


def _delta_equations(net, lowest: int) -> dict[sympy.Symbol, sympy.Expr]:
    """δ = ∂c/∂z for every neuron of layers L down to ``lowest``, in the named h, z, β, δ above."""
    out = net.layers[-1]
    rule = output_delta(net)
    per_output = [rule.subs({yhat: out.h[k], y_sym: net.targets[k], z: out.z[k]}, simultaneous=True)
                  for k in range(out.width)]
    if out.activation is SOFTMAX:  # δ_k = u_k − h_k Σ_j u_j with u = ŷ ⊙ ∂c/∂ŷ
        total = sympy.Add(*per_output)
        per_output = [sympy.factor_terms(u - hk * total) for u, hk in zip(per_output, out.h,
                                                                           strict=True)]
    deltas = dict(zip(out.delta, per_output, strict=True))
    for l in range(len(net.layers) - 1, lowest - 1, -1):
        layer, above = net.layers[l - 1], net.layers[l]
        for j in range(layer.width):
            spread = sympy.Add(*[above.beta[r][j] * above.delta[r] for r in range(above.width)])
            dG = _activation_derivative(layer.activation, layer.z[j], layer.h[j])
            deltas[layer.delta[j]] = dG * spread
    return deltas


def _locate(net, p) -> tuple[int, int, int | None]:
    """(layer l, neuron j, input i or None for a bias) of parameter p, 0-based j and i."""
    for layer in net.layers:
        if p in layer.alpha:
            return layer.index, layer.alpha.index(p), None
        for j, row in enumerate(layer.beta):
            if p in row:
                return layer.index, j, row.index(p)
    raise ValueError(f"{p} is not a parameter of this network")


def _named_outputs(model) -> tuple[list[Symbol], list[Symbol]]:
    """The names of an expression model's outputs ŷ, and of their errors ε = y − ŷ when the
    loss is the squared error (none otherwise)."""
    m = model.n_outputs
    suffix = [""] if m == 1 else [f"_{k}" for k in range(1, m + 1)]
    squared = model.loss_row.name == "squared_error"
    return ([Symbol(f"yhat{s}") for s in suffix],
            [Symbol(f"epsilon{s}") for s in suffix] if squared else [])


def model_derivation(model, p) -> Derivation:
    steps = _Steps()
    add = steps.add
    yhats, eps = _named_outputs(model)
    for yh, e in zip(yhats, model.expressions, strict=True):
        add("the model", _name(yh), e)
    terms, definitions = [], []
    squared = bool(eps)
    if squared:
        # the slides name the error: ε = y − ŷ, c = ε², so dc/dε = 2ε and dε/dθ = −dŷ/dθ
        for e, t, yh in zip(eps, model.targets, yhats, strict=True):
            add("the error", _name(e), t - yh)
        add("the loss", ("c", "c"), sympy.Add(*[e**2 for e in eps]))
        for e, t, f in zip(eps, model.targets, model.expressions, strict=True):
            add("derivative of the loss", partial("c", e), 2 * e)
            # y − (α + x), kept unevaluated as the slides write it
            error = sympy.Add(t, sympy.Mul(-1, f, evaluate=False), evaluate=False)
            inside = sympy.Derivative(error, p)
            add("derivative of the error", partial(e, p), Product(((inside,),)))
            local = sympy.diff(t - f, p)
            add("", partial(e, p), local)
            terms.append((2, e, local) if local != -1 else (-2, e))
            definitions.append((e, t - f))
    else:
        loss = sympy.Add(*[model.loss_row(yh, t) for yh, t in zip(yhats, model.targets,
                                                                   strict=True)])
        add("the loss", ("c", "c"), loss)
        for yh, t, f in zip(yhats, model.targets, model.expressions, strict=True):
            dphi = _loss_derivative(model.loss_row.term, yh, t)
            add("derivative of the loss", partial("c", yh), Product((dphi,)))
            local = sympy.diff(f, p)
            add("derivative of the model", partial(yh, p), local)
            terms.append((*dphi, local))
            definitions.append((yh, f))
    chain = Product(tuple(terms))
    simplified = sympy.factor_terms(chain.expr())
    add("chain rule", partial("c", p), chain)
    if simplified != chain.expr() or any(len(t) > 2 for t in terms):
        add("", partial("c", p), simplified)
    loss_expr = sympy.Add(*[e**2 for e in eps]) if squared else model.loss
    return Derivation(p, loss_expr, steps, chain, definitions, simplified)

