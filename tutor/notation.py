r"""The slides' notation, and printers that show it the way a learner reads it.

Names follow the slides with indices from 1: ``beta_1^(1,2)`` is the weight from input 2
into neuron 1 of layer 1, ``alpha_2^(1)`` the bias of neuron 1 of layer 2, ``x_2`` the second
input. SymPy's own printers turn such a name into ``beta_1__(1,2)``; ours give

>>> from tutor.notation import symbol, unicode, latex
>>> b = symbol("beta_1^(1,2)")
>>> unicode(b), latex(b)
('β₁^(1,2)', '\\beta_{1}^{(1,2)}')
>>> unicode(-2 * symbol("epsilon") * symbol("x_2"))
'−2ε·x₂'

``str()`` keeps the typed ASCII name (``beta_1^(1,2)``), so what prints can be typed back.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import sympy
from sympy.core.function import AppliedUndef
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.pretty.stringpict import prettyForm
from sympy.printing.str import StrPrinter

__all__ = ["Symbol", "symbol", "unicode", "latex", "split_name", "number"]

class Letter(NamedTuple):
    """A Greek letter of the slides: how it prints, and what may be typed for it."""

    char: str  # what unicode() prints, and what is typed
    latex: str  # what latex() prints
    variants: str = ""  # other characters typed for the same letter: ϵ for ε, ς for σ


GREEK = {  # the one table of Greek letters: name (what str() prints) → letter
    "alpha": Letter("α", r"\alpha"), "beta": Letter("β", r"\beta"), "gamma": Letter("γ", r"\gamma"),
    "delta": Letter("δ", r"\delta"), "epsilon": Letter("ε", r"\varepsilon", "ϵ"),
    "zeta": Letter("ζ", r"\zeta"), "eta": Letter("η", r"\eta"), "theta": Letter("θ", r"\theta", "ϑ"),
    "iota": Letter("ι", r"\iota"), "kappa": Letter("κ", r"\kappa"), "lambda": Letter("λ", r"\lambda"),
    "mu": Letter("μ", r"\mu", "µ"), "nu": Letter("ν", r"\nu"), "xi": Letter("ξ", r"\xi"),
    "omicron": Letter("ο", "o"), "pi": Letter("π", r"\pi"), "rho": Letter("ρ", r"\rho"),
    "sigma": Letter("σ", r"\sigma", "ς"), "tau": Letter("τ", r"\tau"),
    "upsilon": Letter("υ", r"\upsilon"), "phi": Letter("φ", r"\phi", "ϕ"), "chi": Letter("χ", r"\chi"),
    "psi": Letter("ψ", r"\psi"), "omega": Letter("ω", r"\omega"), "yhat": Letter("ŷ", r"\hat{y}"),
}
_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_NAME = re.compile(r"^(?P<base>[A-Za-z]+)(?:_(?P<sub>[A-Za-z0-9]+))?(?:\^(?P<sup>\(?[0-9,]+\)?))?$")


def number(value, digits: int = 6) -> str:
    """A number as a learner reads it: 2.6, not 2.6000000000000001; −6 with a real minus sign.

    The one number printer: the stepper, the command line and the printed formulas all use it.

    >>> number(2.6000000000000001), number(-6), number(0.0), number(1 / 3, 3), number(float("inf"))
    ('2.6', '−6', '0', '0.333', 'inf')
    """
    value = float(value)
    if value == 0:
        return "0"
    if value != value or value in (float("inf"), float("-inf")):
        return str(value).replace("-", "−")
    return f"{value:.{digits}g}".replace("-", "−")


def split_name(name: str) -> tuple[str, str, str]:
    """Split a slide-style name into (base, subscript, superscript).

    >>> split_name("beta_1^(1,2)")
    ('beta', '1', '(1,2)')
    >>> split_name("x_2")
    ('x', '2', '')
    """
    match = _NAME.match(name)
    if match is None:
        return name, "", ""
    return match["base"], match["sub"] or "", match["sup"] or ""


def _unicode_name(name: str) -> str:
    base, sub, sup = split_name(name)
    text = GREEK[base].char if base in GREEK else base
    if sub:
        text += sub.translate(_SUBSCRIPT) if sub.isdigit() else "_" + sub
    if sup:
        text += "^" + sup
    return text


def _latex_name(name: str) -> str:
    base, sub, sup = split_name(name)
    text = GREEK[base].latex if base in GREEK else base
    if sub:
        text += "_{%s}" % sub
    if sup:
        text += "^{%s}" % sup
    return text


class Symbol(sympy.Symbol):
    """A real SymPy symbol named in the slides' notation.

    It prints as β₁^(1,2) in ``sympy.pretty`` and as ``\\beta_{1}^{(1,2)}`` in ``sympy.latex``.
    """

    def __new__(cls, name: str, **assumptions):
        assumptions.setdefault("real", True)
        return super().__new__(cls, name, **assumptions)

    def _latex(self, printer) -> str:
        return _latex_name(self.name)

    def _pretty(self, printer) -> prettyForm:
        return prettyForm(_unicode_name(self.name))


def symbol(name: str) -> Symbol:
    """The symbol called ``name`` in the slides' notation (real-valued)."""
    return Symbol(name)


