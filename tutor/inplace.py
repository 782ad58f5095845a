"""Element-wise formulas written as one new array and then in-place updates.

Printed as it reads, ``h*(1 - h)`` makes a new array for every operation: ``1 - h``, then the
product. For arrays the size of a batch each new array is a trip through memory, and for large
ones fresh pages from the operating system, which can cost as much as the arithmetic. Written by
hand, back-propagation avoids them by updating arrays in place (``z += α``, ``δ *= G′``); this
module writes the formulas SymPy derives the same way. Only operators that every array-API
namespace supports in place are used (``+=``, ``-=``, ``*=``, ``/=``), plus, where the backend has
them, ``out=`` arguments of element-wise functions.

>>> import sympy
>>> from tutor.kernel import code
>>> h, z = sympy.symbols("h z")
>>> writer = InPlace(code, {h: "h_1", z: "z_1"})
>>> print("\\n".join(writer.assign("g", h*(1 - h))))
g = 1 - h_1
g *= h_1
>>> print("\\n".join(writer.assign("h_1", sympy.tanh(z/2)/2 + sympy.Rational(1, 2), free={z})))
h_1 = z_1
h_1 *= 1/2
h_1 = xp.tanh(h_1)
h_1 *= 1/2
h_1 += 1/2
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Collection

import sympy

__all__ = ["InPlace"]


class InPlace:
    """Writes array formulas as in-place updates.

    ``code(expr, names)`` prints an expression; ``names`` maps each symbol that stands for an
    array to its variable. With ``out_functions`` (NumPy, CuPy), ``xp.exp(t)`` on an array that is
    ours to overwrite becomes ``xp.exp(t, out=t)``.
    """

    def __init__(self, code: Callable, names: dict[sympy.Symbol, str], out_functions=False):
        self.code = code
        self.names = dict(names)
        self.out_functions = out_functions
        self._temps = itertools.count(1)

    def _print(self, expr) -> str:
        return self.code(expr, self.names)

    def _is_array(self, expr) -> bool:
        return bool(expr.free_symbols & self.names.keys())

    def _is_leaf(self, expr) -> bool:
        return expr in self.names

    # -- public ------------------------------------------------------------------------------
    def assign(self, target: str, expr, free: Collection = ()) -> list[str]:
        """Lines that leave ``expr`` in a new array called ``target``, which is then ours to
        overwrite. The arrays in ``free`` are dead after this formula: one that appears in it
        only once may become ``target`` itself and be overwritten."""
        return self._into(target, expr, self._once(expr, free))

    def scale(self, target: str, expr, free: Collection = ()) -> list[str]:
        """Lines that multiply the array ``target`` (ours to overwrite) by ``expr`` in place.

        Factors that are one array (v or 1/v) go first; a compound factor after them may be
        computed in the array of a free one that no later factor reads: h(1 − h) becomes
        ``target *= h``, then 1 − h written over h, then ``target *= h``, with no new array.
        """
        free = {s for s in free if s in self.names}
        constant, lines, compound = sympy.Integer(1), [], []
        for factor in sympy.Mul.make_args(expr):
            if not self._is_array(factor):
                constant *= factor
            elif self._is_leaf(factor):
                lines.append(f"{target} *= {self.names[factor]}")
            elif factor.is_Pow and factor.exp == -1 and self._is_leaf(factor.base):
                lines.append(f"{target} /= {self.names[factor.base]}")
            else:
                compound.append(factor)
        for i, factor in enumerate(compound):
            later = compound[i + 1:]
            mine = {s for s in free if _count(factor, s) == 1 and not any(g.has(s) for g in later)}
            temp = self._temp()
            body = self._into(temp, factor, mine)
            owner = next((self.names[s] for s in mine if body and body[0] == f"{temp} = {self.names[s]}"),
                         None)
            if owner is None:
                lines += [*body, f"{target} *= {temp}", f"del {temp}"]
            else:  # the factor is computed in the free array's own memory: name it so
                lines += [re.sub(rf"\b{temp}\b", owner, line) for line in body[1:]]
                lines.append(f"{target} *= {owner}")
        if constant != 1:
            lines.append(f"{target} *= {self._print(constant)}")
        return lines

    # -- the rules ---------------------------------------------------------------------------
    def _once(self, expr, free) -> set:
        """The free arrays that appear once in ``expr``: overwriting one loses nothing."""
        return {s for s in free if s in self.names and _count(expr, s) == 1}

    def _temp(self) -> str:
        return f"tmp_{next(self._temps)}"

    def _into(self, target: str, expr, free: set) -> list[str]:
        if not self._is_array(expr):
            return [f"{target} = {self._print(expr)}"]
        if self._is_leaf(expr):
            if expr in free:
                return [] if self.names[expr] == target else [f"{target} = {self.names[expr]}"]
            return [f"{target} = {self._print(expr)} * 1"]  # a copy we may overwrite
        if expr.is_Add or expr.is_Mul:
            return self._operator(target, expr, free)
        if expr.is_Pow and self._is_array(expr.base) and not self._is_array(expr.exp):
            if expr.exp == 2:
                return [*self._into(target, expr.base, free), f"{target} *= {target}"]
            if expr.exp == -1:
                reciprocal = (f"xp.reciprocal({target}, out={target})" if self.out_functions
                              else f"{target} = 1 / {target}")
                return [*self._into(target, expr.base, free), reciprocal]
        if isinstance(expr, sympy.Function) and len(expr.args) == 1:
            return self._function(target, expr, free)
        if isinstance(expr, sympy.Min | sympy.Max) and len(expr.args) == 2:
            inner, bound = sorted(expr.args, key=self._is_array, reverse=True)
            if not self._is_array(bound):
                call = f"xp.{'minimum' if isinstance(expr, sympy.Min) else 'maximum'}"
                lines = self._into(target, inner, free)
                bound = self._print(bound)
                if self.out_functions:
                    return [*lines, f"{call}({target}, {bound}, out={target})"]
                return [*lines, f"{target} = {call}({target}, {bound})"]
        return [f"{target} = {self._print(expr)}"]

    def _function(self, target: str, expr, free: set) -> list[str]:
        # print f(target) by SymPy's own rules, so only the functions it knows are written
        placeholder = sympy.Symbol(target)
        call = self.code(expr.func(placeholder), {})
        simple = re.fullmatch(r"(xp\.\w+)\(" + re.escape(target) + r"\)", call)
        if simple is None:  # e.g. a function printed as a composition: keep it whole
            return [f"{target} = {self._print(expr)}"]
        lines = self._into(target, expr.args[0], free)
        if self.out_functions:
            return [*lines, f"{simple.group(1)}({target}, out={target})"]
        return [*lines, f"{target} = {call}"]

    def _operator(self, target: str, expr, free: set) -> list[str]:
        add = expr.is_Add
        constants = [a for a in expr.args if not self._is_array(a)]
        simple = [a for a in expr.args if self._is_array(a) and self._simple(a, add)]
        compound = [a for a in expr.args if self._is_array(a) and not self._simple(a, add)]
        constant = sympy.Add(*constants) if add else sympy.Mul(*constants)
        neutral = sympy.Integer(0 if add else 1)

        # the first line makes target: the largest compound term, a free array, or one
        # new array from two of the simple terms
        if compound:
            main = max(compound, key=sympy.count_ops)
            compound.remove(main)
            lines = self._into(target, main, free)
        elif owned := [a for a in simple if self._is_leaf(a) and a in free]:
            simple.remove(owned[0])
            lines = self._into(target, owned[0], free)
        elif add and (negated := [a for a in simple if not self._is_leaf(a) and -a in free]):
            # c − v or u − v with v free: written over v, in one pass where the backend has out=
            simple.remove(negated[0])
            lines = self._into(target, -negated[0], free)
            partner = constant if constant != neutral else simple.pop(0) if simple else None
            if self.out_functions and partner is not None:
                lines.append(f"xp.subtract({self._print(partner)}, {target}, out={target})")
                if partner is constant:
                    constant = neutral
            else:
                lines.append(f"{target} *= -1")
                if partner is not None and partner is not constant:
                    simple.insert(0, partner)
        else:
            first = simple.pop(0)
            partner = constant if constant != neutral else simple.pop(0) if simple else neutral
            if partner is constant:
                constant = neutral
            pair = sympy.Add(first, partner) if add else sympy.Mul(first, partner)
            lines = [f"{target} = {self._print(pair)}"]
            if pair == first:  # nothing to combine with: the formula is a single term
                lines = [f"{target} = {self._print(first)} * 1"]

        for term in simple:
            lines.append(self._update(target, term, add))
        for term in compound:
            temp = self._temp()
            lines += self._into(temp, term, free)
            lines += [f"{target} {'+=' if add else '*='} {temp}", f"del {temp}"]
        if constant != neutral:
            if add:
                sign, value = ("-=", -constant) if constant.could_extract_minus_sign() else (
                    "+=", constant)
            else:
                sign, value = "*=", constant
            lines.append(f"{target} {sign} {self._print(value)}")
        return lines

    def _simple(self, term, add: bool) -> bool:
        """A term that updates target in one in-place line: ±v or c·v in a sum, v or 1/v in
        a product."""
        if self._is_leaf(term):
            return True
        if add:
            coefficient, rest = term.as_coeff_Mul()
            return coefficient == -1 and self._is_leaf(rest)
        return term.is_Pow and term.exp == -1 and self._is_leaf(term.base)

    def _update(self, target: str, term, add: bool) -> str:
        if add:
            if self._is_leaf(term):
                return f"{target} += {self.names[term]}"
            return f"{target} -= {self.names[-term]}"
        if self._is_leaf(term):
            return f"{target} *= {self.names[term]}"
        return f"{target} /= {self.names[term.base]}"


def _count(expr, symbol) -> int:
    """How many times ``symbol`` is read in ``expr`` (x² reads x once, x·(1 − x) twice)."""
    if expr == symbol:
        return 1
    return sum(_count(arg, symbol) for arg in expr.args)
