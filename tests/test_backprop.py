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
from tutor.backprop import Backprop, ModelGradients
from tutor.cli.render import dump_json

GOLDEN = pathlib.Path(__file__).parent / "golden" / "derive_all.json"
COMMANDS = {  # name → the options of ``derive --all``
    "network 2-2-1, F_1 and F_2": ["--model", "mlp"],
    "slides ŷ = α + x": ["--model", "slides"],
    "ŷ = α + βx": ["--model", "alpha + beta*x", "--params", "alpha,beta"],
}
alpha, beta, x = (tutor.symbol(name) for name in ("alpha", "beta", "x"))


def gradients(name):
    """The object that prints as ``derive --all`` does for COMMANDS[name]."""
    if name == "network 2-2-1, F_1 and F_2":
        return Backprop(tutor.mlp([2, 2, 1], sympy.Function("F_1"), sympy.Function("F_2")))
    if name == "slides ŷ = α + x":
        return ModelGradients(tutor.model(alpha + x, [alpha], [x]))
    if name == "ŷ = α + βx":
        return ModelGradients(tutor.model(tutor.parse("alpha + beta*x"), [alpha, beta], [x]))
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


def test_both_kinds_of_model_offer_the_same():
    for name in COMMANDS:
        g = gradients(name)
        assert list(g.gradient) == list(g.result)
        assert all(isinstance(lhs, sympy.Symbol) for lhs, _ in g.equations)
        assert set(g.as_dict()) >= {"model", "gradient"}


def test_an_expression_model_names_its_output_and_its_error():
    g = ModelGradients(tutor.model(alpha + x, [alpha], [x]))
    yhat, eps, y = (tutor.symbol(name) for name in ("yhat", "epsilon", "y"))
    assert g.equations == ((yhat, alpha + x), (eps, y - yhat))
    assert g.gradient == {alpha: -2 * eps}
    assert g.result[alpha] == 2 * alpha + 2 * x - 2 * y
    assert g.derivations[alpha].compact == g.gradient[alpha]


def test_other_losses_and_several_outputs():
    logistic = ModelGradients(tutor.model(1 / (1 + sympy.exp(-(alpha + beta * x))),
                                          [alpha, beta], [x], loss="cross_entropy"))
    assert [lhs.name for lhs, _ in logistic.equations] == ["yhat"]  # no ε without c = ε²
    x1, x2 = tutor.symbol("x_1"), tutor.symbol("x_2")
    two = ModelGradients(tutor.model([alpha * x1, alpha + beta * x2], [alpha, beta], [x1, x2]))
    assert [lhs.name for lhs, _ in two.equations] == ["yhat_1", "yhat_2", "epsilon_1",
                                                       "epsilon_2"]
    for g in (logistic, two):
        for p in g.model.parameters:  # one sample's gradient is SymPy's derivative of the loss
            assert sympy.simplify(g.result[p] - sympy.diff(g.model.loss, p)) == 0


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


def test_deriving_never_imports_the_code_generator():
    # symbolic above numeric: the kernels import the derivation, never the other way round
    script = ("import json, sys, tutor, tutor.backprop;"
              " net = tutor.mlp([1, 2, 5, 2], 'tanh', 'softmax', 'cross_entropy');"
              " net.derivation('beta_1^(1,1)'); tutor.backprop.Backprop(net);"
              " print(json.dumps([m for m in sys.modules if m.startswith('tutor.')]))")
    shown = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           check=True, cwd=pathlib.Path(__file__).parents[1]).stdout
    loaded = set(json.loads(shown))
    assert "tutor.derivation" in loaded and "tutor.backprop" in loaded
    assert not loaded & {"tutor.kernel", "tutor.backends", "tutor.inplace", "tutor.gradient_check"}


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    run = functools.partial(subprocess.run, capture_output=True, text=True, check=True)
    outputs = {}
    for name, options in COMMANDS.items():
        line = [sys.executable, "-m", "tutor", "derive", *options, "--all"]
        outputs[name] = {"text": run(line).stdout, "latex": run([*line, "--latex"]).stdout,
                         "json": run([*line, "--json"]).stdout}
    data = {"how": "python -m tests.test_backprop --write (see its docstring)", "outputs": outputs}
    GOLDEN.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
