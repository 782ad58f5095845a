"""Activation functions as one table: name, SymPy expression, aliases.

The slides write a neuron as h = G(α + xβ) with G(z) = eᶻ/(1 + eᶻ). Each row below gives G as a
SymPy expression in ``z``; SymPy differentiates it, and the kernel re-expresses G′ through the
cached activation h where it can (the logistic's G′ = h(1 − h)), as back-propagation does.
A row may also carry ``numeric``: the same function written so that floating point neither
overflows nor cancels (eᶻ/(1 + eᶻ) is inf/inf = NaN at z = 800; e^min(z, 0)/(1 + e^−|z|) is
finite and accurate to the last digits for every z, in float32 as in float64).

>>> from tutor.activations import activation
>>> G = activation("sigmoid")
>>> G.name, G.expr
('logistic', exp(z)/(exp(z) + 1))
>>> G.derivative_in_h()
h*(1 - h)

Adding an activation is adding a row to ``ACTIVATIONS``.
"""

from __future__ import annotations

import cmath
import re
from dataclasses import dataclass, field, replace
from functools import cache, cached_property

import sympy
from sympy.codegen.numpy_nodes import logaddexp
from sympy.codegen.rewriting import optimize, optims_c99
from sympy.core.function import AppliedUndef, UndefinedFunction

from .notation import Symbol

__all__ = ["Activation", "ACTIVATIONS", "activation", "SOFTMAX", "z", "h", "EXP_CAP",
           "zero_slope_at_kinks"]

z = Symbol("z")  # a neuron's pre-activation, α + xβ
h = Symbol("h")  # its activation, G(z)
EXP_CAP = Symbol("exp_cap")  # in a kernel: the largest x whose eˣ is finite in its dtype (709, 88)

_PROBE = (-2.3, -0.7, 0.4, 1.9, 3.1)  # points where a rewrite of G′ is checked numerically
# …and, for G′ through h, further out: z³ − 40z takes each h near 0 three times, and a G′ from
# one root of the cubic is right near the probes only
_WIDE = (-9.0, -5.5, 5.5, 9.0)


@dataclass(frozen=True)
class Activation:
    """An element-wise activation G: a row of the table."""

    name: str
    expr: sympy.Expr  # G(z), the form a learner reads
    aliases: tuple[str, ...] = ()
    numeric: sympy.Expr | None = None  # the same G, written to be stable in floating point
    description: str = field(default="", compare=False)
    kernel: sympy.Expr | None = None  # G as a kernel computes it: fewer passes, may use EXP_CAP

    def __call__(self, arg: sympy.Expr) -> sympy.Expr:
        """G(arg)."""
        return self.expr.subs(z, arg)

    @property
    def is_undefined(self) -> bool:
        """True for an undefined function such as F_1: symbolic only, no kernel."""
        return isinstance(self.expr, AppliedUndef)

    @property
    def symbol(self) -> str:
        """How G is written: F_1 for an undefined function, the row's name, or G for a formula."""
        if self.is_undefined:
            return self.expr.func.__name__
        return self.name if self.name.isidentifier() else "G"

    @cached_property
    def derivative(self) -> sympy.Expr:
        """G′(z), by SymPy, with slope 0 at a kink (ReLU′(0) = 0, see :func:`zero_slope_at_kinks`)."""
        return zero_slope_at_kinks(sympy.diff(self.expr, z))

    @property
    def is_affine(self) -> bool:
        """True when G(z) = a + bz: a layer with this activation is still a regression."""
        if self.is_undefined:
            return False
        return sympy.simplify(sympy.diff(self.expr, z, 2)) == 0

    def derivative_in_h(self) -> sympy.Expr | None:
        """G′ written through h = G(z), or None when it cannot be (ReLU, undefined F).

        Back-propagation keeps h from the forward pass; G′(z) = h(1 − h) reuses it instead of
        computing eᶻ again. Every rewrite is checked against G′ numerically before it is used.
        """
        return _derivative_in_h(self)

    def numeric_expr(self) -> sympy.Expr:
        """G(z), written to be finite and accurate in floating point for every z."""
        return self.numeric if self.numeric is not None else self.expr

    def kernel_expr(self) -> sympy.Expr:
        """G(z) as a compiled kernel computes it: as ``numeric_expr()``, or a form that costs
        fewer passes over memory and has ``EXP_CAP`` in it, which the kernel binds to its
        dtype's largest finite exponent."""
        return self.kernel if self.kernel is not None else self.numeric_expr()

    def __str__(self) -> str:
        from .notation import unicode

        return f"{self.symbol}(z) = {unicode(self.expr)}"


