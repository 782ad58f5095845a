"""Gradient descent and SGD, one update at a time, with every number a learner wants to see.

The update rule of the slides, with learning rate γ:

    α_t = α_{t−1} − γ · dc/dα |_{α_{t−1}}          (or, as computer scientists write it,
                                                   α ← α − γ dc/dα)

With all the data in each update it is gradient descent; with a shuffled mini-batch of
``batch_size`` samples per update it is stochastic gradient descent (SGD).

>>> import numpy, sympy, tutor
>>> alpha, x = sympy.symbols("alpha x")
>>> kernel = tutor.model(alpha + x, parameters=[alpha], inputs=[x]).compile()
>>> X, Y = numpy.array([[1.0]]), numpy.array([6.0])      # y = 5 + x at x = 1
>>> [float(s.theta[0]) for s in tutor.descend(kernel, [2.0], X, Y, learning_rate=1, steps=4)]
[8.0, 2.0, 8.0, 2.0]
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy

from .notation import unicode

__all__ = ["Step", "Divergence", "descend"]


class Divergence(ArithmeticError):
    """The iterates blew up. ``began`` is the step where the loss started to climb for good,
    ``step`` where it was caught, and ``last_good`` the last finite, sensible state."""

    def __init__(self, message: str, *, step: int, began: int, last_good: Step | None,
                 learning_rate: float):
        super().__init__(message)
        self.step, self.began, self.last_good = step, began, last_good
        self.learning_rate = learning_rate


@dataclass(frozen=True)
class Step:
    """One update: the state before it, the gradient there, and the state after it.

    ``loss``, ``grad``, ``predictions`` and ``errors`` (y − ŷ) are at ``theta_before``;
    ``update`` is −γ·grad and ``theta`` = theta_before + update.
    """

    t: int  # 1 for the first update
    epoch: int  # 1 for the first pass over the data
    theta_before: numpy.ndarray
    theta: numpy.ndarray
    loss: float
    grad: numpy.ndarray
    update: numpy.ndarray
    predictions: numpy.ndarray
    errors: numpy.ndarray
    batch: numpy.ndarray  # the rows of X used in this update
    learning_rate: float
    names: tuple[str, ...] = ()

    def __str__(self) -> str:
        names = self.names or tuple(f"θ{i}" for i in range(len(self.theta)))
        moves = ", ".join(f"{n}: {_num(a)} → {_num(b)}" for n, a, b in
                          zip(names[:4], self.theta_before[:4], self.theta[:4], strict=False))
        more = f", … ({len(names) - 4} more)" if len(names) > 4 else ""
        return f"step {self.t}: loss {_num(self.loss)}; {moves}{more}"


def _num(v) -> str:
    return f"{float(v):.6g}"


def _numpy(array) -> numpy.ndarray:
    if isinstance(array, numpy.ndarray):
        return array
    if hasattr(array, "get"):  # CuPy
        return array.get()
    try:
        return numpy.asarray(array)
    except (TypeError, ValueError):
        return numpy.from_dlpack(array)


def _check_settings(learning_rate, steps, epochs, batch_size, n):
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, int | float | numpy.number):
        raise TypeError(f"learning_rate must be a number, got {learning_rate!r}")
    if not math.isfinite(learning_rate) or learning_rate <= 0:
        raise ValueError(f"learning_rate must be a positive finite number (γ > 0), got "
                         f"{learning_rate!r}; the slides use 0.1")
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(
            batch_size, int | numpy.integer) or not 1 <= batch_size <= n):
        raise ValueError(f"batch_size must be a whole number from 1 to {n} (the number of "
                         f"samples), or none at all (None) for full-batch gradient descent; "
                         f"got {batch_size!r}")
    for name, value in (("steps", steps), ("epochs", epochs)):
        if value is not None and (isinstance(value, bool) or not isinstance(
                value, int | numpy.integer) or value < 0):
            raise ValueError(f"{name} must be a whole number ≥ 0, got {value!r}")


def descend(kernel, theta0, X, Y, learning_rate: float = 0.1, steps: int | None = 100,
            batch_size: int | None = None, seed: int | None = 0,
            epochs: int | None = None) -> Iterator[Step]:
    """Yield one :class:`Step` per update of θ ← θ − γ ∇c(θ).

    ``batch_size=None`` is full-batch gradient descent; an integer gives SGD with mini-batches
    drawn from a fresh seeded shuffle each epoch. ``epochs``, when given, replaces ``steps``.
    If the iterates blow up (a non-finite loss, gradient or θ, or a loss that keeps climbing
    past a million times its reference level), :class:`Divergence` is raised after the steps
    before it
    were yielded; it says where the climb began and keeps the last good step.
    """
    X = numpy.asarray(X, dtype=float) if not hasattr(X, "shape") else X
    Y = numpy.asarray(Y, dtype=float) if not hasattr(Y, "shape") else Y
    n = X.shape[0] if X.ndim else 0
    if n < 1:
        raise ValueError("X has no rows: gradient descent needs data")
    if Y.shape[0] != n:
        raise ValueError(f"X has {n} rows but Y has {Y.shape[0]}: one target row per sample")
    _check_settings(learning_rate, steps, epochs, batch_size, n)
    theta = numpy.array(theta0, dtype=float).reshape(-1)
    if theta.shape != (kernel.n_parameters,):
        raise ValueError(f"θ₀ must hold {kernel.n_parameters} numbers (one per parameter), "
                         f"got {theta.size}")
    if not numpy.all(numpy.isfinite(theta)):
        raise ValueError("θ₀ holds NaN or infinity: start from finite values")
    for name, array in (("X", X), ("Y", Y)):
        if not bool(numpy.all(numpy.isfinite(_numpy(array)))):
            raise ValueError(f"{name} holds NaN or infinity: remove or impute those values first")
    # a step prints its first few parameters by name; a huge network is not worth naming
    names = tuple(unicode(p) for p in kernel.parameters) if kernel.n_parameters <= 1000 else ()
    per_epoch = 1 if batch_size is None else math.ceil(n / batch_size)
    total = epochs * per_epoch if epochs is not None else (100 if steps is None else steps)
    rng = numpy.random.default_rng(seed)
    order = numpy.arange(n)
    best, climbing_since, last_good = math.inf, None, None
    total_loss = 0.0  # SGD's reference level: the mean batch loss so far
    numpy_backend = kernel.backend.name == "numpy"
    for t in range(1, total + 1):
        epoch, position = divmod(t - 1, per_epoch)
        if batch_size is None:
            rows = order
        else:
            if position == 0:
                order = rng.permutation(n)
            rows = order[position * batch_size:(position + 1) * batch_size]
        Xb, Yb = (X, Y) if batch_size is None else (X[rows], Y[rows])
        quiet = numpy.errstate(all="ignore") if numpy_backend else contextlib.nullcontext()
        with quiet:  # overflow is caught below and reported as divergence, not as a warning
            loss, grad = kernel(theta, Xb, Yb)
            loss, grad = float(loss), _numpy(grad).astype(float)
            predictions = _numpy(kernel.predict(theta, Xb)).astype(float)
            update = -learning_rate * grad
            new = theta + update
        errors = _numpy(Yb).astype(float).reshape(predictions.shape) - predictions
        finite = math.isfinite(loss) and numpy.all(numpy.isfinite(grad)) and numpy.all(
            numpy.isfinite(new))
        climbing_since = (climbing_since or t) if loss > best else None
        # full batch: the loss against the best so far; SGD: against the mean batch loss so far,
        # since one small batch can fit almost perfectly and make its next neighbour look huge
        reference = best if batch_size is None else total_loss / max(t - 1, 1)
        exploded = finite and climbing_since is not None and loss > 1e6 * max(reference, 1e-12)
        if not finite or exploded or (numpy.max(numpy.abs(new)) > 1e100):
            # the loss measured at step t is the result of update t − 1
            began = max(1, (climbing_since or t) - 1)
            what = "became infinite or NaN" if not finite else "grew more than a million-fold"
            raise Divergence(
                f"gradient descent diverged: the loss {what} by step {t}, climbing since step "
                f"{began}. The learning rate γ = {learning_rate:g} is too large: each update "
                f"overshoots the minimum by more than it corrects. Try a smaller γ (e.g. "
                f"{learning_rate / 10:g}).",
                step=t, began=began, last_good=last_good, learning_rate=learning_rate)
        best = min(best, loss)
        total_loss += loss
        step = Step(t, epoch + 1, theta, new, loss, grad, update, predictions, errors,
                    numpy.asarray(rows), float(learning_rate), names)
        last_good = step
        theta = new
        yield step
