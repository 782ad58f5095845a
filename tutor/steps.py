r"""How a derivation reads: a product of factors in chain-rule order, one step a line, and the
list of steps, printed as Unicode for the terminal and as LaTeX for notes.

>>> from tutor.notation import Symbol
>>> eps, x = Symbol("epsilon"), Symbol("x")
>>> print(Product(((-2, eps, x),)))
−2ε · x
>>> lhs, lhs_latex = partial("c", eps)
>>> step = Step("derivative of the loss", lhs, 2 * eps, lhs_latex)
>>> print(step)
∂c/∂ε = 2ε
>>> print(step.latex())
\frac{\partial c}{\partial \varepsilon} &= 2 \varepsilon
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import sympy

from .notation import latex, unicode

__all__ = ["Derivation", "Step", "Product"]


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


def partial(top, bottom) -> tuple[str, str]:
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
        head = f"{partial('c', self.parameter)[0]}, the gradient of the loss c = {unicode(self.loss)}"
        width = max(len(s.rule) for s in self.steps)
        lines = [head]
        for i, step in enumerate(self.steps, 1):
            lines.append(f"{i:>2}. {step.rule:<{width}}  {step}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Derivation of ∂c/∂{unicode(self.parameter)}: {self.chain}>"

    def latex(self) -> str:
        return aligned(s.latex() + (r" && \text{%s}" % s.rule if s.rule else "") for s in self.steps)


def aligned(rows) -> str:
    """LaTeX rows ``lhs &= rhs`` one under the other, aligned at the equals sign."""
    return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"
