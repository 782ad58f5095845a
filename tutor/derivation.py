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
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import sympy

from .activations import SOFTMAX, h, z
from .losses import y as y_sym
from .losses import yhat
from .notation import Symbol, latex, unicode

__all__ = ["Backprop", "Derivation", "Step", "Product", "network_derivation", "model_derivation"]

_MAX_PATHS = 4  # more paths than this are shown through the deltas δ = ∂c/∂z
_MAX_SHOWN = 4  # neurons of a layer shown one by one; the rest are "likewise"
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


@dataclass(frozen=True)
class Product:
    """A sum of products of factors, kept in chain-rule order (SymPy would reorder them)."""

    terms: tuple[tuple[sympy.Expr, ...], ...]

    def __post_init__(self):
        numbers = tuple(tuple(sympy.Integer(f) if isinstance(f, int) else f for f in t)
                        for t in self.terms)
        object.__setattr__(self, "terms", numbers)

    def expr(self) -> sympy.Expr:
        return sympy.Add(*[sympy.Mul(*t) for t in self.terms])

    def _render(self, show, paren: str) -> str:
        def factor(f, first):
            text = show(f)
            if f.is_Add or (not first and text.startswith(("−", "-"))):
                text = paren % text
            return text

        def term(factors):
            factors = [f for f in factors if f != 1] or [sympy.S.One]
            if factors[0] == -1 and len(factors) > 1:
                return "−" + term(factors[1:])
            pieces, out = [factor(f, i == 0) for i, f in enumerate(factors)], ""
            for i, piece in enumerate(pieces):
                # a leading number sits against what follows: −2ε, −2(y − h₂)
                glue = "" if i == 0 or (i == 1 and factors[0].is_Number) else " · "
                out += glue + piece
            return out

        return " + ".join(term(t) for t in self.terms).replace("+ −", "− ")

    def __str__(self) -> str:
        return self._render(unicode, "(%s)")

    def latex(self) -> str:
        return self._render(latex, r"\left(%s\right)").replace(" · ", r" \cdot ").replace("−", "-")


@dataclass(frozen=True)
class Step:
    """One step: the rule applied, and ``lhs = rhs`` after it."""

    rule: str
    lhs: str
    rhs: object  # a SymPy expression, a Product, or words
    lhs_latex: str

    def __str__(self) -> str:
        return f"{self.lhs} = {_show(self.rhs)}"

    def latex(self) -> str:
        if isinstance(self.rhs, str):
            rhs = r"\text{%s}" % self.rhs
        else:
            rhs = self.rhs.latex() if isinstance(self.rhs, Product) else latex(self.rhs)
        return f"{self.lhs_latex} &= {rhs}"


def _show(value) -> str:
    return str(value) if isinstance(value, Product | str) else unicode(value)


def _d(top, bottom) -> tuple[str, str]:
    """∂top/∂bottom, in Unicode and LaTeX."""
    top_u = top if isinstance(top, str) else unicode(top)
    top_l = top if isinstance(top, str) else latex(top)
    return (f"∂{top_u}/∂{unicode(bottom)}",
            r"\frac{\partial %s}{\partial %s}" % (top_l, latex(bottom)))


