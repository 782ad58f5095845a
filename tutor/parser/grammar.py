"""The recursive-descent parser: one method a rule of the grammar, building SymPy as it reads.

Every part it builds passes :meth:`Bounds.checked <tutor.parser.bounds.Bounds.checked>`, and
powers and function calls are looked at before SymPy evaluates them.

>>> Parser("2*x^2", None, None, max_depth=40, max_exponent=64).formula()
2*x**2
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from itertools import chain
from typing import NamedTuple, NoReturn

import sympy

from .. import activations
from ..notation import Symbol
from .bounds import VOCABULARY, Bounds, heads, roots
from .errors import refuse
from .lexer import Token, number_value, tokens


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


class Parser:
    """Reads one formula: ``formula()`` is its SymPy expression, ``names`` where each name is."""

    def __init__(self, text, symbols, functions, max_depth, max_exponent):
        self.text, self.symbols = text, dict(symbols or {})
        self.functions, self.extra = _function_table(functions), set(functions or {})
        self.bounds = Bounds(text, max_exponent, set(VOCABULARY).union(  # and what callers bring
            *(heads(row.expr) for row in activations.ACTIVATIONS),
            *(heads(value) for value in self.symbols.values() if isinstance(value, sympy.Basic))))
        accepted = ("a formula may contain only numbers, names, + - * / ^ **, parentheses and "
                    "the functions " + ", ".join(self.functions))
        self.max_depth, self.depth, self.open = max_depth, 0, 0
        self.names: dict[str, Token] = {}  # each name's first appearance
        self.tokens, self.prev = tokens(text, accepted), None
        self.tok = next(self.tokens)

    def fail(self, message: str, start: int | None, end: int | None = None) -> NoReturn:
        refuse(message, self.text, start, end)

    def typed(self, token: Token) -> str:
        return self.text[token.pos:token.end]

    def checked(self, value: sympy.Expr, start: int, operation: str = "") -> sympy.Expr:
        """``value``, built from the text from ``start`` to here (by ``operation``: "^", "sqrt",
        …), once the bounds allow it."""
        return self.bounds.checked(value, start, self.prev.end, operation)

    def advance(self) -> None:
        self.prev, self.tok = self.tok, next(self.tokens)

    def enter(self, token: Token) -> None:
        self.depth += 1
        if self.depth > self.max_depth:
            self.fail(f"the formula nests more than {self.max_depth} levels deep (parentheses, "
                      f"function calls, signs and powers); at most {self.max_depth} are allowed",
                      token.pos, token.end)

    # formula = sum
    def formula(self) -> sympy.Expr:
        expr = self.sum()
        if self.tok.kind != "end":
            self.unexpected()
        return expr

    # sum = product { ("+" | "-") product }
    def sum(self) -> sympy.Expr:
        start, terms = self.tok.pos, [self.product()]
        while self.tok.kind in ("+", "-"):
            sign = self.tok.kind
            self.advance()
            term = self.product()
            terms.append(term if sign == "+" else -term)
        return terms[0] if len(terms) == 1 else self.checked(sympy.Add(*terms), start)

    # product = signed { ("*" | "/") signed }
    def product(self) -> sympy.Expr:
        start, factors = self.tok.pos, [self.signed()]
        while self.tok.kind in ("*", "/"):
            op = self.tok.kind
            self.advance()
            factor = self.signed()
            if op == "/":
                self.bounds.roots(roots(factor, -1), start, self.prev.end)
            factors.append(factor if op == "*" else self.checked(factor**-1, start))
        if self.tok.kind in ("number", "name", "("):
            left, right = self.typed(self.prev), self.typed(self.tok)
            self.fail(f"missing operator between {left!r} and {right!r}: write {left}*{right} "
                      "(products need an explicit *)", self.tok.pos, self.tok.end)
        if len(factors) == 1:
            return factors[0]
        self.bounds.roots(chain.from_iterable(roots(f) for f in factors), start, self.prev.end)
        return self.checked(sympy.Mul(*factors), start)

    # signed = ("+" | "-") signed | power
    def signed(self) -> sympy.Expr:
        if self.tok.kind in ("+", "-"):
            sign = self.tok
            self.enter(sign)
            self.advance()
            operand = self.signed()
            self.depth -= 1
            return operand if sign.kind == "+" else self.checked(-operand, sign.pos)
        return self.power()

    # power = atom [ ("^" | "**") signed ]
    def power(self) -> sympy.Expr:
        start, base = self.tok.pos, self.atom()
        if self.tok.kind != "^":
            return base
        self.enter(self.tok)
        self.advance()
        exp_start, exponent = self.tok.pos, self.signed()
        self.depth -= 1
        self.bounds.power(base, exponent, start, exp_start, self.prev.end)
        return self.checked(sympy.Pow(base, exponent), start, "^")

    # atom = number | name | function "(" sum { "," sum } ")" | "(" sum ")"
    def atom(self) -> sympy.Expr:
        tok = self.tok
        if tok.kind == "number":
            self.advance()
            return number_value(tok.value)
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

    def call(self, name: Token) -> sympy.Expr:
        if name.value not in self.functions:
            typed = self.typed(name)
            read = f" (read as {name.value!r})" if typed != name.value else ""
            self.fail(f"unknown function {typed!r}{read}: the functions are "
                      f"{', '.join(self.functions)} (to multiply, write {typed}*(...))",
                      name.pos, name.end)
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
        return self.apply(name, args)

    def apply(self, name: Token, args: list[sympy.Expr]) -> sympy.Expr:
        """The function ``name`` applied to ``args``, once its arguments and result are bounded."""
        fn, low, high, exponential = self.functions[name.value]
        start, end = name.pos, self.prev.end
        if not low <= len(args) <= (high or len(args)):
            count = f"exactly {low}" if low == high else f"at least {low}"
            example = f"{name.value}(0, z)" if low == 2 else f"{name.value}(x)"
            base = "; for a logarithm to base b write log(x)/log(b)" if name.value in ("log", "ln") else ""
            self.fail(f"{name.value} takes {count} argument{'s' if low > 1 else ''}, got "
                      f"{len(args)}: write {example}{base}", start, end)
        if args:
            self.bounds.arguments(name.value, args[0], exponential, fn is sympy.sqrt, start, end)
        try:
            result = fn(*args)
        except (ArithmeticError, TypeError, ValueError) as err:
            complex_ = "; keep formulas real-valued (max and min compare real numbers only, and " \
                "roots of negative numbers are complex)" if "not comparable" in str(err) else ""
            self.fail(f"{name.value} could not be applied: {err}{complex_}", start, end)
        if not isinstance(result, sympy.Expr):
            self.fail(f"{name.value} gave {type(result).__name__}, not a SymPy expression",
                      start, end)
        if name.value in self.extra:  # the caller's function may bring its own functions
            self.bounds.vocabulary |= heads(result)
        if name.value not in _BUILTINS or fn is not _BUILTINS[name.value].apply:  # may copy args
            self.bounds.written_out(result, start, end)
        return self.checked(result, start, name.value)

    def close(self, opening: Token) -> None:
        if self.tok.kind == ")":
            self.advance()
            self.depth, self.open = self.depth - 1, self.open - 1
        elif self.tok.kind == "end":
            self.fail("unmatched '(': close it with ')'", opening.pos, opening.end)
        else:
            self.unexpected()

    def unexpected(self) -> NoReturn:
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
