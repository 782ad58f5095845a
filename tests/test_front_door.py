"""One front door: what a learner asks for is built by the library's one pipeline, so the
command line, the terminal UI's form and the Python API give the same model for the same words.

Before, the command line and the UI built a typed activation themselves and skipped the step
that gives the API's same text its stable form: `1/(1+exp(-z))` overflowed at the command line
where `logistic` did not.
"""

import json
import warnings

import numpy
import pytest

import tutor
from tutor.cli import build_parser, main
from tutor.cli import specs as cli_specs
from tutor.ui import form

TEXTS = ["logistic", "sigmoid", "tanh", "1/(1+exp(-z))", "exp(t)/(1+exp(t))", "log(1+exp(2*z))",
         "relu", "max(0, z)", "z^3 - 40*z"]


def from_the_command_line(text):
    args = build_parser().parse_args(["check", "--layers", "1,2,1", "--activation", text])
    return cli_specs.problem(args, None, need_data=False).model.layers[0].activation


def from_the_api(text):
    return tutor.mlp([1, 2, 1], activation=text).layers[0].activation


def from_the_form(text):
    """The playground's form, as the UI reads it: fields → specs → the one pipeline."""
    model, data, _ = form.specs(form.Fields(model="mlp", hidden="2", activation=text,
                                            data="function"))
    return tutor.build(model, data).model.layers[0].activation


def from_a_spec(text):
    return tutor.build(tutor.ModelSpec("mlp", layers=(1, 2, 1), activation=text),
                       need_data=False).model.layers[0].activation


@pytest.mark.parametrize("text", TEXTS)
def test_the_same_text_gives_the_same_activation_everywhere(text):
    api = from_the_api(text)
    cli, ui = from_the_command_line(text), from_the_form(text)
    assert api == tutor.activation(text) == cli == ui == from_a_spec(text)
    assert api.kernel_expr() == cli.kernel_expr() == ui.kernel_expr()


def test_a_typed_logistic_is_as_stable_as_the_named_one_at_the_command_line(capsys):
    argv = ["descend", "--model", "mlp", "--layers", "1,2,1", "--params", "alpha_1^(1)=-800",
            "--data", "function", "--steps", "2", "--json"]
    results = []
    for activation in ("logistic", "1/(1+exp(-z))"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # an overflow warning fails the run
            assert main([*argv, "--activation", activation]) == 0
        results.append(capsys.readouterr().out)
    named, typed = (numpy.array(list(json.loads(r)["theta"].values())) for r in results)
    numpy.testing.assert_allclose(typed, named, rtol=1e-12)


def test_a_neuron_defaults_to_the_same_activation_everywhere():
    """It was the logistic at the command line and tanh in the UI."""
    args = build_parser().parse_args(["check", "--model", "neuron"])
    cli = cli_specs.problem(args, None, need_data=False).model
    spec = tutor.build(tutor.ModelSpec("neuron"), need_data=False).model
    ui = tutor.build(*form.specs(form.Fields(model="neuron", data="function"))[:2]).model
    assert cli.output == spec.output == ui.output == tutor.neuron(1).output
    assert tutor.spec.KIND_DEFAULTS["neuron"].activation == cli.output.name
