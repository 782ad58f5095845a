"""Array code from SymPy expressions: the printer every kernel's source goes through.

SymPy's NumPy printer, writing ``xp.`` for the array namespace (NumPy, CuPy or any array-API
module), plus the names the generated code uses and the identifiers a model's own symbols get.

>>> import sympy
>>> x = sympy.Symbol("x")
>>> code(sympy.Max(0, x) + sympy.exp(-x), {x: "X_1"})
'xp.maximum(0, X_1) + xp.exp(-X_1)'
"""

from __future__ import annotations

import builtins
import itertools
import keyword
import math
import re

import numpy
import sympy
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.precedence import PRECEDENCE

__all__ = ["ArrayPrinter", "code", "identifier", "is_reserved", "numbered", "RESERVED", "exp_cap",
           "function"]


class ArrayPrinter(NumPyPrinter):
    """SymPy's NumPy printer, writing ``xp.`` and only functions every array-API namespace has
    (no ``select``, ``heaviside`` or ``amax``), so the same source runs on NumPy, CuPy and
    array_api_strict."""

    def __init__(self):
        super().__init__({"fully_qualified_modules": True, "allow_unknown_functions": False})

    def _print_Max(self, expr):
        args = [self._print(a) for a in expr.args]
        return _fold("xp.maximum", args)

    def _print_Min(self, expr):
        args = [self._print(a) for a in expr.args]
        return _fold("xp.minimum", args)

    def _print_Heaviside(self, expr):
        # 𝟙(x > 0) with its value H0 at x = 0: 0 as the ReLU′ of PyTorch, JAX and TensorFlow
        # (zero_slope_at_kinks), ½ as SymPy's default, or 1
        x, at_0 = self._print(expr.args[0]), expr.args[1]
        if at_0 == 0:
            return "xp.sign(xp.maximum(%s, 0))" % x
        if at_0 == 1:
            return "(1 - xp.sign(xp.maximum(-(%s), 0)))" % x
        if at_0 == sympy.S.Half:
            return "((xp.sign(%s) + 1)/2)" % x
        raise NotImplementedError(f"a step with value {at_0} at 0 cannot be compiled")

    def _print_Pow(self, expr, rational=False):
        if expr.exp == -1:  # 1/x, as it is written, not x**(-1.0)
            return "1/" + self.parenthesize(expr.base, PRECEDENCE["Mul"], strict=True)
        return super()._print_Pow(expr, rational=rational)

    def _print_Piecewise(self, expr):
        *pieces, last = expr.args
        if last.cond != sympy.true:
            raise NotImplementedError("a Piecewise needs an 'otherwise' branch to be compiled")
        text = self._print(last.expr)
        for piece in reversed(pieces):
            text = "xp.where(%s, %s, %s)" % (self._print(piece.cond), self._print(piece.expr), text)
        return text

    def doprint(self, expr, assign_to=None):
        return super().doprint(expr, assign_to).replace("numpy.", "xp.")


def _fold(function: str, args: list[str]) -> str:
    text = args[0]
    for arg in args[1:]:
        text = f"{function}({text}, {arg})"
    return text


_PRINTER = ArrayPrinter()


def code(expr: sympy.Expr, names: dict[sympy.Symbol, str]) -> str:
    """``expr`` as array code, with each symbol replaced by the variable named in ``names``."""
    plain = {s: sympy.Symbol(v) for s, v in names.items()}
    return _PRINTER.doprint(expr.xreplace(plain))



#: the names a kernel's code uses for itself: its arguments and locals, the globals it runs with
RESERVED = frozenset({
    "loss_and_gradient", "predict", "theta", "X", "Y", "n", "loss", "grad", "xp", "exp_cap",
    "overflowed", "ones", "u", "log_h", "log_1mh", "residual",
} | set(dir(builtins)))  # a builtin (abs, …) may be printed: a local of that name would hide it
#: …and the families it numbers: CSE's t0, t1, …, a network's alpha_1, h_2, delta_3, shared_1_0,
#: tmp_1
GENERATED = re.compile(r"(t|(tmp|shared|alpha|beta|z|h|delta|s|e|total|below|u)_)\d+(_\d+)*")


def is_reserved(name: str) -> bool:
    """Whether generated code uses ``name`` itself, so that a model's symbol must not have it."""
    return name in RESERVED or keyword.iskeyword(name) or GENERATED.fullmatch(name) is not None


def identifier(name: str, taken: set[str]) -> str:
    """A Python name for a model's symbol, not yet in ``taken`` (which it joins), and never
    one the generated code uses itself (:func:`is_reserved`): ``grad`` becomes ``p_grad``, as
    SymPy's lambdify dummifies, so a parameter named like a kernel's local cannot overwrite it."""
    base = re.sub(r"\W", "_", name).strip("_") or "p"
    if base[0].isdigit() or is_reserved(base):
        base = "p_" + base
    candidate = base
    for i in itertools.count(2):
        if candidate not in taken:
            break
        candidate = f"{base}_{i}"
    taken.add(candidate)
    return candidate


def numbered(prefix: str, taken: set[str]):
    """Symbols prefix0, prefix1, … for common subexpressions, skipping the names in ``taken``."""
    for i in itertools.count():
        if f"{prefix}{i}" not in taken:
            yield sympy.Symbol(f"{prefix}{i}")


def exp_cap(dtype: str) -> float:
    """The largest x of the dtype whose eˣ is finite in it: 709.78… in float64, 88.72… in
    float32. A logistic unit capped there is off only by e^−x, below the smallest normal number."""
    kind = numpy.dtype(dtype).type
    cap = kind(math.log(numpy.finfo(kind).max))
    with numpy.errstate(over="ignore"):
        while not numpy.isfinite(numpy.exp(cap)):
            cap = numpy.nextafter(cap, kind(0))
    return float(cap)



def function(name: str, args: str, body: list[str]) -> str:
    """A ``def`` with the body's lines indented."""
    return f"def {name}({args}):\n" + "\n".join("    " + line for line in body) + "\n"