class Derivation:
    """∂c/∂θ_j by the chain rule, as a list of steps a learner can read.

    ``str()`` gives Unicode, ``.latex()`` LaTeX, ``.chain`` the final product of factors in
    named quantities, ``.compact`` the same as a SymPy expression, and ``.result`` one sample's
    gradient in terms of inputs, targets and parameters only.
    """

    def __init__(self, parameter, loss, steps, chain: Product, definitions, simplified=None):
        self.parameter = parameter
        self.loss = loss
        self.steps: tuple[Step, ...] = tuple(steps)
        self.chain = chain
        # named quantity → its expression, outermost first (a list, or a function making one)
        self._definitions = definitions
        self.simplified = simplified

    @property
    def compact(self) -> sympy.Expr:
        """The gradient in the named quantities (ε, h, z), e.g. −2ε."""
        return self.simplified if self.simplified is not None else self.chain.expr()

    @cached_property
    def result(self) -> sympy.Expr:
        """One sample's gradient in inputs, targets and parameters (names substituted away)."""
        expr = self.chain.expr()
        definitions = self._definitions() if callable(self._definitions) else self._definitions
        for name, value in definitions:
            expr = expr.subs(name, value)
        return expr

    def __str__(self) -> str:
        head = f"{_d('c', self.parameter)[0]}, the gradient of the loss c = {unicode(self.loss)}"
        width = max(len(s.rule) for s in self.steps)
        lines = [head]
        for i, step in enumerate(self.steps, 1):
            lines.append(f"{i:>2}. {step.rule:<{width}}  {step}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Derivation of ∂c/∂{unicode(self.parameter)}: {self.chain}>"

    def latex(self) -> str:
        rows = [s.latex() + (r" && \text{%s}" % s.rule if s.rule else "") for s in self.steps]
        return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"


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


def network_derivation(net, p) -> Derivation:
    L = len(net.layers)
    where = _locate(net, p)
    l, j, i = where
    layer = net.layers[l - 1]
    out = net.layers[-1]
    steps: list[Step] = []
    definitions = []  # (named symbol, expression), substituted outermost first

    def add(rule, lhs, rhs):
        steps.append(Step(rule, lhs[0], rhs, lhs[1]))

    def likewise(rule, count):
        if count > _MAX_SHOWN:
            add(rule, ("…", r"\ldots"), f"and likewise for the other {count - _MAX_SHOWN} neurons")

    # forward pass: the quantities on the way from p up to the loss
    for m in range(l, L + 1):
        lay = net.layers[m - 1]
        neurons = [j] if m == l else range(min(lay.width, _MAX_SHOWN))
        for q in neurons:
            add("forward pass", (unicode(lay.z[q]), latex(lay.z[q])), net.affine(lay, q))
        for q in neurons:
            rhs = (SOFTMAX(lay.z)[q] if lay.activation is SOFTMAX
                   else sympy.Function(lay.activation.symbol)(lay.z[q]))
            add("forward pass", (unicode(lay.h[q]), latex(lay.h[q])), rhs)
        if m > l:
            likewise("forward pass", lay.width)
    loss = net.loss_of(out.h)
    add("the loss", ("c", "c"), loss)

    # the top of the chain: δ_L = ∂c/∂z_L
    softmax = out.activation is SOFTMAX
    term = net.loss_row.term_for(softmax)
    top: dict[int, list[tuple]] = {}
    for k in range(out.width):
        dphi = _loss_derivative(term, out.h[k], net.targets[k])
        shown_k = k < _MAX_SHOWN
        if shown_k:
            add("derivative of the loss", _d("c", out.h[k]), Product((dphi,)))
        if not softmax:
            dG = _activation_derivative(out.activation, out.z[k], out.h[k])
            if shown_k:
                add(f"derivative of the activation {out.activation.symbol}",
                    _d(out.h[k], out.z[k]), dG)
            top[k] = [(*dphi, dG)]
    likewise("derivative of the loss", out.width)
    if softmax:
        add("derivative of the softmax", (f"∂h_{L}^(k)/∂z_{L}^(q)", rf"\frac{{\partial h_{L}^{{(k)}}}}"
            rf"{{\partial z_{L}^{{(q)}}}}"),
            f"h{str(L).translate(_SUB)}^(k)·(𝟙[k = q] − h{str(L).translate(_SUB)}^(q))")
        for q in range(out.width):
            delta = sum(sympy.Mul(*_loss_derivative(term, out.h[k], net.targets[k]))
                        * out.h[k] * ((1 if k == q else 0) - out.h[q]) for k in range(out.width))
            top[q] = [(sympy.factor(sympy.simplify(delta)),)]

    # down the layers: ∂c/∂z_m^(q) = Σ_r ∂c/∂z_{m+1}^(r) · β_{m+1}^(r,q) · G_m′(z_m^(q))
    paths = math.prod(lay.width for lay in net.layers[l:])
    chains = top
    for m in range(L - 1, l - 1, -1):
        lay, above = net.layers[m - 1], net.layers[m]
        neurons = [j] if m == l else range(lay.width)
        new = {}
        for q in neurons:
            dG = _activation_derivative(lay.activation, lay.z[q], lay.h[q])
            if q == j or q < _MAX_SHOWN:
                for r in range(min(above.width, _MAX_SHOWN)):
                    add("derivative of the affine map", _d(above.z[r], lay.h[q]),
                        above.beta[r][q])
                add(f"derivative of the activation {lay.activation.symbol}",
                    _d(lay.h[q], lay.z[q]), dG)
            if paths <= _MAX_PATHS:
                new[q] = [(*t, above.beta[r][q], dG) for r in range(above.width)
                          for t in chains[r]]
        if m > l:
            likewise("derivative of the activation", lay.width)
        chains = new

    # the bottom: ∂z_l^(j)/∂p is the input it multiplies, or 1 for a bias
    below = net.inputs if l == 1 else net.layers[l - 2].h
    last = sympy.S.One if i is None else below[i]
    add("derivative of the affine map", _d(layer.z[j], p), last)
    if paths <= _MAX_PATHS:
        zs = {lay.z[q]: net.affine(lay, q) for lay in net.layers[l - 1:] for q in range(lay.width)}
        # every path from p to the loss, one product each, with each z shown as the slides
        # do: α + hβ in the named h below it
        shown = Product(tuple(tuple(f.subs(zs) for f in (*t, last)) for t in chains[j]))
    else:
        # too many paths to read one by one: name the error at each neuron, δ = ∂c/∂z, and
        # pass it down a layer at a time, which is what back-propagation computes
        deltas = _delta_equations(net, l)
        for m in range(l, L + 1):
            lay = net.layers[m - 1]
            for q in [j] if m == l else range(lay.width):
                if q == j or q < _MAX_SHOWN:
                    add("back-propagated error δ = ∂c/∂z",
                        (unicode(lay.delta[q]), latex(lay.delta[q])), deltas[lay.delta[q]])
                definitions.append((lay.delta[q], deltas[lay.delta[q]]))
            if m > l:
                likewise("back-propagated error δ = ∂c/∂z", lay.width)
        shown = Product(((layer.delta[j], last),))
    add("chain rule", _d("c", p), shown)

    def forward_definitions():  # for .result: every h and z, from the output down
        for lay in reversed(net.layers):
            acts = net.activate(lay, lay.z)
            yield from ((lay.h[q], acts[q]) for q in range(lay.width))
            yield from ((lay.z[q], net.affine(lay, q)) for q in range(lay.width))

    return Derivation(p, loss, steps, shown, lambda: [*definitions, *forward_definitions()])


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


def model_derivation(model, p) -> Derivation:
    steps: list[Step] = []

    def add(rule, lhs, rhs):
        steps.append(Step(rule, lhs[0], rhs, lhs[1]))

    m = model.n_outputs
    suffix = [""] if m == 1 else [f"_{k}" for k in range(1, m + 1)]
    yhats = [Symbol(f"yhat{s}") for s in suffix]
    for yh, e in zip(yhats, model.expressions, strict=True):
        add("the model", (unicode(yh), latex(yh)), e)
    terms, definitions = [], []
    squared = model.loss_row.name == "squared_error"
    if squared:
        # the slides name the error: ε = y − ŷ, c = ε², so dc/dε = 2ε and dε/dθ = −dŷ/dθ
        eps = [Symbol(f"epsilon{s}") for s in suffix]
        for e, t, yh in zip(eps, model.targets, yhats, strict=True):
            add("the error", (unicode(e), latex(e)), t - yh)
        add("the loss", ("c", "c"), sympy.Add(*[e**2 for e in eps]))
        for e, t, f in zip(eps, model.targets, model.expressions, strict=True):
            add("derivative of the loss", _d("c", e), 2 * e)
            # y − (α + x), kept unevaluated as the slides write it
            error = sympy.Add(t, sympy.Mul(-1, f, evaluate=False), evaluate=False)
            inside = sympy.Derivative(error, p)
            add("derivative of the error", _d(e, p), Product(((inside,),)))
            local = sympy.diff(t - f, p)
            add("", _d(e, p), local)
            terms.append((2, e, local) if local != -1 else (-2, e))
            definitions.append((e, t - f))
    else:
        loss = sympy.Add(*[model.loss_row(yh, t) for yh, t in zip(yhats, model.targets,
                                                                   strict=True)])
        add("the loss", ("c", "c"), loss)
        for yh, t, f in zip(yhats, model.targets, model.expressions, strict=True):
            dphi = _loss_derivative(model.loss_row.term, yh, t)
            add("derivative of the loss", _d("c", yh), Product((dphi,)))
            local = sympy.diff(f, p)
            add("derivative of the model", _d(yh, p), local)
            terms.append((*dphi, local))
            definitions.append((yh, f))
    chain = Product(tuple(terms))
    simplified = sympy.factor_terms(chain.expr())
    add("chain rule", _d("c", p), chain)
    if simplified != chain.expr() or any(len(t) > 2 for t in terms):
        add("", _d("c", p), simplified)
    loss_expr = sympy.Add(*[e**2 for e in eps]) if squared else model.loss
    return Derivation(p, loss_expr, steps, chain, definitions, simplified)


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
        return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"
