r"""Formulas typed by users, read by a whitelist: text to SymPy, never by evaluating the text.

SymPy's text readers (sympify, parse_expr) hand the text to Python's eval: typed into them,
``__import__('os').getpid()`` runs and returns the process id, and ``9**9**9`` starts computing
a number with 370 million digits. So this module reads formulas itself, with a tokenizer and a
recursive-descent parser for the small grammar below; every operator and function is on a
whitelist, and length, nesting, exponents and numbers are bounded, so SymPy never does heavy work.

>>> from tutor.parser import parse, ParseError
>>> parse("alpha + beta*x")
alpha + beta*x
>>> parse("1/(1 + exp(-z))")
1/(1 + exp(-z))
>>> parse("(y − ŷ)^2")
(y - yhat)**2
>>> parse("beta_1^(1,2)*x_2 + relu(z)")
beta_1^(1,2)*x_2 + Max(0, z)
>>> try:
...     parse("9**9**9")
... except ParseError as err:
...     print(err)
exponents must be numbers between -64 and 64; this one is 387420489
  9**9**9
     ^^^^

The grammar (whitespace between tokens is ignored)::

    formula = sum
    sum     = product { ("+" | "-") product }
    product = signed { ("*" | "/") signed }        no implicit products: 2x is an error
    signed  = ("+" | "-") signed | power
    power   = atom [ ("^" | "**") signed ]         right-associative; -x^2 is -(x^2)
    atom    = number | name | function "(" sum { "," sum } ")" | "(" sum ")"
    number  = (digits ["." [digits]] | "." digits) [("e" | "E") ["+" | "-"] digits]
    name    = letter { letter | digit | "_" } [ "^(" digits { "," digits } ")" ]

- Operators may also be typed as − × · ÷. A letter is a-z, A-Z, ``_`` or a lowercase Greek
  letter, which becomes its English name (α is ``alpha``, and ŷ is ``yhat``). Names become
  real symbols (:class:`tutor.notation.Symbol`); names starting with ``_`` or holding ``__`` and
  Python keywords are refused (type λ for the Greek letter lambda).
- The slides' names: after ``_digits`` a superscript ``^(1,2)`` belongs to the name, so
  ``beta_1^(1,2)`` is one symbol. A power of such a name needs parentheses: ``(x_1)^2``;
  ``x^(2)``, with no ``_digits`` before it, is a power.
- Numbers: integers become ``sympy.Integer``; anything with a ``.`` or an exponent becomes
  ``sympy.Float`` with the digits typed and at least double precision (what a user expects
  numerically; write 1/10 for the exact fraction). Decimals have at most 30 significant digits,
  and every number lies between 1e-300 and 1e300 in size, so the integers and fractions a
  formula computes (``9^64``) print as numbers that can be typed back.
- Exponents must be real numbers (``3``, ``-1/2``, ``0.5``, ``sqrt(2)``, ``1/exp(1)``: no
  names) with ``|e| <= max_exponent``, also once SymPy has multiplied or added them
  (``x^64*x^64`` is ``x**128``), and a power of a number may have at most 300 digits, so
  ``9**9**9`` and ``2**10000`` are refused before anything is computed. A root of a number
  must be coarse: SymPy works out ``65848^(-1/265847707)`` with integers of
  hundreds of millions of digits, in C, where no watchdog can stop it, so the degree of the
  root times the digits of the number is bounded (``MAX_ROOT``), and so are the numbers that
  SymPy writes while it works roots out (``12^(-3/1021)`` holds a number of 791 digits).
- Functions: exp, log (= ln, one argument), sqrt, abs, tanh, max, min (Max, Min and Abs as
  SymPy prints them) and the activation table's names and aliases of more than one letter;
  ``sigmoid(t)`` is the logistic row with its ``z`` replaced by ``t``. ``max``/``min`` of
  numbers are evaluated, of anything else kept as written (SymPy's simplification of Max
  compares every pair of arguments and can take seconds).
- A result holds only these functions (and the caller's): SymPy writes powers and absolute
  values of complex numbers with atan2, cos and sin, and such formulas are refused. So what
  ``parse`` returns, printed with ``str()``, reads back as the same formula; only SymPy's
  constants E, I and pi need ``symbols=`` to be read as constants, and the symbol λ prints
  as the refused keyword ``lambda``.
- SymPy's automatic simplification can still explode on short formulas such as
  ``tanh(sqrt(tanh(sqrt(tanh(sqrt(tanh(sqrt(tanh(sqrt(x))))))))))`` (minutes), so it runs under
  a watchdog (``time_limit``, 1 s).
"""

from __future__ import annotations

import inspect
import keyword
import math
import os
import re
import sys
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from fractions import Fraction
from itertools import chain, islice
from typing import NamedTuple

