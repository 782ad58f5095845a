"""Small data sets, seeded: the slides' example and simulated regressions and classes.

>>> from tutor import datasets
>>> X, Y = datasets.slides_example()        # y = 5 + x, observed at x = 1
>>> X.tolist(), Y.tolist()
([[1.0]], [6.0])
"""

from __future__ import annotations

import numpy

from .activations import SOFTMAX

__all__ = ["slides_example", "linear", "logistic", "toy"]


def slides_example() -> tuple[numpy.ndarray, numpy.ndarray]:
    """The gradient-descent slides' data: y = 5 + x, one sample at x = 1 (so y = 6)."""
    return numpy.array([[1.0]]), numpy.array([6.0])


def linear(n: int = 100, k: int = 1, seed: int = 0, alpha: float = 1.0, beta=None,
           noise: float = 0.5) -> tuple[numpy.ndarray, numpy.ndarray]:
    """y = α + xβ + ε with x ~ N(0, 1) and ε ~ N(0, noise²); β defaults to 1, 2, …, k."""
    rng = numpy.random.default_rng(seed)
    beta = numpy.arange(1.0, k + 1) if beta is None else numpy.asarray(beta, dtype=float)
    X = rng.normal(size=(n, k))
    return X, alpha + X @ beta + noise * rng.normal(size=n)


def logistic(n: int = 200, k: int = 1, seed: int = 0, alpha: float = -0.5,
             beta=None) -> tuple[numpy.ndarray, numpy.ndarray]:
    """y ~ Bernoulli(G(α + xβ)), G the logistic; β defaults to 1, −1, 1, …"""
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
    rng = numpy.random.default_rng(seed)
    k, m = len(model.inputs), len(model.targets)
    X = rng.normal(size=(n, k))
    output = getattr(model, "output", None)
    if output is SOFTMAX:
        Y = numpy.eye(m)[rng.integers(0, m, size=n)]
    elif getattr(output, "name", None) == "logistic":
        Y = rng.integers(0, 2, size=(n, m)).astype(float)
    else:
        Y = rng.normal(size=(n, m))
    return X, (Y[:, 0] if m == 1 else Y)
