"""What the playground offers: each preset builds a :class:`tutor.Session` (compiling on the way)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy

from .. import datasets
from ..model import Model
from ..network import linear_regression, logistic_regression, mlp, neuron
from ..parser import parse
from ..session import Session

__all__ = ["Preset", "PRESETS", "formula_session"]


@dataclass(frozen=True)
class Preset:
    key: str
    title: str
    description: str
    build: Callable[[float], Session]
    learning_rate: float = 0.1


def _session(model, X, Y, theta0, rate) -> Session:
    return Session(model, model.compile(), X, Y, numpy.asarray(theta0, dtype=float), rate)


def _linear(rate):
    X, y = datasets.linear(n=50, seed=0)
    return _session(linear_regression(1), X, y, [0.0, 0.0], rate)


def _logistic(rate):
    X, y = datasets.logistic(n=100, seed=0)
    return _session(logistic_regression(1), X, y, [0.0, 0.0], rate)


def _neuron(rate):
    X, y = datasets.function(n=60, f="step")
    net = neuron(1, "tanh")
    return _session(net, X, y, net.init(seed=0), rate)


def _network(rate):
    net = mlp([2, 2, 1], "logistic")
    X, y = datasets.toy(net, n=16, seed=0)
    return _session(net, X, y, net.init(seed=0), rate)


def _moons(rate):
    X, y = datasets.moons(n=200, seed=0)
    net = mlp([2, 16, 16, 1], "tanh", "logistic", "cross_entropy")
    return _session(net, X, y, net.init(seed=0), rate)


def _circles(rate):
    X, y = datasets.circles(n=200, seed=0)
    net = mlp([2, 8, 1], "tanh", "logistic", "cross_entropy")
    return _session(net, X, y, net.init(seed=0), rate)


PRESETS: tuple[Preset, ...] = (
    Preset("slides", "Gradient descent by hand", "the slides' example: ŷ = α + x on y = 5 + x at "
           "x = 1, from α₀ = 2", lambda rate: Session.slides(rate)),
    Preset("linear", "Linear regression", "ŷ = α + xβ on 50 simulated points", _linear),
    Preset("logistic", "Logistic regression", "P(y = 1) = G(α + xβ) on 100 simulated points",
           _logistic, 1.0),
    Preset("neuron", "A neuron", "h = tanh(α + xβ) fitted to a smooth step", _neuron, 0.5),
    Preset("network", "A 2-2-1 network", "two hidden logistic neurons, one output", _network, 0.5),
    Preset("moons", "Two moons", "a 2-16-16-1 tanh network classifying data no line separates",
           _moons, 0.5),
    Preset("circles", "Circles", "a 2-8-1 tanh network: one circle inside another", _circles, 0.5),
)


def formula_session(text: str, params: str, rate: float) -> Session:
    """A typed formula (read by our whitelisting parser) on the slides' data or simulated data."""
    from ..cli.setup import parse_assignments

    expr = parse(text)
    values = parse_assignments(params)
    if not values:
        raise ValueError("name the parameters, e.g. alpha=2 or alpha=2,beta=0")
    names = {s.name: s for s in expr.free_symbols}
    missing = [n for n in values if n not in names]
    if missing:
        raise ValueError(f"{missing} is not in the formula, which uses {sorted(names)}")
    inputs = [s for s in expr.free_symbols if s.name not in values]
    if len(inputs) > 1 or (inputs and inputs[0].name != "x"):
        raise ValueError("the playground's data has one input, x: use x for it")
    model = Model(expr, [names[n] for n in values], inputs or [names.get("x") or parse("x")])
    # one parameter: the slides' single sample, to step by hand; more: 50 simulated points
    X, Y = datasets.slides_example() if len(values) == 1 else datasets.linear(n=50, seed=0)
    theta0 = [v or 0.0 for v in values.values()]
    return _session(model, X, Y, theta0, rate)