def zero_slope_at_kinks(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` with each step 𝟙(u > 0) taken as 0 at u = 0: Heaviside(u, 0), where SymPy's
    derivative of max(0, u) gives Heaviside(u) = ½ at 0. PyTorch, JAX and TensorFlow give the
    ReLU slope 0 at 0, so a unit exactly at its kink (zero biases after a dead layer, a row of
    all-zero dummies) gets the gradient they compute.

    >>> u = Symbol("u")
    >>> zero_slope_at_kinks(sympy.diff(sympy.Max(0, u), u))
    Heaviside(u, 0)
    """
    return expr.replace(lambda e: isinstance(e, sympy.Heaviside) and e.args[1] == sympy.S.Half,
                        lambda e: sympy.Heaviside(e.args[0], 0))


def _close(a: sympy.Expr, b: sympy.Expr, points=_PROBE) -> bool:
    """a(z) and b(z) agree at the probe points (to 1e-12, relative)."""
    for point in points:
        try:
            va, vb = complex(a.subs(z, point).evalf(30)), complex(b.subs(z, point).evalf(30))
        except (TypeError, ValueError):
            return False
        if not (cmath.isfinite(va) and cmath.isfinite(vb)):
            return False  # NaN compares as "close" to nothing, so say so explicitly
        if abs(va - vb) > 1e-12 * max(1.0, abs(va)) or abs(vb.imag) > 1e-12:
            return False
    return True


def _positive_factors(expr: sympy.Expr) -> sympy.Expr:
    """−h(h − 1) reads better as h(1 − h), and −2h(h − 1) as 2h(1 − h)."""
    coeff, rest = expr.as_coeff_Mul()
    if coeff.is_negative and rest.is_Mul:
        sums = [f for f in rest.args if f.is_Add]
        if sums:
            others = [f for f in rest.args if f is not sums[0]]
            return sympy.Mul(-coeff, *others, -sums[0])
    return expr


def _in_h(dG: sympy.Expr, candidate: sympy.Expr, G: sympy.Expr) -> bool:
    """Whether ``candidate`` (in h) is G′ wherever it is checked: real (a kernel computes in
    real numbers; Cardano's formula has I in it) and equal to G′ at the probes and beyond."""
    return not candidate.has(sympy.I) and _close(dG, candidate.subs(h, G), _PROBE + _WIDE)


@cache
def _derivative_in_h(act: Activation) -> sympy.Expr | None:
    if act.is_undefined:
        return None
    G, dG = act.expr, act.derivative
    if not dG.has(z):
        return dG
    # First try G′ = a + b·G + c·G², fitted at three points and checked at the probes:
    # it covers the logistic (h − h²), tanh (1 − h²) and the identity.
    a, b, c = sympy.symbols("a b c")
    points = (sympy.Rational(-1, 3), sympy.Rational(1, 5), sympy.Rational(3, 4))
    try:
        equations = [
            (dG - (a + b * G + c * G**2)).subs(z, p).evalf(40) for p in points
        ]
        fit = sympy.solve(equations, (a, b, c), dict=True)
    except (NotImplementedError, TypeError, ValueError):
        fit = []
    for solution in fit:
        coeffs = [sympy.nsimplify(solution.get(s, 0), rational=True, tolerance=1e-20)
                  for s in (a, b, c)]
        candidate = sympy.expand(coeffs[0] + coeffs[1] * h + coeffs[2] * h**2)
        if _in_h(dG, candidate, G):
            factored = _positive_factors(sympy.factor(candidate))
            return min(candidate, factored, key=sympy.count_ops) if (
                sympy.count_ops(candidate) < sympy.count_ops(factored)) else factored
    # Otherwise invert h = G(z) for z and substitute (softplus: G′ = 1 − e^(−h)).
    try:
        inverses = sympy.solve(sympy.Eq(h, G), z)
    except (NotImplementedError, TypeError, ValueError):
        inverses = []
    for inverse in inverses:
        candidate = sympy.simplify(dG.subs(z, inverse))
        if (candidate.free_symbols <= {h} and not candidate.has(sympy.Piecewise)
                and _in_h(dG, candidate, G)):
            return optimize(candidate, optims_c99)
    return None


ACTIVATIONS: tuple[Activation, ...] = (
    Activation(
        "logistic", sympy.exp(z) / (1 + sympy.exp(z)), ("sigmoid", "logit", "G"),
        # e^min(z, 0) / (1 + e^−|z|): no exponent is positive, so nothing overflows, and for
        # z ≪ 0 it keeps e^z's relative accuracy ((1 + tanh(z/2))/2 rounds 1 − 1 to 0: it gave
        # 0 for G(−40) = 4.2e−18 in float64 and 0 for G(−20) = 2.1e−9 in float32)
        numeric=sympy.exp(sympy.Min(z, 0)) / (1 + sympy.exp(-sympy.Abs(z))),
        # 1/(1 + e^−z) is as accurate (a few ulps) and takes one array and five passes where
        # the form above takes three and eight; capping −z at EXP_CAP keeps e^−z finite, and
        # changes G only where it is below the dtype's smallest normal number anyway
        kernel=1 / (1 + sympy.exp(sympy.Min(-z, EXP_CAP))),
        description="the slides' G(z) = eᶻ/(1 + eᶻ): squashes any z into (0, 1)",
    ),
    Activation("tanh", sympy.tanh(z), (), description="squashes z into (−1, 1), centred at 0"),
    Activation("relu", sympy.Max(0, z), ("ReLU",),
               description="max(0, z): a hinge; its slope 𝟙(z > 0) is 0 at z = 0, as in PyTorch"),
    Activation("identity", z, ("linear", "none"), description="G(z) = z: no squashing"),
    Activation(
        "softplus", sympy.log(1 + sympy.exp(z)), (), numeric=logaddexp(0, z),
        description="log(1 + eᶻ): a smooth ReLU",
    ),
)


def _stable_row(expr: sympy.Expr) -> tuple[sympy.Expr, sympy.Expr] | None:
    """The stable forms (numeric, kernel) of a typed formula that is a row's function of
    a·z + b: 1/(1 + e^−z) is the logistic, 1/(1 + e^(−2z)) the logistic of 2z, log(1 + e^(3z − 1))
    the softplus of 3z − 1. As typed, such a formula overflows at z = −1000 (or is inf/inf at
    z = 1000); the row's form, applied to a·z + b, does not."""
    for row in ACTIVATIONS:
        if row.numeric is None:
            continue
        inner = _inner_argument(expr, row)
        if inner is not None:
            return row.numeric.subs(z, inner), row.kernel_expr().subs(z, inner)
    return None


@cache
def _inverse(row: Activation) -> sympy.Expr | None:
    """z as a function of h = G(z), for a row that SymPy can invert (logistic, softplus)."""
    try:
        found = [s for s in sympy.solve(sympy.Eq(h, row.expr), z) if _close(
            s.subs(h, row.expr), z)]
    except (NotImplementedError, TypeError, ValueError):
        return None
    return found[0] if found else None


def _inner_argument(expr: sympy.Expr, row: Activation) -> sympy.Expr | None:
    """a·z + b when ``expr`` is the row's G(a·z + b) with rational a ≠ 0 and b, else None.

    G⁻¹(expr) at two points gives a and b; the candidate G(a·z + b) must then agree with
    ``expr`` at the probe points and simplify to it exactly.
    """
    if _close(expr, row.expr):
        candidates = [z]
    else:
        inverse = _inverse(row)
        if inverse is None:
            return None
        try:
            u0, u1 = (complex(inverse.subs(h, expr.subs(z, p)).evalf(30)) for p in (0, 1))
        except (TypeError, ValueError, ZeroDivisionError):
            return None
        if not (cmath.isfinite(u0) and cmath.isfinite(u1)) or abs(u0.imag) + abs(u1.imag) > 1e-20:
            return None
        a = sympy.nsimplify(u1.real - u0.real, rational=True, tolerance=1e-12)
        b = sympy.nsimplify(u0.real, rational=True, tolerance=1e-12)
        if a == 0:
            return None
        candidates = [a * z + b]
    for inner in candidates:
        if not _close(expr, row.expr.subs(z, inner)):
            continue
        try:
            if sympy.simplify(expr - row.expr.subs(z, inner)) == 0:
                return inner
        except (TypeError, ValueError, NotImplementedError):
            return None
    return None


class _Softmax:
    """The softmax output layer: h_k = e^(z_k) / Σ_j e^(z_j). Not element-wise."""

    name = "softmax"
    symbol = "softmax"
    aliases = ("soft_max",)
    is_undefined = False
    is_affine = False
    description = "turns several outputs into probabilities that sum to 1"

    def __call__(self, args):
        total = sympy.Add(*[sympy.exp(a) for a in args])
        return [sympy.exp(a) / total for a in args]

    def __repr__(self) -> str:
        return "SOFTMAX"

    def __str__(self) -> str:
        return "softmax(z)_k = e^(z_k) / Σ_j e^(z_j)"


SOFTMAX = _Softmax()


def _lookup() -> dict[str, Activation]:
    table = {}
    for row in ACTIVATIONS:
        for key in (row.name, *row.aliases):
            table[key.lower()] = row
    return table


def _typed(text: str, allow_softmax: bool) -> Activation:
    """A formula typed as text, read by :func:`tutor.parser.parse_activation`; a bare name not
    in the table (``relux``) is refused, since read as a formula it would be the identity in a
    variable of that name, which is never what was meant."""
    if re.fullmatch(r"[^\W\d]\w*", text):
        names = ", ".join(row.name for row in ACTIVATIONS)
        extra = ", softmax" if allow_softmax else ""
        raise ValueError(
            f"unknown activation {text!r}: choose one of {names}{extra}, type a formula in one "
            "variable such as '1/(1+exp(-z))', or give a SymPy Lambda or an undefined Function "
            "such as F_1"
        )
    from .parser import parse_activation  # here: the parser imports this module

    return replace(activation(parse_activation(text)), description=f"typed formula {text}")


def activation(spec, *, allow_softmax: bool = False):
    """An activation from a name, a formula typed as text, a SymPy ``Lambda``, an undefined
    ``Function`` or a row.

    A typed formula becomes the same activation as the ``Lambda`` it reads as, with the stable
    form of a table function of a·z + b where it is one (1/(1+exp(-z)) computes as the
    logistic does, with no overflow at z = −800).

    >>> activation("linear").name
    'identity'
    >>> activation("1/(1+exp(-z))").kernel_expr() == activation("logistic").kernel_expr()
    True
    >>> import sympy
    >>> activation(sympy.Function("F_1")).symbol
    'F_1'
    """
    if isinstance(spec, Activation) or (allow_softmax and spec is SOFTMAX):
        return spec
    if spec is SOFTMAX:
        raise ValueError("softmax can only be the output activation (output='softmax')")
    if isinstance(spec, str):
        key = spec.strip().lower()
        if key == "softmax":
            if allow_softmax:
                return SOFTMAX
            raise ValueError("softmax can only be the output activation (output='softmax')")
        table = _lookup()
        if key in table:
            return table[key]
        return _typed(spec.strip(), allow_softmax)
    if isinstance(spec, UndefinedFunction):
        return Activation(spec.__name__, spec(z), description="an unspecified activation")
    if isinstance(spec, sympy.Lambda):
        if len(spec.variables) != 1:
            raise ValueError(f"an activation takes one argument; {spec} takes {len(spec.variables)}")
        from .notation import unicode

        expr = spec(z)
        numeric, kernel = _stable_row(expr) or (None, None)
        return Activation(f"G(z) = {unicode(expr)}", expr, description=str(spec),
                          numeric=numeric, kernel=kernel)
    raise TypeError(
        f"an activation is a name, a formula, a SymPy Lambda or an undefined Function, not "
        f"{type(spec).__name__}"
    )
