"""The step-by-step derivations print exactly as they did before network_derivation was split
into helpers: str(d), d.latex() and sympy.sstr(d.result), for every case below.

tests/golden/derivations.json was written by ``python -m tests.test_derivation_golden --write``
from the code of commit 374c140, before the refactor. Rewrite it only for a deliberate change
of what a learner reads, and say so in the commit.
"""

import functools
import json
import pathlib
import sys

import pytest
import sympy

import tutor

GOLDEN = pathlib.Path(__file__).parent / "golden" / "derivations.json"
F_1, F_2 = sympy.Function("F_1"), sympy.Function("F_2")


def networks():
    """name → (network, the parameters whose derivation is pinned: None for all of them)."""
    first_and_last = ["alpha_1^(1)", "beta_1^(1,2)", "alpha_2^(1)", "beta_2^(1,2)"]
    return {
        "slides 2-2-1, F_1 and F_2": (tutor.mlp([2, 2, 1], F_1, F_2), None),
        "2-3-2 softmax, cross-entropy": (
            tutor.mlp([2, 3, 2], "logistic", "softmax", "cross_entropy"),
            ["alpha_1^(3)", "beta_1^(2,1)", "alpha_2^(2)", "beta_2^(1,3)"]),
        "1-2-2-1 tanh": (tutor.mlp([1, 2, 2, 1], "tanh"),
                         ["alpha_1^(2)", "beta_1^(1,1)", "beta_2^(2,1)", "alpha_3^(1)",
                          "beta_3^(1,2)"]),
        "3-5-1 logistic, cross-entropy": (
            tutor.mlp([3, 5, 1], "logistic", "logistic", "cross_entropy"),
            ["beta_1^(5,3)", "alpha_2^(1)", "beta_2^(1,5)"]),
        "2-2-1 relu": (tutor.mlp([2, 2, 1], "relu"), first_and_last),
        # more than four paths from the first layer: the δ form; a layer of five neurons is
        # shown four at a time ("likewise")
        "1-1-5-1 logistic, δ form": (
            tutor.mlp([1, 1, 5, 1], "logistic"), ["alpha_1^(1)", "beta_1^(1,1)", "beta_2^(5,1)"]),
        "1-2-3-2 tanh softmax, δ form": (
            tutor.mlp([1, 2, 3, 2], "tanh", "softmax", "cross_entropy"),
            ["beta_1^(2,1)", "alpha_2^(3)", "beta_3^(2,1)"]),
    }


def models():
    alpha, beta, x, x1, x2 = sympy.symbols("alpha beta x x_1 x_2")
    return {
        "slides ŷ = α + x": (tutor.model(alpha + x, [alpha], [x]), None),
        "ŷ = α + βx": (tutor.model(alpha + beta * x, [alpha, beta], [x]), None),
        "logistic, cross-entropy": (
            tutor.model(1 / (1 + sympy.exp(-(alpha + beta * x))), [alpha, beta], [x],
                        loss="cross_entropy"), None),
        "two outputs": (tutor.model([alpha * x1, alpha + beta * x2], [alpha, beta], [x1, x2]),
                        None),
    }


def cases():
    for kind, table in (("network", networks()), ("model", models())):
        for name, (m, params) in table.items():
            for p in params or m.parameters:
                yield f"{kind} {name}: {p}", m, p


def pin(d) -> dict:
    return {"str": str(d), "latex": d.latex(), "result": sympy.sstr(d.result)}


@functools.cache
def _golden() -> dict:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))["cases"]


CASES = {name: (m, p) for name, m, p in cases()}


@pytest.mark.parametrize("name", list(CASES))
def test_derivation_prints_as_before(name):
    m, p = CASES[name]
    assert pin(m.derivation(p)) == _golden()[name]


def test_every_pinned_case_is_checked():
    assert sorted(_golden()) == sorted(CASES)


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    data = {"how": "python -m tests.test_derivation_golden --write (see its docstring)",
            "cases": {name: pin(m.derivation(p)) for name, m, p in cases()}}
    GOLDEN.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
