"""Small data sets, seeded: the slides' example, simulated regressions and classes, two
moons, two circles, and functions to approximate.

Every generator draws from ``numpy.random.default_rng(seed)``: the same seed gives the same
data. ``load(name)`` builds a built-in data set (see ``BUILTIN``) as a named ``Data``.

>>> from tutor import datasets
>>> X, Y = datasets.slides_example()        # y = 5 + x, observed at x = 1
>>> X.tolist(), Y.tolist()
([[1.0]], [6.0])
>>> X, y = datasets.moons(n=200, seed=0)    # two interleaving half-circles, labels 0 and 1
>>> X.shape, y.shape, int(y.sum())
((200, 2), (200,), 100)
>>> X, y = datasets.function(n=5, f="abs", low=-2, high=2)   # y = |x| on an even grid
>>> X.ravel().tolist(), y.tolist()
([-2.0, -1.0, 0.0, 1.0, 2.0], [2.0, 1.0, 0.0, 1.0, 2.0])
>>> data = datasets.load("circles", n=100, seed=1)
>>> data.features, data.targets, data.source
(('x_1', 'x_2'), ('y',), "built-in 'circles' (n=100, seed=1)")
"""

from __future__ import annotations

import inspect
import operator
from collections.abc import Callable
from typing import NamedTuple

import numpy

from .activations import SOFTMAX
from .data import Data

__all__ = ["BUILTIN", "FUNCTIONS", "Builtin", "circles", "function", "linear", "load", "logistic",
           "moons", "slides_example", "toy"]


def slides_example() -> tuple[numpy.ndarray, numpy.ndarray]:
    """The gradient-descent slides' data: y = 5 + x, one sample at x = 1 (so y = 6)."""
    return numpy.array([[1.0]]), numpy.array([6.0])


def linear(n: int = 100, k: int = 1, seed: int = 0, alpha: float = 1.0, beta=None,
           noise: float = 0.5) -> tuple[numpy.ndarray, numpy.ndarray]:
    """y = α + xβ + ε with x ~ N(0, 1) and ε ~ N(0, noise²); β defaults to 1, 2, …, k."""
    n, k = _size(n), _size(k, what="k, the number of features,")
    rng = numpy.random.default_rng(seed)
    beta = numpy.arange(1.0, k + 1) if beta is None else numpy.asarray(beta, dtype=float)
    X = rng.normal(size=(n, k))
    return X, alpha + X @ beta + noise * rng.normal(size=n)


def logistic(n: int = 200, k: int = 1, seed: int = 0, alpha: float = -0.5,
             beta=None) -> tuple[numpy.ndarray, numpy.ndarray]:
    """y ~ Bernoulli(G(α + xβ)), G the logistic; β defaults to 1, −1, 1, …"""
    n, k = _size(n), _size(k, what="k, the number of features,")
    rng = numpy.random.default_rng(seed)
    beta = (numpy.resize([1.0, -1.0], k) if beta is None
            else numpy.asarray(beta, dtype=float))
    X = rng.normal(size=(n, k))
    p = 0.5 * (1 + numpy.tanh((alpha + X @ beta) / 2))
    return X, (rng.random(n) < p).astype(float)


def toy(model, n: int = 16, seed: int = 0) -> tuple[numpy.ndarray, numpy.ndarray]:
    """Random inputs and targets of the right shape and kind for ``model``.

    Targets are real numbers for regression, 0/1 for logistic outputs and one-hot rows for
    a softmax: handy for gradient checks.
    """
    n = _size(n)
    rng = numpy.random.default_rng(seed)
    k, m = len(model.inputs), len(model.targets)
    X = rng.normal(size=(n, k))
    output = model.output
    if output is SOFTMAX:
        Y = numpy.eye(m)[rng.integers(0, m, size=n)]
    elif getattr(output, "name", None) == "logistic":
        Y = rng.integers(0, 2, size=(n, m)).astype(float)
    else:
        Y = rng.normal(size=(n, m))
    return X, (Y[:, 0] if m == 1 else Y)


def _size(n, least: int = 1, what: str = "n, the number of samples,") -> int:
    try:
        n = operator.index(n)
    except TypeError:
        raise ValueError(f"{what} must be a whole number, not {n!r}") from None
    if n < least:
        raise ValueError(f"{what} must be at least {least}, not {n}")
    return n


