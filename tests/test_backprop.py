"""Every parameter's gradient at once: one interface for networks (Backprop) and expression
models (ModelGradients), printing what ``python -m tutor derive … --all`` printed before either
offered it.

tests/golden/derive_all.json was written by ``python -m tests.test_backprop --write``, which runs
the command line of commit 374c140 (before the classes printed themselves): the text, --latex and
--json output of ``derive --all`` for each entry of COMMANDS.
"""

import functools
import json
import pathlib
import subprocess
import sys

import numpy
import pytest
import sympy

import tutor
from tutor.backprop import Backprop
from tutor.cli.render import dump_json

GOLDEN = pathlib.Path(__file__).parent / "golden" / "derive_all.json"
COMMANDS = {  # name → the options of ``derive --all``
    "network 2-2-1, F_1 and F_2": ["--model", "mlp"],
}


def gradients(name):
    """The object that prints as ``derive --all`` does for COMMANDS[name]."""
    F_1, F_2 = sympy.Function("F_1"), sympy.Function("F_2")
    if name == "network 2-2-1, F_1 and F_2":
        return Backprop(tutor.mlp([2, 2, 1], F_1, F_2))
    raise KeyError(name)


@functools.cache
def golden() -> dict:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))["outputs"]


@pytest.mark.parametrize("name", list(COMMANDS))
def test_all_gradients_print_as_derive_all_did(name):
    g, expected = gradients(name), golden()[name]
    assert str(g) + "\n" == expected["text"]
    assert g.latex() + "\n" == expected["latex"]
    assert g.as_dict() == json.loads(expected["json"])
    assert dump_json(g.as_dict()) + "\n" == expected["json"]


def test_the_names_of_the_gradient_are_the_names_of_the_equations():
    bp = Backprop(tutor.mlp([2, 3, 2], "tanh", "softmax", "cross_entropy"))
    named = {lhs for lhs, _ in bp.equations}
    for p, g in bp.gradient.items():  # δ's and h's (and inputs), computed before they are used
        assert g.free_symbols - named <= set(bp.net.inputs), p
    assert list(bp.result) == list(bp.gradient) and len(bp.result) == len(bp.gradient)


def test_the_result_is_the_one_parameter_derivations_result():
    # many paths from the first layer: the derivation goes through the δ's, as back-propagation
    net = tutor.mlp([1, 2, 5, 1], "logistic")
    bp = Backprop(net)
    assert "δ" in str(net.derivation(net.layers[0].alpha[0]).chain)
    for p in [net.layers[0].beta[1][0], net.layers[0].alpha[0], net.layers[2].alpha[0]]:
        assert bp.result[p] == net.derivation(p).result


def test_the_result_agrees_with_every_path_written_out():
    net = tutor.mlp([2, 2, 1], "tanh", "logistic", "cross_entropy")
    bp = Backprop(net)
    rng = numpy.random.default_rng(0)
    point = {s: float(v) for s, v in zip([*net.parameters, *net.inputs, *net.targets],
                                          rng.normal(size=20), strict=False)}
    for p in net.parameters:  # a few paths each: the derivation multiplies out every one
        ours, theirs = bp.result[p].subs(point), net.derivation(p).result.subs(point)
        assert float(ours) == pytest.approx(float(theirs), rel=1e-12), p
    with pytest.raises(KeyError):
        bp.result[sympy.Symbol("gamma")]


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    run = functools.partial(subprocess.run, capture_output=True, text=True, check=True)
    outputs = {}
    for name, options in COMMANDS.items():
        line = [sys.executable, "-m", "tutor", "derive", *options, "--all"]
        outputs[name] = {"text": run(line).stdout, "latex": run([*line, "--latex"]).stdout,
                         "json": run([*line, "--json"]).stdout}
    data = {"how": "python -m tests.test_backprop --write (see its docstring)", "outputs": outputs}
    GOLDEN.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
