"""Bounds that keep SymPy from heavy work: digits, roots, exponents and sizes of what it builds.

SymPy evaluates as it builds: ``9**9**9`` would start computing a number of 370 million digits,
``65848^(-1/265847707)`` works with integers of hundreds of millions of digits, in C, where no
watchdog can stop it. So every part of a formula is looked at before SymPy builds it (exponents,
roots) and after (undefined values, sizes of numbers, functions SymPy wrote in); and after, too,
every number-valued part must be a real number, as the kernels compute with real numbers.

>>> digits(sympy.Integer(10)**300), digits(sympy.Rational(1, 1000))
(300.0, 3.0)
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from fractions import Fraction
from itertools import islice

import mpmath
import sympy

from .errors import refuse

MAX_DIGITS = 300  # in any number the formula computes (10^300, or 10^-300 for floats)
MAX_NODES = 5000  # SymPy tree nodes a function call may produce (nested logistics double)
MAX_EXP = MAX_DIGITS * math.log(10)  # exp of a number beyond ±691 has more than MAX_DIGITS
MAX_ROOT = 10**4  # (digits + 1) times the degree of a root of a number that SymPy works out

UNDEFINED = (sympy.zoo, sympy.nan, sympy.oo, -sympy.oo)
_REAL_HINTS = {  # what to write instead, by the operation that made a number that is not real
    "sqrt": "a square root needs a number ≥ 0, such as sqrt(abs(…)); for minus a root write -sqrt(…)",
    "log": "a logarithm needs a number > 0, such as log(abs(…))",
    "^": "a fractional power needs a base ≥ 0, such as abs(…)^p; for the real cube root of -8 "
         "write -8^(1/3), which is -(8^(1/3))",
}
_REAL_HINTS["ln"] = _REAL_HINTS["log"]
# the functions a result may contain: what can be typed back (Max prints as Max, and so on)
VOCABULARY = frozenset({sympy.exp, sympy.log, sympy.Abs, sympy.tanh, sympy.Max, sympy.Min})


def digits(number: sympy.Number) -> float:
    """How many digits |number| (or 1/|number|) has: log10, for sizing powers before computing."""
    if number.is_zero:
        return 0.0
    if number.is_Rational:
        return max(math.log10(abs(number.p)), math.log10(number.q))
    return abs(float(mpmath.log10(abs(mpmath.mpf(number)))))


def _size(expr: sympy.Expr) -> float:
    """|expr| for a number-valued expression (inf when too big to say; 0 when not a number)."""
    try:
        return abs(complex(expr.evalf(15)))
    except ArithmeticError:  # e.g. 1/x**64 with x = log(tanh(10^30)), tiny but not 0
        return math.inf
    except (TypeError, ValueError):  # not a plain number after all (e.g. an undefined F(2))
        return 0.0


def _is_real(number: sympy.Expr) -> bool:
    """Whether a number-valued expression (16*exp(-3), sqrt(2), not sqrt(-1)) is a real number."""
    if number.is_Number:
        return number.is_finite is not False
    try:
        return complex(number.evalf(15)).imag == 0
    except (ArithmeticError, TypeError, ValueError):  # not a plain number after all
        return False


def _imaginary(number: sympy.Expr) -> bool:
    """Whether a number-valued part is a number that is not real: I, (-1)**(1/3), log(2) + I*pi."""
    try:
        return complex(number.evalf(15)).imag != 0
    except (ArithmeticError, TypeError, ValueError):  # not a plain number (an undefined F(2))
        return False


def _abs(number: sympy.Expr) -> float:
    """|number| for a number-valued expression: exactly for numbers, from 15 digits for the rest."""
    return abs(number) if number.is_Number else _size(number)


def _short(number: sympy.Number) -> str:
    return str(number) if number.is_Rational and len(str(number)) <= 20 else f"{float(number):.6g}"


def _magnitude(expr: sympy.Expr) -> float:
    """Digits of the numbers that raising ``expr`` to a power multiplies out (Mul/Pow spine)."""
    if expr.is_Number:
        return digits(expr)
    if expr.is_Mul:
        return sum(_magnitude(arg) for arg in expr.args)
    if expr.is_Pow and expr.exp.is_Number:
        return _magnitude(expr.base) * abs(float(expr.exp))
    return 0.0


def _exponent_bounded(arg: sympy.Expr) -> bool:
    """Whether exp(arg) keeps its numbers within 300 digits: no number term beyond ±691."""
    return all(_size(term) <= MAX_EXP for term in sympy.Add.make_args(arg) if term.is_number)


def roots(expr: sympy.Expr, power: Fraction | int = 1) -> list[tuple[sympy.Rational, Fraction]]:
    """The numbers, with their exponents, that SymPy raises to powers when expr is raised to one.

    12^(1/3)*x is [(12, 1/3)]; raised to -1 it is [(12, -1/3)].
    """
    found = []
    for factor in sympy.Mul.make_args(expr):
        base, exponent = factor.as_base_exp()
        if base.is_Rational and exponent.is_Rational and abs(base) != 1 and base != 0:
            found.append((base, Fraction(int(exponent.p), int(exponent.q)) * power))
    return found


def _logarithms(arg: sympy.Expr) -> list[tuple[sympy.Rational, Fraction]]:
    """The powers of numbers that exp(arg) makes of c*log(n): exp(-log(7)/5) is 7^(-1/5)."""
    found = []
    for term in sympy.Add.make_args(arg):
        c, rest = term.as_coeff_Mul()
        if isinstance(rest, sympy.log) and rest.args[0].is_Rational and c.is_Rational:
            found.append((rest.args[0], Fraction(int(c.p), int(c.q))))
    return found


def _shown(expr: sympy.Expr) -> str:
    """``expr`` as SymPy prints it, cut short where it is long."""
    text = str(expr)
    return text if len(text) <= 60 else text[:59] + "…"


def heads(expr: sympy.Basic) -> set:
    """The functions (exp, Max, an undefined F, …) that appear in ``expr``."""
    return {node.func for node in sympy.preorder_traversal(expr) if node.is_Function}


class Bounds:
    """The checks on one formula's parts; ``start`` and ``end`` say where a part is typed.

    ``vocabulary`` is the functions a result may contain; the parts already surveyed are
    remembered, so each is looked at once however often SymPy reuses it.
    """

    def __init__(self, text: str, max_exponent: int, vocabulary: set):
        self.text, self.max_exponent, self.vocabulary = text, max_exponent, vocabulary
        self.vetted: set[sympy.Basic] = set()  # parts already surveyed (functions, numbers)

    def power(self, base: sympy.Expr, exponent: sympy.Expr, start: int, exp_start: int,
              end: int) -> None:
        """Refuse base^exponent before SymPy computes it: the exponent must be a real number
        within ±max_exponent, and the number it makes must have at most MAX_DIGITS digits."""
        bound, typed = self.max_exponent, repr(self.text[exp_start:end])
        if not exponent.is_number or not _is_real(exponent) or _abs(exponent) > bound:
            what = f"{typed} is not a number" if not exponent.is_number else \
                f"{typed} is not a real number" if not _is_real(exponent) else \
                f"this one is {_short(exponent)}"
            refuse(f"exponents must be numbers between -{bound} and {bound}; {what}", self.text,
                   exp_start, end)
        if _magnitude(base) * abs(float(exponent)) > MAX_DIGITS:
            refuse(f"the number would have more than {MAX_DIGITS} digits; a power of a number "
                   f"may have at most {MAX_DIGITS}", self.text, start, end)
        if exponent.is_Rational:
            self.roots(roots(base, Fraction(int(exponent.p), int(exponent.q))), start, end)

    def arguments(self, name: str, argument: sympy.Expr, exponential: bool, root: bool,
                  start: int, end: int) -> None:
        """Refuse the argument of exp (or a function with exp inside) or sqrt before SymPy
        evaluates the call: no exp of a number beyond ±691, no roots too fine."""
        if exponential and not _exponent_bounded(argument):
            refuse(f"{name} of a number beyond ±{MAX_EXP:.0f} would have more than {MAX_DIGITS} "
                   "digits", self.text, start, end)
        if exponential:
            self.roots(_logarithms(argument), start, end)
        if root:
            self.roots(roots(argument, Fraction(1, 2)), start, end)

    def written_out(self, result: sympy.Expr, start: int, end: int) -> None:
        """Refuse a function's result (an activation's formula, a caller's function) that is
        too large, or whose powers SymPy multiplied out of bounds (a row's z^2 of x^64)."""
        span = self.text[start:end]
        parts = list(islice(sympy.preorder_traversal(result), MAX_NODES + 1))
        if len(parts) > MAX_NODES:
            refuse(f"{span!r} written out has more than {MAX_NODES} parts; nest fewer "
                   "activations", self.text, start, end)
        for power in (part for part in parts if part.is_Pow):
            self.powers(power, span, start, end)

    def powers(self, power: sympy.Pow, span: str, start: int, end: int) -> None:
        """Refuse a power whose exponent SymPy multiplied or added out of bounds: x^64*x^64."""
        bound = self.max_exponent
        if power.exp.is_number and _abs(power.exp) > bound:
            refuse(f"{span!r} makes the power {power} (SymPy multiplies and adds exponents); "
                   f"exponents must be numbers between -{bound} and {bound}", self.text, start, end)

    def roots(self, found: Iterable[tuple[sympy.Rational, Fraction]], start: int, end: int) -> None:
        """Refuse roots of numbers that SymPy would work out with gigantic integers.

        For n^(p/q) SymPy factors n and multiplies out its prime powers with exponents below q,
        in C, where no watchdog can stop it: 65848^(-1/265847707) would run for hours. So the
        degree q of each root (after SymPy adds the exponents of equal numbers, as in
        12^(1/5)*12^(1/7)) times the digits of the number is bounded by MAX_ROOT.
        """
        exponents: dict[sympy.Rational, Fraction] = {}
        for number, exponent in found:
            exponents[number] = exponents.get(number, Fraction(0)) + exponent
        for number, exponent in exponents.items():
            if exponent.denominator > 1 and (digits(number) + 1) * exponent.denominator > MAX_ROOT:
                degree = f"{exponent.denominator:,}" if exponent.denominator < 10**12 else \
                    f"about 10^{math.log10(exponent.denominator):.0f}"
                refuse(f"{self.text[start:end]!r} takes a root of degree {degree} of "
                       f"{_short(number)}, which SymPy would work out with enormous integers; "
                       "raise numbers only to simple fractions such as 1/2 or 2/3", self.text,
                       start, end)

    def survey(self, value: sympy.Basic) -> tuple[set, float, list]:
        """The functions, the most digits of a number, and the number-valued parts that may not
        be real (I, powers and logarithms of numbers), in the parts of ``value`` not looked at
        before (each part once, the outer ones first)."""
        found, most, doubtful, stack = set(), 0.0, [], [value]
        while stack:
            node = stack.pop()
            if node not in self.vetted:
                self.vetted.add(node)
                if node.is_Function:
                    found.add(node.func)
                elif node.is_Rational or node.is_Float:
                    most = max(most, digits(node))
                if node is sympy.I or ((node.is_Pow or isinstance(node, sympy.log)) and node.is_number):
                    doubtful.append(node)
                stack.extend(node.args)
        return found, most, doubtful

    def real(self, value: sympy.Expr, doubtful: list, start: int, end: int, operation: str) -> None:
        """Refuse a value with a number-valued part that is not real (sqrt(-1) is I): the
        kernels would compute complex numbers and keep their real parts."""
        span, hint = self.text[start:end], _REAL_HINTS.get(operation, "square roots, logarithms "
                                                          "and fractional powers need numbers ≥ 0")
        if value.is_number and _imaginary(value):
            refuse(f"{span!r} is not a real number: formulas are real-valued (SymPy makes it "
                   f"{_shown(value)}); {hint}", self.text, start, end)
        part = next((node for node in doubtful if _imaginary(node)), None)
        if part is not None:
            refuse(f"{span!r} makes SymPy write {_shown(value)}, and {part} is not a real "
                   f"number: formulas are real-valued; {hint}", self.text, start, end)

    def checked(self, value: sympy.Expr, start: int, end: int, operation: str = "") -> sympy.Expr:
        """Refuse values that are undefined (1/0, log(0)), numbers above 1e300 or not real.

        Every node passes here, so no number-valued part of a formula is ever astronomically
        large, and SymPy's numerical evaluation of such parts (for signs, in abs, max) stays cheap.
        """
        span, text = self.text[start:end], self.text
        if any(value == bad for bad in UNDEFINED):
            refuse(f"{span!r} is undefined (SymPy gives {value}): a formula may not divide by "
                   "zero or take log(0)", text, start, end)
        functions, most, doubtful = self.survey(value)
        foreign = sorted({f.__name__ for f in functions - self.vocabulary})
        if foreign:  # Abs((-x)^(1/2)) is written with atan2, cos and sin
            refuse(f"{span!r} makes SymPy write {', '.join(foreign)}, which a formula cannot "
                   "contain (SymPy does this for powers and absolute values of complex numbers, "
                   "such as square roots of negative numbers); keep formulas real-valued", text,
                   start, end)
        terms = sympy.Add.make_args(value)
        for factor in (f for term in terms for f in sympy.Mul.make_args(term)):
            if factor.is_Pow:
                self.powers(factor, span, start, end)
            elif factor.func is sympy.exp and not _exponent_bounded(factor.args[0]):
                refuse(f"{span!r} makes {factor} (SymPy multiplies and adds exponents); exp of a "
                       f"number beyond ±{MAX_EXP:.0f} would have more than {MAX_DIGITS} digits",
                       text, start, end)
        coefficients = (term.as_coeff_Mul()[0] for term in terms)
        if any(digits(c) > MAX_DIGITS for c in coefficients) or (  # 10^300*(x + 10^300)
                value.is_number and not value.is_Number and not _size(value) <= 10.0**MAX_DIGITS):
            refuse(f"the number would have more than {MAX_DIGITS} digits; numbers must lie "
                   f"between 1e-{MAX_DIGITS} and 1e{MAX_DIGITS} in size", text, start, end)
        if most > MAX_DIGITS:  # 12^(-3/1021) is written with 2^1015*3^1018, 791 digits
            refuse(f"the number would have more than {MAX_DIGITS} digits: SymPy writes "
                   f"{span!r} with a number of {most:.0f} digits, working out a root of a "
                   f"number; numbers must lie between 1e-{MAX_DIGITS} and 1e{MAX_DIGITS} in "
                   "size", text, start, end)
        self.real(value, doubtful, start, end, operation)
        return value