import mpmath
import sympy

from . import activations, losses
from .notation import Symbol

__all__ = ["parse", "parse_activation", "parse_loss", "ParseError"]

MAX_TOKENS = 400  # numbers, names, operators and parentheses in one formula
MAX_NUMBER_DIGITS = 30  # significant digits in one typed decimal (1.5, 2e-3)
MAX_DIGITS = 300  # in any number the formula computes (10^300, or 10^-300 for floats)
MAX_NAME = 40  # characters in a name
MAX_NODES = 5000  # SymPy tree nodes a function call may produce (nested logistics double)
MAX_EXP = MAX_DIGITS * math.log(10)  # exp of a number beyond ±691 has more than MAX_DIGITS
MAX_ROOT = 10**4  # (digits + 1) times the degree of a root of a number that SymPy works out

GREEK = dict(zip(
    "αβγδεζηθικλμνξοπρσςτυφχψωϵϑϕµŷ",
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho "
    "sigma sigma tau upsilon phi chi psi omega epsilon theta phi mu yhat".split(), strict=True))
_OPERATORS = {"+": "+", "-": "-", "−": "-", "*": "*", "×": "*", "·": "*", "⋅": "*", "/": "/",
              "÷": "/", "^": "^", "(": "(", ")": ")", ",": ","}
_NUMBER = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_SUPERSCRIPT = re.compile(r"\^\( *[0-9]+(?: *, *[0-9]+)* *\)")
_HINTS = {  # what to say about characters that people do type
    **dict.fromkeys("'\"", "text in quotes is not a formula"),
    **dict.fromkeys("[]{}", "only round parentheses ( ) group"),
    **dict.fromkeys("\n\r", "a formula is one line"),
    ".": "a '.' may only stand inside a number such as 0.5 (x.y is not a formula)",
    "=": "write the right-hand side only: alpha + beta*x, not yhat = alpha + beta*x",
    "!": "factorials are not supported", ";": "write one formula at a time",
    "\u0302": "a circumflex may only stand on y, as in ŷ",
}
# letters of other alphabets that look like Latin ones (fullwidth and mathematical letters
# normalize to Latin ones, and are told apart by unicodedata)
_LOOKALIKES = dict(zip("аеорсухіјѕԁԛԝһӏАВЕКМНОРСТХІЈЅΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
                       "aeopcyxijsdqwhlABEKMHOPCTXIJSABEZHIKMNOPTYX", strict=True))
_UNDEFINED = (sympy.zoo, sympy.nan, sympy.oo, -sympy.oo)
# the functions a result may contain: what can be typed back (Max prints as Max, and so on)
_VOCABULARY = frozenset({sympy.exp, sympy.log, sympy.Abs, sympy.tanh, sympy.Max, sympy.Min})


class ParseError(ValueError):
    """A formula that is refused: ``message`` says why and what would be accepted.

    ``position`` is the 0-based index of the offending character (None when no one character is
    to blame) and ``width`` how many characters the caret line underlines.
    """

    def __init__(self, message: str, text: str, position: int | None = None, width: int = 1):
        super().__init__(message)
        self.message, self.text, self.position, self.width = message, text, position, width

    def __reduce__(self):
        return type(self), (self.message, self.text, self.position, self.width)

    def __str__(self) -> str:
        shown = "".join(c if c.isprintable() or c == "\t" else "?" for c in self.text)
        if self.position is None:
            return f"{self.message}\n  {shown}"
        start = max(0, min(self.position - 30, len(shown) - 72))
        line = ("…" if start else "") + shown[start:start + 72] + ("…" if start + 72 < len(shown) else "")
        offset = self.position - start + (1 if start else 0)
        pad = "".join("\t" if c == "\t" else " " for c in line[:offset])
        return f"{self.message}\n  {line}\n  {pad}{'^' * max(1, min(self.width, len(line) - offset))}"


class _Token(NamedTuple):
    kind: str  # "number", "name", "end", or the character: + - * / ^ ( ) , (** is ^)
    value: str  # the number as typed, the name spelled out
    pos: int
    end: int


def _digits(number: sympy.Number) -> float:
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


def _abs(number: sympy.Expr) -> float:
    """|number| for a number-valued expression: exactly for numbers, from 15 digits for the rest."""
    return abs(number) if number.is_Number else _size(number)


def _short(number: sympy.Number) -> str:
    return str(number) if number.is_Rational and len(str(number)) <= 20 else f"{float(number):.6g}"


def _magnitude(expr: sympy.Expr) -> float:
    """Digits of the numbers that raising ``expr`` to a power multiplies out (Mul/Pow spine)."""
    if expr.is_Number:
        return _digits(expr)
    if expr.is_Mul:
        return sum(_magnitude(arg) for arg in expr.args)
    if expr.is_Pow and expr.exp.is_Number:
        return _magnitude(expr.base) * abs(float(expr.exp))
    return 0.0