def _derivative_of_undefined(expr) -> tuple[str, sympy.Expr] | None:
    """F′(a) hides inside SymPy as Subs(Derivative(F(ξ), ξ), ξ, a): return (F, a)."""
    if isinstance(expr, sympy.Subs):
        inner, (var,), (point,) = expr.args[0], expr.variables, expr.point
    elif isinstance(expr, sympy.Derivative):
        inner, point = expr.expr, None
        var = expr.variables[0] if len(expr.variables) == 1 else None
    else:
        return None
    if not (isinstance(inner, sympy.Derivative) or isinstance(expr, sympy.Derivative)):
        return None
    derivative = inner if isinstance(inner, sympy.Derivative) else expr
    function = derivative.expr
    if (
        isinstance(function, AppliedUndef)
        and len(function.args) == 1
        and derivative.variables == (function.args[0],)
        and (var is None or var == function.args[0])
    ):
        return function.func.__name__, (function.args[0] if point is None else point)
    return None


class UnicodePrinter(StrPrinter):
    """One-line Unicode math: Greek letters, subscripts, ·, −, superscript powers, F′."""

    _default_settings = {**StrPrinter._default_settings, "values": None}

    def _print_Symbol(self, expr) -> str:
        values = self._settings.get("values") or {}
        if expr in values:  # a number shown in the symbol's place: −2·3, 0.1·(−6)
            text = number(values[expr])
            return f"({text})" if text.startswith("−") else text
        return _unicode_name(expr.name)

    _print_Dummy = _print_Symbol

    def _print_Float(self, expr) -> str:
        return f"{float(expr):.10g}"

    def _print_Mul(self, expr) -> str:
        coeff, rest = expr.as_coeff_Mul()
        if coeff.is_Number and coeff not in (1, -1) and rest.is_Mul is False and rest != 1:
            # a number in front of one factor: juxtapose, as in 2ε or −2(y − ŷ)
            inner = self.parenthesize(rest, PRECEDENCE["Mul"])
            if coeff.is_Integer:
                glue = "·" if inner[:1].isdigit() else ""  # −2·3, but −2ε
                return f"{self._print(coeff)}{glue}{inner}"
        text = super()._print_Mul(expr)
        text = text.replace("*", "·")
        return re.sub(r"^(-?\d+)·(?=[^\d])", r"\1", text)

    def _print_Pow(self, expr, rational=False) -> str:
        base, exp = expr.args
        if exp.is_Integer and 2 <= int(exp) <= 9:
            text = self.parenthesize(base, PRECEDENCE["Pow"], strict=True)
            if "^" in text and not text.startswith("("):
                text = f"({text})"  # (h₁^(2))², not h₁^(2)²
            return text + "⁰¹²³⁴⁵⁶⁷⁸⁹"[int(exp)]
        if exp == sympy.S.Half:
            return f"√({self._print(base)})"
        text = super()._print_Pow(expr, rational=rational)
        return text.replace("**", "^")

    def _print_Function(self, expr) -> str:
        if isinstance(expr, AppliedUndef):
            name = _unicode_name(expr.func.__name__)
            return f"{name}({', '.join(self._print(a) for a in expr.args)})"
        return super()._print_Function(expr)

    def _print_Derivative(self, expr) -> str:
        found = _derivative_of_undefined(expr)
        if found:
            return f"{_unicode_name(found[0])}′({self._print(found[1])})"
        wrt = "".join(f"∂{self._print(v)}" for v in expr.variables)
        return f"∂/{wrt}({self._print(expr.expr)})"

    def _print_Subs(self, expr) -> str:
        found = _derivative_of_undefined(expr)
        if found:
            return f"{_unicode_name(found[0])}′({self._print(found[1])})"
        return super()._print_Subs(expr)

    def _print_Max(self, expr) -> str:
        return f"max({', '.join(self._print(a) for a in expr.args)})"

    def _print_Min(self, expr) -> str:
        return f"min({', '.join(self._print(a) for a in expr.args)})"

    def _print_Heaviside(self, expr) -> str:
        return f"𝟙({self._print(expr.args[0])} > 0)"


