"""Kernels update arrays in place (``z += α``, ``δ *= G′``) instead of making a new array for
every operation. Written that way, a formula must still give the same numbers as written the
way it reads, and must never overwrite an array that something later still needs."""

import numpy
import sympy
from hypothesis import given
from hypothesis import strategies as st

from tutor.inplace import InPlace
from tutor.kernel import code

a, b = sympy.symbols("a b")
NAMES = {a: "a", b: "b"}
leaves = st.sampled_from([a, b, sympy.Integer(2), sympy.Rational(1, 2), sympy.Integer(-3)])


def _combine(children):
    pair = st.tuples(children, children)
    return st.one_of(
        pair.map(lambda p: p[0] + p[1]),
        pair.map(lambda p: p[0] - p[1]),
        pair.map(lambda p: p[0] * p[1]),
        children.map(lambda e: e**2),
        children.map(lambda e: 1 / (1 + e**2)),
        children.map(sympy.tanh),
        children.map(lambda e: sympy.exp(-(e**2))),
    )


formulas = st.recursive(leaves, _combine, max_leaves=8).filter(lambda e: e.free_symbols)


def _run(lines, arrays):
    namespace = {"xp": numpy, **arrays}
    exec("\n".join(lines), namespace)  # the lines are printed by SymPy from our trees
    return namespace


def _arrays():
    rng = numpy.random.default_rng(0)
    return {"a": rng.uniform(0.5, 2.0, (4, 3)), "b": rng.uniform(0.5, 2.0, (4, 3))}


@given(formulas, st.sampled_from([(), (a,), (b,), (a, b)]), st.booleans())
def test_in_place_formulas_give_the_numbers_of_the_formula_as_it_reads(expr, free, out):
    arrays = _arrays()
    expected = numpy.broadcast_to(_run([f"result = {code(expr, NAMES)}"], dict(arrays))["result"],
                                  (4, 3))
    kept = {name: value.copy() for name, value in arrays.items()}
    namespace = _run(InPlace(code, NAMES, out_functions=out).assign("result", expr, free), arrays)
    numpy.testing.assert_allclose(namespace["result"], expected, rtol=1e-12)
    # an array may be overwritten only if it was given as free and the formula reads it once
    for symbol, name in NAMES.items():
        if symbol not in free or expr.count(symbol) != 1:
            numpy.testing.assert_array_equal(arrays[name], kept[name])


@given(formulas, st.sampled_from([(), (a,), (b,), (a, b)]), st.booleans())
def test_scaling_in_place_multiplies_by_the_formula(expr, free, out):
    arrays = _arrays()
    factor = _run([f"result = {code(expr, NAMES)}"], dict(arrays))["result"]
    target = numpy.linspace(1.0, 2.0, 12).reshape(4, 3)
    kept = {name: value.copy() for name, value in arrays.items()}
    namespace = _run(InPlace(code, NAMES, out_functions=out).scale("target", expr, free),
                     {**arrays, "target": target.copy()})
    numpy.testing.assert_allclose(namespace["target"], target * factor, rtol=1e-12)
    for symbol, name in NAMES.items():  # only a free array may be written over
        if symbol not in free:
            numpy.testing.assert_array_equal(arrays[name], kept[name])


def test_the_logistic_derivative_makes_no_new_array():
    # δ ⊙ h(1 − h): h is dead afterwards, so 1 − h is written over it once δ has used h
    h = sympy.Symbol("h")
    lines = InPlace(code, {h: "h_1"}, out_functions=True).scale("delta", h * (1 - h), free={h})
    assert lines == ["delta *= h_1", "xp.subtract(1, h_1, out=h_1)", "delta *= h_1"]
    # without out= (the array API) it takes two passes, still in place
    lines = InPlace(code, {h: "h_1"}).scale("delta", h * (1 - h), free={h})
    assert lines == ["delta *= h_1", "h_1 *= -1", "h_1 += 1", "delta *= h_1"]


def test_an_array_that_is_still_needed_gets_a_new_one():
    h = sympy.Symbol("h")
    lines = InPlace(code, {h: "h_1"}, out_functions=True).scale("delta", h * (1 - h))
    assert lines == ["delta *= h_1", "tmp_1 = 1 - h_1", "delta *= tmp_1", "del tmp_1"]