def _exponent_bounded(arg: sympy.Expr) -> bool:
    """Whether exp(arg) keeps its numbers within 300 digits: no number term beyond ±691."""
    return all(_size(term) <= MAX_EXP for term in sympy.Add.make_args(arg) if term.is_number)


def _roots(expr: sympy.Expr, power: Fraction | int = 1) -> list[tuple[sympy.Rational, Fraction]]:
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


def _heads(expr: sympy.Basic) -> set:
    """The functions (exp, Max, an undefined F, …) that appear in ``expr``."""
    return {node.func for node in sympy.preorder_traversal(expr) if node.is_Function}


def _max_min(cls):
    def build(*args):
        return cls(*args) if all(a.is_Number for a in args) else cls(*args, evaluate=False)
    return build


class _Function(NamedTuple):
    apply: Callable
    low: int  # fewest arguments
    high: int | None  # most arguments (None: any number)
    exponential: bool = False  # exp inside: SymPy turns exp(k*log(a)) into the integer a**k


_BUILTINS = {
    "exp": _Function(sympy.exp, 1, 1, True), "log": _Function(sympy.log, 1, 1),
    "ln": _Function(sympy.log, 1, 1), "sqrt": _Function(sympy.sqrt, 1, 1),
    "abs": _Function(sympy.Abs, 1, 1), "tanh": _Function(sympy.tanh, 1, 1),
    "max": _Function(_max_min(sympy.Max), 2, None), "min": _Function(_max_min(sympy.Min), 2, None),
    "Max": _Function(_max_min(sympy.Max), 2, None), "Min": _Function(_max_min(sympy.Min), 2, None),
    "Abs": _Function(sympy.Abs, 1, 1),
}


def _function_table(extra: Mapping[str, Callable] | None) -> dict[str, _Function]:
    table = dict(_BUILTINS)
    for row in activations.ACTIVATIONS:  # read now: rows may be added after import
        for key in (row.name, *row.aliases):
            if len(key) > 1 and key not in table:
                table[key] = _Function(lambda arg, row=row: row.expr.xreplace({activations.z: arg}),
                                       1, 1, row.expr.has(sympy.exp))
    for key, fn in (extra or {}).items():
        table[key] = _Function(fn, 0, None)
    return table