def _noise(noise) -> float:
    noise = float(noise)
    if not noise >= 0 or not numpy.isfinite(noise):
        raise ValueError(f"noise is a standard deviation: a finite number ≥ 0, not {noise!r}")
    return noise


def moons(n: int = 200, seed: int = 0, noise: float = 0.1) -> tuple[numpy.ndarray, numpy.ndarray]:
    """Two interleaving half-circles, the classic "two moons": no straight line separates them.

    The upper moon (label 0) is the half-circle of radius 1 about (0, 0); the lower one
    (label 1) is the same shape flipped and moved to (1, 0.5) below. n // 2 points are on the
    first and the rest on the second, evenly spread along each arc, shuffled, with
    N(0, noise²) added to each coordinate.
    """
    n, noise = _size(n, 2), _noise(noise)
    rng = numpy.random.default_rng(seed)
    n_upper = n // 2
    t_upper = numpy.linspace(0.0, numpy.pi, n_upper)
    t_lower = numpy.linspace(0.0, numpy.pi, n - n_upper)
    X = numpy.concatenate([numpy.column_stack([numpy.cos(t_upper), numpy.sin(t_upper)]),
                           numpy.column_stack([1 - numpy.cos(t_lower), 0.5 - numpy.sin(t_lower)])])
    y = numpy.concatenate([numpy.zeros(n_upper), numpy.ones(n - n_upper)])
    order = rng.permutation(n)
    X, y = X[order], y[order]
    return X + noise * rng.normal(size=X.shape), y


def circles(n: int = 200, seed: int = 0, noise: float = 0.05,
            factor: float = 0.5) -> tuple[numpy.ndarray, numpy.ndarray]:
    """A small circle inside a large one: radius 1 (label 0, outer) and ``factor`` (label 1,
    inner), n // 2 points evenly spaced on the outer and the rest on the inner, shuffled,
    with N(0, noise²) added to each coordinate.
    """
    n, noise = _size(n, 2), _noise(noise)
    factor = float(factor)
    if not 0 < factor < 1:
        raise ValueError(f"factor is the inner circle's radius over the outer's: between 0 and 1, "
                         f"not {factor!r}")
    rng = numpy.random.default_rng(seed)
    n_outer = n // 2
    t_outer = numpy.linspace(0.0, 2 * numpy.pi, n_outer, endpoint=False)
    t_inner = numpy.linspace(0.0, 2 * numpy.pi, n - n_outer, endpoint=False)
    X = numpy.concatenate([numpy.column_stack([numpy.cos(t_outer), numpy.sin(t_outer)]),
                           factor * numpy.column_stack([numpy.cos(t_inner), numpy.sin(t_inner)])])
    y = numpy.concatenate([numpy.zeros(n_outer), numpy.ones(n - n_outer)])
    order = rng.permutation(n)
    X, y = X[order], y[order]
    return X + noise * rng.normal(size=X.shape), y


class Builtin(NamedTuple):
    """A row of a table: the function and a one-line description."""

    function: Callable
    description: str


#: continuous functions for ``function(f=name)``: a network with one hidden layer can
#: approximate each of them on an interval as closely as wanted (universal approximation)
FUNCTIONS: dict[str, Builtin] = {
    "sin": Builtin(numpy.sin, "sin(x): smooth and periodic"),
    "abs": Builtin(numpy.abs, "|x|: continuous with a kink at 0"),
    "step": Builtin(lambda x: numpy.tanh(5 * x), "tanh(5x): a smooth step from −1 to 1 at 0"),
    "bump": Builtin(lambda x: numpy.exp(-x ** 2), "exp(−x²): a bump at 0"),
    "cubic": Builtin(lambda x: x ** 3 / 9 - x, "x³/9 − x: a cubic that rises, falls and rises"),
}


def _target_function(f) -> tuple[Callable, str]:
    if callable(f):
        return f, getattr(f, "__name__", repr(f))
    if isinstance(f, str) and f.lower() in FUNCTIONS:
        return FUNCTIONS[f.lower()].function, f.lower()
    table = "; ".join(f"{name!r}: {row.description}" for name, row in FUNCTIONS.items())
    raise ValueError(f"unknown function {f!r}: give one of {table}; or a vectorized Python "
                     f"function of a NumPy array")


