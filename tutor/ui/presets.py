"""What the playground offers: each preset builds a :class:`tutor.Session` (compiling on the way).

The list itself is light; the maths libraries load when a preset is built, so the home screen
draws at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..session import Session

__all__ = ["Preset", "PRESETS", "custom_session"]


@dataclass(frozen=True)
class Preset:
    key: str
    title: str
    description: str
    build: Callable[[float], Session]
    learning_rate: float = 0.1


def _session(model, X, Y, theta0, rate) -> Session:
    import numpy

    from ..session import Session

    return Session(model, model.compile(), X, Y, numpy.asarray(theta0, dtype=float), rate)


def _slides(rate):
    from ..session import Session

    return Session.slides(rate)


def _linear(rate):
    from .. import datasets
    from ..network import linear_regression

    X, y = datasets.linear(n=50, seed=0)
    return _session(linear_regression(1), X, y, [0.0, 0.0], rate)


def _logistic(rate):
    from .. import datasets
    from ..network import logistic_regression

    X, y = datasets.logistic(n=100, seed=0)
    return _session(logistic_regression(1), X, y, [0.0, 0.0], rate)


def _neuron(rate):
    from .. import datasets
    from ..network import neuron

    X, y = datasets.function(n=60, f="step")
    net = neuron(1, "tanh")
    return _session(net, X, y, net.init(seed=0), rate)


def _network(rate):
    from .. import datasets
    from ..network import mlp

    net = mlp([2, 2, 1], "logistic")
    X, y = datasets.toy(net, n=16, seed=0)
    return _session(net, X, y, net.init(seed=0), rate)


def _moons(rate):
    from .. import datasets
    from ..network import mlp

    X, y = datasets.moons(n=200, seed=0)
    net = mlp([2, 16, 16, 1], "tanh", "logistic", "cross_entropy")
    return _session(net, X, y, net.init(seed=0), rate)


def _circles(rate):
    from .. import datasets
    from ..network import mlp

    X, y = datasets.circles(n=200, seed=0)
    net = mlp([2, 8, 1], "tanh", "logistic", "cross_entropy")
    return _session(net, X, y, net.init(seed=0), rate)


PRESETS: tuple[Preset, ...] = (
    Preset("slides", "Gradient descent by hand", "the slides' example: ŷ = α + x on y = 5 + x at "
           "x = 1, from α₀ = 2", lambda rate: _slides(rate)),
    Preset("linear", "Linear regression", "ŷ = α + xβ on 50 simulated points", _linear),
    Preset("logistic", "Logistic regression", "P(y = 1) = G(α + xβ) on 100 simulated points",
           _logistic, 1.0),
    Preset("neuron", "A neuron", "h = tanh(α + xβ) fitted to a smooth step", _neuron, 0.5),
    Preset("network", "A 2-2-1 network", "two hidden logistic neurons, one output", _network, 0.5),
    Preset("moons", "Two moons", "a 2-16-16-1 tanh network classifying data no line separates",
           _moons, 0.5),
    Preset("circles", "Circles", "a 2-8-1 tanh network: one circle inside another", _circles, 0.5),
)


def custom_session(*, model: str, hidden: str, data: str, target: str, activation: str,
                   output: str, loss: str, formula: str, params: str, rate: float) -> Session:
    """A model built from the playground's form, through the command line's own setup code, so
    the two agree on every name, default and error message."""
    from types import SimpleNamespace

    from ..cli.setup import UsageError, problem_from

    args = SimpleNamespace(
        model=formula if model == "formula" else model, layers=None,
        hidden=(hidden or None) if model == "mlp" else None,
        activation=(activation or None) if model in ("neuron", "mlp") else None,
        output=output or None, loss=loss or None,
        params=params or None, data=data or None, target=target or None, features=None,
        standardize=model in ("linear", "logistic") and data.endswith(".csv"), n=None, seed=0)
    default = {"slides": "slides", "logistic": "logistic"}.get(model, "linear")
    try:
        problem = problem_from(args, default, need_data=True)
    except UsageError as error:  # said in the command line's words: put the form's instead
        message = str(error)
        for option, field in (("--params", "the parameters"), ("--hidden", "the hidden widths"),
                              ("--model", "the formula"), ("--target", "the target column")):
            message = message.replace(option, field)
        raise UsageError(message) from None
    Y = problem.Y
    if problem.model.loss_row.name == "cross_entropy" and Y.ndim == 1 and Y.min() == Y.max():
        raise UsageError(f"the target {problem.data.targets[0]!r} is {Y[0]:g} in every row: "
                         "a classifier needs both 0s and 1s to learn anything (with one class "
                         "gradient descent never stops)")
    return _session(problem.model, problem.X, problem.Y, problem.theta0, rate)