class _Parser:
    def __init__(self, text, symbols, functions, max_depth, max_exponent):
        self.text, self.symbols = text, dict(symbols or {})
        self.functions, self.extra = _function_table(functions), set(functions or {})
        self.vocabulary = set(_VOCABULARY).union(  # and whatever callers and the table bring
            *(_heads(row.expr) for row in activations.ACTIVATIONS),
            *(_heads(value) for value in self.symbols.values() if isinstance(value, sympy.Basic)))
        self.vetted: set[sympy.Basic] = set()  # parts already surveyed (functions, numbers)
        self.accepted = ("a formula may contain only numbers, names, + - * / ^ **, parentheses "
                         "and the functions " + ", ".join(self.functions))
        self.max_depth, self.max_exponent, self.depth, self.open = max_depth, max_exponent, 0, 0
        self.names: dict[str, _Token] = {}  # each name's first appearance
        self.tokens, self.prev = self._scan(), None
        self.tok = next(self.tokens)

    def fail(self, message: str, start: int | None, end: int | None = None):
        width = 1 if start is None or end is None else max(1, end - start)
        raise ParseError(message, self.text, start, width)

    def typed(self, token: _Token) -> str:
        return self.text[token.pos:token.end]

    # -- tokens -------------------------------------------------------------------------------
    def _scan(self):
        text, i, count = self.text, 0, 0
        while True:
            while i < len(text) and text[i] in " \t":
                i += 1
            if i == len(text):
                while True:
                    yield _Token("end", "", i, i)
            count += 1
            if count > MAX_TOKENS:
                self.fail(f"the formula has more than {MAX_TOKENS} tokens (numbers, names, "
                          "operators, parentheses); split it into smaller formulas", i)
            ch, nxt = text[i], text[i + 1:i + 2]
            if "0" <= ch <= "9" or (ch == "." and "0" <= nxt <= "9"):
                token = self._number(i)
            elif (ch.isascii() and (ch.isalpha() or ch == "_")) or ch in GREEK:
                token = self._name(i)
            elif text.startswith("**", i):
                token = _Token("^", "", i, i + 2)
            elif ch in _OPERATORS:
                token = _Token(_OPERATORS[ch], "", i, i + 1)
            else:
                plain = _LOOKALIKES.get(ch) or unicodedata.normalize("NFKC", ch)
                category = unicodedata.category(ch)
                hint = _HINTS.get(ch) or (
                    "write powers with ^, as in x^2" if ch in "⁰¹²³⁴⁵⁶⁷⁸⁹" else
                    "write indices with _, as in x_1" if "₀" <= ch <= "₉" else
                    "only plain spaces may separate tokens" if ch.isspace() else
                    f"it looks like {plain!r} but is another character: type {plain} instead"
                    if plain != ch and plain.isascii() and plain.isprintable() and plain != "'" else
                    "it is an invisible formatting character (pasted text often carries them); "
                    "delete it" if category == "Cf" else
                    "it is a control character; delete it" if category == "Cc" else
                    "it looks like a letter, but names use only a-z, A-Z, _ and lowercase "
                    "Greek letters" if ch.isalpha() else
                    "write numbers with the digits 0-9" if ch.isnumeric() else "")
                name = unicodedata.name(ch, "")
                self.fail(f"{ch!r} (U+{ord(ch):04X}{' ' + name if name else ''}) is not allowed"
                          f"{': ' + hint if hint else ''}; {self.accepted}", i)
            yield token
            i = token.end

    def _number(self, i: int) -> _Token:
        match = _NUMBER.match(self.text, i)
        typed, end = match.group(), match.end()
        if self.text[end:end + 1] == ".":
            self.fail("a number has at most one decimal point, as in 0.25", end)
        mantissa = re.split("[eE]", typed)[0]
        written = sum(c.isdigit() for c in typed)
        if written > MAX_DIGITS + 1:  # 10^300 has 301; Python refuses to read 4300 at once
            self.fail(f"numbers must lie between 1e-{MAX_DIGITS} and 1e{MAX_DIGITS} in size; "
                      f"this one is written with {written} digits", i, end)
        if mantissa != typed or "." in typed:
            significant = len(mantissa.replace(".", "").lstrip("0"))
            if significant > MAX_NUMBER_DIGITS:
                self.fail(f"a number with a decimal point or an exponent has at most "
                          f"{MAX_NUMBER_DIGITS} significant digits, this one {significant} "
                          "(floating point keeps about 16)", i, end)
        rough = float(typed)  # Python's float reads any exponent at once; SymPy's would expand it
        if math.isinf(rough) or (rough == 0 and re.search("[1-9]", re.split("[eE]", typed)[0])) \
                or _digits(self._value(typed)) > MAX_DIGITS:
            self.fail(f"numbers must lie between 1e-{MAX_DIGITS} and 1e{MAX_DIGITS} in size "
                      "(floating point ends at about 1e308)", i, end)
        return _Token("number", typed, i, end)

    @staticmethod
    def _value(typed: str) -> sympy.Number:
        mantissa = re.split("[eE]", typed)[0]
        if mantissa == typed and "." not in typed:
            return sympy.Integer(typed)
        # the digits typed, at least double precision: SymPy would read 1e300 with 301 digits
        return sympy.Float(typed, max(15, len(mantissa.replace(".", "").lstrip("0"))))

    def _name(self, i: int) -> _Token:
        text, j, parts = self.text, i, []
        while j < len(text):
            c = text[j]
            if c.isascii() and (c.isalnum() or c == "_"):
                parts.append(c)
            elif c in GREEK:
                parts.append(GREEK[c])
            elif c == "\u0302" and parts and parts[-1] == "y":  # y + combining circumflex
                parts[-1] = "yhat"
            else:
                break
            j += 1
        name = "".join(parts)
        superscript = _SUPERSCRIPT.match(text, j) if re.search(r"_[0-9]+$", name) else None
        if superscript:
            name, j = name + superscript.group().replace(" ", ""), superscript.end()
        typed = text[i:j]
        if name.startswith("_") or "__" in name:
            self.fail(f"{typed!r}: names may not start with an underscore or contain a double "
                      "underscore; names look like x, beta_1 or alpha_2^(1)", i, j)
        if typed.isascii() and keyword.iskeyword(name):
            greek = " (for the Greek letter, type λ)" if name == "lambda" else ""
            self.fail(f"{typed!r} is a Python keyword, and Python keywords are not formulas"
                      f"{greek}; {self.accepted}", i, j)
        if len(name) > MAX_NAME:
            self.fail(f"names have at most {MAX_NAME} characters; this one has {len(name)}", i, j)
        return _Token("name", name, i, j)

    # -- grammar ------------------------------------------------------------------------------
    def advance(self) -> None:
        self.prev, self.tok = self.tok, next(self.tokens)

    def enter(self, token: _Token) -> None:
        self.depth += 1
        if self.depth > self.max_depth:
            self.fail(f"the formula nests more than {self.max_depth} levels deep (parentheses, "
                      f"function calls, signs and powers); at most {self.max_depth} are allowed",
                      token.pos, token.end)

    def formula(self) -> sympy.Expr:
        expr = self.sum()
        if self.tok.kind != "end":
            self.unexpected()
        return expr

    def sum(self) -> sympy.Expr:
        start, terms = self.tok.pos, [self.product()]
        while self.tok.kind in ("+", "-"):
            sign = self.tok.kind
            self.advance()
            term = self.product()
            terms.append(term if sign == "+" else -term)
        return terms[0] if len(terms) == 1 else self.checked(sympy.Add(*terms), start)

    def product(self) -> sympy.Expr:
        start, factors = self.tok.pos, [self.signed()]
        while self.tok.kind in ("*", "/"):
            op = self.tok.kind
            self.advance()
            factor = self.signed()
            if op == "/":
                self.roots_bounded(_roots(factor, -1), start)
            factors.append(factor if op == "*" else self.checked(factor**-1, start))
        if self.tok.kind in ("number", "name", "("):
            left, right = self.typed(self.prev), self.typed(self.tok)
            self.fail(f"missing operator between {left!r} and {right!r}: write {left}*{right} "
                      "(products need an explicit *)", self.tok.pos, self.tok.end)
        if len(factors) == 1:
            return factors[0]
        self.roots_bounded(chain.from_iterable(_roots(f) for f in factors), start)
        return self.checked(sympy.Mul(*factors), start)

    def signed(self) -> sympy.Expr:
        if self.tok.kind in ("+", "-"):
            sign = self.tok
            self.enter(sign)
            self.advance()
            operand = self.signed()
            self.depth -= 1
            return operand if sign.kind == "+" else self.checked(-operand, sign.pos)
        return self.power()

    def power(self) -> sympy.Expr:
        start, base = self.tok.pos, self.atom()
        if self.tok.kind != "^":
            return base
        self.enter(self.tok)
        self.advance()
        exp_start, exponent = self.tok.pos, self.signed()
        self.depth -= 1
        bound, typed = self.max_exponent, repr(self.text[exp_start:self.prev.end])
        if not exponent.is_number or not _is_real(exponent) or _abs(exponent) > bound:
            what = f"{typed} is not a number" if not exponent.is_number else \
                f"{typed} is not a real number" if not _is_real(exponent) else \
                f"this one is {_short(exponent)}"
            self.fail(f"exponents must be numbers between -{bound} and {bound}; {what}",
                      exp_start, self.prev.end)
        if _magnitude(base) * abs(float(exponent)) > MAX_DIGITS:
            self.fail(f"the number would have more than {MAX_DIGITS} digits; a power of a number "
                      f"may have at most {MAX_DIGITS}", start, self.prev.end)
        if exponent.is_Rational:
            self.roots_bounded(_roots(base, Fraction(int(exponent.p), int(exponent.q))), start)
        return self.checked(sympy.Pow(base, exponent), start)

    def atom(self) -> sympy.Expr:
        tok = self.tok
        if tok.kind == "number":
            self.advance()
            return self._value(tok.value)
        if tok.kind == "name":
            self.advance()
            if self.tok.kind == "(":
                return self.call(tok)
            self.names.setdefault(tok.value, tok)
            if tok.value in self.symbols:
                return self.symbols[tok.value]
            if tok.value in self.functions:
                self.fail(f"{tok.value!r} is a function: call it with parentheses, as in "
                          f"{tok.value}(z)", tok.pos, tok.end)
            return Symbol(tok.value)
        if tok.kind == "(":
            self.enter(tok)
            self.open += 1
            self.advance()
            if self.tok.kind == ")":
                self.fail("empty parentheses: put a formula inside, as in (x + 1)", tok.pos,
                          self.tok.end)
            inner = self.sum()
            self.close(tok)
            return inner
        self.unexpected()

    def call(self, name: _Token) -> sympy.Expr:
        if name.value not in self.functions:
            typed = self.typed(name)
            read = f" (read as {name.value!r})" if typed != name.value else ""
            self.fail(f"unknown function {typed!r}{read}: the functions are "
                      f"{', '.join(self.functions)} (to multiply, write {typed}*(...))",
                      name.pos, name.end)
        fn, low, high, exponential = self.functions[name.value]
        opening, args = self.tok, []
        self.enter(opening)
        self.open += 1
        self.advance()
        while self.tok.kind != ")" or args:
            args.append(self.sum())
            if self.tok.kind != ",":
                break
            self.advance()
        self.close(opening)
        if not low <= len(args) <= (high or len(args)):
            count = f"exactly {low}" if low == high else f"at least {low}"
            example = f"{name.value}(0, z)" if low == 2 else f"{name.value}(x)"
            base = "; for a logarithm to base b write log(x)/log(b)" if name.value in ("log", "ln") else ""
            self.fail(f"{name.value} takes {count} argument{'s' if low > 1 else ''}, got "
                      f"{len(args)}: write {example}{base}", name.pos, self.prev.end)
        if exponential and not _exponent_bounded(args[0]):
            self.fail(f"{name.value} of a number beyond ±{MAX_EXP:.0f} would have more than "
                      f"{MAX_DIGITS} digits", name.pos, self.prev.end)
        if exponential:
            self.roots_bounded(_logarithms(args[0]), name.pos)
        if fn is sympy.sqrt:
            self.roots_bounded(_roots(args[0], Fraction(1, 2)), name.pos)
        try:
            result = fn(*args)
        except (ArithmeticError, TypeError, ValueError) as err:
            complex_ = "; keep formulas real-valued (max and min compare real numbers only, and " \
                "roots of negative numbers are complex)" if "not comparable" in str(err) else ""
            self.fail(f"{name.value} could not be applied: {err}{complex_}", name.pos,
                      self.prev.end)
        if not isinstance(result, sympy.Expr):
            self.fail(f"{name.value} gave {type(result).__name__}, not a SymPy expression",
                      name.pos, self.prev.end)
        if name.value in self.extra:  # the caller's function may bring its own functions
            self.vocabulary |= _heads(result)
        if name.value not in _BUILTINS or fn is not _BUILTINS[name.value].apply:  # may copy args
            span = self.text[name.pos:self.prev.end]
            parts = list(islice(sympy.preorder_traversal(result), MAX_NODES + 1))
            if len(parts) > MAX_NODES:
                self.fail(f"{span!r} written out has more than {MAX_NODES} parts; nest fewer "
                          "activations", name.pos, self.prev.end)
            for power in (part for part in parts if part.is_Pow):  # e.g. a row's z^2 of x^64
                self.powers_bounded(power, span, name.pos)
        return self.checked(result, name.pos)

    def close(self, opening: _Token) -> None:
        if self.tok.kind == ")":
            self.advance()
            self.depth, self.open = self.depth - 1, self.open - 1
        elif self.tok.kind == "end":
            self.fail("unmatched '(': close it with ')'", opening.pos, opening.end)
        else:
            self.unexpected()

    def unexpected(self):
        tok, prev = self.tok, self.prev
        where = f"after {self.typed(prev)!r}" if prev else "at the start"
        if tok.kind == ")" and not self.open:
            self.fail(f"unmatched ')' {where}: every ')' closes an earlier '('", tok.pos, tok.end)
        if tok.kind == ",":
            self.fail("',' only separates the arguments of a function, as in max(0, z)",
                      tok.pos, tok.end)
        if tok.kind == "end":
            self.fail(f"the formula stops {where}: an operator needs a number, a name or '(' "
                      "after it, as in x + 1", prev.pos, prev.end)
        self.fail(f"expected a number, a name or '(' {where}, found {self.typed(tok)!r}",
                  tok.pos, tok.end)

    def powers_bounded(self, power: sympy.Pow, span: str, start: int) -> None:
        """Refuse a power whose exponent SymPy multiplied or added out of bounds: x^64*x^64."""
        bound = self.max_exponent
        if power.exp.is_number and _abs(power.exp) > bound:
            self.fail(f"{span!r} makes the power {power} (SymPy multiplies and adds exponents); "
                      f"exponents must be numbers between -{bound} and {bound}", start,
                      self.prev.end)

    def roots_bounded(self, roots: Iterable[tuple[sympy.Rational, Fraction]], start: int) -> None:
        """Refuse roots of numbers that SymPy would work out with gigantic integers.

        For n^(p/q) SymPy factors n and multiplies out its prime powers with exponents below q,
        in C, where no watchdog can stop it: 65848^(-1/265847707) would run for hours. So the
        degree q of each root (after SymPy adds the exponents of equal numbers, as in
        12^(1/5)*12^(1/7)) times the digits of the number is bounded by MAX_ROOT.
        """
        exponents: dict[sympy.Rational, Fraction] = {}
        for number, exponent in roots:
            exponents[number] = exponents.get(number, Fraction(0)) + exponent
        for number, exponent in exponents.items():
            if exponent.denominator > 1 and (_digits(number) + 1) * exponent.denominator > MAX_ROOT:
                degree = f"{exponent.denominator:,}" if exponent.denominator < 10**12 else \
                    f"about 10^{math.log10(exponent.denominator):.0f}"
                self.fail(f"{self.text[start:self.prev.end]!r} takes a root of degree {degree} of "
                          f"{_short(number)}, which SymPy would work out with enormous integers; "
                          "raise numbers only to simple fractions such as 1/2 or 2/3", start,
                          self.prev.end)

    def survey(self, value: sympy.Basic) -> tuple[set, float]:
        """The functions, and the most digits of a number, in the parts of ``value`` not looked
        at before (each part once)."""
        found, digits, stack = set(), 0.0, [value]
        while stack:
            node = stack.pop()
            if node not in self.vetted:
                self.vetted.add(node)
                if node.is_Function:
                    found.add(node.func)
                elif node.is_Rational or node.is_Float:
                    digits = max(digits, _digits(node))
                stack.extend(node.args)
        return found, digits

    def checked(self, value: sympy.Expr, start: int) -> sympy.Expr:
        """Refuse values that are undefined (1/0, log(0)) or numbers above 1e300.

        Every node passes here, so no number-valued part of a formula is ever astronomically
        large, and SymPy's numerical evaluation of such parts (for signs, in abs, max) stays cheap.
        """
        span = self.text[start:self.prev.end]
        if any(value == bad for bad in _UNDEFINED):
            self.fail(f"{span!r} is undefined (SymPy gives {value}): a formula may not divide by "
                      "zero or take log(0)", start, self.prev.end)
        functions, digits = self.survey(value)
        foreign = sorted({f.__name__ for f in functions - self.vocabulary})
        if foreign:  # Abs((-x)^(1/2)) is written with atan2, cos and sin
            self.fail(f"{span!r} makes SymPy write {', '.join(foreign)}, which a formula cannot "
                      "contain (SymPy does this for powers and absolute values of complex numbers, "
                      "such as square roots of negative numbers); keep formulas real-valued", start,
                      self.prev.end)
        terms = sympy.Add.make_args(value)
        for factor in (f for term in terms for f in sympy.Mul.make_args(term)):
            if factor.is_Pow:
                self.powers_bounded(factor, span, start)
            elif factor.func is sympy.exp and not _exponent_bounded(factor.args[0]):
                self.fail(f"{span!r} makes {factor} (SymPy multiplies and adds exponents); exp "
                          f"of a number beyond ±{MAX_EXP:.0f} would have more than {MAX_DIGITS} "
                          "digits", start, self.prev.end)
        coefficients = (term.as_coeff_Mul()[0] for term in terms)
        if any(_digits(c) > MAX_DIGITS for c in coefficients) or (  # 10^300*(x + 10^300)
                value.is_number and not value.is_Number and not _size(value) <= 10.0**MAX_DIGITS):
            self.fail(f"the number would have more than {MAX_DIGITS} digits; numbers must lie "
                      f"between 1e-{MAX_DIGITS} and 1e{MAX_DIGITS} in size", start, self.prev.end)
        if digits > MAX_DIGITS:  # 12^(-3/1021) is written with 2^1015*3^1018, 791 digits
            self.fail(f"the number would have more than {MAX_DIGITS} digits: SymPy writes "
                      f"{span!r} with a number of {digits:.0f} digits, working out a root of a "
                      f"number; numbers must lie between 1e-{MAX_DIGITS} and 1e{MAX_DIGITS} in "
                      "size", start, self.prev.end)
        return value


