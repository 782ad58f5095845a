r"""Formulas typed by users, read by a whitelist: text to SymPy, never by evaluating the text.

SymPy's text readers (sympify, parse_expr) hand the text to Python's eval: typed into them,
``__import__('os').getpid()`` runs and returns the process id, and ``9**9**9`` starts computing
a number with 370 million digits. So this package reads formulas itself, with a tokenizer and a
recursive-descent parser for the small grammar below; every operator and function is on a
whitelist, and length, nesting, exponents and numbers are bounded, so SymPy never does heavy work.

Its pieces: ``lexer`` (text to tokens, and what a stray character was meant to be), ``grammar``
(tokens to SymPy, one method a rule), ``bounds`` (the checks on every part SymPy builds),
``watchdog`` (SymPy's time limit) and ``errors`` (ParseError and its caret).

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
  letter, which becomes its English name (α is ``alpha``, and ŷ is ``yhat``: the table is
  :data:`tutor.notation.GREEK`, which the printers use too). Names become
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
- Formulas are real-valued: a number-valued part that is not a real number (``sqrt(-1)`` is
  I, ``log(-2)`` is log(2) + iπ, ``(-8)^(1/3)`` is 2·(-1)^(1/3)) is refused wherever SymPy
  makes one, also inside a formula in names (``sqrt(-x^2)`` is I*Abs(x)); formulas in names
  that are real for some values (``log(x)``, ``sqrt(-x)``, ``x^(1/3)``) are accepted.
- A result holds only these functions (and the caller's): SymPy writes powers and absolute
  values of complex numbers with atan2, cos and sin, and such formulas are refused. So what
  ``parse`` returns, printed with ``str()``, reads back as the same formula; only SymPy's
  constant E (``exp(1)``) needs ``symbols=`` to be read as a constant, and the symbol λ
  prints as the refused keyword ``lambda``.
- SymPy's automatic simplification can still explode on short formulas such as
  ``tanh(sqrt(tanh(sqrt(tanh(sqrt(tanh(sqrt(tanh(sqrt(x))))))))))`` (minutes), so it runs under
  a watchdog (``time_limit``, 1 s).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping

import sympy

from .. import losses
from . import watchdog
from .errors import ParseError
from .grammar import Parser

__all__ = ["parse", "parse_activation", "parse_loss", "ParseError"]


def _parse(text, *, symbols=None, functions=None, max_length=500, max_depth=40, max_exponent=64,
           time_limit=1.0):
    if not isinstance(text, str):
        raise TypeError(f"a formula is text, not {type(text).__name__}")
    if len(text) > max_length:
        raise ParseError(f"the formula is {len(text)} characters long; at most {max_length} are "
                         "allowed", text, max_length, len(text) - max_length)
    if not text.strip(" \t"):
        raise ParseError("the formula is empty: type one such as alpha + beta*x", text)
    parser, hook = Parser(text, symbols, functions, max_depth, max_exponent), watchdog.hook(time_limit)
    try:
        if hook:
            sys.setprofile(hook)
        try:
            return parser.formula(), parser.names
        finally:  # in this frame, before any handler below runs: no Python call in between
            if hook:
                sys.setprofile(None)
    except ParseError:
        raise
    except RecursionError:  # a max_depth beyond what Python's stack holds
        last = parser.prev or parser.tok
        raise ParseError("the formula nests too deeply for Python's call stack: nest fewer "
                         "parentheses, function calls, signs and powers", text, last.pos,
                         last.end - last.pos) from None
    except watchdog.OutOfTime:
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