class TutorLatexPrinter(LatexPrinter):
    """LaTeX with slide names for every symbol and F′(a) for derivatives of undefined F."""

    def _print_Heaviside(self, expr, exp=None) -> str:
        # 𝟙(x > 0), the indicator: SymPy's own θ(x) would read as the parameters θ
        text = r"\mathbb{1}\left(%s > 0\right)" % self._print(expr.args[0])
        return text if exp is None else r"%s^{%s}" % (text, exp)

    def _print_Symbol(self, expr, style="plain") -> str:
        return _latex_name(expr.name)

    def _print_Derivative(self, expr) -> str:
        found = _derivative_of_undefined(expr)
        if found:
            return r"%s'\left(%s\right)" % (_latex_name(found[0]), self._print(found[1]))
        return super()._print_Derivative(expr)

    def _print_Subs(self, expr) -> str:
        found = _derivative_of_undefined(expr)
        if found:
            return r"%s'\left(%s\right)" % (_latex_name(found[0]), self._print(found[1]))
        return super()._print_Subs(expr)

    def _print_Function(self, expr, exp=None) -> str:
        if isinstance(expr, AppliedUndef):
            args = ", ".join(self._print(a) for a in expr.args)
            text = r"%s\left(%s\right)" % (_latex_name(expr.func.__name__), args)
            return text if exp is None else r"%s^{%s}" % (text, exp)
        return super()._print_Function(expr, exp)


def _as_expr(expr) -> sympy.Basic:
    """Numbers and SymPy objects only: text never reaches SymPy's parser from here."""
    if isinstance(expr, sympy.Basic):
        return expr
    if isinstance(expr, bool) or not isinstance(expr, int | float):
        raise TypeError(f"expected a SymPy expression or a number, got {type(expr).__name__}")
    return sympy.Integer(expr) if isinstance(expr, int) else sympy.Float(expr)


def unicode(expr, values: dict | None = None) -> str:
    """Print ``expr`` on one line in Unicode, in the slides' notation.

    ``values`` maps symbols to numbers shown in their place, the expression kept as written:

    >>> a, x = symbol("alpha"), symbol("x")
    >>> unicode(a + x, values={a: 2, x: 1}), unicode(-2 * a, values={a: 3})
    ('2 + 1', '−2·3')
    """
    printer = UnicodePrinter({"order": "none", "values": values})
    return printer.doprint(_as_expr(expr)).replace("-", "−")


def latex(expr) -> str:
    """Print ``expr`` as LaTeX, in the slides' notation."""
    return TutorLatexPrinter({"order": "none"}).doprint(_as_expr(expr))