_RESUMABLE = inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR
_WATCHED = tuple(os.path.dirname(module.__file__) + os.sep for module in (sympy, mpmath, activations))


class _OutOfTime(BaseException):
    """Raised inside SymPy by the watchdog; a BaseException, so ``except Exception`` lets it by."""


def _watchdog(seconds: float | None):
    """A profile hook that stops the thread's Python code ``seconds`` from now (None: no hook).

    SymPy's automatic simplification asks questions (is this real? positive?) whose answers can
    take minutes for short formulas such as tanh(sqrt(...)) nested five deep around x. The hook
    checks the clock on each call; it is left out while a profiler is running. Python
    drops a hook that raises, so it raises only in plain function calls of SymPy, mpmath and
    tutor, never where the exception would be ignored: a generator being closed by the garbage
    collector, ``__del__``, or another library's callback that the garbage collector or a weak
    reference runs in between (hypothesis has one).
    """
    if seconds is None or sys.getprofile() is not None:
        return None
    end = time.perf_counter() + seconds

    def watchdog(frame, event, arg):
        code = frame.f_code
        if event == "call" and time.perf_counter() > end and not code.co_flags & _RESUMABLE \
                and code.co_name != "__del__" and code.co_filename.startswith(_WATCHED):
            raise _OutOfTime

    return watchdog