def function(n: int = 200, seed: int = 0, f="sin", low: float = -3.0, high: float = 3.0,
             noise: float = 0.0) -> tuple[numpy.ndarray, numpy.ndarray]:
    """A continuous function to approximate: x at n evenly spaced points of [low, high] (both
    ends included), y = f(x) + N(0, noise²) (exactly f(x) with the default noise 0).

    ``f`` is a name from ``FUNCTIONS`` ("sin", "abs", "step", "bump", "cubic") or a
    vectorized Python function taking and returning a NumPy array.
    """
    n, noise = _size(n), _noise(noise)
    low, high = float(low), float(high)
    if not (numpy.isfinite(low) and numpy.isfinite(high) and low < high):
        raise ValueError(f"the interval [low, high] needs finite low < high, not [{low}, {high}]")
    fn, name = _target_function(f)
    x = numpy.linspace(low, high, n)
    y = numpy.asarray(fn(x), dtype=float)
    if y.shape != x.shape:
        y = numpy.broadcast_to(y, x.shape).copy() if y.size == 1 else y
    if y.shape != x.shape:
        raise ValueError(f"f = {name} gave an array of shape {y.shape} for {n} points: it must "
                         f"work elementwise on a NumPy array (use numpy.sin, not math.sin)")
    if not numpy.isfinite(y).all():
        raise ValueError(f"f = {name} is not finite everywhere on [{low}, {high}]")
    if noise:
        y = y + noise * numpy.random.default_rng(seed).normal(size=n)
    return x[:, None], y


#: the built-in data sets by name, for ``load`` and the command line
BUILTIN: dict[str, Builtin] = {
    "slides": Builtin(slides_example, "the slides' example: y = 5 + x at x = 1, one sample"),
    "linear": Builtin(linear, "y = α + xβ + ε, x ~ N(0, 1): a linear regression (k features)"),
    "logistic": Builtin(logistic, "y ~ Bernoulli(G(α + xβ)): a logit model's 0/1 classes (k features)"),
    "moons": Builtin(moons, "two interleaving half-circles: classes no straight line separates"),
    "circles": Builtin(circles, "a small circle inside a large one: classes 0 (outer) and 1 (inner)"),
    "function": Builtin(function, "y = f(x) on an even grid: sin, abs, step, bump or cubic to approximate"),
}


def load(name: str, n: int | None = None, seed: int = 0, **options) -> Data:
    """The built-in data set ``name`` (a key of ``BUILTIN``) as a ``Data``: the inputs are
    named "x" when there is one and "x_1", …, "x_k" otherwise, the target "y". ``n=None``
    is the data set's own default size; ``options`` go to its function (``k`` for linear
    and logistic, ``noise``, ``factor``, ``f``, ``low``, ``high``, …).

    >>> load("slides").describe()
    "1 row, 1 feature (x) → target y; built-in 'slides' (y = 5 + x at x = 1, one sample)"
    """
    key = name.lower() if isinstance(name, str) else name
    if key not in BUILTIN:
        listing = ", ".join(repr(k) for k in BUILTIN)
        raise ValueError(f"unknown data set {name!r}: the built-in data sets are {listing}; "
                         f"a CSV file's path is also accepted (see tutor.load_csv)")
    generate = BUILTIN[key].function
    if key == "slides":
        if options or n not in (None, 1):
            raise ValueError("the 'slides' data set is one fixed sample (y = 5 + x at x = 1): "
                             "it takes no n or other options")
        X, Y = generate()
        source = "built-in 'slides' (y = 5 + x at x = 1, one sample)"
    else:
        accepted = [p for p in inspect.signature(generate).parameters if p not in ("n", "seed")]
        unknown = [option for option in options if option not in accepted]
        if unknown:
            raise ValueError(f"the {key!r} data set has no option {unknown[0]!r}; its options are "
                             f"n, seed, {', '.join(accepted)}")
        if n is not None:
            options = {"n": n, **options}
        X, Y = generate(seed=seed, **options)
        settings = ", ".join(f"{option}={_show(value)}" for option, value in options.items()
                             if option != "n")
        source = (f"built-in {key!r} (n={X.shape[0]}, seed={seed}"
                  f"{', ' + settings if settings else ''})")
    k = X.shape[1]
    features = ("x",) if k == 1 else tuple(f"x_{j}" for j in range(1, k + 1))
    return Data(X, Y, features, ("y",), source)


def _show(value) -> str:
    if callable(value):
        return getattr(value, "__name__", repr(value))
    return repr(value)