def _parse(text, *, symbols=None, functions=None, max_length=500, max_depth=40, max_exponent=64,
           time_limit=1.0):
    if not isinstance(text, str):
        raise TypeError(f"a formula is text, not {type(text).__name__}")
    if len(text) > max_length:
        raise ParseError(f"the formula is {len(text)} characters long; at most {max_length} are "
                         "allowed", text, max_length, len(text) - max_length)
    if not text.strip(" \t"):
        raise ParseError("the formula is empty: type one such as alpha + beta*x", text)
    parser, watchdog = _Parser(text, symbols, functions, max_depth, max_exponent), _watchdog(time_limit)
    try:
        if watchdog:
            sys.setprofile(watchdog)
        try:
            return parser.formula(), parser.names
        finally:  # in this frame, before any handler below runs: no Python call in between
            if watchdog:
                sys.setprofile(None)
    except ParseError:
        raise
    except RecursionError:  # a max_depth beyond what Python's stack holds
        last = parser.prev or parser.tok
        raise ParseError("the formula nests too deeply for Python's call stack: nest fewer "
                         "parentheses, function calls, signs and powers", text, last.pos,
                         last.end - last.pos) from None
    except _OutOfTime:
        last = parser.prev or parser.tok
        raise ParseError(f"SymPy needs more than {time_limit} s to build this formula (powers of "
                         "functions of roots make its checks explode); write a simpler one", text,
                         last.pos, last.end - last.pos) from None
    except (ArithmeticError, TypeError, ValueError, NotImplementedError) as err:  # SymPy's corners
        last = parser.prev or parser.tok
        raise ParseError(f"SymPy cannot build this formula ({type(err).__name__}: {err}); keep "
                         "formulas real-valued, e.g. no sqrt or log of negative numbers", text,
                         last.pos, last.end - last.pos) from err


def parse(text: str, *, symbols: Mapping[str, sympy.Expr] | None = None,
          functions: Mapping[str, Callable] | None = None, max_length: int = 500,
          max_depth: int = 40, max_exponent: int = 64, time_limit: float | None = 1.0) -> sympy.Expr:
    """The SymPy expression that ``text`` writes, or a :class:`ParseError` saying what is wrong.

    ``symbols`` maps names to the SymPy objects to use for them (default: a real
    :class:`tutor.notation.Symbol` per name). ``functions`` adds functions for callers: a
    name mapped to a callable taking SymPy arguments, e.g. ``{"F_1": sympy.Function("F_1")}``;
    it is called with however many arguments are typed and overrides a built-in of that name.
    ``max_length`` (characters), ``max_depth`` (nesting) and ``max_exponent`` bound the input;
    ``time_limit`` (seconds, None for none) bounds SymPy's work on it.

    >>> parse("2^3^2"), parse("-x^2")
    (512, -x**2)
    >>> parse("2x")
    Traceback (most recent call last):
    tutor.parser.ParseError: missing operator between '2' and 'x': write 2*x (products need an explicit *)
      2x
       ^
    """
    return _parse(text, symbols=symbols, functions=functions, max_length=max_length,
                  max_depth=max_depth, max_exponent=max_exponent, time_limit=time_limit)[0]


def _by_position(found, names) -> list:
    return sorted(found, key=lambda s: names[s.name].pos if s.name in names else -1)


def parse_activation(text: str) -> sympy.Lambda:
    """An activation typed as a formula in one variable (any name), as a SymPy ``Lambda``.

    >>> parse_activation("1/(1 + exp(-t))")
    Lambda(t, 1/(1 + exp(-t)))
    """
    expr, names = _parse(text)
    free = _by_position(expr.free_symbols, names)
    if len(free) != 1:
        found = "no variable" if not free else f"{len(free)} variables: " + ", ".join(
            s.name for s in free)
        second = names.get(free[1].name) if len(free) > 1 else None
        raise ParseError(f"an activation is a formula in one variable, such as 1/(1+exp(-z)); "
                         f"found {found}", text, second and second.pos,
                         second.end - second.pos if second else 1)
    return sympy.Lambda(free[0], expr)


def parse_loss(text: str) -> sympy.Expr:
    """A loss typed as a formula in ``y`` and ``yhat`` (or ŷ), with :mod:`tutor.losses`' symbols.

    >>> parse_loss("(y - ŷ)^2") == (losses.y - losses.yhat)**2
    True
    """
    expr, names = _parse(text, symbols={"y": losses.y, "yhat": losses.yhat})
    others = _by_position(expr.free_symbols - {losses.y, losses.yhat}, names)
    if others:
        token = names.get(others[0].name)
        raise ParseError(f"a loss is a formula in y and yhat, such as (y - yhat)^2; "
                         f"{others[0].name!r} is neither", text, token and token.pos,
                         token.end - token.pos if token else 1)
    if losses.yhat not in expr.free_symbols:
        raise ParseError("a loss is a formula in y and yhat, such as (y - yhat)^2; this one does "
                         "not use the prediction yhat", text)
    return expr
